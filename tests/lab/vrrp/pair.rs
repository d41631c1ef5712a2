//! The two routers of the interface labs (tests/vrrp_iface_*.rs): r1 runs the binary under
//! test, r2 always runs ours (the peer under no test), both on the switch of a
//! [`routers_lab`](super::routers_lab); and r1's `eth0` made again after the test deleted it.

use super::{addr, expect_master, ours, Family, Instance, Router, MARGIN};
use crate::lab::Lab;
use std::time::{Duration, Instant};

/// Starts r2 on `r2.1`, then r1 running `bin` on `r1.1`, and waits until the one with the
/// higher priority is the one MASTER with the VIP: within both master-down intervals, as r2
/// may take over alone before r1 is up. Returns (r1, r2).
#[track_caller]
pub fn master_pair(
    lab: &mut Lab,
    bin: &str,
    r1: (&Instance, &str),
    r2: (&Instance, &str),
) -> (Router, Router) {
    let ((i1, conf1), (i2, conf2)) = (r1, r2);
    let b = Router::start(lab, "r2", &ours(), conf2);
    let a = Router::start(lab, "r1", bin, conf1);
    let (master, other) = if i1.priority >= i2.priority {
        (&a, &b)
    } else {
        (&b, &a)
    };
    expect_master(master, &[other], i1.vip(), first_election(i1, i2));
    (a, b)
}

/// How long a pair started together may take to elect its master.
pub fn first_election(i1: &Instance, i2: &Instance) -> Duration {
    i1.master_down() + i2.master_down() + MARGIN
}

/// Router `host`'s `eth0` made again after its deletion: a new veth to a new port on the
/// switch, up, with IPv4 address `v4` (/24) and its usual IPv6 one. Returns when it is back.
pub fn remake_eth0(lab: &mut Lab, host: u8, v4: &str) -> Instant {
    let ns = format!("r{host}");
    lab.switch("sw", &[(ns.as_str(), "eth0")]);
    lab.addr(&ns, "eth0", &format!("{v4}/24"));
    lab.addr(&ns, "eth0", &format!("{}/64", addr(Family::V6, host)));
    Instant::now()
}
