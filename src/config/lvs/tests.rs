use super::*;
use crate::config::diag::Severity;
use crate::config::reader::tree_from_str;
use crate::config::Config;

/// Reads only the LVS side of `text` (other sections are other modules' business).
fn lvs(text: &str) -> (Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let mut cfg = Config::default();
    for n in &nodes {
        if n.keyword() == "global_defs" {
            cfg.global.enable_script_security = n
                .children()
                .iter()
                .any(|c| c.keyword() == "enable_script_security");
        }
        parse_top(n, &mut cfg, &mut d);
    }
    check(&mut cfg, &mut d);
    (cfg, d)
}

fn lines(d: &Diagnostics) -> Vec<u32> {
    d.items().iter().map(|i| i.loc.line).collect()
}

fn messages(d: &Diagnostics) -> String {
    d.items()
        .iter()
        .map(|i| format!("{}: {}", i.loc.line, i.msg))
        .collect::<Vec<_>>()
        .join("\n")
}

const BASE: &str = "virtual_server 10.0.0.1 80 {
 lb_algo rr
 lb_kind DR
 protocol TCP
 real_server 10.0.0.2 80 {
  weight 2
 }
}
";

#[test]
fn a_complete_virtual_server_is_clean() {
    let (cfg, d) = lvs(BASE);
    assert!(d.items().is_empty(), "{}", messages(&d));
    let vs = &cfg.lvs.virtual_servers[0];
    assert_eq!(vs.sched, Some(Sched::Rr));
    assert_eq!(vs.forwarding, Some(Forwarding::Dr));
    assert_eq!(vs.protocol, Some(Protocol::Tcp));
    assert_eq!(vs.real_servers[0].weight, Some(2));
    assert_eq!(vs.delay_loop.as_secs(), 60);
}

#[test]
fn missing_scheduler_forwarding_and_protocol_get_defaults_with_warnings() {
    let (cfg, d) = lvs("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n}\n");
    assert_eq!(lines(&d), vec![1, 1, 1], "{}", messages(&d));
    assert!(!d.has_errors());
    let vs = &cfg.lvs.virtual_servers[0];
    assert_eq!(vs.protocol, Some(Protocol::Udp));
    assert_eq!(vs.sched, Some(Sched::Wlc));
    assert_eq!(vs.forwarding, Some(Forwarding::Nat));
}

#[test]
fn bad_scheduler_and_method_are_reported_at_their_lines() {
    let (_, d) = lvs(&BASE
        .replace("lb_algo rr", "lb_algo foo")
        .replace("lb_kind DR", "lb_kind XX"));
    // The lines, then keepalived's defaults at the virtual server.
    assert_eq!(lines(&d), vec![2, 3, 1, 1], "{}", messages(&d));
}

#[test]
fn tunnels_take_type_port_and_checksum() {
    let (cfg, d) = lvs(&BASE.replace("lb_kind DR", "lb_kind TUN type gue port 6080 remcsum"));
    assert!(d.items().is_empty(), "{}", messages(&d));
    assert_eq!(
        cfg.lvs.virtual_servers[0].forwarding,
        Some(Forwarding::Tun {
            kind: TunnelType::Gue(6080),
            csum: Some(TunnelCsum::RemCsum)
        })
    );
    let (cfg, d) = lvs(&BASE.replace("lb_kind DR", "lb_kind TUN type gue"));
    assert_eq!(lines(&d)[0], 3);
    // keepalived has chosen TUN before it reads the bad option.
    assert_eq!(
        cfg.lvs.virtual_servers[0].forwarding,
        Some(Forwarding::Tun {
            kind: TunnelType::Ipip,
            csum: None
        })
    );
    let (_, d) = lvs(&BASE.replace("lb_kind DR", "lb_kind TUN type ipip csum"));
    assert_eq!(lines(&d)[0], 3);
}

#[test]
fn real_server_of_another_family_is_skipped() {
    let (cfg, d) = lvs(&BASE.replace("real_server 10.0.0.2 80", "real_server fe80::1 80"));
    assert!(d.has_errors());
    // keepalived judges the real server at its closing brace.
    assert_eq!(d.items()[0].loc.line, 7);
    assert!(cfg.lvs.virtual_servers.is_empty(), "no real server left");
}

#[test]
fn tunnelled_real_servers_may_be_of_another_family() {
    let text = BASE.replace(
        "real_server 10.0.0.2 80 {",
        "real_server fe80::1 80 {\n  lvs_method TUN",
    );
    let (_, d) = lvs(&text);
    assert!(d.items().is_empty(), "{}", messages(&d));
}

#[test]
fn duplicate_real_servers_are_removed() {
    let text = BASE.replace(" }\n}", " }\n real_server 10.0.0.2 80 {\n }\n}");
    let (cfg, d) = lvs(&text);
    assert_eq!(lines(&d), vec![8], "{}", messages(&d));
    assert_eq!(cfg.lvs.virtual_servers[0].real_servers.len(), 1);
}

#[test]
fn a_group_reference_must_name_a_group() {
    let text = BASE.replace("virtual_server 10.0.0.1 80", "virtual_server group NOPE");
    let (cfg, d) = lvs(&text);
    assert_eq!(lines(&d), vec![1]);
    assert!(cfg.lvs.virtual_servers.is_empty());
}

#[test]
fn groups_hold_ranges_and_fwmarks() {
    let text = format!(
        "virtual_server_group G {{\n 10.0.0.1 80\n 10.0.0.3-10 80\n fwmark 7 inet\n 10.0.0.9-3 80\n}}\n{}",
        BASE.replace("virtual_server 10.0.0.1 80", "virtual_server group G")
    );
    let (cfg, d) = lvs(&text);
    // Line 11: the group has a fwmark, so a direct-routed real server's port is ignored.
    assert_eq!(lines(&d), vec![5, 11], "{}", messages(&d));
    let g = &cfg.lvs.groups[0];
    assert_eq!(g.ranges.len(), 2);
    assert_eq!(g.ranges[1].last, 10);
    assert_eq!(g.fwmarks[0].mark, 7);
}

#[test]
fn an_empty_group_is_dropped() {
    let (cfg, d) = lvs("virtual_server_group G {\n}\n");
    assert!(d.has_errors());
    assert_eq!(lines(&d), vec![2], "reported at the closing brace");
    assert!(cfg.lvs.groups.is_empty());
}

#[test]
fn a_fwmark_service_ignores_its_protocol_with_a_warning() {
    let text = BASE.replace("virtual_server 10.0.0.1 80", "virtual_server fwmark 1");
    let text = text.replace("real_server 10.0.0.2 80", "real_server 10.0.0.2");
    let (cfg, d) = lvs(&text);
    assert_eq!(lines(&d), vec![1], "{}", messages(&d));
    assert_eq!(d.items()[0].severity, Severity::Warning);
    assert_eq!(cfg.lvs.virtual_servers[0].protocol, None);
}

#[test]
fn quorum_beyond_the_total_weight_is_reduced() {
    let text = BASE.replace("protocol TCP", "protocol TCP\n quorum 5\n hysteresis 9");
    let (cfg, d) = lvs(&text);
    assert_eq!(lines(&d), vec![1, 1], "{}", messages(&d));
    let vs = &cfg.lvs.virtual_servers[0];
    assert_eq!((vs.quorum, vs.hysteresis), (2, 1));
}

#[test]
fn sh_flags_need_the_sh_scheduler() {
    let text = BASE.replace("protocol TCP", "protocol TCP\n sh-port");
    let (_, d) = lvs(&text);
    assert_eq!(lines(&d), vec![5]);
    let text = BASE.replace("lb_algo rr", "lb_algo sh\n sh-port\n sh-fallback");
    let (cfg, d) = lvs(&text);
    assert!(d.items().is_empty(), "{}", messages(&d));
    let f = cfg.lvs.virtual_servers[0].flags;
    assert!(f.sched1 && f.sched2);
}

#[test]
fn real_server_values_are_range_checked() {
    let text = BASE.replace(
        "weight 2",
        "weight -1\n  uthreshold x\n  inhibit_on_failure maybe\n  bogus 1\n  retry 0",
    );
    let (_, d) = lvs(&text);
    assert_eq!(lines(&d), vec![6, 7, 8, 9, 10], "{}", messages(&d));
}

#[test]
fn sorry_server_options_follow_the_sorry_server() {
    let text = BASE.replace(
        "protocol TCP",
        "protocol TCP\n sorry_server_inhibit\n sorry_server 10.0.0.9 80\n sorry_server_inhibit\n sorry_server_lvs_method NAT",
    );
    let (cfg, d) = lvs(&text);
    assert_eq!(lines(&d), vec![5], "{}", messages(&d));
    let s = cfg.lvs.virtual_servers[0].sorry_server.clone();
    assert_eq!(
        s.map(|s| (s.inhibit, s.forwarding)),
        Some((true, Some(Forwarding::Nat)))
    );
}

#[test]
fn persistence_granularity_is_a_netmask_and_implies_persistence() {
    // Like ipvsadm, keepalived takes masks that are not contiguous.
    let ok = BASE.replace(
        "protocol TCP",
        "protocol TCP\n persistence_granularity 255.0.255.0",
    );
    let (cfg, d) = lvs(&ok);
    assert!(d.items().is_empty(), "{}", messages(&d));
    let vs = &cfg.lvs.virtual_servers[0];
    assert_eq!(
        vs.persistence_granularity,
        Some(Granularity::V4Mask(std::net::Ipv4Addr::new(255, 0, 255, 0)))
    );
    assert_eq!(vs.persistence_timeout, Some(360));
    let bad = BASE.replace("protocol TCP", "protocol TCP\n persistence_granularity 64");
    assert_eq!(lines(&lvs(&bad).1), vec![5]);
}

#[test]
fn port_zero_without_persistence_turns_persistence_on() {
    let (cfg, d) = lvs(&BASE.replace("10.0.0.1 80", "10.0.0.1 0"));
    // keepalived also warns that a direct-routed real server cannot change the port.
    assert_eq!(lines(&d), vec![1, 5], "{}", messages(&d));
    assert_eq!(cfg.lvs.virtual_servers[0].persistence_timeout, Some(360));
}

#[test]
fn tunnel_options_after_nat_are_flagged_but_nat_is_kept() {
    let (cfg, d) = lvs(&BASE.replace("lb_kind DR", "lb_kind NAT xx"));
    assert_eq!(lines(&d), vec![3]);
    assert_eq!(cfg.lvs.virtual_servers[0].forwarding, Some(Forwarding::Nat));
}

#[test]
fn fwmark_zero_is_a_valid_mark() {
    let text = BASE
        .replace("virtual_server 10.0.0.1 80", "virtual_server fwmark 0")
        .replace("protocol TCP", "")
        .replace("real_server 10.0.0.2 80", "real_server 10.0.0.2");
    let (cfg, d) = lvs(&text);
    assert!(d.items().is_empty(), "{}", messages(&d));
    assert_eq!(cfg.lvs.virtual_servers[0].addr, VsAddr::Fwmark(0));
}

#[test]
fn a_server_with_a_bad_address_or_port_is_dropped() {
    let text = format!(
        "{}{}",
        BASE.replace("10.0.0.1 80", "10.0.0.1 99999"),
        BASE.replace("real_server 10.0.0.2 80", "real_server bad 80")
    );
    let (cfg, d) = lvs(&text);
    assert!(d.has_errors());
    // The second virtual server loses its only real server and is ignored too.
    assert_eq!(lines(&d), vec![1, 13, 9], "{}", messages(&d));
    assert!(cfg.lvs.virtual_servers.is_empty());
}

#[test]
fn checkers_inherit_timing_from_real_and_virtual_servers() {
    let text = BASE
        .replace("protocol TCP", "protocol TCP\n delay_loop 10\n retry 5")
        .replace(
            "weight 2",
            "weight 2\n  delay_before_retry 2\n  HTTP_GET {\n   url {\n    path /\n   }\n   \
             connect_timeout 1\n  }\n  DNS_CHECK {\n   retry 7\n  }\n  MISC_CHECK {\n   \
             misc_path /x\n  }",
        );
    let (cfg, d) = lvs(&text);
    assert!(d.items().is_empty(), "{}", messages(&d));
    let vs = &cfg.lvs.virtual_servers[0];
    let rs = &vs.real_servers[0];
    let t: Vec<Timing> = rs
        .checkers
        .iter()
        .map(|c| checker_timing(vs, rs, c))
        .collect();
    let s = crate::core::time::Micros::from_secs;
    assert_eq!(t[0].connect_timeout, s(1));
    assert_eq!(t[0].delay_loop, s(10));
    assert_eq!(t[0].warmup, s(10), "warmup defaults to the delay_loop");
    assert_eq!((t[0].retry, t[1].retry, t[2].retry), (5, 7, 5));
    assert_eq!(t[1].delay_before_retry, s(2));
    assert_eq!(t[1].connect_timeout, s(5));
}

#[test]
fn checker_types_have_their_own_retry_defaults() {
    let text = BASE.replace(
        "weight 2",
        "HTTP_GET {\n url {\n path /\n }\n }\n DNS_CHECK {\n }\n MISC_CHECK {\n misc_path /x\n }",
    );
    let (cfg, _) = lvs(&text);
    let vs = &cfg.lvs.virtual_servers[0];
    let rs = &vs.real_servers[0];
    let t: Vec<Timing> = rs
        .checkers
        .iter()
        .map(|c| checker_timing(vs, rs, c))
        .collect();
    let s = crate::core::time::Micros::from_secs;
    assert_eq!((t[0].retry, t[1].retry, t[2].retry), (1, 3, 0));
    assert_eq!(t[0].delay_before_retry, s(3));
    assert_eq!(t[1].delay_before_retry, s(60), "DNS waits a delay_loop");
    assert_eq!(t[2].delay_before_retry, s(1));
}

#[test]
fn real_server_ports_follow_the_service_when_they_cannot_differ() {
    let text = BASE.replace("real_server 10.0.0.2 80", "real_server 10.0.0.2 81");
    let (cfg, d) = lvs(&text);
    assert_eq!(lines(&d), vec![5], "{}", messages(&d));
    assert_eq!(cfg.lvs.virtual_servers[0].real_servers[0].port, Some(80));
    let nat = BASE
        .replace("lb_kind DR", "lb_kind NAT")
        .replace("real_server 10.0.0.2 80", "real_server 10.0.0.2");
    let (cfg, d) = lvs(&nat);
    assert!(d.items().is_empty(), "{}", messages(&d));
    assert_eq!(cfg.lvs.virtual_servers[0].real_servers[0].port, Some(80));
}

#[test]
fn the_ssl_block_holds_file_names() {
    let (cfg, d) = lvs("SSL {\n password secret\n ca /etc/ca.pem\n key /etc/k.pem\n bogus\n}\n");
    assert_eq!(lines(&d), vec![5]);
    let s = cfg.lvs.ssl.unwrap_or_default();
    assert_eq!(s.password.as_deref(), Some("secret"));
    assert_eq!(s.key.as_deref(), Some("/etc/k.pem"));
}

#[test]
fn scripts_that_exist_need_script_security() {
    let text = BASE.replace("weight 2", "weight 2\n  notify_up \"/bin/sh -c true\"");
    let (cfg, d) = lvs(&text);
    let rs = &cfg.lvs.virtual_servers[0].real_servers[0];
    assert_eq!(rs.notify_up.as_ref().map(|s| s.argv.len()), Some(3));
    assert!(d.script_security_violation);
    let secure = format!("global_defs {{\n enable_script_security\n}}\n{text}");
    assert!(!lvs(&secure).1.script_security_violation);
    // keepalived quietly disables a script it cannot find.
    let missing = text.replace("/bin/sh", "/nonexistent/x.sh");
    assert!(!lvs(&missing).1.script_security_violation);
}

/// keepalived 2.2.7 `-t` on its own samples: the LVS side flags only the fwmark one, whose
/// protocol line keepalived warns about without a line (we give the virtual_server's).
#[test]
fn keepalived_samples_are_judged_as_keepalived_does() {
    let Some(dir) = crate::testdata::shared("keepalived-samples") else {
        return;
    };
    let expected: &[(&str, &[u32])] = &[
        ("HTTP_GET.port", &[]),
        ("IPv6", &[]),
        // Its flagged lines (4, 5, 11) are on the VRRP side.
        ("vrrp.lvs_syncd", &[]),
        ("PING_CHECK", &[]),
        ("SMTP_CHECK", &[]),
        ("SSL_GET", &[]),
        ("UDP_CHECK", &[]),
        ("fwmark", &[7]),
        ("inhibit", &[]),
        ("misc_check", &[]),
        ("misc_check_arg", &[]),
        ("quorum", &[]),
        ("sample", &[]),
        ("status_code", &[]),
        ("virtual_server_group", &[]),
        ("virtualhost", &[]),
    ];
    for (name, want) in expected {
        let path = dir.join(format!("keepalived.conf.{name}"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let (cfg, d) = lvs(&text);
        assert_eq!(lines(&d), *want, "{name}:\n{}", messages(&d));
        assert!(!d.has_errors(), "{name}");
        // The misc_check samples name scripts that do not exist: keepalived stays quiet.
        assert!(!d.script_security_violation, "{name}");
        assert!(!cfg.lvs.virtual_servers.is_empty(), "{name}");
    }
}

#[test]
fn file_check_needs_a_track_file_defined_above_it() {
    let text = "vrrp_track_file tf {\n file /tmp/x\n}\n\
        virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.0.2 80 {\n\
        FILE_CHECK {\n track_file tf\n }\n FILE_CHECK {\n track_file nope\n }\n }\n}\n";
    let mut d = crate::config::Diagnostics::new();
    let nodes = crate::config::reader::tree_from_str(text, 0, &mut d);
    let cfg = crate::config::from_tree(&nodes, &mut d);
    let lines: Vec<u32> = d.items().iter().map(|i| i.loc.line).collect();
    assert_eq!(lines, [13], "{d}");
    assert!(
        d.items()[0].msg.contains("track_file nope not found"),
        "{d}"
    );
    assert_eq!(cfg.lvs.virtual_servers[0].real_servers[0].checkers.len(), 1);
}

#[test]
fn file_check_without_weight_takes_its_track_files() {
    let text = "track_file tf {\n file /tmp/x\n weight -7 reverse\n}\n\
        virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.0.2 80 {\n\
        FILE_CHECK {\n track_file tf\n }\n FILE_CHECK {\n track_file tf\n weight 3\n }\n }\n}\n";
    let mut d = crate::config::Diagnostics::new();
    let nodes = crate::config::reader::tree_from_str(text, 0, &mut d);
    let cfg = crate::config::from_tree(&nodes, &mut d);
    assert!(d.items().is_empty(), "{d}");
    let weights: Vec<(i32, bool)> = cfg.lvs.virtual_servers[0].real_servers[0]
        .checkers
        .iter()
        .filter_map(|c| match &c.kind {
            crate::config::checker::CheckerKind::File(f) => Some((f.weight, f.reverse)),
            _ => None,
        })
        .collect();
    assert_eq!(weights, [(-7, true), (3, false)]);
}

/// With an unknown script_user keepalived keeps no checker script without a user of its own:
/// the MISC_CHECK goes, notify and quorum scripts are ignored; one with its user stays.
#[test]
fn scripts_without_a_user_go_when_the_default_user_fails() {
    let text = BASE.replace(
        "weight 2",
        "weight 2\n  notify_up /bin/true\n  notify_down /bin/true root\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n  MISC_CHECK {\n   misc_path /bin/false\n   user root\n  }",
    );
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(&text, 0, &mut d);
    let mut cfg = Config::default();
    cfg.global.script_user_unknown = true;
    for n in &nodes {
        parse_top(n, &mut cfg, &mut d);
    }
    check(&mut cfg, &mut d);
    let rs = &cfg.lvs.virtual_servers[0].real_servers[0];
    assert!(rs.notify_up.is_none() && rs.notify_down.is_some(), "{d}");
    assert_eq!(rs.checkers.len(), 1, "{d}");
    let m = messages(&d);
    assert!(
        m.contains("Failed to set default user for notify script /bin/true - ignoring"),
        "{m}"
    );
    assert!(
        m.contains("Unable to set default user for misc script '/bin/true' - removing"),
        "{m}"
    );
}
