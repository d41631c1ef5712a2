//! The process model, end to end with the built binary: parent + VRRP child, respawn after a
//! kill, `-R`, the pidfile start check, SIGHUP with a broken config, SIGTERM.
//!
//! Needs root (pidfiles, prctl, kill) and keepalived's full command line (-p/-r/-c/-R). Without
//! them the tests print SKIPPED; with CI=true a skip is a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_keepalived");
const DEADLINE: Duration = Duration::from_secs(10);

// The interface does not exist (dynamic_interfaces lets it appear later): the instance can
// never put anything on a host network, and these tests need no namespace.
const GOOD_CONF: &str = "\
global_defs {
  router_id pm_test
  dynamic_interfaces
}
vrrp_instance VI_1 {
  state BACKUP
  interface kapm-none0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.51/32
  }
}
";

const LVS_CONF: &str = "\
virtual_server 192.0.2.1 80 {
  delay_loop 6
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 192.0.2.2 80 {
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
";

fn skip(why: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("process_model test cannot run: {why}");
    }
    eprintln!("\n*** SKIPPED: {why} ***\n");
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Polls `cond` every 20 ms until it holds or the deadline passes.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Checks `cond` keeps holding for `period`.
fn holds_for(what: &str, period: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + period;
    while Instant::now() < end {
        assert!(cond(), "stopped holding: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for us.
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            .unwrap_or(false),
        Err(_) => false,
    }
}

fn ppid(pid: i32) -> Option<i32> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn comm(pid: i32) -> String {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: plain syscall on a process this test started.
    unsafe { libc::kill(pid, sig) };
}

fn read_pid(p: &Path) -> Option<i32> {
    fs::read_to_string(p).ok()?.trim().parse().ok()
}

struct Lab {
    dir: PathBuf,
    conf: PathBuf,
    main_pid: PathBuf,
    vrrp_pid: PathBuf,
    check_pid: PathBuf,
    procs: Vec<Child>,
}

impl Lab {
    fn new(name: &str) -> Lab {
        let dir = std::env::temp_dir().join(format!("ka-pm-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        let conf = dir.join("keepalived.conf");
        fs::write(&conf, GOOD_CONF).expect("config");
        Lab {
            main_pid: dir.join("keepalived.pid"),
            vrrp_pid: dir.join("vrrp.pid"),
            check_pid: dir.join("checkers.pid"),
            conf,
            dir,
            procs: Vec::new(),
        }
    }

    fn start(&mut self, extra: &[&str], log_name: &str) -> usize {
        let log = fs::File::create(self.dir.join(log_name)).expect("log");
        let mut cmd = Command::new(BIN);
        cmd.args(["-n", "-l", "-f"])
            .arg(&self.conf)
            .arg("-p")
            .arg(&self.main_pid)
            .arg("-r")
            .arg(&self.vrrp_pid)
            .arg("-c")
            .arg(&self.check_pid)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        self.procs.push(cmd.spawn().expect("spawn keepalived"));
        self.procs.len() - 1
    }

    fn log_text(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    /// Starts the daemon and waits for parent and VRRP child; None (after a loud skip) when
    /// the environment or the command line can't run the test.
    fn start_ready(&mut self, extra: &[&str]) -> Option<(i32, i32)> {
        if !is_root() {
            skip("needs root");
            return None;
        }
        let i = self.start(extra, "log");
        let end = Instant::now() + DEADLINE;
        loop {
            if let (Some(m), Some(v)) = (read_pid(&self.main_pid), read_pid(&self.vrrp_pid)) {
                if alive(m) && alive(v) {
                    return Some((m, v));
                }
            }
            if let Ok(Some(st)) = self.procs[i].try_wait() {
                let log = self.log_text("log");
                if log.contains("unrecognized option") {
                    skip("the command line parser lacks -p/-r/-c/-R (needs the cli branch)");
                    return None;
                }
                panic!("keepalived exited early ({st}):\n{log}");
            }
            assert!(
                Instant::now() < end,
                "daemon did not start:\n{}",
                self.log_text("log")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_exit(&mut self, i: usize) -> ExitStatus {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Ok(Some(st)) = self.procs[i].try_wait() {
                return st;
            }
            assert!(
                Instant::now() < end,
                "keepalived did not exit:\n{}",
                self.log_text("log")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Log lines are only checked when a logger writes them (the logging module may still be a
    /// placeholder that drops everything).
    fn logs_enabled(&self) -> bool {
        self.log_text("log").contains("Starting Keepalived")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Leave nothing behind when a test fails half-way.
        if let Some(v) = read_pid(&self.vrrp_pid) {
            if self.procs.iter().any(|p| ppid(v) == Some(p.id() as i32)) {
                kill(v, libc::SIGKILL);
            }
        }
        for p in &mut self.procs {
            let _ = p.kill();
            let _ = p.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn start_respawn_and_stop() {
    let mut lab = Lab::new("respawn");
    let Some((main, vrrp)) = lab.start_ready(&[]) else {
        return;
    };
    assert_eq!(main, lab.procs[0].id() as i32);
    assert_eq!(ppid(vrrp), Some(main), "VRRP child's parent");
    assert_eq!(comm(vrrp), "Keepalived_vrrp");
    assert!(
        !lab.check_pid.exists(),
        "no checker child without virtual_server"
    );

    kill(vrrp, libc::SIGKILL);
    wait_until(
        "a new VRRP child",
        || matches!(read_pid(&lab.vrrp_pid), Some(p) if p != vrrp && alive(p) && ppid(p) == Some(main)),
    );
    let vrrp2 = read_pid(&lab.vrrp_pid).unwrap_or(0);
    if lab.logs_enabled() {
        let log = lab.log_text("log");
        assert!(
            log.contains(&format!("Starting VRRP child process, pid={vrrp}")),
            "{log}"
        );
        assert!(
            log.contains(&format!("VRRP child process({vrrp}) died: Respawning")),
            "{log}"
        );
        assert!(
            log.contains(&format!("Starting VRRP child process, pid={vrrp2}")),
            "{log}"
        );
    }

    kill(main, libc::SIGTERM);
    let st = lab.wait_exit(0);
    assert_eq!(st.code(), Some(0), "{}", lab.log_text("log"));
    wait_until("VRRP child gone", || !alive(vrrp2));
    assert!(!lab.main_pid.exists(), "main pidfile left behind");
    assert!(!lab.vrrp_pid.exists(), "vrrp pidfile left behind");
    if lab.logs_enabled() {
        let log = lab.log_text("log");
        assert!(log.contains("Stopping"), "{log}");
        assert!(log.contains("Stopped Keepalived v"), "{log}");
    }
}

#[test]
fn dont_respawn_stops_the_parent() {
    let mut lab = Lab::new("norespawn");
    let Some((main, vrrp)) = lab.start_ready(&["-R"]) else {
        return;
    };
    kill(vrrp, libc::SIGKILL);
    let st = lab.wait_exit(0);
    assert_eq!(st.code(), Some(0));
    assert!(!alive(main));
    assert!(!lab.main_pid.exists());
    assert!(!lab.vrrp_pid.exists());
    if lab.logs_enabled() {
        let log = lab.log_text("log");
        assert!(
            log.contains(&format!("VRRP child process({vrrp}) died: Exiting")),
            "{log}"
        );
    }
}

#[test]
fn second_start_with_same_pidfile_is_refused() {
    let mut lab = Lab::new("twice");
    let Some((main, vrrp)) = lab.start_ready(&[]) else {
        return;
    };
    let second = lab.start(&[], "log2");
    let st = lab.wait_exit(second);
    // keepalived 2.2.7 logs "daemon is already running" and exits 0; so do we.
    assert_eq!(st.code(), Some(0));
    assert_eq!(read_pid(&lab.main_pid), Some(main));
    assert_eq!(read_pid(&lab.vrrp_pid), Some(vrrp));
    assert!(alive(main) && alive(vrrp));
    if lab.logs_enabled() {
        let log2 = lab.log_text("log2");
        assert!(log2.contains("daemon is already running"), "{log2}");
    }
    kill(main, libc::SIGTERM);
    lab.wait_exit(0);
}

#[test]
fn sighup_with_broken_config_keeps_running() {
    let mut lab = Lab::new("reload");
    let Some((main, vrrp)) = lab.start_ready(&[]) else {
        return;
    };
    fs::write(&lab.conf, format!("{GOOD_CONF}vrrp_instance VI_2 {{\n")).expect("break config");
    kill(main, libc::SIGHUP);
    if lab.logs_enabled() {
        wait_until("reload refusal logged", || {
            lab.log_text("log")
                .contains("keeping the running configuration")
        });
        assert!(
            lab.log_text("log").contains("keepalived.conf:"),
            "names the file and line"
        );
    }
    holds_for(
        "parent and child alive after a bad reload",
        Duration::from_secs(1),
        || alive(main) && alive(vrrp),
    );

    fs::write(&lab.conf, GOOD_CONF).expect("fix config");
    kill(main, libc::SIGHUP);
    if lab.logs_enabled() {
        wait_until("child reloaded", || {
            lab.log_text("log").contains("Reload complete")
        });
    }
    holds_for(
        "same child after a good reload",
        Duration::from_millis(500),
        || alive(vrrp) && read_pid(&lab.vrrp_pid) == Some(vrrp),
    );

    kill(main, libc::SIGTERM);
    assert_eq!(lab.wait_exit(0).code(), Some(0));
    assert!(!lab.main_pid.exists() && !lab.vrrp_pid.exists());
}

#[test]
fn missing_config_exits_non_zero() {
    if !is_root() {
        skip("needs root");
        return;
    }
    let mut lab = Lab::new("noconf");
    let _ = fs::remove_file(&lab.conf);
    let i = lab.start(&[], "log");
    let st = lab.wait_exit(i);
    if lab.log_text("log").contains("unrecognized option") {
        skip("the command line parser lacks -p/-r/-c (needs the cli branch)");
        return;
    }
    assert_ne!(st.code(), Some(0));
    assert!(!lab.main_pid.exists());
}

#[test]
fn child_dies_with_its_parent() {
    let mut lab = Lab::new("pdeath");
    let Some((main, vrrp)) = lab.start_ready(&[]) else {
        return;
    };
    kill(main, libc::SIGKILL);
    lab.wait_exit(0);
    wait_until("VRRP child gone after its parent", || !alive(vrrp));
}

#[test]
fn stuck_child_is_killed_and_respawned() {
    let mut lab = Lab::new("stuck");
    let Some((main, vrrp)) = lab.start_ready(&[]) else {
        return;
    };
    // A stopped process can't echo hellos: like a loop that never returns to poll.
    kill(vrrp, libc::SIGSTOP);
    let end = Instant::now() + Duration::from_secs(40);
    loop {
        if matches!(read_pid(&lab.vrrp_pid), Some(p) if p != vrrp && alive(p) && ppid(p) == Some(main))
        {
            break;
        }
        assert!(
            Instant::now() < end,
            "stuck child not replaced:\n{}",
            lab.log_text("log")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!alive(vrrp));
    if lab.logs_enabled() {
        let log = lab.log_text("log");
        assert!(
            log.contains(&format!("VRRP child process({vrrp}) did not answer")),
            "{log}"
        );
    }
    kill(main, libc::SIGTERM);
    assert_eq!(lab.wait_exit(0).code(), Some(0));
}

#[test]
fn daemonizes_without_n() {
    if !is_root() {
        skip("needs root");
        return;
    }
    let mut lab = Lab::new("daemon");
    let out = Command::new(BIN)
        .arg("-l")
        .arg("-f")
        .arg(&lab.conf)
        .arg("-p")
        .arg(&lab.main_pid)
        .arg("-r")
        .arg(&lab.vrrp_pid)
        .arg("-c")
        .arg(&lab.check_pid)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run keepalived");
    if String::from_utf8_lossy(&out.stderr).contains("unrecognized option") {
        skip("the command line parser lacks -p/-r/-c (needs the cli branch)");
        return;
    }
    assert_eq!(out.status.code(), Some(0));
    wait_until(
        "daemon pidfiles",
        || matches!((read_pid(&lab.main_pid), read_pid(&lab.vrrp_pid)), (Some(m), Some(v)) if alive(m) && alive(v)),
    );
    let main = read_pid(&lab.main_pid).unwrap_or(0);
    let vrrp = read_pid(&lab.vrrp_pid).unwrap_or(0);
    assert_eq!(ppid(vrrp), Some(main));
    // A session leader in / .
    let stat = fs::read_to_string(format!("/proc/{main}/stat")).unwrap_or_default();
    let sid: Option<i32> = stat
        .rsplit_once(')')
        .and_then(|(_, r)| r.split_whitespace().nth(3)?.parse().ok());
    assert_eq!(sid, Some(main));
    assert_eq!(
        fs::read_link(format!("/proc/{main}/cwd")).ok(),
        Some(PathBuf::from("/"))
    );
    kill(main, libc::SIGTERM);
    wait_until("daemon gone", || !alive(main) && !alive(vrrp));
    wait_until("pidfiles removed", || {
        !lab.main_pid.exists() && !lab.vrrp_pid.exists()
    });
    lab.procs.clear();
}

/// IPVS is loaded, or the running kernel has the module for it.
fn host_has_ipvs() -> bool {
    let release = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    Path::new("/proc/net/ip_vs").exists()
        || Path::new(&format!(
            "/lib/modules/{}/kernel/net/netfilter/ipvs",
            release.trim()
        ))
        .exists()
}

#[test]
fn checker_child_runs_beside_vrrp_and_respawns() {
    let mut lab = Lab::new("checker");
    fs::write(&lab.conf, format!("{GOOD_CONF}{LVS_CONF}")).expect("config");
    if !host_has_ipvs() {
        // As keepalived: without IPVS the checker child exits FATAL and the parent stops
        // everything. Its respawn is tested where IPVS exists, in tests/ipvs_vm.rs.
        if !is_root() {
            skip("needs root");
            return;
        }
        let i = lab.start(&[], "log");
        assert_eq!(lab.wait_exit(i).code(), Some(1), "{}", lab.log_text("log"));
        assert!(
            lab.log_text("log").contains("Can't initialize ipvs"),
            "{}",
            lab.log_text("log")
        );
        return;
    }
    let Some((main, vrrp)) = lab.start_ready(&[]) else {
        return;
    };
    wait_until(
        "checker child",
        || matches!(read_pid(&lab.check_pid), Some(p) if alive(p) && ppid(p) == Some(main)),
    );
    let check = read_pid(&lab.check_pid).unwrap_or(0);
    // comm holds 15 bytes of Keepalived_healthcheckers.
    assert_eq!(comm(check), "Keepalived_heal");
    kill(check, libc::SIGKILL);
    wait_until(
        "a new checker child",
        || matches!(read_pid(&lab.check_pid), Some(p) if p != check && alive(p) && ppid(p) == Some(main)),
    );
    assert!(alive(vrrp), "the VRRP child is not disturbed");
    let check2 = read_pid(&lab.check_pid).unwrap_or(0);
    kill(main, libc::SIGTERM);
    assert_eq!(lab.wait_exit(0).code(), Some(0));
    wait_until("children gone", || !alive(vrrp) && !alive(check2));
    assert!(!lab.check_pid.exists() && !lab.vrrp_pid.exists() && !lab.main_pid.exists());
}

#[test]
fn vrrp_only_runs_no_checker() {
    let mut lab = Lab::new("vrrponly");
    fs::write(&lab.conf, format!("{GOOD_CONF}{LVS_CONF}")).expect("config");
    let Some((main, _vrrp)) = lab.start_ready(&["-P"]) else {
        return;
    };
    holds_for(
        "no checker child with -P",
        Duration::from_millis(500),
        || !lab.check_pid.exists(),
    );
    kill(main, libc::SIGTERM);
    assert_eq!(lab.wait_exit(0).code(), Some(0));
}

/// What /proc says of a process's scheduling: (comm, nice, policy, rt_priority, locked memory
/// in kB, allowed CPUs).
fn sched_of(pid: i32) -> (String, i32, u32, u32, u64, String) {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after: Vec<&str> = stat
        .rsplit_once(") ")
        .map_or(Vec::new(), |(_, r)| r.split(' ').collect());
    // proc(5) fields 19 (nice), 40 (rt_priority) and 41 (policy), counted from field 3 here.
    let num = |i: usize| {
        after
            .get(i)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(-99)
    };
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map_or(String::new(), |v| v.trim().to_string())
    };
    let locked = field("VmLck:").trim_end_matches(" kB").parse().unwrap_or(0);
    (
        comm(pid),
        num(16) as i32,
        num(38) as u32,
        num(37) as u32,
        locked,
        field("Cpus_allowed_list:"),
    )
}

const SCHED_GLOBAL: &str = "\
global_defs {
  router_id pm_test
  dynamic_interfaces
  vrrp_rt_priority 10
  vrrp_no_swap
  vrrp_cpu_affinity 0
  vrrp_process_name ka_vrrp_pm
  checker_priority 5
  checker_cpu_affinity 0
  checker_process_name ka_chk_pm
}
";

/// After the reload: the other way round, and the default names back.
const SCHED_GLOBAL_RELOADED: &str = "\
global_defs {
  router_id pm_test
  dynamic_interfaces
  vrrp_priority -5
  checker_rt_priority 15
}
";

#[test]
fn children_take_their_scheduling_keywords_at_start_and_after_a_reload() {
    let mut lab = Lab::new("sched");
    let instance = GOOD_CONF.split_once("}\n").map_or("", |(_, rest)| rest);
    let conf = |global: &str| format!("{global}{instance}{LVS_CONF}");
    fs::write(&lab.conf, conf(SCHED_GLOBAL)).expect("config");
    // The host has no IPVS: the checker child runs its checkers and leaves the kernel alone.
    let Some((main, vrrp)) = lab.start_ready(&["--without-ipvs"]) else {
        return;
    };
    wait_until(
        "checker child",
        || matches!(read_pid(&lab.check_pid), Some(p) if alive(p) && ppid(p) == Some(main)),
    );
    let check = read_pid(&lab.check_pid).unwrap_or(0);
    // SCHED_RR is policy 2, SCHED_OTHER 0.
    let rt_vrrp = |s: &(String, i32, u32, u32, u64, String)| {
        s.0 == "ka_vrrp_pm" && s.2 == 2 && s.3 == 10 && s.4 > 0 && s.5 == "0"
    };
    let niced_check = |s: &(String, i32, u32, u32, u64, String)| {
        s.0 == "ka_chk_pm" && s.1 == 5 && s.2 == 0 && s.5 == "0"
    };
    wait_until("the VRRP child's scheduling", || rt_vrrp(&sched_of(vrrp)));
    wait_until("the checker child's scheduling", || {
        niced_check(&sched_of(check))
    });

    // A reload runs at ordinary scheduling (so a long one meets no RLIMIT_RTTIME) and ends
    // where it was when nothing changed.
    let reloads = |lab: &Lab| lab.log_text("log").matches("Reload complete").count();
    let before = reloads(&lab);
    kill(main, libc::SIGHUP);
    wait_until("both children reloaded", || reloads(&lab) >= before + 2);
    let (v, c) = (sched_of(vrrp), sched_of(check));
    assert!(
        rt_vrrp(&v) && niced_check(&c),
        "after a reload: {v:?} {c:?}"
    );

    fs::write(&lab.conf, conf(SCHED_GLOBAL_RELOADED)).expect("config");
    kill(main, libc::SIGHUP);
    let niced_vrrp = |s: &(String, i32, u32, u32, u64, String)| {
        s.0 == "Keepalived_vrrp" && s.1 == -5 && s.2 == 0 && s.4 == 0
    };
    // comm holds 15 bytes of Keepalived_healthcheckers.
    let rt_check = |s: &(String, i32, u32, u32, u64, String)| {
        s.0 == "Keepalived_heal" && s.2 == 2 && s.3 == 15
    };
    wait_until("the VRRP child's reloaded scheduling", || {
        niced_vrrp(&sched_of(vrrp))
    });
    wait_until("the checker child's reloaded scheduling", || {
        rt_check(&sched_of(check))
    });
    assert!(
        alive(vrrp) && alive(check),
        "a reload keeps the children: {}",
        lab.log_text("log")
    );
    kill(main, libc::SIGTERM);
    assert_eq!(lab.wait_exit(0).code(), Some(0));
}
