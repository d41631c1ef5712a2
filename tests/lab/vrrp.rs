//! Running VRRP routers (ours or keepalived 2.2.7) in a lab and watching them: state, VIPs, adverts.
//!
//! The router binary is always a parameter, so every scenario can be proven with keepalived in
//! both roles (`KEEPALIVED_RS_BIN=/usr/sbin/keepalived`) and then run with ours.

mod config;
mod pair;
mod router;

// Each test binary uses a different part of the helper.
#[allow(unused_imports)]
pub use check::KEEPALIVED;
#[allow(unused_imports)]
pub use config::{
    addr, after_election, after_takeover, master_down, routers_lab, skew, vip, Auth, Family,
    Instance, Wiring,
};
#[allow(unused_imports)]
pub use pair::{first_election, master_pair, remake_eth0};
#[allow(unused_imports)]
pub use router::{entered_state, inst_state_in, state_in, tail, Router};

use super::{check, wait_until};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The binary under test (`$KEEPALIVED_RS_BIN`, else ours).
pub fn ours() -> String {
    check::ours()
}

/// Slack on every deadline derived from the protocol timers: process start, netlink, a loaded
/// 2-core CI machine.
pub const MARGIN: Duration = Duration::from_secs(2);

/// How long two routers may both say MASTER during a handover: the new master advertises as it
/// takes over, and the old one yields on that advert.
const TWO_MASTERS_GRACE: Duration = Duration::from_secs(1);

/// What the routers show right now: name, state, whether each holds the VIP.
pub fn describe(routers: &[&Router], vip: &str) -> String {
    routers
        .iter()
        .map(|r| {
            format!(
                "{}: {:?}{}",
                r.name,
                r.state_from_log(),
                if r.holds_vip(vip) { " +VIP" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One MASTER holding the VIP; every other router says it is BACKUP or FAULT (a silent one is not
/// taking part) and holds no VIP.
fn settled(master: &Router, others: &[&Router], vip: &str) -> bool {
    master.is_master()
        && master.holds_vip(vip)
        && others.iter().all(|o| {
            matches!(o.state_from_log().as_deref(), Some("BACKUP" | "FAULT")) && !o.holds_vip(vip)
        })
}

#[track_caller]
fn fail(what: &str, master: &Router, others: &[&Router], vip: &str) -> ! {
    let mut all = vec![master];
    all.extend_from_slice(others);
    let mut msg = format!("{what}: {}\n", describe(&all, vip));
    for r in all {
        let _ = write!(msg, "--- {} log:\n{}\n", r.name, tail(&r.log()));
    }
    panic!("{msg}");
}

/// Waits until `master` is the one MASTER and the only holder of `vip`; panics with logs at
/// `timeout`, or as soon as two routers have both been MASTER for a while. Returns how long it took.
#[track_caller]
pub fn expect_master(
    master: &Router,
    others: &[&Router],
    vip: &str,
    timeout: Duration,
) -> Duration {
    let t0 = Instant::now();
    let mut two_since: Option<Instant> = None;
    let mut two_masters = false;
    let done = wait_until(timeout, || {
        if settled(master, others, vip) {
            return true;
        }
        let masters = std::iter::once(&master)
            .chain(others)
            .filter(|r| r.is_master())
            .count();
        if masters < 2 {
            two_since = None;
            return false;
        }
        two_masters = two_since.get_or_insert_with(Instant::now).elapsed() > TWO_MASTERS_GRACE;
        two_masters
    });
    if two_masters {
        fail("two MASTERs at once", master, others, vip);
    }
    if !done {
        let what = format!(
            "{} not the only MASTER with the VIP after {timeout:?}",
            master.name
        );
        fail(&what, master, others, vip);
    }
    t0.elapsed()
}

/// Checks the situation `expect_master` waited for keeps holding for `period` (no flapping, no
/// second master).
#[track_caller]
pub fn expect_stable(master: &Router, others: &[&Router], vip: &str, period: Duration) {
    let end = Instant::now() + period;
    while Instant::now() < end {
        if !settled(master, others, vip) {
            fail(
                &format!("{} lost mastership", master.name),
                master,
                others,
                vip,
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
