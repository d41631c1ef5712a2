//! What the parent does for a VRRP child that ended without stopping (killed as hung, or
//! crashed): it takes that child's VIPs and eVIPs off the interfaces before anything else, so a
//! peer that has taken over is the only host answering for them.
//!
//! This is the first thing the respawned child would do anyway (an instance starts by removing
//! leftover VIPs), done at once instead of after the respawn back-off. Virtual routes and rules,
//! VMAC links and the nftables table stay for that child: none of them answers ARP or ND for a
//! VIP, and a BACKUP keeps its VMAC too.

use log::{info, warn};

use crate::config::iproute::IpAddress;
use crate::config::vrrp::{Family, VrrpInstance};
use crate::config::Config;
use crate::net::rtnl::{AddrInfo, Link, Rtnl};
use crate::vrrp::vip_plan::{self, Links};
use crate::vrrp::vmac_plan::{candidate_name, is_v6, wanted_mac, CANDIDATES};

/// One address to take off: instance name, interface, the configured VIP.
pub(super) struct Stale<'c> {
    pub(super) instance: &'c str,
    pub(super) ifindex: u32,
    pub(super) vip: &'c IpAddress,
}

fn ifindex_of(links: &[Link], name: &str) -> Option<u32> {
    links
        .iter()
        .find(|l| l.name.as_str() == name)
        .map(|l| l.ifindex)
}

/// The VMAC link instance `v` uses: its configured name, else the first of keepalived's
/// names that carries the VMAC's MAC (a link of that name with another MAC is not ours).
fn vmac_ifindex(v: &VrrpInstance, links: &[Link]) -> Option<u32> {
    let vm = v.use_vmac.as_ref()?;
    if let Some(name) = &vm.ifname {
        return ifindex_of(links, name);
    }
    let vrid = v.vrid?;
    let mac = wanted_mac(v, vrid, is_v6(v));
    for i in 0..CANDIDATES {
        let n = candidate_name(vrid, i);
        for l in links {
            if l.name.as_str() == n && l.hwaddr.is_some_and(|h| h.as_bytes() == mac) {
                return Some(l.ifindex);
            }
        }
    }
    None
}

/// Every configured VIP and eVIP that is on the interface the VRRP child puts it on, as
/// `links` and `addrs` (the kernel's dumps) show it.
pub(super) fn stale<'c>(cfg: &'c Config, links: &[Link], addrs: &[AddrInfo]) -> Vec<Stale<'c>> {
    let mut out = Vec::new();
    for v in &cfg.vrrp.instances {
        let ifname = v.interface.as_deref().unwrap_or("");
        let own = Links {
            family: v.resolved.family.or(v.family).unwrap_or(Family::V4),
            ifindex: ifindex_of(links, ifname).unwrap_or(0),
            ifname,
            vmac_ifindex: vmac_ifindex(v, links),
        };
        for vip in v.vips.iter().chain(&v.evips) {
            let Some(ifindex) = vip_plan::device(vip, &own, |d| ifindex_of(links, d)) else {
                continue;
            };
            let present = addrs
                .iter()
                .any(|a| a.ifindex == ifindex && a.addr == vip.addr && a.prefix == vip.prefix_len);
            if present {
                out.push(Stale {
                    instance: &v.name,
                    ifindex,
                    vip,
                });
            }
        }
    }
    out
}

/// Removes the VIPs and eVIPs of VRRP child `pid`, which ended without removing them.
pub(super) fn release_vips(cfg: &Config, pid: i32) {
    if cfg.vrrp.instances.is_empty() {
        return;
    }
    let dumps = Rtnl::open().and_then(|mut r| {
        let links = r.links()?;
        let addrs = r.addresses()?;
        Ok((r, links, addrs))
    });
    let (mut rtnl, links, addrs) = match dumps {
        Ok(d) => d,
        Err(e) => {
            warn!("VRRP child process({pid}): cannot read the interfaces to remove its VIPs: {e}");
            return;
        }
    };
    let stale = stale(cfg, &links, &addrs);
    let mut last = "";
    for s in &stale {
        if s.instance != last {
            info!(
                "({}) removing VIPs left by VRRP child process({pid}).",
                s.instance
            );
            last = s.instance;
        }
        match rtnl.del_address(&vip_plan::del_spec(s.ifindex, s.vip)) {
            Ok(()) => {}
            // Gone meanwhile: nothing left to do.
            Err(e) if matches!(e.errno(), Some(libc::EADDRNOTAVAIL | libc::ENODEV)) => {}
            Err(e) => warn!(
                "({}) cannot remove VIP {}/{}: {e}",
                s.instance, s.vip.addr, s.vip.prefix_len
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::rtnl::{AddrInfo, Link, RT_SCOPE_UNIVERSE};
    use std::net::IpAddr;

    fn cfg(text: &str) -> Config {
        let mut d = crate::config::Diagnostics::new();
        let c = crate::config::from_tree(
            &crate::config::reader::tree_from_str(text, 0, &mut d),
            &mut d,
        );
        let errs: Vec<String> = d.items().iter().map(|i| d.render(i)).collect();
        assert!(!d.has_errors(), "{errs:?}");
        c
    }

    fn link(ifindex: u32, name: &str, mac: [u8; 6]) -> Link {
        Link {
            ifindex,
            name: crate::net::rtnl::ifname(name),
            flags: 0,
            mtu: 1500,
            hwaddr: crate::net::rtnl::HwAddr::new(&mac),
            group: 0,
            kind: Default::default(),
            parent: 0,
        }
    }

    fn addr(ifindex: u32, a: &str, prefix: u8) -> AddrInfo {
        AddrInfo {
            ifindex,
            addr: a.parse::<IpAddr>().expect("address"),
            prefix,
            peer: None,
            broadcast: None,
            scope: RT_SCOPE_UNIVERSE,
            flags: 0,
            label: None,
        }
    }

    #[test]
    fn only_configured_vips_on_their_own_interface_are_stale() {
        let c = cfg("global_defs {\n dynamic_interfaces\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 7\n \
             priority 100\n virtual_ipaddress {\n 10.0.0.9/24\n 10.0.1.10/32 dev eth1\n \
             10.0.0.12/24\n }\n virtual_ipaddress_excluded {\n 10.0.0.11/24\n }\n}\n\
             vrrp_instance VI_2 {\n interface eth0\n use_vmac\n virtual_router_id 8\n \
             priority 100\n virtual_ipaddress {\n 10.0.0.20/24\n }\n}\n");
        let links = [
            link(2, "eth0", [2, 0, 0, 0, 0, 1]),
            link(3, "eth1", [2, 0, 0, 0, 0, 2]),
            link(4, "vrrp.8", [0, 0, 0x5e, 0, 1, 8]),
        ];
        let addrs = [
            addr(2, "10.0.0.1", 24),
            addr(2, "10.0.0.9", 24),
            addr(3, "10.0.1.10", 32),
            addr(2, "10.0.0.11", 24),
            // Configured, but on another interface or with another prefix: not the VIP.
            addr(3, "10.0.0.9", 24),
            addr(2, "10.0.0.12", 16),
            // The VMAC instance's VIP sits on its VMAC, not on eth0.
            addr(4, "10.0.0.20", 24),
            addr(2, "10.0.0.20", 24),
        ];
        let got: Vec<(&str, u32, String)> = stale(&c, &links, &addrs)
            .iter()
            .map(|s| {
                (
                    s.instance,
                    s.ifindex,
                    format!("{}/{}", s.vip.addr, s.vip.prefix_len),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("VI_1", 2, "10.0.0.9/24".to_string()),
                ("VI_1", 3, "10.0.1.10/32".to_string()),
                ("VI_1", 2, "10.0.0.11/24".to_string()),
                ("VI_2", 4, "10.0.0.20/24".to_string()),
            ]
        );
        // A VMAC link of that name with another MAC is someone else's.
        let links = [
            link(2, "eth0", [2, 0, 0, 0, 0, 1]),
            link(4, "vrrp.8", [2, 9, 9, 9, 9, 9]),
        ];
        assert!(stale(&c, &links, &addrs[6..7]).is_empty());
    }
}
