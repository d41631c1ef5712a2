//! Network-namespace labs for integration tests (root only).
//!
//! Include with `mod lab;` from a test file. A [`Lab`] owns uniquely named namespaces (`kl<pid>_<n>_<short>`),
//! the veth pairs and bridges between them, and every process it spawned; dropping it (also while a test
//! panics) kills those processes and deletes the namespaces. Labs from all test binaries run one at a
//! time: each holds an exclusive `flock` on [`LOCK_PATH`] for its whole life, so never hold two labs at once
//! in one test.

// Each test binary uses a different part of this helper.
#![allow(dead_code)]

pub mod check;
pub mod daemon;
pub mod dump;
pub mod json;
mod prereq;
pub mod raw;
mod spawn;
pub mod stats;
pub mod vrrp;
pub mod wire;

// Each test binary uses a different part of the helper.
#[allow(unused_imports)]
pub use prereq::{in_ci, require_program, require_root, shared_dir, skip, skipped};
pub use spawn::Spawned;

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const LOCK_PATH: &str = "/tmp/keepalived-rs-lab.lock";
const NS_PREFIX: &str = "kl";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Polls `cond` every 20 ms until it holds (true) or `timeout` passes (false).
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a host command; panics with its output when it fails (lab plumbing must not fail quietly).
pub fn run_ok(args: &[&str]) -> Output {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {args:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{args:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// A set of network namespaces and what runs in them.
pub struct Lab {
    name: String,
    tag: String,
    namespaces: BTreeMap<String, String>,
    dir: PathBuf,
    spawned: u32,
    _lock: File,
}

fn base36(mut n: u32) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

pub fn lock_labs() -> File {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LOCK_PATH)
        .unwrap_or_else(|e| panic!("cannot open {LOCK_PATH}: {e}"));
    // SAFETY: flock on a descriptor we own; it blocks until the previous lab is gone.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(
        rc,
        0,
        "flock {LOCK_PATH}: {}",
        std::io::Error::last_os_error()
    );
    f
}

fn netns_list() -> Vec<String> {
    let out = Command::new("ip").args(["netns", "list"]).output();
    let Ok(out) = out else { return Vec::new() };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Kills every process in namespace `ns` and deletes it; best effort (runs from Drop).
fn destroy_ns(ns: &str) {
    for _ in 0..3 {
        let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() else {
            break;
        };
        let pids: Vec<i32> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            // SAFETY: kill(2) has no memory effects; these pids live in our own lab namespace.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("ip")
        .args(["netns", "del", ns])
        .stderr(Stdio::null())
        .status();
}

/// Deletes namespaces left by lab processes that died without cleaning up (SIGKILL, abort).
fn reap_stale() {
    for ns in netns_list() {
        let Some(rest) = ns.strip_prefix(NS_PREFIX) else {
            continue;
        };
        let Some(pid36) = rest.split('_').next() else {
            continue;
        };
        let Ok(pid) = u32::from_str_radix(pid36, 36) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            destroy_ns(&ns);
        }
    }
    // Files of labs whose test process is gone (kept because that test failed).
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(tag) = name.strip_prefix("keepalived-rs-") else {
            continue;
        };
        let pid = tag
            .strip_prefix(NS_PREFIX)
            .and_then(|t| t.split('_').next())
            .and_then(|p| u32::from_str_radix(p, 36).ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Lab {
    /// A new, empty lab; blocks while another lab (of any test binary) exists.
    pub fn new(name: &str) -> Lab {
        let lock = lock_labs();
        reap_stale();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tag = format!("{NS_PREFIX}{}_{}", base36(std::process::id()), base36(n));
        let dir = std::env::temp_dir().join(format!("keepalived-rs-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {dir:?}: {e}"));
        Lab {
            name: name.to_string(),
            tag,
            namespaces: BTreeMap::new(),
            dir,
            spawned: 0,
            _lock: lock,
        }
    }

    /// A directory for this lab's files (configs, logs); removed with the lab.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `text` to `<lab dir>/<file>` and returns its path.
    pub fn write_file(&self, file: &str, text: &str) -> PathBuf {
        let p = self.dir.join(file);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {p:?}: {e}"));
        p
    }

    /// The real name of namespace `short`, creating it (with `lo` up) on first use.
    pub fn ns(&mut self, short: &str) -> String {
        if let Some(full) = self.namespaces.get(short) {
            return full.clone();
        }
        let full = format!("{}_{short}", self.tag);
        assert!(
            full.len() <= 15,
            "lab {}: namespace name {full} too long; use a shorter name than {short:?}",
            self.name
        );
        run_ok(&["ip", "netns", "add", &full]);
        self.namespaces.insert(short.to_string(), full.clone());
        run_ok(&["ip", "-n", &full, "link", "set", "lo", "up"]);
        full
    }

    /// A veth pair `a.0:a.1` <-> `b.0:b.1` between two namespaces (by short name), both ends up.
    pub fn veth(&mut self, a: (&str, &str), b: (&str, &str)) {
        let (na, nb) = (self.ns(a.0), self.ns(b.0));
        check_ifname(a.1);
        check_ifname(b.1);
        run_ok(&[
            "ip", "-n", &na, "link", "add", a.1, "type", "veth", "peer", "name", b.1, "netns", &nb,
        ]);
        self.up(a.0, a.1);
        self.up(b.0, b.1);
    }

    /// A veth pair with both ends in one namespace: gives `ifname` a link without a peer router
    /// (this kernel has no dummy or vlan link types).
    pub fn stub_link(&mut self, ns: &str, ifname: &str, peer: &str) {
        let n = self.ns(ns);
        check_ifname(ifname);
        check_ifname(peer);
        run_ok(&[
            "ip", "-n", &n, "link", "add", ifname, "type", "veth", "peer", "name", peer,
        ]);
        self.up(ns, peer);
        self.up(ns, ifname);
    }

    /// A switch: namespace `sw` holding bridge `br0`, with a veth from each `(ns, ifname)` to a port.
    pub fn switch(&mut self, sw: &str, members: &[(&str, &str)]) {
        let s = self.ns(sw);
        if !self
            .exec(sw, &["ip", "link", "show", "br0"])
            .status
            .success()
        {
            run_ok(&["ip", "-n", &s, "link", "add", "br0", "type", "bridge"]);
            self.up(sw, "br0");
        }
        for (ns, ifname) in members {
            let port = format!("{ns}-{ifname}");
            let port = if port.len() > 15 {
                format!("p{}", self.port_count(sw))
            } else {
                port
            };
            self.veth((ns, ifname), (sw, &port));
            run_ok(&["ip", "-n", &s, "link", "set", &port, "master", "br0"]);
        }
    }

    fn port_count(&mut self, sw: &str) -> usize {
        let out = self.exec(sw, &["ip", "-o", "link", "show"]);
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    pub fn up(&mut self, ns: &str, ifname: &str) {
        let n = self.ns(ns);
        run_ok(&["ip", "-n", &n, "link", "set", ifname, "up"]);
    }

    pub fn down(&mut self, ns: &str, ifname: &str) {
        let n = self.ns(ns);
        run_ok(&["ip", "-n", &n, "link", "set", ifname, "down"]);
    }

    /// Adds address `cidr` (e.g. "10.0.0.1/24" or "fd00::1/64") to `ifname`.
    pub fn addr(&mut self, ns: &str, ifname: &str, cidr: &str) {
        let n = self.ns(ns);
        let mut args = vec!["ip", "-n", &n];
        if cidr.contains(':') {
            args.push("-6");
        }
        args.extend(["addr", "add", cidr, "dev", ifname]);
        if cidr.contains(':') {
            // Duplicate address detection would delay the address by seconds.
            args.push("nodad");
        }
        run_ok(&args);
    }

    /// True when `ifname` in `ns` carries address `addr` (no prefix length), e.g. a VIP.
    pub fn has_addr(&mut self, ns: &str, ifname: &str, addr: &str) -> bool {
        let out = self.exec(ns, &["ip", "-o", "addr", "show", "dev", ifname]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr))
    }

    /// Captures packets on `ifname` in `ns` into `<lab dir>/<file>` (pcap) until the returned process is
    /// dropped; waits until the capture is running.
    pub fn capture(&mut self, ns: &str, ifname: &str, file: &str) -> (Spawned, PathBuf) {
        let path = self.dir.join(file);
        let p = path.to_string_lossy().into_owned();
        let cap = self.spawn(ns, &["tshark", "-i", ifname, "-w", &p, "-F", "pcap", "-q"]);
        // tshark says so once dumpcap listens; packets sent before that would be lost. On a
        // loaded 2-core machine its start has taken over 10 s: a capture that never started
        // is a broken lab, not an empty capture.
        let started = wait_until(Duration::from_secs(60), || {
            cap.log().contains("Capture started")
        });
        assert!(
            started,
            "tshark did not start on {ns}/{ifname}:\n{}",
            cap.log()
        );
        (cap, path)
    }

    /// Stops a capture so that everything it saw is in its file: tshark (dumpcap) buffers its
    /// writes, and a SIGKILL (what dropping a [`Spawned`] sends) loses the last of them.
    pub fn stop_capture(&mut self, cap: Spawned) {
        let mut cap = cap;
        cap.signal(libc::SIGINT);
        assert!(
            cap.wait_timeout(Duration::from_secs(10)).is_some(),
            "tshark did not stop on SIGINT:\n{}",
            cap.log()
        );
    }

    /// Runs `cmd` in namespace `ns` and returns its output (never panics on the command's failure).
    pub fn exec(&mut self, ns: &str, cmd: &[&str]) -> Output {
        let n = self.ns(ns);
        Command::new("ip")
            .args(["netns", "exec", &n])
            .args(cmd)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?} in {n}: {e}"))
    }

    /// Runs `cmd` in `ns`; panics with its output unless it succeeds.
    pub fn exec_ok(&mut self, ns: &str, cmd: &[&str]) -> Output {
        let out = self.exec(ns, cmd);
        if !out.status.success() {
            panic!(
                "{cmd:?} in {ns} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out
    }

    /// Starts `cmd` in `ns` with stdout and stderr going to a log file in the lab directory.
    pub fn spawn(&mut self, ns: &str, cmd: &[&str]) -> Spawned {
        let n = self.ns(ns);
        self.spawned += 1;
        let prog = Path::new(cmd[0])
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let log = self.dir.join(format!("{}-{ns}-{prog}.log", self.spawned));
        let out = File::create(&log).unwrap_or_else(|e| panic!("create {log:?}: {e}"));
        let err = out
            .try_clone()
            .unwrap_or_else(|e| panic!("dup {log:?}: {e}"));
        let child = Command::new("ip")
            .args(["netns", "exec", &n])
            .args(cmd)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?} in {n}: {e}"));
        Spawned { child, log }
    }
}

fn check_ifname(name: &str) {
    assert!(
        !name.is_empty() && name.len() <= 15,
        "interface name {name:?} must be 1..=15 bytes"
    );
}

impl Drop for Lab {
    fn drop(&mut self) {
        for full in self.namespaces.values() {
            destroy_ns(full);
        }
        if std::thread::panicking() {
            eprintln!("lab {}: files kept in {}", self.name, self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
