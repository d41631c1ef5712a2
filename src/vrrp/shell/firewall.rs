//! Carries out the firewall plan (crate::vrrp::firewall, what goes in the sets:
//! crate::vrrp::firewall_vips) on the kernel. A refused change is
//! logged naming the object and VRRP carries on, as keepalived does.

use log::{error, warn};

use crate::config::Config;
use crate::net::nft::{Batch, Nft, NFPROTO_IPV4, NFPROTO_IPV6};
use crate::vrrp::firewall::{Firewall, Vip};
use crate::vrrp::firewall_vips::{changes, vmac_entries, VmacEntry};
use crate::vrrp::ifaces::Ifaces;

/// The firewall while one is needed: the plan, the socket, and what each instance (by name,
/// as indexes change on reload) and each VMAC has in the sets.
pub struct FwState {
    plan: Firewall,
    nft: Nft,
    /// Lists, not hash maps: one entry per instance or VMAC, changed at start and reload only,
    /// and each HashMap type costs every binary its own copy of the hashing code.
    vips: Vec<(String, Vec<Vip>)>,
    /// By VMAC ifindex.
    vmacs: Vec<VmacEntry>,
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
                    vips: Vec::new(),
                    vmacs: Vec::new(),
                })
            }
            Err(e) => error!("nftables: cannot open the netfilter socket: {e}"),
        }
    }

    /// The VMACs `cfg`'s instances use go into the VMAC map (again after a reload: adding
    /// one already there is harmless).
    pub fn vmacs_added(&mut self, cfg: &Config, ifaces: &Ifaces) {
        for e in vmac_entries(cfg, ifaces) {
            match self.vmacs.iter_mut().find(|x| x.vmac == e.vmac) {
                Some(x) => *x = e,
                None => {
                    self.vmacs.push(e);
                    self.run(|p, b| p.update_vmac(b, e.vmac, e.base, e.v6, e.other, true));
                }
            }
        }
    }

    /// A VMAC is about to be deleted: out of the map first (keepalived does the same).
    pub fn vmac_deleted(&mut self, vmac: u32) {
        if let Some(k) = self.vmacs.iter().position(|x| x.vmac == vmac) {
            let e = self.vmacs.swap_remove(k);
            self.run(|p, b| p.update_vmac(b, vmac, e.base, e.v6, e.other, false));
        }
    }

    /// Brings instance `name`'s elements from what it has to `want`, touching only the
    /// differences (a reload keeps the addresses it keeps).
    pub fn set_vips(&mut self, name: &str, want: Vec<Vip>) {
        let have = match self.vips.iter().position(|(n, _)| n == name) {
            Some(k) => self.vips.swap_remove(k).1,
            None => Vec::new(),
        };
        let (gone, new) = changes(&have, &want);
        if !gone.is_empty() {
            self.run(|p, b| p.update_vips(b, &gone, false));
        }
        if !new.is_empty() {
            self.run(|p, b| p.update_vips(b, &new, true));
        }
        if !want.is_empty() {
            self.vips.push((name.to_string(), want));
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
