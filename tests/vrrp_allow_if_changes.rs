//! Two instances with one VRID on two macvlans of one parent share a wire, as keepalived 2.2.7
//! judges it (vrrp.c check_vrid_conflicts): without `dynamic_interfaces allow_if_changes` the
//! configuration is refused naming the parent; with it the first instance (on a changeable
//! link) is held in FAULT with a warning and the other runs.
//!
//! One namespace: veth `p0` (its peer `p1` beside it), macvlans `mv0` and `mv1` on `p0`. Each
//! scenario runs with ours and, when installed, keepalived 2.2.7, which must behave alike.
//! Needs root (else SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{master_down, ours, tail, Router, KEEPALIVED, MARGIN};
use lab::Lab;
use std::path::Path;
use std::time::Instant;

const VIP1: &str = "10.9.9.1";
const VIP2: &str = "10.9.9.2";

fn ready(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, &ours())
}

/// Ours, and keepalived when it is installed (and not already the binary under test).
fn binaries() -> Vec<String> {
    let mut v = vec![ours()];
    if ours() != KEEPALIVED && Path::new(KEEPALIVED).exists() {
        v.push(KEEPALIVED.to_string());
    }
    v
}

fn config(allow: bool) -> String {
    let global = if allow {
        "global_defs {\n    dynamic_interfaces allow_if_changes\n}\n"
    } else {
        ""
    };
    let inst = |n: u8, ifname: &str, prio: u8, vip: &str| {
        format!(
            "vrrp_instance VI_{n} {{
    interface {ifname}
    virtual_router_id 51
    priority {prio}
    advert_int 1
    virtual_ipaddress {{
        {vip}/32
    }}
}}
"
        )
    };
    format!(
        "{global}{}{}",
        inst(1, "mv0", 100, VIP1),
        inst(2, "mv1", 90, VIP2)
    )
}

/// A lab with p0 and its two macvlans, each up with an address of its own.
fn macvlan_lab(test: &str) -> Lab {
    let mut lab = Lab::new(test);
    lab.stub_link("r1", "p0", "p1");
    for (i, mv) in ["mv0", "mv1"].into_iter().enumerate() {
        lab.exec_ok(
            "r1",
            &[
                "ip", "link", "add", mv, "link", "p0", "type", "macvlan", "mode", "private",
            ],
        );
        lab.up("r1", mv);
        lab.addr("r1", mv, &format!("192.168.77.{}/24", i + 1));
    }
    lab
}

#[test]
fn two_macvlans_of_one_parent_with_one_vrid_are_refused() {
    let test = "two_macvlans_of_one_parent_with_one_vrid_are_refused";
    if !ready(test) {
        return;
    }
    for bin in binaries() {
        let mut lab = macvlan_lab(test);
        let mut r = Router::start(&mut lab, "r1", &bin, &config(false));
        let line = "VI_1 and VI_2 both use VRID 51 with IPv4 on interface p0";
        assert!(
            lab::wait_until(MARGIN, || r.log().contains(line)),
            "{}: no {line:?}:\n{}",
            r.name,
            tail(&r.log())
        );
        assert!(
            lab::wait_until(MARGIN, || !r.running()),
            "{}: still running with the conflict:\n{}",
            r.name,
            tail(&r.log())
        );
        assert!(!r.holds_vip(VIP1) && !r.holds_vip(VIP2), "{}", r.name);
    }
}

#[test]
fn with_allow_if_changes_the_first_is_held_in_fault_and_the_second_runs() {
    let test = "with_allow_if_changes_the_first_is_held_in_fault_and_the_second_runs";
    if !ready(test) {
        return;
    }
    for bin in binaries() {
        let mut lab = macvlan_lab(test);
        let mut r = Router::start(&mut lab, "r1", &bin, &config(true));
        let started = Instant::now();
        let line = "(VI_1) - warning, VRID 51 for IPv4 is currently duplicated on VI_2";
        // VI_2 hears nobody (private macvlans): MASTER after its own down interval.
        let takeover = master_down(2, 1.0, 90) + MARGIN;
        assert!(
            lab::wait_until(takeover, || r.holds_vip(VIP2)),
            "{}: VI_2 not MASTER:\n{}",
            r.name,
            tail(&r.log())
        );
        assert!(r.log().contains(line), "{}: no {line:?}", r.name);
        // VI_1, free, would have been MASTER one down interval after the start.
        let watch = master_down(2, 1.0, 100) + MARGIN;
        while started.elapsed() < watch {
            assert!(
                !r.holds_vip(VIP1) && r.running(),
                "{}: VI_1 left FAULT:\n{}",
                r.name,
                tail(&r.log())
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(
            !r.log().contains("(VI_1) Entering MASTER STATE"),
            "{}",
            tail(&r.log())
        );
        r.stop();
    }
}

/// Makes macvlan `mv0` again on `parent`, up with its address.
fn remake_mv0(lab: &mut Lab, parent: &str) {
    lab.exec_ok(
        "r1",
        &[
            "ip", "link", "add", "mv0", "link", parent, "type", "macvlan", "mode", "private",
        ],
    );
    lab.up("r1", "mv0");
    lab.addr("r1", "mv0", "192.168.77.1/24");
}

#[test]
fn the_hold_lifts_when_the_macvlan_goes_and_returns_when_it_is_made_on_the_parent_again() {
    let test =
        "the_hold_lifts_when_the_macvlan_goes_and_returns_when_it_is_made_on_the_parent_again";
    if !ready(test) {
        return;
    }
    for bin in binaries() {
        let mut lab = macvlan_lab(test);
        lab.stub_link("r1", "q0", "q1");
        let mut r = Router::start(&mut lab, "r1", &bin, &config(true));
        let takeover = master_down(2, 1.0, 90) + MARGIN;
        assert!(
            lab::wait_until(takeover, || r.holds_vip(VIP2)),
            "{}: VI_2 not MASTER:\n{}",
            r.name,
            tail(&r.log())
        );
        // Gone, then made on another wire: VI_1 is free to run.
        lab.exec_ok("r1", &["ip", "link", "del", "mv0"]);
        assert!(
            lab::wait_until(MARGIN, || r.log().contains("Interface mv0 deleted")),
            "{}: deletion not seen:\n{}",
            r.name,
            tail(&r.log())
        );
        remake_mv0(&mut lab, "q0");
        let up = master_down(2, 1.0, 100) + MARGIN;
        assert!(
            lab::wait_until(up, || r.holds_vip(VIP1)),
            "{}: VI_1 not MASTER on q0's macvlan:\n{}",
            r.name,
            tail(&r.log())
        );
        // Made on p0 again: the conflict is back, and VI_1 leaves MASTER for good.
        lab.exec_ok("r1", &["ip", "link", "del", "mv0"]);
        assert!(
            lab::wait_until(MARGIN, || !r.holds_vip(VIP1)),
            "{}: VI_1 kept its VIP:\n{}",
            r.name,
            tail(&r.log())
        );
        remake_mv0(&mut lab, "p0");
        let line = "VRID conflict between VI_1 and VI_2 IPv4 vrid 51";
        assert!(
            lab::wait_until(MARGIN, || r.log().contains(line)),
            "{}: no {line:?}:\n{}",
            r.name,
            tail(&r.log())
        );
        let end = Instant::now() + up;
        while Instant::now() < end {
            assert!(
                !r.holds_vip(VIP1) && r.holds_vip(VIP2),
                "{}: VI_1 left FAULT on p0's macvlan:\n{}",
                r.name,
                tail(&r.log())
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        r.stop();
    }
}
