//! The lab helper itself: namespaces, links, spawn, cleanup.

mod lab;

use lab::{wait_until, Lab};
use std::time::Duration;

fn ns_exists(full: &str) -> bool {
    std::path::Path::new("/run/netns").join(full).exists()
}

#[test]
fn two_namespaces_ping_over_veth() {
    if !lab::require_root("two_namespaces_ping_over_veth") {
        return;
    }
    let mut lab = Lab::new("ping");
    lab.veth(("r1", "eth0"), ("r2", "eth0"));
    lab.addr("r1", "eth0", "10.9.0.1/24");
    lab.addr("r2", "eth0", "10.9.0.2/24");
    assert!(lab.has_addr("r2", "eth0", "10.9.0.2"));
    assert!(!lab.has_addr("r2", "eth0", "10.9.0.1"));
    let (cap, pcap) = lab.capture("r2", "eth0", "ping.pcap");
    lab.exec_ok("r1", &["ping", "-c", "1", "-W", "2", "10.9.0.2"]);
    // Let tshark write the packets out before it is stopped.
    std::thread::sleep(Duration::from_millis(500));
    lab.stop_capture(cap);
    let out = lab::run_ok(&["tshark", "-r", &pcap.to_string_lossy(), "-Y", "icmp"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Echo (ping) request"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn switch_joins_three_namespaces() {
    if !lab::require_root("switch_joins_three_namespaces") {
        return;
    }
    let mut lab = Lab::new("switch");
    lab.switch("sw", &[("a", "eth0"), ("b", "eth0"), ("c", "eth0")]);
    lab.addr("a", "eth0", "10.9.1.1/24");
    lab.addr("b", "eth0", "10.9.1.2/24");
    lab.addr("c", "eth0", "10.9.1.3/24");
    lab.exec_ok("a", &["ping", "-c", "1", "-W", "2", "10.9.1.2"]);
    lab.exec_ok("c", &["ping", "-c", "1", "-W", "2", "10.9.1.1"]);
}

#[test]
fn stub_links_give_interfaces_without_peers() {
    if !lab::require_root("stub_links_give_interfaces_without_peers") {
        return;
    }
    let mut lab = Lab::new("stub");
    lab.stub_link("r", "eth0", "p0");
    lab.stub_link("r", "eth0.1", "p1");
    let out = lab.exec_ok("r", &["ip", "-o", "link", "show", "eth0.1"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("eth0.1"));
}

fn ns_pids(ns: &str) -> Vec<i32> {
    let out = lab::run_ok(&["ip", "netns", "pids", ns]);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn gone(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Killed but not yet reaped by its parent shows as a zombie.
    stat.is_empty() || stat.contains(") Z")
}

#[test]
fn spawned_processes_log_and_die_with_the_lab() {
    if !lab::require_root("spawned_processes_log_and_die_with_the_lab") {
        return;
    }
    let mut lab = Lab::new("spawn");
    let ns = lab.ns("r1");
    // A grandchild too: the lab must kill everything in its namespaces, not only what it started.
    let p = lab.spawn("r1", &["sh", "-c", "echo hello; sleep 300 & sleep 301"]);
    assert!(wait_until(Duration::from_secs(5), || p
        .log()
        .contains("hello")));
    assert!(wait_until(Duration::from_secs(5), || ns_pids(&ns).len() >= 3));
    let pids = ns_pids(&ns);
    drop(lab);
    assert!(!ns_exists(&ns), "namespace {ns} left behind");
    for pid in pids {
        assert!(
            wait_until(Duration::from_secs(2), || gone(pid)),
            "pid {pid} survived its lab"
        );
    }
    drop(p);
}

#[test]
fn cleanup_runs_when_a_test_panics() {
    if !lab::require_root("cleanup_runs_when_a_test_panics") {
        return;
    }
    let mut names = Vec::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut lab = Lab::new("panic");
        names.push(lab.ns("x"));
        names.push(lab.ns("y"));
        lab.veth(("x", "eth0"), ("y", "eth0"));
        let _p = lab.spawn("x", &["sleep", "300"]);
        panic!("deliberate");
    }));
    assert!(r.is_err());
    assert_eq!(names.len(), 2);
    for n in &names {
        assert!(!ns_exists(n), "namespace {n} left behind after a panic");
    }
}

#[test]
fn wait_until_times_out_and_succeeds() {
    assert!(!wait_until(Duration::from_millis(50), || false));
    let mut n = 0;
    assert!(wait_until(Duration::from_secs(1), || {
        n += 1;
        n > 3
    }));
}
