//! Two of our routers in network namespaces, seen as a user sees them: which one is MASTER (its
//! log), which one holds the VIP (`ip addr`), and how fast the VIP moves on a crash, a stop, a link
//! going down, or a higher-priority router coming back.
//!
//! The binary is `$KEEPALIVED_RS_BIN`, else ours; `KEEPALIVED_RS_BIN=/usr/sbin/keepalived` runs
//! the same scenarios with keepalived 2.2.7, which proves the tests themselves. Needs root (else
//! SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{
    after_election, after_takeover, expect_master, expect_stable, ours, routers_lab, skew, Auth,
    Family, Instance, Router, Wiring, MARGIN,
};
use lab::Lab;
use std::time::{Duration, Instant};

/// Beyond Skew_Time, what a priority-0 takeover may take: signal delivery, one advert, netlink.
const FAST_MARGIN: Duration = Duration::from_secs(1);

fn ready(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, &ours())
}

/// Starts r2 (`low`) then r1 (`high`), so winning is about priority, not who came first; waits
/// until r1 is the one MASTER with the VIP.
#[track_caller]
fn elect(lab: &mut Lab, high: &Instance, low: &Instance) -> (Router, Router) {
    let bin = ours();
    let r2 = Router::start(lab, "r2", &bin, &low.config());
    let r1 = Router::start(lab, "r1", &bin, &high.config());
    let vip = high.vip();
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);
    expect_stable(&r1, &[&r2], vip, after_election(high, low));
    (r1, r2)
}

/// Election by priority, then a crash of the master (SIGKILL: no priority-0 advert): the backup
/// takes over after Master_Down_Interval, not before.
fn crash_failover(test: &str, template: Instance) {
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let high = Instance {
        priority: 200,
        ..template.clone()
    };
    let low = Instance {
        host: 2,
        peers: vec![1],
        priority: 100,
        ..template
    };
    let (mut r1, r2) = elect(&mut lab, &high, &low);
    let killed = Instant::now();
    r1.kill9();
    let took = expect_master(&r2, &[], low.vip(), low.master_down() + MARGIN);
    // The last advert may have left up to one interval before the kill.
    let earliest = low
        .master_down()
        .saturating_sub(Duration::from_secs_f64(low.advert_int));
    assert!(
        killed.elapsed() >= earliest.saturating_sub(Duration::from_millis(50)),
        "{test}: backup took over {took:?} after a crash, before Master_Down_Interval {:?}",
        low.master_down()
    );
    expect_stable(&r2, &[], low.vip(), one_advert(&low));
}

#[test]
fn crash_failover_v3_ipv4_multicast() {
    crash_failover("crash_failover_v3_ipv4_multicast", Instance::new(1, 0));
}

#[test]
fn crash_failover_v3_ipv6_multicast() {
    let mut i = Instance::new(1, 0);
    i.family = Family::V6;
    crash_failover("crash_failover_v3_ipv6_multicast", i);
}

#[test]
fn crash_failover_v3_ipv4_unicast() {
    let mut i = Instance::new(1, 0);
    i.unicast = true;
    crash_failover("crash_failover_v3_ipv4_unicast", i);
}

#[test]
fn crash_failover_v3_ipv6_unicast() {
    let mut i = Instance::new(1, 0);
    i.family = Family::V6;
    i.unicast = true;
    crash_failover("crash_failover_v3_ipv6_unicast", i);
}

#[test]
fn crash_failover_v2_ipv4_multicast_pass() {
    let mut i = Instance::new(1, 0).v2();
    i.auth = Auth::Pass;
    crash_failover("crash_failover_v2_ipv4_multicast_pass", i);
}

/// A stopping master says goodbye with priority 0: the backup takes over after Skew_Time, well
/// before Master_Down_Interval.
#[test]
fn priority_zero_fast_takeover_on_sigterm() {
    let test = "priority_zero_fast_takeover_on_sigterm";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let high = Instance::new(1, 200).v2();
    let low = Instance::new(2, 100).v2();
    let (mut r1, r2) = elect(&mut lab, &high, &low);
    r1.terminate();
    let took = expect_master(&r2, &[], low.vip(), low.master_down() + MARGIN);
    r1.wait_exit();
    assert!(
        !r1.holds_vip(low.vip()),
        "{test}: the stopped master left the VIP behind"
    );
    let fast = skew(low.version, low.advert_int, low.priority) + FAST_MARGIN;
    assert!(
        took < fast && took < low.master_down(),
        "{test}: takeover took {took:?}; a priority-0 advert should make it {fast:?} at most \
         (Master_Down_Interval is {:?})",
        low.master_down()
    );
}

fn low() -> Instance {
    Instance::new(2, 100)
}

/// Long enough for one more advert from a master that is still there.
fn one_advert(i: &Instance) -> Duration {
    Duration::from_secs_f64(i.advert_int) + Duration::from_millis(300)
}

/// r1 (priority 200, configured by `high`) wins, is stopped (r2 takes over), and starts again.
/// Returns the new r1, r2 and when r1 was restarted.
#[track_caller]
fn comeback(lab: &mut Lab, high: &Instance) -> (Router, Router, Instant) {
    let low = low();
    let (mut r1, r2) = elect(lab, high, &low);
    r1.stop();
    expect_master(&r2, &[], low.vip(), low.master_down() + MARGIN);
    drop(r1);
    let again = Instant::now();
    let r1 = Router::start(lab, "r1", &ours(), &high.config());
    (r1, r2, again)
}

#[test]
fn preemption_higher_priority_takes_over_when_back() {
    let test = "preemption_higher_priority_takes_over_when_back";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let high = Instance::new(1, 200);
    let (r1, r2, _) = comeback(&mut lab, &high);
    expect_master(&r1, &[&r2], high.vip(), high.master_down() + MARGIN);
    expect_stable(&r1, &[&r2], high.vip(), after_takeover(&low()));
}

#[test]
fn nopreempt_higher_priority_stays_backup_when_back() {
    let test = "nopreempt_higher_priority_stays_backup_when_back";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let mut high = Instance::new(1, 200);
    high.nopreempt = true;
    let (r1, r2, _) = comeback(&mut lab, &high);
    assert!(
        r1.wait_state("BACKUP", MARGIN),
        "{test}: r1 never reported BACKUP:\n{}",
        r1.log()
    );
    expect_stable(&r2, &[&r1], high.vip(), high.master_down() + MARGIN);
}

#[test]
fn preempt_delay_takes_over_only_after_the_delay() {
    let test = "preempt_delay_takes_over_only_after_the_delay";
    if !ready(test) {
        return;
    }
    let delay = Duration::from_secs(3);
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let mut high = Instance::new(1, 200);
    high.preempt_delay = Some(delay.as_secs_f64());
    let (r1, r2, again) = comeback(&mut lab, &high);
    assert!(
        r1.wait_state("BACKUP", MARGIN),
        "{test}: r1 never reported BACKUP:\n{}",
        r1.log()
    );
    // A little early slack: the delay runs from the daemon's start, a few ms after ours.
    let hold = delay.saturating_sub(Duration::from_millis(300));
    expect_stable(
        &r2,
        &[&r1],
        high.vip(),
        hold.saturating_sub(again.elapsed()),
    );
    let deadline = (delay + high.master_down() + MARGIN).saturating_sub(again.elapsed());
    expect_master(&r1, &[&r2], high.vip(), deadline);
    expect_stable(&r1, &[&r2], high.vip(), after_takeover(&low()));
}

/// The master's link goes down: it reports FAULT and lets go of the VIP, the backup takes over;
/// the link comes back and the higher priority takes over again.
#[test]
fn link_down_on_master_moves_the_vip() {
    let test = "link_down_on_master_moves_the_vip";
    if !ready(test) {
        return;
    }
    // A switch: with a veth pair the backup's end would lose its carrier too.
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let high = Instance::new(1, 200);
    let low = Instance::new(2, 100);
    let (r1, r2) = elect(&mut lab, &high, &low);
    lab.down("r1", "eth0");
    expect_master(&r2, &[&r1], low.vip(), low.master_down() + MARGIN);
    assert!(
        r1.wait_state("FAULT", MARGIN),
        "{test}: r1 did not report FAULT:\n{}",
        r1.log()
    );
    expect_stable(&r2, &[&r1], low.vip(), one_advert(&low));
    lab.up("r1", "eth0");
    expect_master(&r1, &[&r2], high.vip(), high.master_down() + MARGIN);
    expect_stable(&r1, &[&r2], high.vip(), after_takeover(&low));
}
