//! Running VRRP routers (ours or keepalived 2.2.7) in a lab and watching them: state, VIPs, adverts.
//!
//! The router binary is always a parameter, so every scenario can be proven with keepalived in
//! both roles (`KEEPALIVED_RS_BIN=/usr/sbin/keepalived`) and then run with ours.

use super::{check, wait_until, Lab, Spawned};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub use check::KEEPALIVED;

/// The binary under test (`$KEEPALIVED_RS_BIN`, else ours).
pub fn ours() -> String {
    check::ours()
}

/// Slack on every deadline derived from the protocol timers: process start, netlink, a loaded
/// 2-core CI machine.
pub const MARGIN: Duration = Duration::from_secs(2);

/// How long SIGTERM may take: keepalived's parent waits up to 5 s for its children.
const STOP_DEADLINE: Duration = Duration::from_secs(10);

/// How long two routers may both say MASTER during a handover: the new master advertises as it
/// takes over, and the old one yields on that advert.
const TWO_MASTERS_GRACE: Duration = Duration::from_secs(1);

static STARTS: AtomicU32 = AtomicU32::new(0);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    Pass,
    Ah,
}

/// How the two routers' `eth0` are joined: a veth pair, or a bridge in namespace "sw" (needed
/// when one side's link goes down: a veth peer would lose its carrier too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wiring {
    Veth,
    Switch,
}

/// Router `host` (1, 2, ...) of the lab subnet.
pub fn addr(family: Family, host: u8) -> String {
    match family {
        Family::V4 => format!("10.7.0.{host}"),
        Family::V6 => format!("fd00::{host}"),
    }
}

pub fn vip(family: Family) -> &'static str {
    match family {
        Family::V4 => "10.7.0.100",
        Family::V6 => "fd00::100",
    }
}

/// Namespaces `r1`, `r2`, ... with `eth0` on one link, addresses 10.7.0.N/24 and fd00::N/64 (plus
/// link-local). DAD is off so IPv6 sources are usable at once.
pub fn routers_lab(name: &str, hosts: u8, wiring: Wiring) -> Lab {
    let mut lab = Lab::new(name);
    let names: Vec<String> = (1..=hosts).map(|h| format!("r{h}")).collect();
    for ns in &names {
        for scope in ["all", "default"] {
            let key = format!("net.ipv6.conf.{scope}.accept_dad=0");
            lab.exec_ok(ns, &["sysctl", "-qw", &key]);
        }
    }
    match wiring {
        Wiring::Veth => {
            assert_eq!(hosts, 2, "a veth pair joins two routers");
            lab.veth(("r1", "eth0"), ("r2", "eth0"));
        }
        Wiring::Switch => {
            let members: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "eth0")).collect();
            lab.switch("sw", &members);
        }
    }
    for (i, ns) in names.iter().enumerate() {
        let host = i as u8 + 1;
        lab.addr(ns, "eth0", &format!("{}/24", addr(Family::V4, host)));
        lab.addr(ns, "eth0", &format!("{}/64", addr(Family::V6, host)));
    }
    lab
}

/// One `vrrp_instance VI_1` on `eth0` of router `host`, peering with the `peers` hosts.
#[derive(Clone, Debug)]
pub struct Instance {
    pub host: u8,
    pub peers: Vec<u8>,
    pub version: u8,
    pub family: Family,
    pub unicast: bool,
    pub auth: Auth,
    pub priority: u8,
    /// Seconds; v2 takes whole seconds.
    pub advert_int: f64,
    pub nopreempt: bool,
    pub preempt_delay: Option<f64>,
    pub vrid: u8,
}

impl Instance {
    /// v3 over IPv4 multicast, advert_int 0.2 s, between hosts 1 and 2.
    pub fn new(host: u8, priority: u8) -> Instance {
        Instance {
            host,
            peers: vec![3 - host],
            version: 3,
            family: Family::V4,
            unicast: false,
            auth: Auth::None,
            priority,
            advert_int: 0.2,
            nopreempt: false,
            preempt_delay: None,
            vrid: 51,
        }
    }

    /// VRRPv2 needs whole seconds.
    pub fn v2(mut self) -> Instance {
        self.version = 2;
        self.advert_int = self.advert_int.ceil().max(1.0);
        self
    }

    pub fn vip(&self) -> &'static str {
        vip(self.family)
    }

    pub fn master_down(&self) -> Duration {
        master_down(self.version, self.advert_int, self.priority)
    }

    pub fn config(&self) -> String {
        let mut c = String::new();
        // Writing to a String cannot fail.
        let _ = write!(
            c,
            "global_defs {{\n  router_id r{}\n}}\n\
             vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id {}\n  \
             priority {}\n  advert_int {}\n  version {}\n",
            self.host, self.vrid, self.priority, self.advert_int, self.version
        );
        if self.nopreempt {
            c.push_str("  nopreempt\n");
        }
        if let Some(d) = self.preempt_delay {
            let _ = writeln!(c, "  preempt_delay {d}");
        }
        match self.auth {
            Auth::None => {}
            Auth::Pass => {
                c.push_str("  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n")
            }
            Auth::Ah => {
                c.push_str("  authentication {\n    auth_type AH\n    auth_pass s3cret\n  }\n")
            }
        }
        if self.unicast {
            let _ = writeln!(c, "  unicast_src_ip {}", addr(self.family, self.host));
            c.push_str("  unicast_peer {\n");
            for p in &self.peers {
                let _ = writeln!(c, "    {}", addr(self.family, *p));
            }
            c.push_str("  }\n");
        }
        let len = if self.family == Family::V4 { 24 } else { 64 };
        let _ = write!(
            c,
            "  virtual_ipaddress {{\n    {}/{len} dev eth0\n  }}\n}}\n",
            self.vip()
        );
        c
    }
}

/// Skew_Time: v2 counts (256 - P)/256 s whatever the interval; v3 scales it by the interval.
pub fn skew(version: u8, advert_int: f64, priority: u8) -> Duration {
    let unit = if version == 2 { 1.0 } else { advert_int };
    Duration::from_secs_f64(f64::from(256 - u32::from(priority)) * unit / 256.0)
}

/// Master_Down_Interval = 3 × advert_int + Skew_Time: how long a backup waits for a silent master.
pub fn master_down(version: u8, advert_int: f64, priority: u8) -> Duration {
    Duration::from_secs_f64(3.0 * advert_int) + skew(version, advert_int, priority)
}

/// How long to watch a pair elected from a simultaneous start: past the loser's own
/// Master_Down_Interval (a backup ignoring the master's adverts would have taken over by then),
/// plus one advert.
pub fn after_election(winner: &Instance, loser: &Instance) -> Duration {
    loser.master_down().saturating_sub(winner.master_down())
        + Duration::from_secs_f64(winner.advert_int)
        + Duration::from_millis(300)
}

/// How long to watch after a takeover: a demoted router ignoring the new master's adverts would
/// come back within its Master_Down_Interval.
pub fn after_takeover(loser: &Instance) -> Duration {
    loser.master_down() + Duration::from_millis(300)
}

/// A VRRP daemon (`bin -n -l -D`) running in one lab namespace.
pub struct Router {
    pub name: String,
    ns: String,
    proc: Spawned,
    pidfiles: Vec<PathBuf>,
}

impl Router {
    /// Starts `bin` in namespace `ns` (short name) with `config`; pidfiles and log in the lab dir.
    pub fn start(lab: &mut Lab, ns: &str, bin: &str, config: &str) -> Router {
        let n = STARTS.fetch_add(1, Ordering::SeqCst);
        let full = lab.ns(ns);
        let conf = lab.write_file(&format!("{ns}-{n}.conf"), config);
        let pidfiles: Vec<PathBuf> = ["main", "vrrp", "check"]
            .iter()
            .map(|k| lab.dir().join(format!("{ns}-{n}-{k}.pid")))
            .collect();
        let paths: Vec<String> = std::iter::once(&conf)
            .chain(&pidfiles)
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let cmd = [
            bin, "-n", "-l", "-D", "-f", &paths[0], "-p", &paths[1], "-r", &paths[2], "-c",
            &paths[3],
        ];
        let proc = lab.spawn(ns, &cmd);
        Router {
            name: format!("{ns}({})", short_bin(bin)),
            ns: full,
            proc,
            pidfiles,
        }
    }

    pub fn log(&self) -> String {
        self.proc.log()
    }

    /// The state of the last "Entering X STATE" line, e.g. "MASTER".
    pub fn state_from_log(&self) -> Option<String> {
        state_in(&self.log())
    }

    pub fn is_master(&self) -> bool {
        self.state_from_log().as_deref() == Some("MASTER")
    }

    /// True when any interface of the router's namespace carries `addr` (a VIP).
    pub fn holds_vip(&self, addr: &str) -> bool {
        let out = Command::new("ip")
            .args(["-n", &self.ns, "-o", "addr"])
            .output();
        let Ok(out) = out else { return false };
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr))
    }

    pub fn wait_state(&self, state: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.state_from_log().as_deref() == Some(state))
    }

    pub fn running(&mut self) -> bool {
        self.proc.try_wait().is_none()
    }

    /// SIGTERM, as an init system stops it; panics unless the daemon exits in time.
    pub fn stop(&mut self) {
        self.terminate();
        self.wait_exit();
    }

    /// Sends SIGTERM without waiting, to watch what happens while the daemon shuts down.
    pub fn terminate(&self) {
        self.proc.signal(libc::SIGTERM);
    }

    /// Waits for the daemon to end after [`Router::terminate`]; panics past the deadline.
    pub fn wait_exit(&mut self) {
        if self.proc.wait_timeout(STOP_DEADLINE).is_none() {
            panic!("{} ignored SIGTERM:\n{}", self.name, tail(&self.log()));
        }
    }

    /// A crash: SIGKILL for the parent and every child, so nobody sends a priority-0 advert or
    /// removes the VIPs.
    pub fn kill9(&mut self) {
        let parent = self.proc.pid();
        // Stopped first, so it cannot respawn a child or pass a signal on while the rest die.
        self.proc.signal(libc::SIGSTOP);
        let mut pids: Vec<i32> = self
            .pidfiles
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|s| s.trim().parse().ok())
            .filter(|&p| p > 1)
            .collect();
        pids.extend(children_of(parent));
        pids.retain(|&p| p != parent);
        for &pid in &pids {
            // SAFETY: kill(2) has no memory effects; these are the daemon's own processes.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        self.proc.signal(libc::SIGKILL);
        assert!(
            self.proc.wait_timeout(STOP_DEADLINE).is_some(),
            "{} survived SIGKILL",
            self.name
        );
        assert!(
            wait_until(STOP_DEADLINE, || pids.iter().all(|&p| !alive(p))),
            "{}: children {pids:?} survived SIGKILL",
            self.name
        );
    }
}

fn short_bin(bin: &str) -> &str {
    if bin == KEEPALIVED {
        "keepalived"
    } else {
        "ours"
    }
}

/// The state named by the last "Entering X STATE" line of a keepalived-style log.
pub fn state_in(log: &str) -> Option<String> {
    log.lines().rev().find_map(|l| {
        let (_, rest) = l.split_once("Entering ")?;
        let mut words = rest.split_whitespace();
        let state = words.next()?;
        (words.next() == Some("STATE")).then(|| state.to_string())
    })
}

pub fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn alive(pid: i32) -> bool {
    // A zombie (state Z) is dead for us.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().next())
            .is_some_and(|st| st != "Z"),
        Err(_) => false,
    }
}

/// Pids whose parent is `parent`, and theirs, found through /proc.
fn children_of(parent: i32) -> Vec<i32> {
    let mut all: Vec<(i32, i32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().nth(1))
                .and_then(|p| p.parse::<i32>().ok());
            if let Some(ppid) = ppid {
                all.push((pid, ppid));
            }
        }
    }
    let mut found = vec![parent];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(all.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

/// What the routers show right now: name, state, whether each holds the VIP.
pub fn describe(routers: &[&Router], vip: &str) -> String {
    routers
        .iter()
        .map(|r| {
            format!(
                "{}: {:?}{}",
                r.name,
                r.state_from_log(),
                if r.holds_vip(vip) { " +VIP" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One MASTER holding the VIP; every other router says it is BACKUP or FAULT (a silent one is not
/// taking part) and holds no VIP.
fn settled(master: &Router, others: &[&Router], vip: &str) -> bool {
    master.is_master()
        && master.holds_vip(vip)
        && others.iter().all(|o| {
            matches!(o.state_from_log().as_deref(), Some("BACKUP" | "FAULT")) && !o.holds_vip(vip)
        })
}

#[track_caller]
fn fail(what: &str, master: &Router, others: &[&Router], vip: &str) -> ! {
    let mut all = vec![master];
    all.extend_from_slice(others);
    let mut msg = format!("{what}: {}\n", describe(&all, vip));
    for r in all {
        let _ = write!(msg, "--- {} log:\n{}\n", r.name, tail(&r.log()));
    }
    panic!("{msg}");
}

/// Waits until `master` is the one MASTER and the only holder of `vip`; panics with logs at
/// `timeout`, or as soon as two routers have both been MASTER for a while. Returns how long it took.
#[track_caller]
pub fn expect_master(
    master: &Router,
    others: &[&Router],
    vip: &str,
    timeout: Duration,
) -> Duration {
    let t0 = Instant::now();
    let mut two_since: Option<Instant> = None;
    let mut two_masters = false;
    let done = wait_until(timeout, || {
        if settled(master, others, vip) {
            return true;
        }
        let masters = std::iter::once(&master)
            .chain(others)
            .filter(|r| r.is_master())
            .count();
        if masters < 2 {
            two_since = None;
            return false;
        }
        two_masters = two_since.get_or_insert_with(Instant::now).elapsed() > TWO_MASTERS_GRACE;
        two_masters
    });
    if two_masters {
        fail("two MASTERs at once", master, others, vip);
    }
    if !done {
        let what = format!(
            "{} not the only MASTER with the VIP after {timeout:?}",
            master.name
        );
        fail(&what, master, others, vip);
    }
    t0.elapsed()
}

/// Checks the situation `expect_master` waited for keeps holding for `period` (no flapping, no
/// second master).
#[track_caller]
pub fn expect_stable(master: &Router, others: &[&Router], vip: &str, period: Duration) {
    let end = Instant::now() + period;
    while Instant::now() < end {
        if !settled(master, others, vip) {
            fail(
                &format!("{} lost mastership", master.name),
                master,
                others,
                vip,
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_is_read_from_the_last_entering_line() {
        let log = "x: (VI_1) Entering BACKUP STATE (init)\nx: (VI_1) Entering MASTER STATE\n\
                   x: (VI_1) setting VIPs.\n";
        assert_eq!(state_in(log).as_deref(), Some("MASTER"));
        assert_eq!(state_in("x: Entering the loop\n"), None);
    }

    #[test]
    fn master_down_follows_the_rfc_formulas() {
        // 3 × 1 s + (256 - 100)/256 s.
        assert_eq!(master_down(2, 1.0, 100), Duration::from_micros(3_609_375));
        assert_eq!(master_down(3, 1.0, 100), Duration::from_micros(3_609_375));
        // v3 scales the skew with the interval; v2 does not.
        assert_eq!(skew(3, 0.5, 0), Duration::from_millis(500));
        assert_eq!(skew(2, 2.0, 0), Duration::from_secs(1));
    }

    #[test]
    fn config_names_what_the_instance_uses() {
        let mut i = Instance::new(1, 200).v2();
        i.unicast = true;
        i.auth = Auth::Ah;
        i.nopreempt = true;
        let c = i.config();
        for want in [
            "version 2",
            "advert_int 1\n",
            "priority 200",
            "auth_type AH",
            "unicast_src_ip 10.7.0.1",
            "    10.7.0.2\n",
            "10.7.0.100/24 dev eth0",
            "nopreempt",
        ] {
            assert!(c.contains(want), "{want:?} missing from\n{c}");
        }
    }
}
