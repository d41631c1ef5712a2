//! MASTER receiving adverts: elections by priority and address, GARP schedules.

use super::*;

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

/// Every `Action::SendGarps` repeat in `acts`, summed.
fn garps_in(acts: &Actions) -> u32 {
    acts.iter()
        .map(|a| match *a {
            Action::SendGarps { repeat } => repeat,
            _ => 0,
        })
        .sum()
}

#[test]
fn a_lower_priority_master_at_its_own_pace_is_answered_every_time() {
    let mut f = master(cfg(100));
    let t0 = DOWN_100 + S / 3;
    // One advert a second, a little early each time, as a real lower master's timer allows.
    for k in 0..4 {
        let now = t(t0 + k * (S - S / 100));
        let mut acts = Actions::new();
        let h = f.hear_advert(now, &adv("10.0.0.1", 50), &mut acts);
        assert_eq!(h.lower_priority, Some(true), "advert {k}");
        assert_eq!(
            acts.as_slice(),
            [
                Action::SendAdvert { priority: 100 },
                Action::SendGarps { repeat: 5 },
                Action::NotifyMasterRxLowerPri
            ]
        );
    }
}

#[test]
fn a_lower_priority_flood_gets_every_advert_answered_but_garp_rounds_spaced() {
    // Only the lower priority GARPs count here (the lower priority delay stays 5 s).
    let mut f = master(FsmConfig {
        garp_master_delay: Micros::ZERO,
        garp_lower_prio_delay: Micros(5 * S),
        ..cfg(100)
    });
    let t0 = DOWN_100 + S / 3;
    let (mut adverts, mut garps, mut notifies, mut answered) = (0, 0, 0, 0);
    let mut count = |acts: &Actions| {
        adverts += acts
            .iter()
            .filter(|a| matches!(a, Action::SendAdvert { .. }))
            .count();
        garps += garps_in(acts);
        notifies += acts
            .iter()
            .filter(|a| **a == Action::NotifyMasterRxLowerPri)
            .count();
    };
    let mut worst_burst = 0;
    // 10,000 adverts a second for 10 s.
    for k in 0..100_000u64 {
        let now = t(t0 + k * 100);
        while let Some(d) = f.next_deadline().filter(|d| *d <= now) {
            let acts = f.on_timer(d);
            worst_burst = worst_burst.max(garps_in(&acts));
            count(&acts);
        }
        let mut acts = Actions::new();
        let h = f.hear_advert(now, &adv("10.0.0.1", 50), &mut acts);
        answered += usize::from(h.lower_priority == Some(true));
        assert!(h.lower_priority.is_some());
        count(&acts);
    }
    assert_eq!(f.state(), State::Master);
    // Each advert answered with one of ours (keepalived's "forcing new election").
    assert_eq!(adverts, 100_000);
    // Rounds 5 s / 7 apart (over half the 1 s interval), so the 8-slot delayed queue never
    // fills: 14 in 10 s, each 5 GARPs now, and 5 more later for the 7 older than 5 s.
    assert_eq!(answered, 14);
    assert_eq!(notifies, 14);
    assert_eq!(garps, 14 * 5 + 7 * 5);
    // The delayed sets come one round at a time, never piled up.
    assert_eq!(worst_burst, 5);
}
