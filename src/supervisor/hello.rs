//! The parent's side of the hello protocol, without I/O: how often each child is greeted and
//! when a silent one counts as hung.
//!
//! A hung VRRP MASTER keeps its VIPs while its peer, hearing no adverts, takes over after
//! Master_Down_Interval (about three advert intervals): two masters until the parent acts. So
//! the VRRP child's hello period follows the shortest advert interval, and three unanswered
//! periods (about when the peer takes over) make it hung. A floor keeps a merely slow loop on
//! a loaded machine from being killed; the checker child keeps keepalived-like 5 s hellos.

use crate::config::Config;
use crate::core::time::Micros;

/// The slowest hello period, and the checker child's.
const PERIOD_CAP: Micros = Micros::from_secs(5);
/// The fastest VRRP hello period: three of them (the hung deadline) are far above the worst
/// echo delay measured with the machine's cores saturated (see tests/bench/README.md).
const PERIOD_FLOOR: Micros = Micros::from_centis(50);
const MISSES: u32 = 3;
/// Time a child has to reach its loop before hellos count: opening sockets and building every
/// instance comes first.
const START_GRACE: Micros = Micros::from_secs(5);

/// How often a child is greeted and how many periods it may stay silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Plan {
    pub(super) period: Micros,
    pub(super) misses: u32,
}

impl Plan {
    pub(super) const CHECKER: Plan = Plan {
        period: PERIOD_CAP,
        misses: MISSES,
    };

    /// The VRRP child's: one period per shortest advert interval, within the floor and cap.
    pub(super) fn vrrp(cfg: &Config) -> Plan {
        let shortest = cfg
            .vrrp
            .instances
            .iter()
            .map(|v| v.resolved.advert_int)
            .filter(|a| *a > Micros::ZERO)
            .min()
            .unwrap_or(PERIOD_CAP);
        Plan {
            period: shortest.clamp(PERIOD_FLOOR, PERIOD_CAP),
            misses: MISSES,
        }
    }

    /// How long after a hello its echo may still come.
    fn deadline(&self) -> Micros {
        Micros(self.period.0.saturating_mul(u64::from(self.misses)))
    }
}

/// What a hello tick asks the parent to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tick {
    /// Send hello `seq`.
    Send(u32),
    /// The child has not answered the last `unanswered` hellos in time: kill it.
    Hung { unanswered: u32 },
}

/// One child's hellos: what was sent, what came back, when it is due.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hellos {
    pub(super) plan: Plan,
    seq: u32,
    answered: u32,
    sent_at: Micros,
    /// The child is hung if nothing answers by then.
    due: Micros,
}

impl Hellos {
    /// A child started at `now`.
    pub(super) fn new(plan: Plan, now: Micros) -> Hellos {
        Hellos {
            plan,
            seq: 0,
            answered: 0,
            sent_at: now,
            due: now + plan.deadline().max(START_GRACE),
        }
    }

    /// The echo of hello `seq` came back: the child is alive as of when that hello left. The
    /// deadline counts from there, not from the echo, so a stuck child is caught at the tick
    /// that ends its third silent period, not one later; an earlier hello's late echo counts
    /// from when it left (one period per hello back).
    pub(super) fn on_echo(&mut self, seq: u32) {
        let back = self.seq.wrapping_sub(seq);
        if back >= self.seq.wrapping_sub(self.answered) {
            // Not newer than what was already answered (or never sent).
            return;
        }
        let left = self
            .sent_at
            .saturating_sub(Micros(self.plan.period.0.saturating_mul(u64::from(back))));
        let due = left + self.plan.deadline();
        // The first echo ends the start grace: the child's loop runs.
        self.due = if self.answered == 0 {
            due
        } else {
            self.due.max(due)
        };
        self.answered = seq;
    }

    /// The hello period elapsed at `now`.
    pub(super) fn tick(&mut self, now: Micros) -> Tick {
        if now >= self.due {
            return Tick::Hung {
                unanswered: self.seq.wrapping_sub(self.answered),
            };
        }
        self.seq = self.seq.wrapping_add(1);
        self.sent_at = now;
        Tick::Send(self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(adverts: &[&str]) -> Config {
        let mut text = String::new();
        for (i, a) in adverts.iter().enumerate() {
            text.push_str(&format!(
                "vrrp_instance V{i} {{\n interface eth0\n virtual_router_id {}\n priority 100\n \
                 advert_int {a}\n version 3\n virtual_ipaddress {{\n 10.0.0.{}\n }}\n}}\n",
                i + 1,
                i + 1
            ));
        }
        let mut d = crate::config::Diagnostics::new();
        let c = crate::config::from_tree(
            &crate::config::reader::tree_from_str(&text, 0, &mut d),
            &mut d,
        );
        assert!(!d.has_errors(), "{text}");
        c
    }

    #[test]
    fn vrrp_period_follows_the_shortest_advert_within_floor_and_cap() {
        let p = |a: &[&str]| Plan::vrrp(&cfg(a)).period;
        assert_eq!(p(&["1", "3"]), Micros::from_secs(1));
        assert_eq!(p(&["2", "0.7"]), Micros::from_centis(70));
        assert_eq!(p(&["0.1"]), PERIOD_FLOOR);
        assert_eq!(p(&["10"]), PERIOD_CAP);
        assert_eq!(p(&[]), PERIOD_CAP);
        assert_eq!(Plan::vrrp(&cfg(&["1"])).misses, 3);
    }

    fn at(s: f64) -> Micros {
        Micros((s * 1e6) as u64)
    }

    /// Drives ticks every period from `start`, the child answering each hello until `stop`;
    /// returns when the child is declared hung.
    fn hung_at(plan: Plan, stop: f64) -> (f64, u32) {
        let mut h = Hellos::new(plan, at(0.0));
        let mut t = plan.period;
        loop {
            match h.tick(t) {
                Tick::Send(seq) => {
                    if (t.0 as f64) / 1e6 < stop {
                        h.on_echo(seq);
                    }
                }
                Tick::Hung { unanswered } => return (t.0 as f64 / 1e6, unanswered),
            }
            t = t + plan.period;
            assert!(t < at(1000.0), "never hung");
        }
    }

    #[test]
    fn a_stopped_child_is_hung_three_periods_after_its_last_answered_hello() {
        let plan = Plan {
            period: Micros::from_secs(1),
            misses: 3,
        };
        // Last echo for the hello at 10 s: hung at the tick of 13 s, the hellos of 11 and 12 s
        // unanswered.
        assert_eq!(hung_at(plan, 10.5), (13.0, 2));
        // Stopped within its first second: no start grace once it has answered.
        assert_eq!(hung_at(plan, 1.5), (4.0, 2));
        // A child that answers every hello is never hung (the loop above would run out).
        let mut h = Hellos::new(plan, at(0.0));
        for s in 1..100 {
            let Tick::Send(seq) = h.tick(at(s as f64)) else {
                panic!("hung while answering at {s} s");
            };
            h.on_echo(seq);
        }
    }

    #[test]
    fn a_child_gets_its_start_grace_and_late_echoes_still_count() {
        let plan = Plan {
            period: Micros::from_centis(50),
            misses: 3,
        };
        // Never answers: hung once the start grace is over, not at 1.5 s.
        let (t, _) = hung_at(plan, 0.0);
        assert!((5.0..5.6).contains(&t), "{t}");
        // An echo that comes after the next hello went out counts from when its hello left;
        // a repeated one changes nothing.
        let mut h = Hellos::new(plan, at(0.0));
        let Tick::Send(a) = h.tick(at(0.5)) else {
            panic!()
        };
        h.on_echo(a);
        let Tick::Send(b) = h.tick(at(1.0)) else {
            panic!()
        };
        h.on_echo(a);
        let Tick::Send(c) = h.tick(at(1.5)) else {
            panic!()
        };
        h.on_echo(b);
        h.on_echo(a);
        assert_eq!(h.tick(at(2.4)), Tick::Send(c + 1));
        assert_eq!(h.tick(at(2.5)), Tick::Hung { unanswered: 2 });
    }
}
