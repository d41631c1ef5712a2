//! The binary's command line end to end: messages, exit codes, `-t`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_keepalived");

fn run(args: &[&str]) -> Output {
    match Command::new(BIN).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("running {BIN}: {e}"),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A scratch directory unique to this test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ka-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    if let Err(e) = std::fs::create_dir_all(&d) {
        panic!("{}: {e}", d.display());
    }
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    if let Err(e) = std::fs::write(&p, text) {
        panic!("{}: {e}", p.display());
    }
    p.display().to_string()
}

#[test]
fn version_to_stderr_exit_0() {
    for a in ["-v", "--version"] {
        let o = run(&[a]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stderr(&o).starts_with("Keepalived v2.2.7-compatible (rust "));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn help_lists_options_exit_0() {
    let o = run(&["-h"]);
    assert_eq!(o.status.code(), Some(0));
    let e = stderr(&o);
    assert!(e.starts_with("Usage: "), "{e}");
    for opt in ["--use-file", "--config-test", "--signum", "--log-facility"] {
        assert!(e.contains(opt), "{opt} missing");
    }
}

#[test]
fn unknown_option_exit_2_with_hint() {
    let o = run(&["--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("Unknown option --bogus"), "{e}");
    assert!(e.contains("--help"), "{e}");
    let o = run(&["-nlq"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Unknown option -q"));
}

#[test]
fn unsupported_option_exit_2_with_message() {
    let o = run(&["--namespace=blue"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim_end(),
        "keepalived: option --namespace is not supported by this build"
    );
    let o = run(&["-L"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("option -L is not supported"));
}

#[test]
fn signum_prints_numbers() {
    for (f, n) in [
        ("RELOAD", "1"),
        ("STOP", "15"),
        ("DATA", "10"),
        ("STATS", "12"),
    ] {
        let o = run(&[&format!("--signum={f}")]);
        assert_eq!(o.status.code(), Some(0), "{f}");
        assert_eq!(stdout(&o), format!("{n}\n"));
    }
    let o = run(&["--signum", "RELOAD"]);
    assert_eq!(stdout(&o), "1\n");
    let o = run(&["--signum=NOPE"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Unknown sigfunc NOPE"));
}

#[test]
fn config_test_good_config_exit_0() {
    let d = scratch("good");
    let f = write(&d, "k.conf", "global_defs {\n  router_id r1\n}\n");
    let o = run(&["-t", "--no-mem-check", "-f", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = run(&["--config-test", "--use-file", &f]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn config_test_bad_config_names_file_and_line() {
    let d = scratch("bad");
    let f = write(&d, "k.conf", "global_defs {\n  router_idd r1\n}\n");
    let o = run(&["-t", "-f", &f]);
    assert_ne!(o.status.code(), Some(0));
    let e = stderr(&o);
    assert!(e.contains(&format!("{f}:2:")), "{e}");
}

#[test]
fn config_test_output_to_file() {
    let d = scratch("tfile");
    let f = write(&d, "k.conf", "global_defs {\n  router_idd r1\n}\n");
    let log = d.join("t.log");
    let o = run(&[&format!("-t{}", log.display()), "-f", &f]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).is_empty());
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains(&format!("{f}:2:")), "{text}");
}

#[test]
fn mem_check_prints_summary() {
    let d = scratch("mem");
    let f = write(&d, "k.conf", "global_defs {\n  router_id r1\n}\n");
    let o = run(&["--mem-check", "-t", "-f", &f]);
    assert_eq!(o.status.code(), Some(0));
    let e = stderr(&o);
    assert!(e.contains("memory check summary"), "{e}");
    // Built with the mem-check feature, tracking starts before the logger's lasting buffers.
    if !cfg!(feature = "mem-check") {
        assert!(e.contains("Tracked blocks not freed.........: 0"), "{e}");
    }
}

/// keepalived 2.2.7's children log their data dumps under `-d`; `-t` starts none, so `-t -d`
/// says what `-t` says.
#[test]
fn dump_conf_with_config_test_adds_nothing() {
    let d = scratch("dump");
    let f = write(&d, "k.conf", "global_defs {\n  router_id r1\n  foo\n}\n");
    let plain = run(&["-t", "-f", &f]);
    let o = run(&["-t", "-d", "-f", &f]);
    assert_eq!(o.status.code(), plain.status.code());
    assert!(stderr(&o).contains("foo"), "{}", stderr(&o));
    assert_eq!(stderr(&o), stderr(&plain));
}

#[test]
fn genhash_by_name_prints_its_usage() {
    let d = scratch("genhash");
    let link = d.join("genhash");
    if let Err(e) = std::os::unix::fs::symlink(BIN, &link) {
        panic!("symlink: {e}");
    }
    let o = match Command::new(&link).arg("-h").output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(o.status.code(), Some(1));
    let want = format!("Usage: {} COMMAND [OPTIONS]\n", link.display());
    assert!(stderr(&o).starts_with(&want), "{}", stderr(&o));
}

/// keepalived 2.2.7's `-t` exits with its most severe class: 2 when a keyword lacks its value
/// (it stops reading there), 6 for a script security violation whatever else is wrong, 5 for
/// other problems.
#[test]
fn config_test_exit_status_is_the_most_severe_class() {
    let d = scratch("status");
    for (text, code) in [
        ("global_defs {\n  vrrp_version\n  foo\n}\n", 2),
        ("global_defs {\n  startup_script /bin/true\n  foo\n}\n", 6),
        ("global_defs {\n  startup_script /bin/true\n}\n", 6),
        ("global_defs {\n  foo\n}\n", 5),
        (
            "virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n    notify_up\n  }\n}\n",
            2,
        ),
    ] {
        let f = write(&d, "k.conf", text);
        let o = run(&["-t", "-f", &f]);
        assert_eq!(o.status.code(), Some(code), "{text}{}", stderr(&o));
    }
}

/// `$B` is 999 copies of a 3,500-byte `$A`: unbounded, each use is 3.5 MB and a `~SEQ` of it
/// runs out of memory. Both are refused at their line, at once.
#[test]
fn config_test_refuses_expansion_blow_ups_quickly() {
    let d = scratch("blowup");
    let defs = format!("$A={}\n$B={}\n", "x".repeat(3500), "${A}".repeat(999));
    for (body, errors) in [
        ("$B\n".repeat(1200), 1200),
        ("~SEQ(i, 100000) $B\n".into(), 1),
    ] {
        let f = write(&d, "k.conf", &format!("{defs}{body}"));
        let start = std::time::Instant::now();
        let o = run(&["-t", "-f", &f]);
        let took = start.elapsed();
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(5), "{e}");
        let msg = format!("{f}:3: replacing $B would make the line longer than 1023 bytes");
        assert!(e.starts_with(&msg), "{e}");
        assert_eq!(e.lines().count(), errors, "{e}");
        // Measured 0.02 s and 0.2 s in a debug build; minutes and out of memory before.
        assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    }
}
