//! What the firewall's sets hold for the instances, without I/O: the VIPs a MASTER's drop
//! sets get, what a change of them adds and removes, and the VMAC map's entries. The shell's
//! firewall.rs sends the batches crate::vrrp::firewall builds for them.

use crate::config::iproute::IpAddress;
use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::vrrp::firewall::{drops_vips, Vip};
use crate::vrrp::ifaces::Ifaces;

/// The VIPs and eVIPs instance `v` should have in the drop sets while it holds them.
/// `addrs`: each VIP then eVIP with the interface it goes on; `own`: the interface its VIPs go
/// on by default (its VMAC or its interface); `by_index`: `nftables_ifindex`.
pub fn wanted(
    v: &VrrpInstance,
    by_index: bool,
    own: u32,
    addrs: &[(&IpAddress, Option<u32>)],
    ifaces: &Ifaces,
) -> Vec<Vip> {
    if !drops_vips(v) {
        return Vec::new();
    }
    // A loop over a slice, not map/collect over the caller's chain: ~350 bytes less MIPS code.
    let mut out = Vec::with_capacity(addrs.len());
    for &(a, ifindex) in addrs {
        let ifindex = ifindex.unwrap_or(0);
        let by_name = !by_index && v.dont_track_primary && (ifindex == own || a.no_track);
        let ifname = by_name.then(|| {
            let mut n = [0u8; 16];
            if let Some(f) = ifaces.by_index(ifindex) {
                let b = f.name.as_bytes();
                let len = b.len().min(15);
                n[..len].copy_from_slice(&b[..len]);
            }
            n
        });
        out.push(Vip {
            addr: a.addr,
            ifindex,
            ifname,
        });
    }
    out
}

/// Going from `have` to `want`: the elements to delete, then those to add (a reload keeps
/// in the sets the addresses it keeps).
pub fn changes(have: &[Vip], want: &[Vip]) -> (Vec<Vip>, Vec<Vip>) {
    (absent(have, want), absent(want, have))
}

/// The elements of `from` that `to` lacks, in `from`'s order (a loop: measured smaller than
/// filter/copied/collect).
fn absent(from: &[Vip], to: &[Vip]) -> Vec<Vip> {
    let mut out = Vec::new();
    for v in from {
        if !to.contains(v) {
            out.push(*v);
        }
    }
    out
}

/// A VMAC in the firewall's VMAC map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmacEntry {
    pub vmac: u32,
    /// Its parent interface.
    pub base: u32,
    /// Its instance runs over IPv6.
    pub v6: bool,
    /// Its instance has eVIPs of the other family (the VMAC is then in both tables).
    pub other: bool,
}

/// The VMAC map entries of `cfg`'s instances whose VMAC and parent exist (once each).
pub fn vmac_entries(cfg: &Config, ifaces: &Ifaces) -> Vec<VmacEntry> {
    let mut out: Vec<VmacEntry> = Vec::new();
    for v in &cfg.vrrp.instances {
        let Some(name) = v.use_vmac.as_ref().and_then(|m| m.ifname.as_ref()) else {
            continue;
        };
        let base = v
            .interface
            .as_ref()
            .or(cfg.global.default_interface.as_ref())
            .and_then(|n| ifaces.by_name(n));
        let (Some(f), Some(base)) = (ifaces.by_name(name), base) else {
            continue;
        };
        if out.iter().any(|e| e.vmac == f.ifindex) {
            continue;
        }
        let v6 = v.vips.first().is_some_and(|a| a.addr.is_ipv6());
        out.push(VmacEntry {
            vmac: f.ifindex,
            base: base.ifindex,
            v6,
            other: v.evips.iter().any(|a| a.addr.is_ipv6() != v6),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::ifaces::IfInfo;

    fn load(text: &str) -> Config {
        use crate::config::{from_tree, reader, Diagnostics};
        let mut d = Diagnostics::new();
        let cfg = from_tree(&reader::tree_from_str(text, 0, &mut d), &mut d);
        assert!(!d.has_errors(), "{:?}", d.items());
        cfg
    }

    fn ifaces() -> Ifaces {
        let f = |ifindex, name: &str| IfInfo {
            ifindex,
            name: name.into(),
            up: true,
            mac: [2, 0, 0, 0, 0, ifindex as u8],
            mtu: 1500,
            v4: None,
            ll6: None,
            group: 0,
        };
        Ifaces {
            list: vec![f(2, "eth0"), f(7, "vrrp.51"), f(8, "a-very-long-ifname")],
            stale: false,
            origins: Vec::new(),
        }
    }

    const STRICT: &str = "global_defs {\n vrrp_strict\n}\nvrrp_instance A {\n interface eth0\n \
                          virtual_router_id 51\n priority 100\n";

    #[test]
    fn link_local_vips_of_a_dont_track_primary_instance_go_by_name() {
        let cfg = load(&format!(
            "{STRICT} dont_track_primary\n virtual_ipaddress {{\n  fe80::9/64\n  \
             fe80::8/64 no_track\n }}\n}}\n"
        ));
        let v = &cfg.vrrp.instances[0];
        let addrs = [(&v.vips[0], Some(2)), (&v.vips[1], Some(8))];
        let got = wanted(v, false, 2, &addrs, &ifaces());
        let name = |s: &str| {
            let mut n = [0u8; 16];
            n[..s.len().min(15)].copy_from_slice(&s.as_bytes()[..s.len().min(15)]);
            Some(n)
        };
        assert_eq!(got[0].ifname, name("eth0"));
        // A no_track one goes by name wherever it is, cut to IFNAMSIZ - 1, NUL-terminated.
        assert_eq!(got[1].ifname, name("a-very-long-ifname"));
        assert_eq!(got[1].ifname.map(|n| n[15]), Some(0));
        // nftables_ifindex keys them by index instead.
        let by_index = wanted(v, true, 2, &addrs, &ifaces());
        assert!(by_index.iter().all(|x| x.ifname.is_none()));
    }

    #[test]
    fn an_address_owner_wants_nothing_dropped() {
        let cfg = load(&format!(
            "{} priority 255\n virtual_ipaddress {{\n  10.0.0.1/24\n }}\n}}\n",
            STRICT.replace(" priority 100\n", "")
        ));
        let v = &cfg.vrrp.instances[0];
        let got = wanted(v, false, 2, &[(&v.vips[0], Some(2))], &ifaces());
        assert!(got.is_empty());
    }

    #[test]
    fn a_change_touches_only_the_differences() {
        let vip = |last: u8| Vip {
            addr: std::net::IpAddr::from([10, 0, 0, last]),
            ifindex: 2,
            ifname: None,
        };
        let (gone, new) = changes(&[vip(1), vip(2)], &[vip(2), vip(3)]);
        assert_eq!((gone, new), (vec![vip(1)], vec![vip(3)]));
    }

    #[test]
    fn each_vmac_is_mapped_once_to_its_parent() {
        let two = "vrrp_instance A {\n interface eth0\n virtual_router_id 51\n priority 100\n \
                   use_vmac vrrp.51\n virtual_ipaddress {\n  10.0.0.1/24\n }\n \
                   virtual_ipaddress_excluded {\n  fd00::1/64\n }\n}\n";
        let cfg = load(&format!(
            "{two}{}",
            two.replace("instance A", "instance B")
                .replace("id 51", "id 52")
        ));
        assert_eq!(
            vmac_entries(&cfg, &ifaces()),
            [VmacEntry {
                vmac: 7,
                base: 2,
                v6: false,
                other: true
            }]
        );
    }
}
