//! The sync groups around the running instances: builds them from the config, runs every
//! member input through crate::vrrp::sync, logs the group's moves (keepalived's wording) and
//! sends its notifies.

use log::info;

use super::instances::Inst;
use super::Shell;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::vrrp::fsm::{Actions, Fsm, State};
use crate::vrrp::notify_words::Notice;
use crate::vrrp::sync::{Members, Out, Outs, SyncGroup};

impl Members for Vec<Inst> {
    fn fsm(&mut self, inst: usize) -> &mut Fsm {
        &mut self[inst].fsm
    }
}

impl Shell<'_> {
    /// One group per configured vrrp_sync_group, over the members that run.
    pub(super) fn sync_build(&mut self) {
        for i in &mut self.insts {
            i.fsm.set_sync_gate(None);
        }
        self.groups = self
            .cfg
            .vrrp
            .sync_groups
            .iter()
            .filter_map(|g| {
                let members: Vec<usize> = g
                    .members
                    .iter()
                    .filter_map(|n| self.insts.iter().position(|x| &x.name == n))
                    .collect();
                (!members.is_empty()).then(|| SyncGroup::new(g.name.clone(), members))
            })
            .collect();
    }

    /// Before the instances start: each group's first state, and its BACKUP notify.
    pub(super) fn sync_prepare_start(&mut self, lp: &mut EventLoop) {
        for g in 0..self.groups.len() {
            // The links the members will find down at start (see start_one).
            for k in 0..self.groups[g].members.len() {
                let i = self.groups[g].members[k];
                let ifindex = self.insts[i].ifindex;
                let up = ifindex == 0 || self.ifaces.by_index(ifindex).is_some_and(|f| f.up);
                if !up {
                    let _ = self.insts[i].fsm.link_down(Micros::now());
                }
            }
            let outs = self.groups[g].prepare_start(&mut self.insts);
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
        if !self.cfg.global.fifos.write_vrrp_states_on_reload {
            return;
        }
        for g in &self.groups {
            let n = Notice::fifo_only("GROUP", &g.name, g.state().name(), 0);
            self.fifos.line(&n);
        }
        for inst in &self.insts {
            let f = &inst.fsm;
            let state = f.state().name();
            let n = Notice::fifo_only("INSTANCE", &inst.name, state, f.effective_priority());
            self.fifos.line(&n);
        }
    }

    /// Member notifies for the state their group is in already are dropped.
    pub(super) fn sync_filter(&mut self, i: usize, acts: &Actions) -> Actions {
        match self.groups.iter_mut().find(|g| g.contains(i)) {
            Some(g) => g.filter(i, acts),
            None => acts.clone(),
        }
    }

    /// After instance `i` carried out `acts`: its group's moves.
    pub(super) fn sync_after(&mut self, lp: &mut EventLoop, i: usize, acts: &Actions) {
        let Some(g) = self.groups.iter().position(|g| g.contains(i)) else {
            return;
        };
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
                Out::Syncing(s) => info!(
                    "VRRP_Group({}) Syncing instances to {} state",
                    self.groups[g].name,
                    s.name()
                ),
                Out::MemberFault { inst } => info!(
                    "VRRP_Group({}): Syncing {} to FAULT state",
                    self.groups[g].name, self.insts[inst].name
                ),
                Out::Notify(s) => self.notify_group(lp, g, s),
                Out::Held { inst } => {
                    info!("({}) Receive advertisement timeout", self.insts[inst].name)
                }
            }
        }
    }
}
