//! A MASTER keeps advertising through a netlink flood: 20,000 address changes on another interface
//! of its namespace (`ip -batch`) must not silence it, let its backup take over, or blind it to a
//! link going down afterwards.

mod lab;

use lab::vrrp::{expect_master, ours, Instance, Router, Wiring, KEEPALIVED, MARGIN};
use lab::wait_until;
use lab::wire::{advert_times, epoch_now, longest_gap};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Address adds, then as many deletes: 20,000 changes, each one RTM_NEWADDR/RTM_DELADDR to every
/// listener of the namespace.
const FLOOD_ADDRS: u32 = 10_000;
const ADVERT_INT: f64 = 0.1;
/// RFC 5798's bound on a silent master as its peers see it, in advert intervals.
const GAP_INTERVALS: f64 = 3.0;
/// Slack for the loaded 2-core machine, where `ip`, the kernel's notifier and the capture compete
/// with the daemon for the cores. It is bounded by the protocol, not by taste: the backup (priority
/// 100) takes over after Master_Down_Interval = 3 × 0.1 + 156/256 × 0.1 = 0.361 s of silence, so
/// 3 intervals + 0.05 s stays 11 ms short of that, room for the backup's own timer latency. (The
/// capture timestamps packets in the kernel as they arrive; tshark's own delays do not count.)
const SCHED_SLACK: f64 = 0.05;

/// keepalived's line for ENOBUFS on its monitor socket (we log it once per burst)...
const OVERRUN: &str = "Netlink: Receive buffer overrun on monitor socket";
/// ...and ours when the burst is over and the interfaces have been read again.
const REREAD: &str = "Netlink: interfaces read again";

/// What one flood showed.
struct Outcome {
    /// The longest gap (s) between the MASTER's adverts seen by the backup while it ran.
    gap: f64,
    failures: Vec<String>,
    /// The MASTER's log up to the end of the flood.
    log: String,
}

/// One flood against `bin` as the MASTER, with `global` lines added to its global_defs.
fn flood_run(bin: &str, global: &str) -> Outcome {
    let mut lab = lab::vrrp::routers_lab("flood", 2, Wiring::Switch);
    lab.stub_link("r1", "flood0", "flood0p");
    let mut m = Instance::new(1, 200);
    m.advert_int = ADVERT_INT;
    let mut b = Instance::new(2, 100);
    b.advert_int = ADVERT_INT;
    let m_conf = m
        .config()
        .replacen("global_defs {\n", &format!("global_defs {{\n{global}"), 1);
    let mut r1 = Router::start(&mut lab, "r1", bin, &m_conf);
    let mut r2 = Router::start(&mut lab, "r2", &ours(), &b.config());
    expect_master(&r1, &[&r2], m.vip(), m.master_down() + MARGIN * 3);
    let (cap, pcap) = lab.capture("r2", "eth0", "flood.pcap");
    // The routers started together: the backup may have been MASTER for a moment then.
    let r2_masters_before = masters(&r2.log());

    let mut batch = String::new();
    for verb in ["add", "del"] {
        for i in 0..FLOOD_ADDRS {
            let _ = writeln!(
                batch,
                "address {verb} 10.50.{}.{}/32 dev flood0",
                i / 250,
                i % 250 + 1
            );
        }
    }
    let file = lab.write_file("flood.batch", &batch);
    let t0 = epoch_now();
    let started = Instant::now();
    lab.exec_ok("r1", &["ip", "-batch", &file.to_string_lossy()]);
    let flood_took = started.elapsed();
    let t1 = epoch_now();
    // The last notifications are still queued when `ip` returns: watch a master-down interval more.
    wait_until(b.master_down(), || false);
    let t2 = epoch_now();
    lab.stop_capture(cap);

    let mut failures = Vec::new();
    let times = advert_times(&mut lab, "r2", &pcap, "10.7.0.1");
    let during: Vec<f64> = times
        .iter()
        .copied()
        .filter(|t| (t0..=t2).contains(t))
        .collect();
    let gap = longest_gap(t0, &during, t2);
    println!(
        "BENCH netlink_flood {}: {} address changes in {:.2} s, {} adverts, longest gap {gap:.3} s \
         (advert_int {ADVERT_INT} s)",
        r1.name,
        2 * FLOOD_ADDRS,
        flood_took.as_secs_f64(),
        during.len(),
    );
    if t1 - t0 < 3.0 * ADVERT_INT {
        failures.push(format!(
            "the flood took only {:.2} s: too short to test anything",
            t1 - t0
        ));
    }
    if masters(&r2.log()) > r2_masters_before {
        failures.push(format!(
            "{} became MASTER during the flood (longest gap {gap:.3} s):\n{}\n--- {}:\n{}",
            r2.name,
            lab::vrrp::tail(&r2.log()),
            r1.name,
            lab::vrrp::tail(&r1.log())
        ));
    }

    // What the flood left in the log: an overrun burst ends with a read of the interfaces once
    // the changes pause (0.5 s), which may be after the capture stopped.
    wait_until(MARGIN, || {
        let log = r1.log();
        log.matches(OVERRUN).count() <= log.matches(REREAD).count()
    });
    let log = r1.log();

    // A link going down after the flood still reaches the state machine at once.
    lab.down("r1", "eth0");
    let fault_by = MARGIN;
    if !r1.wait_state("FAULT", fault_by) {
        failures.push(format!(
            "{} not FAULT {fault_by:?} after its link went down:\n{}",
            r1.name,
            lab::vrrp::tail(&r1.log())
        ));
    }
    r1.stop();
    r2.stop();
    Outcome { gap, failures, log }
}

fn masters(log: &str) -> usize {
    log.matches("Entering MASTER STATE").count()
}

fn gap_bound() -> f64 {
    GAP_INTERVALS * ADVERT_INT + SCHED_SLACK
}

#[test]
fn master_keeps_advertising_through_an_address_flood() {
    let test = "master_keeps_advertising_through_an_address_flood";
    if !lab::require_root(test) || !lab::require_program(test, "/usr/bin/tshark") {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let mut ours = flood_run(&bin, "");
    let bound = gap_bound();
    if ours.gap > bound {
        ours.failures.push(format!(
            "longest gap between adverts {:.3} s, over {bound:.3} s:\n{}",
            ours.gap,
            lab::vrrp::tail(&ours.log)
        ));
    }
    // keepalived's figure beside ours, for the record; its behaviour is not under test here.
    if bin != KEEPALIVED && Path::new(KEEPALIVED).exists() {
        let k = flood_run(KEEPALIVED, "");
        println!(
            "BENCH netlink_flood longest gap: ours {:.3} s, keepalived {:.3} s{}",
            ours.gap,
            k.gap,
            if k.failures.is_empty() {
                String::new()
            } else {
                format!(" (keepalived: {})", k.failures.join("; "))
            }
        );
    }
    assert!(ours.failures.is_empty(), "{}", ours.failures.join("\n"));
}

/// With the monitor socket's buffer forced to the kernel's minimum the flood overruns it: the
/// overrun is reported once per burst in keepalived's words, the interfaces are read again once
/// the changes pause, and the adverts go on meanwhile.
#[test]
fn overruns_are_reported_and_resynced_without_silencing_the_master() {
    let test = "overruns_are_reported_and_resynced_without_silencing_the_master";
    if !lab::require_root(test) || !lab::require_program(test, "/usr/bin/tshark") {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let tiny = "  vrrp_netlink_monitor_rcv_bufs 1\n  vrrp_netlink_monitor_rcv_bufs_force\n";
    let mut run = flood_run(&bin, tiny);
    let reported = run.log.matches(OVERRUN).count();
    let reread = run.log.matches(REREAD).count();
    println!(
        "BENCH netlink_flood_overrun {bin}: longest gap {:.3} s, {reported} overrun bursts reported, \
         {reread} re-reads",
        run.gap
    );
    if reported == 0 || reread == 0 {
        run.failures.push(format!(
            "overrun reported {reported} times, interfaces read again {reread} times:\n{}",
            lab::vrrp::tail(&run.log)
        ));
    }
    // Each burst ends with one read; a read per overrun would have interrupted every dump.
    if reported > reread {
        run.failures.push(format!(
            "{reported} overrun reports for {reread} re-reads: one report per burst expected"
        ));
    }
    let bound = gap_bound();
    if run.gap > bound {
        run.failures.push(format!(
            "longest gap between adverts {:.3} s, over {bound:.3} s:\n{}",
            run.gap,
            lab::vrrp::tail(&run.log)
        ));
    }
    assert!(run.failures.is_empty(), "{}", run.failures.join("\n"));
}
