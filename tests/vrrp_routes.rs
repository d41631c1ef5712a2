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
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

fn ready(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, &ours())
}

/// A two-router lab, or None (SKIPPED) without root or the binary.
fn pair_lab(test: &str, wiring: Wiring) -> Option<Lab> {
    ready(test).then(|| routers_lab(test, 2, wiring))
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
    let Some(mut lab) = pair_lab(test, Wiring::Veth) else {
        return;
    };
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
    // keepalived's words, in its order: routes then rules in, rules then routes then VIPs out.
    let log = r1.log();
    let at = |l: &str| {
        log.find(l)
            .unwrap_or_else(|| panic!("{test}: no '{l}' in r1's log"))
    };
    assert!(
        at("(VI_1) setting VIPs.") < at("(VI_1) setting Virtual Routes")
            && at("(VI_1) setting Virtual Routes") < at("(VI_1) setting Virtual Rules")
            && log.rfind("(VI_1) removing Virtual Rules")
                < log.rfind("(VI_1) removing Virtual Routes")
            && log.rfind("(VI_1) removing Virtual Routes") < log.rfind("(VI_1) removing VIPs."),
        "{test}: log lines out of keepalived's order:\n{}",
        lab::vrrp::tail(&log)
    );
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
    let Some(mut lab) = pair_lab(test, Wiring::Veth) else {
        return;
    };
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

/// keepalived stops in this order: priority 0 and VIPs, then the static addresses, routes and
/// rules, then the STOP notifies. Many static addresses make their removal take longer than a
/// script's start, so a STOP script run before it would still see some of them.
#[test]
fn stop_notify_runs_after_the_statics_are_gone() {
    let test = "stop_notify_runs_after_the_statics_are_gone";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let only = Instance::new(1, 200);
    let seen = lab.dir().join("seen-at-stop");
    let script = lab.write_file(
        "on-stop",
        &format!(
            "#!/bin/sh\nip -o -4 addr show dev eth0 > {}.tmp\nmv {0}.tmp {0}\n",
            seen.display()
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let many: String = (0..400)
        .map(|k| format!("  10.9.{}.{}/32 dev eth0\n", k / 200, k % 200 + 1))
        .collect();
    let cfg = config(&only)
        .replacen(
            "static_ipaddress {\n",
            &format!("static_ipaddress {{\n{many}"),
            1,
        )
        .replacen(
            "  virtual_ipaddress {",
            &format!("  notify_stop {}\n  virtual_ipaddress {{", script.display()),
            1,
        );
    let mut r1 = Router::start(&mut lab, "r1", &ours(), &cfg);
    expect_master(&r1, &[], only.vip(), only.master_down() + MARGIN);
    expect(
        &mut lab,
        "r1: statics missing",
        |l| statics_set(l, "r1", 1).0 && l.has_addr("r1", "eth0", "10.9.1.200"),
        &[&r1],
    );
    r1.stop();
    assert!(
        wait_until(SETTLE, || seen.exists()),
        "{test}: the STOP script did not run:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    let at_stop = std::fs::read_to_string(&seen).unwrap_or_default();
    let left: Vec<&str> = at_stop
        .lines()
        .filter(|l| l.contains(" 10.9.") || l.contains(" 10.8.0."))
        .collect();
    assert!(
        left.is_empty(),
        "{test}: the STOP script ran while {} static addresses were still set, e.g. {:?}",
        left.len(),
        left.first()
    );
}

/// Every route and rule option of the man page that this kernel supports (not MPLS
/// encapsulation: no mpls_iptunnel here), as `ip -d route` / `ip rule` show them back, and
/// all of it gone after stop.
#[test]
fn static_routes_and_rules_with_every_option_reach_the_kernel() {
    let test = "static_routes_and_rules_with_every_option_reach_the_kernel";
    if !ready(test) {
        return;
    }
    let mut lab = Lab::new(test);
    lab.stub_link("r1", "eth0", "eth1");
    lab.addr("r1", "eth0", "10.7.0.1/24");
    lab.addr("r1", "eth0", "fd00::1/64");
    let conf = "global_defs {\n  router_id x\n}\n\
static_ipaddress {\n  10.9.0.1/24 dev eth0 label eth0:st brd +\n  fd09::1/64 dev eth0 noprefixroute\n}\n\
static_routes {\n\
  10.20.0.0/16 via 10.7.0.254 dev eth0 table 300 metric 9 mtu lock 1400 advmss 1300 rtt 300ms rttvar 250ms reordering 4 window 1000 cwnd 10 ssthresh 20 rto_min 300ms initcwnd 12 initrwnd 14 quickack 1 features ecn congctl reno hoplimit 33 fastopen_no_cookie 1\n\
  10.21.0.0/16 dev eth0 scope link table 300 src 10.7.0.1 tos 0x10 realms 3/4\n\
  blackhole 10.22.0.0/16 table 300\n  unreachable 10.23.0.0/16 table 300\n\
  prohibit 10.24.0.0/16 table 300\n  throw 10.25.0.0/16 table 300\n\
  10.26.0.0/16 table 300 nexthop via 10.7.0.2 dev eth0 weight 3 nexthop via 10.7.0.3 dev eth0 weight 1 onlink\n\
  fd20::/64 via fd00::fe dev eth0 table 300 pref high\n\
  fd21::/64 from fd00::/64 via fd00::fe dev eth0 table 300\n\
  10.27.0.0/16 via 10.7.0.254 dev eth0 table 300 append\n\
  10.28.0.0/16 encap ip id 5 dst 10.7.0.9 ttl 3 via 10.7.0.254 dev eth0 table 300\n\
  local 10.30.0.1 dev eth0 table 300\n}\n\
static_rules {\n\
  from 10.7.0.0/24 table 300 priority 300\n\
  to 10.40.0.0/16 fwmark 0x10/0xff tos 0x10 iif eth0 priority 301 table 300 realms 5\n\
  from all priority 302 suppress_prefixlength 0 table 300\n\
  from all priority 303 suppress_ifgroup 2 table 300\n\
  from all priority 304 uidrange 1000-2000 table 300\n\
  from all priority 305 ipproto tcp sport 1000-2000 dport 80-80 table 300\n\
  from all priority 306 tunnel-id 7 table 300\n\
  from all priority 307 goto 310\n  from all priority 308 nop\n\
  not from 10.50.0.0/16 priority 309 blackhole\n\
  from all oif eth0 priority 310 prohibit\n\
  to fd40::/64 priority 311 table 300\n}\n";
    let mut r = Router::start(&mut lab, "r1", &ours(), conf);
    let want_routes = [
        "10.20.0.0/16 via 10.7.0.254 dev eth0 proto keepalived metric 9 mtu lock 1400 window 1000 rtt 300ms rttvar 250ms ssthresh 20 cwnd 10 advmss 1300 reordering 4 hoplimit 33 initcwnd 12 features ecn rto_min 300ms initrwnd 14 quickack 1 congctl reno fastopen_no_cookie 1",
        "10.21.0.0/16 tos 0x10 dev eth0 proto keepalived scope link src 10.7.0.1 realms 3/4",
        "blackhole 10.22.0.0/16 proto keepalived",
        "unreachable 10.23.0.0/16 proto keepalived",
        "prohibit 10.24.0.0/16 proto keepalived",
        "throw 10.25.0.0/16 proto keepalived",
        "nexthop via 10.7.0.2 dev eth0 weight 3",
        "nexthop via 10.7.0.3 dev eth0 weight 1 onlink",
        "10.27.0.0/16 via 10.7.0.254 dev eth0 proto keepalived",
        "encap ip id 5 src 0.0.0.0 dst 10.7.0.9 ttl 3",
        "local 10.30.0.1 dev eth0 proto keepalived scope host",
        "fd20::/64 via fd00::fe dev eth0 proto keepalived metric 1024 pref high",
        "fd21::/64 from fd00::/64 via fd00::fe dev eth0 proto keepalived",
    ];
    let want_rules = [
        "300:\tfrom 10.7.0.0/24 lookup 300 proto keepalived",
        "301:\tfrom all to 10.40.0.0/16 tos 0x10 fwmark 0x10/0xff iif eth0 lookup 300 realms 5 proto keepalived",
        "302:\tfrom all lookup 300 suppress_prefixlength 0 proto keepalived",
        "303:\tfrom all lookup 300 suppress_ifgroup 2 proto keepalived",
        "304:\tfrom all uidrange 1000-2000 lookup 300 proto keepalived",
        "305:\tfrom all ipproto tcp sport 1000-2000 dport 80 lookup 300 proto keepalived",
        "306:\tfrom all tun_id 7 lookup 300 proto keepalived",
        "307:\tfrom all goto 310 proto keepalived",
        "308:\tfrom all nop proto keepalived",
        "309:\tnot from 10.50.0.0/16 blackhole proto keepalived",
        "310:\tfrom all oif eth0 prohibit proto keepalived",
        "311:\tfrom all to fd40::/64 lookup 300 proto keepalived",
    ];
    let dump = |lab: &mut Lab| {
        let mut s = show(lab, "r1", &["ip", "route", "show", "table", "300"]);
        s += &show(lab, "r1", &["ip", "-6", "route", "show", "table", "300"]);
        s += &show(lab, "r1", &["ip", "rule"]);
        s += &show(lab, "r1", &["ip", "-6", "rule"]);
        s + &show(lab, "r1", &["ip", "addr", "show", "dev", "eth0"])
    };
    // keepalived 2.2.7 does not give a `local` route host scope and the kernel refuses it;
    // we pick the scope as `ip route` does.
    let want_routes: Vec<&str> = want_routes
        .into_iter()
        .filter(|w| ours() != lab::vrrp::KEEPALIVED || !w.starts_with("local"))
        .collect();
    let all_there = |s: &str| {
        want_routes.iter().chain(&want_rules).all(|w| s.contains(w))
            && s.contains("10.9.0.1/24 brd 10.9.0.255 scope global eth0:st")
            && s.contains("fd09::1/64")
    };
    let mut seen = String::new();
    if !wait_until(SETTLE, || {
        seen = dump(&mut lab);
        all_there(&seen)
    }) {
        let missing: Vec<&&str> = want_routes
            .iter()
            .chain(&want_rules)
            .filter(|w| !seen.contains(**w))
            .collect();
        panic!(
            "{test}: missing {missing:?}\n{seen}\n{}",
            lab::vrrp::tail(&r.log())
        );
    }
    r.stop();
    let after = dump(&mut lab);
    let left: Vec<&&str> = want_routes
        .iter()
        .chain(&want_rules)
        .filter(|w| after.contains(**w))
        .collect();
    assert!(
        left.is_empty() && !after.contains("10.9.0.1") && !after.contains("fd09::1"),
        "{test}: left after stop: {left:?}\n{after}"
    );
}

/// SIGHUP: an unchanged instance stays MASTER on the same VMAC with its routes; static
/// routes follow the new config; an instance whose routes changed restarts with the new ones.
#[test]
fn reload_keeps_vmac_and_master_and_applies_route_changes() {
    let test = "reload_keeps_vmac_and_master_and_applies_route_changes";
    let Some(mut lab) = pair_lab(test, Wiring::Veth) else {
        return;
    };
    let inst = Instance::new(1, 200);
    let with = |vroute: &str, sroute: &str| {
        inst.config()
            .replacen(
                "vrrp_instance VI_1 {",
                &format!("static_routes {{\n  {sroute} dev eth0 table 200\n}}\nvrrp_instance VI_1 {{"),
                1,
            )
            .replacen(
                "  virtual_ipaddress {",
                &format!(
                    "  use_vmac\n  virtual_routes {{\n    {vroute} dev eth0 table 100\n  }}\n  virtual_ipaddress {{"
                ),
                1,
            )
    };
    let conf = lab.write_file("reload.conf", &with("10.50.0.0/16", "10.60.0.0/16"));
    let c = conf.to_string_lossy().into_owned();
    let dir = lab.dir().to_string_lossy().into_owned();
    let pids: Vec<String> = ["m", "v", "c"]
        .iter()
        .map(|k| format!("{dir}/{k}.pid"))
        .collect();
    let bin = ours();
    let mut d = lab.spawn(
        "r1",
        &[
            &bin, "-n", "-l", "-D", "-f", &c, "-p", &pids[0], "-r", &pids[1], "-c", &pids[2],
        ],
    );
    let vip = inst.vip();
    let master = |lab: &mut Lab| {
        lab.has_addr("r1", "vrrp.51", vip)
            && show(lab, "r1", &["ip", "route", "show", "table", "100"]).contains("10.50.0.0/16")
    };
    assert!(
        wait_until(inst.master_down() + MARGIN, || master(&mut lab)),
        "{test}: r1 not MASTER on its VMAC:\n{}",
        lab::vrrp::tail(&d.log())
    );
    let ifindex = |lab: &mut Lab| {
        show(lab, "r1", &["ip", "-o", "link", "show", "vrrp.51"])
            .split(':')
            .next()
            .map(str::to_string)
    };
    let before = ifindex(&mut lab);

    let reloads = |d: &lab::Spawned| d.log().matches("Reload complete").count();
    std::fs::write(&conf, with("10.50.0.0/16", "10.61.0.0/16")).unwrap();
    d.signal(libc::SIGHUP);
    assert!(
        wait_until(SETTLE, || reloads(&d) == 1),
        "{test}: no reload:\n{}",
        lab::vrrp::tail(&d.log())
    );
    let statics = show(&mut lab, "r1", &["ip", "route", "show", "table", "200"]);
    assert!(
        statics.contains("10.61.0.0/16") && !statics.contains("10.60.0.0/16"),
        "{test}: static routes after reload:\n{statics}"
    );
    let log = d.log();
    assert!(
        !log.contains("sent 0 priority") && log.matches("(VI_1) setting VIPs.").count() == 1,
        "{test}: an unchanged instance was disturbed by the reload:\n{}",
        lab::vrrp::tail(&log)
    );
    assert!(
        master(&mut lab),
        "{test}: VIP or virtual route lost on reload"
    );
    assert_eq!(ifindex(&mut lab), before, "{test}: the VMAC was recreated");

    std::fs::write(&conf, with("10.51.0.0/16", "10.61.0.0/16")).unwrap();
    d.signal(libc::SIGHUP);
    assert!(
        wait_until(SETTLE, || reloads(&d) == 2),
        "{test}: no second reload"
    );
    let changed = |lab: &mut Lab| {
        let r = show(lab, "r1", &["ip", "route", "show", "table", "100"]);
        r.contains("10.51.0.0/16")
            && !r.contains("10.50.0.0/16")
            && lab.has_addr("r1", "vrrp.51", vip)
    };
    assert!(
        wait_until(inst.master_down() + MARGIN, || changed(&mut lab)),
        "{test}: the changed instance did not come back with its new route:\n{}",
        show(&mut lab, "r1", &["ip", "route", "show", "table", "100"])
    );

    d.signal(libc::SIGTERM);
    assert!(
        d.wait_timeout(Duration::from_secs(10)).is_some(),
        "{test}: no exit"
    );
    assert!(
        !lab.exec("r1", &["ip", "link", "show", "vrrp.51"])
            .status
            .success(),
        "{test}: VMAC left after stop"
    );
}

/// A BACKUP's stop leaves addresses it never set, with or without `-X` (which is about
/// transitions a reload causes, not about stop): keepalived 2.2.7 does the same.
#[test]
fn stopped_backup_leaves_addresses_it_did_not_set_even_with_release_vips() {
    let test = "stopped_backup_leaves_addresses_it_did_not_set_even_with_release_vips";
    let Some(mut lab) = pair_lab(test, Wiring::Veth) else {
        return;
    };
    let high = Instance::new(1, 200);
    let low = Instance::new(2, 100);
    let bin = ours();
    let r1 = Router::start(&mut lab, "r1", &bin, &high.config());
    expect_master(&r1, &[], high.vip(), high.master_down() + MARGIN);
    for flag in [&["-X"][..], &[][..]] {
        let mut r2 = Router::start_with(&mut lab, "r2", &bin, &low.config(), flag);
        assert!(
            r2.wait_state("BACKUP", low.master_down() + MARGIN),
            "{test}: r2 not BACKUP:\n{}",
            lab::vrrp::tail(&r2.log())
        );
        let cidr = format!("{}/24", low.vip());
        lab.addr("r2", "eth0", &cidr);
        r2.stop();
        assert!(
            lab.has_addr("r2", "eth0", low.vip()),
            "{test}: with options {flag:?} the stopped BACKUP removed an address it never set"
        );
        lab.exec_ok("r2", &["ip", "addr", "del", &cidr, "dev", "eth0"]);
    }
}

/// Someone deletes a tracked virtual route of the MASTER: it gives up MASTER (priority 0,
/// VIP and routes out) and, alone on the link, wins the next election and puts everything
/// back, as keepalived does.
#[test]
fn deleted_tracked_route_makes_the_master_start_over() {
    let test = "deleted_tracked_route_makes_the_master_start_over";
    let Some(mut lab) = pair_lab(test, Wiring::Veth) else {
        return;
    };
    let inst = Instance::new(1, 200);
    let r1 = Router::start(&mut lab, "r1", &ours(), &config(&inst));
    expect_master(&r1, &[], inst.vip(), inst.master_down() + MARGIN);
    expect(
        &mut lab,
        "r1 lacks its virtual routes/rules",
        |l| virtual_set(l, "r1").0,
        &[&r1],
    );
    let masters = |r: &Router| r.log().matches("(VI_1) Entering MASTER STATE").count();
    assert_eq!(masters(&r1), 1);
    lab.exec_ok("r1", &["ip", "route", "del", VROUTE, "table", "100"]);
    assert!(
        r1.wait_state("BACKUP", SETTLE),
        "{test}: r1 stayed MASTER after losing a tracked route:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    assert!(
        wait_until(inst.master_down() + MARGIN, || masters(&r1) == 2),
        "{test}: r1 did not come back as MASTER:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    expect(
        &mut lab,
        "r1 did not put its routes/rules back",
        |l| virtual_set(l, "r1").0,
        &[&r1],
    );
}
