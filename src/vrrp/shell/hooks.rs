//! Where the shell meets the owners of its parts (firewall, routes, VMACs, notifies, sync
//! groups, tracking): each hook reads the running instances, hands the owner what it needs,
//! and carries out through [`Shell::apply`] what comes back. The parts hold their own state
//! and logic; these are the only places they touch the instances.

use log::info;

use std::net::IpAddr;

use super::actions::vip_ifindex;
use super::{events, instances, routes, sync, track, Shell, SOCK_TOKEN_BASE};
use crate::config::iproute::StaticNet;
use crate::config::track::ScriptCmd;
use crate::config::vrrp::{Notify, VrrpInstance};
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::script::ScriptResult;
use crate::core::script_security;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::vrrp::fsm::{Action, Actions, Fsm, Reason, State};
use crate::vrrp::notify_words::{held_at_start, state_change_lines, Notice, StateChange};
use crate::vrrp::router::{track_inputs, Router};
use crate::vrrp::sync::{Out, Outs};
use crate::vrrp::track::{Effect, Key, Level};
use crate::vrrp::{firewall_vips, route_plan, vmac_plan};

impl Shell<'_> {
    /// Instance `i`'s state machine, to read.
    fn fsm(&self, i: usize) -> &Fsm {
        self.insts[i].router.fsm()
    }

    /// Instance `i`'s router: every input to its state machine goes through it.
    fn router(&mut self, i: usize) -> &mut Router {
        &mut self.insts[i].router
    }

    // Firewall (firewall.rs: FwState).

    /// Instance `i` is taking (`add`) or has let go of its VIPs: the firewall's drop sets
    /// follow. A reload (`resync`) brings a kept MASTER's sets to its new addresses and
    /// accept setting, without the log line.
    pub(super) fn fw_vips(&mut self, i: usize, add: bool, resync: bool) {
        let Some(fw) = self.fw.as_mut() else {
            return;
        };
        let inst = &self.insts[i];
        let v = &self.cfg.vrrp.instances[inst.idx];
        // keepalived logs this for every no_accept instance (even with nothing to remove).
        if crate::vrrp::firewall::drops_vips(v) && self.opts.log_detail && !resync {
            let what = if add { "setting" } else { "removing" };
            info!("({}) {what} firewall drop rule", inst.name);
        }
        let want = match add {
            true => {
                let own = inst.vmac_ifindex.unwrap_or(inst.ifindex);
                let by_index = self.cfg.global.firewall.nftables_ifindex;
                let mut addrs = Vec::with_capacity(v.vips.len() + v.evips.len());
                for list in [&v.vips, &v.evips] {
                    for a in list {
                        addrs.push((a, vip_ifindex(inst, &self.ifaces, a)));
                    }
                }
                firewall_vips::wanted(v, by_index, own, &addrs, &self.ifaces)
            }
            false => Vec::new(),
        };
        fw.set_vips(&inst.name, want);
    }

    // VMACs (vmac.rs: Vmacs).

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

    /// An address came to link `ifindex`: if it is now the link-local the link sends from,
    /// the IPv6 VMACs over it take it (their adverts leave from their parent's address).
    pub(super) fn vmac_parent_ll6(&mut self, ifindex: u32, addr: IpAddr) {
        let IpAddr::V6(ll) = addr else {
            return;
        };
        if self.ifaces.by_index(ifindex).and_then(|f| f.ll6) != Some(ll) {
            return;
        }
        let users = self.insts.iter().filter_map(|x| {
            let vmac = x.vmac_ifindex?;
            let v = &self.cfg.vrrp.instances[x.idx];
            Some(vmac_plan::LlUser {
                parent: x.ifindex,
                vmac,
                sends_v6: !v.vmac_xmit_base && x.router.family() == crate::config::vrrp::Family::V6,
                vmac_ll: self.ifaces.by_index(vmac).and_then(|f| f.ll6),
            })
        });
        for (vmac, old) in vmac_plan::ll_moves(users, ifindex, ll) {
            if let Some(name) = self.ifaces.by_index(vmac).map(|f| f.name.clone()) {
                super::vmac::move_link_local(&mut self.rtnl, vmac, &name, ll, old);
            }
        }
    }

    /// Whether instance `i`'s links are up: its interface and, with use_vmac, its VMAC too
    /// (keepalived watches the VMAC's own state).
    pub(super) fn inst_links_up(&self, i: usize) -> bool {
        let inst = &self.insts[i];
        let ifs = &self.ifaces;
        let vmac_up = |x: u32| ifs.by_index(x).is_some_and(|f| f.up);
        ifs.bound_up(inst.ifindex) && inst.vmac_ifindex.is_none_or(vmac_up)
    }

    /// Whether instance `i` starts with its link down (so in FAULT): its interface is down
    /// and it tracks it.
    pub(super) fn starts_link_down(&self, i: usize) -> bool {
        !self.ifaces.bound_up(self.insts[i].ifindex) && !self.dont_track_primary(i)
    }

    /// A link was deleted: if it was one of our VMACs, its instances go to FAULT, it is made
    /// again with the same name and MAC, and they move onto it (new socket), coming back once
    /// it is up (keepalived's cleanup_lost_interface and recreate_vmac_thread).
    pub(super) fn vmac_removed(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let mut users: Vec<usize> = Vec::new();
        for (i, x) in self.insts.iter().enumerate() {
            if x.vmac_ifindex == Some(ifindex) {
                users.push(i);
            }
        }
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
                let acts = self.router(i).link_down(now);
                self.apply(lp, i, &acts);
            }
        }
        self.vmacs_remade(lp, &users);
    }

    /// Makes the VMACs of instances `users` again (over their interface as the table has it
    /// now) and moves them onto them: new VMAC index, interface index and socket, same state
    /// machine; those whose links are all up come back up.
    pub(super) fn vmacs_remade(&mut self, lp: &mut EventLoop, users: &[usize]) {
        self.ifaces.refresh(&mut self.rtnl);
        // A VMAC that went with its interface waits for the interface (rx.rs, follow_link).
        let mut kept: Vec<usize> = Vec::with_capacity(users.len());
        for &i in users {
            if self.ifaces.by_name(&self.insts[i].ifname).is_some() {
                kept.push(i);
            }
        }
        let users = kept;
        if users.is_empty() {
            return;
        }
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
            // Only the links' indexes and the socket change; the state machine stays.
            self.insts[i].ifindex = new.ifindex;
            self.insts[i].vmac_ifindex = new.vmac_ifindex;
            self.insts[i].sock = new.sock;
            self.insts[i].key = new.key;
        }
        let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
        self.flush_adverts();
        self.pool.close_unused(lp, |s| used.contains(&s));
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        for &i in &users {
            if self.inst_links_up(i) {
                let acts = self.router(i).link_up(Micros::now());
                self.apply(lp, i, &acts);
            }
        }
    }

    // Routes and rules (routes.rs, crate::vrrp::route_plan).

    /// Instance `i`'s virtual routes and rules follow its VIPs.
    pub(super) fn set_vroutes(&mut self, i: usize, add: bool) {
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        let changes = route_plan::vroutes(v, add);
        if !changes.is_empty() {
            routes::carry_out(&mut self.rtnl, &format!("({})", v.name), &changes);
        }
    }

    /// A reload keeps instance `i` with new settings: while it has its VIPs set, its
    /// virtual routes and rules go from `old`'s to `new`'s.
    /// `new`: the instance's index in the new config. (Borrowed, not a clone of it: with
    /// no copy of a VrrpInstance anywhere, its Clone code (~2 KB on MIPS) is not linked.)
    pub(super) fn reload_vroutes(&mut self, i: usize, old: &VrrpInstance, new: usize) {
        if self.fsm(i).vips_set() {
            let who = format!("({})", self.insts[i].name);
            let new = &self.cfg.vrrp.instances[new];
            routes::carry_out(&mut self.rtnl, &who, &route_plan::reload_vroutes(old, new));
        }
    }

    /// On reload: the global statics go from `old` to the new config's.
    pub(super) fn reload_static(&mut self, old: &StaticNet) {
        let changes = route_plan::reload_statics(old, &self.cfg.net);
        routes::carry_out(&mut self.rtnl, "static", &changes);
    }

    /// Link `ifindex` came up: its tracked static addresses and routes are set again (the
    /// kernel removed them with the link, or its routes when it went down).
    pub(super) fn reinstate_statics(&mut self, ifindex: u32) {
        let Some(f) = self.ifaces.by_index(ifindex) else {
            return;
        };
        let changes = route_plan::reinstated(&self.cfg.net, &f.name);
        routes::reinstate(&mut self.rtnl, &changes);
    }

    /// Address `addr` went from link `ifindex`: a tracked static address is set again while
    /// the link is up (a link going away takes its addresses down with it first).
    pub(super) fn static_address_lost(&mut self, ifindex: u32, addr: IpAddr) {
        let Some(f) = self.ifaces.by_index(ifindex).filter(|f| f.up) else {
            return;
        };
        if let Some(c) = route_plan::static_address_lost(&self.cfg.net, &f.name, addr) {
            routes::reinstate(&mut self.rtnl, &[c]);
        }
    }

    /// Opens the route monitor when some instance has tracked virtual routes or rules.
    pub(super) fn watch_routes(&mut self, lp: &mut EventLoop, token: usize) {
        routes::RouteMonitor::watch(&mut self.route_mon, &self.cfg, lp, token);
    }

    /// After a tracked route or rule was deleted: a missing tracked static one is put back,
    /// and a MASTER missing one of its tracked
    /// virtual routes or rules gives up MASTER as keepalived does (priority 0, everything
    /// removed, a fresh election).
    pub(super) fn on_route_monitor(&mut self, lp: &mut EventLoop) {
        let deleted = match &self.route_mon {
            Some(m) => m.drain(&mut self.rx_buf[..]),
            None => return,
        };
        if !deleted {
            return;
        }
        let statics = route_plan::tracked_statics(&self.cfg.net);
        routes::restore_lost_statics(&mut self.rtnl, &statics);
        for i in 0..self.insts.len() {
            let inst = &self.insts[i];
            if self.fsm(i).state() != State::Master || !self.fsm(i).vips_set() {
                continue;
            }
            let v = &self.cfg.vrrp.instances[inst.idx];
            if let Some(what) = routes::lost_vroute(&mut self.rtnl, v) {
                info!(
                    "({}) virtual {what} was deleted - leaving MASTER",
                    inst.name
                );
                let acts = self.router(i).tracked_object_lost(Micros::now());
                self.apply(lp, i, &acts);
            }
        }
    }

    // State lines and notifies (notify.rs: NotifyScripts, crate::vrrp::notify_words).

    /// Logs instance `i`'s state change (keepalived's lines, see `state_change_lines`), and
    /// holds it at start while its weight-0 scripts have not reported: no line, and the
    /// FAULT notify waits for a script's first failure (init_hold_release).
    pub(super) fn log_state_change(
        &mut self,
        i: usize,
        from: State,
        to: State,
        reason: Reason,
        all: &Actions,
    ) {
        let inst = &self.insts[i];
        let link_down = self.ifaces.by_index(inst.ifindex).is_some_and(|f| !f.up);
        let scripts_only = self.track.only_unreported_scripts(i);
        let held = held_at_start(to, reason, scripts_only, link_down);
        self.insts[i].init_hold |= held;
        let inst = &self.insts[i];
        let c = StateChange {
            name: &inst.name,
            ifname: &inst.ifname,
            from,
            to,
            reason,
            notifies_backup: all.contains(&Action::Notify(State::Backup)),
            held,
            link_down,
            master: self.fsm(i).master(),
            priority: self.fsm(i).effective_priority(),
        };
        for line in state_change_lines(&c) {
            info!("{line}");
        }
    }

    /// After a reload: every script is checked again (files and users may have changed).
    pub(super) fn notify_recheck(&mut self) {
        self.notes.forget_checks();
        self.notify_check_all();
    }

    /// Checks every notify script of the running instances and groups and the FIFO readers.
    fn notify_check_all(&mut self) {
        let v = &self.cfg.vrrp;
        let mut cmds: Vec<&ScriptCmd> = Vec::new();
        for x in &self.insts {
            push_scripts(&v.instances[x.idx].notify, &mut cmds);
        }
        for g in &v.sync_groups {
            push_scripts(&g.notify, &mut cmds);
        }
        self.notes.check_all(&self.cfg.global, &cmds);
    }

    /// At start: checks the scripts, then opens the FIFOs and starts their readers.
    pub(super) fn notify_setup(&mut self, lp: &mut EventLoop) {
        self.notify_check_all();
        if !self.insts.is_empty() {
            self.notes
                .open_fifos(&self.cfg.global, &mut self.scripts, lp);
        }
    }

    /// On reload, before anything changes: the FIFOs and their readers start over with `new`.
    pub(super) fn fifos_reload(&mut self, lp: &mut EventLoop, new: &Config) {
        self.notes.reload_fifos(new, &mut self.scripts, lp);
    }

    /// Runs the instance's script for `state`, its generic `notify` script, and writes the
    /// FIFO line. An instance removed by a reload reports DELETED (or FAULT, keepalived's old
    /// way, unless `notify_deleted` is set).
    pub(super) fn notify(&mut self, lp: &mut EventLoop, i: usize, state: State) {
        if state == State::Stop && self.notes.shutting_down {
            self.notes.held_stops.push(i);
            return;
        }
        self.notify_now(lp, i, state);
    }

    /// At shutdown, once the statics are removed: the STOP notifies held back till then.
    pub(super) fn notify_held_stops(&mut self, lp: &mut EventLoop) {
        for i in std::mem::take(&mut self.notes.held_stops) {
            self.notify_now(lp, i, State::Stop);
        }
    }

    fn notify_now(&mut self, lp: &mut EventLoop, i: usize, state: State) {
        let inst = &self.insts[i];
        if state == State::Fault && inst.init_hold {
            return;
        }
        let v = &self.cfg.vrrp.instances[inst.idx];
        let deleted = state == State::Stop && !self.notes.shutting_down;
        let prio = self.fsm(i).effective_priority();
        if let Some(n) = Notice::instance(&v.notify, &inst.name, state, deleted, prio) {
            self.notes
                .announce(&self.cfg.global, &mut self.scripts, lp, &n);
        }
        self.snmp_instance_traps(i, state, deleted);
        self.mail_instance(lp, i, state, deleted);
    }

    /// After a track script reported: instances held in FAULT at start whose faults are no
    /// longer only unreported scripts leave the hold; one still in FAULT gets its FAULT notify
    /// now, without a log line (keepalived's down_instance from the init FAULT state).
    pub(super) fn init_hold_release(&mut self, lp: &mut EventLoop) {
        for i in 0..self.insts.len() {
            if !self.insts[i].init_hold || self.track.only_unreported_scripts(i) {
                continue;
            }
            self.insts[i].init_hold = false;
            if self.fsm(i).state() == State::Fault {
                let mut acts = Actions::new();
                let _ = acts.push(Action::Notify(State::Fault));
                self.apply(lp, i, &acts);
            }
        }
    }

    /// The group's script for `state`, its generic script (priority 0) and FIFO line.
    pub(super) fn notify_group(&mut self, lp: &mut EventLoop, g: usize, state: State) {
        let name = &self.groups[g].name;
        let Some(cfg) = self.cfg.vrrp.sync_groups.iter().find(|x| x.name == *name) else {
            return;
        };
        if let Some(n) = Notice::group(&cfg.notify, name, state) {
            self.notes
                .announce(&self.cfg.global, &mut self.scripts, lp, &n);
        }
        let name = name.clone();
        self.snmp_group_trap(g, state);
        self.mail_group(lp, &name, state);
    }

    pub(super) fn notify_lower_prio(&mut self, lp: &mut EventLoop, i: usize) {
        let inst = &self.insts[i];
        let v = &self.cfg.vrrp.instances[inst.idx];
        let n = Notice::lower_prio(&v.notify, &inst.name, self.fsm(i).effective_priority());
        self.notes
            .announce(&self.cfg.global, &mut self.scripts, lp, &n);
    }

    /// `notify_priority_changes`: the FIFO's MASTER_PRIORITY / BACKUP_PRIORITY line.
    pub(super) fn notify_priority(&mut self, i: usize, state: State, priority: u8) {
        let n = Notice::priority(&self.insts[i].name, state, priority);
        self.notes.fifos.line(&n);
    }

    // Sync groups (sync.rs, crate::vrrp::sync).

    /// One group per configured vrrp_sync_group, over the members that run.
    pub(super) fn sync_build(&mut self) {
        self.groups = sync::build(&self.cfg, &mut self.insts);
    }

    /// Before the instances start: each group's first state, and its BACKUP notify.
    pub(super) fn sync_prepare_start(&mut self, lp: &mut EventLoop) {
        // The links the members will find down at start (see start_one).
        let down: Vec<bool> = (self.insts.iter())
            .map(|x| !self.ifaces.bound_up(x.ifindex))
            .collect();
        for g in 0..self.groups.len() {
            let now = Micros::now();
            let outs = self.groups[g].prepare_start(&mut self.insts, now, |i| down[i]);
            self.sync_outs(lp, g, outs);
        }
    }

    /// After the instances started: the FAULT notify of groups that started in FAULT.
    pub(super) fn sync_finish_start(&mut self, lp: &mut EventLoop) {
        for g in 0..self.groups.len() {
            let outs = self.groups[g].finish_start(&mut self.insts);
            self.sync_outs(lp, g, outs);
        }
    }

    /// After a reload: groups rebuilt over the instances as they now run, without notifies.
    /// With `fifo_write_vrrp_states_on_reload`, every group's then every instance's state goes
    /// to the FIFOs again (keepalived's vrrp_init_state on reload).
    pub(super) fn sync_reload(&mut self) {
        self.sync_build();
        for g in &mut self.groups {
            g.adopt(&mut self.insts);
        }
        self.notify_recheck();
        if self.cfg.global.fifos.write_vrrp_states_on_reload {
            for n in sync::reload_lines(&self.groups, &self.insts) {
                self.notes.fifos.line(&n);
            }
        }
    }

    /// The sync group instance `i` belongs to, if any.
    pub(super) fn group_of(&self, i: usize) -> Option<usize> {
        self.groups.iter().position(|g| g.contains(i))
    }

    /// Member notifies for the state group `g` is in already are dropped.
    pub(super) fn sync_filter(&mut self, g: usize, i: usize, acts: &Actions) -> Actions {
        self.groups[g].filter(i, acts)
    }

    /// After instance `i` of group `g` carried out `acts`: the group's moves.
    pub(super) fn sync_after(&mut self, lp: &mut EventLoop, g: usize, i: usize, acts: &Actions) {
        let outs = self.groups[g].after(&mut self.insts, i, acts, Micros::now());
        self.sync_outs(lp, g, outs);
    }

    /// At stop, after every instance reported STOP: each group's STOP notify.
    pub(super) fn sync_stop(&mut self, lp: &mut EventLoop) {
        for g in 0..self.groups.len() {
            self.notify_group(lp, g, State::Stop);
        }
        self.groups.clear();
    }

    fn sync_outs(&mut self, lp: &mut EventLoop, g: usize, outs: Outs) {
        for o in outs {
            match o {
                Out::Member { inst, acts } => self.apply_acts(lp, inst, &acts),
                Out::Notify(s) => self.notify_group(lp, g, s),
                o => sync::log_out(&self.groups[g].name, &o, &self.insts),
            }
        }
    }

    // Tracking (track/: TrackShell, crate::vrrp::track).

    /// Builds the trackers for the running instances and applies their initial effect. Call
    /// after the instances are built and before they start.
    pub(super) fn track_start(&mut self, lp: &mut EventLoop) {
        let old = std::mem::take(&mut self.track);
        self.track_build(lp, old);
    }

    /// keepalived's check of the vrrp_scripts before any runs (check_vrrp_script_security):
    /// each is found (PATH, links followed; the path found is what runs) and checked as the
    /// user it runs as. One that must not run (insecure with script security on, gone, not
    /// executable, no user to run as) is disabled: no instance or group tracks it.
    /// Runs on a config before its instances are built (at start, and at reload before the
    /// old and new configs are compared).
    pub(super) fn secure_track_scripts(&mut self, cfg: &mut Config) {
        if cfg.vrrp.instances.is_empty() {
            return;
        }
        let security = cfg.global.enable_script_security;
        let mut off = Vec::new();
        for s in &mut cfg.vrrp.trackers.scripts {
            // check_script puts the path found in place of argv[0]; a disabled script goes.
            let Some(a0) = s.script.argv.first_mut() else {
                continue;
            };
            let Some((uid, gid)) = self.notes.user_for(&cfg.global, s.user.as_ref()) else {
                if s.user.is_none() {
                    info!(
                        "Unable to set default user for vrrp script {} - removing",
                        s.name
                    );
                }
                off.push(s.name.clone());
                continue;
            };
            let v = script_security::check_script(a0, uid, gid, security);
            if let Some(line) = v.track_disabled(&s.name) {
                if let Some(l) = line {
                    info!("{l}");
                }
                off.push(s.name.clone());
            }
        }
        crate::config::vrrp::drop_track_scripts(&mut cfg.vrrp, &off);
    }

    /// Rebuilds the trackers after a reload: objects keep their levels by name, instances
    /// kept by the reload keep what was applied to them.
    pub(super) fn track_rebuild(&mut self, lp: &mut EventLoop) {
        let mut old = std::mem::take(&mut self.track);
        old.close(lp);
        self.track_build(lp, old);
    }

    fn track_build(&mut self, lp: &mut EventLoop, old: track::TrackShell) {
        let src_addrs: Vec<(u32, IpAddr)> = if self
            .insts
            .iter()
            .any(|x| self.cfg.vrrp.instances[x.idx].track_src_ip)
        {
            self.rtnl
                .addresses()
                .map(|v| v.iter().map(|a| (a.ifindex, a.addr)).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        // A running instance (kept by a reload, however it was matched) already carries an
        // effect, so only the difference is applied.
        let insts: Vec<(usize, u32, Option<Effect>)> = self
            .insts
            .iter()
            .map(|x| {
                (
                    x.idx,
                    x.ifindex,
                    x.router.track_effect().map(|e| x.tracked_part(e)),
                )
            })
            .collect();
        let bfd = &self.bfd;
        let bfd_up = |n: &str| bfd.up(n);
        let (t, quorums) = track::TrackShell::build(
            &self.cfg,
            &insts,
            &self.ifaces,
            &src_addrs,
            &bfd_up,
            old,
            lp,
        );
        self.track = t;
        self.track_quorums(lp, quorums);
        for i in 0..self.insts.len() {
            self.track.log_initial_faults(i, &self.insts[i].name);
            self.track_apply(lp, i);
        }
    }

    /// Hands instance `i` what changed in its tracking effect: new faults first, then the
    /// priority, then cleared faults (so an instance leaving FAULT does so at its new
    /// priority).
    pub(super) fn track_apply(&mut self, lp: &mut EventLoop, i: usize) {
        let Some((old, new)) = self.track.pending(i) else {
            return;
        };
        self.track_apply_effect(lp, i, old, new);
    }

    fn track_apply_effect(&mut self, lp: &mut EventLoop, i: usize, old: Effect, new: Effect) {
        let now = Micros::now();
        for input in track_inputs(old, new) {
            let out = self.router(i).track_input(now, input);
            events::log_all(&self.insts[i].name, &out.events);
            self.apply(lp, i, &out.acts);
        }
    }

    fn track_level_changed(&mut self, lp: &mut EventLoop, obj: usize, level: Level) {
        if !self.track.set_level(obj, level) {
            return;
        }
        for i in 0..self.insts.len().min(self.track.core().instances()) {
            if self.track.core().tracks(i, obj) {
                self.track_apply(lp, i);
            }
        }
    }

    /// A link went up or down (from the reflector).
    pub(super) fn track_link(&mut self, lp: &mut EventLoop, ifindex: u32, up: bool) {
        let Some(name) = self.ifaces.by_index(ifindex).map(|f| f.name.clone()) else {
            return;
        };
        if let Some(obj) = self.track.core().find(&Key::Interface(name)) {
            let level = if up { Level::Up } else { Level::Down };
            self.track_level_changed(lp, obj, level);
        }
    }

    /// An address appeared on or left an interface (from the reflector): `track_src_ip`.
    pub(super) fn track_addr(&mut self, lp: &mut EventLoop, ifindex: u32, addr: IpAddr, up: bool) {
        let level = if up { Level::Up } else { Level::Down };
        for ifx in [ifindex, 0] {
            if let Some(obj) = self.track.core().find(&Key::SrcIp(ifx, addr)) {
                self.track_level_changed(lp, obj, level);
            }
        }
    }

    /// A loop timer with a token at or above `track::TRACK_TIMER_BASE` fired.
    pub(super) fn track_timer(&mut self, lp: &mut EventLoop, id: TimerId, token: usize) {
        if token == track::PROC_SCAN_TOKEN {
            let quorums = self.track.procs_timer(lp, id);
            self.track_quorums(lp, quorums);
        } else {
            self.track.script_timer(&mut self.scripts, lp, id, token);
        }
    }

    /// The track files' inotify fd is readable.
    pub(super) fn track_inotify(&mut self, lp: &mut EventLoop) {
        while let Some(changed) = self.track.read_files() {
            for (obj, v) in changed {
                self.track_level_changed(lp, obj, Level::Value(v));
            }
        }
    }

    /// The process events socket is readable.
    pub(super) fn track_proc_events(&mut self, lp: &mut EventLoop) {
        let quorums = self.track.proc_events(lp);
        self.track_quorums(lp, quorums);
    }

    fn track_quorums(&mut self, lp: &mut EventLoop, quorums: track::QuorumChanges) {
        for (obj, have) in quorums {
            let level = if have { Level::Up } else { Level::Down };
            self.track_level_changed(lp, obj, level);
        }
    }

    /// A script the runner started ended: a track script's result goes to the instances.
    pub(super) fn track_script_exit(
        &mut self,
        lp: &mut EventLoop,
        pid: i32,
        tag: usize,
        res: ScriptResult,
    ) {
        if let Some((obj, level)) = self.track.script_exit(pid, tag, res) {
            self.track_level_changed(lp, obj, level);
        }
    }

    /// Whether instance `i` ignores its own interface's link state (`dont_track_primary`).
    pub(super) fn dont_track_primary(&self, i: usize) -> bool {
        self.cfg.vrrp.instances[self.insts[i].idx].dont_track_primary
    }
}

/// Appends the scripts of one instance or group.
fn push_scripts<'a>(n: &'a Notify, cmds: &mut Vec<&'a ScriptCmd>) {
    for s in n.slots() {
        let Some(s) = s else { continue };
        cmds.push(s);
    }
}
