//! SIGUSR1's /tmp/keepalived_check.data on the host (`--without-ipvs`), read as a user reads
//! it: while the real server answers, its TCP_CHECK is up and the server alive; once the
//! server is gone, the next dump says so. Root only (SKIPPED otherwise; a failure under CI).

mod lab;

use std::time::Duration;

use lab::daemon::{checker_lab, start_checker, start_checker_under, Tail, NS};
use lab::{wait_until, Spawned};

const DATA: &str = "/tmp/keepalived_check.data";
const RS: &str = "[127.0.0.1]:tcp:18090";

const SERVER_PY: &str = r#"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18090)); s.listen(64)
print("listening", flush=True)
while True:
    c, a = s.accept(); c.close()
"#;

const CONF: &str = "virtual_server 127.0.0.1 80 {
  protocol TCP
  delay_loop 1
  real_server 127.0.0.1 18090 {
    weight 4
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
}
";

/// Asks the daemon for its data file and returns it once written.
fn dump(k: &Spawned) -> String {
    let _ = std::fs::remove_file(DATA);
    k.signal(libc::SIGUSR1);
    let mut text = String::new();
    // The child writes it as soon as the signal reaches its loop.
    let ok = wait_until(Duration::from_secs(2), || {
        text = std::fs::read_to_string(DATA).unwrap_or_default();
        text.contains("------< Health checkers >------") && text.ends_with("TCP_CHECK\n")
    });
    assert!(ok, "no data file:\n{text}\n--- log:\n{}", k.log());
    text
}

fn has(text: &str, lines: &[&str]) {
    for l in lines {
        assert!(text.lines().any(|x| x == *l), "no {l:?} in:\n{text}");
    }
}

#[test]
fn data_file_follows_a_real_server_going_away() {
    let test = "data_file_follows_a_real_server_going_away";
    let Some(mut lab) = checker_lab(test, &["/usr/bin/python3"]) else {
        return;
    };
    let py = lab.write_file("server.py", SERVER_PY).display().to_string();
    let srv = lab.spawn("ck", &["/usr/bin/python3", "-u", &py]);
    assert!(
        wait_until(Duration::from_secs(5), || srv.log().contains("listening")),
        "server did not start: {}",
        srv.log()
    );
    let k = start_checker(&mut lab, CONF);
    let mut tail = Tail::new();
    // The first check is 1 s after start (warmup 0).
    tail.wait(
        &k,
        &format!("TCP connection to {RS} success."),
        Duration::from_secs(4),
    );
    let up = dump(&k);
    has(
        &up,
        &[
            "------< LVS Topology >------",
            " VS VIP = 127.0.0.1, VPORT = 80",
            "   RIP = 127.0.0.1, RPORT = 18090, WEIGHT = 4 EFF WEIGHT = 4",
            "   alive = 1",
            "   num failed checkers = 0",
            &format!(" [127.0.0.1]:tcp:80 -> {RS}"),
            "   Up = yes",
            "   Has run = yes",
            "     Dest = [127.0.0.1]:18090",
        ],
    );
    srv.signal(libc::SIGKILL);
    // retry 0: the next check (delay_loop 1 s later) takes it down.
    tail.wait(
        &k,
        &format!("TCP_CHECK on service {RS} failed."),
        Duration::from_secs(4),
    );
    let down = dump(&k);
    has(
        &down,
        &["   alive = 0", "   num failed checkers = 1", "   Up = no"],
    );
    assert!(
        !down
            .lines()
            .any(|l| l == "   alive = 1" || l == "   Up = yes"),
        "{down}"
    );
    // The dumps disturb nothing: the checks go on and see the server come back.
    let back = lab.spawn("ck", &["/usr/bin/python3", "-u", &py]);
    assert!(
        wait_until(Duration::from_secs(5), || back.log().contains("listening")),
        "server did not restart: {}",
        back.log()
    );
    tail.wait_since(
        &k,
        &format!("TCP connection to {RS} success."),
        std::time::Instant::now(),
        Duration::from_secs(4),
    );
    has(&dump(&k), &["   alive = 1", "   Up = yes"]);
}

/// The checker child's `Allocations: N` count (--mem-check), asked for with SIGUSR2.
fn allocs(k: &Spawned, child: i32) -> u64 {
    let count = |log: &str| log.matches("Allocations: ").count();
    let before = count(&k.log());
    // SAFETY: kill(2) has no memory effects; the lab owns the daemon and its child.
    unsafe {
        libc::kill(child, libc::SIGUSR2);
    }
    let ok = wait_until(Duration::from_secs(2), || count(&k.log()) > before);
    assert!(ok, "no Allocations line:\n{}", k.log());
    let log = k.log();
    let last = log.rsplit("Allocations: ").next().unwrap_or("");
    let n = last.split_whitespace().next().unwrap_or("");
    n.parse()
        .unwrap_or_else(|_| panic!("bad Allocations line {last:?}"))
}

#[test]
fn data_file_allocations_are_left_out_of_mem_check_counts() {
    let test = "data_file_allocations_are_left_out_of_mem_check_counts";
    let Some(mut lab) = checker_lab(test, &["/usr/bin/python3"]) else {
        return;
    };
    let py = lab.write_file("server.py", SERVER_PY).display().to_string();
    let srv = lab.spawn(NS, &["/usr/bin/python3", "-u", &py]);
    assert!(
        wait_until(Duration::from_secs(5), || srv.log().contains("listening")),
        "server did not start: {}",
        srv.log()
    );
    let dir = lab.dir().to_path_buf();
    let k = start_checker_under(&mut lab, CONF, &[], &["--mem-check"]);
    let mut tail = Tail::new();
    tail.wait(
        &k,
        &format!("TCP connection to {RS} success."),
        Duration::from_secs(4),
    );
    let child: i32 = std::fs::read_to_string(dir.join("c.pid"))
        .unwrap_or_default()
        .trim()
        .parse()
        .expect("checker child pid");
    // Checks in steady state allocate (almost) nothing; a dump allocates its whole text.
    let a0 = allocs(&k, child);
    let a1 = allocs(&k, child);
    // Three dumps: each allocates more than the margin allowed below.
    for _ in 0..3 {
        let _ = dump(&k);
    }
    let a2 = allocs(&k, child);
    let (quiet, with_dump) = (a1 - a0, a2 - a1);
    assert!(
        with_dump <= quiet + 4,
        "the dumps were counted: {quiet} allocations between two counts, {with_dump} with three \
         dumps between\n{}",
        k.log()
    );
}
