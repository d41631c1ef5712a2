//! Scripts, notify commands and the tracking objects.

use super::*;

#[test]
fn notify_scripts_keep_the_text_and_argv() {
    let text = MIN.replace(
        "interface eth0",
        "interface eth0\n notify_master /bin/true\n notify_backup /bin/y root\n notify_master /bin/z\n notify_deleted\n notify_fault \"/bin/f a\" no_such_user_ka",
    );
    let (cfg, d) = load(&text);
    assert!(has(&d, 5, Severity::Warning, "already specified"), "{d}");
    let n = &cfg.vrrp.instances[0].notify;
    assert_eq!(n.master.clone().unwrap_or_default().argv, vec!["/bin/true"]);
    // keepalived: the words after the command are the user (and group) it runs as.
    let b = n.backup.clone().unwrap_or_default();
    assert_eq!(b.argv, vec!["/bin/y"]);
    assert_eq!(b.run_as, Some(("root".to_string(), None)));
    assert!(has(&d, 7, Severity::Warning, "Invalid user/group"), "{d}");
    assert_eq!(n.fault, None);
    assert_eq!(n.deleted, Some(None));
    assert!(d.script_security_violation);
}

#[test]
fn notify_lines_honour_single_quotes_and_escapes() {
    let text = MIN.replace(
        "interface eth0",
        "interface eth0\n notify_master '/bin/sh -c \"echo up\"' root root\n notify_backup \"/bin/echo a\\tb\"\n notify_fault \"/bin/echo a\\\\tb\"",
    );
    let (cfg, d) = load(&text);
    assert!(!d.has_errors(), "{d}");
    let n = &cfg.vrrp.instances[0].notify;
    let m = n.master.clone().unwrap_or_default();
    assert_eq!(m.argv, vec!["/bin/sh", "-c", "echo up"]);
    assert_eq!(
        m.run_as,
        Some(("root".to_string(), Some("root".to_string())))
    );
    let b = n.backup.clone().unwrap_or_default();
    // Escapes are resolved twice, as keepalived does: the line's split makes `\t` a tab, which
    // then separates words; `\\t` survives the first split as `\t` and becomes a tab.
    assert_eq!(b.argv, vec!["/bin/echo", "a", "b"]);
    let f = n.fault.clone().unwrap_or_default();
    assert_eq!(f.argv, vec!["/bin/echo", "a\tb"]);
}

#[test]
fn only_the_first_argument_is_run_and_it_is_split_again() {
    let mut d = Diagnostics::new();
    let node = |words: &[&str]| Node {
        words: words.iter().map(|w| w.to_string()).collect(),
        ..Default::default()
    };
    let one = track::script_cmd(&node(&["notify", "/bin/x 'a b' c"]), &mut d);
    assert_eq!(
        one.map(|s| s.argv),
        Some(vec!["/bin/x".into(), "a b".into(), "c".into()])
    );
    // keepalived runs `/my` with `dir/x`: a path with a blank needs inner quotes.
    let many = track::script_cmd(&node(&["notify", "/my dir/x", "a"]), &mut d);
    assert_eq!(
        many.map(|s| s.argv),
        Some(vec!["/my".into(), "dir/x".into()])
    );
    assert!(track::script_cmd(&node(&["notify"]), &mut d).is_none());
    assert!(d.has_errors());
}

#[test]
fn script_lines_are_split_from_their_text() {
    let text = "vrrp_script s {\n script '/bin/sh -c \"exit 1\"' ignored words\n}\n\
                vrrp_script t {\n script \"/bin/x 'unclosed\"\n}\n";
    let mut d = Diagnostics::new();
    let nodes = crate::config::reader::tree_from_str(text, 0, &mut d);
    let s = nodes
        .first()
        .and_then(|n| track::parse_vrrp_script(n, &mut d));
    assert_eq!(
        s.map(|s| s.script.argv),
        Some(vec!["/bin/sh".into(), "-c".into(), "exit 1".into()])
    );
    assert!(!d.has_errors(), "{d}");
    let t = nodes
        .get(1)
        .and_then(|n| track::parse_vrrp_script(n, &mut d));
    assert!(t.is_none());
    assert!(d.to_string().contains("missing terminating '"), "{d}");
}

#[test]
fn command_strings_split_like_keepalived() {
    assert_eq!(split_cmd("killall -0 sshd"), vec!["killall", "-0", "sshd"]);
    assert_eq!(
        split_cmd("'/my path/x' \"a b\" c\\ d"),
        vec!["/my path/x", "a b", "c d"]
    );
    assert_eq!(split_cmd("  x  ''  "), vec!["x", ""]);
    assert!(split_cmd("   ").is_empty());
}

const SCRIPT: &str = "vrrp_script chk {
    script \"killall -0 sshd\"
    interval 0
    timeout 3
    weight -4 reverse
    rise 2
    fall 0
    user nobody nogroup
    init_fail
}
";

#[test]
fn vrrp_script_fields_and_defaults() {
    let (cfg, d) = load(SCRIPT);
    assert!(has(&d, 3, Severity::Warning, "greater than 0"), "{d}");
    assert!(has(&d, 7, Severity::Warning, "using 1"));
    let s = &cfg.vrrp.trackers.scripts[0];
    assert_eq!(s.script.argv, vec!["killall", "-0", "sshd"]);
    assert_eq!(s.interval, Micros(1_000_000));
    assert_eq!(s.timeout(), Micros(3_000_000));
    assert_eq!(
        s.weight,
        Weight {
            weight: -4,
            reverse: true
        }
    );
    assert_eq!((s.rise, s.fall, s.init_fail), (2, 1, true));
    assert_eq!(s.user, Some(("nobody".into(), Some("nogroup".into()))));
    // Scripts alone do not run anything: no instance, no security violation.
    assert!(!d.script_security_violation);
}

#[test]
fn a_script_without_script_is_dropped_at_its_closing_brace() {
    let (cfg, d) = load("vrrp_script chk {\n interval 1\n\n}\n");
    assert!(
        has(&d, 4, Severity::Error, "No script set for vrrp_script chk"),
        "{d}"
    );
    assert!(cfg.vrrp.trackers.scripts.is_empty());
}

#[test]
fn track_script_must_be_defined_above_its_use() {
    let inst = MIN.replace(
        "interface eth0",
        "interface eth0\n track_script {\n chk\n chk weight 300\n }",
    );
    let (cfg, d) = load(&format!("{inst}{SCRIPT}"));
    assert!(
        has(&d, 4, Severity::Warning, "track script chk not found"),
        "{d}"
    );
    assert!(cfg.vrrp.instances[0].track.scripts.is_empty());
    let (cfg, d) = load(&format!("{SCRIPT}{inst}"));
    assert!(
        has(&d, 15, Severity::Warning, "duplicate track script chk"),
        "{d}"
    );
    let t = &cfg.vrrp.instances[0].track.scripts[0];
    assert_eq!(
        t.weight,
        Some(Weight {
            weight: -4,
            reverse: true
        })
    );
    assert!(d.script_security_violation);
    let (_, d) = load_with(&format!("{SCRIPT}{inst}"), |c| {
        c.global.enable_script_security = true
    });
    assert!(!d.script_security_violation);
}

#[test]
fn track_interface_weights_are_range_checked() {
    let t = "interface eth0\n track_interface {\n eth1 weight 300\n eth2 weight 254\n eth3 weight -10 reverse\n nosuch\n eth1\n eth0.1 size 3\n }";
    let (cfg, d) = load(&MIN.replace("interface eth0", t));
    assert!(
        has(&d, 4, Severity::Warning, "must be in [-253, 253]"),
        "{d}"
    );
    assert!(has(&d, 5, Severity::Warning, "out of range, using 253"));
    assert!(has(
        &d,
        7,
        Severity::Error,
        "tracked interface nosuch doesn't exist"
    ));
    assert!(has(
        &d,
        8,
        Severity::Warning,
        "duplicate track_interface eth1"
    ));
    assert!(has(
        &d,
        9,
        Severity::Warning,
        "unknown track_interface eth0.1 option size"
    ));
    let ifs = &cfg.vrrp.instances[0].track.interfaces;
    let w: Vec<i32> = ifs
        .iter()
        .map(|r| r.weight.map_or(99, |w| w.weight))
        .collect();
    assert_eq!(w, vec![0, 253, -10]);
}

#[test]
fn track_file_and_process_blocks() {
    let text = "track_file tf {
    file /run/x
    weight -5
    init_file 3 overwrite
}
vrrp_track_process tp {
    process haproxy -f /etc/h.cfg
    param_match partial
    weight 10 reverse
    quorum 2
    quorum_max 1
    delay 1.5
}
vrrp_track_process empty {
    quorum 1
}
";
    let (cfg, d) = load(text);
    assert!(
        has(&d, 11, Severity::Warning, "quorum_max is less than quorum"),
        "{d}"
    );
    assert!(has(&d, 16, Severity::Error, "process name not specified"));
    let f = &cfg.vrrp.trackers.files[0];
    assert_eq!(
        (
            f.file.as_str(),
            f.weight.weight,
            f.init_file,
            f.init_overwrite
        ),
        ("/run/x", -5, Some(3), true)
    );
    let p = &cfg.vrrp.trackers.processes[0];
    assert_eq!(p.process, "haproxy");
    assert_eq!(p.params, vec!["-f", "/etc/h.cfg"]);
    assert_eq!(p.param_match, ParamMatch::Partial);
    assert_eq!((p.quorum, p.weight.weight, p.weight.reverse), (2, 10, true));
    assert_eq!(p.fork_delay, Some(Micros(1_500_000)));
    assert!(p.full_command);
    assert_eq!(cfg.vrrp.trackers.processes.len(), 1);
}

#[test]
fn tracking_keywords_without_value_are_errors() {
    let (cfg, d) = load("vrrp_script s {\n script /bin/true\n script\n interval\n}\n");
    assert_eq!(lines(&d), vec![4], "{d}");
    assert!(has(
        &d,
        4,
        Severity::Error,
        "'interval' is missing a parameter"
    ));
    assert_eq!(cfg.vrrp.trackers.scripts[0].script.argv, vec!["/bin/true"]);
    let (_, d) = load("vrrp_track_process p {\n process x\n quorum\n}\n");
    assert!(
        has(&d, 3, Severity::Error, "'quorum' is missing a parameter"),
        "{d}"
    );
}

#[test]
fn a_script_user_must_exist() {
    let (cfg, d) = load("vrrp_script s {\n script /bin/true\n user no_such_user_x\n}\n");
    assert!(
        has(&d, 3, Severity::Error, "unknown user no_such_user_x"),
        "{d}"
    );
    assert!(cfg.vrrp.trackers.scripts.is_empty());
    let (cfg, d) = load("vrrp_script s {\n script /bin/true\n user root\n}\n");
    assert!(d.items().is_empty(), "{d}");
    assert_eq!(
        cfg.vrrp.trackers.scripts[0].user,
        Some(("root".into(), None))
    );
}

/// keepalived drops a track_interface entry naming the instance's own interface (and so its
/// weight): the instance already goes to FAULT when that interface fails.
#[test]
fn tracking_the_own_interface_is_ignored_with_its_weight() {
    let text = MIN.replace(
        "interface eth0",
        "interface eth0\n use_vmac\n track_interface {\n eth0 weight 20\n eth1 weight 10\n }",
    );
    let (cfg, d) = load(&text);
    assert!(
        has(
            &d,
            5,
            Severity::Warning,
            "(VI_1) Ignoring track_interface eth0 since own interface"
        ),
        "{d}"
    );
    let names: Vec<&str> = cfg.vrrp.instances[0]
        .track
        .interfaces
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["eth1"]);
}

/// keepalived works out the default script user while reading: with enable_script_security
/// and no keepalived_script user, or with an unknown script_user, every vrrp_script and notify
/// script without a user of its own is removed (and `-t` says so).
#[test]
fn scripts_without_a_user_are_removed_when_the_default_user_fails() {
    let text = format!(
        "vrrp_script chk {{\n script /bin/true\n}}\n{}",
        MIN.replace(
            "interface eth0",
            "interface eth0\n track_script {\n chk\n }\n notify_master /bin/true\n notify_backup \"/bin/true\" root"
        )
    );
    let mut cfg = Config::default();
    cfg.global.script_user_unknown = true;
    let (cfg, d) = load_with(&text, |c| *c = cfg.clone());
    let v = &cfg.vrrp.instances[0];
    assert!(cfg.vrrp.trackers.scripts.is_empty(), "{d}");
    assert!(v.track.scripts.is_empty());
    assert!(v.notify.master.is_none());
    assert!(
        v.notify.backup.is_some(),
        "a script with its own user stays"
    );
    assert!(
        d.items()
            .iter()
            .any(|i| i.msg == "Unable to set default user for vrrp script chk - removing"),
        "{d}"
    );
    assert!(d
        .items()
        .iter()
        .any(|i| i.msg == "Failed to set default user for notify script /bin/true - ignoring"));
    // With a known script_user nothing is removed.
    let (cfg, _) = load_with(&text, |c| {
        c.global.script_user = Some(("root".into(), None))
    });
    assert_eq!(cfg.vrrp.trackers.scripts.len(), 1);
}

#[test]
fn tracker_value_messages_name_the_block_and_the_keyword() {
    let text = "vrrp_script chk {\n script /bin/true\n interval 0\n timeout x\n rise 0\n fall y\n}\n\
                vrrp_track_process p {\n process sshd\n delay x\n terminate_delay y\n fork_delay z\n}\n";
    let (_, d) = load(text);
    let msgs: Vec<(u32, &str)> = d
        .items()
        .iter()
        .map(|x| (x.loc.line, x.msg.as_str()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (
                3,
                "vrrp_script chk: interval must be greater than 0, setting to 1"
            ),
            (4, "vrrp_script chk: timeout 'x' is invalid, ignoring"),
            (5, "vrrp_script chk: rise '0' is invalid, using 1"),
            (6, "vrrp_script chk: fall 'y' is invalid, using 1"),
            (10, "vrrp_track_process p: delay 'x' is invalid, ignoring"),
            (
                11,
                "vrrp_track_process p: terminate_delay 'y' is invalid, ignoring"
            ),
            (
                12,
                "vrrp_track_process p: fork_delay 'z' is invalid, ignoring"
            ),
        ]
    );
}
