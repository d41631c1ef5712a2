//! Carries out the firewall plan (crate::vrrp::firewall) on the kernel. A refused change is
//! logged naming the object and VRRP carries on, as keepalived does.

use std::collections::HashMap;

use log::{error, warn};

use crate::config::iproute::IpAddress;
use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::net::nft::{Batch, Nft, NFPROTO_IPV4, NFPROTO_IPV6};
use crate::vrrp::firewall::{drops_vips, Firewall, Vip};
use crate::vrrp::ifaces::Ifaces;

/// The firewall while one is needed: the plan, the socket, and what each instance (by name,
/// as indexes change on reload) and each VMAC has in the sets.
pub struct FwState {
    plan: Firewall,
    nft: Nft,
    vips: HashMap<String, Vec<Vip>>,
    /// VMAC ifindex -> (parent ifindex, IPv6, has eVIPs of the other family).
    vmacs: HashMap<u32, (u32, bool, bool)>,
}

impl FwState {
    /// Opens the firewall when `cfg` first needs one (at start, or the first reload that
    /// brings a no_accept or VMAC instance).
    pub fn configure(fw: &mut Option<FwState>, cfg: &Config) {
        if let Some(fw) = fw {
            if fw.plan.settings_differ(cfg) {
                warn!(
                    "nftables: a new table name, priority or counters setting takes effect at \
                     restart (not yet on reload); table {} stays",
                    fw.plan.table()
                );
            }
            return;
        }
        let Some(plan) = Firewall::for_config(cfg) else {
            return;
        };
        match Nft::open() {
            Ok(nft) => {
                *fw = Some(FwState {
                    plan,
                    nft,
                    vips: HashMap::new(),
                    vmacs: HashMap::new(),
                })
            }
            Err(e) => error!("nftables: cannot open the netfilter socket: {e}"),
        }
    }

    /// The VMACs `cfg`'s instances use go into the VMAC map (again after a reload: adding
    /// one already there is harmless).
    pub fn vmacs_added(&mut self, cfg: &Config, ifaces: &Ifaces) {
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
            let (vmac, base) = (f.ifindex, base.ifindex);
            if self.vmacs.contains_key(&vmac) {
                continue;
            }
            let v6 = v.vips.first().is_some_and(|a| a.addr.is_ipv6());
            let other = v.evips.iter().any(|a| a.addr.is_ipv6() != v6);
            self.vmacs.insert(vmac, (base, v6, other));
            self.run(|p, b| p.update_vmac(b, vmac, base, v6, other, true));
        }
    }

    /// A VMAC is about to be deleted: out of the map first (keepalived does the same).
    pub fn vmac_deleted(&mut self, vmac: u32) {
        if let Some((base, v6, other)) = self.vmacs.remove(&vmac) {
            self.run(|p, b| p.update_vmac(b, vmac, base, v6, other, false));
        }
    }

    /// Brings instance `name`'s elements from what it has to `want`, touching only the
    /// differences (a reload keeps the addresses it keeps).
    pub fn set_vips(&mut self, name: &str, want: Vec<Vip>) {
        let have = self.vips.remove(name).unwrap_or_default();
        let gone: Vec<Vip> = have.iter().filter(|v| !want.contains(v)).copied().collect();
        let new: Vec<Vip> = want.iter().filter(|v| !have.contains(v)).copied().collect();
        if !gone.is_empty() {
            self.run(|p, b| p.update_vips(b, &gone, false));
        }
        if !new.is_empty() {
            self.run(|p, b| p.update_vips(b, &new, true));
        }
        if !want.is_empty() {
            self.vips.insert(name.to_string(), want);
        }
    }

    /// At stop: our tables go.
    pub fn stop(mut self) {
        if !self.plan.is_empty() {
            self.run(|p, b| p.cleanup(b));
        }
    }

    fn run(&mut self, fill: impl FnOnce(&mut Firewall, &mut Batch<'_>)) {
        if self.plan.is_empty() {
            // keepalived deletes tables of our name left by an earlier run before the first
            // change.
            let t = self.plan.table().to_string();
            let v4 = self.nft.table_exists(NFPROTO_IPV4, &t).unwrap_or(false);
            let v6 = self.nft.table_exists(NFPROTO_IPV6, &t).unwrap_or(false);
            self.plan.note_stale(v4, v6);
        }
        let plan = &mut self.plan;
        match self.nft.run(|b| fill(plan, b)) {
            Ok(fails) => {
                for f in fails {
                    warn!("nftables table {}, {}: {}", plan.table(), f.what, f.err);
                }
            }
            Err(e) => warn!("nftables: cannot change table {}: {e}", plan.table()),
        }
    }
}

/// The VIPs and eVIPs instance `v` should have in the drop sets while it holds them.
/// `addrs`: each VIP then eVIP with the interface it goes on; `own`: the interface its VIPs go
/// on by default (its VMAC or its interface).
pub fn wanted<'a>(
    v: &VrrpInstance,
    by_index: bool,
    own: u32,
    addrs: impl Iterator<Item = (&'a IpAddress, Option<u32>)>,
    ifaces: &Ifaces,
) -> Vec<Vip> {
    if !drops_vips(v) {
        return Vec::new();
    }
    addrs
        .map(|(a, ifindex)| {
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
            Vip {
                addr: a.addr,
                ifindex,
                ifname,
            }
        })
        .collect()
}
