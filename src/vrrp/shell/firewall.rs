//! Carries out the firewall plan (crate::vrrp::firewall) on the kernel. A refused change is
//! logged naming the object and VRRP carries on, as keepalived does.

use std::collections::HashMap;

use log::{error, info, warn};

use super::Shell;
use crate::config::Config;
use crate::net::nft::{Batch, Nft, NFPROTO_IPV4, NFPROTO_IPV6};
use crate::vrrp::firewall::{drops_vips, Firewall, Vip};

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

impl Shell<'_> {
    /// Opens the firewall when `cfg` first needs one (at start, or the first reload that
    /// brings a no_accept or VMAC instance).
    pub(super) fn fw_configure(&mut self, cfg: &Config) {
        if let Some(fw) = &self.fw {
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
                self.fw = Some(FwState {
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
    pub(super) fn fw_vmacs_added(&mut self, cfg: &Config) {
        let Some(fw) = self.fw.as_mut() else { return };
        for v in &cfg.vrrp.instances {
            let Some(name) = v.use_vmac.as_ref().and_then(|m| m.ifname.as_ref()) else {
                continue;
            };
            let base = v
                .interface
                .as_ref()
                .or(cfg.global.default_interface.as_ref())
                .and_then(|n| self.ifaces.by_name(n));
            let (Some(f), Some(base)) = (self.ifaces.by_name(name), base) else {
                continue;
            };
            let (vmac, base) = (f.ifindex, base.ifindex);
            if fw.vmacs.contains_key(&vmac) {
                continue;
            }
            let v6 = v.vips.first().is_some_and(|a| a.addr.is_ipv6());
            let other = v.evips.iter().any(|a| a.addr.is_ipv6() != v6);
            fw.vmacs.insert(vmac, (base, v6, other));
            fw.run(|p, b| p.update_vmac(b, vmac, base, v6, other, true));
        }
    }

    /// A VMAC is about to be deleted: out of the map first (keepalived does the same).
    pub(super) fn fw_vmac_deleted(&mut self, vmac: u32) {
        let Some(fw) = self.fw.as_mut() else { return };
        if let Some((base, v6, other)) = fw.vmacs.remove(&vmac) {
            fw.run(|p, b| p.update_vmac(b, vmac, base, v6, other, false));
        }
    }

    /// The VIPs and eVIPs instance `i` should have in the drop sets while it holds them.
    fn fw_wanted(&self, i: usize) -> Vec<Vip> {
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        if !drops_vips(v) {
            return Vec::new();
        }
        let own = self.insts[i].vmac_ifindex.unwrap_or(self.insts[i].ifindex);
        let by_index = self.cfg.global.firewall.nftables_ifindex;
        v.vips
            .iter()
            .chain(v.evips.iter())
            .map(|a| {
                let ifindex = self.vip_ifindex(i, a).unwrap_or(0);
                let by_name = !by_index && v.dont_track_primary && (ifindex == own || a.no_track);
                let ifname = by_name.then(|| {
                    let mut n = [0u8; 16];
                    if let Some(f) = self.ifaces.by_index(ifindex) {
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

    /// Instance `i` is taking (`add`) or has let go of its VIPs.
    pub(super) fn fw_vips(&mut self, i: usize, add: bool) {
        // keepalived logs this for every no_accept instance (even with nothing to remove).
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        if self.fw.is_some() && drops_vips(v) && self.opts.log_detail {
            let what = if add { "setting" } else { "removing" };
            info!("({}) {what} firewall drop rule", self.insts[i].name);
        }
        let want = if add { self.fw_wanted(i) } else { Vec::new() };
        self.fw_set_vips(i, want);
    }

    /// After a reload: a kept MASTER's sets follow its new addresses and accept setting.
    pub(super) fn fw_resync(&mut self, i: usize) {
        if self.fw.is_none() || !self.insts[i].fsm.vips_set() {
            return;
        }
        let want = self.fw_wanted(i);
        self.fw_set_vips(i, want);
    }

    /// Brings instance `i`'s elements from what it has to `want`, touching only the
    /// differences (a reload keeps the addresses it keeps).
    fn fw_set_vips(&mut self, i: usize, want: Vec<Vip>) {
        let name = self.insts[i].name.clone();
        let Some(fw) = self.fw.as_mut() else { return };
        let have = fw.vips.remove(&name).unwrap_or_default();
        let gone: Vec<Vip> = have.iter().filter(|v| !want.contains(v)).copied().collect();
        let new: Vec<Vip> = want.iter().filter(|v| !have.contains(v)).copied().collect();
        if !gone.is_empty() {
            fw.run(|p, b| p.update_vips(b, &gone, false));
        }
        if !new.is_empty() {
            fw.run(|p, b| p.update_vips(b, &new, true));
        }
        if !want.is_empty() {
            fw.vips.insert(name, want);
        }
    }

    /// At stop: our tables go.
    pub(super) fn fw_stop(&mut self) {
        if let Some(mut fw) = self.fw.take().filter(|f| !f.plan.is_empty()) {
            fw.run(|p, b| p.cleanup(b));
        }
    }
}
