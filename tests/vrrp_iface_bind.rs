//! What is bound to an interface by name follows the name, as in keepalived 2.2.7: a tracked
//! interface that does not exist yet (`dynamic_interfaces`), an interface renamed away and
//! back, and a unicast instance's source address on an interface made again with another
//! address; and a checker's `bind_if` interface made again. (A reload while the interface is
//! gone: tests/vrrp_iface_reload.rs.)
//!
//! r1 (priority 150) and r2 (priority 100, always ours) on a bridge in namespace "sw".
//! keepalived 2.2.7's figures for the same are printed beside ours when it is installed. Needs
//! root (else SKIPPED; a failure under CI=true).

mod lab;

use lab::daemon::{checker_lab, start_checker, Tail, NS};
use lab::vrrp::{
    addr, expect_master, expect_stable, first_election, master_pair, ours, remake_eth0,
    routers_lab, state_in, tail, Family, Instance, Router, Wiring, KEEPALIVED, MARGIN,
};
use lab::Lab;
use std::path::Path;
use std::time::{Duration, Instant};

fn ready(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, &ours())
}

/// Runs `scenario` with keepalived as r1, for the record: its figure, or why there is none.
fn keepalived_beside<T>(scenario: impl Fn(&str) -> T + std::panic::UnwindSafe) -> Option<T> {
    if ours() == KEEPALIVED || !Path::new(KEEPALIVED).exists() {
        return None;
    }
    std::panic::catch_unwind(move || scenario(KEEPALIVED)).ok()
}

fn with_dynamic(conf: &str) -> String {
    conf.replacen(
        "global_defs {\n",
        "global_defs {\n  dynamic_interfaces\n",
        1,
    )
}

fn tracking(conf: &str, what: &str) -> String {
    conf.replacen(
        "  virtual_ipaddress {",
        &format!("  track_interface {{\n    {what}\n  }}\n  virtual_ipaddress {{"),
        1,
    )
}

/// r2 MASTER (alone or not), r1 started on `conf`.
fn pair(test: &str, bin: &str, conf: impl Fn(&Instance) -> String) -> (Lab, Router, Router) {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (Instance::new(1, 150), Instance::new(2, 100));
    let b = Router::start(&mut lab, "r2", &ours(), &i2.config());
    expect_master(&b, &[], i2.vip(), i2.master_down() + MARGIN);
    let a = Router::start(&mut lab, "r1", bin, &conf(&i1));
    (lab, a, b)
}

#[track_caller]
fn expect_in_log(r: &Router, lines: &[&str]) {
    let log = r.log();
    for l in lines {
        assert!(log.contains(l), "{}: no {l:?} in:\n{}", r.name, tail(&log));
    }
}

/// r1 is FAULT and stays so, for `period`, while r2 has the VIP.
#[track_caller]
fn expect_fault_for(a: &Router, b: &Router, vip: &str, period: Duration) {
    let fault = || {
        a.state_from_log().as_deref() == Some("FAULT") || a.log().contains("entering FAULT state")
    };
    if !lab::wait_until(MARGIN, fault) {
        panic!(
            "{}: not FAULT (last {:?}):\n{}",
            a.name,
            state_in(&a.log()),
            tail(&a.log())
        );
    }
    // r2 takes over within its master-down interval if it was not MASTER yet. (r1's start-up
    // FAULT has no "Entering" line: the lab's own checks would not count it as taking part.)
    let r2_alone = || b.is_master() && b.holds_vip(vip) && !a.is_master() && !a.holds_vip(vip);
    let takeover = Instance::new(2, 100).master_down() + MARGIN;
    assert!(
        lab::wait_until(takeover, r2_alone),
        "{} not MASTER alone:\n{}",
        b.name,
        tail(&b.log())
    );
    let end = Instant::now() + period;
    while Instant::now() < end {
        assert!(r2_alone(), "{}: left FAULT:\n{}", a.name, tail(&a.log()));
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// With `dynamic_interfaces`, r1 tracks `eth1` (weight 0), which does not exist yet: FAULT
/// until it is made, then MASTER. How long that took after the link was made.
fn tracked_late_fault(test: &str, bin: &str) -> Duration {
    let (mut lab, a, b) = pair(test, bin, |i| with_dynamic(&tracking(&i.config(), "eth1")));
    let (i1, i2) = (Instance::new(1, 150), Instance::new(2, 100));
    expect_fault_for(&a, &b, i2.vip(), i1.master_down());
    lab.stub_link("r1", "eth1", "eth1p");
    let made = Instant::now();
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    expect_in_log(
        &a,
        &[
            "Configuration specifies interface eth1 which doesn't currently exist - will use if created",
            "(VI_1): entering FAULT state (interface eth1 down)",
            "Interface eth1 added",
            "Netlink reports eth1 up",
        ],
    );
    assert!(
        !a.log().contains("Netlink reports eth1 down"),
        "{}: a new link is down until seen up, not reported down:\n{}",
        a.name,
        tail(&a.log())
    );
    made.elapsed()
}

#[test]
fn with_dynamic_interfaces_a_missing_tracked_interface_holds_fault_until_it_is_made() {
    let test = "with_dynamic_interfaces_a_missing_tracked_interface_holds_fault_until_it_is_made";
    if !ready(test) {
        return;
    }
    let took = tracked_late_fault(test, &ours());
    let k = keepalived_beside(|bin| tracked_late_fault(test, bin));
    println!(
        "BENCH iface_bind tracked interface made late (weight 0): MASTER after {:.2} s, keepalived {}",
        took.as_secs_f64(),
        k.map_or("-".into(), |k| format!("{:.2} s", k.as_secs_f64()))
    );
}

/// With `dynamic_interfaces`, r1 tracks `eth1 weight -60`, which does not exist yet: its
/// priority counts the weight (90, below r2's 100), so it stays BACKUP; once eth1 is made and
/// up its priority is 150 again and it takes over. How long that took after the link was made.
fn tracked_late_weight(test: &str, bin: &str) -> Duration {
    let (mut lab, a, b) = pair(test, bin, |i| {
        with_dynamic(&tracking(&i.config(), "eth1 weight -60"))
    });
    let (i1, i2) = (Instance::new(1, 150), Instance::new(2, 100));
    assert!(
        a.wait_state("BACKUP", MARGIN),
        "{}: not BACKUP:\n{}",
        a.name,
        tail(&a.log())
    );
    expect_stable(&b, &[&a], i2.vip(), i1.master_down());
    lab.stub_link("r1", "eth1", "eth1p");
    let made = Instant::now();
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    expect_in_log(
        &a,
        &[
            "(VI_1) Changing effective priority from 150 to 90",
            "(VI_1) Changing effective priority from 90 to 150",
        ],
    );
    made.elapsed()
}

#[test]
fn with_dynamic_interfaces_a_missing_tracked_interface_counts_as_down_in_the_priority() {
    let test = "with_dynamic_interfaces_a_missing_tracked_interface_counts_as_down_in_the_priority";
    if !ready(test) {
        return;
    }
    let took = tracked_late_weight(test, &ours());
    let k = keepalived_beside(|bin| tracked_late_weight(test, bin));
    println!(
        "BENCH iface_bind tracked interface made late (weight -60): MASTER after {:.2} s, keepalived {}",
        took.as_secs_f64(),
        k.map_or("-".into(), |k| format!("{:.2} s", k.as_secs_f64()))
    );
}

/// Without `dynamic_interfaces` a missing tracked interface is a configuration error: keepalived
/// 2.2.7 logs it and its VRRP child exits for good, taking the daemon down; ours does not start.
#[test]
fn without_dynamic_interfaces_a_missing_tracked_interface_stops_the_start() {
    let test = "without_dynamic_interfaces_a_missing_tracked_interface_stops_the_start";
    if !ready(test) {
        return;
    }
    let exits = |bin: &str| {
        let mut lab = routers_lab(test, 1, Wiring::Switch);
        let conf = tracking(&Instance::new(1, 150).config(), "eth1");
        let mut a = Router::start(&mut lab, "r1", bin, &conf);
        let gone = lab::wait_until(MARGIN, || !a.running());
        (gone, a.log())
    };
    let (gone, log) = exits(&ours());
    assert!(gone, "still running:\n{}", tail(&log));
    assert!(
        log.contains(".conf:") && log.contains("(VI_1) tracked interface eth1 doesn't exist"),
        "no file:line error:\n{}",
        tail(&log)
    );
    if let Some((k_gone, k_log)) = keepalived_beside(exits) {
        println!(
            "keepalived: exited {k_gone}, {:?}",
            k_log
                .lines()
                .find(|l| l.contains("doesn't exist"))
                .unwrap_or("")
        );
    }
}

/// r1's eth0 is renamed eth9 (down, renamed, up) and back: keepalived binds by name, so r1 is
/// FAULT while its interface is called eth9, even up, and MASTER again once it is eth0 again.
/// With `vmac`, r1 sends from a VMAC over eth0 (keepalived deletes it with the rename and makes
/// it again; ours keeps it, FAULT meanwhile). How long that took after the rename back.
fn renamed(test: &str, bin: &str, vmac: bool) -> Duration {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (Instance::new(1, 150), Instance::new(2, 100));
    let mut conf = i1.config();
    if vmac {
        conf = conf.replacen(
            "  virtual_ipaddress {",
            "  use_vmac\n  virtual_ipaddress {",
            1,
        );
    }
    let (a, b) = master_pair(&mut lab, bin, (&i1, &conf), (&i2, &i2.config()));
    for cmd in [
        &["ip", "link", "set", "eth0", "down"][..],
        &["ip", "link", "set", "eth0", "name", "eth9"],
        &["ip", "link", "set", "eth9", "up"],
    ] {
        lab.exec_ok("r1", cmd);
    }
    expect_fault_for(&a, &b, i2.vip(), 2 * i1.master_down());
    for cmd in [
        &["ip", "link", "set", "eth9", "down"][..],
        &["ip", "link", "set", "eth9", "name", "eth0"],
        &["ip", "link", "set", "eth0", "up"],
    ] {
        lab.exec_ok("r1", cmd);
    }
    let back = Instant::now();
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    expect_in_log(
        &a,
        &[
            "Interface name has changed from eth0 to eth9",
            "Interface name has changed from eth9 to eth0",
        ],
    );
    back.elapsed()
}

#[test]
fn an_instance_stays_with_its_interface_name_across_renames() {
    let test = "an_instance_stays_with_its_interface_name_across_renames";
    if !ready(test) {
        return;
    }
    for vmac in [false, true] {
        let took = renamed(test, &ours(), vmac);
        let k = keepalived_beside(|bin| renamed(test, bin, vmac));
        println!(
            "BENCH iface_bind renamed away and back{}: MASTER after {:.2} s, keepalived {}",
            if vmac { " (VMAC)" } else { "" },
            took.as_secs_f64(),
            k.map_or("-".into(), |k| format!("{:.2} s", k.as_secs_f64()))
        );
    }
}

/// A unicast instance without `unicast_src_ip` sends from, and listens on, its interface's
/// primary address. r1's eth0 is deleted and made again with another address; r2 sends to
/// and accepts adverts only from that new address (`check_unicast_src`), so until r1 uses it
/// both are MASTER. With r1 the higher (`r1_master`), r2 is BACKUP under r1 once r1 sends from
/// the new address; else r1 is BACKUP under r2 once it listens on it. How long that took
/// after the link was back.
fn unicast_source(test: &str, bin: &str, r1_master: bool) -> Duration {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let new_src = addr(Family::V4, 7);
    let (p1, p2) = if r1_master { (150, 100) } else { (100, 150) };
    let mut i1 = Instance::new(1, p1);
    let mut i2 = Instance::new(2, p2);
    i1.unicast = true;
    i2.unicast = true;
    let conf1 = i1.config().replacen(
        &format!("  unicast_src_ip {}\n", addr(Family::V4, 1)),
        "",
        1,
    );
    let conf2 = i2
        .config()
        .replacen(
            &format!("    {}\n", addr(Family::V4, 1)),
            &format!("    {new_src}\n"),
            1,
        )
        .replacen(
            "  unicast_peer {",
            "  check_unicast_src\n  unicast_peer {",
            1,
        );
    let b = Router::start(&mut lab, "r2", &ours(), &conf2);
    let a = Router::start(&mut lab, "r1", bin, &conf1);
    assert!(
        a.wait_state("MASTER", i1.master_down() + MARGIN),
        "{}: not MASTER:\n{}",
        a.name,
        tail(&a.log())
    );
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    assert!(a.wait_state("FAULT", MARGIN), "{}: not FAULT", a.name);
    let back = remake_eth0(&mut lab, 1, &new_src);
    let (master, other) = if r1_master { (&a, &b) } else { (&b, &a) };
    expect_master(master, &[other], i1.vip(), first_election(&i1, &i2));
    let took = back.elapsed();
    // A backup deaf to the master would take over within its master-down interval.
    let deaf = i1.master_down().max(i2.master_down());
    expect_stable(master, &[other], i1.vip(), 2 * deaf);
    took
}

#[test]
fn a_unicast_source_follows_the_new_address_of_an_interface_made_again() {
    let test = "a_unicast_source_follows_the_new_address_of_an_interface_made_again";
    if !ready(test) {
        return;
    }
    for r1_master in [true, false] {
        let took = unicast_source(test, &ours(), r1_master);
        let k = keepalived_beside(|bin| unicast_source(test, bin, r1_master));
        let what = if r1_master {
            "r2 BACKUP under r1 (r1 sends from it)"
        } else {
            "r1 BACKUP under r2 (r1 listens on it)"
        };
        println!(
            "BENCH iface_bind unicast source follows a new address: {what} after {:.2} s, keepalived {}",
            took.as_secs_f64(),
            k.map_or("not settled (see above)".into(), |k| format!("{:.2} s", k.as_secs_f64()))
        );
    }
}

/// A TCP server on every address that prints where each connection came from.
const LISTEN_PY: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
print("listening", flush=True)
while True:
    c, a = s.accept(); print("from", a[0], flush=True); c.close()
"#;

/// The checker host's `eth1` to the server's namespace, both ends addressed.
fn wire_eth1(lab: &mut Lab) {
    lab.veth((NS, "eth1"), ("srv", "eth1p"));
    lab.addr(NS, "eth1", "10.9.0.1/24");
    lab.addr("srv", "eth1p", "10.9.0.2/24");
}

/// A TCP_CHECK with `bind_if eth1` whose eth1 is deleted and made again. keepalived sets
/// SO_BINDTODEVICE by name on each check's new socket (layer4.c): while the interface is gone
/// that fails, "Checker can't bind to device", and the check is tried again after delay_loop
/// with no verdict (the server stays up); once it is back, checks go out through it again.
/// (keepalived's checker child needs IPVS, which this kernel lacks: its side is from its source.)
#[test]
fn a_checker_bound_to_an_interface_checks_through_it_again_once_it_is_made_again() {
    let test = "a_checker_bound_to_an_interface_checks_through_it_again_once_it_is_made_again";
    let Some(mut lab) = checker_lab(test, &["/usr/bin/python3"]) else {
        return;
    };
    lab.ns("srv");
    wire_eth1(&mut lab);
    let py = lab.write_file("listen.py", LISTEN_PY).display().to_string();
    let srv = lab.spawn("srv", &["/usr/bin/python3", "-u", &py, "18080"]);
    assert!(
        lab::wait_until(Duration::from_secs(5), || srv.log().contains("listening")),
        "server did not start: {}",
        srv.log()
    );
    let conf = "global_defs {\n checker_log_all_failures\n}\n\
         virtual_server 10.9.9.9 80 {\n protocol TCP\n delay_loop 1\n\
         real_server 10.9.0.2 18080 {\n TCP_CHECK {\n bind_if eth1\n connect_timeout 1\n retry 0\n warmup 0\n }\n }\n}\n";
    let k = start_checker(&mut lab, conf);
    let mut tail = Tail::new();
    tail.wait(
        &k,
        "TCP connection to [10.9.0.2]:tcp:18080 success.",
        Duration::from_secs(5),
    );
    lab.exec_ok(NS, &["ip", "link", "del", "eth1"]);
    let gone = Instant::now();
    let first = tail.wait_since(
        &k,
        "Checker can't bind to device eth1: No such device",
        gone,
        Duration::from_secs(3),
    );
    tail.wait_since(
        &k,
        "TCP socket bind failed. Rescheduling.",
        gone,
        Duration::from_secs(1),
    );
    // Tried again every delay_loop (1 s), with no verdict.
    assert!(
        lab::wait_until(Duration::from_secs(3), || {
            tail.poll(&k);
            tail.times("Checker can't bind to device eth1", first).len() >= 3
        }),
        "not tried again every delay_loop:\n{}",
        k.log()
    );
    let log = k.log();
    assert!(
        !log.contains("TCP_CHECK on service") && !log.contains("Removing service"),
        "{log}"
    );
    let seen = srv.log().matches("from 10.9.0.1").count();
    wire_eth1(&mut lab);
    let back = Instant::now();
    // The next check (within one delay_loop plus its connect) goes out through the new eth1.
    assert!(
        lab::wait_until(Duration::from_secs(3), || srv
            .log()
            .matches("from 10.9.0.1")
            .count()
            > seen),
        "no check through eth1 once it is back:\n{}",
        k.log()
    );
    println!(
        "BENCH iface_bind checker bind_if: checking through the new eth1 {:.2} s after it is back",
        back.elapsed().as_secs_f64()
    );
}

/// The IPv6 link-local address of `ns`'s eth0.
fn link_local(lab: &mut Lab, ns: &str) -> String {
    let out = lab.exec_ok(
        ns,
        &[
            "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let word = text.split_whitespace().skip_while(|w| *w != "inet6").nth(1);
    word.and_then(|w| w.split('/').next())
        .unwrap_or_default()
        .to_string()
}

/// The IPv6 unicast variant: without `unicast_src_ip`, r1 sends from its interface's
/// link-local address, and from the new link's own once eth0 is deleted and made again
/// (a new veth, a new link-local). What r2 receives is captured once r1 is MASTER again.
#[test]
fn a_v6_unicast_source_follows_the_new_link_local_of_an_interface_made_again() {
    let test = "a_v6_unicast_source_follows_the_new_link_local_of_an_interface_made_again";
    if !ready(test) || !lab::require_program(test, "/usr/bin/tshark") {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let mut i1 = Instance::new(1, 150);
    let mut i2 = Instance::new(2, 100);
    for i in [&mut i1, &mut i2] {
        i.family = Family::V6;
        i.unicast = true;
    }
    let conf1 = i1.config().replacen(
        &format!("  unicast_src_ip {}\n", addr(Family::V6, 1)),
        "",
        1,
    );
    let (a, b) = master_pair(&mut lab, &ours(), (&i1, &conf1), (&i2, &i2.config()));
    let old = link_local(&mut lab, "r1");
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    assert!(a.wait_state("FAULT", MARGIN), "{}: not FAULT", a.name);
    remake_eth0(&mut lab, 1, &addr(Family::V4, 1));
    expect_master(&a, &[&b], i1.vip(), i1.master_down() + MARGIN);
    let new = link_local(&mut lab, "r1");
    assert!(
        !new.is_empty() && new != old,
        "link-local {old:?} -> {new:?}"
    );
    let (cap, pcap) = lab.capture("r2", "eth0", "after.pcap");
    // Five adverts' worth.
    std::thread::sleep(Duration::from_secs_f64(5.0 * i1.advert_int));
    lab.stop_capture(cap);
    let p = pcap.to_string_lossy().into_owned();
    let out = lab.exec_ok(
        "r2",
        &[
            "tshark", "-r", &p, "-Y", "vrrp", "-T", "fields", "-e", "ipv6.src",
        ],
    );
    let srcs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    assert!(
        !srcs.is_empty() && srcs.iter().all(|s| *s == new),
        "adverts from {srcs:?}, the new link-local is {new} (was {old})"
    );
    println!(
        "BENCH iface_bind v6 unicast source: {} adverts from the new link-local {new} (was {old})",
        srcs.len()
    );
}

/// How many announcements of `src` (a gratuitous ARP for IPv4, an unsolicited NA for IPv6)
/// r2 saw while r1's unicast instance, a BACKUP, went to FAULT with a tracked interface and
/// came back. (Not with its own link: the first frame after a veth's carrier returns can be
/// lost before the bridge port on the other side forwards again, a race keepalived, slower to
/// react, happens to win.)
/// What the binary under test did when its unicast instance left FAULT and, its peer stopped,
/// took over: how many announcements of its source r2 saw, its own lines about announcements
/// (distinct, without stamps), and a log excerpt for failures.
struct Announced {
    seen: usize,
    lines: Vec<String>,
    log: String,
}

fn source_announced(test: &str, bin: &str, family: Family) -> Announced {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let mut i1 = Instance::new(1, 100);
    let mut i2 = Instance::new(2, 150);
    for i in [&mut i1, &mut i2] {
        i.family = family;
        i.unicast = true;
    }
    // The kernel here has no dummy links: a veth pair inside r1 instead.
    lab.exec_ok(
        "r1",
        &["ip", "link", "add", "d0", "type", "veth", "peer", "d1"],
    );
    lab.exec_ok("r1", &["ip", "link", "set", "d1", "up"]);
    lab.exec_ok("r1", &["ip", "link", "set", "d0", "up"]);
    let conf1 = tracking(&i1.config(), "d0");
    let (a, mut b) = master_pair(&mut lab, bin, (&i1, &conf1), (&i2, &i2.config()));
    lab.exec_ok("r1", &["ip", "link", "set", "d0", "down"]);
    assert!(a.wait_state("FAULT", MARGIN), "{}: not FAULT", a.name);
    let (cap, pcap) = lab.capture("r2", "eth0", "back.pcap");
    lab.exec_ok("r1", &["ip", "link", "set", "d0", "up"]);
    assert!(a.wait_state("BACKUP", MARGIN), "{}: not BACKUP", a.name);
    // The announcement goes as the instance leaves FAULT; a frame that came less than a second
    // before tshark stops can be missing from its file (seen here), so it runs 3 intervals on.
    std::thread::sleep(Duration::from_secs_f64(3.0 * i1.advert_int));
    lab.stop_capture(cap);
    let src = addr(family, 1);
    let filter = match family {
        Family::V4 => format!("arp.src.proto_ipv4 == {src} && arp.dst.proto_ipv4 == {src}"),
        Family::V6 => format!("icmpv6.type == 136 && icmpv6.nd.na.target_address == {src}"),
    };
    let p = pcap.to_string_lossy().into_owned();
    let out = lab.exec_ok("r2", &["tshark", "-r", &p, "-Y", &filter]);
    let n = String::from_utf8_lossy(&out.stdout).lines().count();
    let all = lab.exec_ok("r2", &["tshark", "-r", &p, "-Y", "!vrrp"]);
    let all = String::from_utf8_lossy(&all.stdout).into_owned();
    // Its VIP announced as it takes over: the other path to the same lines.
    b.stop();
    expect_master(&a, &[], i1.vip(), i1.master_down() + MARGIN);
    // The first round's lines follow the VIP's, and a reader may come between.
    let vip = format!("for {}", i1.vip());
    lab::wait_until(MARGIN, || {
        a.log().lines().filter(|l| l.contains(&vip)).count() >= 2
    });
    let log = a.log();
    let mut lines: Vec<String> = log
        .lines()
        .filter(|l| l.contains("gratuitous") || l.contains("eighbour Advert"))
        .filter_map(|l| l.split_once(": ").map(|(_, m)| m.to_string()))
        .collect();
    lines.sort();
    lines.dedup();
    Announced {
        seen: n,
        lines,
        log: format!("{}\nr2 saw, adverts aside:\n{all}", tail(&log)),
    }
}

#[test]
fn a_unicast_instance_leaving_fault_announces_its_source_as_keepalived_does() {
    let test = "a_unicast_instance_leaving_fault_announces_its_source_as_keepalived_does";
    if !ready(test) || !lab::require_program(test, "/usr/bin/tshark") {
        return;
    }
    for family in [Family::V4, Family::V6] {
        let k = keepalived_beside(|bin| source_announced(test, bin, family));
        if let Some(k) = &k {
            assert!(
                k.seen > 0,
                "keepalived announced nothing ({family:?}):\n{}",
                k.log
            );
        }
        let o = source_announced(test, &ours(), family);
        let seen = k.as_ref().map(|k| k.seen);
        assert!(
            o.seen > 0,
            "ours announced nothing ({family:?}, keepalived {seen:?}):\n{}",
            o.log
        );
        // The same lines as keepalived's with -D (vrrp.c, vrrp_arp.c, vrrp_ndisc.c).
        if let Some(k) = &k {
            assert_eq!(
                o.lines, k.lines,
                "{family:?}: ours, then keepalived's\n{}",
                o.log
            );
        }
    }
}
