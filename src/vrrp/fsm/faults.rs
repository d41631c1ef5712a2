//! Faults (link, weight-0 trackers), priority changes from tracking, and stop: keepalived's
//! down_instance, try_up_instance, vrrp_state_leave_fault, vrrp_set_effective_priority and
//! the shutdown path.

use super::instance::{push, Fsm};
use super::timers::GarpQueue;
use super::{Action, Actions, Reason, State};
use crate::core::time::Micros;

impl Fsm {
    /// keepalived's vrrp_state_leave_fault, towards `wantstate`.
    fn leave_fault(&mut self, acts: &mut Actions, now: Micros, reason: Reason) {
        if self.wantstate == State::Master {
            self.goto_master(acts, now, reason);
        } else {
            let to = self.wantstate;
            if to == State::Fault && self.state == State::Master {
                self.send_advert(acts, 0);
                self.restore_interface(acts, false);
            }
            let from = self.state;
            self.state = to;
            if from != to {
                push(acts, Action::StateChange { from, to, reason });
            }
            // keepalived notifies even when the state did not change.
            push(acts, Action::Notify(to));
            if to == State::Backup {
                self.preempt_time = None;
            }
        }
        self.master_adver_int = self.cfg.advert_int;
        self.ms_down_timer = self.down_interval();
        self.arm(now);
    }

    /// keepalived's down_instance: the first fault takes the instance to FAULT at once (a
    /// MASTER sends priority 0 first and drops its VIPs).
    fn down(&mut self, acts: &mut Actions, now: Micros) {
        if self.state == State::Init || self.state == State::Stop {
            return;
        }
        if self.faults() == 1 {
            self.wantstate = State::Fault;
            if self.state == State::Master {
                self.leave_master(acts, now, true, Reason::Fault);
            } else {
                self.leave_fault(acts, now, Reason::Fault);
            }
        }
    }

    /// keepalived's try_up_instance: when the last fault clears, back to BACKUP with a full
    /// down interval, or straight to MASTER for an owner that has never left its initial
    /// MASTER wish (it was in FAULT from the start).
    fn up(&mut self, acts: &mut Actions, now: Micros) {
        if self.state == State::Init || self.state == State::Stop {
            return;
        }
        if self.faults() != 0 {
            return;
        }
        let owner_master = self.wantstate == State::Master && self.base_priority == 255;
        if owner_master {
            self.next_master_reason = Reason::Preempted;
        } else {
            self.wantstate = State::Backup;
            self.next_master_reason = Reason::MasterNoResponse;
        }
        self.master_adver_int = self.cfg.advert_int;
        if self.sync.is_some_and(|g| g.others_faulted) {
            // keepalived's try_up_instance: the group stays in FAULT until its last member recovers.
            self.ms_down_timer = self.down_interval();
            return;
        }
        let want = self.wantstate;
        if want == State::Master && self.sync.is_some_and(|g| g.hold_master) {
            self.wantstate = State::Backup;
        }
        self.leave_fault(acts, now, Reason::FaultCleared);
        self.wantstate = want;
        // keepalived's try_up_instance, for any unicast instance: its source is the configured
        // one or the interface's own address (the shell knows which).
        if self.cfg.unicast {
            push(acts, Action::SendSourceGarp);
        }
    }

    /// The interface went down: FAULT at once. A MASTER's two priority-0 adverts usually
    /// cannot leave a downed link; keepalived sends them anyway and does not log the failure.
    pub fn link_down(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        if self.link_up {
            self.link_up = false;
            self.down(&mut acts, now);
        }
        acts
    }

    /// The interface came back: BACKUP (unless other faults remain).
    pub fn link_up(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        if !self.link_up {
            self.link_up = true;
            self.up(&mut acts, now);
        }
        acts
    }

    /// A weight-0 tracker (script, interface, file, process, BFD) failed.
    pub fn tracker_fault(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        self.tracker_faults += 1;
        self.down(&mut acts, now);
        acts
    }

    /// How many weight-0 trackers hold the instance in FAULT.
    pub fn tracker_faults(&self) -> u32 {
        self.tracker_faults
    }

    /// A weight-0 tracker recovered.
    pub fn tracker_recovered(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        if self.tracker_faults > 0 {
            self.tracker_faults -= 1;
            self.up(&mut acts, now);
        }
        acts
    }

    /// A MASTER lost a tracked virtual route or rule to someone else: keepalived leaves
    /// MASTER for BACKUP (priority 0, VIPs, routes and rules out) and lets the election run.
    pub fn tracked_object_lost(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        if self.state == State::Master {
            self.wantstate = State::Backup;
            self.leave_master(&mut acts, now, true, Reason::Fault);
        }
        acts
    }

    /// Tracking changed the instance's total priority (base + weights). keepalived clamps it to
    /// 1..=254, never changes an owner's, and in BACKUP shifts the pending down deadline by
    /// the change in the down interval.
    pub fn set_effective_priority(&mut self, _now: Micros, total: i32) -> Actions {
        let mut acts = Actions::new();
        if self.base_priority == 255 {
            return acts;
        }
        let p = total.clamp(1, 254) as u8;
        if p == self.effective_priority {
            return acts;
        }
        self.effective_priority = p;
        let old = self.ms_down_timer;
        self.ms_down_timer = self.down_interval();
        if self.state == State::Backup {
            if let Some(t) = self.sands {
                self.sands = Some(if old < self.ms_down_timer {
                    t + (self.ms_down_timer - old)
                } else {
                    t - (old - self.ms_down_timer)
                });
            }
        }
        if self.cfg.notify_priority_changes {
            push(
                &mut acts,
                Action::NotifyPriority {
                    state: self.state,
                    priority: p,
                },
            );
        }
        acts
    }

    /// Shuts the instance down: a MASTER sends priority 0 and removes its VIPs; every
    /// instance then reports STOP.
    pub fn stop(&mut self, _now: Micros) -> Actions {
        let mut acts = Actions::new();
        if self.state == State::Stop {
            return acts;
        }
        if self.state == State::Master {
            self.restore_interface(&mut acts, true);
        }
        self.change(&mut acts, State::Stop, Reason::Stopped);
        push(&mut acts, Action::Notify(State::Stop));
        self.sands = None;
        self.garp_master = GarpQueue::new();
        self.garp_lower_prio = GarpQueue::new();
        acts
    }
}
