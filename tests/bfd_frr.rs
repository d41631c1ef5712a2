//! Our BFD child against FRR's bfdd (an independent RFC 5880 implementation, Debian's frr 8.4)
//! on one link, single hop, IPv4 and IPv6, 50 ms × 3: bfdd runs alone in its namespace (no
//! zebra) with a one-peer config; the session comes Up on both sides (ours logs it, bfdd's
//! `show bfd peers` says `Status: up` with our discriminator) and stays Up; bfdd killed falls
//! silent and ours sees it within detect multiplier × interval plus margin; bfdd started again
//! meets ours again. The times are printed.
//!
//! Needs root and FRR's /usr/lib/frr/bfdd and vtysh (tests/setup.d/bfd.sh; else SKIPPED, a
//! failure under CI=true).

mod lab;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lab::check::ours;
use lab::daemon::Tail;
use lab::{Lab, Spawned};

const BFDD: &str = "/usr/lib/frr/bfdd";
const VTYSH: &str = "/usr/bin/vtysh";
const INTERVAL_MS: u64 = 50;
const MULT: u64 = 3;
/// The log is polled every 20 ms and the machine is loaded.
const MARGIN: Duration = Duration::from_millis(400);
/// A handshake runs at the idle rate (1 s on both sides): Down, Init, Up and a Poll to the
/// fast rate, with jitter.
const HANDSHAKE: Duration = Duration::from_secs(8);

/// Over IPv6 keepalived (and so ours) sends with hop limit 64 by default; bfdd sends and
/// requires 255 as RFC 5881 says, so ours is told `hoplimit 255`.
fn ours_conf(me: &str, peer: &str) -> String {
    let hops = if peer.contains(':') {
        " hoplimit 255\n"
    } else {
        ""
    };
    format!(
        "bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx {INTERVAL_MS}\n min_tx {INTERVAL_MS}\n multiplier {MULT}\n{hops}}}\n"
    )
}

fn frr_conf(me: &str, peer: &str) -> String {
    format!(
        "bfd\n peer {peer} local-address {me}\n  receive-interval {INTERVAL_MS}\n  transmit-interval {INTERVAL_MS}\n  detect-multiplier {MULT}\n !\n!\n"
    )
}

/// bfdd in `ns`, its sockets and pidfile in `dir` (owned by frr: bfdd drops to that user, the
/// one its vty group admits).
fn start_bfdd(lab: &mut Lab, ns: &str, dir: &str) -> Spawned {
    let p = |f: &str| format!("{dir}/{f}");
    lab.spawn(
        ns,
        &[
            BFDD,
            "-f",
            &p("bfdd.conf"),
            "-i",
            &p("bfdd.pid"),
            "--vty_socket",
            dir,
            "--bfdctl",
            &p("bfdd.sock"),
            "-z",
            &p("zserv.api"),
            "-u",
            "frr",
            "-g",
            "frr",
            "-P",
            "0",
            "--log",
            "stdout",
        ],
    )
}

/// bfdd's own view of the peer: `show bfd peers` through its vty socket.
fn frr_peers(lab: &mut Lab, ns: &str, dir: &str) -> String {
    let out = lab.exec(
        ns,
        &[
            VTYSH,
            "--vty_socket",
            dir,
            "-d",
            "bfdd",
            "-c",
            "show bfd peers",
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Ours in namespace a at `ips.0`, bfdd in b at `ips.1`.
fn pair(test: &str, ips: (&str, &str)) {
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, BFDD)
        || !lab::require_program(test, VTYSH)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.veth(("a", "va0"), ("b", "vb0"));
    let plen = if ips.0.contains(':') { 64 } else { 24 };
    lab.addr("a", "va0", &format!("{}/{plen}", ips.0));
    lab.addr("b", "vb0", &format!("{}/{plen}", ips.1));

    let frr_dir: PathBuf = lab.dir().join("frr");
    std::fs::create_dir_all(&frr_dir).expect("frr directory");
    std::fs::write(frr_dir.join("bfdd.conf"), frr_conf(ips.1, ips.0)).expect("bfdd.conf");
    let dir = frr_dir.display().to_string();
    lab::run_ok(&["chown", "-R", "frr:frr", &dir]);

    let c = lab.write_file("a.conf", &ours_conf(ips.0, ips.1));
    let start = Instant::now();
    let mut frr = start_bfdd(&mut lab, "b", &dir);
    let cmd = lab::daemon::daemon_cmd(&lab, "a", &bin, &c);
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let a = lab.spawn("a", &cmd);
    let mut ta = Tail::new();
    let up = ta.wait(&a, "(up1) Entering Up state", HANDSHAKE);
    let fast = format!(
        "      Detection time is {} us (was ",
        INTERVAL_MS * MULT * 1000
    );
    ta.wait(&a, &fast, HANDSHAKE);
    // bfdd sees it Up too, at our rates, and names our discriminator.
    let mut peers = String::new();
    let frr_up = lab::wait_until(HANDSHAKE, || {
        peers = frr_peers(&mut lab, "b", &dir);
        peers.contains("Status: up")
    });
    assert!(
        frr_up,
        "bfdd never Up:\n{peers}\n{}\n{}",
        frr.log(),
        a.log()
    );
    assert!(
        peers.contains(&format!("peer {} local-address {}", ips.0, ips.1)),
        "{peers}"
    );
    assert!(
        peers.contains(&format!("Transmission interval: {INTERVAL_MS}ms")),
        "{peers}"
    );
    eprintln!("{test}: Up {:?} after both started", up - start);

    // Steady: a second is over six detection times, and nobody falls.
    lab::wait_until(Duration::from_secs(1), || {
        ta.poll(&a);
        false
    });
    assert!(
        ta.times("Entering Down state", up).is_empty(),
        "{}",
        a.log()
    );
    assert!(
        frr_peers(&mut lab, "b", &dir).contains("Status: up"),
        "{}",
        frr.log()
    );

    // bfdd dies without a word: ours hears nothing more and says so in time.
    let detect = Duration::from_millis(INTERVAL_MS * MULT);
    let silent = Instant::now();
    frr.signal(libc::SIGKILL);
    let _ = frr.wait_timeout(Duration::from_secs(5));
    let down = ta.wait_since(
        &a,
        "(up1) Entering Down state",
        silent,
        Duration::from_secs(3),
    ) - silent;
    eprintln!("{test}: Down seen {down:?} after bfdd was killed (detect {detect:?})");
    assert!(down < detect + MARGIN, "ours took {down:?}\n{}", a.log());
    let expired = "(up1) Entering Down state (Local diagnostic - Control Detection Time Expired";
    assert!(a.log().contains(expired), "{}", a.log());

    // bfdd again: both meet again.
    let back = Instant::now();
    let frr2 = start_bfdd(&mut lab, "b", &dir);
    let again = ta.wait_since(&a, "(up1) Entering Up state", back, HANDSHAKE) - back;
    let frr_up = lab::wait_until(HANDSHAKE, || {
        frr_peers(&mut lab, "b", &dir).contains("Status: up")
    });
    assert!(frr_up, "bfdd never Up again:\n{}", frr2.log());
    eprintln!("{test}: Up again {again:?} after bfdd restarted");
}

#[test]
fn ours_and_frr_bfdd_meet_and_ours_detects_bfdd_gone_and_back() {
    pair("bfd_frr", ("10.9.0.1", "10.9.0.2"));
}

#[test]
fn ours_and_frr_bfdd_meet_over_ipv6() {
    pair("bfd_frr6", ("fd09::1", "fd09::2"));
}
