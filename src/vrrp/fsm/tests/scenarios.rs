//! Whole runs: two routers on a wire, recorded keepalived runs replayed, config mapping.

use super::*;

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

/// A recorded VRRPv3 run: priority 100, advert_int 1 s, a priority-200 master advertising
/// every 500 ms from 0.5 s to 2.5 s. keepalived learnt the 500 ms interval, took over at
/// 4.3064 s (2.5 + 3 × 0.5 + 156 × 50 × 625 / 16 µs = 4.304688 s, plus processing) and then
/// advertised at its own 1 s (5.3067 s).
#[test]
fn replays_a_recorded_v3_run() {
    let mut f = started(FsmConfig {
        version: 3,
        ..cfg(100)
    });
    for i in 1..=5u64 {
        f.on_advert(t(i * S / 2), &RxAdvert::v3(ip("192.168.99.2"), 200, 50));
    }
    assert_eq!(f.protocol_deadline(), Some(t(4_304_687)));
    f.on_timer(t(4_304_687));
    assert_eq!(f.state(), State::Master);
    assert_eq!(f.protocol_deadline(), Some(t(5_304_687)));
}

/// A recorded run of keepalived's down-timer quirk: priority 100 hears a priority-200 master
/// at 0.5 s (deadline 4.109375 s), then a discarded priority-50 advert at 1.0 s (which leaves
/// the deadline but sets the stored down interval to the 3.109375 s remaining), then a
/// track_file raises it to 150 at 1.4 s. keepalived shifted the deadline by the new interval
/// (3.4140625 s) minus the stored one: later, to 4.4140625 s. It took over at 4.4148 s.
#[test]
fn replays_a_recorded_priority_change_after_a_discarded_advert() {
    let mut f = started(cfg(100));
    f.on_advert(t(S / 2), &adv("192.168.99.2", 200));
    f.on_advert(t(S), &adv("192.168.99.2", 50));
    assert_eq!(f.protocol_deadline(), Some(t(4_109_375)));
    f.set_effective_priority(t(1_400_000), 150);
    assert_eq!(f.protocol_deadline(), Some(t(4_414_062)));
    let a = f.on_timer(t(4_414_062));
    assert!(a.contains(&Action::SendAdvert { priority: 150 }));
}
