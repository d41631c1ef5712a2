//! Two process-wide cores on a virtual wire, in µs: the config's sessions meet, the lookup,
//! the TTL check and the reload rule as a user sees them.

use std::net::IpAddr;

use super::*;
use crate::bfd::packet::State;
use crate::config::diag::Diagnostics;
use crate::config::from_tree;
use crate::config::reader::tree_from_str;

fn cfg(text: &str) -> BfdConfig {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let c = from_tree(&nodes, &mut d);
    assert!(d.items().is_empty(), "{d}");
    c.bfd
}

const A: &str = "10.0.0.1";
const B: &str = "10.0.0.2";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn side(me: &str, peer: &str, extra: &str, seed: u64) -> Sessions {
    let text = format!(
        "bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx 10\n min_tx 10\n multiplier 3\n{extra}}}\n"
    );
    Sessions::new(&cfg(&text), Rng::new(seed))
}

/// Runs both cores until `until`, every packet delivered after 100 µs with `ttl` unless the
/// sender is muted; returns the events each side saw, with their times.
struct Wire {
    now: Micros,
    a: Sessions,
    b: Sessions,
    ttl: u8,
    mute_b: bool,
    events: Vec<(char, Micros, bool)>,
}

impl Wire {
    fn new(a: Sessions, b: Sessions) -> Wire {
        Wire {
            now: Micros::ZERO,
            a,
            b,
            ttl: 255,
            mute_b: false,
            events: Vec::new(),
        }
    }

    fn run(&mut self, until: Micros) {
        let mut flight: Vec<(Micros, bool, [u8; LEN])> = Vec::new();
        while self.now <= until {
            for (name, s) in [('a', &mut self.a), ('b', &mut self.b)] {
                let ev = &mut self.events;
                let now = self.now;
                s.handle_timeout(now, |_, r| {
                    if let Some(e) = r.event() {
                        ev.push((name, now, e.up));
                    }
                });
            }
            let mut buf = [0; LEN];
            // Only the session toward b reaches it; the others' neighbors are not on this wire.
            while let Some(i) = self.a.poll_transmit(self.now, &mut buf) {
                if self.a.instance(i).neighbor == ip(B) {
                    flight.push((self.now + Micros(100), true, buf));
                }
            }
            while self.b.poll_transmit(self.now, &mut buf).is_some() {
                if !self.mute_b {
                    flight.push((self.now + Micros(100), false, buf));
                }
            }
            let next_rx = flight.iter().map(|f| f.0).min();
            let next = [
                self.a.poll_at(),
                self.b.poll_at(),
                next_rx,
                Some(until + Micros(1)),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap();
            self.now = next.max(self.now + Micros(1));
            let now = self.now;
            let (due, rest): (Vec<_>, Vec<_>) = flight.into_iter().partition(|f| f.0 <= now);
            flight = rest;
            for (_, to_b, pkt) in due {
                let (s, name, src, dst) = if to_b {
                    (&mut self.b, 'b', A, B)
                } else {
                    (&mut self.a, 'a', B, A)
                };
                let at = Arrival {
                    src: ip(src),
                    dst: ip(dst),
                    ttl: self.ttl,
                };
                if let Ok(r) = s.handle_datagram(&pkt, at, now) {
                    if let Some(e) = r.event() {
                        self.events.push((name, now, e.up));
                    }
                }
            }
        }
    }
}

#[test]
fn sessions_from_the_config_come_up_and_see_the_neighbor_die_within_detect_time() {
    let mut w = Wire::new(side(A, B, "", 1), side(B, A, "", 2));
    w.run(Micros::from_secs(3));
    assert_eq!(w.a.session(0).state(), State::Up);
    assert_eq!(w.b.session(0).state(), State::Up);
    assert!(w.events.iter().any(|e| e.0 == 'a' && e.2));
    let discr = w.a.session(0).local_discr();
    w.mute_b = true;
    let died = w.now;
    w.run(died + Micros::from_millis(100));
    let down = w
        .events
        .iter()
        .find(|e| e.0 == 'a' && !e.2)
        .expect("a sees b die");
    // 3 x 10 ms, plus the last packet's jitter and the wire.
    assert!(
        down.1 - died <= Micros::from_millis(31),
        "{:?}",
        down.1 - died
    );
    assert_ne!(
        w.a.session(0).local_discr(),
        discr,
        "a new discriminator after the fall"
    );
}

#[test]
fn a_ttl_below_max_hops_is_dropped_counted_and_the_session_stays_down() {
    let mut w = Wire::new(side(A, B, "", 1), side(B, A, "", 2));
    w.ttl = 254;
    w.run(Micros::from_secs(3));
    assert_eq!(w.a.session(0).state(), State::Down);
    assert!(w.a.stats().ttl > 0 && w.b.stats().ttl > 0);
    assert_eq!(w.a.stats().no_session, 0);
}

#[test]
fn max_hops_lets_a_routed_neighbor_in() {
    let mut w = Wire::new(
        side(A, B, " max_hops 2\n", 1),
        side(B, A, " max_hops 2\n", 2),
    );
    w.ttl = 253;
    w.run(Micros::from_secs(3));
    assert_eq!(w.a.session(0).state(), State::Up);
    assert_eq!(w.a.stats().ttl, 0);
}

#[test]
fn a_packet_for_nobody_is_counted_not_taken() {
    let mut a = side(A, B, "", 1);
    let mut pkt = [0; LEN];
    let mut other = side(B, "10.9.9.9", "", 3);
    assert!(other.poll_transmit(Micros::ZERO, &mut pkt).is_some());
    let at = Arrival {
        src: ip("10.9.9.9"),
        dst: ip(A),
        ttl: 255,
    };
    assert_eq!(
        a.handle_datagram(&pkt, at, Micros::ZERO),
        Err(Refused::NoSession)
    );
    assert_eq!(
        a.handle_datagram(&pkt[..10], at, Micros::ZERO),
        Err(Refused::Malformed(Drop::Truncated))
    );
    assert_eq!(a.stats().no_session, 1);
    assert_eq!(a.stats().malformed.get(Drop::Truncated), 1);
    assert_eq!(a.session(0).state(), State::Down);
}

#[test]
fn reload_keeps_an_unchanged_session_up_and_adds_the_new_one_down() {
    let mut w = Wire::new(side(A, B, "", 1), side(B, A, "", 2));
    w.run(Micros::from_secs(3));
    let discr = w.a.session(0).local_discr();
    w.a.reload(&cfg(&format!(
        "bfd_instance new1 {{\n neighbor_ip 10.0.0.3\n}}\nbfd_instance up1 {{\n neighbor_ip {B}\n source_ip {A}\n min_rx 20\n min_tx 20\n multiplier 3\n}}\n"
    )));
    assert_eq!(w.a.len(), 2);
    assert_eq!(w.a.instance(0).name, "new1");
    assert_eq!(w.a.session(0).state(), State::Down);
    assert_eq!(w.a.session(1).state(), State::Up);
    assert_eq!(w.a.session(1).local_discr(), discr);
    assert_ne!(w.a.session(0).local_discr(), discr);
    let before = w.events.len();
    let t = w.now;
    w.run(t + Micros::from_secs(1));
    assert_eq!(w.a.session(1).state(), State::Up);
    assert_eq!(w.events.len(), before, "no flap: {:?}", &w.events[before..]);
    w.a.reload(&cfg("bfd_instance other {\n neighbor_ip 10.0.0.3\n}\n"));
    assert_eq!(w.a.len(), 1);
}

#[test]
fn steady_state_allocates_nothing() {
    let mut w = Wire::new(side(A, B, "", 1), side(B, A, "", 2));
    w.run(Micros::from_secs(3));
    assert_eq!(w.a.session(0).state(), State::Up);
    let (mut a, mut b, mut now) = (w.a, w.b, w.now);
    let at_b = Arrival {
        src: ip(A),
        dst: ip(B),
        ttl: 255,
    };
    let at_a = Arrival {
        src: ip(B),
        dst: ip(A),
        ttl: 255,
    };
    let mut buf = [0; LEN];
    let mut sent = 0;
    // Counts only when the test binary installs crate::core::alloc::DebugAlloc.
    let probe = crate::core::alloc::Scope::new();
    drop(std::hint::black_box(vec![0u8; 16]));
    let counting = probe.allocs() > 0;
    let scope = crate::core::alloc::Scope::new();
    for _ in 0..2_000 {
        a.handle_timeout(now, |_, _| {});
        b.handle_timeout(now, |_, _| {});
        while a.poll_transmit(now, &mut buf).is_some() {
            sent += usize::from(b.handle_datagram(&buf, at_b, now).is_ok());
        }
        while b.poll_transmit(now, &mut buf).is_some() {
            sent += usize::from(a.handle_datagram(&buf, at_a, now).is_ok());
        }
        now = a
            .poll_at()
            .into_iter()
            .chain(b.poll_at())
            .min()
            .unwrap_or(now + Micros(1));
    }
    let allocs = scope.allocs();
    if counting {
        assert_eq!(allocs, 0);
    } else {
        println!("SKIPPED allocation count: this test binary has no counting allocator");
    }
    assert!(sent > 1_000, "{sent} packets exchanged");
    assert_eq!(
        (a.session(0).state(), b.session(0).state()),
        (State::Up, State::Up)
    );
}

/// 20 sessions toward silent neighbors send at the idle rate (1 s): packets due close together
/// leave in one wake-up, and every session's gaps stay within §6.8.7's 75-100 %.
#[test]
fn packets_due_close_together_leave_in_one_wake_up_within_their_jitter() {
    let mut text = String::new();
    for i in 1..=20 {
        text += &format!("bfd_instance s{i} {{\n neighbor_ip 10.0.1.{i}\n}}\n");
    }
    let mut a = Sessions::new(&cfg(&text), Rng::new(7));
    let mut last = [None::<Micros>; 20];
    let (mut wakes, mut packets, mut gaps) = (0u32, 0u32, Vec::new());
    let mut buf = [0; LEN];
    let mut now = Micros::ZERO;
    while now < Micros::from_secs(30) {
        a.handle_timeout(now, |_, _| {});
        let mut sent = 0;
        while let Some(i) = a.poll_transmit(now, &mut buf) {
            if let Some(t) = last[i] {
                gaps.push(now - t);
            }
            last[i] = Some(now);
            sent += 1;
        }
        wakes += u32::from(sent > 0);
        packets += sent;
        now = a.poll_at().unwrap();
    }
    let (lo, hi) = (Micros::from_millis(750), Micros::from_secs(1));
    assert!(gaps.iter().all(|g| *g >= lo && *g <= hi), "{gaps:?}");
    assert!(
        wakes * 2 < packets,
        "{wakes} wake-ups for {packets} packets"
    );
    // Still jittered: the early packets leave at most 1/16 of the interval before their time.
    let mean = gaps.iter().map(|g| g.0).sum::<u64>() / gaps.len() as u64;
    assert!(mean > 820_000, "mean gap {mean} us");
}
