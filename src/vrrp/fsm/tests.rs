//! The state machine on a virtual clock (µs). Expected deadlines are written out from
//! keepalived's formulas: Master_Down = 3 × interval + (256 − prio) / 256 s (v2).

use std::net::IpAddr;

use super::*;
use crate::core::time::Micros;

const S: u64 = 1_000_000;
/// v2, priority 100, interval 1 s: 3 s + 156/256 s.
const DOWN_100: u64 = 3_609_375;
const SKEW_100: u64 = 609_375;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn t(us: u64) -> Micros {
    Micros(us)
}

fn cfg(prio: u8) -> FsmConfig {
    FsmConfig {
        priority: prio,
        src_ip: Some(ip("10.0.0.2")),
        ..FsmConfig::default()
    }
}

fn adv(src: &str, prio: u8) -> RxAdvert {
    RxAdvert::v2(ip(src), prio, 1)
}

fn started(c: FsmConfig) -> Fsm {
    let mut f = Fsm::new(c);
    f.start(t(0));
    f
}

/// A BACKUP taken to MASTER by its down timer at `DOWN_100`.
fn master(c: FsmConfig) -> Fsm {
    let mut f = started(c);
    let at = f.next_deadline().unwrap();
    f.on_timer(at);
    assert_eq!(f.state(), State::Master);
    f
}

fn has(acts: &Actions, a: Action) -> bool {
    acts.contains(&a)
}

#[test]
fn starts_in_backup_and_takes_over_exactly_at_master_down() {
    let mut f = Fsm::new(cfg(100));
    assert_eq!(f.next_deadline(), None);
    let a = f.start(t(0));
    assert_eq!(
        a.as_slice(),
        [
            Action::StateChange {
                from: State::Init,
                to: State::Backup,
                reason: Reason::Startup
            },
            Action::Notify(State::Backup)
        ]
    );
    assert_eq!(f.next_deadline(), Some(t(DOWN_100)));
    assert!(f.on_timer(t(DOWN_100 - 1)).is_empty());
    assert_eq!(f.state(), State::Backup);
    let a = f.on_timer(t(DOWN_100));
    assert_eq!(
        a.as_slice(),
        [
            Action::StateChange {
                from: State::Backup,
                to: State::Master,
                reason: Reason::MasterNoResponse
            },
            Action::SendAdvert { priority: 100 },
            Action::AddVips,
            Action::SendGarps { repeat: 5 },
            Action::Notify(State::Master),
        ]
    );
    assert_eq!(f.next_deadline(), Some(t(DOWN_100 + S)));
    // Then one advert per interval.
    let a = f.on_timer(t(DOWN_100 + S));
    assert_eq!(a.as_slice(), [Action::SendAdvert { priority: 100 }]);
    assert_eq!(f.next_deadline(), Some(t(DOWN_100 + 2 * S)));
}

#[test]
fn configured_master_without_priority_255_starts_as_plain_backup() {
    let f = started(FsmConfig {
        initial_master: true,
        ..cfg(100)
    });
    assert_eq!(f.state(), State::Backup);
    assert_eq!(f.next_deadline(), Some(t(DOWN_100)));
}

#[test]
fn address_owner_takes_over_after_one_microsecond() {
    let mut f = Fsm::new(FsmConfig {
        initial_master: true,
        ..cfg(255)
    });
    let a = f.start(t(0));
    // BACKUP is set silently: no notify.
    assert_eq!(
        a.as_slice(),
        [Action::StateChange {
            from: State::Init,
            to: State::Backup,
            reason: Reason::Startup
        }]
    );
    assert_eq!(f.next_deadline(), Some(t(1)));
    let a = f.on_timer(t(1));
    assert_eq!(
        a[0],
        Action::StateChange {
            from: State::Backup,
            to: State::Master,
            reason: Reason::Preempted
        }
    );
    assert!(has(&a, Action::SendAdvert { priority: 255 }));
}

#[test]
fn startup_delay_counts_down_timers_from_its_end() {
    let mut f = Fsm::new(cfg(100));
    f.start_delayed(t(0), Micros::from_secs(10));
    assert_eq!(f.next_deadline(), Some(t(10 * S + DOWN_100)));
    f.on_advert(t(S), &adv("10.0.0.9", 150));
    assert_eq!(f.next_deadline(), Some(t(10 * S + DOWN_100)));
    f.on_advert(t(11 * S), &adv("10.0.0.9", 150));
    assert_eq!(f.next_deadline(), Some(t(11 * S + DOWN_100)));
    // The owner's 1 µs too.
    let mut o = Fsm::new(FsmConfig {
        initial_master: true,
        ..cfg(255)
    });
    o.start_delayed(t(0), Micros::from_secs(10));
    assert_eq!(o.next_deadline(), Some(t(10 * S + 1)));
}

#[test]
fn backup_advert_restarts_the_down_timer() {
    let mut f = started(cfg(100));
    let a = f.on_advert(t(S), &adv("10.0.0.9", 150));
    assert!(a.is_empty());
    assert_eq!(f.next_deadline(), Some(t(S + DOWN_100)));
    f.on_advert(t(2 * S), &adv("10.0.0.9", 150));
    assert_eq!(f.next_deadline(), Some(t(2 * S + DOWN_100)));
    assert_eq!(f.master(), (Some(ip("10.0.0.9")), 150));
    // Equal priority is accepted whatever the address.
    f.on_advert(t(3 * S), &adv("10.0.0.1", 100));
    assert_eq!(f.next_deadline(), Some(t(3 * S + DOWN_100)));
}

#[test]
fn preempt_discards_lower_priority_and_takes_over_on_time() {
    let mut f = started(cfg(100));
    for i in 1..=3 {
        f.on_advert(t(i * S), &adv("10.0.0.9", 50));
        assert_eq!(
            f.next_deadline(),
            Some(t(DOWN_100)),
            "deadline not extended"
        );
    }
    assert_eq!(f.ignored(Ignored::LowerPriority), 3);
    let a = f.on_timer(t(DOWN_100));
    assert!(has(
        &a,
        Action::StateChange {
            from: State::Backup,
            to: State::Master,
            reason: Reason::Preempted
        }
    ));
}

#[test]
fn nopreempt_keeps_following_a_lower_priority_master() {
    let mut f = started(FsmConfig {
        nopreempt: true,
        ..cfg(200)
    });
    let down_200 = 3 * S + 56 * S / 256;
    for i in 1..=10 {
        f.on_advert(t(i * S), &adv("10.0.0.9", 50));
        assert_eq!(f.next_deadline(), Some(t(i * S + down_200)));
    }
    assert_eq!(f.ignored(Ignored::LowerPriority), 0);
    assert!(f.on_timer(t(10 * S + down_200 - 1)).is_empty());
    assert_eq!(f.state(), State::Backup);
    // The master goes silent: take over.
    f.on_timer(t(10 * S + down_200));
    assert_eq!(f.state(), State::Master);
}

#[test]
fn preempt_delay_follows_a_lower_master_until_the_window_closes() {
    let mut f = started(FsmConfig {
        preempt_delay: Micros::from_secs(5),
        ..cfg(100)
    });
    // The window opens at the first lower-priority advert (t = 1 s) and ends at 6 s.
    for i in 1..=5 {
        f.on_advert(t(i * S), &adv("10.0.0.9", 50));
        assert_eq!(f.next_deadline(), Some(t(i * S + DOWN_100)));
    }
    f.on_advert(t(6 * S), &adv("10.0.0.9", 50));
    assert_eq!(
        f.next_deadline(),
        Some(t(5 * S + DOWN_100)),
        "window closed: discarded"
    );
    assert_eq!(f.ignored(Ignored::LowerPriority), 1);
    f.on_timer(t(5 * S + DOWN_100));
    assert_eq!(f.state(), State::Master);
}

#[test]
fn preempt_delay_window_is_cancelled_by_a_higher_master() {
    let mut f = started(FsmConfig {
        preempt_delay: Micros::from_secs(5),
        ..cfg(100)
    });
    f.on_advert(t(S), &adv("10.0.0.9", 50));
    f.on_advert(t(2 * S), &adv("10.0.0.8", 150));
    // A new window opens at 3 s (to 8 s).
    for i in 3..=7 {
        f.on_advert(t(i * S), &adv("10.0.0.9", 50));
        assert_eq!(f.next_deadline(), Some(t(i * S + DOWN_100)));
    }
    f.on_advert(t(8 * S), &adv("10.0.0.9", 50));
    assert_eq!(f.next_deadline(), Some(t(7 * S + DOWN_100)));
}

#[test]
fn priority_zero_means_takeover_after_skew() {
    let mut f = started(cfg(100));
    f.on_advert(t(S), &adv("10.0.0.9", 150));
    let a = f.on_advert(t(2 * S), &adv("10.0.0.9", 0));
    assert!(a.is_empty());
    assert_eq!(f.next_deadline(), Some(t(2 * S + SKEW_100)));
    let a = f.on_timer(t(2 * S + SKEW_100));
    assert!(has(
        &a,
        Action::StateChange {
            from: State::Backup,
            to: State::Master,
            reason: Reason::Priority0
        }
    ));
}

#[test]
fn equal_priority_higher_address_wins() {
    // We are 10.0.0.2.
    let mut f = master(cfg(100));
    let now = t(10 * S);
    let a = f.on_advert(now, &adv("10.0.0.1", 100));
    assert_eq!(f.state(), State::Master);
    assert_eq!(
        a.as_slice(),
        [
            Action::SendAdvert { priority: 100 },
            Action::SendGarps { repeat: 5 },
            Action::NotifyMasterRxLowerPri
        ]
    );
    let a = f.on_advert(now, &adv("10.0.0.3", 100));
    assert_eq!(f.state(), State::Backup);
    assert_eq!(
        a.as_slice(),
        [
            Action::RemoveVips,
            Action::StateChange {
                from: State::Master,
                to: State::Backup,
                reason: Reason::HigherAddress
            },
            Action::Notify(State::Backup)
        ]
    );
    assert_eq!(f.protocol_deadline(), Some(now + Micros(DOWN_100)));
}

#[test]
fn addresses_compare_numerically_not_as_text() {
    let mut f = master(FsmConfig {
        src_ip: Some(ip("10.0.0.9")),
        ..cfg(100)
    });
    f.on_advert(t(10 * S), &adv("10.0.0.10", 100));
    assert_eq!(f.state(), State::Backup);
    // Without a source address the interface's is used.
    let mut f = master(FsmConfig {
        src_ip: None,
        ..cfg(100)
    });
    f.set_interface_addr(Some(ip("192.168.1.200")));
    f.on_advert(t(10 * S), &adv("192.168.1.20", 100));
    assert_eq!(f.state(), State::Master);
    // IPv6 word by word.
    let mut f = master(FsmConfig {
        version: 3,
        src_ip: Some(ip("fe80::2")),
        ..cfg(100)
    });
    f.on_advert(t(10 * S), &RxAdvert::v3(ip("fe80::1:0"), 100, 100));
    assert_eq!(f.state(), State::Backup);
}

#[test]
fn equal_priority_from_our_own_address_is_counted_and_ignored() {
    let mut f = master(cfg(100));
    let a = f.on_advert(t(10 * S), &adv("10.0.0.2", 100));
    assert!(a.is_empty());
    assert_eq!(f.state(), State::Master);
    assert_eq!(f.ignored(Ignored::OwnAddress), 1);
}

#[test]
fn master_demoted_by_higher_priority() {
    let mut f = master(cfg(100));
    let now = t(10 * S);
    let a = f.on_advert(now, &adv("10.0.0.1", 101));
    assert_eq!(
        a.as_slice(),
        [
            Action::RemoveVips,
            Action::StateChange {
                from: State::Master,
                to: State::Backup,
                reason: Reason::HigherPriority
            },
            Action::Notify(State::Backup)
        ]
    );
    assert!(!f.vips_set());
    assert_eq!(f.protocol_deadline(), Some(now + Micros(DOWN_100)));
    assert_eq!(f.stats().release_master, 1);
}

#[test]
fn higher_prio_send_advert_sends_before_yielding() {
    let mut f = master(FsmConfig {
        higher_prio_send_advert: true,
        ..cfg(100)
    });
    let a = f.on_advert(t(10 * S), &adv("10.0.0.1", 200));
    assert_eq!(a[0], Action::SendAdvert { priority: 100 });
    assert_eq!(f.state(), State::Backup);
}

#[test]
fn master_restarts_its_advert_interval_after_any_packet() {
    let mut f = master(cfg(100));
    let now = t(DOWN_100 + S / 2);
    f.on_advert(now, &adv("10.0.0.1", 50));
    assert_eq!(f.next_deadline(), Some(now + Micros(S)));
    // Even an invalid one.
    let later = now + Micros(S / 2);
    assert!(f.on_invalid_advert(later).is_empty());
    assert_eq!(f.next_deadline(), Some(later + Micros(S)));
    assert_eq!(f.ignored(Ignored::Invalid), 1);
}

#[test]
fn lower_prio_no_advert_stays_quiet_and_keeps_the_schedule() {
    let mut f = master(FsmConfig {
        lower_prio_no_advert: true,
        garp_lower_prio_repeat: 0,
        ..cfg(100)
    });
    let next = f.next_deadline();
    let a = f.on_advert(t(DOWN_100 + S / 2), &adv("10.0.0.1", 50));
    assert_eq!(a.as_slice(), [Action::NotifyMasterRxLowerPri]);
    assert_eq!(f.next_deadline(), next);
}

#[test]
fn master_answers_priority_zero_with_an_advert() {
    let mut f = master(cfg(100));
    let a = f.on_advert(t(10 * S), &adv("10.0.0.1", 0));
    assert_eq!(a.as_slice(), [Action::SendAdvert { priority: 100 }]);
    assert_eq!(f.state(), State::Master);
}

#[test]
fn lower_priority_garps_repeat_after_the_delay() {
    let mut f = master(FsmConfig {
        garp_master_delay: Micros::ZERO,
        ..cfg(100)
    });
    let now = t(10 * S);
    f.on_advert(now, &adv("10.0.0.1", 50));
    // Next: adverts every second, and a GARP set 5 s after the lower priority advert.
    let mut garps = 0;
    let mut at = now;
    while at < now + Micros(6 * S) {
        let Some(d) = f.next_deadline() else { break };
        at = d;
        for a in f.on_timer(d) {
            if let Action::SendGarps { repeat } = a {
                assert_eq!(d, now + Micros(5 * S));
                garps += repeat;
            }
        }
    }
    assert_eq!(garps, 5);
}

#[test]
fn second_garp_set_after_garp_master_delay_and_refresh() {
    let mut f = master(FsmConfig {
        garp_master_refresh: Micros::from_secs(3),
        garp_master_refresh_repeat: 2,
        ..cfg(100)
    });
    let became = t(DOWN_100);
    let mut seen = heapless::Vec::<(Micros, u32), 8>::new();
    let mut now = became;
    while now < became + Micros(8 * S) {
        let Some(d) = f.next_deadline() else { break };
        now = d;
        for a in f.on_timer(d) {
            if let Action::SendGarps { repeat } = a {
                let _ = seen.push((d - became, repeat));
            }
        }
    }
    // Refresh is checked on advert ticks once its time has strictly passed (3 s → the
    // advert at 4 s, then 3 s after that); the delayed set is at 5 s.
    assert_eq!(
        seen.as_slice(),
        [
            (Micros::from_secs(4), 2),
            (Micros::from_secs(5), 5),
            (Micros::from_secs(8), 2)
        ]
    );
}

#[test]
fn link_down_faults_at_once_and_link_up_returns_to_backup() {
    let mut f = master(cfg(100));
    let now = t(10 * S);
    let a = f.link_down(now);
    assert_eq!(
        a.as_slice(),
        [
            Action::SendAdvert { priority: 0 },
            Action::SendAdvert { priority: 0 },
            Action::RemoveVips,
            Action::StateChange {
                from: State::Master,
                to: State::Fault,
                reason: Reason::Fault
            },
            Action::Notify(State::Fault)
        ]
    );
    assert_eq!(f.state(), State::Fault);
    // Adverts are ignored in FAULT.
    assert!(f.on_advert(now, &adv("10.0.0.1", 50)).is_empty());
    assert_eq!(f.ignored(Ignored::Fault), 1);
    assert!(f.link_down(now).is_empty());
    let up = now + Micros(S);
    let a = f.link_up(up);
    assert_eq!(
        a.as_slice(),
        [
            Action::StateChange {
                from: State::Fault,
                to: State::Backup,
                reason: Reason::FaultCleared
            },
            Action::Notify(State::Backup)
        ]
    );
    assert_eq!(f.state(), State::Backup);
    assert_eq!(f.protocol_deadline(), Some(up + Micros(DOWN_100)));
}

#[test]
fn backup_link_down_and_start_with_link_down() {
    let mut f = started(cfg(100));
    let a = f.link_down(t(S));
    assert_eq!(
        a.as_slice(),
        [
            Action::StateChange {
                from: State::Backup,
                to: State::Fault,
                reason: Reason::Fault
            },
            Action::Notify(State::Fault)
        ]
    );
    assert_eq!(f.next_deadline(), None);

    let mut f = Fsm::new(cfg(100));
    f.link_down(t(0));
    f.start(t(0));
    assert_eq!(f.state(), State::Fault);
    f.link_up(t(S));
    assert_eq!(f.state(), State::Backup);
}

#[test]
fn owner_in_fault_from_start_goes_straight_to_master_on_link_up() {
    let mut f = Fsm::new(FsmConfig {
        initial_master: true,
        ..cfg(255)
    });
    f.link_down(t(0));
    f.start(t(0));
    assert_eq!(f.state(), State::Fault);
    let a = f.link_up(t(S));
    assert_eq!(f.state(), State::Master);
    assert!(has(&a, Action::AddVips));
    assert_eq!(f.next_deadline(), Some(t(2 * S)));
    // After a later fault its wish is no longer MASTER: BACKUP with a full down interval.
    f.link_down(t(3 * S));
    f.link_up(t(4 * S));
    assert_eq!(f.state(), State::Backup);
    assert_eq!(f.protocol_deadline(), Some(t(4 * S + 3 * S + S / 256)));
}

#[test]
fn tracker_faults_stack_with_the_link() {
    let mut f = started(cfg(100));
    f.tracker_fault(t(S));
    f.link_down(t(S));
    f.link_up(t(2 * S));
    assert_eq!(f.state(), State::Fault);
    f.tracker_recovered(t(3 * S));
    assert_eq!(f.state(), State::Backup);
}

#[test]
fn two_owners_the_lower_one_yields_and_stays_at_254() {
    let mut f = master(FsmConfig {
        initial_master: true,
        ..cfg(255)
    });
    f.on_advert(t(10 * S), &adv("10.0.0.1", 255));
    assert_eq!(f.state(), State::Backup);
    assert_eq!(f.effective_priority(), 254);
    assert_eq!(f.stats().owner_conflicts, 1);
}

#[test]
fn stop_from_master_sends_priority_zero_and_removes_vips() {
    let mut f = master(cfg(100));
    let a = f.stop(t(10 * S));
    assert_eq!(
        a.as_slice(),
        [
            Action::SendAdvert { priority: 0 },
            Action::RemoveVips,
            Action::StateChange {
                from: State::Master,
                to: State::Stop,
                reason: Reason::Stopped
            },
            Action::Notify(State::Stop)
        ]
    );
    assert_eq!(f.next_deadline(), None);
    assert!(f.on_advert(t(11 * S), &adv("10.0.0.1", 50)).is_empty());
    assert_eq!(f.ignored(Ignored::NotRunning), 1);

    let mut f = started(cfg(100));
    let a = f.stop(t(S));
    assert_eq!(a.len(), 2);
    assert_eq!(a[1], Action::Notify(State::Stop));
}

#[test]
fn priority_change_in_backup_shifts_the_deadline() {
    let mut f = started(FsmConfig {
        notify_priority_changes: true,
        ..cfg(100)
    });
    f.on_advert(t(S), &adv("10.0.0.9", 200));
    let a = f.set_effective_priority(t(2 * S), 150);
    assert_eq!(
        a.as_slice(),
        [Action::NotifyPriority {
            state: State::Backup,
            priority: 150
        }]
    );
    // Skew shrinks from 156/256 s to 106/256 s.
    assert_eq!(f.next_deadline(), Some(t(S + 3 * S + 106 * S / 256)));
    // Clamped to 1..=254.
    f.set_effective_priority(t(2 * S), 1000);
    assert_eq!(f.effective_priority(), 254);
    f.set_effective_priority(t(2 * S), -5);
    assert_eq!(f.effective_priority(), 1);
    // Never for the owner.
    let mut o = started(cfg(255));
    o.set_effective_priority(t(S), 100);
    assert_eq!(o.effective_priority(), 255);
}

#[test]
fn v2_interval_or_version_mismatch_is_dropped() {
    let mut f = started(cfg(100));
    f.on_advert(t(S), &RxAdvert::v2(ip("10.0.0.9"), 200, 2));
    f.on_advert(t(S), &RxAdvert::v3(ip("10.0.0.9"), 200, 100));
    assert_eq!(f.next_deadline(), Some(t(DOWN_100)));
    assert_eq!(f.ignored(Ignored::IntervalMismatch), 1);
    assert_eq!(f.ignored(Ignored::VersionMismatch), 1);
}

#[test]
fn v3_centisecond_intervals_and_the_masters_interval() {
    let c = FsmConfig {
        version: 3,
        advert_int: Micros::from_millis(10),
        ..cfg(100)
    };
    let mut f = started(c);
    // 3 × 10 ms + 156 × 1 cs × 625 / 16 µs = 30 000 + 6 093.
    assert_eq!(f.next_deadline(), Some(t(36_093)));
    // A master advertising every 200 ms: its interval is learnt (v3 only logs the mismatch).
    f.on_advert(t(20_000), &RxAdvert::v3(ip("10.0.0.9"), 200, 20));
    assert_eq!(f.master_adver_int(), Micros::from_millis(200));
    assert_eq!(f.next_deadline(), Some(t(20_000 + 600_000 + 121_875)));
    // Priority 0: skew from the learnt interval.
    f.on_advert(t(100_000), &RxAdvert::v3(ip("10.0.0.9"), 0, 20));
    assert_eq!(f.next_deadline(), Some(t(100_000 + 121_875)));
    // As master it advertises at its own 10 ms.
    f.on_timer(t(221_875));
    assert_eq!(f.state(), State::Master);
    assert_eq!(f.next_deadline(), Some(t(231_875)));
}

#[test]
fn invalid_adverts_do_not_move_the_backup_deadline() {
    let mut f = started(cfg(100));
    f.on_invalid_advert(t(S));
    assert_eq!(f.next_deadline(), Some(t(DOWN_100)));
}

/// Two routers on a lossless wire: adverts reach the other side at once.
fn run_pair(a: &mut Fsm, b: &mut Fsm, until: Micros) {
    let addr = |f: &Fsm| f.config().src_ip.unwrap();
    loop {
        let next = [a.next_deadline(), b.next_deadline()]
            .into_iter()
            .flatten()
            .min();
        let Some(now) = next.filter(|n| *n <= until) else {
            return;
        };
        let (from, to) = if a.next_deadline() == Some(now) {
            (&mut *a, &mut *b)
        } else {
            (&mut *b, &mut *a)
        };
        let src = addr(from);
        for act in from.on_timer(now) {
            if let Action::SendAdvert { priority } = act {
                to.on_advert(now, &RxAdvert::v2(src, priority, 1));
            }
        }
    }
}

#[test]
fn election_by_priority_between_two_routers() {
    let mut hi = Fsm::new(FsmConfig {
        src_ip: Some(ip("10.0.0.1")),
        ..cfg(150)
    });
    let mut lo = Fsm::new(FsmConfig {
        src_ip: Some(ip("10.0.0.2")),
        ..cfg(100)
    });
    // The low one starts first and becomes master; the high one preempts it.
    lo.start(t(0));
    run_pair(&mut lo, &mut hi, t(10 * S));
    assert_eq!(lo.state(), State::Master);
    hi.start(t(10 * S));
    run_pair(&mut hi, &mut lo, t(30 * S));
    assert_eq!(hi.state(), State::Master);
    assert_eq!(lo.state(), State::Backup);
    // hi discards lo's lower-priority adverts, so it takes over when its first down
    // interval ends, 3 s + 106/256 s after its start; lo then yields to its advert.
    assert_eq!(hi.stats().ignored[Ignored::LowerPriority as usize], 3);
    assert_eq!(hi.stats().become_master, 1);
    assert_eq!(lo.stats().release_master, 1);
}

#[test]
fn from_config_reads_the_resolved_instance() {
    use crate::config::vrrp::{Resolved, State as CfgState, VrrpInstance};
    let mut v = VrrpInstance {
        garp_master_delay: Some(Micros::from_secs(2)),
        lower_prio_no_advert: Some(true),
        src_ip: Some(ip("10.0.0.2")),
        resolved: Resolved {
            version: 3,
            priority: 255,
            state: Some(CfgState::Master),
            advert_int: Micros::from_millis(10),
            unicast: true,
            ..Resolved::default()
        },
        ..VrrpInstance::default()
    };
    let c = FsmConfig::from_config(&v);
    assert_eq!(c.version, 3);
    assert_eq!(c.priority, 255);
    assert!(c.initial_master);
    assert_eq!(c.advert_int, Micros::from_millis(10));
    assert_eq!(c.garp_master_delay, Micros::from_secs(2));
    assert_eq!(c.garp_master_repeat, 5);
    // Unset lower-priority GARP settings follow the global master ones.
    assert_eq!(c.garp_lower_prio_delay, Micros::from_secs(5));
    assert_eq!(c.garp_lower_prio_repeat, 5);
    assert!(c.lower_prio_no_advert);
    assert!(!c.higher_prio_send_advert);
    assert_eq!(c.down_timer_adverts, 3);
    assert!(c.unicast);
    assert_eq!(c.src_ip, Some(ip("10.0.0.2")));
    // Strict mode: no lower-priority GARPs or advert by default.
    v.lower_prio_no_advert = None;
    v.resolved.strict = true;
    let c = FsmConfig::from_config(&v);
    assert_eq!(c.garp_lower_prio_repeat, 0);
    assert_eq!(c.garp_lower_prio_delay, Micros::ZERO);
    assert!(c.lower_prio_no_advert);
}

#[test]
fn nothing_on_the_hot_paths_allocates() {
    // The instance is a plain value: nothing in it can own heap memory.
    fn copy<T: Copy>() {}
    copy::<Fsm>();
    copy::<Action>();
    // Counts only when the test binary installs crate::core::alloc::DebugAlloc.
    let mut f = master(cfg(100));
    let scope = crate::core::alloc::Scope::new();
    for i in 0..100u64 {
        let now = t(10 * S + i * S);
        f.on_advert(now, &adv("10.0.0.1", 50));
        f.on_timer(now + Micros(S / 2));
        f.on_invalid_advert(now);
    }
    f.on_advert(t(200 * S), &adv("10.0.0.1", 200));
    f.on_timer(t(210 * S));
    assert_eq!(scope.allocs(), 0);
}

/// What keepalived 2.2.7 did in a recorded run (two network namespaces, keepalived on one
/// side with priority 100, v2, interval 1 s, a weight-0 track_file; adverts injected from
/// the other side). Capture times, relative to keepalived's start, within a few ms:
/// MASTER 3.61 (advert + 5 GARPs); adverts 4.61, 5.61; priority 50 in at 6.50 → advert and
/// 5 GARPs at once, next adverts 7.50, 8.50; delayed GARPs 8.61; priority 200 in at 9.30 →
/// BACKUP, silent; priority 0 in at 10.30 → MASTER at 10.91 (advert + 5 GARPs); the
/// lower-priority delayed GARPs at 11.50 (the timer outlived the BACKUP spell); adverts 11.91,
/// 12.91, 13.91; track file failed at 14.00 → two priority-0 adverts.
#[test]
fn replays_a_recorded_keepalived_run() {
    let mut f = Fsm::new(FsmConfig {
        src_ip: None,
        ..cfg(100)
    });
    f.set_interface_addr(Some(ip("192.168.99.1")));
    let peer = "192.168.99.2";
    let ms = |x: u64| t(x * 1_000);
    let inputs = [
        (ms(6_500), Some(50u8)),
        (ms(9_300), Some(200)),
        (ms(10_300), Some(0)),
        (ms(14_000), None),
    ];
    let mut out: heapless::Vec<(u64, Action), 64> = heapless::Vec::new();
    let mut record = |now: Micros, acts: Actions| {
        for a in acts {
            if matches!(a, Action::SendAdvert { .. } | Action::SendGarps { .. }) {
                let _ = out.push((now.0, a));
            }
        }
    };
    f.start(t(0));
    let mut next_input = 0;
    loop {
        let input_at = inputs.get(next_input).map(|i| i.0);
        let timer_at = f.next_deadline();
        match (input_at, timer_at) {
            (Some(i), Some(d)) if d < i => record(d, f.on_timer(d)),
            (Some(i), _) => {
                let acts = match inputs[next_input].1 {
                    Some(p) => f.on_advert(i, &adv(peer, p)),
                    None => f.tracker_fault(i),
                };
                record(i, acts);
                next_input += 1;
            }
            _ => break,
        }
    }
    let advert = |p| Action::SendAdvert { priority: p };
    let garps = Action::SendGarps { repeat: 5 };
    let expect = [
        (3_609_375, advert(100)),
        (3_609_375, garps),
        (4_609_375, advert(100)),
        (5_609_375, advert(100)),
        (6_500_000, advert(100)),
        (6_500_000, garps),
        (7_500_000, advert(100)),
        (8_500_000, advert(100)),
        (8_609_375, garps),
        (10_909_375, advert(100)),
        (10_909_375, garps),
        (11_500_000, garps),
        (11_909_375, advert(100)),
        (12_909_375, advert(100)),
        (13_909_375, advert(100)),
        (14_000_000, advert(0)),
        (14_000_000, advert(0)),
    ];
    assert_eq!(out.as_slice(), expect);
    assert_eq!(f.state(), State::Fault);
}

/// A second recorded run: priority 100 with `preempt_delay 3`, a peer at a higher address
/// advertising priority 50 every second (once 100). keepalived's adverts were seen at
/// 7.1099 s, 7.5014 s and 15.1103 s. The peer's packets came every second from 0.5 s, each
/// 0.1-0.2 ms early; those just before each window closed (3.4998 s, 11.4999 s) were
/// accepted. Inputs here are on the whole half-second, 100 µs early except the two that open
/// a window.
#[test]
fn replays_a_recorded_preempt_delay_run() {
    let mut f = Fsm::new(FsmConfig {
        src_ip: None,
        preempt_delay: Micros::from_secs(3),
        ..cfg(100)
    });
    f.set_interface_addr(Some(ip("192.168.99.1")));
    let mut inputs: heapless::Vec<(u64, u8), 16> = heapless::Vec::new();
    for i in 0..15u64 {
        let at = 500_000 + i * S - if i == 0 || i == 8 { 0 } else { 100 };
        let _ = inputs.push((at, 50));
    }
    let _ = inputs.insert(8, (7_999_900, 100));
    let mut sent: heapless::Vec<u64, 16> = heapless::Vec::new();
    let mut keep = |now: Micros, acts: Actions| {
        if acts.contains(&Action::SendAdvert { priority: 100 }) {
            let _ = sent.push(now.0);
        }
    };
    f.start(t(0));
    for (at, prio) in inputs {
        while let Some(d) = f.protocol_deadline().filter(|d| d.0 < at) {
            keep(d, f.on_timer(d));
        }
        keep(t(at), f.on_advert(t(at), &adv("192.168.99.2", prio)));
    }
    let d = f.protocol_deadline().unwrap();
    keep(d, f.on_timer(d));
    // MASTER at 3.4999 + Master_Down; the 7.4999 advert answered; BACKUP at 7.9999 (equal
    // priority, higher address); MASTER again at 11.4999 + Master_Down.
    assert_eq!(sent.as_slice(), [7_109_275, 7_499_900, 15_109_275]);
    assert_eq!(f.ignored(Ignored::LowerPriority), 6);
}
