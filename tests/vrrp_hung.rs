//! A hung VRRP child, in network namespaces: r1 (ours, priority 200) is MASTER, r2 (keepalived
//! 2.2.7 when installed, else ours, priority 100) its BACKUP, VRRPv2 with advert_int 1. r1's
//! VRRP child gets SIGSTOP: its loop never returns to poll, so it neither advertises nor
//! answers its parent's hellos, and it still holds the VIP. Then:
//! - r2 takes over after its Master_Down_Interval;
//! - r1's parent kills the child once three hello periods (one per advert interval) went
//!   unanswered, and removes the child's VIP before the respawn: the VIP leaves r1 within
//!   3 × advert_int plus a margin (keepalived never recovers from this; ours before kept the VIP
//!   for the 15 s of its fixed 5 s hellos);
//! - the respawned child preempts: one MASTER, one VIP holder.
//!
//! The same again with VRRPv3 at advert_int 0.1, where the hello period is held at its 0.5 s
//! floor (a slow loop on a loaded machine must not be taken for a hung one).
//!
//! Root only (SKIPPED otherwise).

mod lab;

use std::path::Path;
use std::time::{Duration, Instant};

use lab::vrrp::{expect_master, expect_stable, routers_lab, tail, Instance, Router, Wiring};
use lab::vrrp::{KEEPALIVED, MARGIN};
use lab::wait_until;

const OURS: &str = env!("CARGO_BIN_EXE_keepalived");
/// Hello periods a VRRP child may leave unanswered, and the shortest period: the VRRP child's
/// is its shortest advert interval, but not under this (src/supervisor/hello.rs).
const HELLO_MISSES: u32 = 3;
const HELLO_FLOOR: Duration = Duration::from_millis(500);

fn stat_field(pid: i32, n: usize) -> Option<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(s.rsplit_once(')')?.1.split_whitespace().nth(n)?.to_string())
}

fn alive(pid: i32) -> bool {
    stat_field(pid, 0).is_some_and(|st| st != "Z")
}

/// The VRRP child of daemon `parent`.
fn vrrp_child(parent: i32) -> Option<i32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .find(|&p| {
            stat_field(p, 1).and_then(|pp| pp.parse().ok()) == Some(parent)
                && std::fs::read_to_string(format!("/proc/{p}/comm"))
                    .is_ok_and(|c| c.trim() == "Keepalived_vrrp")
                && alive(p)
        })
}

#[test]
fn hung_master_child_loses_its_vip_and_the_pair_settles_after_the_respawn() {
    let test = "hung_master_child_loses_its_vip_and_the_pair_settles_after_the_respawn";
    if lab::require_root(test) {
        hung_master(Instance::new(1, 200).v2(), Instance::new(2, 100).v2());
    }
}

/// The same at VRRPv3's 0.1 s, where the hello period stays at its floor.
#[test]
fn hung_master_child_at_a_fast_advert_interval_is_caught_at_the_hello_floor() {
    let test = "hung_master_child_at_a_fast_advert_interval_is_caught_at_the_hello_floor";
    if lab::require_root(test) {
        let fast = |host, prio| {
            let mut i = Instance::new(host, prio);
            i.advert_int = 0.1;
            i
        };
        hung_master(fast(1, 200), fast(2, 100));
    }
}

/// i1 (ours) MASTER, i2 (the peer) BACKUP; SIGSTOP of i1's VRRP child.
fn hung_master(i1: Instance, i2: Instance) {
    let peer_bin = if Path::new(KEEPALIVED).exists() {
        KEEPALIVED
    } else {
        OURS
    };
    let mut lab = routers_lab("hung", 2, Wiring::Veth);
    let vip = i1.vip();
    let advert = Duration::from_secs_f64(i1.advert_int);

    let mut r1 = Router::start(&mut lab, "r1", OURS, &i1.config());
    expect_master(&r1, &[], vip, i1.master_down() + MARGIN);
    let mut r2 = Router::start(&mut lab, "r2", peer_bin, &i2.config());
    assert!(
        r2.wait_state("BACKUP", MARGIN),
        "{} never BACKUP:\n{}",
        r2.name,
        tail(&r2.log())
    );
    expect_stable(&r1, &[&r2], vip, (advert * 2).max(MARGIN / 2));

    let main = r1.main_pid();
    let child = vrrp_child(main).expect("r1 has a VRRP child");
    // SAFETY: kill(2) on r1's own VRRP child.
    unsafe { libc::kill(child, libc::SIGSTOP) };
    let stopped = Instant::now();

    // The hung child's hellos are answered for the last time at most one period before the
    // stop; the parent acts at the tick that ends the third silent period.
    let release_deadline = advert.max(HELLO_FLOOR) * HELLO_MISSES + MARGIN;
    let takeover_deadline = i2.master_down() + MARGIN;
    let (mut took, mut released) = (None, None);
    wait_until(release_deadline.max(takeover_deadline), || {
        if took.is_none() && r2.holds_vip(vip) {
            took = Some(stopped.elapsed());
        }
        if released.is_none() && !r1.holds_vip(vip) {
            released = Some(stopped.elapsed());
        }
        took.is_some() && released.is_some()
    });
    let logs = format!("--- r1:\n{}\n--- r2:\n{}", tail(&r1.log()), tail(&r2.log()));
    let released = released.unwrap_or_else(|| {
        panic!("the hung child's VIP still on r1 after {release_deadline:?}\n{logs}")
    });
    assert!(
        released <= release_deadline,
        "VIP left r1 only after {released:?}\n{logs}"
    );
    let took = took.unwrap_or_else(|| panic!("{} never took the VIP over\n{logs}", r2.name));
    eprintln!(
        "SIGSTOP + {took:?}: {} holds the VIP; + {released:?}: r1 released it; two holders for {:?}",
        r2.name,
        released.saturating_sub(took)
    );
    assert!(r2.wait_state("MASTER", MARGIN), "r2 not MASTER\n{logs}");
    assert!(!alive(child), "the hung child was not killed");
    let log = r1.log();
    assert!(
        log.contains(&format!("VRRP child process({child}) did not answer")),
        "{logs}"
    );
    assert!(
        log.contains(&format!(
            "(VI_1) removing VIPs left by VRRP child process({child})."
        )),
        "{logs}"
    );

    // The respawned child starts as BACKUP, ignores r2's lower priority and takes over after
    // its own Master_Down_Interval.
    assert!(
        wait_until(MARGIN, || vrrp_child(main).is_some_and(|c| c != child)),
        "no new VRRP child\n{logs}"
    );
    assert!(
        r1.wait_state("BACKUP", MARGIN),
        "respawned child never BACKUP:\n{}",
        tail(&r1.log())
    );
    expect_master(&r1, &[&r2], vip, i1.master_down() + MARGIN);
    expect_stable(&r1, &[&r2], vip, advert * 2);

    r1.stop();
    r2.stop();
}
