//! keepalived's use_vmac without I/O: the MAC and link name a VMAC gets, and the sysctls set
//! around it; the shell's vmac.rs creates or adopts the link and writes them.

use std::net::Ipv6Addr;

use crate::config::vrrp::{Family, VrrpInstance};

/// The virtual router MAC of RFC 5798 section 7.3.
pub fn default_mac(vrid: u8, v6: bool) -> [u8; 6] {
    [0x00, 0x00, 0x5e, 0x00, if v6 { 0x02 } else { 0x01 }, vrid]
}

/// The MAC instance `v`'s VMAC gets: its configured one (its last byte the VRID with
/// `mac_use_vrid`), else the virtual router MAC.
pub fn wanted_mac(v: &VrrpInstance, vrid: u8, v6: bool) -> [u8; 6] {
    match v
        .use_vmac
        .as_ref()
        .and_then(|m| m.mac.map(|mac| (mac, m.mac_use_vrid)))
    {
        Some((mut mac, use_vrid)) => {
            if use_vrid {
                mac[5] = vrid;
            }
            mac
        }
        None => default_mac(vrid, v6),
    }
}

/// The link-local address an IPv6 VMAC gets, so that its adverts leave from an address that
/// is no VIP: its parent's, else the one the kernel derives from the parent's MAC (modified
/// EUI-64), which the parent gets too by default. A parent made again has none yet when its
/// VMAC is made again.
pub fn link_local(parent_ll6: Option<Ipv6Addr>, parent_mac: [u8; 6]) -> Ipv6Addr {
    parent_ll6.unwrap_or_else(|| {
        let m = parent_mac;
        let mut b = [0u8; 16];
        b[0] = 0xfe;
        b[1] = 0x80;
        b[8..11].copy_from_slice(&[m[0] ^ 0x02, m[1], m[2]]);
        b[11..13].copy_from_slice(&[0xff, 0xfe]);
        b[13..16].copy_from_slice(&m[3..6]);
        Ipv6Addr::from(b)
    })
}

/// An IPv6 VMAC instance, as [`ll_moves`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct LlUser {
    /// Its interface: the VMAC's parent.
    pub parent: u32,
    pub vmac: u32,
    /// It sends adverts from its VMAC (not `vmac_xmit_base`) over IPv6.
    pub sends_v6: bool,
    /// The link-local address the VMAC has now.
    pub vmac_ll: Option<Ipv6Addr>,
}

/// Link `parent` now sends from link-local `ll` (one that came after it was made again, and
/// not the one its MAC gives, as with stable-privacy addresses): the VMACs over it whose
/// adverts leave from it take it, each in place of the one it had (the second of the pair),
/// as keepalived's netlink handler does. Once per VMAC.
pub fn ll_moves(
    users: impl Iterator<Item = LlUser>,
    parent: u32,
    ll: Ipv6Addr,
) -> Vec<(u32, Option<Ipv6Addr>)> {
    let mut out: Vec<(u32, Option<Ipv6Addr>)> = Vec::new();
    for u in users {
        let takes = u.parent == parent && u.sends_v6 && u.vmac_ll != Some(ll);
        if takes && !out.iter().any(|m| m.0 == u.vmac) {
            out.push((u.vmac, u.vmac_ll));
        }
    }
    out
}

/// How many names [`candidate_name`] gives for one VRID.
pub const CANDIDATES: u8 = 10;

/// The `i`th name a VMAC of VRID `vrid` may take: `vrrp.VRID`, then `vrrp1.VRID` ... when a
/// link of that name is someone else's. (An index, not an iterator: once/chain/map/find_map
/// at each caller were ~350 bytes of MIPS code apiece.)
pub fn candidate_name(vrid: u8, i: u8) -> String {
    if i == 0 {
        format!("vrrp.{vrid}")
    } else {
        format!("vrrp{i}.{vrid}")
    }
}

/// Whether the instance runs over IPv6 (its VMAC then gets no IPv4 sysctls).
pub fn is_v6(v: &VrrpInstance) -> bool {
    v.resolved.family.or(v.family) == Some(Family::V6)
}

/// Where instance's VMAC goes.
#[derive(Debug, PartialEq, Eq)]
pub enum NameFor {
    /// A link of that name with our MAC is there (an earlier run, or a reload): it is ours.
    Adopt(String),
    /// Free: to be created.
    Create(String),
    /// The configured name is another link's (it has another MAC).
    Taken(String),
}

/// The name the VMAC of VRID `vrid` with MAC `mac` gets: the `configured` one, else the first
/// of [`candidate_name`]s that is ours already or free. `mac_of`: the MAC of the link of that
/// name, if there is one. None when every candidate is someone else's.
pub fn name_for(
    configured: Option<&str>,
    vrid: u8,
    mac: [u8; 6],
    mac_of: impl Fn(&str) -> Option<[u8; 6]>,
) -> Option<NameFor> {
    let pick = |name: String| match mac_of(&name) {
        Some(m) if m == mac => Some(NameFor::Adopt(name)),
        Some(_) => None,
        None => Some(NameFor::Create(name)),
    };
    match configured {
        Some(n) => Some(pick(n.to_string()).unwrap_or_else(|| NameFor::Taken(n.to_string()))),
        None => {
            for i in 0..CANDIDATES {
                if let Some(n) = pick(candidate_name(vrid, i)) {
                    return Some(n);
                }
            }
            None
        }
    }
}

/// The sysctls (family, key, value) set on the VMAC itself: arp_ignore, and for IPv4 the
/// settings that let it take its own adverts and keep secondaries.
pub fn own_sysctls(v6: bool) -> &'static [(&'static str, &'static str, &'static str)] {
    const ALL: [(&str, &str, &str); 4] = [
        ("ipv4", "arp_ignore", "1"),
        ("ipv4", "accept_local", "1"),
        ("ipv4", "rp_filter", "0"),
        ("ipv4", "promote_secondaries", "1"),
    ];
    if v6 {
        &ALL[..1]
    } else {
        &ALL
    }
}

/// The IPv4 sysctls (key, value) set on the VMAC's parent, put back at stop.
pub const PARENT_SYSCTLS: [(&str, &str); 2] = [("arp_ignore", "1"), ("arp_filter", "1")];

/// rp_filter moves off `all` (whose level `all`, when above 0, would override the VMAC's 0):
/// since the kernel uses max(all, interface), each of `others` (every other interface and
/// `default`, with its level) below that level is raised to it, so none changes in effect.
pub fn rp_filter_raises<'a>(all: u32, others: &[(&'a str, u32)]) -> Vec<&'a str> {
    let mut raise = Vec::new();
    for &(n, cur) in others {
        if cur < all {
            raise.push(n);
        }
    }
    raise
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_router_macs() {
        assert_eq!(default_mac(51, false), [0, 0, 0x5e, 0, 1, 51]);
        assert_eq!(default_mac(7, true), [0, 0, 0x5e, 0, 2, 7]);
        let v = VrrpInstance {
            use_vmac: Some(crate::config::vrrp::instance::Vmac {
                ifname: None,
                mac: Some([2, 1, 2, 3, 4, 0]),
                mac_use_vrid: true,
            }),
            ..VrrpInstance::default()
        };
        assert_eq!(wanted_mac(&v, 9, false), [2, 1, 2, 3, 4, 9]);
    }

    #[test]
    fn names_try_the_next_prefix_on_a_clash() {
        let n: Vec<String> = (0..3).map(|i| candidate_name(51, i)).collect();
        assert_eq!(n, ["vrrp.51", "vrrp1.51", "vrrp2.51"]);
        assert_eq!(candidate_name(51, CANDIDATES - 1), "vrrp9.51");
    }

    #[test]
    fn a_vmac_adopts_its_own_link_skips_others_and_takes_a_free_name() {
        let mac = default_mac(51, false);
        let links = |n: &str| match n {
            "vrrp.51" => Some([2, 0, 0, 0, 0, 1]),
            "vrrp1.51" => Some(mac),
            "mine" => Some(mac),
            "busy" => Some([2, 0, 0, 0, 0, 2]),
            _ => None,
        };
        let got = |c| name_for(c, 51, mac, links);
        assert_eq!(got(None), Some(NameFor::Adopt("vrrp1.51".into())));
        assert_eq!(got(Some("mine")), Some(NameFor::Adopt("mine".into())));
        assert_eq!(got(Some("busy")), Some(NameFor::Taken("busy".into())));
        assert_eq!(got(Some("new0")), Some(NameFor::Create("new0".into())));
        let someone_else = |n: &str| (n == "vrrp.51").then_some([2, 0, 0, 0, 0, 1]);
        assert_eq!(
            name_for(None, 51, mac, someone_else),
            Some(NameFor::Create("vrrp1.51".into()))
        );
        assert_eq!(name_for(None, 51, mac, |_| Some([9; 6])), None);
    }

    #[test]
    fn ipv6_vmacs_get_arp_ignore_only_and_rp_filter_moves_off_all() {
        assert_eq!(own_sysctls(true), [("ipv4", "arp_ignore", "1")]);
        assert_eq!(own_sysctls(false).len(), 4);
        let others = [("eth0", 0), ("eth1", 2), ("default", 1)];
        assert_eq!(rp_filter_raises(2, &others), ["eth0", "default"]);
    }

    #[test]
    fn a_vmac_takes_its_parents_link_local_or_the_one_its_mac_gives() {
        let mac = [0xa2, 0xed, 0xfe, 0x62, 0xc9, 0xbe];
        let ll: Ipv6Addr = "fe80::1".parse().unwrap();
        assert_eq!(link_local(Some(ll), mac), ll);
        let eui: Ipv6Addr = "fe80::a0ed:feff:fe62:c9be".parse().unwrap();
        assert_eq!(link_local(None, mac), eui);
    }

    #[test]
    fn a_vmac_takes_the_link_local_its_parent_gets_later() {
        let (old, new): (Ipv6Addr, Ipv6Addr) =
            ("fe80::1".parse().unwrap(), "fe80::2".parse().unwrap());
        let u = |vmac, sends_v6, vmac_ll| LlUser {
            parent: 3,
            vmac,
            sends_v6,
            vmac_ll,
        };
        // Two instances on one VMAC, one with vmac_xmit_base, one that has it already.
        let users = [
            u(7, true, Some(old)),
            u(7, true, Some(old)),
            u(8, false, None),
            u(9, true, Some(new)),
        ];
        assert_eq!(ll_moves(users.into_iter(), 3, new), [(7, Some(old))]);
        // Another parent's address is none of theirs.
        assert_eq!(ll_moves(users.into_iter(), 4, new), []);
    }
}
