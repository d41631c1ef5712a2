//! BFD_CHECK on the host (`--without-ipvs`): our daemon in namespace a has a virtual server
//! whose real server is the BFD neighbor in namespace b (keepalived 2.2.7 running a
//! bfd_instance only, or ours). What a user sees: at start the real server goes down until the
//! session is Up (keepalived's BFD child tells its first Down at once), then up; the neighbor's
//! BFD process stops (SIGSTOP) and the real server is down within detect multiplier ×
//! interval (plus the log polling margin): the log line, notify_down, and SIGUSR1's data file;
//! it resumes and the server is back. keepalived itself cannot stand in our place here (its
//! checker child needs IPVS, which this kernel lacks): the words are those of its
//! check_bfd.c, and the IPVS VM is where both would run.
//!
//! Needs root and /usr/sbin/keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use std::time::{Duration, Instant};

use lab::check::{ours, KEEPALIVED};
use lab::daemon::{notes, read, Tail};
use lab::{wait_until, Lab, Spawned};

const INTERVAL_MS: u64 = 50;
const MULT: u64 = 3;
/// The log is polled every 20 ms and the machine is loaded: what a reader may add to the
/// detection time (bfd_lab's figure).
const MARGIN: Duration = Duration::from_millis(400);
/// A handshake runs at idle_tx (1 s): Down, Init, Up and the Poll to the fast rate, with
/// jitter; a resumed neighbor first times its own session out.
const HANDSHAKE: Duration = Duration::from_secs(8);
const DATA: &str = "/tmp/keepalived_check.data";

const A: &str = "10.7.3.1";
const B: &str = "10.7.3.2";
const RS: &str = "[10.7.3.2]:tcp:80";
const VS: &str = "[10.7.3.100]:tcp:80";

fn session(me: &str, peer: &str) -> String {
    format!(
        "bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx {INTERVAL_MS}\n \
         min_tx {INTERVAL_MS}\n multiplier {MULT}\n}}\n"
    )
}

fn spawn(lab: &mut Lab, ns: &str, bin: &str, conf: &str, extra: &[&str]) -> Spawned {
    let c = lab.write_file(&format!("{ns}.conf"), conf);
    let dir = lab.dir().to_path_buf();
    let pid = |n: &str| dir.join(format!("{ns}-{n}.pid")).display().to_string();
    let (c, k, v, ck, b) = (
        c.display().to_string(),
        pid("k"),
        pid("v"),
        pid("c"),
        pid("b"),
    );
    let mut argv = vec![
        bin, "-n", "-l", "-D", "-f", &c, "-p", &k, "-r", &v, "-c", &ck, "-b", &b,
    ];
    argv.extend_from_slice(extra);
    lab.spawn(ns, &argv)
}

/// The pid in the BFD child's pidfile of namespace `ns`'s daemon.
fn bfd_child(lab: &Lab, ns: &str) -> i32 {
    let p = lab.dir().join(format!("{ns}-b.pid"));
    let mut pid = 0;
    wait_until(Duration::from_secs(5), || {
        pid = read(&p).trim().parse().unwrap_or(0);
        pid > 0
    });
    assert!(pid > 0, "no BFD child pidfile {}", p.display());
    pid
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: kill(2) has no memory effects; the pid is a process of our lab namespace.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// SIGUSR1's data file of our daemon.
fn dump(k: &Spawned) -> String {
    let _ = std::fs::remove_file(DATA);
    k.signal(libc::SIGUSR1);
    let mut text = String::new();
    let ok = wait_until(Duration::from_secs(2), || {
        text = read(std::path::Path::new(DATA));
        text.contains("------< Checker track BFDs >------")
    });
    assert!(ok, "no data file:\n{text}\n--- log:\n{}", k.log());
    text
}

/// The BFD_CHECK's `Up = ` line and its real server's `alive = ` line in the data file (the
/// one real server, the one checker).
fn dumped_state(text: &str) -> (String, String) {
    let line = |what: &str| {
        text.lines()
            .find(|l| l.starts_with(what))
            .unwrap_or_default()
            .to_string()
    };
    (line("   Up = "), line("   alive = "))
}

fn run(test: &str, peer_bin: &str) {
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, peer_bin)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.veth(("a", "va0"), ("b", "vb0"));
    lab.addr("a", "va0", &format!("{A}/24"));
    lab.addr("b", "vb0", &format!("{B}/24"));
    let (notes, up, down) = notes(&lab);
    let conf = format!(
        "{}virtual_server 10.7.3.100 80 {{\n protocol TCP\n\
         real_server {B} 80 {{\n notify_up {up}\n notify_down {down}\n\
         BFD_CHECK {{\n name up1\n }}\n }}\n}}\n",
        session(A, B)
    );
    let peer = spawn(&mut lab, "b", peer_bin, &session(B, A), &[]);
    let started = Instant::now();
    let k = spawn(&mut lab, "a", &bin, &conf, &["--without-ipvs"]);
    let mut t = Tail::new();
    let said = |up: bool| {
        format!(
            "BFD check of [up1] RS({RS}) is {}",
            if up { "UP" } else { "DOWN" }
        )
    };
    let removed = format!("Removing service {RS} from VS {VS}");
    let added = format!("Adding service {RS} to VS {VS}");

    // Down at once (the BFD child's first word), up once the session is.
    t.wait(&k, &said(false), Duration::from_secs(5));
    t.wait(&k, &removed, Duration::from_secs(1));
    let up_at = t.wait(&k, &said(true), HANDSHAKE);
    t.wait_since(&k, &added, up_at, Duration::from_secs(1));
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\nup\n"));
    eprintln!("{test}: real server up {:?} after start", up_at - started);
    // The fast rate, so the detection time is 3 x 50 ms.
    let fast = format!(
        "      Detection time is {} us (was ",
        INTERVAL_MS * MULT * 1000
    );
    t.wait(&k, &fast, HANDSHAKE);
    let d = dump(&k);
    assert_eq!(
        dumped_state(&d),
        ("   Up = yes".into(), "   alive = 1".into()),
        "{d}"
    );
    for l in [
        "   Keepalive method = BFD_CHECK",
        "   Name = up1",
        "   Tracked BFDs",
    ] {
        assert!(d.lines().any(|x| x == l), "no {l:?} in:\n{d}");
    }

    // The neighbor's BFD process stops answering.
    let pid = bfd_child(&lab, "b");
    let stopped = Instant::now();
    kill(pid, libc::SIGSTOP);
    let detect = Duration::from_millis(INTERVAL_MS * MULT);
    let down_at = t.wait_since(&k, &said(false), stopped, Duration::from_secs(3));
    kill(pid, libc::SIGCONT);
    t.wait_since(&k, &removed, stopped, Duration::from_secs(1));
    let took = down_at - stopped;
    eprintln!("{test}: real server down {took:?} after the neighbor stopped (detect {detect:?})");
    assert!(took < detect + MARGIN, "took {took:?}\n{}", k.log());
    assert!(wait_until(Duration::from_secs(2), || read(&notes)
        == "down\nup\ndown\n"));
    let d = dump(&k);
    assert_eq!(
        dumped_state(&d),
        ("   Up = no".into(), "   alive = 0".into()),
        "{d}"
    );

    // Resumed: the session meets again and the server is back.
    let back = t.wait_since(&k, &said(true), down_at, HANDSHAKE);
    t.wait_since(&k, &added, down_at, Duration::from_secs(1));
    assert!(wait_until(Duration::from_secs(2), || read(&notes)
        == "down\nup\ndown\nup\n"));
    eprintln!(
        "{test}: real server up {:?} after the neighbor resumed",
        back - down_at
    );
    drop(peer);
}

#[test]
fn a_real_server_follows_its_keepalived_bfd_neighbor_down_and_back() {
    run("bfd_check_keepalived", KEEPALIVED);
}

#[test]
fn a_real_server_follows_its_bfd_neighbor_run_by_ours_down_and_back() {
    run("bfd_check_ours", &ours());
}
