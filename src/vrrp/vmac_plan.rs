//! The MAC and link name a VMAC gets (keepalived's use_vmac), without I/O; the shell's
//! vmac.rs creates or adopts the link.

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

/// `vrrp.VRID`, then `vrrp1.VRID` ... when a link of that name is someone else's.
pub fn candidate_names(vrid: u8) -> impl Iterator<Item = String> {
    std::iter::once(format!("vrrp.{vrid}")).chain((1..10).map(move |n| format!("vrrp{n}.{vrid}")))
}

/// Whether the instance runs over IPv6 (its VMAC then gets no IPv4 sysctls).
pub fn is_v6(v: &VrrpInstance) -> bool {
    v.resolved.family.or(v.family) == Some(Family::V6)
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
        let n: Vec<String> = candidate_names(51).take(3).collect();
        assert_eq!(n, ["vrrp.51", "vrrp1.51", "vrrp2.51"]);
    }
}
