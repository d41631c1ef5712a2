//! Smoke tests of the VRRP child end to end, in network namespaces: one router alone becomes
//! MASTER and cleans up on SIGTERM; two of ours elect the higher priority and fail over after a
//! kill -9; ours and keepalived 2.2.7 agree on who is MASTER. Root only (SKIPPED otherwise).
//!
//! Every wait is derived from the advert interval: a BACKUP declares the master down after
//! 3 × advert_int + skew, skew = (256 − priority) / 256 s for VRRPv2.

mod lab;

use std::path::Path;
use std::time::{Duration, Instant};

use lab::{wait_until, Lab, Spawned};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived");
const KEEPALIVED: &str = "/usr/sbin/keepalived";
const STATS: &str = "/tmp/keepalived.stats";
/// Advert interval of every test config, seconds.
const ADVERT: f64 = 1.0;
/// Scheduling, process start and netlink latency on a loaded machine.
const MARGIN: Duration = Duration::from_secs(3);

/// Master down interval of a v2 BACKUP of `prio`.
fn down_interval(prio: u8) -> Duration {
    Duration::from_secs_f64(3.0 * ADVERT + (256.0 - f64::from(prio)) / 256.0)
}

fn conf(state: &str, prio: u8, vip: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n  state {state}\n  interface eth0\n  virtual_router_id 51\n  \
         priority {prio}\n  advert_int {ADVERT}\n  virtual_ipaddress {{\n    {vip}\n  }}\n}}\n"
    )
}

/// Starts `bin` in the foreground in `ns`, with its pidfiles in the lab directory.
fn start(lab: &mut Lab, ns: &str, bin: &str, conf: &str, extra: &[&str]) -> Spawned {
    let dir = lab.dir().to_path_buf();
    let f = lab.write_file(&format!("{ns}.conf"), conf);
    let pid = |k: &str| {
        dir.join(format!("{ns}-{k}.pid"))
            .to_string_lossy()
            .into_owned()
    };
    let (p, r, c) = (pid("p"), pid("r"), pid("c"));
    let fs = f.to_string_lossy().into_owned();
    let mut cmd = vec![
        bin, "-n", "-l", "-D", "-f", &fs, "-p", &p, "-r", &r, "-c", &c,
    ];
    cmd.extend_from_slice(extra);
    lab.spawn(ns, &cmd)
}

fn vrrp_pid(lab: &Lab, ns: &str) -> Option<i32> {
    let p = lab.dir().join(format!("{ns}-r.pid"));
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn kill9_namespace(lab: &mut Lab, ns: &str) {
    let full = lab.ns(ns);
    let out = lab::run_ok(&["ip", "netns", "pids", &full]);
    for pid in String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse::<i32>().ok())
    {
        // SAFETY: kill(2) on processes of our own lab namespace.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

fn is_master(p: &Spawned) -> bool {
    p.log().contains("(VI_1) Entering MASTER STATE")
}

/// The value after `key` in a stats file section line such as "    Sent: 3".
fn stat_after(text: &str, section: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(section)?..];
    let line = rest.lines().find(|l| l.trim_start().starts_with(key))?;
    line.split(':').nth(1)?.trim().parse().ok()
}

/// Asks the VRRP child for its stats and returns (adverts `key` ("Sent:" or "Received:"),
/// allocations).
fn stats(pid: i32, key: &str) -> Option<(u64, u64)> {
    let _ = std::fs::remove_file(STATS);
    // SAFETY: kill(2) on our own lab's VRRP child.
    unsafe { libc::kill(pid, libc::SIGUSR2) };
    let mut got = None;
    wait_until(Duration::from_secs(3), || {
        let t = std::fs::read_to_string(STATS).unwrap_or_default();
        let sent = stat_after(&t, "Advertisements:", key);
        let allocs = stat_after(&t, "Allocations", "Allocations:");
        got = sent.zip(allocs);
        got.is_some()
    });
    got
}

/// Reads the stats twice, at least three adverts (sent or received, `key`) apart: the
/// allocation count, which leaves out the stats dumps themselves, must not grow.
fn steady_without_allocations(pid: i32, key: &str) {
    let (n0, allocs0) = stats(pid, key).expect("stats with an Allocations line");
    let mut last = (n0, allocs0);
    assert!(
        wait_until(Duration::from_secs_f64(4.0 * ADVERT) + MARGIN, || {
            if let Some(s) = stats(pid, key) {
                last = s;
            }
            last.0 >= n0 + 3
        }),
        "adverts not counted: {last:?}"
    );
    assert_eq!(
        last.1,
        allocs0,
        "allocations grew over {} adverts {key}",
        last.0 - n0
    );
}

#[test]
fn alone_becomes_master_and_cleans_up_on_sigterm() {
    if !lab::require_root("alone_becomes_master_and_cleans_up_on_sigterm") {
        return;
    }
    let mut lab = Lab::new("smoke1");
    lab.stub_link("r", "eth0", "p0");
    lab.addr("r", "eth0", "10.61.0.1/24");
    let t0 = Instant::now();
    let mut ours = start(
        &mut lab,
        "r",
        OURS,
        &conf("MASTER", 150, "10.61.0.100/24"),
        &["--mem-check"],
    );
    let limit = down_interval(150) + MARGIN;
    assert!(
        wait_until(limit, || is_master(&ours)
            && lab.has_addr("r", "eth0", "10.61.0.100")),
        "not MASTER with its VIP within {limit:?}:\n{}",
        ours.log()
    );
    assert!(t0.elapsed() >= down_interval(150) - Duration::from_millis(200));

    // Steady MASTER: a few adverts must not allocate.
    let pid = vrrp_pid(&lab, "r").expect("VRRP child pidfile");
    steady_without_allocations(pid, "Sent:");

    // A reload with the same instance keeps it MASTER: no priority 0, VIPs untouched.
    ours.signal(libc::SIGHUP);
    assert!(
        wait_until(Duration::from_secs(5), || ours
            .log()
            .contains("Reload complete")),
        "no reload:\n{}",
        ours.log()
    );
    let log = ours.log();
    assert!(!log.contains("sent 0 priority"), "{log}");
    assert_eq!(log.matches("(VI_1) setting VIPs.").count(), 1, "{log}");
    assert!(lab.has_addr("r", "eth0", "10.61.0.100"));

    ours.signal(libc::SIGTERM);
    let st = ours.wait_timeout(Duration::from_secs(10));
    assert!(
        st.is_some_and(|s| s.success()),
        "exit {st:?}:\n{}",
        ours.log()
    );
    assert!(!lab.has_addr("r", "eth0", "10.61.0.100"), "VIP left behind");
    assert!(ours.log().contains("(VI_1) sent 0 priority"));
}

#[test]
fn two_of_ours_elect_the_higher_and_fail_over() {
    if !lab::require_root("two_of_ours_elect_the_higher_and_fail_over") {
        return;
    }
    let mut lab = Lab::new("smoke2");
    lab.switch("sw", &[("a", "eth0"), ("b", "eth0")]);
    lab.addr("a", "eth0", "10.62.0.1/24");
    lab.addr("b", "eth0", "10.62.0.2/24");
    let vip = "10.62.0.100/24";
    let a = start(&mut lab, "a", OURS, &conf("BACKUP", 200, vip), &[]);
    let b = start(
        &mut lab,
        "b",
        OURS,
        &conf("BACKUP", 100, vip),
        &["--mem-check"],
    );
    let limit = down_interval(200) + MARGIN;
    assert!(
        wait_until(limit, || is_master(&a)
            && lab.has_addr("a", "eth0", "10.62.0.100")),
        "a not MASTER within {limit:?}:\n{}",
        a.log()
    );
    // b hears a's adverts before its own, longer, down timer ends.
    assert!(
        !wait_until(down_interval(100) + Duration::from_secs(1), || is_master(
            &b
        )),
        "b became MASTER too:\n{}",
        b.log()
    );
    assert!(!lab.has_addr("b", "eth0", "10.62.0.100"));
    // Steady BACKUP: receiving adverts must not allocate.
    let pid = vrrp_pid(&lab, "b").expect("VRRP child pidfile");
    steady_without_allocations(pid, "Received:");

    kill9_namespace(&mut lab, "a");
    let killed = Instant::now();
    let limit = down_interval(100) + MARGIN;
    assert!(
        wait_until(limit, || is_master(&b)
            && lab.has_addr("b", "eth0", "10.62.0.100")),
        "b did not take over within {limit:?}:\n{}",
        b.log()
    );
    // The down timer started at a's last advert, up to one interval before the kill.
    let earliest = down_interval(100) - Duration::from_secs_f64(ADVERT + 0.2);
    assert!(
        killed.elapsed() >= earliest,
        "b took over {:?} after the kill",
        killed.elapsed()
    );
    drop(a);
}

/// How the two routers of a mixed test are set up.
#[derive(Clone, Copy)]
enum Variant {
    /// VRRPv2 multicast over IPv4, no authentication.
    V2,
    /// VRRPv2 multicast with a password.
    V2Pass,
    /// VRRPv2 unicast with IPsec AH.
    UnicastAh,
    /// VRRPv3 multicast over IPv6 with a 0.5 s interval.
    V3Ipv6,
}

impl Variant {
    /// Config of the router at lab address `me` (1 or 2) with peer `peer`.
    fn conf(self, prio: u8, me: u8, peer: u8) -> String {
        let (vip, extra) = match self {
            Variant::V2 => ("10.63.0.100/24".to_string(), String::new()),
            Variant::V2Pass => (
                "10.63.0.100/24".to_string(),
                "  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n".to_string(),
            ),
            Variant::UnicastAh => (
                "10.63.0.100/24".to_string(),
                format!(
                    "  unicast_src_ip 10.63.0.{me}\n  unicast_peer {{\n    10.63.0.{peer}\n  }}\n  \
                     authentication {{\n    auth_type AH\n    auth_pass k3y\n  }}\n"
                ),
            ),
            Variant::V3Ipv6 => ("fd63::100/64".to_string(), "  version 3\n".to_string()),
        };
        let int = self.advert();
        format!(
            "vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  \
             priority {prio}\n  advert_int {int}\n{extra}  virtual_ipaddress {{\n    {vip}\n  }}\n}}\n"
        )
    }

    fn advert(self) -> f64 {
        match self {
            Variant::V3Ipv6 => 0.5,
            _ => ADVERT,
        }
    }

    fn vip(self) -> &'static str {
        match self {
            Variant::V3Ipv6 => "fd63::100",
            _ => "10.63.0.100",
        }
    }

    fn down_interval(self, prio: u8) -> Duration {
        let a = self.advert();
        let skew = match self {
            Variant::V3Ipv6 => (256.0 - f64::from(prio)) * a / 256.0,
            _ => (256.0 - f64::from(prio)) / 256.0,
        };
        Duration::from_secs_f64(3.0 * a + skew)
    }
}

/// Ours and keepalived on one switch, the one named by `ours_high` with priority 200, the other
/// with 100: the higher must be MASTER with the VIP, the lower BACKUP without it.
fn against_keepalived(v: Variant, ours_high: bool) {
    let mut lab = Lab::new(if ours_high { "smoke3h" } else { "smoke3l" });
    lab.switch("sw", &[("o", "eth0"), ("k", "eth0")]);
    lab.addr("o", "eth0", "10.63.0.1/24");
    lab.addr("k", "eth0", "10.63.0.2/24");
    lab.addr("o", "eth0", "fd63::1/64");
    lab.addr("k", "eth0", "fd63::2/64");
    // A tentative link-local address (DAD still running) cannot be an IPv6 advert's source.
    for ns in ["o", "k"] {
        assert!(
            wait_until(Duration::from_secs(10), || {
                let out = lab.exec(
                    ns,
                    &["ip", "-6", "addr", "show", "dev", "eth0", "tentative"],
                );
                out.stdout.is_empty()
            }),
            "DAD did not finish in {ns}"
        );
    }
    let (po, pk) = if ours_high { (200, 100) } else { (100, 200) };
    let ours = start(&mut lab, "o", OURS, &v.conf(po, 1, 2), &[]);
    let theirs = start(&mut lab, "k", KEEPALIVED, &v.conf(pk, 2, 1), &[]);
    let (hi, lo, hi_ns, lo_ns) = if ours_high {
        (&ours, &theirs, "o", "k")
    } else {
        (&theirs, &ours, "k", "o")
    };
    let limit = v.down_interval(200) + MARGIN;
    assert!(
        wait_until(limit, || is_master(hi)
            && lab.has_addr(hi_ns, "eth0", v.vip())),
        "{hi_ns} not MASTER within {limit:?}:\n{}\n---\n{}",
        hi.log(),
        lo.log()
    );
    assert!(
        !wait_until(v.down_interval(100) + Duration::from_secs(2), || is_master(
            lo
        )),
        "{lo_ns} became MASTER too:\n{}\n---\n{}",
        lo.log(),
        hi.log()
    );
    assert!(lo.log().contains("(VI_1) Entering BACKUP STATE"));
    assert!(!lab.has_addr(lo_ns, "eth0", v.vip()));
}

fn keepalived_present(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, KEEPALIVED) && Path::new(OURS).exists()
}

#[test]
fn keepalived_higher_is_master_over_ours() {
    if keepalived_present("keepalived_higher_is_master_over_ours") {
        against_keepalived(Variant::V2, false);
    }
}

#[test]
fn ours_higher_is_master_over_keepalived() {
    if keepalived_present("ours_higher_is_master_over_keepalived") {
        against_keepalived(Variant::V2, true);
    }
}

#[test]
fn keepalived_and_ours_agree_with_a_password() {
    if keepalived_present("keepalived_and_ours_agree_with_a_password") {
        against_keepalived(Variant::V2Pass, true);
        against_keepalived(Variant::V2Pass, false);
    }
}

#[test]
fn keepalived_and_ours_agree_over_unicast_with_ah() {
    if keepalived_present("keepalived_and_ours_agree_over_unicast_with_ah") {
        against_keepalived(Variant::UnicastAh, true);
        against_keepalived(Variant::UnicastAh, false);
    }
}

#[test]
fn keepalived_and_ours_agree_with_vrrpv3_over_ipv6() {
    if keepalived_present("keepalived_and_ours_agree_with_vrrpv3_over_ipv6") {
        against_keepalived(Variant::V3Ipv6, true);
        against_keepalived(Variant::V3Ipv6, false);
    }
}
