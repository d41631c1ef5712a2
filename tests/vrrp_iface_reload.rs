//! A reload while an instance's interface is gone, without `dynamic_interfaces`, as in
//! keepalived 2.2.7: the daemon still knows the name, so the new config is taken (the VIP it
//! changes included), the instance waits in FAULT, and it is MASTER with the new VIP once the
//! link is back. At first start the same config is refused (tests/vrrp_iface_bind.rs).
//!
//! r1 (priority 150) and r2 (priority 100, always ours) on a bridge in namespace "sw".
//! keepalived 2.2.7's figures for the same are printed beside ours when it is installed. Needs
//! root (else SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{
    addr, expect_master, master_pair, ours, remake_eth0, routers_lab, state_in, tail, Family,
    Instance, Router, Wiring, KEEPALIVED, MARGIN,
};
use lab::Lab;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The VIP r1's reloaded config has instead of the lab's usual one.
const NEW_VIP: &str = "10.7.0.101";

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

/// The config file router `ns` was started with (the lab directory is fresh per lab).
fn config_of(lab: &Lab, ns: &str) -> PathBuf {
    let files = std::fs::read_dir(lab.dir()).unwrap_or_else(|e| panic!("{:?}: {e}", lab.dir()));
    files
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.starts_with(&format!("{ns}-")) && n.ends_with(".conf"))
        })
        .unwrap_or_else(|| panic!("no {ns} config in {:?}", lab.dir()))
}

/// Router `ns`'s config gets [`NEW_VIP`] instead of the usual VIP, and the daemon a SIGHUP;
/// returns its reload verdict line once logged.
fn reload_with_new_vip(lab: &Lab, ns: &str, r: &Router) -> String {
    let conf = config_of(lab, ns);
    let text = std::fs::read_to_string(&conf).unwrap_or_else(|e| panic!("{conf:?}: {e}"));
    let new = text.replace(Instance::new(1, 150).vip(), NEW_VIP);
    std::fs::write(&conf, new).unwrap_or_else(|e| panic!("{conf:?}: {e}"));
    // SAFETY: kill(2) has no memory effects; the lab owns the daemon.
    unsafe {
        libc::kill(r.main_pid(), libc::SIGHUP);
    }
    let verdict = || {
        r.log()
            .lines()
            .find(|l| l.contains("Reload complete") || l.contains("Reload of"))
            .map(str::to_string)
    };
    assert!(
        lab::wait_until(MARGIN, || verdict().is_some()),
        "{}: no reload verdict:\n{}",
        r.name,
        tail(&r.log())
    );
    verdict().unwrap_or_default()
}

/// r1 is FAULT and r2 MASTER alone with the new VIP, for `period`.
#[track_caller]
fn expect_waiting(a: &Router, b: &Router, period: Duration) {
    let r2_alone =
        || b.is_master() && b.holds_vip(NEW_VIP) && !a.is_master() && !a.holds_vip(NEW_VIP);
    let takeover = Instance::new(2, 100).master_down() + MARGIN;
    assert!(
        lab::wait_until(takeover, r2_alone),
        "{} not MASTER alone:\n{}",
        b.name,
        tail(&b.log())
    );
    let end = Instant::now() + period;
    while Instant::now() < end {
        assert!(
            r2_alone(),
            "{}: left FAULT (last {:?}):\n{}",
            a.name,
            state_in(&a.log()),
            tail(&a.log())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Outcome {
    /// The reload's verdict line.
    verdict: String,
    /// From the link made again to r1 MASTER with the new VIP.
    back: Duration,
}

/// r1 MASTER; its eth0 deleted; both configs' VIP changed and SIGHUP; r1's eth0 made again.
fn reload_while_gone(test: &str, bin: &str) -> Outcome {
    let mut lab = routers_lab(test, 2, Wiring::Switch);
    let (i1, i2) = (Instance::new(1, 150), Instance::new(2, 100));
    let (mut a, b) = master_pair(&mut lab, bin, (&i1, &i1.config()), (&i2, &i2.config()));
    lab.exec_ok("r1", &["ip", "link", "del", "eth0"]);
    assert!(a.wait_state("FAULT", MARGIN), "{}: not FAULT", a.name);
    // Both get the new VIP (an advert with other VIPs than ours is ignored): r2 first, r1
    // while its eth0 is gone.
    assert!(reload_with_new_vip(&lab, "r2", &b).contains("Reload complete"));
    let verdict = reload_with_new_vip(&lab, "r1", &a);
    expect_waiting(&a, &b, i1.master_down());
    assert!(a.running(), "{}: gone after the reload", a.name);
    assert!(
        !a.log().contains("no longer configured"),
        "{}: the instance was dropped:\n{}",
        a.name,
        tail(&a.log())
    );
    let made = remake_eth0(&mut lab, 1, &addr(Family::V4, 1));
    expect_master(&a, &[&b], NEW_VIP, i1.master_down() + MARGIN);
    let back = made.elapsed();
    assert!(
        !a.holds_vip(i1.vip()) && !b.holds_vip(i1.vip()),
        "the old VIP stayed:\n{}",
        tail(&a.log())
    );
    // keepalived's lines for the same (it also says why the instance is FAULT at the reload).
    let log = a.log();
    for l in [
        "(VI_1): send advert error 19 (No such device)",
        "Interface eth0 deleted",
        "Reloading",
        "Reload complete",
        "Interface eth0 added",
        "Netlink reports eth0 up",
        "(VI_1) Entering BACKUP STATE",
        "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.7.0.101",
    ] {
        assert!(log.contains(l), "{}: no {l:?} in:\n{}", a.name, tail(&log));
    }
    Outcome { verdict, back }
}

#[test]
fn a_reload_while_the_interface_is_gone_is_taken_and_its_new_vip_used_once_back() {
    let test = "a_reload_while_the_interface_is_gone_is_taken_and_its_new_vip_used_once_back";
    if !ready(test) {
        return;
    }
    let o = reload_while_gone(test, &ours());
    assert!(o.verdict.contains("Reload complete"), "{:?}", o.verdict);
    let k = keepalived_beside(|bin| reload_while_gone(test, bin));
    println!(
        "BENCH iface_reload reload while gone: MASTER with the new VIP {:.2} s after the link is back, keepalived {}",
        o.back.as_secs_f64(),
        k.map_or("-".into(), |k| format!("{:.2} s ({:?})", k.back.as_secs_f64(), k.verdict))
    );
}
