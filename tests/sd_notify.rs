//! systemd's notify protocol, with a datagram socket the test binds standing in for systemd:
//! what the daemon says at start, around a SIGHUP and at stop; the watchdog fed at half
//! `WATCHDOG_USEC` and left unfed while the VRRP child is stopped; scripts that never see
//! `NOTIFY_SOCKET`. keepalived 2.2.7 is run the same way and what it sends is printed: nothing,
//! unless its parent is PID 1 named systemd (here a shell of that name in a PID namespace).
//!
//! Needs root (else SKIPPED; a failure under CI=true); the keepalived comparison also needs
//! /usr/sbin/keepalived and unshare.

mod lab;

use lab::vrrp::{ours, tail, MARGIN};
use lab::{wait_until, Lab, Spawned};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const KEEPALIVED: &str = "/usr/sbin/keepalived";
/// From the fork to the children's loops answering: config, sockets, one instance.
const START: Duration = Duration::from_secs(3);
/// The VRRP child's hello period follows the advert interval (capped at 5 s), and three
/// silent periods make it hung (src/supervisor/hello.rs).
const HELLO: Duration = Duration::from_secs(5);

/// The stand-in for systemd: the socket the daemon's NOTIFY_SOCKET names, and every datagram
/// it received, with when.
struct Systemd {
    sock: UnixDatagram,
    got: Vec<(Instant, String)>,
}

impl Systemd {
    fn bound(sock: UnixDatagram) -> Systemd {
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("read timeout");
        Systemd {
            sock,
            got: Vec::new(),
        }
    }

    /// Reads what arrived, waiting at most a moment.
    fn poll(&mut self) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.sock.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            self.got.push((Instant::now(), text));
        }
    }

    /// Waits for a datagram after the first `from` ones that `f` accepts; returns its index.
    #[track_caller]
    fn wait(&mut self, from: usize, what: &str, timeout: Duration, d: &Spawned) -> usize {
        let mut found = None;
        wait_until(timeout, || {
            self.poll();
            found = self.got.iter().skip(from).position(|(_, m)| has(m, what));
            found.is_some()
        });
        match found {
            Some(i) => from + i,
            None => panic!(
                "no {what:?} after {timeout:?}; got {:?}\n--- daemon log:\n{}",
                self.texts(from),
                tail(&d.log())
            ),
        }
    }

    fn texts(&self, from: usize) -> Vec<&str> {
        self.got
            .iter()
            .skip(from)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// When each datagram holding `line` arrived, from index `from` on.
    fn times(&self, from: usize, line: &str) -> Vec<Instant> {
        self.got
            .iter()
            .skip(from)
            .filter(|(_, m)| has(m, line))
            .map(|(t, _)| *t)
            .collect()
    }
}

/// `line` is one of the datagram's lines (a prefix for `NAME=`).
fn has(msg: &str, line: &str) -> bool {
    msg.lines().any(|l| {
        if line.ends_with('=') {
            l.starts_with(line)
        } else {
            l == line
        }
    })
}

fn value<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| l.strip_prefix(name))
}

fn monotonic_usec() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

/// Runs `f` with this thread in namespace `ns`: abstract socket names live per network
/// namespace, so systemd's socket must be bound where the daemon runs.
fn in_netns<T>(ns: &str, f: impl FnOnce() -> T) -> T {
    let here = File::open("/proc/thread-self/ns/net").expect("own netns");
    let there = File::open(format!("/run/netns/{ns}")).expect("lab netns");
    // SAFETY: setns moves only this thread, to a namespace we hold open, and back.
    assert_eq!(
        unsafe { libc::setns(there.as_raw_fd(), libc::CLONE_NEWNET) },
        0
    );
    let r = f();
    assert_eq!(
        unsafe { libc::setns(here.as_raw_fd(), libc::CLONE_NEWNET) },
        0
    );
    r
}

/// r1 with a link of its own, a notify script that writes its environment to `env.out`, and
/// one VRRP instance advertising every `advert` seconds.
fn lab_and_config(test: &str, bin: &str, advert: u32) -> Option<(Lab, String, PathBuf)> {
    if !lab::require_root(test) || !lab::require_program(test, bin) {
        return None;
    }
    let mut lab = Lab::new(test);
    lab.stub_link("r1", "eth0", "peer0");
    lab.addr("r1", "eth0", "10.8.0.1/24");
    let env_out = lab.dir().join("env.out");
    let script = lab.write_file(
        "env.sh",
        &format!(
            "#!/bin/sh\nenv > {}.tmp && mv {0}.tmp {0}\n",
            env_out.display()
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let conf = format!(
        "global_defs {{\n  enable_script_security\n  script_user root\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 61\n  priority 100\n  \
         advert_int {advert}\n  virtual_ipaddress {{\n    10.8.0.100/24\n  }}\n  \
         notify {}\n}}\n",
        script.display()
    );
    Some((lab, conf, env_out))
}

/// `bin -n -l -D` in r1 with `env` (NAME=value) added, its files in the lab directory.
fn start(lab: &mut Lab, bin: &str, conf: &str, env: &[String]) -> (Spawned, PathBuf) {
    let dir = lab.dir().to_path_buf();
    let conf = lab.write_file("r1.conf", conf);
    let f = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let (main, vrrp, check) = (f("main.pid"), f("vrrp.pid"), f("check.pid"));
    let conf = conf.to_string_lossy().into_owned();
    let mut cmd: Vec<&str> = vec!["env"];
    cmd.extend(env.iter().map(String::as_str));
    cmd.extend([
        bin, "-n", "-l", "-D", "-f", &conf, "-p", &main, "-r", &vrrp, "-c", &check,
    ]);
    let d = lab.spawn("r1", &cmd);
    (d, dir.join("vrrp.pid"))
}

fn pid_in(p: &Path) -> Option<i32> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

/// Start, reload and stop on a path socket: READY=1 with MAINPID once the VRRP child runs,
/// RELOADING=1 with the reload's CLOCK_MONOTONIC then READY=1 around SIGHUP, STOPPING=1 at
/// SIGTERM; the notify script's environment has no NOTIFY_SOCKET.
#[test]
fn ready_reloading_stopping_on_a_path_socket_and_scripts_never_see_it() {
    let test = "ready_reloading_stopping_on_a_path_socket_and_scripts_never_see_it";
    let Some((mut lab, conf, env_out)) = lab_and_config(test, &ours(), 1) else {
        return;
    };
    let path = lab.dir().join("notify.sock");
    let mut sd = Systemd::bound(UnixDatagram::bind(&path).expect("bind"));
    let env = [
        format!("NOTIFY_SOCKET={}", path.display()),
        "WATCHDOG_USEC=60000000".to_string(),
    ];
    let (mut d, _) = start(&mut lab, &ours(), &conf, &env);

    let ready = sd.wait(0, "READY=1", START + MARGIN, &d);
    let msg = sd.got[ready].1.clone();
    assert_eq!(
        value(&msg, "MAINPID="),
        Some(d.pid().to_string().as_str()),
        "{msg:?}"
    );
    assert!(has(&msg, "STATUS="), "{msg:?}");
    assert!(
        wait_until(MARGIN, || env_out.exists()),
        "the notify script never ran:\n{}",
        tail(&d.log())
    );
    let script_env = std::fs::read_to_string(&env_out).expect("env.out");
    assert!(script_env.contains("PATH="), "{script_env}");
    for var in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
        assert!(
            !script_env.contains(var),
            "a script got {var}:\n{script_env}"
        );
    }

    let before = monotonic_usec();
    d.signal(libc::SIGHUP);
    let reloading = sd.wait(ready + 1, "RELOADING=1", MARGIN, &d);
    let after = monotonic_usec();
    let msg = sd.got[reloading].1.clone();
    let at: u64 = value(&msg, "MONOTONIC_USEC=")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no MONOTONIC_USEC in {msg:?}"));
    assert!(
        (before..=after).contains(&at),
        "{before} <= {at} <= {after}"
    );
    sd.wait(reloading + 1, "READY=1", MARGIN, &d);

    let n = sd.got.len();
    d.signal(libc::SIGTERM);
    sd.wait(n, "STOPPING=1", MARGIN, &d);
    let status = d.wait_timeout(Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", tail(&d.log()));
    eprintln!("ours sent: {:?}", sd.texts(0));
}

/// An abstract socket (`@name`, in the daemon's network namespace) and WATCHDOG_USEC=2 s:
/// WATCHDOG=1 about every second; with the VRRP child stopped the feeding stops (with a STATUS
/// line saying why) within two hello periods, stays stopped until the parent kills that child
/// as hung, and comes back once the respawned child answers.
#[test]
fn watchdog_on_an_abstract_socket_fed_at_half_and_starved_by_a_stopped_child() {
    let test = "watchdog_on_an_abstract_socket_fed_at_half_and_starved_by_a_stopped_child";
    let Some((mut lab, conf, _)) = lab_and_config(test, &ours(), 5) else {
        return;
    };
    let ns = lab.ns("r1");
    let name = format!("keepalived-rs-test/{ns}");
    let sock = in_netns(&ns, || {
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("abstract name");
        UnixDatagram::bind_addr(&addr).expect("bind abstract")
    });
    let mut sd = Systemd::bound(sock);
    let env = [
        format!("NOTIFY_SOCKET=@{name}"),
        "WATCHDOG_USEC=2000000".to_string(),
    ];
    let (mut d, vrrp_pid) = start(&mut lab, &ours(), &conf, &env);
    let ready = sd.wait(0, "READY=1", START + MARGIN, &d);

    // Counted over 6 s: one every 1 s, give or take a tick at either end and one more for a
    // late timer on a loaded machine (feeding every WATCHDOG_USEC would give 3, every 0.5 s 12).
    let from = sd.got.len();
    let window = Instant::now();
    wait_until(Duration::from_secs(6), || {
        sd.poll();
        false
    });
    let fed = sd.times(from, "WATCHDOG=1").len();
    assert!(
        (4..=8).contains(&fed),
        "{fed} WATCHDOG=1 in {:?}: {:?}",
        window.elapsed(),
        sd.texts(ready)
    );

    let child = pid_in(&vrrp_pid).expect("VRRP child pid");
    let from = sd.got.len();
    // SAFETY: kill(2) on the daemon's own VRRP child.
    unsafe { libc::kill(child, libc::SIGSTOP) };
    let stopped = Instant::now();
    // Its last echo may be one period old and the next hello still in flight: two periods,
    // then the next watchdog tick.
    let starved = sd.wait(
        from,
        "STATUS=VRRP child does not answer its hellos",
        2 * HELLO + Duration::from_secs(1) + MARGIN,
        &d,
    );
    // Killed as hung three periods after its last echo (logged before the kill), then
    // respawned at once. The log is read before the socket, so every datagram read before the
    // line showed up left before the kill.
    let killed = "did not answer";
    let mut before_kill = sd.got.len();
    let seen = wait_until(3 * HELLO + MARGIN, || {
        let done = d.log().contains(killed);
        if !done {
            sd.poll();
            before_kill = sd.got.len();
        }
        done
    });
    assert!(
        seen,
        "the stopped child was not killed as hung:\n{}",
        tail(&d.log())
    );
    let while_stopped = &sd.texts(starved + 1)[..before_kill - starved - 1];
    assert!(
        !while_stopped.iter().any(|m| has(m, "WATCHDOG=1")),
        "fed while the child was stopped: {while_stopped:?}"
    );
    // The respawned child starts, answers hello 0, then the next tick feeds.
    let back = sd.wait(starved + 1, "WATCHDOG=1", START + 2 * MARGIN, &d);
    assert!(has(&sd.got[back].1, "STATUS=Running"), "{:?}", sd.got[back]);
    assert_ne!(pid_in(&vrrp_pid), Some(child), "the child was respawned");
    for (t, m) in &sd.got[from..=back] {
        let after = t.saturating_duration_since(stopped).as_secs_f64();
        eprintln!("{after:6.2} s after SIGSTOP: {m:?}");
    }

    let n = sd.got.len();
    d.signal(libc::SIGTERM);
    sd.wait(n, "STOPPING=1", MARGIN, &d);
    let status = d.wait_timeout(Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", tail(&d.log()));
}

/// keepalived 2.2.7 notifies only when its parent is PID 1 named systemd: run plainly it sends
/// nothing; run under a shell called systemd as PID 1 of a PID namespace it sends READY=1 with
/// MAINPID, RELOADING=1, READY=1, STOPPING=1. Printed, for the comparison with ours.
#[test]
fn keepalived_2_2_7_notifies_only_under_a_pid_1_named_systemd() {
    let test = "keepalived_2_2_7_notifies_only_under_a_pid_1_named_systemd";
    if !lab::require_program(test, "/usr/bin/unshare") {
        return;
    }
    let Some((mut lab, conf, _)) = lab_and_config(test, KEEPALIVED, 1) else {
        return;
    };
    let path = lab.dir().join("notify.sock");
    let mut sd = Systemd::bound(UnixDatagram::bind(&path).expect("bind"));
    let env = [format!("NOTIFY_SOCKET={}", path.display())];

    let (mut d, _) = start(&mut lab, KEEPALIVED, &conf, &env);
    assert!(
        wait_until(START + MARGIN, || d.log().contains("Entering BACKUP STATE")),
        "{}",
        tail(&d.log())
    );
    d.signal(libc::SIGTERM);
    assert!(d.wait_timeout(Duration::from_secs(10)).is_some());
    sd.poll();
    eprintln!(
        "keepalived 2.2.7, parent not systemd, sent: {:?}",
        sd.texts(0)
    );
    assert!(sd.got.is_empty(), "{:?}", sd.texts(0));

    // A shell named systemd as PID 1 (it forks keepalived: a command follows).
    let fake = lab.dir().join("systemd");
    std::fs::copy("/bin/dash", &fake)
        .or_else(|_| std::fs::copy("/bin/sh", &fake))
        .expect("copy sh");
    let dir = lab.dir().to_path_buf();
    let f = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let conf_path = f("r1.conf");
    let line = format!(
        "{KEEPALIVED} -n -l -D -f {conf_path} -p {} -r {} -c {}; true",
        f("m2.pid"),
        f("v2.pid"),
        f("c2.pid")
    );
    let sock_env = format!("NOTIFY_SOCKET={}", path.display());
    let fake_s = fake.to_string_lossy().into_owned();
    let cmd = [
        "env",
        &sock_env,
        "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount-proc",
        &fake_s,
        "-c",
        &line,
    ];
    let d = lab.spawn("r1", &cmd);
    // keepalived's parent: the shell's child, seen from here.
    let mut main = None;
    wait_until(MARGIN, || {
        main = grandchild(d.pid(), "keepalived");
        main.is_some()
    });
    let main = main.unwrap_or_else(|| panic!("keepalived did not start:\n{}", tail(&d.log())));
    let ready = sd.wait(0, "READY=1", START + MARGIN, &d);
    // SAFETY: kill(2) on the keepalived this test started.
    unsafe { libc::kill(main, libc::SIGHUP) };
    let reloading = sd.wait(ready + 1, "RELOADING=1", MARGIN, &d);
    sd.wait(reloading + 1, "READY=1", MARGIN, &d);
    let n = sd.got.len();
    // SAFETY: as above.
    unsafe { libc::kill(main, libc::SIGTERM) };
    sd.wait(n, "STOPPING=1", MARGIN + Duration::from_secs(5), &d);
    eprintln!(
        "keepalived 2.2.7 under a PID 1 named systemd sent: {:?}",
        sd.texts(0)
    );
    assert!(value(&sd.got[ready].1, "MAINPID=").is_some());
}

/// The first process named `comm` below `pid` (children, then theirs).
fn grandchild(pid: i32, comm: &str) -> Option<i32> {
    let kids = |p: i32| -> Vec<i32> {
        std::fs::read_to_string(format!("/proc/{p}/task/{p}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|s| s.parse().ok())
            .collect()
    };
    let mut todo = kids(pid);
    while let Some(p) = todo.pop() {
        let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        if name.trim() == comm {
            return Some(p);
        }
        todo.extend(kids(p));
    }
    None
}

/// One `Key=value` of a systemd unit's text (the first).
fn unit_value<'a>(unit: &'a str, key: &str) -> Option<&'a str> {
    unit.lines()
        .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
}

/// Debian's own keepalived.service, run as systemd would (systemd is not PID 1 here): its
/// ExecStart with /etc/default/keepalived's DAEMON_ARGS, ours in /usr/sbin/keepalived's place,
/// in a mount namespace where /etc/keepalived holds the lab's config and /run is empty, with
/// NOTIFY_SOCKET (Type=notify). READY=1 names the process systemd started; its ExecReload
/// (`kill -HUP $MAINPID`) brings RELOADING=1 then READY=1; its default KillMode=control-group
/// (SIGTERM to every process of the unit at once) brings STOPPING=1, exit 0, the VIP gone.
#[test]
fn debian_keepalived_service_runs_ours_unchanged() {
    let test = "debian_keepalived_service_runs_ours_unchanged";
    let unit_path = "/lib/systemd/system/keepalived.service";
    if !lab::require_program(test, unit_path) || !lab::require_program(test, "/usr/bin/unshare") {
        return;
    }
    let Some((mut lab, conf, _)) = lab_and_config(test, &ours(), 1) else {
        return;
    };
    let unit = std::fs::read_to_string(unit_path).expect("read the unit");
    assert_eq!(unit_value(&unit, "Type"), Some("notify"), "{unit}");
    assert_eq!(unit_value(&unit, "PIDFile"), None, "{unit}");
    assert_eq!(unit_value(&unit, "KillMode"), None, "{unit}");
    let exec_start = unit_value(&unit, "ExecStart").expect("ExecStart");
    let exec_reload = unit_value(&unit, "ExecReload").expect("ExecReload");
    // EnvironmentFile=-/etc/default/keepalived: plain assignments, read as a shell would.
    let env_file = unit_value(&unit, "EnvironmentFile")
        .map(|f| f.trim_start_matches('-'))
        .unwrap_or("/etc/default/keepalived");
    let args = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("[ -r {env_file} ] && . {env_file}; printf %s \"$DAEMON_ARGS\""),
        ])
        .output()
        .expect("sh");
    let daemon_args = String::from_utf8_lossy(&args.stdout).into_owned();
    // systemd splits an unquoted $VAR at whitespace.
    let mut argv: Vec<String> = Vec::new();
    for w in exec_start.split_whitespace() {
        match w {
            "/usr/sbin/keepalived" => argv.push(ours()),
            "$DAEMON_ARGS" => argv.extend(daemon_args.split_whitespace().map(String::from)),
            w => argv.push(w.to_string()),
        }
    }
    eprintln!("ExecStart as systemd runs it here: {argv:?}");

    let etc = lab.dir().join("etc-keepalived");
    std::fs::create_dir(&etc).expect("mkdir");
    std::fs::write(etc.join("keepalived.conf"), &conf).expect("conf");
    let path = lab.dir().join("notify.sock");
    let mut sd = Systemd::bound(UnixDatagram::bind(&path).expect("bind"));
    let setup = format!(
        "mount --bind {} /etc/keepalived && mount -t tmpfs tmpfs /run && \
         exec env NOTIFY_SOCKET={} \"$@\"",
        etc.display(),
        path.display()
    );
    let mut cmd = vec!["unshare", "--mount", "sh", "-c", &setup, "sh"];
    cmd.extend(argv.iter().map(String::as_str));
    let mut d = lab.spawn("r1", &cmd);
    let main = d.pid();

    let ready = sd.wait(0, "READY=1", START + MARGIN, &d);
    assert_eq!(
        value(&sd.got[ready].1, "MAINPID="),
        Some(main.to_string().as_str())
    );
    let vip = "10.8.0.100";
    let ns = lab.ns("r1");
    let holds = |ns: &str| {
        let out = std::process::Command::new("ip")
            .args(["-n", ns, "-o", "addr"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        out.split_whitespace()
            .any(|w| w.split('/').next() == Some(vip))
    };
    // Alone on its link: MASTER after Master_Down_Interval (3 adverts and a skew).
    assert!(
        wait_until(Duration::from_secs(4) + MARGIN, || holds(&ns)),
        "never MASTER:\n{}",
        tail(&d.log())
    );

    let reload = exec_reload.replace("$MAINPID", &main.to_string());
    let words: Vec<&str> = reload.split_whitespace().collect();
    let st = std::process::Command::new(words[0])
        .args(&words[1..])
        .status()
        .expect("ExecReload");
    assert!(st.success(), "{reload}: {st}");
    let reloading = sd.wait(ready + 1, "RELOADING=1", MARGIN, &d);
    sd.wait(reloading + 1, "READY=1", MARGIN, &d);

    // KillMode=control-group: the parent and its children all get SIGTERM together.
    let mut unit_pids = vec![main];
    let kids =
        std::fs::read_to_string(format!("/proc/{main}/task/{main}/children")).unwrap_or_default();
    unit_pids.extend(
        kids.split_whitespace()
            .filter_map(|s| s.parse::<i32>().ok()),
    );
    assert!(unit_pids.len() >= 2, "no VRRP child: {unit_pids:?}");
    let n = sd.got.len();
    for p in &unit_pids {
        // SAFETY: kill(2) on the daemon this test started and its children.
        unsafe { libc::kill(*p, libc::SIGTERM) };
    }
    sd.wait(n, "STOPPING=1", MARGIN, &d);
    let status = d.wait_timeout(Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", tail(&d.log()));
    assert!(
        !holds(&ns),
        "the VIP outlived the stop:\n{}",
        tail(&d.log())
    );
    eprintln!("ours under Debian's unit sent: {:?}", sd.texts(0));
}

/// A NOTIFY_SOCKET nobody listens on, or of a kind we cannot reach (vsock), costs one log line
/// and nothing else: the daemon runs, its scripts still see no NOTIFY_SOCKET, and it stops with 0.
#[test]
fn an_unreachable_notify_socket_is_logged_once_and_never_fatal() {
    let test = "an_unreachable_notify_socket_is_logged_once_and_never_fatal";
    for socket in ["/nonexistent/notify.sock", "vsock:2:1234"] {
        let Some((mut lab, conf, env_out)) = lab_and_config(test, &ours(), 1) else {
            return;
        };
        let env = [
            format!("NOTIFY_SOCKET={socket}"),
            "WATCHDOG_USEC=1000000".to_string(),
        ];
        let (mut d, _) = start(&mut lab, &ours(), &conf, &env);
        assert!(
            wait_until(START + MARGIN, || env_out.exists()),
            "{socket}: the daemon did not get to its notify script:\n{}",
            tail(&d.log())
        );
        // Four watchdog periods (WATCHDOG_USEC/2), each a send that fails: still one line.
        std::thread::sleep(Duration::from_secs(2));
        let log = d.log();
        let complaints = log.matches("cannot notify systemd").count();
        assert_eq!(complaints, 1, "{socket}:\n{}", tail(&log));
        let script_env = std::fs::read_to_string(&env_out).expect("env.out");
        assert!(!script_env.contains("NOTIFY_SOCKET"), "{script_env}");
        d.signal(libc::SIGTERM);
        let status = d.wait_timeout(Duration::from_secs(10));
        assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", tail(&d.log()));
    }
}
