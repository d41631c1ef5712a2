//! Where an instance's VIPs go and what the kernel is asked for each, decided without I/O
//! (shell/actions.rs adds, removes and announces them).

use crate::config::iproute::IpAddress;
use crate::config::vrrp::Family;
use crate::net::rtnl::{
    AddrSpec, IFA_F_HOMEADDRESS, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, RT_SCOPE_UNIVERSE,
};

/// An instance's links as its VIPs' placement sees them.
#[derive(Clone, Copy, Debug)]
pub struct Links<'a> {
    pub family: Family,
    /// Its interface (0: none, a unicast instance without one).
    pub ifindex: u32,
    pub ifname: &'a str,
    pub vmac_ifindex: Option<u32>,
}

/// The interface VIP `a` of an instance on `own` goes on; `by_name` finds a `dev` one. None:
/// no interface for it.
pub fn device(
    a: &IpAddress,
    own: &Links<'_>,
    by_name: impl Fn(&str) -> Option<u32>,
) -> Option<u32> {
    let other_family = a.addr.is_ipv6() != (own.family == Family::V6);
    match &a.dev {
        // keepalived moves VIPs on the instance's own interface onto its VMAC...
        Some(d) if own.vmac_ifindex.is_none() || *d != own.ifname => by_name(d),
        // ...but only those of the instance's family (vrrp.c vrrp_complete_instance).
        _ if other_family => Some(own.ifindex).filter(|&x| x != 0),
        _ => Some(own.vmac_ifindex.unwrap_or(own.ifindex)).filter(|&x| x != 0),
    }
}

/// What adding VIP `a` on `ifindex` asks the kernel for.
pub fn add_spec(ifindex: u32, a: &IpAddress) -> AddrSpec<'_> {
    let mut spec = AddrSpec::new(ifindex, a.addr, a.prefix_len);
    spec.peer = a.peer;
    spec.broadcast = a.broadcast;
    spec.scope = a.scope.unwrap_or(RT_SCOPE_UNIVERSE);
    spec.label = a.label.as_deref();
    if a.addr.is_ipv6() {
        spec.flags |= IFA_F_NODAD;
        // keepalived deprecates a /128 VIP so that it is never picked as a source.
        spec.preferred_lft = a
            .preferred_lft
            .or(if a.prefix_len == 128 { Some(0) } else { None });
    }
    if a.flags.noprefixroute {
        spec.flags |= IFA_F_NOPREFIXROUTE;
    }
    if a.flags.home {
        spec.flags |= IFA_F_HOMEADDRESS;
    }
    spec
}

/// What removing VIP `a` from `ifindex` asks the kernel for.
pub fn del_spec(ifindex: u32, a: &IpAddress) -> AddrSpec<'_> {
    let mut spec = AddrSpec::new(ifindex, a.addr, a.prefix_len);
    spec.peer = a.peer;
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{from_tree, reader, Config, Diagnostics};

    fn vips(lines: &str) -> Vec<IpAddress> {
        let text = format!(
            "vrrp_instance VI {{\n interface eth0\n virtual_router_id 7\n priority 100\n \
             virtual_ipaddress {{\n{lines}\n }}\n}}\n"
        );
        let mut d = Diagnostics::new();
        let nodes = reader::tree_from_str(&text, 0, &mut d);
        let cfg: Config = from_tree(&nodes, &mut d);
        assert!(!d.has_errors(), "{text}");
        let v = &cfg.vrrp.instances[0];
        v.vips.iter().chain(&v.evips).cloned().collect()
    }

    fn by_name(n: &str) -> Option<u32> {
        match n {
            "eth0" => Some(2),
            "eth1" => Some(3),
            _ => None,
        }
    }

    const PLAIN: Links = Links {
        family: Family::V4,
        ifindex: 2,
        ifname: "eth0",
        vmac_ifindex: None,
    };
    const VMAC: Links = Links {
        vmac_ifindex: Some(9),
        ..PLAIN
    };

    #[test]
    fn vips_without_dev_go_on_the_vmac_if_any() {
        let a = &vips("  192.0.2.1/24")[0];
        assert_eq!(device(a, &PLAIN, by_name), Some(2));
        assert_eq!(device(a, &VMAC, by_name), Some(9));
    }

    #[test]
    fn a_dev_naming_the_instance_s_own_interface_means_its_vmac() {
        let on_dev = |dev: &str| {
            let mut a = vips("  192.0.2.1/24").remove(0);
            a.dev = Some(dev.into());
            a
        };
        let v = [on_dev("eth0"), on_dev("eth1"), on_dev("nope")];
        let on =
            |l: &Links| -> Vec<Option<u32>> { v.iter().map(|a| device(a, l, by_name)).collect() };
        assert_eq!(on(&PLAIN), [Some(2), Some(3), None]);
        assert_eq!(on(&VMAC), [Some(9), Some(3), None]);
    }

    #[test]
    fn the_other_family_s_vips_stay_on_the_interface() {
        let a = &vips("  2001:db8::1/64")[0];
        assert_eq!(device(a, &VMAC, by_name), Some(2));
    }

    #[test]
    fn an_instance_without_interface_has_nowhere_for_its_vips() {
        let none = Links {
            ifindex: 0,
            ifname: "",
            ..PLAIN
        };
        assert_eq!(device(&vips("  192.0.2.1/24")[0], &none, by_name), None);
    }

    #[test]
    fn ipv6_vips_skip_dad_and_a_128_is_deprecated() {
        let v = vips("  2001:db8::1/128\n  2001:db8::2/64");
        let (host, net) = (add_spec(2, &v[0]), add_spec(2, &v[1]));
        assert_eq!(host.flags & IFA_F_NODAD, IFA_F_NODAD);
        assert_eq!(host.preferred_lft, Some(0));
        assert_ne!(net.preferred_lft, Some(0));
    }

    #[test]
    fn ipv4_vips_keep_their_label_and_scope() {
        let a = &vips("  192.0.2.1/24 label eth0:vip scope link")[0];
        let s = add_spec(2, a);
        assert_eq!(s.label, Some("eth0:vip"));
        assert_ne!(s.scope, RT_SCOPE_UNIVERSE);
        assert_eq!(s.flags & IFA_F_NODAD, 0);
        let d = del_spec(2, a);
        assert_eq!((d.ifindex, d.addr, d.prefix), (2, a.addr, 24));
    }
}
