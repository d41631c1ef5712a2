//! Notify scripts, the notify FIFO and script security, seen as a user sees them: the lines a
//! notify script and a FIFO reader received, in order, and the log line of a refused script.
//!
//! `KEEPALIVED_RS_BIN=/usr/sbin/keepalived` runs the same scenarios with keepalived 2.2.7.
//! Needs root (else SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{ours, tail, Router, MARGIN};
use lab::{wait_until, Lab};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// Master_Down_Interval of the slower member (priority 50, 1 s adverts: 3 + 206/256 s).
const DOWN_50: Duration = Duration::from_millis(3810);
/// How long a STOP notify may take to arrive: keepalived's parent waits up to 5 s for its
/// children, which run the STOP scripts as they stop.
const STOP_WAIT: Duration = Duration::from_secs(10);

fn ready(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, &ours())
}

/// r1 and r2 on one link (`eth0`, 10.7.0.0/24), or None (SKIPPED) without root.
fn one_link(test: &str) -> Option<Lab> {
    if !ready(test) {
        return None;
    }
    let mut lab = Lab::new(test);
    lab.veth(("r1", "eth0"), ("r2", "eth0"));
    lab.addr("r1", "eth0", "10.7.0.1/24");
    lab.addr("r2", "eth0", "10.7.0.2/24");
    Some(lab)
}

fn script(lab: &Lab, name: &str, body: &str, mode: u32) -> String {
    let p = lab.write_file(name, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    p.to_string_lossy().into_owned()
}

/// A notify script appending its arguments, one call a line, to `out`.
fn arg_logger(lab: &Lab, name: &str, out: &Path) -> String {
    script(
        lab,
        name,
        &format!("echo \"$*\" >> {}", out.display()),
        0o755,
    )
}

/// A vrrp_notify_fifo_script copying each FIFO line to `out`.
fn fifo_reader(lab: &Lab, out: &Path) -> String {
    script(
        lab,
        "reader.sh",
        &format!(
            "while IFS= read -r l; do echo \"$l\" >> {}; done < \"$1\"",
            out.display()
        ),
        0o755,
    )
}

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[track_caller]
fn wait_lines(p: &Path, n: usize, timeout: Duration, r: &Router) -> Vec<String> {
    if !wait_until(timeout, || lines(p).len() >= n) {
        panic!(
            "{} has {:?}, wanted {n} lines after {timeout:?}\n--- {} log:\n{}",
            p.display(),
            lines(p),
            r.name,
            tail(&r.log())
        );
    }
    lines(p)
}

/// Sorted, for lines that scripts started at the same moment may write in either order.
fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// One router alone with a sync group of two instances: start (BACKUP), takeover by the down
/// timer (MASTER, the group only once both members want it), stop (STOP). The FIFO gets each
/// line in keepalived's order and format (not the STOP ones: its reader is killed first); the
/// scripts get their arguments.
#[test]
fn notify_scripts_and_fifo_see_each_state_in_order() {
    let test = "notify_scripts_and_fifo_see_each_state_in_order";
    let Some(mut lab) = one_link(test) else {
        return;
    };
    let dir = lab.dir().to_path_buf();
    let script_out = dir.join("script.out");
    let fifo_out = dir.join("fifo.out");
    let log_sh = arg_logger(&lab, "log.sh", &script_out);
    let reader = fifo_reader(&lab, &fifo_out);
    let fifo = dir.join("notify.fifo");
    let conf = format!(
        "global_defs {{\n  enable_script_security\n  script_user root\n  \
         vrrp_notify_fifo {fifo}\n  vrrp_notify_fifo_script {reader}\n}}\n\
         vrrp_sync_group G1 {{\n  group {{\n    VI_1\n    VI_2\n  }}\n  notify {log_sh}\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.7.0.100/24\n  }}\n  \
         notify_master \"{log_sh} master VI_1\"\n  notify_backup \"{log_sh} backup VI_1\"\n  \
         notify {log_sh}\n}}\n\
         vrrp_instance VI_2 {{\n  interface eth0\n  virtual_router_id 52\n  priority 50\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.7.0.101/24\n  }}\n}}\n",
        fifo = fifo.display()
    );
    let mut r1 = Router::start(&mut lab, "r1", &ours(), &conf);

    let got = wait_lines(&fifo_out, 3, MARGIN, &r1);
    assert_eq!(
        got,
        strs(&[
            "GROUP \"G1\" BACKUP 0",
            "INSTANCE \"VI_1\" BACKUP 100",
            "INSTANCE \"VI_2\" BACKUP 50",
        ])
    );
    // VI_1 times out first but waits for VI_2, which then takes VI_1 along.
    let got = wait_lines(&fifo_out, 6, DOWN_50 + MARGIN, &r1);
    assert_eq!(
        got[3..],
        strs(&[
            "INSTANCE \"VI_2\" MASTER 50",
            "INSTANCE \"VI_1\" MASTER 100",
            "GROUP \"G1\" MASTER 0",
        ])
    );
    let scripts = wait_lines(&script_out, 6, MARGIN, &r1);
    assert_eq!(
        sorted(&scripts[..3]),
        strs(&[
            "GROUP G1 BACKUP 0",
            "INSTANCE VI_1 BACKUP 100",
            "backup VI_1"
        ])
    );
    assert_eq!(
        sorted(&scripts[3..]),
        strs(&[
            "GROUP G1 MASTER 0",
            "INSTANCE VI_1 MASTER 100",
            "master VI_1"
        ])
    );

    r1.stop();
    let scripts = wait_lines(&script_out, 8, STOP_WAIT, &r1);
    // keepalived kills its scripts, the FIFO reader too, before it sends the STOP notifies.
    assert_eq!(lines(&fifo_out).len(), 6, "{:?}", lines(&fifo_out));
    assert_eq!(
        sorted(&scripts[6..]),
        strs(&["GROUP G1 STOP 0", "INSTANCE VI_1 STOP 100"])
    );
    assert!(
        !fifo.exists(),
        "the FIFO keepalived created is removed at stop"
    );
}

/// A notify script anyone may write to: refused with a log line under
/// `enable_script_security` (the safe script next to it still runs); without script security
/// it runs, and the daemon warns about it.
#[test]
fn script_security_refuses_a_world_writable_script() {
    let test = "script_security_refuses_a_world_writable_script";
    let Some(mut lab) = one_link(test) else {
        return;
    };
    let dir = lab.dir().to_path_buf();
    let conf = |host: u8, security: bool| {
        let out = |what: &str| dir.join(format!("r{host}-{what}.out"));
        let unsafe_sh = script(
            &lab,
            &format!("unsafe{host}.sh"),
            &format!("touch {}", out("unsafe").display()),
            0o777,
        );
        let safe_sh = script(
            &lab,
            &format!("safe{host}.sh"),
            &format!("touch {}", out("safe").display()),
            0o755,
        );
        let conf = format!(
            "global_defs {{\n{}  script_user root\n}}\n\
             vrrp_instance VI_{host} {{\n  interface eth0\n  virtual_router_id 5{host}\n  \
             priority 100\n  advert_int 1\n  virtual_ipaddress {{\n    10.7.0.10{host}/24\n  }}\n  \
             notify_master {unsafe_sh}\n  notify_backup {safe_sh}\n}}\n",
            if security {
                "  enable_script_security\n"
            } else {
                ""
            }
        );
        (conf, unsafe_sh, out("unsafe"), out("safe"))
    };
    let (c1, unsafe1, unsafe_out1, safe_out1) = conf(1, true);
    let (c2, _, unsafe_out2, safe_out2) = conf(2, false);
    let r1 = Router::start(&mut lab, "r1", &ours(), &c1);
    let r2 = Router::start(&mut lab, "r2", &ours(), &c2);
    let refusal = format!("Unsafe permissions found for script '{unsafe1}' - disabling.");
    let warned = "SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.";
    let masters =
        || r1.log().contains("Entering MASTER STATE") && r2.log().contains("Entering MASTER STATE");
    if !wait_until(DOWN_50 + MARGIN, masters) {
        panic!(
            "both should be MASTER\n--- r1:\n{}\n--- r2:\n{}",
            tail(&r1.log()),
            tail(&r2.log())
        );
    }
    // Scripts started at the MASTER transition have had time to run.
    let ran = wait_until(MARGIN, || {
        unsafe_out2.exists() && safe_out1.exists() && safe_out2.exists()
    });
    let report = format!("--- r1:\n{}\n--- r2:\n{}", tail(&r1.log()), tail(&r2.log()));
    assert!(ran, "safe scripts and r2's unsafe one should run\n{report}");
    assert!(
        r1.log().contains(&refusal),
        "r1 should log {refusal:?}\n{report}"
    );
    assert!(!unsafe_out1.exists(), "r1 ran a refused script\n{report}");
    assert!(
        r2.log().contains(warned),
        "r2 should log {warned:?}\n{report}"
    );
    assert!(!r1.log().contains("SECURITY VIOLATION"), "{report}");
}

/// The one file in the lab directory named `prefix*suffix`.
fn lab_file(lab: &Lab, prefix: &str, suffix: &str) -> std::path::PathBuf {
    let found: Vec<_> = std::fs::read_dir(lab.dir())
        .expect("lab dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(suffix)
        })
        .collect();
    assert_eq!(found.len(), 1, "{prefix}*{suffix}: {found:?}");
    found[0].clone()
}

/// A reload that removes two instances: the one with `notify_deleted` reports DELETED, the
/// other FAULT (keepalived's older way); the instance kept says nothing.
#[test]
fn reload_reports_removed_instances_as_deleted() {
    let test = "reload_reports_removed_instances_as_deleted";
    let Some(mut lab) = one_link(test) else {
        return;
    };
    let out = lab.dir().join("script.out");
    let log_sh = arg_logger(&lab, "log.sh", &out);
    let inst = |n: u8, extra: &str| {
        format!(
            "vrrp_instance VI_{n} {{\n  interface eth0\n  virtual_router_id 5{n}\n  priority 100\n  \
             advert_int 1\n  virtual_ipaddress {{\n    10.7.0.10{n}/24\n  }}\n  notify {log_sh}\n{extra}}}\n"
        )
    };
    let head = "global_defs {\n  enable_script_security\n  script_user root\n}\n";
    let full = format!(
        "{head}{}{}{}",
        inst(1, ""),
        inst(2, "  notify_deleted\n"),
        inst(3, "")
    );
    let r1 = Router::start(&mut lab, "r1", &ours(), &full);
    wait_lines(&out, 6, DOWN_50 + MARGIN, &r1);
    assert!(r1.holds_vip("10.7.0.102") && r1.holds_vip("10.7.0.103"));
    std::fs::write(
        lab_file(&lab, "r1-", ".conf"),
        format!("{head}{}", inst(1, "")),
    )
    .expect("conf");
    let pid: i32 = std::fs::read_to_string(lab_file(&lab, "r1-", "-main.pid"))
        .expect("pidfile")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: kill(2) on the daemon this test started.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    let got = wait_lines(&out, 8, MARGIN + MARGIN, &r1);
    assert_eq!(
        sorted(&got[6..]),
        strs(&["INSTANCE VI_2 DELETED 100", "INSTANCE VI_3 FAULT 100"])
    );
    let gone = wait_until(MARGIN, || {
        !r1.holds_vip("10.7.0.102") && !r1.holds_vip("10.7.0.103") && r1.holds_vip("10.7.0.101")
    });
    assert!(
        gone,
        "removed instances' VIPs should go\n{}",
        tail(&r1.log())
    );
    std::thread::sleep(MARGIN);
    assert_eq!(lines(&out).len(), 8, "{:?}", lines(&out));
}

/// A one-way split brain: r2 (priority 100) sends unicast adverts to r1 but hears nothing back
/// (r1 sends to an address nobody has). r1 (200) becomes MASTER anyway and then hears r2's lower
/// priority adverts: it runs notify_master_rx_lower_pri and writes MASTER_RX_LOWER_PRI to the FIFO.
#[test]
fn master_hearing_a_lower_priority_advert_notifies() {
    let test = "master_hearing_a_lower_priority_advert_notifies";
    let Some(mut lab) = one_link(test) else {
        return;
    };
    let dir = lab.dir().to_path_buf();
    let fifo_out = dir.join("fifo.out");
    let lower_out = dir.join("lower.out");
    let reader = fifo_reader(&lab, &fifo_out);
    let lower = arg_logger(&lab, "lower.sh", &lower_out);
    let conf = |prio: u8, src: &str, peer: &str, extra: &str| {
        format!(
            "global_defs {{\n  enable_script_security\n  script_user root\n{extra}}}\n\
             vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority {prio}\n  \
             advert_int 1\n  unicast_src_ip {src}\n  unicast_peer {{\n    {peer}\n  }}\n  \
             virtual_ipaddress {{\n    10.7.0.100/24\n  }}\n  \
             notify_master_rx_lower_pri \"{lower} lower VI_1\"\n}}\n"
        )
    };
    let fifo = dir.join("r1.fifo");
    let r1_extra = format!(
        "  vrrp_notify_fifo {}\n  vrrp_notify_fifo_script {reader}\n",
        fifo.display()
    );
    let r2 = Router::start(
        &mut lab,
        "r2",
        &ours(),
        &conf(100, "10.7.0.2", "10.7.0.1", ""),
    );
    let r1 = Router::start(
        &mut lab,
        "r1",
        &ours(),
        &conf(200, "10.7.0.1", "10.7.0.9", &r1_extra),
    );
    let got = wait_lines(&lower_out, 1, DOWN_50 + MARGIN + MARGIN, &r1);
    assert_eq!(got[0], "lower VI_1");
    assert!(r1.is_master() && r2.is_master(), "{}", tail(&r1.log()));
    let fifo_lines = wait_lines(&fifo_out, 3, MARGIN, &r1);
    assert_eq!(
        fifo_lines[..3],
        strs(&[
            "INSTANCE \"VI_1\" BACKUP 200",
            "INSTANCE \"VI_1\" MASTER 200",
            "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 200",
        ])
    );
}

/// A reload terminates the FIFO reader, closes the FIFO and opens it again with a new reader,
/// which gets the states `fifo_write_vrrp_states_on_reload` writes.
#[test]
fn reload_restarts_the_fifo_reader() {
    let test = "reload_restarts_the_fifo_reader";
    let Some(mut lab) = one_link(test) else {
        return;
    };
    let dir = lab.dir().to_path_buf();
    let runs = dir.join("runs");
    let fifo_out = dir.join("fifo.out");
    let reader = script(
        &lab,
        "reader.sh",
        &format!(
            "echo $$ >> {runs}\nwhile IFS= read -r l; do echo \"$l\" >> {out}; done < \"$1\"",
            runs = runs.display(),
            out = fifo_out.display()
        ),
        0o755,
    );
    let fifo = dir.join("notify.fifo");
    let conf = format!(
        "global_defs {{\n  enable_script_security\n  script_user root\n  \
         vrrp_notify_fifo {fifo}\n  vrrp_notify_fifo_script {reader}\n  \
         fifo_write_vrrp_states_on_reload\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.7.0.100/24\n  }}\n}}\n",
        fifo = fifo.display()
    );
    let r1 = Router::start(&mut lab, "r1", &ours(), &conf);
    wait_lines(&fifo_out, 1, MARGIN, &r1);
    let first = lines(&runs);
    assert_eq!(first.len(), 1, "{first:?}");
    let pid: i32 = std::fs::read_to_string(lab_file(&lab, "r1-", "-main.pid"))
        .expect("pidfile")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: kill(2) on the daemon this test started.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    let got = wait_lines(&runs, 2, MARGIN, &r1);
    assert_eq!(got.len(), 2, "one new reader per reload: {got:?}");
    let old_gone = wait_until(MARGIN, || {
        !Path::new(&format!("/proc/{}", first[0])).exists()
    });
    assert!(old_gone, "{test}: the old reader {} still runs", first[0]);
    // The new reader gets what the reload writes.
    let got = wait_lines(&fifo_out, 2, MARGIN, &r1);
    assert_eq!(got[1], "INSTANCE \"VI_1\" BACKUP 100", "{got:?}");
}
