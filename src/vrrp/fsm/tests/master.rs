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
