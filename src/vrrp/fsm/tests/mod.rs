//! The state machine on a virtual clock (µs). Expected deadlines are written out from
//! keepalived's formulas: Master_Down = 3 × interval + (256 − prio) / 256 s (v2).

use std::net::IpAddr;

use super::*;
use crate::core::time::Micros;

pub(super) const S: u64 = 1_000_000;
/// v2, priority 100, interval 1 s: 3 s + 156/256 s.
pub(super) const DOWN_100: u64 = 3_609_375;
pub(super) const SKEW_100: u64 = 609_375;

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub(super) fn t(us: u64) -> Micros {
    Micros(us)
}

pub(super) fn cfg(prio: u8) -> FsmConfig {
    FsmConfig {
        priority: prio,
        src_ip: Some(ip("10.0.0.2")),
        ..FsmConfig::default()
    }
}

pub(super) fn adv(src: &str, prio: u8) -> RxAdvert {
    RxAdvert::v2(ip(src), prio, 1)
}

pub(super) fn started(c: FsmConfig) -> Fsm {
    let mut f = Fsm::new(c);
    f.start(t(0));
    f
}

/// A BACKUP taken to MASTER by its down timer at `DOWN_100`.
pub(super) fn master(c: FsmConfig) -> Fsm {
    let mut f = started(c);
    let at = f.next_deadline().unwrap();
    f.on_timer(at);
    assert_eq!(f.state(), State::Master);
    f
}

pub(super) fn has(acts: &Actions, a: Action) -> bool {
    acts.contains(&a)
}

mod backup;
mod faults;
mod master;
mod scenarios;
