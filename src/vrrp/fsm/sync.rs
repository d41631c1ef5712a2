//! Hooks for vrrp_sync_group: what an instance needs to know about the rest of its group, and
//! the moves the group makes on it (keepalived's vrrp_sync.c, applied to one member). The
//! group's own logic lives in crate::vrrp::sync.

use super::instance::{push, Fsm};
use super::{Action, Actions, Reason, State};
use crate::core::time::Micros;

/// What the sync group tells a member before each input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncGate {
    /// keepalived's vrrp_sync_can_goto_master is false: the group is not MASTER and another
    /// member does not want MASTER, so this one keeps waiting in BACKUP.
    pub hold_master: bool,
    /// Another member has a fault of its own: clearing ours does not leave FAULT.
    pub others_faulted: bool,
    /// At start: the group begins in FAULT (a member's link is down), so this one does too.
    pub start_in_fault: bool,
}

impl Fsm {
    /// Joins (Some) or leaves (None) a sync group's gate.
    pub fn set_sync_gate(&mut self, gate: Option<SyncGate>) {
        self.sync = gate;
    }

    /// The state wanted regardless of the sync group (keepalived's `wantstate`).
    pub fn wantstate(&self) -> State {
        self.wantstate
    }

    /// Faults of the instance itself (its link, weight-0 trackers), not its group's.
    pub fn own_faults(&self) -> u32 {
        self.faults()
    }

    /// vrrp_sync_can_goto_master failing: wait one more down interval in BACKUP, still
    /// wanting MASTER. True when the move to MASTER must not happen now.
    pub(super) fn sync_holds_master(&mut self, now: Micros) -> bool {
        if !self.sync.is_some_and(|g| g.hold_master) {
            return false;
        }
        self.wantstate = State::Master;
        self.ms_down_timer = self.down_interval();
        self.arm(now);
        self.sync_holds += 1;
        true
    }

    /// How many times the group held this member back from MASTER (each one a down timer
    /// that expired, which keepalived logs as a receive timeout).
    pub fn sync_holds(&self) -> u64 {
        self.sync_holds
    }

    /// vrrp_sync_master for a member other than the one that became MASTER.
    pub fn sync_to_master(&mut self, now: Micros, reason: Reason) -> Actions {
        let mut acts = Actions::new();
        if matches!(self.state, State::Master | State::Init | State::Stop) || self.faults() != 0 {
            return acts;
        }
        self.wantstate = State::Master;
        self.goto_master(&mut acts, now, reason);
        acts
    }

    /// vrrp_sync_backup for a member other than the one that left MASTER or FAULT.
    pub fn sync_to_backup(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        if matches!(self.state, State::Backup | State::Stop) || self.faults() != 0 {
            return acts;
        }
        self.wantstate = State::Backup;
        match self.state {
            State::Master => self.leave_master(&mut acts, now, false, Reason::SyncGroup),
            _ => self.leave_fault_sync(&mut acts, now),
        }
        acts
    }

    /// vrrp_sync_fault for a member other than the one that faulted: a MASTER leaves with one
    /// priority-0 advert; a BACKUP is put in FAULT without the usual log line (keepalived sets
    /// the state before calling its leave-fault path), but with its notify.
    pub fn sync_to_fault(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        if matches!(self.state, State::Fault | State::Stop) {
            return acts;
        }
        self.wantstate = State::Fault;
        match self.state {
            State::Master => self.leave_master(&mut acts, now, false, Reason::SyncGroup),
            _ => {
                let from = self.state;
                self.state = State::Fault;
                push(
                    &mut acts,
                    Action::StateChange {
                        from,
                        to: State::Fault,
                        reason: Reason::SyncGroup,
                    },
                );
                push(&mut acts, Action::Notify(State::Fault));
                self.master_adver_int = self.cfg.advert_int;
                self.ms_down_timer = self.down_interval();
                self.arm(now);
            }
        }
        acts
    }

    /// Another member, MASTER, heard a lower priority advert: keepalived re-sends this
    /// member's gratuitous ARPs too (its garp_lower_prio_repeat, and the delayed set).
    pub fn sync_lower_prio_garps(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        let rep = self.cfg.garp_lower_prio_repeat;
        if rep == 0 {
            return acts;
        }
        if self.vipset {
            push(&mut acts, Action::SendGarps { repeat: rep });
        }
        if self.cfg.garp_lower_prio_delay.0 != 0 {
            self.garp_lower_prio
                .push(now + self.cfg.garp_lower_prio_delay);
        }
        acts
    }

    /// vrrp_state_leave_fault towards BACKUP for a member the group takes out of FAULT.
    fn leave_fault_sync(&mut self, acts: &mut Actions, now: Micros) {
        let from = self.state;
        self.state = State::Backup;
        push(
            acts,
            Action::StateChange {
                from,
                to: State::Backup,
                reason: Reason::SyncGroup,
            },
        );
        push(acts, Action::Notify(State::Backup));
        self.preempt_time = None;
        self.master_adver_int = self.cfg.advert_int;
        self.ms_down_timer = self.down_interval();
        self.arm(now);
    }
}
