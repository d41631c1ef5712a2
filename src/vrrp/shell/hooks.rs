//! Where the shell meets the owners of its parts (firewall, routes, VMACs, notifies, sync
//! groups, tracking): each hook reads the running instances, hands the owner what it needs,
//! and carries out through [`Shell::apply`] what comes back. The parts hold their own state
//! and logic; these are the only places they touch the instances.

use log::info;

use super::{firewall, instances, Shell, SOCK_TOKEN_BASE};
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;

impl Shell<'_> {
    /// Instance `i` is taking (`add`) or has let go of its VIPs: the firewall's drop sets.
    pub(super) fn fw_vips(&mut self, i: usize, add: bool) {
        if self.fw.is_none() {
            return;
        }
        // keepalived logs this for every no_accept instance (even with nothing to remove).
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        if crate::vrrp::firewall::drops_vips(v) && self.opts.log_detail {
            let what = if add { "setting" } else { "removing" };
            info!("({}) {what} firewall drop rule", self.insts[i].name);
        }
        let want = if add { self.fw_wanted(i) } else { Vec::new() };
        if let Some(fw) = self.fw.as_mut() {
            fw.set_vips(&self.insts[i].name, want);
        }
    }

    /// After a reload: a kept MASTER's sets follow its new addresses and accept setting.
    pub(super) fn fw_resync(&mut self, i: usize) {
        if self.fw.is_none() || !self.insts[i].fsm.vips_set() {
            return;
        }
        let want = self.fw_wanted(i);
        if let Some(fw) = self.fw.as_mut() {
            fw.set_vips(&self.insts[i].name, want);
        }
    }

    fn fw_wanted(&self, i: usize) -> Vec<crate::vrrp::firewall::Vip> {
        let inst = &self.insts[i];
        let v = &self.cfg.vrrp.instances[inst.idx];
        let own = inst.vmac_ifindex.unwrap_or(inst.ifindex);
        let by_index = self.cfg.global.firewall.nftables_ifindex;
        let addrs = v
            .vips
            .iter()
            .chain(&v.evips)
            .map(|a| (a, self.vip_ifindex(i, a)));
        firewall::wanted(v, by_index, own, addrs, &self.ifaces)
    }

    /// Creates or adopts the VMACs of `cfg` (see `Vmacs::prepare`).
    pub(super) fn prepare_vmacs(&mut self, cfg: &mut Config) {
        let (rtnl, ifaces) = (&mut self.rtnl, &mut self.ifaces);
        self.vmacs.prepare(cfg, rtnl, ifaces, &mut self.fw);
    }

    /// Deletes the VMACs a reload left unused.
    pub(super) fn delete_unused_vmacs(&mut self) {
        let (rtnl, ifaces) = (&mut self.rtnl, &self.ifaces);
        self.vmacs.delete_unused(rtnl, ifaces, &mut self.fw);
    }

    /// Whether instance `i`'s links are up: its interface and, with use_vmac, its VMAC too
    /// (keepalived watches the VMAC's own state).
    pub(super) fn inst_links_up(&self, i: usize) -> bool {
        let inst = &self.insts[i];
        let up = |ifindex: u32| self.ifaces.by_index(ifindex).is_some_and(|f| f.up);
        (inst.ifindex == 0 || up(inst.ifindex)) && inst.vmac_ifindex.is_none_or(up)
    }

    /// A link was deleted: if it was one of our VMACs, its instances go to FAULT, it is made
    /// again with the same name and MAC, and they move onto it (new socket), coming back once
    /// it is up (keepalived's cleanup_lost_interface and recreate_vmac_thread).
    pub(super) fn vmac_removed(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let users: Vec<usize> = (0..self.insts.len())
            .filter(|&i| self.insts[i].vmac_ifindex == Some(ifindex))
            .collect();
        let Some(&first) = users.first() else {
            return;
        };
        let v = &self.cfg.vrrp.instances[self.insts[first].idx];
        let name = v.use_vmac.as_ref().and_then(|m| m.ifname.clone());
        info!("Interface {} deleted", name.as_deref().unwrap_or("?"));
        // Its map entry goes; the new VMAC's comes with prepare_vmacs.
        if let Some(fw) = self.fw.as_mut() {
            fw.vmac_deleted(ifindex);
        }
        let now = Micros::now();
        for &i in &users {
            if !self.dont_track_primary(i) {
                let acts = self.insts[i].fsm.link_down(now);
                self.apply(lp, i, &acts);
            }
        }
        self.ifaces.refresh(&mut self.rtnl);
        // Makes what is missing (the configured names are written in by now) and adopts the rest.
        let mut cfg = std::mem::take(&mut self.cfg);
        self.prepare_vmacs(&mut cfg);
        self.cfg = cfg;
        for &i in &users {
            let Some(new) =
                instances::build(&self.cfg, self.insts[i].idx, &self.ifaces, &mut self.pool)
            else {
                continue;
            };
            // Only the VMAC's index and the socket on it change; the state machine stays.
            self.insts[i].vmac_ifindex = new.vmac_ifindex;
            self.insts[i].sock = new.sock;
        }
        let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
        self.pool.close_unused(lp, |s| used.contains(&s));
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        for &i in &users {
            if self.inst_links_up(i) {
                let acts = self.insts[i].fsm.link_up(Micros::now());
                self.apply(lp, i, &acts);
            }
        }
    }
}
