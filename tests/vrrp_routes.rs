//! virtual_routes / virtual_rules and the static_* blocks, seen with `ip route` and `ip rule`:
//! an instance's routes and rules are on the MASTER only and move with it on failover; static
//! ones are on every router from start and gone after stop; `-V` leaves VIPs and virtual routes
//! behind on stop.
//!
//! The binary is `$KEEPALIVED_RS_BIN`, else ours (`/usr/sbin/keepalived` runs the same checks
//! against keepalived 2.2.7). Needs root (else SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{expect_master, ours, routers_lab, Instance, Router, Wiring, MARGIN};
use lab::{wait_until, Lab};
use std::time::Duration;

fn ready(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, &ours())
}

/// Netlink requests are acked before the daemon goes on, so what follows a state change shows
/// up within a moment; this only covers scheduling on a busy machine.
const SETTLE: Duration = Duration::from_secs(2);

const VROUTE: &str = "10.50.0.0/16";
const VROUTE6: &str = "fd50::/64";
const SROUTE: &str = "10.60.0.0/16";

/// `inst`'s config with virtual routes and rules, and static address, route and rule.
fn config(inst: &Instance) -> String {
    let base = inst.config();
    let statics = format!(
        "static_ipaddress {{\n  10.8.0.{h}/24 dev eth0\n}}\n\
         static_routes {{\n  {SROUTE} via 10.7.0.254 dev eth0 table 200\n}}\n\
         static_rules {{\n  from 10.7.0.{h} table 200 priority 200\n}}\n\
         vrrp_instance VI_1 {{",
        h = inst.host
    );
    let virt = format!(
        "  virtual_routes {{\n    {VROUTE} via 10.7.0.254 dev eth0 table 100\n    \
         10.51.0.0/16 dev eth0 table 100 metric 7\n    \
         {VROUTE6} via fd00::254 dev eth0 table 100\n  }}\n  \
         virtual_rules {{\n    from {vip} table 100 priority 100\n    \
         to 10.52.0.0/16 table 100 priority 101\n  }}\n  virtual_ipaddress {{",
        vip = inst.vip()
    );
    base.replacen("vrrp_instance VI_1 {", &statics, 1)
        .replacen("  virtual_ipaddress {", &virt, 1)
}

fn show(lab: &mut Lab, ns: &str, cmd: &[&str]) -> String {
    String::from_utf8_lossy(&lab.exec(ns, cmd).stdout).into_owned()
}

/// Whether `ns` has the instance's routes and rules (all of them, or with `false` none).
fn virtual_set(lab: &mut Lab, ns: &str) -> (bool, bool) {
    let r4 = show(lab, ns, &["ip", "route", "show", "table", "100"]);
    let r6 = show(lab, ns, &["ip", "-6", "route", "show", "table", "100"]);
    let rules = show(lab, ns, &["ip", "rule"]);
    let have = [
        r4.contains(&format!("{VROUTE} via 10.7.0.254 dev eth0")),
        r4.contains("10.51.0.0/16 dev eth0") && r4.contains("metric 7"),
        r6.contains(&format!("{VROUTE6} via fd00::254 dev eth0")),
        rules.contains("100:\tfrom 10.7.0.100 lookup 100"),
        rules.contains("101:\tfrom all to 10.52.0.0/16 lookup 100"),
    ];
    (have.iter().all(|h| *h), have.iter().all(|h| !*h))
}

fn statics_set(lab: &mut Lab, ns: &str, host: u8) -> (bool, bool) {
    let r = show(lab, ns, &["ip", "route", "show", "table", "200"]);
    let rules = show(lab, ns, &["ip", "rule"]);
    let addr = format!("10.8.0.{host}");
    let have = [
        r.contains(&format!("{SROUTE} via 10.7.0.254 dev eth0")),
        rules.contains(&format!("200:\tfrom 10.7.0.{host} lookup 200")),
        lab.has_addr(ns, "eth0", &addr),
    ];
    (have.iter().all(|h| *h), have.iter().all(|h| !*h))
}

#[track_caller]
fn expect(lab: &mut Lab, what: &str, mut cond: impl FnMut(&mut Lab) -> bool, r: &[&Router]) {
    if !wait_until(SETTLE, || cond(lab)) {
        let mut dump = String::new();
        for ns in ["r1", "r2"] {
            dump += &show(lab, ns, &["ip", "route", "show", "table", "all"]);
            dump += &show(lab, ns, &["ip", "rule"]);
        }
        for x in r {
            dump += &lab::vrrp::tail(&x.log());
        }
        panic!("{what}\n{dump}");
    }
}

#[test]
fn routes_and_rules_follow_the_master_statics_stay_until_stop() {
    let test = "routes_and_rules_follow_the_master_statics_stay_until_stop";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let high = Instance::new(1, 200);
    let low = Instance::new(2, 100);
    let bin = ours();
    let r2 = Router::start(&mut lab, "r2", &bin, &config(&low));
    // Statics come with start, before any election.
    expect(
        &mut lab,
        "r2: static address/route/rule not set at start",
        |l| statics_set(l, "r2", 2).0,
        &[&r2],
    );
    let mut r1 = Router::start(&mut lab, "r1", &bin, &config(&high));
    expect_master(&r1, &[&r2], high.vip(), high.master_down() + MARGIN);
    expect(
        &mut lab,
        "r1 (MASTER) lacks its virtual routes/rules",
        |l| virtual_set(l, "r1").0,
        &[&r1, &r2],
    );
    expect(
        &mut lab,
        "r2 (BACKUP) has virtual routes/rules",
        |l| virtual_set(l, "r2").1,
        &[&r1, &r2],
    );
    expect(
        &mut lab,
        "r1: statics missing",
        |l| statics_set(l, "r1", 1).0,
        &[&r1],
    );

    r1.stop();
    expect_master(&r2, &[], low.vip(), low.master_down() + MARGIN);
    expect(
        &mut lab,
        "r2 (new MASTER) lacks the virtual routes/rules",
        |l| virtual_set(l, "r2").0,
        &[&r2],
    );
    expect(
        &mut lab,
        "stopped r1 left virtual routes/rules",
        |l| virtual_set(l, "r1").1,
        &[&r1],
    );
    expect(
        &mut lab,
        "stopped r1 left static address/route/rule",
        |l| statics_set(l, "r1", 1).1,
        &[&r1],
    );
    // The new master's statics are untouched by the failover.
    expect(
        &mut lab,
        "r2: statics lost on failover",
        |l| statics_set(l, "r2", 2).0,
        &[&r2],
    );
}

/// `-V` (dont-release-vrrp): a stopping MASTER leaves its VIP, routes and rules; static ones
/// still go, as in keepalived.
#[test]
fn dont_release_vrrp_keeps_vips_and_virtual_routes() {
    let test = "dont_release_vrrp_keeps_vips_and_virtual_routes";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let only = Instance::new(1, 200);
    let mut r1 = Router::start_with(&mut lab, "r1", &ours(), &config(&only), &["-V"]);
    expect_master(&r1, &[], only.vip(), only.master_down() + MARGIN);
    expect(
        &mut lab,
        "r1 lacks its virtual routes/rules",
        |l| virtual_set(l, "r1").0,
        &[&r1],
    );
    r1.stop();
    assert!(
        r1.holds_vip(only.vip()),
        "{test}: -V should keep the VIP after stop:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    assert!(
        virtual_set(&mut lab, "r1").0,
        "{test}: -V should keep the virtual routes and rules after stop"
    );
    assert!(
        statics_set(&mut lab, "r1", 1).1,
        "{test}: static address/route/rule should go on stop even with -V"
    );
}
