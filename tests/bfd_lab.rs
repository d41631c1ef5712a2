//! Our BFD child against keepalived 2.2.7's, and against itself, on one link (two namespaces,
//! single hop, IPv4): the session comes Up on both sides and stays Up at 50 ms (also across a
//! SIGHUP of ours with the same config), both sides see the link fall silent within detect
//! multiplier × interval (plus the log polling margin) and say so in keepalived's words, and
//! the session comes back Up with the link. A session whose source address is on no
//! interface is disabled (AdminDown) by both in the same words.
//!
//! Needs root and /usr/sbin/keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use std::time::{Duration, Instant};

use lab::check::{ours, KEEPALIVED};
use lab::daemon::Tail;
use lab::{Lab, Spawned};

/// 50 ms × 3: the detection time on both sides once Up.
const INTERVAL_MS: u64 = 50;
const MULT: u64 = 3;
/// The log is polled every 20 ms and the machine is loaded: what a reader may add to the
/// detection time.
const MARGIN: Duration = Duration::from_millis(400);
/// A handshake runs at idle_tx (1 s): Down, Init, Up and a Poll to the fast rate, with jitter.
const HANDSHAKE: Duration = Duration::from_secs(8);

const V4: (&str, &str) = ("10.7.0.1", "10.7.0.2");
const V6: (&str, &str) = ("fd07::1", "fd07::2");

fn conf(me: &str, peer: &str) -> String {
    format!(
        "bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx {INTERVAL_MS}\n min_tx {INTERVAL_MS}\n multiplier {MULT}\n}}\n"
    )
}

fn start(lab: &mut Lab, ns: &str, bin: &str, me: &str, peer: &str) -> Spawned {
    let c = lab.write_file(&format!("{ns}.conf"), &conf(me, peer));
    let cmd = lab::daemon::daemon_cmd(lab, ns, bin, &c);
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    lab.spawn(ns, &cmd)
}

/// No line containing `what` after `from` in the log of `p` (the Tail has read up to now).
#[track_caller]
fn none_since(t: &mut Tail, p: &Spawned, what: &str, from: Instant) {
    t.poll(p);
    let seen = t.times(what, from);
    assert!(seen.is_empty(), "{what:?} at {seen:?}\n{}", p.log());
}

/// Keeps polling both logs for `d`: a window in which nothing may flap.
fn watch(ta: &mut Tail, a: &Spawned, tb: &mut Tail, b: &Spawned, d: Duration) {
    lab::wait_until(d, || {
        ta.poll(a);
        tb.poll(b);
        false
    });
}

/// Ours in namespace a at `ips.0`, `peer_bin` in b at `ips.1`, one session on a veth pair.
fn pair(test: &str, peer_bin: &str, ips: (&str, &str)) {
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, peer_bin)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.veth(("a", "va0"), ("b", "vb0"));
    let plen = if ips.0.contains(':') { 64 } else { 24 };
    if plen == 64 {
        // Linux drops IPv6 addresses with the link unless told to keep them; the link test
        // below is about silence, not renumbering.
        for (ns, dev) in [("a", "va0"), ("b", "vb0")] {
            let key = format!("net.ipv6.conf.{dev}.keep_addr_on_down=1");
            lab.exec_ok(ns, &["sysctl", "-qw", &key]);
        }
    }
    lab.addr("a", "va0", &format!("{}/{plen}", ips.0));
    lab.addr("b", "vb0", &format!("{}/{plen}", ips.1));
    let a = start(&mut lab, "a", &bin, ips.0, ips.1);
    let b = start(&mut lab, "b", peer_bin, ips.1, ips.0);
    let (mut ta, mut tb) = (Tail::new(), Tail::new());
    let up_a = ta.wait(&a, "(up1) Entering Up state", HANDSHAKE);
    tb.wait(&b, "(up1) Entering Up state", HANDSHAKE);
    // The fast rate after the Poll, logged under the name as keepalived aligns it.
    let fast = format!(
        "      Detection time is {} us (was ",
        INTERVAL_MS * MULT * 1000
    );
    ta.wait(&a, &fast, HANDSHAKE);
    tb.wait(&b, &fast, HANDSHAKE);

    // Steady at 50 ms: a second is over six detection times, and nobody falls.
    let detect = Duration::from_millis(INTERVAL_MS * MULT);
    watch(&mut ta, &a, &mut tb, &b, Duration::from_secs(1));
    none_since(&mut ta, &a, "Entering Down state", up_a);
    none_since(&mut tb, &b, "Entering Down state", up_a);

    // A reload with the same session keeps it Up on both sides.
    let hup = Instant::now();
    a.signal(libc::SIGHUP);
    ta.wait_since(&a, "Reloading", hup, Duration::from_secs(2));
    watch(&mut ta, &a, &mut tb, &b, Duration::from_secs(1));
    none_since(&mut ta, &a, "Entering Down state", hup);
    none_since(&mut tb, &b, "Entering Down state", hup);

    // The link goes down under b: each side hears nothing more and says so in time.
    let silent = Instant::now();
    lab.down("b", "vb0");
    let limit = Duration::from_secs(3);
    let down_a = ta.wait_since(&a, "(up1) Entering Down state", silent, limit) - silent;
    let down_b = tb.wait_since(&b, "(up1) Entering Down state", silent, limit) - silent;
    eprintln!("{test}: Down seen {down_a:?} (ours), {down_b:?} (peer) after the link fell (detect {detect:?})");
    assert!(
        down_a < detect + MARGIN,
        "ours took {down_a:?}\n{}",
        a.log()
    );
    assert!(
        down_b < detect + MARGIN,
        "peer took {down_b:?}\n{}",
        b.log()
    );
    let expired = "(up1) Entering Down state (Local diagnostic - Control Detection Time Expired";
    assert!(a.log().contains(expired), "{}", a.log());
    ta.wait_since(&a, "(up1) Expired after", silent, Duration::from_secs(1));

    // Back: both sides meet again.
    let back = Instant::now();
    lab.up("b", "vb0");
    let up = ta.wait_since(&a, "(up1) Entering Up state", back, HANDSHAKE);
    tb.wait_since(&b, "(up1) Entering Up state", back, HANDSHAKE);
    eprintln!("{test}: Up again {:?} after the link came back", up - back);
}

#[test]
fn ours_and_keepalived_meet_stay_up_across_a_reload_and_detect_a_silent_link() {
    pair("bfd_lab_keepalived", KEEPALIVED, V4);
}

/// IPv6 sends with keepalived's hop limit of 64, which its own check then requires.
#[test]
fn ours_and_keepalived_meet_and_detect_over_ipv6() {
    pair("bfd_lab_keepalived6", KEEPALIVED, V6);
}

#[test]
fn ours_and_ours_meet_stay_up_across_a_reload_and_detect_a_silent_link() {
    pair("bfd_lab_ours", &ours(), V4);
}

/// A session whose source address is on no interface cannot have its socket: keepalived
/// disables it (AdminDown, silent, its socket tried again every minute) and so do we, in the
/// same words.
#[test]
fn a_session_without_its_source_address_is_disabled_as_keepalived_does() {
    let test = "bfd_lab_nosource";
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.veth(("a", "va0"), ("b", "vb0"));
    lab.addr("a", "va0", &format!("{}/24", V4.0));
    lab.addr("b", "vb0", &format!("{}/24", V4.1));
    // 10.7.0.9 and .8 are on no interface.
    let a = start(&mut lab, "a", &bin, "10.7.0.9", V4.1);
    let b = start(&mut lab, "b", KEEPALIVED, "10.7.0.8", V4.0);
    let (mut ta, mut tb) = (Tail::new(), Tail::new());
    for w in [
        "(up1) Unable to open output socket, disabling instance",
        "(up1) Entering AdminDown state",
    ] {
        // Said as the BFD process starts.
        tb.wait(&b, w, Duration::from_secs(5));
        ta.wait(&a, w, Duration::from_secs(5));
    }
    let since = Instant::now();
    watch(&mut ta, &a, &mut tb, &b, Duration::from_secs(2));
    // A disabled session neither sends nor falls: nothing more about it on either side.
    none_since(&mut ta, &a, "(up1) Entering", since);
    none_since(&mut tb, &b, "(up1) Entering", since);
}
