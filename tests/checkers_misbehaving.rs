//! HTTP_GET against servers that misbehave in every way a checker socket can see (refused,
//! accept and never answer, reset after the request, half-close without a reply, a header
//! that never ends, a body trickled a byte at a time, close before the request), through the
//! daemon in a network namespace: the checker child must keep to its schedule, not spin.
//! Its CPU time (utime+stime from /proc/PID/stat) over a few delay_loops must stay far below
//! one core. And a server that floods an endless body must neither outlast connect_timeout
//! nor keep the checker child from hearing SIGTERM. Root only (SKIPPED otherwise).

mod lab;

use std::time::{Duration, Instant};

use lab::daemon::{checker_lab as setup, start_checker as start, Tail};
use lab::{wait_until, Lab};

/// One python process serving ports BASE.. ; the mode of a port is (port - BASE) % modes.
const SERVER: &str = r#"
import selectors, socket, struct, sys
base, n, modes = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
sel = selectors.DefaultSelector()
for p in range(base, base + n):
    m = modes[(p - base) % len(modes)]
    if m == "refuse":
        continue
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p))
    s.listen(64)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, ("listen", m))
trickle = []
served = {}
def drop(c, rst=False):
    try:
        sel.unregister(c)
    except Exception:
        pass
    if c in trickle:
        trickle.remove(c)
    if rst:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
def send(c, b):
    try:
        c.send(b)
        return True
    except OSError:
        drop(c)
        return False
print("ready", flush=True)
while True:
    for key, ev in sel.select(0.1):
        kind, m = key.data
        if kind == "listen":
            try:
                c, _ = key.fileobj.accept()
            except OSError:
                continue
            if m == "closenow":
                c.close()
                continue
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, ("conn", m))
            continue
        c = key.fileobj
        try:
            d = c.recv(4096)
        except OSError:
            d = b""
        if not d:
            drop(c)
        elif m == "flap":
            # Up, down for a retry, one pass, then down for good: a fast_recovery checker
            # with two urls is then down with no failed url.
            port = c.getsockname()[1]
            served[port] = served.get(port, 0) + 1
            if served[port] in (1, 2, 5):
                if send(c, b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"):
                    drop(c)
            else:
                drop(c, rst=True)
        elif m == "reset":
            drop(c, rst=True)
        elif m == "halfclose":
            c.shutdown(socket.SHUT_WR)
        elif m == "hugeheader":
            send(c, b"HTTP/1.0 200 OK\r\nX-Pad: " + b"a" * 65536)
        elif m == "trickle":
            if send(c, b"HTTP/1.0 200 OK\r\n\r\n"):
                trickle.append(c)
        elif m == "ok":
            if send(c, b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"):
                drop(c)
    for c in list(trickle):
        send(c, b"x")
"#;

const BASE: u16 = 20000;
const MISBEHAVING: &str = "refuse,silent,reset,halfclose,hugeheader,trickle,closenow,ok";

/// The checker child's CPU time so far (utime + stime), in clock ticks.
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let rest = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|w| w.parse().unwrap_or(0))
        .collect();
    f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)
}

fn ticks_per_sec() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(t).unwrap_or(100).max(1)
}

/// `n` real servers on the python server's ports, HTTP_GET at delay_loop 1.
/// With fast_recovery, two urls: fast_recovery matters when a round has more than one.
fn config(n: u16, fast_recovery: bool) -> String {
    let mut c = String::from("virtual_server 127.0.0.1 80 {\n protocol TCP\n delay_loop 1\n");
    for p in BASE..BASE + n {
        c += &format!(
            " real_server 127.0.0.1 {p} {{\n  HTTP_GET {{\n   url {{\n    path /\n   }}\n{}   \
             connect_timeout 1\n   retry 1\n   delay_before_retry 1\n{}  }}\n }}\n",
            if fast_recovery {
                "   url {\n    path /b\n   }\n"
            } else {
                ""
            },
            if fast_recovery {
                "   fast_recovery\n"
            } else {
                ""
            }
        );
    }
    c + "}\n"
}

/// Runs `n` checkers against servers of `modes` and returns the checker child's CPU share
/// of one core over `secs` seconds, after every checker has run at least twice.
fn cpu_share(lab: &mut Lab, n: u16, modes: &str, fast_recovery: bool, secs: u64) -> f64 {
    let py = lab.write_file("bad.py", SERVER);
    let srv = lab.spawn(
        "ck",
        &[
            "/usr/bin/python3",
            "-u",
            &py.display().to_string(),
            &BASE.to_string(),
            &n.to_string(),
            modes,
        ],
    );
    let ready = wait_until(Duration::from_secs(5), || srv.log().contains("ready"));
    assert!(ready, "the python server did not start: {}", srv.log());
    let k = start(lab, &config(n, fast_recovery));
    let cpid = lab.dir().join("c.pid");
    let mut pid = 0;
    let found = wait_until(Duration::from_secs(5), || {
        pid = std::fs::read_to_string(&cpid)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        pid > 0
    });
    assert!(found, "no checker child pid file: {}", k.log());
    // First runs spread over 1 s + warmup (= delay_loop 1); by 5 s every checker has failed
    // at least once, been retried, and a "flap" server has taken its checker up, down and
    // through one pass.
    let mut tail = Tail::new();
    tail.wait(&k, "Activating healthchecker", Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(5));
    let (t0, c0) = (Instant::now(), cpu_ticks(pid));
    std::thread::sleep(Duration::from_secs(secs));
    let (t1, c1) = (Instant::now(), cpu_ticks(pid));
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the checker child died: {}",
        k.log()
    );
    let share = (c1 - c0) as f64 / ticks_per_sec() as f64 / (t1 - t0).as_secs_f64();
    eprintln!(
        "{n} HTTP_GET checkers, servers {modes}, fast_recovery {fast_recovery}: checker child \
         CPU {:.1} % of one core",
        share * 100.0
    );
    // The checks did run: each server got the verdict its behaviour earns.
    let log = k.log();
    let modes: Vec<&str> = modes.split(',').collect();
    for p in BASE..BASE + n {
        let m = modes[usize::from(p - BASE) % modes.len()];
        let rs = format!("[127.0.0.1]:tcp:{p}");
        let failed = log.lines().any(|l| l.contains(&rs) && l.contains("failed"));
        let up = log.contains(&format!("Remote Web server {rs} succeed on service."));
        let want = if m == "ok" {
            (false, true)
        } else {
            (true, m == "flap")
        };
        assert_eq!((failed, up), want, "{m} server {rs}: (failed, up)\n{log}");
    }
    drop((srv, k));
    share
}

fn check(test: &str, modes: &str, fast_recovery: bool) {
    let Some(mut lab) = setup(test, &["/usr/bin/python3"]) else {
        return;
    };
    // 96 checkers at delay_loop 1 cost a few % of a core when healthy; a busy loop is ~100 %.
    let share = cpu_share(&mut lab, 96, modes, fast_recovery, 5);
    assert!(
        share < 0.20,
        "checker child used {:.1} % of a core for 96 checkers",
        share * 100.0
    );
}

#[test]
fn http_get_does_not_spin_on_misbehaving_servers() {
    check(
        "http_get_does_not_spin_on_misbehaving_servers",
        MISBEHAVING,
        false,
    );
}

#[test]
fn http_get_with_fast_recovery_does_not_spin_on_misbehaving_servers() {
    check(
        "http_get_with_fast_recovery_does_not_spin_on_misbehaving_servers",
        &format!("{MISBEHAVING},flap"),
        true,
    );
}

/// A server that answers every request with an endless body, as fast as it can.
const FLOOD: &str = r#"
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
more = b"z" * (1 << 20)
def serve(c):
    try:
        c.recv(4096)
        c.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
        while True:
            c.sendall(more)
    except OSError:
        pass
    c.close()
print("ready", flush=True)
while True:
    c, _ = s.accept()
    print("flooding", flush=True)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

#[test]
fn a_flooding_server_is_cut_off_at_connect_timeout_and_the_daemon_still_stops_at_once() {
    let test = "a_flooding_server_is_cut_off_at_connect_timeout_and_the_daemon_still_stops_at_once";
    let Some(mut lab) = setup(test, &["/usr/bin/python3"]) else {
        return;
    };
    let py = lab.write_file("flood.py", FLOOD);
    let srv = lab.spawn(
        "ck",
        &["/usr/bin/python3", "-u", &py.display().to_string(), "21000"],
    );
    let ready = wait_until(Duration::from_secs(5), || srv.log().contains("ready"));
    assert!(ready, "the python server did not start: {}", srv.log());
    let conf = "global_defs {\n checker_log_all_failures\n}\n\
                virtual_server 127.0.0.1 80 {\n protocol TCP\n delay_loop 1\n\
                real_server 127.0.0.1 21000 {\n HTTP_GET {\n url {\n path /\n }\n\
                connect_timeout 1\n retry 1\n delay_before_retry 1\n warmup 0\n }\n }\n}\n";
    let t0 = Instant::now();
    let mut k = start(&mut lab, conf);
    let mut tail = Tail::new();
    // First run 1 s after start, then connect_timeout 1: the loop must get to the timer
    // while the body keeps coming.
    let cut = tail.wait(
        &k,
        "Timeout HTTP read server [127.0.0.1]:tcp:21000.",
        Duration::from_secs(4),
    );
    assert!(cut - t0 < Duration::from_millis(2000 + 1500), "{}", k.log());
    // Mid-flood again (the next check, delay_loop later): SIGTERM must be heard.
    let again = wait_until(Duration::from_secs(3), || {
        srv.log().matches("flooding").count() >= 2
    });
    assert!(again, "no second check: {}", k.log());
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    k.signal(libc::SIGTERM);
    let gone = k.wait_timeout(Duration::from_secs(3));
    let log = k.log();
    assert!(gone.is_some(), "still running 3 s after SIGTERM: {log}");
    assert!(
        asked.elapsed() < Duration::from_secs(1) && !log.contains("failed to die"),
        "stopping took {:?}: {log}",
        asked.elapsed()
    );
    drop(srv);
}
