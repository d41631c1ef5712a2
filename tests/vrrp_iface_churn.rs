//! Interfaces that go and come back, as a router's own network config does it (a bridge port
//! or veth deleted and made again under the same name, with a new index): the instance on it is
//! FAULT while it is gone, its peer takes over, and once the link is back (up, with its
//! address) the instance is MASTER again with its VIP within one master-down interval.
//!
//! r1 (priority 150) and r2 (priority 100) on a bridge in namespace "sw"; r1's `eth0` is
//! deleted (its switch port goes with it) and made again. keepalived 2.2.7's time for the same
//! is printed beside ours when it is installed. Needs root (else SKIPPED; a failure under
//! CI=true).

mod lab;

use lab::vrrp::{
    addr, expect_master, expect_stable, master_pair, ours, remake_eth0, routers_lab, state_in,
    tail, Family, Instance, Router, Wiring, KEEPALIVED, MARGIN,
};
use lab::Lab;
use std::path::Path;
use std::time::{Duration, Instant};

fn inst(host: u8, priority: u8, family: Family) -> Instance {
    let mut i = Instance::new(host, priority);
    i.family = family;
    i
}

/// What one run shows: how long r1 took to be MASTER with its VIP once its link was back.
struct Run {
    back_after: Duration,
    log: String,
}

/// r1 runs `bin` (r2 always runs ours, the peer under no test here), master first; its link
/// is deleted, the test waits for FAULT and r2's takeover, then makes the link again.
/// With `vmac` (its keywords: `use_vmac`, maybe `vmac_xmit_base`), r1 puts its VIP on a VMAC
/// over `eth0`, which goes with it. With `random_ll` the new `eth0` gets a random link-local
/// address (addr_gen_mode 3, as stable-privacy ones are: not the one its MAC gives).
fn churn(test: &str, bin: &str, family: Family, vmac: &str, random_ll: bool) -> Run {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (inst(1, 150, family), inst(2, 100, family));
    let vip = i1.vip();
    let mut conf = i1.config();
    if !vmac.is_empty() {
        let with = format!("  {vmac}\n  virtual_ipaddress {{");
        conf = conf.replacen("  virtual_ipaddress {", &with, 1);
    }
    let (a, b) = master_pair(&mut lab, bin, (&i1, &conf), (&i2, &i2.config()));

    if random_ll {
        let set = "echo 3 > /proc/sys/net/ipv6/conf/default/addr_gen_mode";
        lab.exec_ok("r1", &["sh", "-c", set]);
    }
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    // The deletion is seen at once (netlink); r2 then waits its master-down interval.
    if !a.wait_state("FAULT", MARGIN) {
        panic!(
            "{}: not FAULT with its link deleted (last {:?}):\n{}",
            a.name,
            state_in(&a.log()),
            tail(&a.log())
        );
    }
    expect_master(&b, &[&a], vip, i2.master_down() + MARGIN);

    let back = make_eth0_again(&mut lab, 1);
    // From FAULT to BACKUP as the link comes up, then r2's lower-priority adverts are not
    // enough: r1 preempts once its master-down timer runs out.
    let limit = i1.master_down() + MARGIN;
    expect_master(&a, &[&b], vip, limit);
    if family == Family::V6 && !vmac.is_empty() {
        // Adverts leave the VMAC from a link-local address of its own (r2 hears them).
        let ll = ip_show(&mut lab, "r1", &["-6", "addr", "show", "dev", "vrrp.51"]);
        assert!(
            ll.contains("inet6 fe80::"),
            "no link-local on the VMAC:\n{ll}"
        );
    }
    if random_ll {
        // The VMAC has its parent's new link-local, the one adverts leave from.
        let mut got = (String::new(), String::new());
        let same = lab::wait_until(MARGIN, || {
            let show = ["-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"];
            let parent = ip_show(&mut lab, "r1", &show);
            let parent = parent.split_whitespace().nth(3).unwrap_or("").to_string();
            got = (
                parent,
                ip_show(&mut lab, "r1", &["-6", "addr", "show", "dev", "vrrp.51"]),
            );
            !got.0.is_empty() && got.1.contains(&got.0)
        });
        assert!(
            same,
            "the VMAC lacks eth0's link-local {:?}:\n{}",
            got.0, got.1
        );
    }
    Run {
        back_after: back.elapsed(),
        log: a.log(),
    }
}

/// Makes router `host`'s `eth0` again, after its deletion, with its usual addresses.
fn make_eth0_again(lab: &mut Lab, host: u8) -> Instant {
    remake_eth0(lab, host, &addr(Family::V4, host))
}

/// With `dynamic_interfaces`, r1 starts while its `eth0` does not exist: FAULT, then MASTER
/// once the link is made. Returns how long that took after the link was back.
fn late(test: &str, bin: &str, family: Family) -> Duration {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (inst(1, 150, family), inst(2, 100, family));
    let vip = i1.vip();
    let b = Router::start(&mut lab, "r2", &ours(), &i2.config());
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    let conf = i1.config().replacen(
        "global_defs {\n",
        "global_defs {\n  dynamic_interfaces\n",
        1,
    );
    let a = Router::start(&mut lab, "r1", bin, &conf);
    expect_master(&b, &[], vip, i2.master_down() + MARGIN);
    // Down from the start, it says so in keepalived's start-up words.
    let fault = || {
        a.state_from_log().as_deref() == Some("FAULT") || a.log().contains("entering FAULT state")
    };
    if !lab::wait_until(MARGIN, fault) {
        panic!(
            "{}: not FAULT without its interface (last {:?}):\n{}",
            a.name,
            state_in(&a.log()),
            tail(&a.log())
        );
    }
    let back = make_eth0_again(&mut lab, 1);
    expect_master(&a, &[&b], vip, i1.master_down() + MARGIN);
    back.elapsed()
}

/// The BACKUP's link goes and comes back: FAULT meanwhile, BACKUP again once it is back, and
/// listening on its new socket: the master's adverts keep it from taking over.
fn backup_churn(test: &str, bin: &str, family: Family) -> Duration {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (inst(1, 150, family), inst(2, 100, family));
    let vip = i1.vip();
    let b = Router::start(&mut lab, "r2", bin, &i2.config());
    let a = Router::start(&mut lab, "r1", &ours(), &i1.config());
    expect_master(&a, &[&b], vip, i2.master_down() + i1.master_down() + MARGIN);
    lab.exec_ok("r2", &["ip", "link", "del", "eth0"]);
    if !b.wait_state("FAULT", MARGIN) {
        panic!(
            "{}: not FAULT with its link deleted:\n{}",
            b.name,
            tail(&b.log())
        );
    }
    let back = make_eth0_again(&mut lab, 2);
    if !b.wait_state("BACKUP", MARGIN) {
        panic!(
            "{}: not BACKUP with its link back:\n{}",
            b.name,
            tail(&b.log())
        );
    }
    let took = back.elapsed();
    // Long enough for a deaf backup to take over: two of its master-down intervals.
    expect_stable(&a, &[&b], vip, 2 * i2.master_down());
    took
}

fn run(test: &str, family: Family, vmac: &str) {
    if !lab::require_root(test) {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let r = churn(test, &bin, family, vmac, false);
    for line in [
        "Interface eth0 deleted",
        "Interface eth0 added",
        "Netlink reports eth0 up",
    ] {
        assert!(
            r.log.contains(line),
            "no {line:?} in r1's log:\n{}",
            tail(&r.log)
        );
    }
    // -D: its address goes with the link and comes back with it, in keepalived's words.
    let ip = if family == Family::V4 {
        "10.7.0.1"
    } else {
        "fe80::"
    };
    for (what, at) in [("Deassigned", "from"), ("Assigned", "for")] {
        let said = r.log.lines().any(|l| {
            l.contains(&format!("{what} address {ip}"))
                && l.ends_with(&format!("{at} interface eth0"))
        });
        assert!(
            said,
            "no {what} address line in r1's log:\n{}",
            tail(&r.log)
        );
    }
    let mut note = String::new();
    if bin != KEEPALIVED && Path::new(KEEPALIVED).exists() {
        // Its figure for the record; its behaviour is not under test here.
        let k = std::panic::catch_unwind(|| churn(test, KEEPALIVED, family, vmac, false));
        note = match k {
            Ok(k) => format!(", keepalived {:.2} s", k.back_after.as_secs_f64()),
            Err(_) => ", keepalived not MASTER again in time (see above)".to_string(),
        };
    }
    println!(
        "BENCH iface_churn {family:?}{}{} MASTER again after the link is back: ours {:.2} s{note}",
        if vmac.is_empty() { "" } else { " " },
        vmac.replace("\n  ", " "),
        r.back_after.as_secs_f64()
    );
}

#[test]
fn a_master_whose_link_is_deleted_and_made_again_is_master_again_v4() {
    run(
        "a_master_whose_link_is_deleted_and_made_again_is_master_again_v4",
        Family::V4,
        "",
    );
}

#[test]
fn a_master_whose_link_is_deleted_and_made_again_is_master_again_v6() {
    run(
        "a_master_whose_link_is_deleted_and_made_again_is_master_again_v6",
        Family::V6,
        "",
    );
}

#[test]
fn a_vmac_master_whose_link_is_deleted_and_made_again_is_master_again() {
    run(
        "a_vmac_master_whose_link_is_deleted_and_made_again_is_master_again",
        Family::V4,
        "use_vmac",
    );
}

#[test]
fn an_ipv6_vmac_master_whose_link_is_deleted_and_made_again_is_master_again() {
    run(
        "an_ipv6_vmac_master_whose_link_is_deleted_and_made_again_is_master_again",
        Family::V6,
        "use_vmac",
    );
}

/// The re-made parent of an IPv6 VMAC gets a link-local address its MAC does not give
/// (stable-privacy or random): the VMAC takes it once it comes, and adverts go on from it.
#[test]
fn an_ipv6_vmac_follows_its_new_parents_link_local() {
    let test = "an_ipv6_vmac_follows_its_new_parents_link_local";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    let r = churn(test, &ours(), Family::V6, "use_vmac", true);
    // Heard by r2 for two of its master-down intervals from the new address.
    println!(
        "BENCH iface_churn V6 use_vmac, random link-local: MASTER again after the link is back: ours {:.2} s",
        r.back_after.as_secs_f64()
    );
}

#[test]
fn a_vmac_xmit_base_master_whose_link_is_deleted_and_made_again_is_master_again() {
    for family in [Family::V4, Family::V6] {
        run(
            "a_vmac_xmit_base_master_whose_link_is_deleted_and_made_again_is_master_again",
            family,
            "use_vmac\n  vmac_xmit_base",
        );
    }
}

#[test]
fn with_dynamic_interfaces_an_instance_waits_for_its_interface() {
    let test = "with_dynamic_interfaces_an_instance_waits_for_its_interface";
    if !lab::require_root(test) {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let ours_took = late(test, &bin, Family::V4);
    let mut note = String::new();
    if bin != KEEPALIVED && Path::new(KEEPALIVED).exists() {
        // Its figure for the record; its behaviour is not under test here.
        note = match std::panic::catch_unwind(|| late(test, KEEPALIVED, Family::V4)) {
            Ok(k) => format!(", keepalived {:.2} s", k.as_secs_f64()),
            Err(_) => ", keepalived not MASTER in time (see above)".to_string(),
        };
    }
    println!(
        "BENCH iface_churn late interface MASTER after it appears: ours {:.2} s{note}",
        ours_took.as_secs_f64()
    );
}

#[test]
fn a_backup_whose_link_is_deleted_and_made_again_listens_again() {
    let test = "a_backup_whose_link_is_deleted_and_made_again_listens_again";
    if !lab::require_root(test) {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    for family in [Family::V4, Family::V6] {
        let took = backup_churn(test, &bin, family);
        println!(
            "BENCH iface_churn {family:?} BACKUP again after the link is back: ours {:.2} s",
            took.as_secs_f64()
        );
    }
}

/// r1 is FAULT with the link it runs on (or tracks) gone; r2 takes over.
#[track_caller]
fn expect_fault_and_takeover(a: &Router, b: &Router, i2: &Instance) {
    if !a.wait_state("FAULT", MARGIN) {
        panic!(
            "{}: not FAULT with its link deleted:\n{}",
            a.name,
            tail(&a.log())
        );
    }
    expect_master(b, &[a], i2.vip(), i2.master_down() + MARGIN);
}

/// A tracked interface (`track_interface`, weight 0) deleted and made again: FAULT while it
/// is gone, MASTER again once it is back.
#[test]
fn a_tracked_interface_deleted_and_made_again_is_tracked_again() {
    let test = "a_tracked_interface_deleted_and_made_again_is_tracked_again";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    lab.stub_link("r1", "eth1", "eth1p");
    let (i1, i2) = (inst(1, 150, Family::V4), inst(2, 100, Family::V4));
    let conf = i1.config().replacen(
        "  virtual_ipaddress {",
        "  track_interface {\n    eth1\n  }\n  virtual_ipaddress {",
        1,
    );
    let (a, b) = master_pair(&mut lab, &ours(), (&i1, &conf), (&i2, &i2.config()));
    lab.exec_ok("r1", &["ip", "link", "del", "eth1"]);
    expect_fault_and_takeover(&a, &b, &i2);
    lab.stub_link("r1", "eth1", "eth1p");
    let back = Instant::now();
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    println!(
        "BENCH iface_churn tracked interface: MASTER again {:.2} s after it is back",
        back.elapsed().as_secs_f64()
    );
}

/// With `dynamic_interfaces`, a reload while the interface is gone keeps the instance
/// (FAULT, waiting for it), and it comes back when the link is made again.
#[test]
fn with_dynamic_interfaces_a_reload_while_the_interface_is_gone_keeps_the_instance() {
    let test = "with_dynamic_interfaces_a_reload_while_the_interface_is_gone_keeps_the_instance";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (inst(1, 150, Family::V4), inst(2, 100, Family::V4));
    let conf = i1.config().replacen(
        "global_defs {\n",
        "global_defs {\n  dynamic_interfaces\n",
        1,
    );
    let (a, b) = master_pair(&mut lab, &ours(), (&i1, &conf), (&i2, &i2.config()));
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    expect_fault_and_takeover(&a, &b, &i2);
    // SAFETY: kill(2) has no memory effects; the lab owns the daemon.
    unsafe {
        libc::kill(a.main_pid(), libc::SIGHUP);
    }
    let reloaded = || a.log().contains("Reload complete");
    assert!(
        lab::wait_until(MARGIN, reloaded),
        "{}: no reload:\n{}",
        a.name,
        tail(&a.log())
    );
    assert!(
        !a.log().contains("no longer configured"),
        "{}: the reload dropped the instance:\n{}",
        a.name,
        tail(&a.log())
    );
    let back = make_eth0_again(&mut lab, 1);
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    println!(
        "BENCH iface_churn reload while gone: MASTER again {:.2} s after the link is back",
        back.elapsed().as_secs_f64()
    );
}

/// A MASTER's virtual route (`dev eth0`) follows its link: gone with it, and set again, on
/// the new link, once the instance is MASTER again.
#[test]
fn a_virtual_route_comes_back_with_the_link() {
    let test = "a_virtual_route_comes_back_with_the_link";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (inst(1, 150, Family::V4), inst(2, 100, Family::V4));
    let conf = i1.config().replacen(
        "  virtual_ipaddress {",
        "  virtual_routes {\n    10.9.0.0/24 dev eth0\n  }\n  virtual_ipaddress {",
        1,
    );
    let (a, b) = master_pair(&mut lab, &ours(), (&i1, &conf), (&i2, &i2.config()));
    let route = |lab: &mut Lab| {
        let out = lab.exec_ok("r1", &["ip", "route", "show", "10.9.0.0/24"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert!(route(&mut lab).contains("dev eth0"), "no virtual route");
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    expect_fault_and_takeover(&a, &b, &i2);
    make_eth0_again(&mut lab, 1);
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    let mut last = String::new();
    let back = lab::wait_until(MARGIN, || {
        last = route(&mut lab);
        last.contains("dev eth0")
    });
    assert!(
        back,
        "virtual route not set again: {last:?}\n{}",
        tail(&a.log())
    );
}

/// What `ip` shows in router `ns` (`args` after `ip`), trimmed.
fn ip_show(lab: &mut Lab, ns: &str, args: &[&str]) -> String {
    let mut cmd = vec!["ip"];
    cmd.extend_from_slice(args);
    let out = lab.exec_ok(ns, &cmd);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The statics and the virtual rule of `statics_churn`'s r1, as `ip` shows them once set.
fn statics_in_place(lab: &mut Lab) -> Result<(), String> {
    let addrs = ip_show(lab, "r1", &["-4", "addr", "show", "dev", "eth0"]);
    let route = ip_show(lab, "r1", &["route", "show", "10.8.0.0/24"]);
    let rules = ip_show(lab, "r1", &["rule", "show"]);
    let want = [
        ("static address", addrs.contains("10.5.0.1/24")),
        ("static route", route.contains("dev eth0")),
        ("static rule", rules.contains("from 10.5.0.0/24 lookup 100")),
        (
            "virtual rule",
            rules.contains("from 10.6.0.0/24 lookup 101"),
        ),
    ];
    match want.iter().find(|(_, there)| !there) {
        None => Ok(()),
        Some((what, _)) => Err(format!(
            "no {what}:\n{addrs}\nroute: {route:?}\nrules:\n{rules}"
        )),
    }
}

/// r1 (running `bin`) has a static address, route and rule on `eth0` and a virtual rule; its
/// `eth0` is deleted and made again. Returns when the link was back, and r1's log, once it is
/// MASTER again with everything in place.
fn statics_churn(test: &str, bin: &str) -> (Instant, String) {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (inst(1, 150, Family::V4), inst(2, 100, Family::V4));
    let statics = "static_ipaddress {\n  10.5.0.1/24 dev eth0\n}\n\
                   static_routes {\n  10.8.0.0/24 dev eth0\n}\n\
                   static_rules {\n  from 10.5.0.0/24 table 100 priority 100\n}\n";
    let conf = i1.config().replacen(
        "  virtual_ipaddress {",
        "  virtual_rules {\n    from 10.6.0.0/24 table 101 priority 101\n  }\n  virtual_ipaddress {",
        1,
    ) + statics;
    let (a, b) = master_pair(&mut lab, bin, (&i1, &conf), (&i2, &i2.config()));
    if let Err(e) = statics_in_place(&mut lab) {
        panic!("{}: at start, {e}\n{}", a.name, tail(&a.log()));
    }
    // A static address and rule deleted from outside are put back (rules are watched for
    // the virtual rule, as keepalived watches them).
    lab.exec_ok("r1", &["ip", "addr", "del", "10.5.0.1/24", "dev", "eth0"]);
    let rule = [
        "ip",
        "rule",
        "del",
        "from",
        "10.5.0.0/24",
        "table",
        "100",
        "priority",
        "100",
    ];
    lab.exec_ok("r1", &rule);
    let mut last = Ok(());
    let set = lab::wait_until(MARGIN, || {
        last = statics_in_place(&mut lab);
        last.is_ok()
    });
    if !set {
        let e = last.err().unwrap_or_default();
        panic!("{}: statics deleted, {e}\n{}", a.name, tail(&a.log()));
    }
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    expect_fault_and_takeover(&a, &b, &i2);
    let back = make_eth0_again(&mut lab, 1);
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    let mut last = Ok(());
    let set = lab::wait_until(MARGIN, || {
        last = statics_in_place(&mut lab);
        last.is_ok()
    });
    if !set {
        panic!(
            "{}: with its link back, {}\n{}",
            a.name,
            last.err().unwrap_or_default(),
            tail(&a.log())
        );
    }
    (back, a.log())
}

/// The static address and route on a link are set again when it is made again (the kernel
/// took them with it), with keepalived's "Restoring deleted static ..." lines; the static rule
/// outlives the link; the MASTER's virtual rule is set again once it is MASTER.
#[test]
fn statics_and_virtual_rules_come_back_with_the_link() {
    let test = "statics_and_virtual_rules_come_back_with_the_link";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    let bin = ours();
    let (back, log) = statics_churn(test, &bin);
    let took = back.elapsed();
    let restoring = |log: &str| -> Vec<String> {
        log.lines()
            .filter_map(|l| l.find("Restoring deleted").map(|at| l[at..].to_string()))
            .collect()
    };
    let lines = restoring(&log);
    for want in [
        "Restoring deleted static address 10.5.0.1/24",
        "Restoring deleted static route 10.8.0.0/24",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "no {want:?} in r1's log:\n{}",
            tail(&log)
        );
    }
    println!("ours: {lines:?}");
    let mut note = String::new();
    if bin != KEEPALIVED && Path::new(KEEPALIVED).exists() {
        // Its lines and figure for the record; its behaviour is not under test here.
        note = match std::panic::catch_unwind(|| statics_churn(test, KEEPALIVED)) {
            Ok((k, log)) => {
                println!("keepalived: {:?}", restoring(&log));
                format!(", keepalived {:.2} s", k.elapsed().as_secs_f64())
            }
            Err(_) => ", keepalived did not set them all again (see above)".to_string(),
        };
    }
    println!(
        "BENCH iface_churn statics and virtual rule back (MASTER): ours {:.2} s{note}",
        took.as_secs_f64()
    );
}

const NFT: &str = "/usr/sbin/nft";

/// r1's nftables ruleset, counters left out (they count what passed).
fn nft_ruleset(lab: &mut Lab) -> String {
    let out = lab.exec_ok("r1", &[NFT, "list", "ruleset"]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A vrrp_strict IPv6 MASTER with a link-local VIP (set `vips_link_local`, keyed by interface
/// index) and a VMAC (map `vmac_map`, VMAC index to parent index): its link is deleted and
/// made again, so every index changes. Returns the ruleset before and after, MASTER both times.
fn firewall_churn(test: &str, bin: &str) -> (String, String) {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (inst(1, 150, Family::V6), inst(2, 100, Family::V6));
    let vip = i1.vip();
    // Both advertise the same addresses, the link-local one first.
    let ll_vip = |c: String| {
        c.replacen(
            "  virtual_ipaddress {\n",
            "  virtual_ipaddress {\n    fe80::100/64\n",
            1,
        )
    };
    let conf = ll_vip(i1.config())
        .replacen("global_defs {\n", "global_defs {\n  vrrp_strict\n", 1)
        .replacen(
            "  virtual_ipaddress {",
            "  use_vmac\n  virtual_ipaddress {",
            1,
        );
    let (a, b) = master_pair(&mut lab, bin, (&i1, &conf), (&i2, &ll_vip(i2.config())));
    let want = ["fe80::100 . \"vrrp.51\"", "\"vrrp.51\" : \"eth0\""];
    let mut before = String::new();
    let ok = lab::wait_until(MARGIN, || {
        before = nft_ruleset(&mut lab);
        want.iter().all(|w| before.contains(w))
    });
    assert!(ok, "{}: not in its ruleset {want:?}:\n{before}", a.name);
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    expect_fault_and_takeover(&a, &b, &i2);
    make_eth0_again(&mut lab, 1);
    expect_master(&a, &[&b], vip, i1.master_down() + MARGIN);
    let mut after = String::new();
    lab::wait_until(MARGIN, || {
        after = nft_ruleset(&mut lab);
        after == before
    });
    (before, after)
}

/// The firewall's sets and maps keyed by interface index name the new link once it is back:
/// `nft list ruleset` reads as before the link went (nft shows an index it cannot resolve as
/// a number).
#[test]
fn the_firewall_names_the_link_made_again() {
    let test = "the_firewall_names_the_link_made_again";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    if !lab::require_program(test, NFT) {
        return;
    }
    let (before, after) = firewall_churn(test, &ours());
    assert_eq!(after, before, "ruleset changed with the link made again");
    if Path::new(KEEPALIVED).exists() {
        // For the record: keepalived 2.2.7 in the same lab.
        let same = match std::panic::catch_unwind(|| firewall_churn(test, KEEPALIVED)) {
            Ok((b, a)) if a == b => "the same ruleset".to_string(),
            Ok((b, a)) => format!("a changed ruleset:\n{b}\n---\n{a}"),
            Err(_) => "not MASTER again in time (see above)".to_string(),
        };
        println!("keepalived after the link is back: {same}");
    }
}

/// Puts r1's `eth0` under a bridge `br0` of r1's own, which takes its address: the
/// instance runs on `br0`, whose carrier is its one port's.
fn bridge_r1(lab: &mut Lab) {
    lab.exec_ok("r1", &["ip", "link", "add", "br0", "type", "bridge"]);
    lab.exec_ok("r1", &["ip", "addr", "flush", "dev", "eth0"]);
    lab.exec_ok("r1", &["ip", "link", "set", "eth0", "master", "br0"]);
    lab.up("r1", "br0");
    lab.addr("r1", "br0", &format!("{}/24", addr(Family::V4, 1)));
}

/// r1 (running `bin`, on `br0`) is MASTER (`master`) or BACKUP; the bridge's only port is
/// deleted (the bridge loses its carrier: FAULT) and made again under it. Returns how long
/// after the port was back r1 was MASTER with its VIP again, or BACKUP again.
fn bridge_churn(test: &str, bin: &str, master: bool) -> Duration {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    bridge_r1(&mut lab);
    let (p1, p2) = if master { (150, 100) } else { (100, 150) };
    let (i1, i2) = (inst(1, p1, Family::V4), inst(2, p2, Family::V4));
    let conf = i1
        .config()
        .replace("interface eth0", "interface br0")
        .replace("dev eth0", "dev br0");
    let (a, b) = master_pair(&mut lab, bin, (&i1, &conf), (&i2, &i2.config()));
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    if !a.wait_state("FAULT", MARGIN) {
        panic!(
            "{}: not FAULT with its bridge's port gone:\n{}",
            a.name,
            tail(&a.log())
        );
    }
    if master {
        expect_master(&b, &[&a], i2.vip(), i2.master_down() + MARGIN);
    }
    lab.switch("sw", &[("r1", "eth0")]);
    // The bridge has its carrier again as the port joins it.
    let back = Instant::now();
    lab.exec_ok("r1", &["ip", "link", "set", "eth0", "master", "br0"]);
    if master {
        expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
        return back.elapsed();
    }
    if !a.wait_state("BACKUP", MARGIN) {
        panic!(
            "{}: not BACKUP with its bridge's port back:\n{}",
            a.name,
            tail(&a.log())
        );
    }
    let took = back.elapsed();
    // Hearing the master again: two of its master-down intervals without taking over.
    expect_stable(&b, &[&a], i2.vip(), 2 * i1.master_down());
    took
}

/// An instance on a bridge whose only port is deleted and made again: FAULT while the bridge
/// has no carrier, then MASTER (or BACKUP) again; keepalived's time beside ours.
#[test]
fn an_instance_on_a_bridge_whose_port_is_made_again_comes_back() {
    let test = "an_instance_on_a_bridge_whose_port_is_made_again_comes_back";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    for master in [true, false] {
        let role = if master { "MASTER" } else { "BACKUP" };
        let ours_took = bridge_churn(test, &ours(), master);
        let mut note = String::new();
        if Path::new(KEEPALIVED).exists() {
            // Its figure for the record; its behaviour is not under test here.
            note = match std::panic::catch_unwind(|| bridge_churn(test, KEEPALIVED, master)) {
                Ok(k) => format!(", keepalived {:.2} s", k.as_secs_f64()),
                Err(_) => format!(", keepalived not {role} again in time (see above)"),
            };
        }
        println!(
            "BENCH iface_churn bridge port made again: {role} again after: ours {:.2} s{note}",
            ours_took.as_secs_f64()
        );
    }
}

/// r1 (running `bin`) is MASTER (`master`) or BACKUP on `eth0`, which joins a bridge of r1's
/// own for two of r2's master-down intervals and leaves it. A port's link stays up (no FAULT),
/// it still sends, but what it receives goes to the bridge: a BACKUP hears no master meanwhile
/// and takes over. Returns what r1 went through, once it is back where it was.
fn port_churn(test: &str, bin: &str, master: bool) -> String {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    lab.exec_ok("r1", &["ip", "link", "add", "brp", "type", "bridge"]);
    lab.up("r1", "brp");
    let (p1, p2) = if master { (150, 100) } else { (100, 150) };
    let (i1, i2) = (inst(1, p1, Family::V4), inst(2, p2, Family::V4));
    let (a, b) = master_pair(&mut lab, bin, (&i1, &i1.config()), (&i2, &i2.config()));
    let (m, other, vip) = if master {
        (&a, &b, i1.vip())
    } else {
        (&b, &a, i2.vip())
    };
    let seen = a.log().len();
    lab.exec_ok("r1", &["ip", "link", "set", "eth0", "master", "brp"]);
    let period = 2 * i2.master_down();
    if master {
        // It still sends: r2 hears it and stays BACKUP.
        expect_stable(&a, &[&b], vip, period);
    } else {
        std::thread::sleep(period);
    }
    lab.exec_ok("r1", &["ip", "link", "set", "eth0", "nomaster"]);
    // Back to hearing r2: within one of r2's advert intervals, plus the margin.
    expect_master(m, &[other], vip, i2.master_down() + MARGIN);
    if master {
        expect_stable(&a, &[&b], vip, i2.master_down());
    }
    let log = a.log();
    let states: Vec<&str> = log[seen..]
        .lines()
        .filter_map(|l| {
            let at = ["Entering ", "Netlink reports ", "Interface "]
                .iter()
                .find_map(|w| l.find(w))?;
            Some(&l[at..])
        })
        .collect();
    states.join(", ")
}

/// An instance on a link that joins a bridge and leaves it (a bridge port removed and added
/// again): a MASTER stays MASTER throughout; a BACKUP is back to BACKUP once the port leaves
/// the bridge. keepalived's course beside ours.
#[test]
fn an_instance_on_a_bridge_port_rides_out_the_port_leaving_and_rejoining() {
    let test = "an_instance_on_a_bridge_port_rides_out_the_port_leaving_and_rejoining";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    for master in [true, false] {
        let role = if master { "MASTER" } else { "BACKUP" };
        let ours_went = port_churn(test, &ours(), master);
        let mut note = String::new();
        if Path::new(KEEPALIVED).exists() {
            // Its course for the record; its behaviour is not under test here.
            note = match std::panic::catch_unwind(|| port_churn(test, KEEPALIVED, master)) {
                Ok(k) => format!("; keepalived [{k}]"),
                Err(_) => format!("; keepalived not {role} again in time (see above)"),
            };
        }
        println!("BENCH iface_churn {role} on a bridge port that joins and leaves the bridge: ours [{ours_went}]{note}");
    }
}
