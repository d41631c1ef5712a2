//! New settings for a running instance (SIGHUP reload), as keepalived applies them to an
//! instance it matched in the new config: the state, the VIPs' presence, the statistics and
//! the pending timers stay; only what the settings feed is recomputed. In particular a changed
//! priority causes no election of its own: a MASTER stays MASTER until an advert says
//! otherwise, and a BACKUP's pending down deadline moves by the change in the down interval.

use super::instance::{push, Fsm};
use super::{Action, Actions, FsmConfig, State};
use crate::core::time::Micros;

impl Fsm {
    /// Switches to `cfg` at `now`. `initial_master` (the `state` keyword) only matters at start,
    /// so it has no effect here.
    pub fn reconfigure(&mut self, now: Micros, cfg: FsmConfig) -> Actions {
        let mut acts = Actions::new();
        let old = self.cfg;
        let old_down = self.down_interval();
        let old_effective = self.effective_priority;
        self.cfg = cfg;

        if cfg.priority != old.priority {
            let base = cfg.priority.max(1);
            // What tracking added to the old base carries over to the new one.
            let offset = i32::from(self.effective_priority) - i32::from(self.base_priority);
            self.base_priority = base;
            self.effective_priority = if base == 255 {
                255
            } else {
                (i32::from(base) + offset).clamp(1, 254) as u8
            };
        }
        // A v3 BACKUP keeps the interval it learnt from the master; otherwise ours is the one.
        if cfg.version != old.version || cfg.version == 2 || self.state != State::Backup {
            self.master_adver_int = cfg.advert_int;
        }

        let new_down = self.down_interval();
        if new_down != old_down {
            if self.state == State::Backup {
                if let Some(t) = self.sands {
                    self.sands = Some(if new_down > old_down {
                        t + (new_down - old_down)
                    } else {
                        t - (old_down - new_down)
                    });
                }
            }
            self.ms_down_timer = new_down;
        }
        if self.state == State::Master {
            // keepalived's reload_master: a MASTER kept over a reload advertises at once, then
            // every (possibly new) interval from there.
            self.sands = Some(now);
        }
        if self.state == State::Master && cfg.garp_master_refresh != old.garp_master_refresh {
            self.garp_refresh_at =
                (cfg.garp_master_refresh.0 != 0).then(|| now + cfg.garp_master_refresh);
        }
        if cfg.nopreempt && self.preempt_time.is_some() {
            self.preempt_time = None;
        }
        if cfg.notify_priority_changes && self.effective_priority != old_effective {
            push(
                &mut acts,
                Action::NotifyPriority {
                    state: self.state,
                    priority: self.effective_priority,
                },
            );
        }
        acts
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{adv, cfg, has, master, started, t, DOWN_100, S};
    use super::super::{Action, FsmConfig, State};
    use crate::core::time::Micros;

    #[test]
    fn unchanged_settings_change_nothing() {
        let mut f = started(cfg(100));
        let before = (f.state(), f.next_deadline(), *f.stats(), f.vips_set());
        let acts = f.reconfigure(t(S / 2), cfg(100));
        assert!(acts.is_empty());
        assert_eq!(
            before,
            (f.state(), f.next_deadline(), *f.stats(), f.vips_set())
        );
    }

    #[test]
    fn master_advertises_at_once_after_a_reload() {
        let mut f = master(cfg(100));
        let now = t(DOWN_100 + S / 2);
        let before = (*f.stats(), f.vips_set());
        let acts = f.reconfigure(now, cfg(100));
        assert!(acts.is_empty(), "{acts:?}");
        assert_eq!(
            (f.state(), *f.stats(), f.vips_set()),
            (State::Master, before.0, before.1)
        );
        assert_eq!(f.next_deadline(), Some(now), "not advertising at once");
        let acts = f.on_timer(now);
        assert!(has(&acts, Action::SendAdvert { priority: 100 }), "{acts:?}");
        assert_eq!(
            f.next_deadline(),
            Some(now + Micros(S)),
            "then one interval later"
        );
    }

    #[test]
    fn master_keeps_state_and_vips_when_its_priority_drops() {
        let mut f = master(cfg(200));
        let now = t(DOWN_100 + S / 2);
        let acts = f.reconfigure(now, cfg(50));
        assert!(acts.is_empty(), "{acts:?}");
        assert_eq!(f.state(), State::Master);
        assert!(f.vips_set());
        let due = f.next_deadline();
        assert_eq!(due, Some(now), "a reloaded master advertises at once");
        assert_eq!((f.base_priority(), f.effective_priority()), (50, 50));
        // The next advert carries the new priority.
        let acts = f.on_timer(due.unwrap());
        assert!(has(&acts, Action::SendAdvert { priority: 50 }), "{acts:?}");
        // And a higher priority peer now wins as usual.
        let acts = f.on_advert(due.unwrap() + Micros(10), &adv("10.0.0.9", 100));
        assert_eq!(f.state(), State::Backup, "{acts:?}");
    }

    #[test]
    fn backup_down_deadline_moves_by_the_change_in_skew() {
        let mut f = started(cfg(100));
        assert_eq!(f.next_deadline(), Some(t(DOWN_100)));
        // Priority 200: skew (256 - 200) / 256 s = 218 750 µs instead of 609 375 µs.
        let acts = f.reconfigure(t(S), cfg(200));
        assert!(acts.is_empty());
        assert_eq!(f.state(), State::Backup);
        assert_eq!(f.next_deadline(), Some(t(3 * S + 218_750)));
    }

    #[test]
    fn tracking_offset_is_kept_on_a_new_base_priority() {
        let mut f = started(cfg(100));
        f.set_effective_priority(t(0), 90);
        f.reconfigure(t(S), cfg(150));
        assert_eq!((f.base_priority(), f.effective_priority()), (150, 140));
        f.reconfigure(t(S), cfg(255));
        assert_eq!(f.effective_priority(), 255, "an owner's priority is 255");
    }

    #[test]
    fn master_with_a_shorter_interval_advertises_at_the_new_pace() {
        let c = FsmConfig {
            version: 3,
            ..cfg(200)
        };
        let mut f = master(c);
        let now = t(DOWN_100 + 10_000);
        let c2 = FsmConfig {
            advert_int: Micros::from_centis(10),
            ..c
        };
        f.reconfigure(now, c2);
        assert_eq!(f.next_deadline(), Some(now));
        f.on_timer(now);
        assert_eq!(f.next_deadline(), Some(now + Micros::from_centis(10)));
        assert_eq!(f.state(), State::Master);
    }

    #[test]
    fn priority_change_is_notified_when_asked() {
        let c = FsmConfig {
            notify_priority_changes: true,
            ..cfg(100)
        };
        let mut f = started(c);
        let acts = f.reconfigure(t(S), FsmConfig { priority: 120, ..c });
        assert!(has(
            &acts,
            Action::NotifyPriority {
                state: State::Backup,
                priority: 120
            }
        ));
    }
}
