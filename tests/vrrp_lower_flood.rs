//! A MASTER under a flood of lower-priority adverts for its own VRID (root; network namespaces).
//!
//! The daemon under test (`$KEEPALIVED_RS_BIN`, else ours) runs one VRRPv3 instance, VRID 51,
//! priority 200, advert_int 0.2 s, alone on `eth0` of namespace `r1`, so it becomes MASTER. Then
//! namespace `p` floods it with valid priority-100 adverts for VRID 51 from two raw senders as
//! fast as they go. keepalived 2.2.7 answers each one as a MASTER (vrrp.c vrrp_state_master_rx):
//! an advert of its own, `garp_lower_prio_repeat` gratuitous ARPs now and another set
//! `garp_lower_prio_delay` (5 s) later. Through the whole flood, which lasts past the first
//! delayed sets plus two hung deadlines of the VRRP child's hellos:
//! - the parent neither kills nor restarts the VRRP child (same pids, no "did not answer" line);
//! - the MASTER's adverts, seen on the wire from `p`, never leave a gap over 3 advert intervals
//!   (a backup would have taken over);
//! - it stays MASTER and keeps its VIP.
//!
//! With keepalived installed the same flood runs against it, and its figures are printed beside
//! ours (not asserted).
//!
//! A second test floods a BACKUP (ours, priority 150) behind a MASTER (ours, 200) on one switch:
//! it stays BACKUP, neither child is called hung, and its "received lower priority ... -
//! discarding" line comes once per half advert interval with the count, not once per packet.

mod lab;

use lab::raw::{checksum, RawSender};
use lab::vrrp::{ours, tail, Router, KEEPALIVED, MARGIN};
use lab::wire::{epoch_now, longest_gap, packet_times};
use lab::{wait_until, Lab, Spawned};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PEER_IP: [u8; 4] = [10, 7, 0, 2];
const GROUP: [u8; 4] = [224, 0, 0, 18];
const VIP: &str = "10.7.0.100";
const VRID: u8 = 51;
const ADVERT_INT: f64 = 0.2;
/// The VRRP child's hello period is its shortest advert interval, but not under 0.5 s, and three
/// unanswered periods make it hung (src/supervisor/hello.rs).
const HELLO_DEADLINE: Duration = Duration::from_millis(3 * 500);
/// keepalived's default `vrrp_garp_lower_prio_delay` (= vrrp_garp_master_delay): the delayed
/// GARP sets of the first flooded adverts come due this long into the flood.
const GARP_LOWER_PRIO_DELAY: Duration = Duration::from_secs(5);
/// Raw senders in `p`: one per core of the 2-core machine the finding was made on.
const SENDERS: usize = 2;
/// RFC 5798's bound on a silent master as its peers see it, in advert intervals.
const GAP_INTERVALS: f64 = 3.0;

fn flood_time() -> Duration {
    GARP_LOWER_PRIO_DELAY + HELLO_DEADLINE * 2 + MARGIN
}

fn config(prio: u8) -> String {
    format!(
        "global_defs {{\n  router_id r{prio}\n}}\n\
         vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id {VRID}\n  \
         priority {prio}\n  advert_int {ADVERT_INT}\n  version 3\n  \
         virtual_ipaddress {{\n    {VIP}/24 dev eth0\n  }}\n}}\n"
    )
}

/// A valid VRRPv3 advert from the peer at `prio` listing the VIP, with its IPv4 header
/// (IP_HDRINCL; the kernel fills a zero IP id and checksum). Built here, not by the crate under test.
fn advert(prio: u8) -> Vec<u8> {
    let vip: Vec<u8> = VIP.split('.').filter_map(|o| o.parse().ok()).collect();
    let centis = (ADVERT_INT * 100.0) as u16;
    let mut v = vec![0x31, VRID, prio, 1];
    v.extend(centis.to_be_bytes());
    v.extend([0, 0]);
    v.extend(&vip);
    let pseudo = [
        &PEER_IP[..],
        &GROUP,
        &[0, 112],
        &(v.len() as u16).to_be_bytes(),
    ]
    .concat();
    let c = checksum(&[&pseudo, &v]);
    v[6..8].copy_from_slice(&c.to_be_bytes());
    let mut ip = vec![0x45, 0xc0];
    ip.extend(((20 + v.len()) as u16).to_be_bytes());
    ip.extend([0, 0, 0, 0, 255, 112, 0, 0]);
    ip.extend(PEER_IP);
    ip.extend(GROUP);
    [ip, v].concat()
}

/// Sends `pkt` to the VRRP group from `tx` until `stop`; how many left.
fn flood(tx: RawSender, pkt: Vec<u8>, stop: Arc<AtomicBool>) -> u64 {
    let mut sent = 0;
    while !stop.load(Ordering::Relaxed) {
        // A full device queue (ENOBUFS) just means the wire is as busy as it gets.
        if tx.try_send(&pkt, GROUP).is_ok_and(|n| n > 0) {
            sent += 1;
        }
    }
    sent
}

fn ppid(pid: i32) -> Option<i32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut f = s.rsplit_once(')')?.1.split_whitespace();
    let state = f.next()?;
    (state != "Z").then_some(())?;
    f.next()?.parse().ok()
}

/// The live children of `parent`, sorted.
fn children(parent: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut v: Vec<i32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .filter(|&p| ppid(p) == Some(parent))
        .collect();
    v.sort_unstable();
    v
}

/// Captures the daemon's own VRRP packets on `p`'s `eth0` (a kernel filter keeps the flood out).
fn capture(lab: &mut Lab) -> (Spawned, std::path::PathBuf) {
    let path = lab.dir().join("lower_flood.pcap");
    let p = path.to_string_lossy().into_owned();
    let filter = "ip proto 112 and src host 10.7.0.1";
    let cap = lab.spawn(
        "p",
        &[
            "tshark", "-i", "eth0", "-f", filter, "-s", "64", "-w", &p, "-F", "pcap", "-q",
        ],
    );
    wait_until(Duration::from_secs(10), || {
        cap.log().contains("Capture started")
    });
    (cap, path)
}

fn count_lines(log: &str, what: &str) -> usize {
    log.lines().filter(|l| l.contains(what)).count()
}

/// Lower priority adverts from `p`, `SENDERS` raw sockets as fast as they go.
struct Flood {
    stop: Arc<AtomicBool>,
    senders: Vec<std::thread::JoinHandle<u64>>,
    started: Instant,
}

impl Flood {
    fn start(lab: &mut Lab, prio: u8) -> Flood {
        let stop = Arc::new(AtomicBool::new(false));
        let ns = lab.ns("p");
        let senders = (0..SENDERS)
            .map(|_| {
                let (tx, stop) = (RawSender::open(&ns), stop.clone());
                std::thread::spawn(move || flood(tx, advert(prio), stop))
            })
            .collect();
        Flood {
            stop,
            senders,
            started: Instant::now(),
        }
    }

    /// Lets it run for [`flood_time`]; a router whose VRRP child its parent calls hung meanwhile
    /// is a failure (a child killed and respawned mid-flood shows at the end too, as new pids).
    fn watch(&self, routers: &[&Router]) -> Vec<String> {
        let mut failures: Vec<String> = Vec::new();
        wait_until(flood_time(), || {
            for r in routers {
                let hung = format!("{}: VRRP child called hung", r.name);
                if r.log().contains("did not answer")
                    && !failures.iter().any(|f| f.starts_with(&hung))
                {
                    let at = self.started.elapsed().as_secs_f64();
                    failures.push(format!("{hung} {at:.1} s into the flood"));
                }
            }
            false
        });
        failures
    }

    /// Stops the senders: how many adverts left, over how many seconds.
    fn stop(self) -> (u64, f64) {
        self.stop.store(true, Ordering::Relaxed);
        let sent = self
            .senders
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .sum();
        (sent, self.started.elapsed().as_secs_f64())
    }
}

/// What one flood showed.
struct Outcome {
    /// Adverts the senders got out per second.
    rate: f64,
    /// Adverts (and GARPs are not counted) the MASTER sent per second during the flood.
    replies: f64,
    /// The longest gap (s) between the MASTER's adverts.
    gap: f64,
    log_lines: usize,
    failures: Vec<String>,
}

fn flood_run(bin: &str) -> Outcome {
    let mut lab = Lab::new("lowflood");
    lab.veth(("r1", "eth0"), ("p", "eth0"));
    lab.addr("r1", "eth0", "10.7.0.1/24");
    lab.addr("p", "eth0", "10.7.0.2/24");
    let mut r1 = Router::start(&mut lab, "r1", bin, &config(200));
    let master_by = Duration::from_secs_f64(3.0 * ADVERT_INT + ADVERT_INT) + MARGIN * 3;
    assert!(
        r1.wait_state("MASTER", master_by),
        "{} never became MASTER:\n{}",
        r1.name,
        tail(&r1.log())
    );
    let kids = children(r1.main_pid());
    let states = count_lines(&r1.log(), "Entering ");
    let lines_before = r1.log().lines().count();
    let (cap, pcap) = capture(&mut lab);

    let t0 = epoch_now();
    let fl = Flood::start(&mut lab, 100);
    let mut failures = fl.watch(&[&r1]);
    let (sent, took) = fl.stop();
    let t1 = epoch_now();
    lab.stop_capture(cap);

    let times: Vec<f64> = packet_times(&mut lab, "p", &pcap, "")
        .into_iter()
        .filter(|t| (t0..=t1).contains(t))
        .collect();
    let gap = longest_gap(t0, &times, t1);
    let log = r1.log();
    let out = Outcome {
        rate: sent as f64 / took,
        replies: times.len() as f64 / (t1 - t0),
        gap,
        log_lines: log.lines().count().saturating_sub(lines_before),
        failures: Vec::new(),
    };
    println!(
        "BENCH lower_flood {}: {:.0} lower-priority adverts/s sent for {took:.1} s, {:.0} adverts/s \
         from the MASTER, longest gap {gap:.3} s (advert_int {ADVERT_INT} s), {} log lines",
        r1.name, out.rate, out.replies, out.log_lines
    );
    let bound = GAP_INTERVALS * ADVERT_INT;
    if gap > bound {
        failures.push(format!(
            "longest gap between the MASTER's adverts {gap:.3} s, over {bound:.3} s"
        ));
    }
    let now_kids = children(r1.main_pid());
    if now_kids != kids {
        failures.push(format!("children {kids:?} became {now_kids:?}"));
    }
    if count_lines(&log, "Entering ") != states {
        failures.push("the instance changed state".to_string());
    }
    if !r1.is_master() || !r1.holds_vip(VIP) {
        failures.push(format!("no longer MASTER with {VIP}"));
    }
    // keepalived logs every one; ours one per GARP round (5 s / 7 apart here), with the count.
    let lower = count_lines(&log, "with lower priority 100");
    let rounds = (took / (GARP_LOWER_PRIO_DELAY.as_secs_f64() / 7.0)).ceil() as usize + 1;
    if lower > rounds {
        failures.push(format!(
            "{lower} lower priority lines in {took:.1} s, over one per GARP round ({rounds})"
        ));
    }
    if !failures.is_empty() {
        failures.push(format!("{}:\n{}", r1.name, tail(&log)));
    }
    r1.stop();
    Outcome { failures, ..out }
}

#[test]
fn master_keeps_its_pace_and_its_child_through_a_lower_priority_flood() {
    let test = "master_keeps_its_pace_and_its_child_through_a_lower_priority_flood";
    if !lab::require_root(test) || !lab::require_program(test, "/usr/bin/tshark") {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let o = flood_run(&bin);
    if bin != KEEPALIVED && Path::new(KEEPALIVED).exists() {
        let k = flood_run(KEEPALIVED);
        println!(
            "BENCH lower_flood: flood ours {:.0}/s keepalived {:.0}/s; MASTER adverts ours {:.0}/s \
             keepalived {:.0}/s; longest gap ours {:.3} s keepalived {:.3} s; log lines ours {} \
             keepalived {}{}",
            o.rate,
            k.rate,
            o.replies,
            k.replies,
            o.gap,
            k.gap,
            o.log_lines,
            k.log_lines,
            if k.failures.is_empty() {
                String::new()
            } else {
                format!(" (keepalived: {})", k.failures.join("; "))
            }
        );
    }
    assert!(o.failures.is_empty(), "{}", o.failures.join("\n"));
}

/// A BACKUP (priority 150) behind a MASTER (200), both ours, on one switch with the flooder:
/// the BACKUP discards the flood (priority 100) without taking over, logs it once per half
/// advert interval with the count (keepalived logs each one), and neither VRRP child is called
/// hung.
#[test]
fn backup_stays_backup_and_logs_a_lower_priority_flood_sparingly() {
    let test = "backup_stays_backup_and_logs_a_lower_priority_flood_sparingly";
    if !lab::require_root(test) {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let mut lab = Lab::new("lowflood");
    lab.switch("sw", &[("r1", "eth0"), ("r2", "eth0"), ("p", "eth0")]);
    lab.addr("r1", "eth0", "10.7.0.1/24");
    lab.addr("p", "eth0", "10.7.0.2/24");
    lab.addr("r2", "eth0", "10.7.0.3/24");
    let mut master = Router::start(&mut lab, "r2", &bin, &config(200));
    let mut backup = Router::start(&mut lab, "r1", &bin, &config(150));
    let settle = Duration::from_secs_f64(4.0 * ADVERT_INT) + MARGIN * 3;
    let settled = wait_until(settle, || {
        master.is_master() && backup.state_from_log().as_deref() == Some("BACKUP")
    });
    assert!(
        settled,
        "no MASTER/BACKUP pair:\n{}\n{}",
        tail(&master.log()),
        tail(&backup.log())
    );
    // The two may have been MASTER at once for a moment at start.
    std::thread::sleep(Duration::from_secs_f64(2.0 * ADVERT_INT));
    let kids = [children(master.main_pid()), children(backup.main_pid())];
    let states = [master.log(), backup.log()].map(|l| count_lines(&l, "Entering "));
    let fl = Flood::start(&mut lab, 100);
    let mut failures = fl.watch(&[&master, &backup]);
    let (sent, took) = fl.stop();
    let logs = [master.log(), backup.log()];
    let discards = count_lines(&logs[1], "received lower priority (100)");
    println!(
        "BENCH lower_flood backup: {:.0} lower-priority adverts/s for {took:.1} s, {discards} \
         discard lines",
        sent as f64 / took
    );
    for (k, r) in [&master, &backup].iter().enumerate() {
        if children(r.main_pid()) != kids[k] {
            failures.push(format!("{}: VRRP child restarted", r.name));
        }
        if count_lines(&logs[k], "Entering ") != states[k] {
            failures.push(format!("{}: changed state", r.name));
        }
    }
    let lines = (took / (ADVERT_INT / 2.0)).ceil() as usize + 1;
    if discards > lines {
        failures.push(format!(
            "{discards} discard lines in {took:.1} s, over one per half interval ({lines})"
        ));
    }
    if discards == 0 {
        failures.push("the flood never reached the BACKUP".to_string());
    }
    if !master.holds_vip(VIP) || backup.holds_vip(VIP) {
        failures.push(format!("{VIP} moved"));
    }
    if !failures.is_empty() {
        failures.push(format!(
            "{}:\n{}\n{}:\n{}",
            master.name,
            tail(&logs[0]),
            backup.name,
            tail(&logs[1])
        ));
    }
    backup.stop();
    master.stop();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
