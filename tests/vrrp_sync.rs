//! vrrp_sync_group in network namespaces: two routers joined by two links (each through its own
//! switch), one instance per link, both instances in one sync group. What a user sees: which
//! router holds both VIPs, and the group moving as one when one link goes down and comes back.
//!
//! `KEEPALIVED_RS_BIN=/usr/sbin/keepalived` runs the same scenario with keepalived 2.2.7. Needs
//! root (else SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{ours, Router, MARGIN};
use lab::{wait_until, Lab};
use std::time::Duration;

const VIP_A: &str = "10.7.0.100";
const VIP_B: &str = "10.8.0.100";

/// Master_Down_Interval for priority 100 at 1 s adverts (3 + 156/256 s), the slower of the two.
const DOWN: Duration = Duration::from_millis(3610);

fn ready(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, &ours())
}

/// r1 and r2 on link A (`eth0`, 10.7.0.0/24, switch `sa`) and link B (`eth1`, 10.8.0.0/24,
/// switch `sb`).
fn two_links(test: &str) -> Lab {
    let mut lab = Lab::new(test);
    lab.switch("sa", &[("r1", "eth0"), ("r2", "eth0")]);
    lab.switch("sb", &[("r1", "eth1"), ("r2", "eth1")]);
    for h in [1, 2] {
        let ns = format!("r{h}");
        lab.addr(&ns, "eth0", &format!("10.7.0.{h}/24"));
        lab.addr(&ns, "eth1", &format!("10.8.0.{h}/24"));
    }
    lab
}

fn config(prio: u8) -> String {
    format!(
        "global_defs {{\n  router_id r{prio}\n}}\n\
         vrrp_sync_group G1 {{\n  group {{\n    VI_A\n    VI_B\n  }}\n}}\n\
         vrrp_instance VI_A {{\n  interface eth0\n  virtual_router_id 51\n  priority {prio}\n  \
         advert_int 1\n  virtual_ipaddress {{\n    {VIP_A}/24\n  }}\n}}\n\
         vrrp_instance VI_B {{\n  interface eth1\n  virtual_router_id 52\n  priority {prio}\n  \
         advert_int 1\n  virtual_ipaddress {{\n    {VIP_B}/24\n  }}\n}}\n"
    )
}

/// Both VIPs on `on`, none on `off`.
fn both_vips(on: &Router, off: &Router) -> bool {
    on.holds_vip(VIP_A) && on.holds_vip(VIP_B) && !off.holds_vip(VIP_A) && !off.holds_vip(VIP_B)
}

/// The state of instance `inst` by its last "(inst) Entering X STATE" line.
fn inst_state(r: &Router, inst: &str) -> Option<String> {
    let tag = format!("({inst}) Entering ");
    r.log().lines().rev().find_map(|l| {
        let rest = l.split_once(&tag)?.1;
        rest.split_whitespace().next().map(str::to_string)
    })
}

fn describe(rs: &[&Router]) -> String {
    let mut s = String::new();
    for r in rs {
        s += &format!(
            "{}: VI_A {:?} VI_B {:?} A:{} B:{}\n",
            r.name,
            inst_state(r, "VI_A"),
            inst_state(r, "VI_B"),
            r.holds_vip(VIP_A),
            r.holds_vip(VIP_B)
        );
    }
    for r in rs {
        s += &format!("--- {} log:\n{}\n", r.name, lab::vrrp::tail(&r.log()));
    }
    s
}

#[track_caller]
fn expect(cond: impl FnMut() -> bool, timeout: Duration, what: &str, rs: &[&Router]) {
    if !wait_until(timeout, cond) {
        panic!("{what} (after {timeout:?}):\n{}", describe(rs));
    }
}

/// r1 (priority 200) holds both VIPs; r1's link B goes down: both of r1's instances leave
/// MASTER (the one on the healthy link too) and r2 takes both VIPs; link B back: r1 preempts
/// both back.
#[test]
fn sync_group_fails_over_both_links_together() {
    let test = "sync_group_fails_over_both_links_together";
    if !ready(test) {
        return;
    }
    let mut lab = two_links(test);
    let bin = ours();
    let r2 = Router::start(&mut lab, "r2", &bin, &config(100));
    let r1 = Router::start(&mut lab, "r1", &bin, &config(200));
    expect(
        || both_vips(&r1, &r2),
        DOWN + MARGIN,
        "r1 should hold both VIPs",
        &[&r1, &r2],
    );
    assert!(
        r1.log()
            .contains("VRRP_Group(G1) Syncing instances to MASTER state"),
        "{}",
        describe(&[&r1, &r2])
    );

    lab.down("r1", "eth1");
    // r1's VI_A leaves with priority 0 (r2's VI_A is ready after Skew_Time); r2's VI_B must
    // wait a full down interval, and the group goes MASTER only with both.
    expect(
        || both_vips(&r2, &r1),
        DOWN + MARGIN,
        "r2 should take both VIPs when r1's link B is down",
        &[&r1, &r2],
    );
    let r1_log = r1.log();
    assert!(
        r1_log.contains("VRRP_Group(G1) Syncing instances to FAULT state")
            && inst_state(&r1, "VI_A").as_deref() == Some("FAULT")
            && inst_state(&r1, "VI_B").as_deref() == Some("FAULT"),
        "r1's group should be in FAULT:\n{}",
        describe(&[&r1, &r2])
    );
    assert_eq!(inst_state(&r2, "VI_A").as_deref(), Some("MASTER"));
    assert_eq!(inst_state(&r2, "VI_B").as_deref(), Some("MASTER"));

    lab.up("r1", "eth1");
    expect(
        || both_vips(&r1, &r2),
        DOWN + MARGIN + MARGIN,
        "r1 should take both VIPs back",
        &[&r1, &r2],
    );
    assert_eq!(inst_state(&r2, "VI_A").as_deref(), Some("BACKUP"));
    assert_eq!(inst_state(&r2, "VI_B").as_deref(), Some("BACKUP"));
}

fn lines(p: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A router alone whose link B is down at start: the whole group starts in FAULT (each member
/// reports FAULT, then the group), and when the link comes up both members go BACKUP then
/// MASTER together. Seen through the notify FIFO.
#[test]
fn group_starts_in_fault_with_a_link_down() {
    let test = "group_starts_in_fault_with_a_link_down";
    if !ready(test) {
        return;
    }
    let mut lab = two_links(test);
    lab.down("r1", "eth1");
    let dir = lab.dir().to_path_buf();
    let out = dir.join("fifo.out");
    let reader = lab.write_file(
        "reader.sh",
        &format!(
            "#!/bin/sh\nwhile IFS= read -r l; do echo \"$l\" >> {}; done < \"$1\"\n",
            out.display()
        ),
    );
    std::fs::set_permissions(&reader, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let conf = config(200).replace(
        "global_defs {\n",
        &format!(
            "global_defs {{\n  enable_script_security\n  script_user root\n  \
             vrrp_notify_fifo {}\n  vrrp_notify_fifo_script {}\n",
            dir.join("r1.fifo").display(),
            reader.display()
        ),
    );
    let r1 = Router::start(&mut lab, "r1", &ours(), &conf);
    let want = |n: usize, t: Duration| {
        if !wait_until(t, || lines(&out).len() >= n) {
            panic!(
                "FIFO lines {:?}, wanted {n}\n{}",
                lines(&out),
                describe(&[&r1])
            );
        }
        lines(&out)
    };
    let got = want(3, MARGIN);
    assert_eq!(
        got,
        [
            "INSTANCE \"VI_A\" FAULT 200",
            "INSTANCE \"VI_B\" FAULT 200",
            "GROUP \"G1\" FAULT 0",
        ]
    );
    lab.up("r1", "eth1");
    let got = want(9, DOWN + MARGIN);
    assert_eq!(
        got[3..],
        [
            "INSTANCE \"VI_B\" BACKUP 200",
            "INSTANCE \"VI_A\" BACKUP 200",
            "GROUP \"G1\" BACKUP 0",
            // VI_B's down timer (armed first) expires first and is held until VI_A's.
            "INSTANCE \"VI_A\" MASTER 200",
            "INSTANCE \"VI_B\" MASTER 200",
            "GROUP \"G1\" MASTER 0",
        ]
    );
}
