//! SMTP alerts seen by a mail server (tests/smtp_server.py, which records each session): the
//! mails of a VRRP failover with a sync group, side by side with keepalived 2.2.7 (same command
//! sequence, Subject, From, To and body); a checker's real server going down and up, and why
//! SMTP_CHECK and MISC_CHECK went down; and a
//! server that accepts but never sends its banner, which delays no advert and whose mail is
//! dropped after smtp_connect_timeout with keepalived's line.
//!
//! Needs root and python3; keepalived 2.2.7 for the comparison (else ours alone against the
//! words of keepalived's smtp.c), tshark for the advert timing.

mod lab;

use lab::daemon::{checker_lab, start_checker, Tail, NS};
use lab::vrrp::{ours, tail, Router, KEEPALIVED, MARGIN};
use lab::wire::advert_times;
use lab::{wait_until, Lab, Spawned};
use std::path::{Path, PathBuf};
use std::time::Duration;

const PY: &str = "/usr/bin/python3";
/// Master_Down_Interval at priority 50 and 1 s adverts: 3 + 206/256 s.
const DOWN_50: Duration = Duration::from_millis(3810);

fn server_script() -> String {
    format!("{}/tests/smtp_server.py", env!("CARGO_MANIFEST_DIR"))
}

/// The mail server in namespace `ns` on `addr`:2525, recording into the returned file.
fn start_server(lab: &mut Lab, ns: &str, addr: &str, stall: bool) -> (Spawned, PathBuf) {
    let log = lab.dir().join(if stall { "stall.log" } else { "mail.log" });
    let l = log.to_string_lossy().into_owned();
    let script = server_script();
    let mut cmd = vec![PY, script.as_str(), addr, "2525", l.as_str()];
    if stall {
        cmd.push("--stall");
    }
    let s = lab.spawn(ns, &cmd);
    assert!(
        wait_until(Duration::from_secs(10), || s.log().contains("ready")),
        "the mail server did not start:\n{}",
        s.log()
    );
    (s, log)
}

/// One mail as the server received it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Mail {
    subject: String,
    from: String,
    to: String,
    body: String,
    x_mailer: String,
    /// The commands in order, the message left out.
    commands: Vec<String>,
    date: String,
}

/// The sessions in the server's log that carried a message.
fn mails(log: &Path) -> Vec<Mail> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out = Vec::new();
    let mut cur: Option<(Vec<String>, Vec<String>)> = None;
    for l in text.lines() {
        match l.split_at(l.len().min(2)) {
            ("S ", _) => cur = Some((Vec::new(), Vec::new())),
            ("C ", c) => {
                if let Some(x) = cur.as_mut() {
                    x.0.push(c.to_string())
                }
            }
            ("D ", d) | ("D", d) => {
                if let Some(x) = cur.as_mut() {
                    x.1.push(d.trim_start().to_string())
                }
            }
            ("E", _) => {
                if let Some((commands, data)) = cur.take() {
                    if !data.is_empty() {
                        out.push(parse(commands, &data));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn parse(commands: Vec<String>, data: &[String]) -> Mail {
    let header = |h: &str| {
        data.iter()
            .find_map(|l| l.strip_prefix(h))
            .unwrap_or("")
            .to_string()
    };
    // The body is the first line after the empty one that ends the headers.
    let body = data
        .iter()
        .skip_while(|l| !l.is_empty())
        .nth(1)
        .cloned()
        .unwrap_or_default();
    Mail {
        subject: header("Subject: "),
        from: header("From: "),
        to: header("To: "),
        x_mailer: header("X-Mailer: "),
        body,
        commands,
        date: header("Date: "),
    }
}

fn subjects(m: &[Mail]) -> Vec<String> {
    let mut v: Vec<String> = m.iter().map(|m| m.subject.clone()).collect();
    v.sort();
    v
}

fn global(router_id: &str, timeout: u32) -> String {
    format!(
        "global_defs {{\n  router_id {router_id}\n  notification_email {{\n    ops@example.org\n    \
         noc@example.org\n  }}\n  smtp_server 10.7.0.2 2525\n  smtp_connect_timeout {timeout}\n  \
         smtp_alert_vrrp\n}}\n"
    )
}

fn vrrp_conf(router_id: &str, prio: u8) -> String {
    format!(
        "{}vrrp_sync_group G1 {{\n  group {{\n    VI_1\n    VI_2\n  }}\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority {prio}\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.7.0.100/24\n  }}\n}}\n\
         vrrp_instance VI_2 {{\n  interface eth0\n  virtual_router_id 52\n  priority {prio}\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.7.0.101/24\n  }}\n}}\n",
        global(router_id, 5)
    )
}

fn two_routers(test: &str) -> Lab {
    let mut lab = Lab::new(test);
    lab.veth(("r1", "eth0"), ("r2", "eth0"));
    lab.addr("r1", "eth0", "10.7.0.1/24");
    lab.addr("r2", "eth0", "10.7.0.2/24");
    lab
}

#[track_caller]
fn wait_mails(log: &Path, n: usize, timeout: Duration, who: &[&Router]) -> Vec<Mail> {
    if !wait_until(timeout, || mails(log).len() >= n) {
        let logs: String = who
            .iter()
            .map(|r| format!("--- {}:\n{}\n", r.name, tail(&r.log())))
            .collect();
        panic!(
            "wanted {n} mails after {timeout:?}, got {:#?}\n{logs}",
            subjects(&mails(log))
        );
    }
    mails(log)
}

/// r1 (priority 100) and r2 (50), each with VI_1 and VI_2 in sync group G1, both `bin`:
/// start (all BACKUP), r1 takes over, r1 stops and r2 takes over, r2's link goes down. The mails, Stopping ones
/// aside (they race the daemon's exit in keepalived too).
fn failover(test: &str, bin: &str) -> Vec<Mail> {
    let mut lab = two_routers(test);
    let (_server, log) = start_server(&mut lab, "r2", "10.7.0.2", false);
    let mut r1 = Router::start(&mut lab, "r1", bin, &vrrp_conf("r1", 100));
    let r2 = Router::start(&mut lab, "r2", bin, &vrrp_conf("r2", 50));
    // r1: 3 BACKUP, 3 MASTER; r2: 3 BACKUP.
    wait_mails(&log, 9, DOWN_50 + MARGIN * 2, &[&r1, &r2]);
    r1.stop();
    // r2: 3 MASTER (its down timer after r1's priority 0 is the skew time).
    wait_mails(&log, 12, DOWN_50 + MARGIN * 2, &[&r1, &r2]);
    // r2's link goes down: 3 FAULT (the server, on r2's own address, is still reached).
    lab.down("r2", "eth0");
    wait_mails(&log, 15, MARGIN * 2, &[&r1, &r2]);
    // Anything late (a Stopping mail) has come by now.
    wait_until(MARGIN, || false);
    // -D: keepalived's lines for each session.
    let log2 = r2.log();
    for line in [
        "Remote SMTP server [10.7.0.2]:2525 connected.",
        "SMTP alert successfully sent.",
    ] {
        assert_eq!(log2.matches(line).count(), 9, "{line}\n{}", tail(&log2));
    }
    let all = mails(&log);
    let stops = all
        .iter()
        .filter(|m| m.subject.ends_with("- Stopping"))
        .count();
    eprintln!(
        "{test} {bin}: {} mails, {stops} of them Stopping",
        all.len()
    );
    let mut got: Vec<Mail> = all
        .into_iter()
        .filter(|m| !m.subject.ends_with("- Stopping"))
        .collect();
    got.sort();
    got
}

fn expected_subjects() -> Vec<String> {
    let mut v = Vec::new();
    let both = [
        ("r1", &["BACKUP", "MASTER"][..]),
        ("r2", &["BACKUP", "MASTER", "FAULT"]),
    ];
    for (r, states) in both {
        for s in states {
            v.push(format!("[{r}] VRRP Group G1 - Entering {s} state"));
            v.push(format!("[{r}] VRRP Instance VI_1 - Entering {s} state"));
            v.push(format!("[{r}] VRRP Instance VI_2 - Entering {s} state"));
        }
    }
    v.sort();
    v
}

#[test]
fn a_failover_mails_what_keepalived_mails() {
    let test = "a_failover_mails_what_keepalived_mails";
    if !lab::require_root(test) || !lab::require_program(test, PY) {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let got = failover(test, &bin);
    assert_eq!(subjects(&got), expected_subjects(), "{got:#?}");
    for m in &got {
        assert_eq!(m.to, "ops@example.org, noc@example.org");
        assert_eq!(m.x_mailer, "Keepalived");
        let rcpt = &m.commands[2..4];
        assert_eq!(
            rcpt,
            ["RCPT TO:<ops@example.org>", "RCPT TO:<noc@example.org>"]
        );
        assert!(m.commands[0].starts_with("HELO "), "{m:?}");
        assert_eq!(m.commands[1], format!("MAIL FROM:<{}>", m.from));
        assert_eq!(m.commands[4..], ["DATA", "QUIT"]);
        // "Sun, 06 Dec 2026 09:00:00 +0000"
        assert_eq!(m.date.len(), 31, "{m:?}");
        let want = if m.subject.contains("MASTER") {
            if m.subject.contains("Group") {
                "=> All VRRP group instances are now in MASTER state <="
            } else {
                "=> VRRP Instance is now owning VRRP VIPs <="
            }
        } else if m.subject.contains("Group") && m.subject.contains("FAULT") {
            "=> All VRRP group instances are now in FAULT state <="
        } else if m.subject.contains("Group") {
            "=> All VRRP group instances are now in BACKUP state <="
        } else {
            "=> VRRP Instance is no longer owning VRRP VIPs <="
        };
        assert_eq!(m.body, want, "{m:?}");
    }
    if !Path::new(KEEPALIVED).is_file() {
        eprintln!("{test}: keepalived 2.2.7 not installed, compared with its words only");
        return;
    }
    let theirs = failover(test, KEEPALIVED);
    let strip = |v: &[Mail]| -> Vec<Mail> {
        v.iter()
            .map(|m| Mail {
                date: String::new(),
                ..m.clone()
            })
            .collect()
    };
    assert_eq!(strip(&got), strip(&theirs));
}

/// The server in r2 accepts and never says a word. r1, alone, goes BACKUP then MASTER: each
/// mail waits smtp_connect_timeout (2 s) for the banner, says QUIT, waits as long again and
/// is dropped with keepalived's line, one after the other, while r1's adverts keep their
/// 1 s interval on the wire; then, idle, it allocates nothing.
#[test]
fn a_server_that_never_answers_delays_no_advert() {
    let test = "a_server_that_never_answers_delays_no_advert";
    if !lab::require_root(test)
        || !lab::require_program(test, PY)
        || !lab::require_program(test, "/usr/bin/tshark")
    {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let mut lab = two_routers(test);
    let (_server, _log) = start_server(&mut lab, "r2", "10.7.0.2", true);
    let conf = format!(
        "{}vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.7.0.100/24\n  }}\n}}\n",
        global("r1", 2)
    );
    let (cap, pcap) = lab.capture("r2", "eth0", "adverts.pcap");
    let r1 = Router::start_with(&mut lab, "r1", &bin, &conf, &["--mem-check"]);
    // BACKUP's mail: 2 s for the banner, 2 s after QUIT; then MASTER's, as long again.
    let line = "Timeout reading data to remote SMTP server [10.7.0.2]:2525.";
    let lines = || r1.log().matches(line).count();
    let all = DOWN_50 + Duration::from_secs(8) + MARGIN * 2;
    assert!(
        wait_until(all, || lines() >= 4),
        "wanted 4 \"{line}\" lines:\n{}",
        tail(&r1.log())
    );
    assert!(r1.is_master(), "{}", tail(&r1.log()));
    // Both mails are gone: the child is idle again and allocates nothing over 3 adverts.
    let pid = vrrp_pid(&lab).expect("the VRRP child's pidfile");
    let (n0, a0) = stats(pid).expect("stats with an Allocations line");
    let mut last = (n0, a0);
    assert!(
        wait_until(Duration::from_secs(4) + MARGIN, || {
            last = stats(pid).unwrap_or(last);
            last.0 >= n0 + 3
        }),
        "adverts not counted: {last:?}"
    );
    assert_eq!(last.1, a0, "allocations grew over {} adverts", last.0 - n0);
    lab.stop_capture(cap);
    let t = advert_times(&mut lab, "r2", &pcap, "10.7.0.1");
    assert!(t.len() >= 4, "too few adverts from r1: {t:?}");
    let worst = t.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
    eprintln!("{test}: {} adverts, longest gap {worst:.3} s", t.len());
    // 1 s adverts: a stalled mail must not hold the loop (a blocking read would take 2 s).
    assert!(
        worst < 1.25,
        "longest gap between adverts {worst:.3} s: {t:?}"
    );
}

/// The pid in the VRRP child's pidfile of r1.
fn vrrp_pid(lab: &Lab) -> Option<i32> {
    let dir = std::fs::read_dir(lab.dir()).ok()?;
    let p = dir.filter_map(|e| e.ok().map(|e| e.path())).find(|p| {
        let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
        n.is_some_and(|n| n.starts_with("r1-") && n.ends_with("-vrrp.pid"))
    })?;
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

const STATS: &str = "/tmp/keepalived.stats";

/// The VRRP child's stats (SIGUSR2): (adverts sent, allocations made outside the dumps).
fn stats(pid: i32) -> Option<(u64, u64)> {
    let _ = std::fs::remove_file(STATS);
    // SAFETY: kill(2) on our own lab's VRRP child.
    unsafe { libc::kill(pid, libc::SIGUSR2) };
    let after = |t: &str, section: &str, key: &str| -> Option<u64> {
        let rest = &t[t.find(section)?..];
        let line = rest.lines().find(|l| l.trim_start().starts_with(key))?;
        line.split(':').nth(1)?.trim().parse().ok()
    };
    let mut got = None;
    wait_until(Duration::from_secs(3), || {
        let t = std::fs::read_to_string(STATS).unwrap_or_default();
        got = after(&t, "Advertisements:", "Sent:").zip(after(&t, "Allocations", "Allocations:"));
        got.is_some()
    });
    got
}

/// The checker's lab: its namespace with the virtual address 10.7.1.1 and the mail server on
/// 127.0.0.1 (with the file it records into); None when SKIPPED.
fn checker_mail_lab(test: &str) -> Option<(Lab, Spawned, PathBuf)> {
    let mut lab = checker_lab(test, &[PY])?;
    lab.addr(NS, "lo", "10.7.1.1/32");
    let (server, log) = start_server(&mut lab, NS, "127.0.0.1", false);
    Some((lab, server, log))
}

/// A checker child with a TCP_CHECK on a real server in its namespace: the server goes away
/// (a DOWN mail with the TCP_CHECK body) and comes back (UP).
#[test]
fn a_real_server_down_and_up_is_mailed() {
    let Some((mut lab, _server, log)) = checker_mail_lab("a_real_server_down_and_up_is_mailed")
    else {
        return;
    };
    let web = |lab: &mut Lab| {
        lab.spawn(
            NS,
            &[PY, "-m", "http.server", "--bind", "127.0.0.2", "8080"],
        )
    };
    let mut rs = web(&mut lab);
    let conf = "global_defs {\n  router_id ck1\n  notification_email {\n    ops@example.org\n  }\n  \
                smtp_server 127.0.0.1 2525\n  smtp_connect_timeout 5\n}\n\
                virtual_server 10.7.1.1 80 {\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n  \
                real_server 127.0.0.2 8080 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n";
    let k = start_checker(&mut lab, conf);
    let mut t = Tail::new();
    t.wait(&k, "Startup complete", MARGIN * 2);
    wait_until(Duration::from_secs(2), || false);
    rs.signal(libc::SIGKILL);
    let _ = rs.wait_timeout(MARGIN);
    let deadline = Duration::from_secs(4) + MARGIN * 2;
    assert!(
        wait_until(deadline, || !mails(&log).is_empty()),
        "no DOWN mail:\n{}",
        k.log()
    );
    let _rs = web(&mut lab);
    assert!(
        wait_until(deadline, || mails(&log).len() >= 2),
        "no UP mail:\n{}",
        k.log()
    );
    let m = mails(&log);
    let subject = |s: &str| {
        format!("[ck1] Realserver [127.0.0.2]:tcp:8080 of virtual server [10.7.1.1]:tcp:80 - {s}")
    };
    assert_eq!(m[0].subject, subject("DOWN"));
    assert_eq!(m[0].body, "=> TCP CHECK failed on service <=");
    assert_eq!(m[1].subject, subject("UP"));
    assert_eq!(m[1].body, "=> TCP CHECK succeed on service <=");
    assert_eq!(m[1].commands[2], "RCPT TO:<ops@example.org>");
}

/// SMTP_CHECK and MISC_CHECK say why they went down, in keepalived's words (check_smtp.c,
/// check_misc.c): a server that accepts but never greets is a read timeout from its address,
/// a script killed at misc_timeout "timed out".
#[test]
fn smtp_and_misc_checks_say_why_they_went_down() {
    let test = "smtp_and_misc_checks_say_why_they_went_down";
    let Some((mut lab, _server, log)) = checker_mail_lab(test) else {
        return;
    };
    // An HTTP server says nothing until asked: no SMTP greeting ever comes.
    let _mute = lab.spawn(
        NS,
        &[PY, "-m", "http.server", "--bind", "127.0.0.2", "8080"],
    );
    let conf =
        "global_defs {\n  router_id ck1\n  notification_email {\n    ops@example.org\n  }\n  \
                smtp_server 127.0.0.1 2525\n  smtp_connect_timeout 5\n}\n\
                virtual_server 10.7.1.1 80 {\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n  \
                real_server 127.0.0.2 8080 {\n    SMTP_CHECK {\n      connect_timeout 1\n      \
                retry 0\n    }\n  }\n  real_server 127.0.0.3 8080 {\n    MISC_CHECK {\n      \
                misc_path \"/bin/sleep 5\"\n      misc_timeout 1\n      retry 0\n    }\n  }\n}\n";
    let k = start_checker(&mut lab, conf);
    // Each: a first run within delay_loop, then its 1 s timeout.
    let deadline = Duration::from_secs(2) + MARGIN * 2;
    assert!(
        wait_until(deadline, || mails(&log).len() >= 2),
        "not both DOWN mails:\n{}",
        k.log()
    );
    let mut bodies: Vec<(String, String)> = mails(&log)
        .into_iter()
        .map(|m| (m.subject, m.body))
        .collect();
    bodies.sort();
    let subject = |rs: &str| {
        format!("[ck1] Realserver [{rs}]:tcp:8080 of virtual server [10.7.1.1]:tcp:80 - DOWN")
    };
    assert_eq!(
        bodies,
        [
            (
                subject("127.0.0.2"),
                "=> CHECK failed on service : Read timeout from server [127.0.0.2]:8080 <="
                    .to_string()
            ),
            (
                subject("127.0.0.3"),
                "=> MISC CHECK timed out on service <=".to_string()
            ),
        ]
    );
}

/// No server listens: the refused connect is logged with keepalived's line (the fd's number
/// aside) and the mail dropped, under ours and keepalived alike.
#[test]
fn a_refused_connection_is_logged_as_keepalived() {
    let test = "a_refused_connection_is_logged_as_keepalived";
    if !lab::require_root(test) {
        return;
    }
    let bin = ours();
    if !lab::require_program(test, &bin) {
        return;
    }
    let mut lab = two_routers(test);
    let conf = format!(
        "{}vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.7.0.100/24\n  }}\n}}\n",
        global("r1", 2)
    );
    let mut bins = vec![bin];
    if Path::new(KEEPALIVED).is_file() {
        bins.push(KEEPALIVED.to_string());
    }
    for b in &bins {
        let mut r = Router::start(&mut lab, "r1", b, &conf);
        let refused = |l: &str| l.starts_with("smtp fd ") && l.ends_with(" returned write error");
        let n = || {
            r.log()
                .lines()
                .filter(|l| l.split(": ").skip(1).any(refused))
                .count()
        };
        assert!(
            wait_until(MARGIN * 2, || n() >= 1),
            "{b}: no refused-connect line:\n{}",
            tail(&r.log())
        );
        r.stop();
    }
}
