//! Start-up and BACKUP: the down timer, preemption, priority 0, intervals.

use super::*;

#[test]
fn starts_in_backup_and_takes_over_exactly_at_master_down() {
    let mut f = Fsm::new(cfg(100));
    assert_eq!(f.next_deadline(), None);
    let a = f.start(t(0));
    assert_eq!(
        a.as_slice(),
        [
            Action::RemoveVips,
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
    // Leftover VIPs cleared; BACKUP is set silently: no notify.
    assert_eq!(
        a.as_slice(),
        [
            Action::RemoveVips,
            Action::StateChange {
                from: State::Init,
                to: State::Backup,
                reason: Reason::Startup
            }
        ]
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

#[test]
fn hear_advert_names_why_an_advert_was_ignored() {
    let mut f = Fsm::new(cfg(100));
    let heard = f.hear_advert(t(0), &adv("10.0.0.9", 200), &mut Actions::new());
    assert_eq!(heard.ignored, Some(Ignored::NotRunning));
    f.start(t(0));
    assert_eq!(
        f.hear_advert(t(S), &adv("10.0.0.9", 200), &mut Actions::new())
            .ignored,
        None
    );
    let lower = f.hear_advert(t(2 * S), &adv("10.0.0.9", 50), &mut Actions::new());
    assert_eq!(lower.ignored, Some(Ignored::LowerPriority));
    let v3 = RxAdvert::v3(ip("10.0.0.9"), 200, 100);
    assert_eq!(
        f.hear_advert(t(3 * S), &v3, &mut Actions::new()).ignored,
        Some(Ignored::VersionMismatch)
    );
    // Each is counted once, as before.
    assert_eq!(f.ignored(Ignored::LowerPriority), 1);
    assert_eq!(f.ignored(Ignored::VersionMismatch), 1);
}

/// The shell reads a busy socket every millisecond and times each advert by its kernel
/// receive stamp; before a master-down timer fires it reads the socket first. So the core
/// hears an advert at its arrival even when its read came after the deadline.
#[test]
fn an_advert_read_after_the_deadline_but_come_before_it_keeps_the_backup() {
    let c = FsmConfig {
        version: 3,
        advert_int: Micros::from_millis(10),
        ..cfg(100)
    };
    let mut f = started(c);
    let master = RxAdvert::v3(ip("10.0.0.9"), 200, 1);
    // A batch of one read: three adverts, each at its own arrival.
    for arrival in [97_400, 98_100, 100_000] {
        f.on_advert(t(arrival), &master);
    }
    // 3 × 10 ms + Skew_Time from the last arrival.
    assert_eq!(f.next_deadline(), Some(t(136_093)));
    // A late master: its next advert comes at 136 000 and the tick reads it at 136 800, past
    // the deadline. Heard first, at its arrival, it moves the deadline on from there.
    assert!(f.on_advert(t(136_000), &master).is_empty());
    assert_eq!(f.next_deadline(), Some(t(172_093)));
    assert!(f.on_timer(t(136_800)).is_empty());
    assert_eq!(f.state(), State::Backup);
    // Had the timer fired first, at the read, it would have taken over.
    let mut g = started(c);
    g.on_advert(t(100_000), &master);
    g.on_timer(t(136_800));
    assert_eq!(g.state(), State::Master);
}
