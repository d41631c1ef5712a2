//! Hostile BFD packets against an Up session, and the SIGUSR1 data file that shows them: ours
//! in namespace a and keepalived 2.2.7 in b meet over a veth pair (single hop, IPv4, 50 ms × 3);
//! then a script in b, from b's address, sends crafted Control packets to ours: TTL 254, a bad
//! version, My Discriminator 0, Your Discriminator 0 with state Up, Detect Mult 0, a length
//! field above and below the datagram's size, the multipoint bit, the authentication bit.
//! Each would take the session down if taken (they say AdminDown where the fault allows), so
//! "no flap" proves each was dropped; ours counts each in keepalived_bfd.data, whose
//! per-instance lines follow keepalived's own file line for line (its thread pointers aside),
//! and which shows the session Up, then Down with diag "Control Detection Time Expired" once
//! the link falls silent.
//!
//! Ours runs its BFD process with bfd_rt_priority, bfd_no_swap, bfd_cpu_affinity and
//! bfd_process_name, which /proc shows.
//!
//! Needs root, /usr/sbin/keepalived and python3 (else SKIPPED; a failure under CI=true).

mod lab;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lab::check::{ours, KEEPALIVED};
use lab::daemon::Tail;
use lab::{Lab, Spawned};

const PYTHON: &str = "/usr/bin/python3";
const INTERVAL_MS: u64 = 50;
const MULT: u64 = 3;
/// A handshake runs at idle_tx (1 s): Down, Init, Up and a Poll to the fast rate, with jitter.
const HANDSHAKE: Duration = Duration::from_secs(8);
/// The log is polled every 20 ms and the machine is loaded.
const MARGIN: Duration = Duration::from_millis(400);
const OURS: &str = "10.8.0.1";
const PEER: &str = "10.8.0.2";
/// Copies of each crafted packet.
const COPIES: u32 = 5;

/// Sends COPIES of each crafted packet from `src` to `dst`:3784; argv: dst src copies. Every
/// packet is keepalived-valid but for its one fault, and says AdminDown where it can.
const INJECT: &str = r#"
import socket, struct, sys
dst, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def pkt(vers=1, state=0, flags=0, mult=3, length=24, my=0x0badcafe, your=0, tail=b""):
    body = struct.pack("!BBBBIIIII", vers << 5, state << 6 | flags, mult, length,
                       my, your, 1000000, 1000000, 0)
    return body + tail
auth = struct.pack("!BB", 1, 6) + b"\x01abc"  # simple password, key id 1
cases = [
    (254, pkt()),                               # one hop too many (GTSM)
    (255, pkt(vers=2)),
    (255, pkt(my=0)),
    (255, pkt(state=3, your=0)),                # Up, yet names no session of ours
    (255, pkt(mult=0)),
    (255, pkt(length=40)),                      # length above the datagram
    (255, pkt(length=24, tail=b"\0\0\0\0")),    # ... and below it
    (255, pkt(flags=0x01)),                     # multipoint
    (255, pkt(flags=0x04, length=30, tail=auth)),
]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 49999))
for ttl, p in cases:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    for _ in range(n):
        s.sendto(p, (dst, 3784))
"#;

/// Ours also runs its BFD process as keepalived's `bfd_*` global keywords ask.
const OURS_GLOBAL: &str = "global_defs {\n bfd_rt_priority 20\n bfd_no_swap\n bfd_cpu_affinity 0\n bfd_process_name ka_bfd_lab\n}\n";

fn conf(me: &str, peer: &str) -> String {
    let global = if me == OURS { OURS_GLOBAL } else { "" };
    format!(
        "{global}bfd_instance up1 {{\n neighbor_ip {peer}\n source_ip {me}\n min_rx {INTERVAL_MS}\n min_tx {INTERVAL_MS}\n multiplier {MULT}\n}}\n"
    )
}

/// The daemon in `ns`, its dumps in its own directory (`TMPDIR`).
fn start(lab: &mut Lab, ns: &str, bin: &str, me: &str, peer: &str) -> (Spawned, PathBuf) {
    let c = lab.write_file(&format!("{ns}.conf"), &conf(me, peer));
    let dir = lab.dir().to_path_buf();
    let tmp = dir.join(format!("{ns}-tmp"));
    std::fs::create_dir_all(&tmp).expect("dump directory");
    let env = format!("TMPDIR={}", tmp.display());
    let cmd = lab::daemon::daemon_cmd(lab, ns, bin, &c);
    let cmd: Vec<&str> = ["env", &env]
        .into_iter()
        .chain(cmd.iter().map(String::as_str))
        .collect();
    let p = lab.spawn(ns, &cmd);
    (p, tmp.join("keepalived_bfd.data"))
}

/// SIGUSR1 to the daemon; the file its BFD process writes.
fn dump(p: &Spawned, file: &Path) -> String {
    let _ = std::fs::remove_file(file);
    p.signal(libc::SIGUSR1);
    let mut text = String::new();
    let ok = lab::wait_until(Duration::from_secs(3), || {
        text = std::fs::read_to_string(file).unwrap_or_default();
        text.contains("------< BFD Topology >------")
    });
    assert!(ok, "no {} after SIGUSR1:\n{}", file.display(), p.log());
    text
}

/// `name = value` lines of the instance block: the value of `key`.
fn value<'a>(text: &'a str, key: &str) -> &'a str {
    let want = format!("{key} = ");
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(want.as_str()))
        .unwrap_or_else(|| panic!("no {key:?} in:\n{text}"))
}

/// The keys of the instance block (text before " = ", or the whole line), thread pointers
/// left out as ours leaves them out.
fn keys(text: &str) -> Vec<String> {
    let block = text
        .split("------< BFD Topology >------\n")
        .nth(1)
        .unwrap_or("");
    block
        .lines()
        .filter(|l| !l.trim_start().starts_with("thread_"))
        .map(|l| match l.split_once(" = ") {
            Some((k, _)) => k.to_string(),
            // "fd_out N", "[!]poll, [!]final": the first word names the line.
            None => {
                let w = l.split_whitespace().next().unwrap_or("");
                w.trim_start_matches('!').to_string()
            }
        })
        .collect()
}

#[test]
fn crafted_packets_are_dropped_counted_and_the_session_stays_up() {
    let test = "bfd_hostile";
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, PYTHON)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.veth(("a", "va0"), ("b", "vb0"));
    lab.addr("a", "va0", &format!("{OURS}/24"));
    lab.addr("b", "vb0", &format!("{PEER}/24"));
    let (a, a_file) = start(&mut lab, "a", &bin, OURS, PEER);
    let (b, b_file) = start(&mut lab, "b", KEEPALIVED, PEER, OURS);
    let (mut ta, mut tb) = (Tail::new(), Tail::new());
    let up = ta.wait(&a, "(up1) Entering Up state", HANDSHAKE);
    tb.wait(&b, "(up1) Entering Up state", HANDSHAKE);
    let fast = format!(
        "      Detection time is {} us (was ",
        INTERVAL_MS * MULT * 1000
    );
    ta.wait(&a, &fast, HANDSHAKE);
    tb.wait(&b, &fast, HANDSHAKE);

    // Up in both files, each naming the other's discriminator, laid out alike.
    let (da, db) = (dump(&a, &a_file), dump(&b, &b_file));
    for (k, v) in [
        ("local state", "Up"),
        ("remote state", "Up"),
        ("local detection time", "150000 us"),
    ] {
        assert_eq!(value(&da, k), v, "ours:\n{da}");
        assert_eq!(value(&db, k), v, "keepalived:\n{db}");
    }
    assert_eq!(
        value(&da, "remote discriminator"),
        value(&db, "local discriminator")
    );
    assert_eq!(
        value(&db, "remote discriminator"),
        value(&da, "local discriminator")
    );
    assert_eq!(keys(&da), keys(&db), "ours:\n{da}\nkeepalived:\n{db}");
    assert_eq!(value(&da, "Discarded, bad version"), "0", "{da}");

    // The scheduling keywords took effect in our BFD process.
    let pidfile = lab.dir().join("a-b.pid");
    let bfd_pid = std::fs::read_to_string(&pidfile).expect("BFD pidfile");
    let proc_dir = format!("/proc/{}", bfd_pid.trim());
    let stat = std::fs::read_to_string(format!("{proc_dir}/stat")).expect("stat");
    assert!(stat.contains(" (ka_bfd_lab) "), "{stat}");
    let after_comm: Vec<&str> = stat.rsplit_once(") ").expect(&stat).1.split(' ').collect();
    // Fields 40 and 41 of proc(5) (rt_priority, policy), counted from field 3 here.
    assert_eq!(
        (after_comm[37], after_comm[38]),
        ("20", "2"),
        "SCHED_RR 20: {stat}"
    );
    let status = std::fs::read_to_string(format!("{proc_dir}/status")).expect("status");
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {k} in {status}"))
            .to_string()
    };
    assert_ne!(
        field("VmLck:"),
        "0 kB",
        "bfd_no_swap locks memory: {status}"
    );
    assert_eq!(field("Cpus_allowed_list:"), "0", "{status}");
    assert!(da.contains(" BFD realtime priority = 20\n"), "{da}");

    // The crafted packets, from b's address.
    let script = lab.write_file("inject.py", INJECT);
    let sent = Instant::now();
    let n = COPIES.to_string();
    lab.exec_ok(
        "b",
        &[PYTHON, &script.display().to_string(), OURS, PEER, &n],
    );
    // A packet taken would act at once; a detection time and more has passed when we look.
    let detect = Duration::from_millis(INTERVAL_MS * MULT);
    lab::wait_until(detect + MARGIN, || false);
    let da = dump(&a, &a_file);
    let twice = (2 * COPIES).to_string();
    for (k, v) in [
        ("Discarded, TTL/hoplimit", n.as_str()),
        ("Discarded, bad version", &n),
        ("Discarded, my discriminator 0", &n),
        ("Discarded, your discriminator 0", &n),
        ("Discarded, detect multiplier 0", &n),
        ("Discarded, bad length", &twice),
        ("Discarded, multipoint", &n),
        ("Discarded, authenticated", &n),
        ("Discarded, no session", "0"),
        ("local state", "Up"),
        ("remote state", "Up"),
    ] {
        assert_eq!(value(&da, k), v, "{k}:\n{da}\n{}", a.log());
    }
    for (t, p) in [(&mut ta, &a), (&mut tb, &b)] {
        t.poll(p);
        let flaps = t.times("Entering Down state", up);
        assert!(
            flaps.is_empty(),
            "a flap after {:?}:\n{}",
            sent.elapsed(),
            p.log()
        );
    }

    // Silence: the file then says Down, and why.
    let silent = Instant::now();
    lab.down("b", "vb0");
    ta.wait_since(&a, "(up1) Entering Down state", silent, detect + MARGIN);
    let da = dump(&a, &a_file);
    assert_eq!(value(&da, "local state"), "Down", "{da}");
    assert_eq!(
        value(&da, "local diag"),
        "Control Detection Time Expired",
        "{da}"
    );
    assert_eq!(value(&da, "Discarded, bad version"), n, "{da}");
}
