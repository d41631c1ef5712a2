//! The health checkers against real servers in a network namespace, watched through the
//! checker child's log lines and when they appear: a server going away is marked down after
//! exactly `retry` retries spaced `delay_before_retry`, coming back marks it up, alpha starts
//! down, omega runs notify_down at stop, rs_init_notifies runs notify_up at start,
//! MISC_CHECK's exit codes, UDP and PING checks.
//! Root only (SKIPPED otherwise).

mod lab;

use std::time::{Duration, Instant};

use lab::daemon::{
    checker_lab, notes, read, script, start_checker as start, start_checker_under, Tail,
};
use lab::{wait_until, Lab, Spawned};

/// A TCP server (accepts and closes) or a UDP server answering every datagram with `reply`.
const SERVER_PY: &str = r#"
import socket, sys
kind, port = sys.argv[1], int(sys.argv[2])
if kind == "tcp":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64)
    print("listening", flush=True)
    while True:
        c, a = s.accept(); print("from", a[0], a[1], flush=True); c.close()
else:
    reply = bytes.fromhex(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    print("listening", flush=True)
    while True:
        d, a = s.recvfrom(2048); s.sendto(reply, a)
"#;

fn server(lab: &mut Lab, args: &[&str]) -> Spawned {
    let py = lab.write_file("server.py", SERVER_PY);
    let mut cmd = vec!["/usr/bin/python3", "-u"];
    let py = py.display().to_string();
    cmd.push(&py);
    cmd.extend_from_slice(args);
    let s = lab.spawn("ck", &cmd);
    assert!(
        wait_until(Duration::from_secs(5), || s.log().contains("listening")),
        "server {args:?} did not start: {}",
        s.log()
    );
    s
}

fn setup(test: &str) -> Option<Lab> {
    checker_lab(test, &["/usr/bin/python3"])
}

const RS: &str = "[127.0.0.1]:tcp:18080";

#[test]
fn tcp_check_goes_down_after_its_retries_and_comes_back() {
    let Some(mut lab) = setup("tcp_check_goes_down_after_its_retries_and_comes_back") else {
        return;
    };
    let (notes, up, down) = notes(&lab);
    // delay_loop and delay_before_retry differ so the spacing says which one was used.
    let conf = format!(
        "global_defs {{\n checker_log_all_failures\n}}\n\
         virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 2\n\
         real_server 127.0.0.1 18080 {{\n notify_up {up}\n notify_down {down}\n\
         TCP_CHECK {{\n connect_timeout 1\n retry 2\n delay_before_retry 0.5\n warmup 0\n }}\n }}\n}}\n"
    );
    let mut srv = server(&mut lab, &["tcp", "18080"]);
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    // The first run is 1 s after start (warmup 0).
    tail.wait(
        &k,
        &format!("TCP connection to {RS} success."),
        Duration::from_secs(5),
    );
    srv.signal(libc::SIGKILL);
    let killed = Instant::now();
    let gone = tail.wait(
        &k,
        &format!("TCP_CHECK on service {RS} failed after 2 retries."),
        Duration::from_secs(6),
    );
    tail.wait(
        &k,
        &format!("Removing service {RS} from VS"),
        Duration::from_secs(1),
    );
    // retry 2: three failed checks, the last two delay_before_retry after the one before.
    tail.assert_spaced(
        &k,
        &format!("TCP connection to {RS} failed."),
        killed,
        3,
        Duration::from_millis(500),
    );
    assert!(gone - killed < Duration::from_secs(2) + Duration::from_millis(1500));
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\n"));

    srv = server(&mut lab, &["tcp", "18080"]);
    let back = Instant::now();
    // While down, TCP_CHECK alternates delay_before_retry and delay_loop: up within one of each.
    let up_at = tail.wait_since(
        &k,
        &format!("TCP connection to {RS} success."),
        back,
        Duration::from_secs(4),
    );
    assert!(
        up_at - back < Duration::from_millis(2500 + 500),
        "{:?}",
        up_at - back
    );
    tail.wait_since(
        &k,
        &format!("Adding service {RS} to VS"),
        back,
        Duration::from_secs(1),
    );
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\nup\n"));
    drop(srv);
}

/// keepalived 2.2.7 with `rs_init_notifies` runs the notify_up of a real server that starts
/// alive when it puts it in, before its first check (ipwrapper.c, init_service_rs): the
/// check that then fails brings the notify_down after it. Without it only the down would run
/// (the test above).
#[test]
fn rs_init_notifies_runs_notify_up_at_start_before_the_first_check() {
    let Some(mut lab) = setup("rs_init_notifies_runs_notify_up_at_start_before_the_first_check")
    else {
        return;
    };
    let (notes, up, down) = notes(&lab);
    let conf = format!(
        "global_defs {{\n rs_init_notifies\n}}\n\
         virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 2\n\
         real_server 127.0.0.1 18080 {{\n notify_up {up}\n notify_down {down}\n\
         TCP_CHECK {{\n connect_timeout 1\n retry 0\n warmup 0\n }}\n }}\n}}\n"
    );
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    // Nothing listens: the first check, 1 s after start, fails at once.
    tail.wait(
        &k,
        &format!("Removing service {RS} from VS"),
        Duration::from_secs(5),
    );
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "up\ndown\n"));
}

#[test]
fn alpha_starts_down_and_omega_notifies_at_stop() {
    let Some(mut lab) = setup("alpha_starts_down_and_omega_notifies_at_stop") else {
        return;
    };
    let (notes, up, down) = notes(&lab);
    let conf = format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 1\n alpha\n omega\n\
         real_server 127.0.0.1 18080 {{\n notify_up {up}\n notify_down {down}\n\
         TCP_CHECK {{\n connect_timeout 1\n warmup 0\n }}\n }}\n}}\n"
    );
    let mut k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    // Nothing listens: alpha's first failure only says so (the server was never added) and
    // runs notify_down.
    tail.wait(
        &k,
        &format!("TCP_CHECK on service {RS} failed."),
        Duration::from_secs(4),
    );
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\n"));
    tail.poll(&k);
    assert!(!k.log().contains("Removing service"), "{}", k.log());
    let srv = server(&mut lab, &["tcp", "18080"]);
    tail.wait(
        &k,
        &format!("TCP connection to {RS} success."),
        Duration::from_secs(4),
    );
    tail.wait(
        &k,
        &format!("Adding service {RS} to VS"),
        Duration::from_secs(1),
    );
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\nup\n"));
    // omega: the live server's notify_down runs on the way out.
    k.signal(libc::SIGTERM);
    assert!(
        k.wait_timeout(Duration::from_secs(5)).is_some(),
        "{}",
        k.log()
    );
    assert_eq!(read(&notes), "down\nup\ndown\n");
    drop(srv);
}

#[test]
fn misc_check_reads_exit_codes_and_dynamic_weights() {
    let Some(mut lab) = setup("misc_check_reads_exit_codes_and_dynamic_weights") else {
        return;
    };
    let code = lab.write_file("code", "0");
    let check = script(
        &lab,
        "check.sh",
        &format!(
            "c=$(cat {})\n[ \"$c\" = sleep ] && exec sleep 30\nexit $c",
            code.display()
        ),
    );
    let conf = format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18080 {{\n weight 3\n\
         MISC_CHECK {{\n misc_path {check}\n misc_timeout 1\n misc_dynamic\n retry 1\n delay_before_retry 0.5\n warmup 0\n }}\n }}\n}}\n"
    );
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    let who = format!("Misc check for [{RS} VS [127.0.0.1]:tcp:80] by [{check}]");
    tail.wait(&k, &format!("{who} succeeded."), Duration::from_secs(4));
    std::fs::write(&code, "1").expect("write");
    let t0 = Instant::now();
    let down = tail.wait_since(
        &k,
        &format!("{who} failed after 1 retry (exited with status 1)."),
        t0,
        Duration::from_secs(4),
    );
    // One regular run fails, then one retry 0.5 s later: at most a delay_loop and a bit.
    assert!(down - t0 < Duration::from_millis(2200), "{:?}", down - t0);
    tail.wait_since(
        &k,
        &format!("Removing service {RS}"),
        t0,
        Duration::from_secs(1),
    );
    // misc_dynamic: 2..255 is up with weight code - 2.
    std::fs::write(&code, "7").expect("write");
    let since = Instant::now();
    tail.wait(&k, &format!("Adding service {RS}"), Duration::from_secs(4));
    tail.wait(
        &k,
        &format!("Changing weight from 3 to 5 for inactive service {RS}"),
        Duration::from_secs(1),
    );
    assert_eq!(tail.times(&format!("{who} succeeded."), since).len(), 1);
    // A script overrunning misc_timeout fails like a bad exit code; the weight goes back.
    std::fs::write(&code, "sleep").expect("write");
    let since = Instant::now();
    tail.wait_since(
        &k,
        &format!("{who} timed out after 1 retry."),
        since,
        Duration::from_secs(5),
    );
    tail.wait_since(
        &k,
        &format!("Removing service {RS}"),
        since,
        Duration::from_secs(1),
    );
    tail.wait_since(
        &k,
        &format!("Changing weight from 5 to 3 for inactive service {RS}"),
        since,
        Duration::from_secs(1),
    );
    drop(k);
}

#[test]
fn udp_and_ping_checks_pass_and_fail() {
    let Some(mut lab) = setup("udp_and_ping_checks_pass_and_fail") else {
        return;
    };
    let conf = "virtual_server 127.0.0.1 53 {\n protocol UDP\n delay_loop 1\n\
         real_server 127.0.0.1 5300 {\n UDP_CHECK {\n connect_timeout 1\n payload 01 02\n require_reply 0a XX\n warmup 0\n }\n }\n\
         real_server 127.0.0.1 5301 {\n UDP_CHECK {\n connect_timeout 1\n warmup 0\n }\n }\n\
         real_server 127.0.0.1 5302 {\n PING_CHECK {\n warmup 0\n }\n }\n\
         real_server 192.0.2.1 5303 {\n PING_CHECK {\n warmup 0\n connect_timeout 1\n }\n }\n}\n";
    let srv = server(&mut lab, &["udp", "5300", "0a77"]);
    let k = start(&mut lab, conf);
    let mut tail = Tail::new();
    // Port 5301 has no server: the ICMP port unreachable fails the check at once.
    tail.wait(
        &k,
        "UDP connection to [127.0.0.1]:udp:5300 success.",
        Duration::from_secs(4),
    );
    tail.wait(
        &k,
        "UDP_CHECK on service [127.0.0.1]:udp:5301 failed.",
        Duration::from_secs(4),
    );
    tail.wait(
        &k,
        "ICMP connection to [127.0.0.1]:udp:5302 success.",
        Duration::from_secs(4),
    );
    tail.wait(
        &k,
        "ICMP CHECK on service [192.0.2.1]:udp:5303 failed.",
        Duration::from_secs(4),
    );
    tail.poll(&k);
    let log = k.log();
    assert!(
        !log.contains("Removing service [127.0.0.1]:udp:5300"),
        "{log}"
    );
    assert!(
        !log.contains("Removing service [127.0.0.1]:udp:5302"),
        "{log}"
    );
    drop(srv);
}

#[test]
fn file_check_follows_the_tracked_file() {
    let Some(mut lab) = setup("file_check_follows_the_tracked_file") else {
        return;
    };
    let state = lab.write_file("state", "0\n");
    let load = lab.write_file("load", "0\n");
    let conf = format!(
        "track_file state {{\n file {}\n}}\ntrack_file load {{\n file {}\n}}\n\
         virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 60\n\
         real_server 127.0.0.1 18080 {{\n FILE_CHECK {{\n track_file state\n weight 0\n }}\n }}\n\
         real_server 127.0.0.1 18081 {{\n weight 2\n FILE_CHECK {{\n track_file load\n weight -3\n }}\n }}\n}}\n",
        state.display(),
        load.display()
    );
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    tail.wait(&k, "Startup complete", Duration::from_secs(4));
    // No schedule: a write is seen at once, even with delay_loop 60.
    std::fs::write(&state, "1\n").expect("write");
    tail.wait(
        &k,
        &format!("Removing service {RS} from VS"),
        Duration::from_secs(2),
    );
    std::fs::write(&state, "0\n").expect("write");
    tail.wait(
        &k,
        &format!("Adding service {RS} to VS"),
        Duration::from_secs(2),
    );
    // weight -3 times the value is added to the real server's weight 2; below 0 is 0.
    std::fs::write(&load, "-4\n").expect("write");
    tail.wait(
        &k,
        "Changing weight from 2 to 14 for active service [127.0.0.1]:tcp:18081",
        Duration::from_secs(2),
    );
    std::fs::write(&load, "1\n").expect("write");
    tail.wait(
        &k,
        "Changing weight from 14 to 0 for active service [127.0.0.1]:tcp:18081",
        Duration::from_secs(2),
    );
}

#[test]
fn a_reload_keeps_the_state_of_unchanged_checkers() {
    let Some(mut lab) = setup("a_reload_keeps_the_state_of_unchanged_checkers") else {
        return;
    };
    let (notes, _, down) = notes(&lab);
    let conf = format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18080 {{\n notify_down {down}\n\
         TCP_CHECK {{\n connect_timeout 1\n warmup 0\n }}\n }}\n}}\n"
    );
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    tail.wait(
        &k,
        &format!("TCP_CHECK on service {RS} failed."),
        Duration::from_secs(4),
    );
    tail.wait(
        &k,
        &format!("Removing service {RS}"),
        Duration::from_secs(1),
    );
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\n"));
    // Same checker, other line numbers.
    lab.write_file("keepalived.conf", &format!("# moved\n\n{conf}"));
    let since = Instant::now();
    k.signal(libc::SIGHUP);
    tail.wait_since(&k, "Reload complete", since, Duration::from_secs(4));
    // A down checker that fails again says nothing; the server coming back is news.
    let srv = server(&mut lab, &["tcp", "18080"]);
    tail.wait_since(
        &k,
        &format!("Adding service {RS}"),
        since,
        Duration::from_secs(5),
    );
    assert!(tail.times("failed", since).is_empty(), "{}", k.log());
    assert!(tail.times("Removing", since).is_empty(), "{}", k.log());
    assert_eq!(read(&notes), "down\n");
    drop(srv);
}

#[test]
fn connection_options_and_connect_timeout() {
    let Some(mut lab) = setup("connection_options_and_connect_timeout") else {
        return;
    };
    // A link whose far end has no address: ARP gets no answer and the connect times out.
    lab.stub_link("ck", "sink0", "sink1");
    lab.addr("ck", "sink0", "10.9.0.1/24");
    let conf = "global_defs {\n checker_log_all_failures\n}\n\
         virtual_server 127.0.0.1 80 {\n protocol TCP\n delay_loop 30\n\
         real_server 127.0.0.1 18090 {\n TCP_CHECK {\n connect_port 18080\n bindto 127.0.0.9\n bind_port 40001\n fwmark 7\n warmup 0\n }\n }\n\
         real_server 10.9.0.2 80 {\n TCP_CHECK {\n connect_timeout 0.5\n retry 0\n warmup 0\n }\n }\n}\n";
    let srv = server(&mut lab, &["tcp", "18080"]);
    let k = start(&mut lab, conf);
    let started = Instant::now();
    let mut tail = Tail::new();
    // connect_port moves the check off the real server's port; bindto/bind_port set its source.
    tail.wait(
        &k,
        "TCP connection to [127.0.0.1]:tcp:18090 success.",
        Duration::from_secs(4),
    );
    assert!(
        wait_until(Duration::from_secs(2), || srv
            .log()
            .contains("from 127.0.0.9 40001")),
        "server saw: {}",
        srv.log()
    );
    tail.wait(
        &k,
        "TCP connection to [10.9.0.2]:tcp:80 timeout.",
        Duration::from_secs(4),
    );
    let down = tail.wait(
        &k,
        "TCP_CHECK on service [10.9.0.2]:tcp:80 failed.",
        Duration::from_secs(1),
    );
    // First run at 1 s, then connect_timeout 0.5 s.
    let t = down - started;
    assert!(
        t >= Duration::from_millis(1400) && t < Duration::from_millis(2500),
        "{t:?}"
    );
}

#[test]
fn ha_suspend_runs_checkers_only_while_the_address_is_here() {
    let Some(mut lab) = setup("ha_suspend_runs_checkers_only_while_the_address_is_here") else {
        return;
    };
    let conf = "virtual_server 10.9.9.9 80 {\n protocol TCP\n delay_loop 1\n ha_suspend\n\
         real_server 127.0.0.1 18080 {\n TCP_CHECK {\n warmup 0\n }\n }\n}\n";
    let k = start(&mut lab, conf);
    let mut tail = Tail::new();
    let rs = "service [127.0.0.1]:tcp:18080 for VS [10.9.9.9]:tcp:80";
    tail.wait(
        &k,
        &format!("Deactivating healthchecker for {rs}"),
        Duration::from_secs(4),
    );
    // Nothing listens: a check that ran would fail. None runs in two and a half delay_loops.
    std::thread::sleep(Duration::from_millis(2500));
    tail.poll(&k);
    assert!(!k.log().contains("failed"), "{}", k.log());
    lab.addr("ck", "lo", "10.9.9.9/32");
    let since = Instant::now();
    tail.wait_since(
        &k,
        &format!("Activating healthchecker for {rs}"),
        since,
        Duration::from_secs(3),
    );
    tail.wait_since(
        &k,
        "TCP_CHECK on service [127.0.0.1]:tcp:18080 failed.",
        since,
        Duration::from_secs(1),
    );
}

#[test]
fn a_socket_that_cannot_be_set_up_is_no_verdict_but_no_route_is_a_failure() {
    let test = "a_socket_that_cannot_be_set_up_is_no_verdict_but_no_route_is_a_failure";
    let Some(mut lab) = setup(test) else {
        return;
    };
    let (notes, up, down) = notes(&lab);
    // 127.0.0.1: checked from 10.9.8.7, an address this host does not have yet (as a
    // checker bound to a VIP on a BACKUP); 10.200.0.1: no route at all.
    let conf = format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18080 {{\n notify_up {up}\n notify_down {down}\n\
         TCP_CHECK {{\n bindto 10.9.8.7\n retry 0\n warmup 0\n }}\n }}\n\
         real_server 10.200.0.1 80 {{\n TCP_CHECK {{\n retry 0\n warmup 0\n }}\n }}\n}}\n"
    );
    let srv = server(&mut lab, &["tcp", "18080"]);
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    // keepalived: connect() refused or unreachable at once is a failed check...
    tail.wait(
        &k,
        "TCP_CHECK on service [10.200.0.1]:tcp:80 failed.",
        Duration::from_secs(4),
    );
    // ...but a socket that cannot be bound is tried again after delay_loop, with no verdict.
    let first = tail.wait(
        &k,
        "Checker bind failed: Cannot assign requested address",
        Duration::from_secs(4),
    );
    tail.wait(
        &k,
        "TCP socket bind failed. Rescheduling.",
        Duration::from_secs(1),
    );
    let again = tail.times("Checker bind failed", first);
    assert!(
        wait_until(Duration::from_secs(3), || {
            tail.poll(&k);
            tail.times("Checker bind failed", first).len() >= 3
        }),
        "not retried every delay_loop: {again:?}\n{}",
        k.log()
    );
    let log = k.log();
    assert!(!log.contains("[127.0.0.1]:tcp:18080 failed"), "{log}");
    assert!(!log.contains("Removing service [127.0.0.1]"), "{log}");
    assert_eq!(read(&notes), "", "no notify for a check that never ran");
    // Once the address is here the check runs, from it.
    lab.addr("ck", "lo", "10.9.8.7/32");
    tail.wait(
        &k,
        "TCP connection to [127.0.0.1]:tcp:18080 success.",
        Duration::from_secs(3),
    );
    assert!(
        wait_until(Duration::from_secs(2), || srv
            .log()
            .contains("from 10.9.8.7")),
        "server saw: {}",
        srv.log()
    );
}

#[test]
fn direct_routing_checks_the_port_written_for_the_real_server() {
    let test = "direct_routing_checks_the_port_written_for_the_real_server";
    let Some(mut lab) = setup(test) else {
        return;
    };
    // DR cannot change ports, so the service uses port 80 for this real server (with
    // keepalived's "ports don't match - resetting" warning), but its checker still connects
    // to 18080, as keepalived's does; nothing listens on 80.
    let conf = "virtual_server 10.9.9.9 80 {\n protocol TCP\n delay_loop 1\n lb_kind DR\n\
         real_server 127.0.0.1 18080 {\n TCP_CHECK {\n retry 0\n warmup 0\n }\n }\n}\n";
    let srv = server(&mut lab, &["tcp", "18080"]);
    let k = start(&mut lab, conf);
    let mut tail = Tail::new();
    tail.wait(&k, "ports don't match", Duration::from_secs(2));
    tail.wait(
        &k,
        "TCP connection to [127.0.0.1]:tcp:80 success.",
        Duration::from_secs(4),
    );
    // The server prints after its accept, which may come after our connect completed.
    assert!(
        wait_until(Duration::from_secs(2), || srv
            .log()
            .contains("from 127.0.0.1")),
        "{}",
        srv.log()
    );
    assert!(!k.log().contains("failed"), "{}", k.log());
}

#[test]
fn two_dynamic_misc_checks_add_up_their_weights() {
    let Some(mut lab) = setup("two_dynamic_misc_checks_add_up_their_weights") else {
        return;
    };
    let a = script(&lab, "a.sh", "exit 7");
    let b = script(&lab, "b.sh", "exit 12");
    // keepalived: weight 3 moved by each checker's (code - 2) - 3: 3 + 2 + 7 = 12.
    let conf = format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18080 {{\n weight 3\n\
         MISC_CHECK {{\n misc_path {a}\n misc_dynamic\n warmup 0\n }}\n\
         MISC_CHECK {{\n misc_path {b}\n misc_dynamic\n warmup 0\n }}\n }}\n}}\n"
    );
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    tail.wait(
        &k,
        &format!("to 12 for active service {RS}"),
        Duration::from_secs(4),
    );
    // It stays there over a delay_loop and a half: the runs that follow move nothing.
    std::thread::sleep(Duration::from_millis(1500));
    tail.poll(&k);
    let changes = k.log().matches("Changing weight").count();
    assert_eq!(changes, 2, "{}", k.log());
}

/// A TCP_CHECK holds its socket from check to check, so the checker child needs a descriptor
/// per checker: as keepalived's, it raises RLIMIT_NOFILE to 17 + checkers + 10 at start, and
/// the scripts it runs get the limit it started with. Started under a soft limit of 64 with 60
/// TCP_CHECKs, every one of them must pass, and its MISC_CHECK script must see 64. (The hard
/// limit is left higher: raising it needs CAP_SYS_RESOURCE, which this machine's root lacks.)
#[test]
fn many_tcp_checks_pass_under_a_small_open_file_limit() {
    let test = "many_tcp_checks_pass_under_a_small_open_file_limit";
    let Some(mut lab) = checker_lab(test, &["/usr/bin/python3", "/usr/bin/prlimit"]) else {
        return;
    };
    const N: usize = 60;
    let py = lab.write_file(
        "any.py",
        "import socket\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('0.0.0.0', 18080)); s.listen(256)\nprint('listening', flush=True)\n\
         while True:\n    c, a = s.accept(); c.close()\n",
    );
    let srv = lab.spawn("ck", &["/usr/bin/python3", "-u", &py.display().to_string()]);
    assert!(wait_until(Duration::from_secs(5), || srv
        .log()
        .contains("listening")));
    let seen = lab.dir().join("limit");
    let check = script(
        &lab,
        "limit.sh",
        &format!(
            "grep 'Max open files' /proc/self/limits > {}",
            seen.display()
        ),
    );
    let mut conf = String::from("virtual_server 10.0.0.1 80 {\n protocol TCP\n delay_loop 1\n");
    for n in 1..=N {
        conf += &format!(
            " real_server 127.0.0.{n} 18080 {{\n TCP_CHECK {{\n warmup 0\n connect_timeout 1\n }}\n }}\n"
        );
    }
    conf += &format!(" real_server 127.0.1.1 18080 {{\n MISC_CHECK {{\n misc_path {check}\n warmup 0\n }}\n }}\n}}\n");
    let k = start_checker_under(
        &mut lab,
        &conf,
        &["/usr/bin/prlimit", "--nofile=64:4096", "--"],
        &[],
    );
    let cp = lab.dir().join("c.pid");
    // The first runs come 1 s after start (warmup 0), then every second.
    let all_up = wait_until(Duration::from_secs(6), || {
        let log = k.log();
        (1..=N).all(|n| {
            log.contains(&format!(
                "TCP connection to [127.0.0.{n}]:tcp:18080 success."
            ))
        })
    });
    assert!(
        all_up,
        "not every TCP_CHECK passed under a limit of 64:\n{}",
        k.log()
    );
    let cpid: u32 = std::fs::read_to_string(&cp)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let limits = std::fs::read_to_string(format!("/proc/{cpid}/limits")).unwrap_or_default();
    let soft: Option<u64> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok());
    assert_eq!(
        soft,
        Some(17 + N as u64 + 10),
        "checker child {cpid}:\n{limits}"
    );
    assert!(wait_until(Duration::from_secs(3), || read(&seen).contains(" 64 ")));
    let line = read(&seen);
    let v: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        v.get(3..5),
        Some(&["64", "4096"][..]),
        "the script's limit: {line}"
    );
    assert!(
        !k.log().contains("Failed to set open file limit"),
        "{}",
        k.log()
    );
}
