//! vrrp_sync_group: members change state together (sans-IO), as keepalived 2.2.7's vrrp_sync.c
//! and the sync parts of vrrp_scheduler.c / vrrp_track.c do it:
//!
//! - a member goes MASTER only once every other member wants MASTER (until then its down timer
//!   keeps re-arming), and then pulls the others to MASTER;
//! - a MASTER member going BACKUP takes the others to BACKUP;
//! - the first member with a fault of its own (link, weight-0 tracker) takes the others to
//!   FAULT; they leave FAULT only when the last faulted member recovers;
//! - a MASTER member hearing a lower priority advert re-sends every member's gratuitous ARPs;
//! - each group move logs `VRRP_Group(NAME) Syncing instances to STATE state` and sends the
//!   group's notifies once; an instance moved into the state its group is already in does not
//!   notify again (send_instance_notifies).
//!
//! Call order, for every input given to a member's [`Fsm`]: [`SyncGroup::filter`] on the
//! member's actions, carry them out, then [`SyncGroup::after`], and carry out what it returns in
//! order. [`SyncGroup::refresh_gates`] runs at the end of `after`, so the members' gates are
//! current before the next input.

use crate::core::time::Micros;
use crate::vrrp::fsm::{Action, Actions, Fsm, Reason, State, SyncGate};

/// Access to the members' state machines by instance index.
pub trait Members {
    fn fsm(&mut self, inst: usize) -> &mut Fsm;
}

impl Members for Vec<Fsm> {
    fn fsm(&mut self, inst: usize) -> &mut Fsm {
        &mut self[inst]
    }
}

/// One group per configured vrrp_sync_group (`conf`: its name and member names) over the
/// members that run (`running`: the running instances' names, by index); a group none of
/// whose members runs is left out.
pub fn build<'a>(
    conf: impl Iterator<Item = (&'a str, &'a [String])>,
    running: &[&str],
) -> Vec<SyncGroup> {
    let mut groups = Vec::new();
    for (name, members) in conf {
        let mut found = Vec::new();
        for n in members.iter() {
            if let Some(i) = running.iter().position(|r| r == n) {
                found.push(i);
            }
        }
        let members = found;
        if !members.is_empty() {
            groups.push(SyncGroup::new(name.to_string(), members));
        }
    }
    groups
}

/// What the caller must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Out {
    /// Carry out these actions of member `inst` (already filtered).
    Member { inst: usize, acts: Actions },
    /// Log that the group syncs its instances to this state.
    Syncing(State),
    /// Start-up: log that this member's fault puts the group in FAULT.
    MemberFault { inst: usize },
    /// This member's down timer expired but the group held it in BACKUP.
    Held { inst: usize },
    /// Run the group's notify scripts and FIFO line for this state.
    Notify(State),
}

pub type Outs = Vec<Out>;

#[derive(Clone, Debug)]
pub struct SyncGroup {
    pub name: String,
    /// Instance indexes of the members, in the order of the `group` block.
    pub members: Vec<usize>,
    state: State,
    /// Members with a fault of their own, as last seen (keepalived's num_member_fault).
    faulted: Vec<bool>,
    /// Members that sent an instance notify already (keepalived's notifies_sent).
    notified: Vec<bool>,
    /// Each member's [`Fsm::sync_holds`] as last seen.
    holds: Vec<u64>,
}

impl SyncGroup {
    pub fn new(name: String, members: Vec<usize>) -> Self {
        let n = members.len();
        SyncGroup {
            name,
            members,
            state: State::Init,
            faulted: vec![false; n],
            notified: vec![false; n],
            holds: vec![0; n],
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Members in a fault of their own (keepalived's num_member_fault).
    pub fn member_faults(&self) -> usize {
        self.faulted.iter().filter(|&&f| f).count()
    }

    fn pos(&self, inst: usize) -> Option<usize> {
        self.members.iter().position(|&m| m == inst)
    }

    pub fn contains(&self, inst: usize) -> bool {
        self.pos(inst).is_some()
    }

    /// Before the members start: decides the group's first state. FAULT when a member has a
    /// fault already (every member then starts in FAULT, and the group notifies after them);
    /// MASTER when every member is an address owner wanting MASTER (no group notify, as in
    /// keepalived); BACKUP otherwise, notified before the members start. Members whose link
    /// `link_down` says is down are marked so first (they will start in FAULT).
    pub fn prepare_start<M: Members>(
        &mut self,
        ms: &mut M,
        now: Micros,
        link_down: impl Fn(usize) -> bool,
    ) -> Outs {
        for &i in self.members.iter().filter(|&&i| link_down(i)) {
            let _ = ms.fsm(i).link_down(now);
        }
        let mut out = Outs::new();
        let first_fault = self
            .members
            .iter()
            .copied()
            .find(|&i| ms.fsm(i).own_faults() != 0);
        let owners = self.members.iter().all(|&i| {
            let f = ms.fsm(i);
            f.wantstate() == State::Master && f.base_priority() == 255
        });
        self.state = match first_fault {
            Some(inst) => {
                out.push(Out::MemberFault { inst });
                State::Fault
            }
            None if owners => State::Master,
            None => {
                out.push(Out::Notify(State::Backup));
                State::Backup
            }
        };
        for &i in &self.members {
            ms.fsm(i).set_sync_gate(Some(SyncGate {
                start_in_fault: self.state == State::Fault,
                ..SyncGate::default()
            }));
        }
        out
    }

    /// After every member started: the FAULT notify of a group that started in FAULT.
    pub fn finish_start<M: Members>(&mut self, ms: &mut M) -> Outs {
        for (k, &i) in self.members.iter().enumerate() {
            self.faulted[k] = ms.fsm(i).own_faults() != 0;
            self.holds[k] = ms.fsm(i).sync_holds();
        }
        self.refresh_gates(ms);
        if self.state == State::Fault {
            vec![Out::Notify(State::Fault)]
        } else {
            Outs::new()
        }
    }

    /// Takes over a group whose members already run (after a reload): its state follows
    /// theirs, without notifies.
    pub fn adopt<M: Members>(&mut self, ms: &mut M) {
        let states: Vec<State> = self.members.iter().map(|&i| ms.fsm(i).state()).collect();
        self.state = if states.contains(&State::Fault) {
            State::Fault
        } else if states.iter().all(|&s| s == State::Master) {
            State::Master
        } else {
            State::Backup
        };
        for (k, &i) in self.members.iter().enumerate() {
            self.faulted[k] = ms.fsm(i).own_faults() != 0;
            self.notified[k] = true;
            self.holds[k] = ms.fsm(i).sync_holds();
        }
        self.refresh_gates(ms);
    }

    /// Drops the instance notifies of member `inst` for the state the group is already in,
    /// once it has notified at least once (keepalived's send_instance_notifies).
    pub fn filter(&mut self, inst: usize, acts: &Actions) -> Actions {
        let Some(k) = self.pos(inst) else {
            return acts.clone();
        };
        let mut kept = Actions::new();
        for a in acts {
            if let Action::Notify(s) = *a {
                if self.notified[k] && s == self.state {
                    continue;
                }
                self.notified[k] = true;
            }
            // Same length or shorter than `acts`: cannot overflow.
            let _ = kept.push(*a);
        }
        kept
    }

    /// Member `inst` has just handled an input that produced `acts` (as filtered): the group's
    /// moves that follow.
    pub fn after<M: Members>(
        &mut self,
        ms: &mut M,
        inst: usize,
        acts: &Actions,
        now: Micros,
    ) -> Outs {
        let mut out = Outs::new();
        let Some(k) = self.pos(inst) else {
            return out;
        };
        let holds = ms.fsm(inst).sync_holds();
        if holds != self.holds[k] {
            self.holds[k] = holds;
            out.push(Out::Held { inst });
        }
        let faulted = ms.fsm(inst).own_faults() != 0;
        if faulted != self.faulted[k] {
            self.faulted[k] = faulted;
            let count = self.faulted.iter().filter(|&&f| f).count();
            if faulted && count == 1 {
                self.sync_fault(ms, inst, now, &mut out);
            } else if !faulted && count == 0 {
                if ms.fsm(inst).state() == State::Master {
                    self.sync_master(ms, inst, now, &mut out);
                } else if ms.fsm(inst).state() == State::Backup {
                    self.sync_backup(ms, inst, now, &mut out);
                }
            }
        } else if acts.contains(&Action::NotifyMasterRxLowerPri) {
            for j in self.others(inst) {
                self.member(ms, j, &mut out, |f| f.sync_lower_prio_garps(now));
            }
        } else {
            // keepalived's VRRP_TSM table: x -> MASTER syncs MASTER, MASTER -> BACKUP syncs BACKUP.
            for a in acts {
                match *a {
                    Action::StateChange {
                        from: State::Backup | State::Master | State::Fault,
                        to: State::Master,
                        ..
                    } => self.sync_master(ms, inst, now, &mut out),
                    Action::StateChange {
                        from: State::Master,
                        to: State::Backup,
                        ..
                    } => self.sync_backup(ms, inst, now, &mut out),
                    _ => continue,
                }
                break;
            }
        }
        self.refresh_gates(ms);
        out
    }

    /// Sets every member's gate from the others' wishes and faults.
    pub fn refresh_gates<M: Members>(&self, ms: &mut M) {
        for (k, &i) in self.members.iter().enumerate() {
            let gate = SyncGate {
                hold_master: !self.others_want_master(ms, i),
                others_faulted: self.faulted.iter().enumerate().any(|(j, &f)| f && j != k),
                start_in_fault: false,
            };
            ms.fsm(i).set_sync_gate(Some(gate));
        }
    }

    /// keepalived's vrrp_sync_can_goto_master, without its side effect.
    fn others_want_master<M: Members>(&self, ms: &mut M, inst: usize) -> bool {
        self.state == State::Master
            || self
                .members
                .iter()
                .all(|&j| j == inst || ms.fsm(j).wantstate() == State::Master)
    }

    fn member<M: Members>(
        &mut self,
        ms: &mut M,
        inst: usize,
        out: &mut Outs,
        f: impl FnOnce(&mut Fsm) -> Actions,
    ) {
        self.refresh_gates(ms);
        let acts = f(ms.fsm(inst));
        let acts = self.filter(inst, &acts);
        if !acts.is_empty() {
            out.push(Out::Member { inst, acts });
        }
    }

    fn others(&self, inst: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.members.len());
        for &j in &self.members {
            if j != inst {
                out.push(j);
            }
        }
        out
    }

    fn sync_master<M: Members>(&mut self, ms: &mut M, inst: usize, now: Micros, out: &mut Outs) {
        if self.state == State::Master || !self.others_want_master(ms, inst) {
            return;
        }
        out.push(Out::Syncing(State::Master));
        for j in self.others(inst) {
            if ms.fsm(j).state() != State::Master {
                self.member(ms, j, out, |f| f.sync_to_master(now, Reason::SyncGroup));
            }
        }
        self.state = State::Master;
        out.push(Out::Notify(State::Master));
    }

    fn sync_backup<M: Members>(&mut self, ms: &mut M, inst: usize, now: Micros, out: &mut Outs) {
        if self.state == State::Backup {
            return;
        }
        out.push(Out::Syncing(State::Backup));
        for j in self.others(inst) {
            if ms.fsm(j).state() != State::Backup {
                self.member(ms, j, out, |f| f.sync_to_backup(now));
            }
        }
        self.state = State::Backup;
        out.push(Out::Notify(State::Backup));
    }

    fn sync_fault<M: Members>(&mut self, ms: &mut M, inst: usize, now: Micros, out: &mut Outs) {
        if self.state == State::Fault {
            return;
        }
        out.push(Out::Syncing(State::Fault));
        for j in self.others(inst) {
            if ms.fsm(j).state() != State::Fault {
                self.member(ms, j, out, |f| f.sync_to_fault(now));
            }
        }
        self.state = State::Fault;
        out.push(Out::Notify(State::Fault));
    }
}

#[cfg(test)]
mod tests;
