use super::*;

fn p(args: &[&str]) -> Result<Options, UsageError> {
    let mut v = vec!["keepalived".to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    parse(v)
}

fn ok(args: &[&str]) -> Options {
    match p(args) {
        Ok(o) => o,
        Err(e) => panic!("{args:?}: {}", e.0),
    }
}

fn err(args: &[&str]) -> String {
    match p(args) {
        Ok(o) => panic!("{args:?} accepted: {o:?}"),
        Err(e) => e.0,
    }
}

#[test]
fn defaults() {
    let o = ok(&[]);
    assert_eq!(o, Options::default());
    assert_eq!(o.mode, Mode::Run);
    assert_eq!(
        o.config_file,
        PathBuf::from("/etc/keepalived/keepalived.conf")
    );
}

#[test]
fn use_file_all_forms() {
    for args in [
        &["-f", "/a.conf"][..],
        &["-f/a.conf"],
        &["--use-file", "/a.conf"],
        &["--use-file=/a.conf"],
        &["--use=/a.conf"],
    ] {
        assert_eq!(ok(args).config_file, PathBuf::from("/a.conf"), "{args:?}");
    }
    assert!(err(&["-f"]).contains("Missing parameter for option -f"));
    assert!(err(&["--use-file="]).contains("Missing parameter for option --use-file"));
    assert!(err(&["--use-file"]).contains("Missing parameter"));
}

#[test]
fn subsystems() {
    let o = ok(&["-P"]);
    assert!(o.subsystems.vrrp_only);
    assert!(ok(&["--vrrp"]).subsystems.vrrp_only);
    assert!(ok(&["-C"]).subsystems.check_only);
    assert!(ok(&["--check"]).subsystems.check_only);
    assert!(ok(&["-B"]).subsystems.no_bfd);
    assert!(ok(&["--no_bfd"]).subsystems.no_bfd);
    assert!(ok(&["--all"]).subsystems.all);
}

#[test]
fn combined_short_flags() {
    let o = ok(&["-nlD"]);
    assert!(o.foreground && o.log_console && o.log_detail && !o.log_extra_detail);
    let o = ok(&["-DD"]);
    assert!(o.log_detail && o.log_extra_detail);
    let o = ok(&["-nlf", "/x.conf"]);
    assert!(o.foreground && o.log_console);
    assert_eq!(o.config_file, PathBuf::from("/x.conf"));
    let o = ok(&["-nf/y.conf"]);
    assert_eq!(o.config_file, PathBuf::from("/y.conf"));
}

#[test]
fn logging_flags() {
    assert!(ok(&["-l"]).log_console);
    assert!(ok(&["--log-console"]).log_console);
    assert!(ok(&["--log-detail"]).log_detail);
    assert!(ok(&["-G"]).no_syslog);
    assert!(ok(&["--no-syslog"]).no_syslog);
    assert!(ok(&["--flush-log-file"]).flush_log_file);
}

#[test]
fn log_facility() {
    let o = ok(&["-S", "3"]);
    assert_eq!(o.log_facility, Some(3));
    assert_eq!(o.facility, Facility::Local(3));
    assert_eq!(ok(&["-S7"]).log_facility, Some(7));
    assert_eq!(ok(&["--log-facility=local5"]).log_facility, Some(5));
    assert_eq!(ok(&["--log-facility", "0"]).log_facility, Some(0));
    let o = ok(&["-S", "user"]);
    assert_eq!((o.facility, o.log_facility), (Facility::User, None));
    assert_eq!(ok(&["-S", "daemon"]).facility, Facility::Daemon);
    assert!(err(&["-S", "8"]).contains("Invalid log facility '8'"));
    assert!(err(&["-S", "local9"]).contains("Invalid log facility"));
    assert!(err(&["-S", "x"]).contains("Invalid log facility"));
}

#[test]
fn log_file_optional_argument() {
    assert_eq!(
        ok(&["-g"]).log_file,
        Some(PathBuf::from("/tmp/keepalived.log"))
    );
    assert_eq!(
        ok(&["-g/var/k.log"]).log_file,
        Some(PathBuf::from("/var/k.log"))
    );
    assert_eq!(
        ok(&["--log-file=/var/k.log"]).log_file,
        Some(PathBuf::from("/var/k.log"))
    );
    assert_eq!(
        ok(&["--log-file"]).log_file,
        Some(PathBuf::from("/tmp/keepalived.log"))
    );
    // An optional argument is never taken from the next word.
    assert!(err(&["-g", "/var/k.log"]).contains("Unexpected argument(s): /var/k.log"));
}

#[test]
fn release_and_respawn_flags() {
    assert!(ok(&["-X"]).release_vips);
    assert!(ok(&["--release-vips"]).release_vips);
    assert!(ok(&["-V"]).dont_release_vrrp);
    assert!(ok(&["--dont-release-vrrp"]).dont_release_vrrp);
    assert!(ok(&["-I"]).dont_release_ipvs);
    assert!(ok(&["--dont-release-ipvs"]).dont_release_ipvs);
    assert!(ok(&["--without-ipvs"]).without_ipvs);
    assert!(!ok(&["-I"]).without_ipvs);
    assert!(ok(&["-R"]).dont_respawn);
    assert!(ok(&["--dont-respawn"]).dont_respawn);
    assert!(ok(&["-n"]).foreground);
    assert!(ok(&["--dont-fork"]).foreground);
    assert!(ok(&["-d"]).dump_conf);
    assert!(ok(&["--dump-conf"]).dump_conf);
    assert!(ok(&["-a"]).address_monitoring);
    assert!(ok(&["--address-monitoring"]).address_monitoring);
}

#[test]
fn pid_files() {
    let o = ok(&["-p", "/r/k.pid", "-r/r/v.pid", "--checkers_pid=/r/c.pid"]);
    assert_eq!(o.pid_file, PathBuf::from("/r/k.pid"));
    assert_eq!(o.vrrp_pid_file, PathBuf::from("/r/v.pid"));
    assert_eq!(o.checkers_pid_file, PathBuf::from("/r/c.pid"));
    assert_eq!(
        ok(&["-b", "/r/b.pid"]).bfd_pid_file,
        PathBuf::from("/r/b.pid")
    );
    let o = ok(&["--pid", "/a", "--vrrp_pid", "/b", "-c", "/c"]);
    assert_eq!(
        (o.pid_file, o.vrrp_pid_file, o.checkers_pid_file),
        ("/a".into(), "/b".into(), "/c".into())
    );
}

#[test]
fn config_id_all_config_umask() {
    assert_eq!(ok(&["-i", "r1"]).config_id.as_deref(), Some("r1"));
    assert_eq!(ok(&["--config-id=r2"]).config_id.as_deref(), Some("r2"));
    assert_eq!(ok(&["--config-id", "r3"]).config_id.as_deref(), Some("r3"));
    assert!(ok(&["-e"]).all_config);
    assert!(ok(&["--all-config"]).all_config);
    assert_eq!(ok(&["-u", "022"]).umask, Some(0o22));
    assert_eq!(ok(&["--umask=18"]).umask, Some(18));
    assert_eq!(ok(&["-u0x1f"]).umask, Some(0x1f));
    assert!(err(&["-u", "abc"]).contains("Invalid --umask option abc"));
    assert!(err(&["-u", "01000"]).contains("Invalid --umask"));
}

#[test]
fn core_dump() {
    let o = ok(&["-m"]);
    assert!(o.core_dump && o.core_dump_pattern.is_none());
    assert!(ok(&["--core-dump"]).core_dump);
    let o = ok(&["-M"]);
    assert!(o.core_dump);
    assert_eq!(o.core_dump_pattern.as_deref(), Some("core"));
    assert_eq!(
        ok(&["--core-dump-pattern=/tmp/c.%p"])
            .core_dump_pattern
            .as_deref(),
        Some("/tmp/c.%p")
    );
    assert_eq!(
        ok(&["-Mcore.%e"]).core_dump_pattern.as_deref(),
        Some("core.%e")
    );
}

#[test]
fn config_test() {
    let o = ok(&["-t"]);
    assert_eq!(o.mode, Mode::ConfigTest(None));
    assert!(o.foreground && o.dont_respawn && o.no_syslog);
    assert_eq!(ok(&["--config-test"]).mode, Mode::ConfigTest(None));
    assert_eq!(
        ok(&["-t/tmp/t.log"]).mode,
        Mode::ConfigTest(Some("/tmp/t.log".into()))
    );
    assert_eq!(
        ok(&["--config-test=/tmp/t.log"]).mode,
        Mode::ConfigTest(Some("/tmp/t.log".into()))
    );
    let o = ok(&["-t", "-f", "/k.conf"]);
    assert_eq!(o.mode, Mode::ConfigTest(None));
    assert_eq!(o.config_file, PathBuf::from("/k.conf"));
}

#[test]
fn mem_check_switches() {
    assert!(ok(&["--mem-check"]).mem_check);
    assert!(!ok(&["--mem-check", "--no-mem-check"]).mem_check);
}

#[test]
fn version_help_signum_stop_parsing() {
    assert_eq!(ok(&["-v"]).mode, Mode::Version);
    assert_eq!(ok(&["--version"]).mode, Mode::Version);
    assert_eq!(ok(&["-h"]).mode, Mode::Help);
    assert_eq!(ok(&["--help"]).mode, Mode::Help);
    // keepalived acts on -v as soon as it reaches it.
    assert_eq!(ok(&["-v", "-S", "99"]).mode, Mode::Version);
    assert_eq!(ok(&["--signum=RELOAD"]).mode, Mode::Signum("RELOAD".into()));
    assert_eq!(ok(&["--signum", "STOP"]).mode, Mode::Signum("STOP".into()));
}

#[test]
fn signal_numbers() {
    assert_eq!(signum("STOP"), Some(15));
    assert_eq!(signum("RELOAD"), Some(1));
    assert_eq!(signum("DATA"), Some(10));
    assert_eq!(signum("STATS"), Some(12));
    assert_eq!(signum("JSON"), Some(libc::SIGRTMIN() + 2));
    assert_eq!(signum("STATS_CLEAR"), Some(libc::SIGRTMAX() - 1));
    assert_eq!(signum("TDATA"), None);
    assert_eq!(signum("reload"), None);
}

#[test]
fn unknown_options() {
    let e = err(&["-q"]);
    assert!(e.starts_with("Unknown option -q"), "{e}");
    assert!(e.contains("--help"));
    assert!(err(&["--bogus"]).starts_with("Unknown option --bogus"));
    assert!(err(&["-nq"]).starts_with("Unknown option -q"));
    assert!(err(&["--version=3"]).contains("doesn't allow an argument"));
    assert!(err(&["--log"]).contains("ambiguous"));
    assert!(err(&["stray"]).contains("Unexpected argument(s): stray"));
    // `--` ends options; what follows is an operand.
    assert!(err(&["--", "-n"]).contains("Unexpected argument(s): -n"));
}

#[test]
fn unsupported_options_are_refused() {
    for (args, name) in [
        (&["-s", "ns1"][..], "-s"),
        (&["--namespace=ns1"], "--namespace"),
        (&["--perf"], "--perf"),
        (&["--perf=all"], "--perf"),
        (&["--debug=DvEcvNR"], "--debug"),
        (&["-L"], "-L"),
    ] {
        let e = err(args);
        assert_eq!(
            e,
            format!("keepalived: option {name} is not supported by this build"),
            "{args:?}"
        );
    }
    assert!(err(&["-T"]).contains("genhash"));
}

#[cfg(feature = "snmp")]
#[test]
fn snmp_options_are_taken() {
    for args in [
        &["-x", "-A", "/s"][..],
        &["--snmp", "--snmp-agent-socket=/s"],
        &["-xA/s"],
    ] {
        let o = ok(args);
        assert!(o.snmp, "{args:?}");
        assert_eq!(o.snmp_socket.as_deref(), Some("/s"), "{args:?}");
    }
    let o = ok(&["-A", "tcp:127.0.0.1:705"]);
    assert!(!o.snmp);
    assert!(err(&["-A"]).contains("Missing parameter for option -A"));
}

/// Built without SNMP: refused as keepalived built so refuses them, with the reason.
#[cfg(not(feature = "snmp"))]
#[test]
fn snmp_options_are_refused_without_snmp() {
    for (args, name) in [
        (&["-x"][..], "-x"),
        (&["--snmp"], "--snmp"),
        (&["-A", "/s"], "-A"),
        (&["-nxA/s"], "-x"),
    ] {
        let e = err(args);
        assert!(e.starts_with(&format!("Unknown option {name}\n")), "{e}");
        assert!(e.contains("this build has no SNMP"), "{e}");
        assert!(e.contains("--help"), "{e}");
    }
    assert!(usage("keepalived").contains("-x, --snmp"));
}

#[test]
fn usage_lists_every_long_option() {
    let u = usage("keepalived");
    for s in SPECS {
        if let Some(l) = s.long {
            assert!(u.contains(&format!("--{l}")), "--{l} missing from usage");
        }
    }
    assert!(version().starts_with("Keepalived v2.2.7-compatible (rust "));
}

/// Without `-f`: /etc's file, else /usr/local/etc's (kubeadm's mount), else /etc's path for the
/// error; keepalived 2.2.7 falls back between the same two.
#[test]
fn default_config_file_falls_back_to_usr_local_etc() {
    let only = |have: &'static str| move |p: &str| p == have;
    assert_eq!(
        default_config_file(&only("/usr/local/etc/keepalived/keepalived.conf")),
        PathBuf::from("/usr/local/etc/keepalived/keepalived.conf")
    );
    let both = |_: &str| true;
    assert_eq!(
        default_config_file(&both),
        PathBuf::from("/etc/keepalived/keepalived.conf")
    );
    assert_eq!(
        default_config_file(&only("/nowhere")),
        PathBuf::from("/etc/keepalived/keepalived.conf")
    );
}
