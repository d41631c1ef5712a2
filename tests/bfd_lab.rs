//! Our BFD child against keepalived 2.2.7's on one link (two namespaces, single hop, IPv4):
//! the session comes Up on both sides, our side sees the neighbor fall silent within
//! detect multiplier × interval (plus the log polling margin) and goes Down with keepalived's
//! words, and comes back Up when the link does.
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

fn conf(me: &str, peer: &str) -> String {
    format!(
        "bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx {INTERVAL_MS}\n min_tx {INTERVAL_MS}\n multiplier {MULT}\n}}\n"
    )
}

fn start(lab: &mut Lab, ns: &str, bin: &str, me: &str, peer: &str) -> Spawned {
    let c = lab.write_file(&format!("{ns}.conf"), &conf(me, peer));
    let dir = lab.dir().to_path_buf();
    let pid = |n: &str| dir.join(format!("{ns}-{n}.pid")).display().to_string();
    lab.spawn(
        ns,
        &[
            bin,
            "-n",
            "-l",
            "-D",
            "-f",
            &c.display().to_string(),
            "-p",
            &pid("k"),
            "-r",
            &pid("v"),
            "-c",
            &pid("c"),
            "-b",
            &pid("b"),
        ],
    )
}

#[test]
fn ours_and_keepalived_come_up_and_ours_detects_the_silent_neighbor() {
    let test = "bfd_lab_keepalived";
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.veth(("a", "va0"), ("b", "vb0"));
    lab.addr("a", "va0", "10.7.0.1/24");
    lab.addr("b", "vb0", "10.7.0.2/24");
    let a = start(&mut lab, "a", &bin, "10.7.0.1", "10.7.0.2");
    let b = start(&mut lab, "b", KEEPALIVED, "10.7.0.2", "10.7.0.1");
    let (mut ta, mut tb) = (Tail::new(), Tail::new());
    ta.wait(&a, "(up1) Entering Up state", HANDSHAKE);
    tb.wait(&b, "Entering Up state", HANDSHAKE);

    // The neighbor falls silent: its link goes down under it.
    let silent = Instant::now();
    lab.down("b", "vb0");
    let down = ta.wait_since(
        &a,
        "(up1) Entering Down state",
        silent,
        Duration::from_secs(3),
    );
    let took = down - silent;
    let detect = Duration::from_millis(INTERVAL_MS * MULT);
    eprintln!("BFD down seen by ours {took:?} after the neighbor fell silent (detect {detect:?})");
    assert!(took < detect + MARGIN, "took {took:?}\n{}", a.log());
    assert!(
        a.log().contains(
            "(up1) Entering Down state (Local diagnostic - Control Detection Time Expired"
        ),
        "{}",
        a.log()
    );
    ta.wait_since(&a, "(up1) Expired after", silent, Duration::from_secs(1));

    // Back: both sides meet again.
    let back = Instant::now();
    lab.up("b", "vb0");
    let up = ta.wait_since(&a, "(up1) Entering Up state", back, HANDSHAKE);
    eprintln!("BFD up again {:?} after the link came back", up - back);
    tb.wait_since(&b, "Entering Up state", back, HANDSHAKE);
}
