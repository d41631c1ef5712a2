//! FAULT, stop and tracking priority changes.

use super::*;

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
fn losing_a_tracked_route_leaves_master_for_a_fresh_election() {
    let mut f = master(cfg(100));
    let now = t(10 * S);
    let a = f.tracked_object_lost(now);
    assert_eq!(
        a.as_slice(),
        [
            Action::SendAdvert { priority: 0 },
            Action::RemoveVips,
            Action::StateChange {
                from: State::Master,
                to: State::Backup,
                reason: Reason::Fault
            },
            Action::Notify(State::Backup)
        ]
    );
    assert_eq!(f.protocol_deadline(), Some(now + Micros(DOWN_100)));
    // Only a MASTER has anything to lose.
    assert!(f.tracked_object_lost(now).is_empty());
}

#[test]
fn a_unicast_instance_leaving_fault_announces_its_source_as_keepalived_does() {
    // Whether or not unicast_src_ip is set: without it the source is the interface's address.
    for src_ip in [None, Some(ip("10.0.0.2"))] {
        let mut c = cfg(100);
        c.unicast = true;
        c.src_ip = src_ip;
        let mut f = started(c);
        assert!(!f.link_down(t(S)).contains(&Action::SendSourceGarp));
        let a = f.link_up(t(2 * S));
        assert_eq!(a.last(), Some(&Action::SendSourceGarp), "{a:?}");
    }
    // A multicast one has nothing to renew.
    let mut f = started(cfg(100));
    f.link_down(t(S));
    assert!(!f.link_up(t(2 * S)).contains(&Action::SendSourceGarp));
}
