//! `track_bfd` acting on VRRP: a router pair on a shared LAN (VRRPv3, advert_int 0.1) whose
//! higher-priority router (namespace r) tracks an upstream router (u, keepalived 2.2.7 running
//! only a bfd_instance, on its own link) by BFD at 50 ms × 3; the BACKUP (p) is keepalived
//! 2.2.7. The upstream's BFD process is stopped (SIGSTOP: links, VRRP and r itself stay
//! alive): r's VI_1 (`track_bfd` weight 0) goes to FAULT with a priority-0 advert and p takes
//! it over within the detection time plus its skew time; r's VI_2 (weight -60) drops below p's
//! priority and p preempts it. The BFD process resumes: r takes both back. Then r's VRRP child
//! is killed while the session is Up: the respawned child knows it from the start (no FAULT).
//! The same config run by keepalived 2.2.7 in r's place logs the same lines and notifies
//! (-D's "Received BFD event" lines too, their delivery times aside).
//!
//! Needs root and /usr/sbin/keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use std::time::{Duration, Instant};

use lab::check::{ours, KEEPALIVED};
use lab::daemon::Tail;
use lab::{Lab, Spawned};

const INTERVAL_MS: u64 = 50;
const MULT: u64 = 3;
/// VRRPv3 advert interval.
const ADVERT_MS: u64 = 100;
/// The log is polled every 20 ms and the machine is loaded.
const MARGIN: Duration = Duration::from_millis(400);
/// A BFD handshake runs at idle_tx (1 s): Down, Init, Up, with jitter; then VRRP elects.
const HANDSHAKE: Duration = Duration::from_secs(8);

const LAN: (&str, &str) = ("10.8.0.1", "10.8.0.2");
const WAN: (&str, &str) = ("10.8.1.1", "10.8.1.2");

fn bfd(me: &str, peer: &str) -> String {
    format!(
        "bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx {INTERVAL_MS}\n min_tx {INTERVAL_MS}\n multiplier {MULT}\n}}\n"
    )
}

fn instance(name: &str, vrid: u8, prio: u8, vip: &str, track: &str, notify: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n state BACKUP\n interface lan0\n version 3\n virtual_router_id {vrid}\n priority {prio}\n advert_int 0.{}\n virtual_ipaddress {{\n  {vip}/24\n }}\n{track}{notify}}}\n",
        ADVERT_MS / 100
    )
}

/// r's config: both instances track the upstream.
fn router_conf(notify: &str) -> String {
    let n = format!(" notify {notify}\n");
    format!(
        "global_defs {{\n router_id r\n script_user root\n}}\n{}{}{}",
        bfd(WAN.0, WAN.1),
        instance(
            "VI_1",
            61,
            150,
            "10.8.0.100",
            " track_bfd {\n  up1\n }\n",
            &n
        ),
        instance(
            "VI_2",
            62,
            150,
            "10.8.0.101",
            " track_bfd {\n  up1 weight -60\n }\n",
            &n
        ),
    )
}

fn peer_conf() -> String {
    format!(
        "global_defs {{\n router_id p\n}}\n{}{}",
        instance("VI_1", 61, 100, "10.8.0.100", "", ""),
        instance("VI_2", 62, 100, "10.8.0.101", "", ""),
    )
}

fn start(lab: &mut Lab, ns: &str, bin: &str, conf: &str) -> Spawned {
    let c = lab.write_file(&format!("{ns}-{}.conf", lab_tag(bin)), conf);
    let cmd = lab::daemon::daemon_cmd(lab, ns, bin, &c);
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    lab.spawn(ns, &cmd)
}

fn lab_tag(bin: &str) -> &'static str {
    if bin == KEEPALIVED {
        "ka"
    } else {
        "ours"
    }
}

fn pidfile(lab: &Lab, ns: &str, which: &str) -> i32 {
    let p = lab.dir().join(format!("{ns}-{which}.pid"));
    let mut pid = 0;
    lab::wait_until(Duration::from_secs(3), || {
        pid = std::fs::read_to_string(&p)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        pid > 0
    });
    assert!(pid > 0, "no pid in {}", p.display());
    pid
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: kill(2) on a daemon process of this lab.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// The message (time stamp cut, and -D's delivery time of a BFD event) of each line `p`
/// logged past byte `from` that contains one of `what`.
fn lines(p: &Spawned, from: usize, what: &[&str]) -> Vec<String> {
    let log = p.log();
    let text = log.get(from..).unwrap_or_default();
    text.lines()
        .filter(|l| what.iter().any(|w| l.contains(w)))
        .map(|l| l.split_once(": ").map_or(l, |x| x.1).trim())
        .map(|l| {
            l.split_once(" (delivered in ")
                .map_or(l, |x| x.0)
                .to_string()
        })
        .collect()
}

/// What one router binary in r shows: the log lines that matter and the notifies, from the
/// upstream's BFD stopping until r is MASTER of both again.
struct Seen {
    lines: Vec<String>,
    notes: Vec<String>,
}

/// The lines a script or a reader greps for a BFD-driven failover (-D adds the events' own).
const MATTER: [&str; 6] = [
    "Received BFD event",
    "Tracked BFD instance",
    "FAULT",
    "Changing effective priority",
    "sent 0 priority",
    "Entering MASTER STATE",
];

/// Runs the scenario with `bin` in r; returns what r logged and notified. With `respawn`,
/// also kills r's VRRP child while the session is Up.
fn scenario(lab: &mut Lab, test: &str, bin: &str, respawn: bool) -> Seen {
    let tag = lab_tag(bin);
    let notes = lab.dir().join(format!("notes-{tag}"));
    let script = lab.write_file(
        &format!("note-{tag}.sh"),
        &format!("#!/bin/sh\necho \"$@\" >> {}\n", notes.display()),
    );
    lab.exec_ok("r", &["chmod", "+x", &script.display().to_string()]);
    let u = start(lab, "u", KEEPALIVED, &bfd(WAN.1, WAN.0));
    let p = start(lab, "p", KEEPALIVED, &peer_conf());
    let mut r = start(lab, "r", bin, &router_conf(&script.display().to_string()));
    let (mut tr, mut tp) = (Tail::new(), Tail::new());

    // The session comes Up and r, the higher priority, holds both addresses.
    tr.wait(
        &r,
        "VRRP_Instance(VI_1) Tracked BFD instance up1 is UP",
        HANDSHAKE,
    );
    tr.wait(&r, "(VI_1) Entering MASTER STATE", HANDSHAKE);
    tr.wait(&r, "(VI_2) Entering MASTER STATE", HANDSHAKE);
    let fast = format!(
        "      Detection time is {} us (was ",
        INTERVAL_MS * MULT * 1000
    );
    tr.wait(&r, &fast, HANDSHAKE);
    // The MASTER notifies of the start have run (scripts run in parallel); start afresh.
    wait_notes(
        &notes,
        &["INSTANCE VI_1 MASTER 150", "INSTANCE VI_2 MASTER 150"],
    );
    let _ = std::fs::remove_file(&notes);

    // The upstream's BFD process stops answering; everything else runs on.
    let ubfd = pidfile(lab, "u", "b");
    // Lines logged so far are stamped now, not when the wait below begins.
    tr.poll(&r);
    tp.poll(&p);
    let stop = Instant::now();
    let stop_at = r.log().len();
    kill(ubfd, libc::SIGSTOP);
    let detect = Duration::from_millis(INTERVAL_MS * MULT);
    let advert = Duration::from_millis(ADVERT_MS);
    // v3 skew time for priority 100: (256 - 100) / 256 advert intervals.
    let skew = advert * 156 / 256;
    let limit = Duration::from_secs(3);
    // Both logs polled together, so that each line is stamped when it comes.
    let first = |t: &Tail, what: &str| t.times(what, stop).first().map(|at| *at - stop);
    lab::wait_until(limit, || {
        tr.poll(&r);
        tp.poll(&p);
        first(&tp, "(VI_2) Entering MASTER STATE").is_some()
            && first(&tp, "(VI_1) Entering MASTER STATE").is_some()
            && first(&tr, "(VI_1) Entering FAULT STATE").is_some()
    });
    let (Some(took1), Some(took2), Some(fault)) = (
        first(&tp, "(VI_1) Entering MASTER STATE"),
        first(&tp, "(VI_2) Entering MASTER STATE"),
        first(&tr, "(VI_1) Entering FAULT STATE"),
    ) else {
        panic!("no takeover within {limit:?}\n{}\n{}", r.log(), p.log());
    };
    eprintln!(
        "{test} [{tag}]: upstream BFD stopped -> r VI_1 FAULT {fault:?}, peer MASTER of VI_1 (weight 0) {took1:?}, of VI_2 (weight -60) {took2:?} (detect {detect:?}, skew {skew:?})"
    );
    assert!(
        took1 < detect + skew + MARGIN,
        "VI_1 took {took1:?}\n{}",
        r.log()
    );
    // A lower priority is no priority 0: the peer waits its master-down interval.
    assert!(
        took2 < detect + advert * 3 + skew + MARGIN,
        "VI_2 took {took2:?}\n{}",
        r.log()
    );
    tr.wait_since(&r, "(VI_2) Entering BACKUP STATE", stop, limit);
    assert!(lab.has_addr("p", "lan0", "10.8.0.100") && lab.has_addr("p", "lan0", "10.8.0.101"));
    assert!(!lab.has_addr("r", "lan0", "10.8.0.100"), "{}", r.log());
    assert!(r.try_wait().is_none(), "r is alive");

    // The upstream answers again: r takes both back.
    let back = Instant::now();
    let back_at = r.log().len();
    kill(ubfd, libc::SIGCONT);
    tr.wait_since(&r, "Tracked BFD instance up1 is UP", back, HANDSHAKE);
    tr.wait_since(&r, "(VI_1) Entering MASTER STATE", back, HANDSHAKE);
    tr.wait_since(&r, "(VI_2) Entering MASTER STATE", back, HANDSHAKE);
    eprintln!(
        "{test} [{tag}]: r MASTER again {:?} after the upstream resumed",
        back.elapsed()
    );
    let want = [
        "INSTANCE VI_1 FAULT 150",
        "INSTANCE VI_2 BACKUP 90",
        "INSTANCE VI_1 BACKUP 150",
        "INSTANCE VI_1 MASTER 150",
        "INSTANCE VI_2 MASTER 150",
    ];
    // Which of the two takes over first after the upstream is back is a race of their timers
    // in either daemon: that part is compared as a set.
    let mut regained = lines(&r, back_at, &MATTER);
    regained.sort();
    let mut notes = wait_notes(&notes, &want);
    notes.sort();
    // -D's event lines say how long the event took from the BFD process.
    for l in r.log().lines().filter(|l| l.contains("Received BFD event")) {
        let usec = l
            .split_once(" (delivered in ")
            .and_then(|x| x.1.strip_suffix(" usec)"))
            .and_then(|n| n.parse::<u64>().ok());
        assert!(usec.is_some(), "{l}");
    }
    let seen = Seen {
        lines: lines(&r, stop_at, &MATTER)
            .into_iter()
            .take_while(|l| !l.ends_with(" is UP"))
            .chain(regained)
            .collect(),
        notes,
    };

    if respawn {
        // r's VRRP child dies while the session is Up: the respawned one starts from Up.
        let vrrp = pidfile(lab, "r", "v");
        let kill_at = Instant::now();
        let kill_from = r.log().len();
        kill(vrrp, libc::SIGKILL);
        tr.wait_since(&r, "Starting VRRP child process", kill_at, limit);
        tr.wait_since(&r, "(VI_1) Entering MASTER STATE", kill_at, HANDSHAKE);
        tr.wait_since(&r, "(VI_2) Entering MASTER STATE", kill_at, HANDSHAKE);
        let after = lines(&r, kill_from, &["FAULT", "Changing effective priority"]);
        assert!(after.is_empty(), "{after:?}\n{}", r.log());
    }
    for d in [&r, &p, &u] {
        d.signal(libc::SIGTERM);
    }
    for mut d in [r, p, u] {
        assert!(d.wait_timeout(Duration::from_secs(5)).is_some());
    }
    seen
}

/// The notify lines once every one of `want` is there (scripts run in parallel, each
/// within a second here).
fn wait_notes(path: &std::path::Path, want: &[&str]) -> Vec<String> {
    let mut got = Vec::new();
    lab::wait_until(Duration::from_secs(3), || {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        got = text.lines().map(str::to_string).collect();
        want.iter().all(|w| got.iter().any(|g| g == w))
    });
    got
}

#[test]
fn a_master_tracking_its_upstream_by_bfd_hands_over_when_the_upstream_stops() {
    let test = "bfd_vrrp";
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.switch("sw", &[("r", "lan0"), ("p", "lan0")]);
    lab.veth(("r", "wan0"), ("u", "wan0"));
    lab.addr("r", "lan0", &format!("{}/24", LAN.0));
    lab.addr("p", "lan0", &format!("{}/24", LAN.1));
    lab.addr("r", "wan0", &format!("{}/24", WAN.0));
    lab.addr("u", "wan0", &format!("{}/24", WAN.1));
    let t0 = Instant::now();
    let theirs = scenario(&mut lab, test, KEEPALIVED, false);
    let mine = scenario(&mut lab, test, &bin, true);
    eprintln!("{test}: both runs took {:?}", t0.elapsed());
    assert_eq!(mine.lines, theirs.lines, "the lines that matter");
    assert_eq!(mine.notes, theirs.notes, "the notifies");
}
