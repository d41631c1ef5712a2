//! The data file's text over two tables that met on a virtual wire: keepalived's lines and
//! wording per instance, the state a user looks for, our drop counters.

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::bfd::packet::{State, LEN};
use crate::bfd::rng::Rng;
use crate::bfd::sessions::Arrival;
use crate::config::diag::Diagnostics;
use crate::config::from_tree;
use crate::config::reader::tree_from_str;

const A: &str = "10.0.0.1";
const B: &str = "10.0.0.2";

fn config(me: &str, peer: &str) -> Config {
    let text = format!(
        "global_defs {{\n router_id r1\n bfd_priority -5\n bfd_no_swap\n bfd_cpu_affinity 0 0\n}}\n\
         bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx 50\n min_tx 50\n multiplier 3\n}}\n\
         bfd_instance v6 {{\n neighbor_ip fd00::2\n passive\n}}\n"
    );
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(&text, 0, &mut d);
    let c = from_tree(&nodes, &mut d);
    assert!(d.items().is_empty(), "{d}");
    c
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Exchanges packets every ms until both sides are Up at the fast rate; returns the time.
fn meet(a: &mut Sessions, b: &mut Sessions) -> Micros {
    let mut now = Micros::ZERO;
    let mut buf = [0u8; LEN];
    let to_b = Arrival {
        src: ip(A),
        dst: ip(B),
        ttl: 255,
    };
    let to_a = Arrival {
        src: ip(B),
        dst: ip(A),
        ttl: 255,
    };
    while now < Micros::from_secs(10) {
        a.handle_timeout(now, |_, _| {});
        b.handle_timeout(now, |_, _| {});
        while let Some(i) = a.poll_transmit(now, &mut buf) {
            if a.instance(i).neighbor == ip(B) {
                let _ = b.handle_datagram(&buf, to_b, now);
            }
        }
        while b.poll_transmit(now, &mut buf).is_some() {
            let _ = a.handle_datagram(&buf, to_a, now);
        }
        let fast = |s: &Sessions| {
            s.session(0).state() == State::Up && s.session(0).tx_interval() == Micros(50_000)
        };
        if fast(a) && fast(b) && a.session(0).poll_final() == (false, false) {
            return now;
        }
        now = now + Micros(1_000);
    }
    panic!("the two sides never met at the fast rate");
}

#[test]
fn the_data_file_shows_each_session_as_keepalived_lays_it_out() {
    let (ca, cb) = (config(A, B), config(B, A));
    let mut a = Sessions::new(&ca.bfd, Rng::new(1));
    let mut b = Sessions::new(&cb.bfd, Rng::new(2));
    let now = meet(&mut a, &mut b);
    // One packet of a wrong version, and one from a stranger with no session.
    let mut bad = [0u8; LEN];
    assert!(b
        .poll_transmit(now + Micros::from_secs(1), &mut bad)
        .is_some());
    bad[0] = (2 << 5) | (bad[0] & 0x1f);
    let from_b = Arrival {
        src: ip(B),
        dst: ip(A),
        ttl: 255,
    };
    assert!(a.handle_datagram(&bad, from_b, now).is_err());
    let real = Duration::new(1_796_546_257, 94_587_000);
    let io = Io {
        fd_in: 7,
        out: &[(9, false), (-1, true)],
        now: now + Micros(2_000),
        real_now: real,
    };
    let t = text(&ca, &a, &io);

    assert!(t.starts_with("------< Global definitions >------\n"), "{t}");
    assert!(t.contains(" Router ID = r1\n"), "{t}");
    assert!(
        t.contains(
            " BFD process priority = -5\n BFD don't swap = true\n BFD realtime priority = 0\n \
             BFD CPU Affinity = 0 \n BFD realtime limit = 10000\n"
        ),
        "{t}"
    );
    assert!(
        t.contains("------< BFD Data >------\n fd_in = 7\n Discarded, too short = 0\n Discarded, bad version = 1\n"),
        "{t}"
    );
    let topo = t.split("------< BFD Topology >------\n").nth(1).expect(&t);
    let (up1, v6) = topo.split_once(" BFD Instance = v6\n").expect(topo);
    let discr = |s: &Sessions| format!("{:#x}", s.session(0).local_discr());
    let want_up1 = format!(
        " BFD Instance = up1\n   Neighbor IP = 10.0.0.2\n   Source IP = 10.0.0.1\n   \
         Required min RX interval = 50000 us\n   Desired min TX interval = 50000 us\n   \
         Desired idle TX interval = 1000000 us\n   Detection multiplier = 3\n   TTL = 255\n   \
         max_hops = 0\n   passive = false\n   send event to VRRP process = Yes\n   \
         send event to checker process = Yes\n   fd_out 9\n   sands_out = [disabled]\n   \
         sands_exp = [disabled]\n   sands_rst = [disabled]\n   send error = false\n   \
         local state = Up\n   remote state = Up\n   local discriminator = {}\n   \
         remote discriminator = {}\n   local diag = No Diagnostic\n   \
         remote diag = No Diagnostic\n   remote min tx intv = 50000 us\n   \
         remote min rx intv = 50000 us\n   local demand = 0\n   remote demand = 0\n   \
         remote detect multiplier = 3\n   !poll, !final\n   local tx intv = 50000 us\n   \
         remote tx intv = 50000 us\n   local detection time = 150000 us\n   \
         remote detection time = 150000 us\n",
        discr(&a),
        discr(&b)
    );
    assert!(up1.starts_with(&want_up1), "{up1}");
    // Seen within the last 2 ms of real time, stamped as keepalived's ctime form.
    let seen = up1.strip_prefix(want_up1.as_str()).expect(up1);
    assert!(seen.starts_with("   last seen = 179654625"), "{seen}");
    assert!(seen.ends_with(")\n") && seen.contains(" 2026."), "{seen}");

    // Never heard from: keepalived's zeros and [never]; IPv6 shows its hop limit.
    let want_v6 = format!(
        "   Neighbor IP = fd00::2\n   Required min RX interval = 10000 us\n   \
         Desired min TX interval = 10000 us\n   Desired idle TX interval = 1000000 us\n   \
         Detection multiplier = 5\n   hoplimit = 64\n   max_hops = 0\n   passive = true\n   \
         send event to VRRP process = Yes\n   send event to checker process = Yes\n   \
         fd_out -1\n   sands_out = [disabled]\n   sands_exp = [disabled]\n   \
         sands_rst = [disabled]\n   send error = true\n   local state = Down\n   \
         remote state = Down\n   local discriminator = {:#x}\n   remote discriminator = 0x0\n   \
         local diag = No Diagnostic\n   remote diag = No Diagnostic\n   \
         remote min tx intv = 0 us\n   remote min rx intv = 0 us\n   local demand = 0\n   \
         remote demand = 0\n   remote detect multiplier = 0\n   !poll, !final\n   \
         local tx intv = 1000000 us\n   remote tx intv = 0 us\n   local detection time = 0 us\n   \
         remote detection time = 0 us\n   last_seen = [never]\n",
        a.session(1).local_discr()
    );
    assert_eq!(v6, want_v6);
}
