use std::path::PathBuf;

use super::super::diag::{Diagnostics, Severity};
use super::super::reader::tree_from_str;
use super::super::track::{split_cmd, ParamMatch, Weight};
use super::super::Config;
use super::check::check_with;
use super::*;

/// The interfaces of the namespace the samples were measured in.
fn ifaces(n: &str) -> bool {
    matches!(n, "eth0" | "eth1" | "eth2" | "eth3" | "eth0.1")
}

fn load_with(text: &str, setup: impl FnOnce(&mut Config)) -> (Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let mut cfg = Config::default();
    setup(&mut cfg);
    for n in &nodes {
        // Other sections belong to other modules; only the VRRP side is under test.
        parse_top_with(n, &mut cfg, &ifaces, &mut d);
    }
    check_with(&mut cfg, &ifaces, &mut d);
    (cfg, d)
}

fn load(text: &str) -> (Config, Diagnostics) {
    load_with(text, |_| {})
}

fn lines(d: &Diagnostics) -> Vec<u32> {
    let mut l: Vec<u32> = d.items().iter().map(|x| x.loc.line).collect();
    l.sort_unstable();
    l.dedup();
    l
}

fn has(d: &Diagnostics, line: u32, sev: Severity, text: &str) -> bool {
    d.items()
        .iter()
        .any(|x| x.loc.line == line && x.severity == sev && x.msg.contains(text))
}

const MIN: &str = "vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        10.0.0.1/24
    }
}
";

#[test]
fn minimal_instance_gets_keepalived_defaults() {
    let (cfg, d) = load(MIN);
    assert!(d.items().is_empty(), "{d}");
    let v = &cfg.vrrp.instances[0];
    assert_eq!(v.name, "VI_1");
    assert_eq!(v.vrid, Some(51));
    assert_eq!(v.interface.as_deref(), Some("eth0"));
    assert_eq!(v.vips.len(), 1);
    let r = &v.resolved;
    assert_eq!(
        (r.version, r.priority, r.state, r.advert_int),
        (2, 100, Some(State::Backup), Micros(1_000_000))
    );
    assert!(r.accept && !r.strict && !r.unicast);
}

#[test]
fn version_comes_from_global_then_family() {
    let (cfg, _) = load_with(MIN, |c| c.global.vrrp_version = Some(3));
    assert_eq!(cfg.vrrp.instances[0].resolved.version, 3);
    let v6 = MIN.replace("10.0.0.1/24", "fe80::1");
    let (cfg, d) = load(&v6);
    assert_eq!(cfg.vrrp.instances[0].resolved.version, 3, "{d}");
    assert_eq!(cfg.vrrp.instances[0].resolved.family, Some(Family::V6));
}

#[test]
fn state_and_priority_derive_from_each_other() {
    let (cfg, _) = load(&MIN.replace("interface eth0", "interface eth0\n state MASTER"));
    let r = &cfg.vrrp.instances[0].resolved;
    assert_eq!((r.priority, r.state), (255, Some(State::Master)));
    let (cfg, _) = load(&MIN.replace("interface eth0", "interface eth0\n priority 255"));
    let r = &cfg.vrrp.instances[0].resolved;
    assert_eq!((r.priority, r.state), (255, Some(State::Master)));
    let (cfg, d) = load(&MIN.replace("interface eth0", "interface eth0\n state FOO"));
    assert!(has(&d, 3, Severity::Warning, "unknown state 'FOO'"));
    assert_eq!(cfg.vrrp.instances[0].resolved.state, Some(State::Backup));
}

#[test]
fn out_of_range_priority_warns_and_uses_100() {
    let (cfg, d) = load(&MIN.replace("interface eth0", "interface eth0\n priority 300"));
    assert!(has(&d, 3, Severity::Warning, "Priority not valid"), "{d}");
    assert_eq!(cfg.vrrp.instances[0].resolved.priority, 100);
}

#[test]
fn bad_or_missing_vrid_drops_the_instance() {
    let (cfg, d) = load(&MIN.replace("virtual_router_id 51", "virtual_router_id 0"));
    assert!(has(&d, 3, Severity::Error, "VRID '0' not valid"), "{d}");
    assert!(has(&d, 1, Severity::Error, "virtual router id must be set"));
    assert!(cfg.vrrp.instances.is_empty());
    let (cfg, d) = load(&MIN.replace("virtual_router_id 51", ""));
    assert_eq!(lines(&d), vec![1]);
    assert!(cfg.vrrp.instances.is_empty());
}

#[test]
fn duplicate_and_nameless_instances_are_refused() {
    let (cfg, d) = load(&format!("{MIN}{MIN}"));
    assert!(has(&d, 8, Severity::Error, "already defined"), "{d}");
    assert_eq!(cfg.vrrp.instances.len(), 1);
    let (_, d) = load("vrrp_instance {\n}\n");
    assert!(has(&d, 1, Severity::Error, "must have a name"));
}

#[test]
fn advert_int_is_rounded_per_version() {
    let (cfg, d) = load(&MIN.replace("interface eth0", "interface eth0\n advert_int 1.5"));
    assert!(
        has(&d, 1, Severity::Warning, "must be an integer. rounding"),
        "{d}"
    );
    assert_eq!(cfg.vrrp.instances[0].resolved.advert_int, Micros(2_000_000));
    let v3 = MIN.replace(
        "interface eth0",
        "interface eth0\n version 3\n advert_int 50",
    );
    let (cfg, d) = load(&v3);
    assert!(has(&d, 1, Severity::Warning, "Setting to 40.95s"), "{d}");
    assert_eq!(
        cfg.vrrp.instances[0].resolved.advert_int,
        Micros(40_950_000)
    );
    let v3 = MIN.replace(
        "interface eth0",
        "interface eth0\n version 3\n advert_int 0.123",
    );
    let (cfg, _) = load(&v3);
    assert_eq!(cfg.vrrp.instances[0].resolved.advert_int, Micros(120_000));
    let (cfg, d) = load(&MIN.replace("interface eth0", "interface eth0\n advert_int 0"));
    assert!(has(
        &d,
        3,
        Severity::Warning,
        "Advert interval (0) not valid"
    ));
    assert_eq!(cfg.vrrp.instances[0].resolved.advert_int, Micros(1_000_000));
}

#[test]
fn auth_pass_is_truncated_and_v3_drops_auth() {
    let auth = "interface eth0\n authentication {\n auth_type PASS\n auth_pass 0123456789\n }";
    let (cfg, d) = load(&MIN.replace("interface eth0", auth));
    assert!(has(&d, 5, Severity::Warning, "Truncating auth_pass"), "{d}");
    let a = cfg.vrrp.instances[0].auth.unwrap_or_default();
    assert_eq!(a.auth_type, Some(AuthType::Pass));
    assert_eq!(&a.pass, b"01234567");
    let (cfg, d) = load(&MIN.replace("interface eth0", &format!("{auth}\n version 3")));
    assert!(has(
        &d,
        1,
        Severity::Warning,
        "does not support authentication"
    ));
    assert!(cfg.vrrp.instances[0].auth.is_none());
    let ah = auth.replace("PASS", "AH") + "\n state MASTER\n priority 100";
    let (_, d) = load(&MIN.replace("interface eth0", &ah));
    assert!(has(&d, 1, Severity::Warning, "incompatible with AH"), "{d}");
}

#[test]
fn unicast_peers_take_ttl_limits_and_one_family() {
    let peers = "interface eth0\n unicast_src_ip 10.0.0.9\n unicast_peer {\n 10.0.0.2 min_ttl 10 max_ttl 200\n fe80::2\n 10.0.0.3 foo 1\n }";
    let (cfg, d) = load(&MIN.replace("interface eth0", peers));
    assert!(
        has(&d, 6, Severity::Warning, "MUST be of the same family"),
        "{d}"
    );
    assert!(has(
        &d,
        7,
        Severity::Warning,
        "unknown unicast_peer option foo"
    ));
    let v = &cfg.vrrp.instances[0];
    assert_eq!(v.unicast_peers.len(), 2);
    assert_eq!(
        (v.unicast_peers[0].min_ttl, v.unicast_peers[0].max_ttl),
        (10, 200)
    );
    assert!(v.resolved.unicast);
    let (_, d) = load(&MIN.replace("interface eth0", "interface eth0\n unicast_peer {\n }"));
    assert!(
        has(&d, 1, Severity::Warning, "without any unicast peers"),
        "{d}"
    );
}

#[test]
fn vips_fix_the_family_and_evips_do_not() {
    let text = MIN.replace(
        "10.0.0.1/24",
        "10.0.0.1/24\n fe80::1\n }\n virtual_ipaddress_excluded {\n fe80::2",
    );
    let (cfg, d) = load(&text);
    assert!(
        has(&d, 6, Severity::Warning, "address family must match"),
        "{d}"
    );
    let v = &cfg.vrrp.instances[0];
    assert_eq!((v.vips.len(), v.evips.len()), (1, 1));
    let (_, d) = load(&MIN.replace("10.0.0.1/24", ""));
    assert!(has(&d, 1, Severity::Warning, "at least one is sensible"));
    let (_, d) = load(
        &MIN.replace("10.0.0.1/24", "")
            .replace("eth0", "eth0\n version 3"),
    );
    assert!(has(&d, 1, Severity::Error, "at least one is required"));
}

#[test]
fn routes_without_an_interface_cannot_be_tracked() {
    let routes = "interface eth0\n virtual_routes {\n 10.1.0.0/24 via 10.0.0.254\n 10.2.0.0/24 dev eth1\n src 10.0.0.1 10.3.0.0/24 via 10.0.0.254 no_track\n }";
    let (cfg, d) = load(&MIN.replace("interface eth0", routes));
    assert_eq!(lines(&d), vec![4], "{d}");
    assert!(has(
        &d,
        4,
        Severity::Warning,
        "cannot track route 10.1.0.0/24"
    ));
    assert_eq!(cfg.vrrp.instances[0].routes.len(), 3);
}

#[test]
fn interfaces_must_exist_unless_dynamic() {
    let text = MIN.replace("eth0", "eth9");
    let (_, d) = load(&text);
    assert!(has(
        &d,
        2,
        Severity::Warning,
        "interface eth9 for vrrp_instance VI_1 doesn't exist"
    ));
    let (_, d) = load_with(&text, |c| c.global.dynamic_interfaces = true);
    assert!(d.items().is_empty(), "{d}");
}

#[test]
fn unknown_keywords_warn_at_their_line() {
    let (_, d) = load(&MIN.replace("interface eth0", "interface eth0\n bogus 1"));
    assert!(has(&d, 3, Severity::Warning, "unknown keyword 'bogus'"));
    assert_eq!(lines(&d), vec![3]);
}

#[test]
fn boolean_knobs_and_timers_are_typed() {
    let knobs = "interface eth0
 nopreempt
 preempt_delay 5.5
 strict_mode off
 garp_master_delay 3
 garp_master_repeat 0
 garp_extra_if all 60
 lower_prio_no_advert
 higher_prio_send_advert false
 no_accept
 skip_check_adv_addr
 kernel_rx_buf_size 65536
 use_vmac vrrp51 00:00:5e:00:01:33
 vmac_xmit_base
 debug 2
 preempt_delay 2000";
    let (cfg, d) = load(&MIN.replace("interface eth0", knobs));
    let v = &cfg.vrrp.instances[0];
    assert!(
        has(&d, 7, Severity::Warning, "must be greater than 0"),
        "{d}"
    );
    assert!(has(&d, 17, Severity::Warning, "Preempt_delay not valid"));
    assert_eq!(lines(&d), vec![7, 17]);
    assert!(v.nopreempt && v.skip_check_adv_addr && v.vmac_xmit_base);
    assert_eq!(v.preempt_delay, Micros(0));
    assert_eq!(v.strict_mode, Some(false));
    assert_eq!(v.garp_master_delay, Some(Micros(3_000_000)));
    assert_eq!(v.garp_master_repeat, Some(1));
    assert_eq!(v.garp_extra_if, Some((Micros(60_000_000), true)));
    assert_eq!(v.lower_prio_no_advert, Some(true));
    assert_eq!(v.higher_prio_send_advert, Some(false));
    assert_eq!(v.kernel_rx_buf_size, Some(65536));
    assert_eq!(v.debug, 2);
    let vm = v.use_vmac.clone().unwrap_or_default();
    assert_eq!(vm.ifname.as_deref(), Some("vrrp51"));
    assert_eq!(vm.mac, Some([0, 0, 0x5e, 0, 1, 0x33]));
    assert!(!v.resolved.accept);
}

#[test]
fn strict_mode_resets_incompatible_settings() {
    let text = MIN.replace(
        "interface eth0",
        "interface eth0\n strict_mode\n state MASTER\n priority 100\n higher_prio_send_advert",
    );
    let (cfg, d) = load(&text);
    assert!(
        has(&d, 1, Severity::Warning, "State MASTER must match"),
        "{d}"
    );
    assert!(has(&d, 1, Severity::Warning, "higher_prio_send_advert"));
    let r = &cfg.vrrp.instances[0].resolved;
    assert!(r.strict && !r.accept);
    assert_eq!(r.state, Some(State::Backup));
}

#[test]
fn notify_scripts_keep_the_text_and_argv() {
    let text = MIN.replace(
        "interface eth0",
        "interface eth0\n notify_master /bin/true\n notify_backup /bin/y 1 2\n notify_master /bin/z\n notify_deleted",
    );
    let (cfg, d) = load(&text);
    assert!(has(&d, 5, Severity::Warning, "already specified"), "{d}");
    let n = &cfg.vrrp.instances[0].notify;
    assert_eq!(n.master.clone().unwrap_or_default().argv, vec!["/bin/true"]);
    let b = n.backup.clone().unwrap_or_default();
    assert_eq!((b.cmd.as_str(), b.argv.len()), ("/bin/y 1 2", 3));
    assert_eq!(n.deleted, Some(None));
    assert!(d.script_security_violation);
}

#[test]
fn one_quoted_argument_is_split_several_are_kept() {
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
    let many = track::script_cmd(&node(&["notify", "/my dir/x", "a"]), &mut d);
    assert_eq!(
        many.map(|s| s.argv),
        Some(vec!["/my dir/x".into(), "a".into()])
    );
    assert!(track::script_cmd(&node(&["notify"]), &mut d).is_none());
    assert!(d.has_errors());
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
        Severity::Warning,
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

fn two(vrid2: u8, iface2: &str) -> String {
    format!(
        "{MIN}vrrp_instance VI_2 {{
    interface {iface2}
    virtual_router_id {vrid2}
    track_interface {{
        eth3 weight 10
    }}
    virtual_ipaddress {{
        10.0.0.2
    }}
}}
"
    )
}

#[test]
fn sync_groups_resolve_members() {
    let text = format!(
        "{}vrrp_sync_group G1 {{
    group {{
        VI_1 VI_2
        VI_X
    }}
    notify_master /bin/m
}}
vrrp_sync_group G2 {{
    group {{
        VI_1
    }}
}}
vrrp_sync_group G3 {{
    VI_1
}}
",
        two(52, "eth1")
    );
    let (cfg, d) = load(&text);
    assert!(
        has(
            &d,
            19,
            Severity::Warning,
            "VI_X specified in sync group G1 doesn't exist"
        ),
        "{d}"
    );
    assert!(has(
        &d,
        26,
        Severity::Warning,
        "VI_1 cannot exist in more than one sync group"
    ));
    assert!(has(&d, 25, Severity::Error, "no matching virtual router"));
    assert!(has(&d, 31, Severity::Warning, "unknown keyword 'VI_1'"));
    assert!(has(
        &d,
        30,
        Severity::Error,
        "Sync group G3 has no virtual router(s)"
    ));
    assert!(has(
        &d,
        8,
        Severity::Warning,
        "ignoring eth3 tracked interface weight due to SYNC group"
    ));
    assert_eq!(cfg.vrrp.sync_groups.len(), 1);
    assert_eq!(cfg.vrrp.sync_groups[0].members, vec!["VI_1", "VI_2"]);
    assert!(cfg.vrrp.sync_groups[0].notify.master.is_some());
}

#[test]
fn same_vrid_on_the_same_interface_conflicts() {
    let (_, d) = load(&two(51, "eth0"));
    assert!(
        has(
            &d,
            8,
            Severity::Error,
            "VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0"
        ),
        "{d}"
    );
    let (_, d) = load(&two(51, "eth1"));
    assert!(!d.has_errors(), "{d}");
}

/// The doc/samples of keepalived 2.2.7 and the lines it flags on the VRRP side (measured with
/// `keepalived -t -l` in a namespace with eth0..eth3 and eth0.1).
#[test]
fn samples_flag_the_lines_keepalived_flags() {
    let dir = std::env::var_os("KEEPALIVED_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("keepalived-samples");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: no samples at {} (set KEEPALIVED_SHARED)",
            dir.display()
        );
        return;
    }
    // A script block left without `script` is reported at its closing brace (line 13), then
    // the instance's reference to it (25). The reader does not do `@id` lines yet: with no
    // config id every `@` line is dropped, which is what is done here.
    let conditional: (&str, &[u32], bool) = ("keepalived.conf.conditional_conf", &[13, 25], false);
    let cases: &[(&str, &[u32], bool)] = &[
        // VI_2/VI_3 alone in the group, lvs_sync_daemon_interface, lineless "no virtual router(s)".
        ("keepalived.conf.vrrp.lvs_syncd", &[3, 4, 5, 11], false),
        ("keepalived.conf.track_interface", &[31], false),
        ("keepalived.conf.vrrp.routes", &[29, 30, 31, 32], false),
        ("keepalived.conf.vrrp.static_ipaddress", &[25], false),
        ("keepalived.conf.SSL_GET", &[13], false),
        ("keepalived.conf.vrrp.localcheck", &[], true),
        ("keepalived.conf.vrrp", &[], false),
        ("keepalived.conf.vrrp.sync", &[], false),
        // Its scripts do not exist here, so nothing would run: no security violation.
        ("keepalived.conf.vrrp.scripts", &[], false),
        ("keepalived.conf.sample", &[], false),
    ];
    for (file, want, security) in cases.iter().copied().chain([conditional]) {
        let text = match std::fs::read_to_string(dir.join(file)) {
            Ok(t) => t,
            Err(e) => panic!("{file}: {e}"),
        };
        let text: String = text
            .lines()
            .map(|l| if l.starts_with('@') { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        let (_, d) = load(&text);
        assert_eq!(lines(&d), want, "{file}:\n{d}");
        assert_eq!(d.script_security_violation, security, "{file}");
    }
}
