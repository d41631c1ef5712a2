//! Advert reception: keepalived's vrrp_state_backup and vrrp_state_master_rx, and the
//! dispatcher's timer handling around them (vrrp_dispatcher_read).

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::instance::{push, Fsm};
use super::timers::GarpQueue;
use super::{Action, Actions, Heard, Ignored, Reason, RxAdvert, State};
use crate::core::time::Micros;

impl Fsm {
    /// A valid advert for our VRID arrived at `now`.
    #[cfg(test)]
    pub fn on_advert(&mut self, now: Micros, adv: &RxAdvert) -> Actions {
        let mut acts = Actions::new();
        self.hear_advert(now, adv, &mut acts);
        acts
    }

    /// [`Fsm::on_advert`] into `acts` (emptied first), also saying why the advert was ignored
    /// if it was (the reason counted in [`Fsm::ignored`]), so the caller can log a discard
    /// without comparing counters.
    pub fn hear_advert(&mut self, now: Micros, adv: &RxAdvert, acts: &mut Actions) -> Heard {
        acts.clear();
        let bad = if adv.version != self.cfg.version {
            Some(Ignored::VersionMismatch)
        } else if adv.version == 2 && adv.advert_int != self.cfg.advert_int {
            Some(Ignored::IntervalMismatch)
        } else {
            None
        };
        let (ignored, lower_priority) = self.receive(acts, now, Some(adv), bad);
        Heard {
            ignored,
            lower_priority,
        }
    }

    /// A packet for our VRID arrived at `now` but failed the packet checks (length, TTL,
    /// checksum, authentication ...). It changes nothing except that a MASTER, as keepalived
    /// does after any packet, restarts its advert timer (unless `lower_prio_no_advert`).
    pub fn on_invalid_advert(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        self.receive(&mut acts, now, None, Some(Ignored::Invalid));
        acts
    }

    /// An advert that passed the packet checks but is refused for what it lists (keepalived counts
    /// it as received, then discards it).
    pub fn on_refused_advert(&mut self, now: Micros) -> Actions {
        if matches!(self.state, State::Backup | State::Master) {
            self.stats.adverts_rx += 1;
        }
        self.on_invalid_advert(now)
    }

    /// Returns the reason the input was ignored for, if any (counted already), and what a
    /// MASTER did about a lower priority (see [`Heard::lower_priority`]).
    fn receive(
        &mut self,
        acts: &mut Actions,
        now: Micros,
        adv: Option<&RxAdvert>,
        bad: Option<Ignored>,
    ) -> (Option<Ignored>, Option<bool>) {
        let not_running = match self.state {
            State::Init | State::Stop => Some(Ignored::NotRunning),
            State::Fault => Some(Ignored::Fault),
            State::Backup | State::Master => None,
        };
        if let Some(why) = not_running {
            self.count(why);
            return (Some(why), None);
        }
        // keepalived counts an advert as received only once it passed the packet checks.
        if bad.is_none() {
            self.stats.adverts_rx += 1;
        }
        let adv = match (adv, bad) {
            (Some(adv), None) => Some(adv),
            _ => {
                if let Some(why) = bad {
                    self.count(why);
                }
                None
            }
        };
        let mut ignored = bad;
        let mut lower = None;
        if self.state == State::Backup {
            let accepted = adv.is_some_and(|a| self.backup_rx(now, a));
            if !accepted {
                // A rejected advert must not move the deadline: rearm with what is left.
                self.ms_down_timer = self.sands.map_or(Micros::ZERO, |t| t - now);
                if adv.is_some() {
                    ignored = Some(Ignored::LowerPriority);
                }
            }
        } else if let Some(a) = adv {
            (ignored, lower) = self.master_rx(acts, now, a);
        }
        // Having (possibly) sent an advert, a MASTER restarts its advert interval.
        if self.state != State::Master || !self.cfg.lower_prio_no_advert {
            self.arm(now);
        }
        (ignored, lower)
    }

    /// BACKUP: true when the advert restarts the down timer (false: a lower priority master,
    /// discarded and counted).
    fn backup_rx(&mut self, now: Micros, adv: &RxAdvert) -> bool {
        let eff = self.effective_priority;
        if adv.priority == 0 {
            // The master is leaving: take over after Skew_Time only.
            self.stats.pri_zero_rx += 1;
            self.ms_down_timer = self.skew();
            self.next_master_reason = Reason::Priority0;
            return true;
        }
        let delay = self.cfg.preempt_delay.0 != 0;
        let in_window = delay && self.preempt_time.is_none_or(|t| t > now);
        if self.cfg.nopreempt || adv.priority >= eff || in_window {
            if self.cfg.version == 3 {
                self.master_adver_int = adv.advert_int;
            }
            self.ms_down_timer = self.down_interval();
            self.master_addr = Some(adv.src);
            self.master_priority = adv.priority;
            self.next_master_reason = Reason::MasterNoResponse;
            if delay {
                if adv.priority >= eff {
                    self.preempt_time = None;
                } else if self.preempt_time.is_none() {
                    self.preempt_time = Some(now + self.cfg.preempt_delay);
                }
            }
            self.wantstate = State::Backup;
            true
        } else {
            // Lower priority and we may preempt: let the down timer run out.
            self.count(Ignored::LowerPriority);
            self.next_master_reason = Reason::Preempted;
            self.master_addr = Some(adv.src);
            false
        }
    }

    /// MASTER: stays master unless the advert wins the election. Returns what it was ignored
    /// for, if anything (our own address echoed), and for a lower priority whether the GARP
    /// round went out.
    fn master_rx(
        &mut self,
        acts: &mut Actions,
        now: Micros,
        adv: &RxAdvert,
    ) -> (Option<Ignored>, Option<bool>) {
        let cmp = self.addr_cmp(adv.src);
        let eff = self.effective_priority;
        let wins = |eff: u8| adv.priority > eff || (adv.priority == eff && cmp.is_gt());
        if adv.priority == 0 || (self.cfg.higher_prio_send_advert && wins(eff)) {
            self.send_advert(acts, eff);
            if adv.priority == 0 {
                self.stats.pri_zero_rx += 1;
                return (None, None);
            }
        }
        let mut ignored = None;
        if adv.priority == eff {
            if cmp.is_eq() {
                self.count(Ignored::OwnAddress);
                ignored = Some(Ignored::OwnAddress);
            } else if eff == 255 {
                // Two address owners: keepalived 2.2.7 lowers itself to 254 for good,
                // after which the other owner's advert wins below.
                self.effective_priority = 254;
                self.base_priority = 254;
                self.stats.owner_conflicts += 1;
            }
        }
        let eff = self.effective_priority;
        if adv.priority < eff || (adv.priority == eff && cmp.is_lt()) {
            if !self.cfg.lower_prio_no_advert {
                self.send_advert(acts, eff);
            }
            // keepalived answers every one with GARPs, a second set later, and the notify. A
            // lower priority master sends one advert per interval; a flood would get GARPs and
            // scripts per packet, and its delayed sets, piled into the queue's last slot, all
            // at once. So one round per half advert interval, and no closer than lets every
            // pending delayed set keep a slot; the adverts are still answered one for one.
            let spacing = Micros(self.cfg.advert_int.0 / 2).max(Micros(
                self.cfg.garp_lower_prio_delay.0 / (GarpQueue::CAP as u64 - 1),
            ));
            if self.lower_prio_round_at.is_some_and(|t| now < t + spacing) {
                return (ignored, Some(false));
            }
            self.lower_prio_round_at = Some(now);
            let rep = self.cfg.garp_lower_prio_repeat;
            if rep > 0 {
                push(acts, Action::SendGarps { repeat: rep });
                if self.cfg.garp_lower_prio_delay.0 != 0 {
                    self.garp_lower_prio
                        .push(now + self.cfg.garp_lower_prio_delay);
                }
            }
            push(acts, Action::NotifyMasterRxLowerPri);
            return (ignored, Some(true));
        } else if wins(eff) {
            if self.cfg.version == 3 {
                self.master_adver_int = adv.advert_int;
            }
            let reason = if adv.priority > eff {
                Reason::HigherPriority
            } else {
                Reason::HigherAddress
            };
            self.ms_down_timer = self.down_interval();
            self.master_addr = Some(adv.src);
            self.master_priority = adv.priority;
            self.wantstate = State::Backup;
            self.leave_master(acts, now, false, reason);
        }
        (ignored, None)
    }

    /// The sender's address against ours, numerically (keepalived's vrrp_saddr_cmp).
    /// A configured source of the other family compares equal; an interface without an
    /// address of the sender's family counts as the unspecified address.
    fn addr_cmp(&self, src: IpAddr) -> Ordering {
        let ours = match (self.cfg.src_ip, self.if_addr) {
            (Some(s), _) if s.is_ipv4() != src.is_ipv4() => return Ordering::Equal,
            (Some(s), _) => s,
            (None, Some(a)) if a.is_ipv4() == src.is_ipv4() => a,
            (None, _) if src.is_ipv4() => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            (None, _) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        src.cmp(&ours)
    }
}
