//! vrrp_instance keywords, defaults and the checks keepalived makes on them.

use super::*;

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
        has(
            &d,
            1,
            Severity::Warning,
            "interval 1.500000s must be an integer. rounding"
        ),
        "{d}"
    );
    assert_eq!(cfg.vrrp.instances[0].resolved.advert_int, Micros(2_000_000));
    let v3 = MIN.replace(
        "interface eth0",
        "interface eth0\n version 3\n advert_int 50",
    );
    let (cfg, d) = load(&v3);
    let msg = "interval 50.00s is out of range. Must be less than 40.96s. Setting to 40.95s";
    assert!(has(&d, 1, Severity::Warning, msg), "{d}");
    assert_eq!(
        cfg.vrrp.instances[0].resolved.advert_int,
        Micros(40_950_000)
    );
    let v3 = MIN.replace(
        "interface eth0",
        "interface eth0\n version 3\n advert_int 0.123",
    );
    let (cfg, d) = load(&v3);
    let msg = "interval 0.123000s must be in units of 10ms - rounding";
    assert!(has(&d, 1, Severity::Warning, msg), "{d}");
    assert_eq!(cfg.vrrp.instances[0].resolved.advert_int, Micros(120_000));
    // A rounding midpoint: the double of 40.965 lies above it, so `{:.2}` printed 40.97.
    let v3 = MIN.replace(
        "interface eth0",
        "interface eth0\n version 3\n advert_int 40.965",
    );
    let (_, d) = load(&v3);
    assert!(
        has(&d, 1, Severity::Warning, "interval 40.97s is out"),
        "{d}"
    );
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
    // vip_at walks the VIPs, then the eVIPs.
    let at = |k| v.vip_at(k).map(|a| a.addr.to_string());
    assert_eq!(
        [at(0), at(1), at(2)],
        [Some("10.0.0.1".into()), Some("fe80::2".into()), None]
    );
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
        Severity::Error,
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
 use_vmac vrrp51 02:00:00:00:00:33
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
    assert_eq!(vm.mac, Some([2, 0, 0, 0, 0, 0x33]));
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
fn use_vmac_takes_a_name_and_a_mac() {
    let vmac = |args: &str| {
        let text = MIN.replace(
            "interface eth0",
            &format!("interface eth0\n use_vmac {args}"),
        );
        let (cfg, d) = load(&text);
        let vm = cfg.vrrp.instances[0].use_vmac.clone().unwrap_or_default();
        (vm, lines(&d))
    };
    let (vm, l) = vmac("");
    assert_eq!((vm.ifname, vm.mac, l), (None, None, vec![]));
    let (vm, l) = vmac("02:11:22:33:44");
    assert_eq!(
        (vm.mac, vm.mac_use_vrid),
        (Some([2, 0x11, 0x22, 0x33, 0x44, 0]), true)
    );
    assert!(l.is_empty());
    for bad in [
        "00:00:5e:00:01:33",
        "01:00:00:00:00:01",
        "zz:00:00:00:00:01",
        "a/b",
    ] {
        let (vm, l) = vmac(bad);
        assert_eq!((vm.mac, vm.ifname, l), (None, None, vec![3]), "{bad}");
    }
}

#[test]
fn mcast_dst_and_version_follow_the_family() {
    let text = MIN.replace(
        "interface eth0",
        "interface eth0\n mcast_dst_ip ff05::12\n mcast_dst_ip ff02::99\n mcast_dst_ip 224.0.0.19\n version 2\n version 3",
    )
    .replace("10.0.0.1/24", "fe80::1");
    let (cfg, d) = load(&text);
    assert!(
        has(&d, 3, Severity::Warning, "not link-local multicast"),
        "{d}"
    );
    assert!(has(
        &d,
        5,
        Severity::Warning,
        "MUST match VRRP instance family"
    ));
    assert!(has(&d, 6, Severity::Warning, "vrrp_version 2 conflicts"));
    assert_eq!(lines(&d), vec![3, 5, 6]);
    let v = &cfg.vrrp.instances[0];
    assert_eq!(v.mcast_dst_ip, "ff02::99".parse().ok());
    assert_eq!((v.version, v.resolved.version), (Some(3), 3));
}

#[test]
fn an_instance_needs_an_interface_even_for_unicast() {
    let text = MIN.replace(
        "interface eth0",
        "unicast_src_ip 10.0.0.7\n unicast_peer {\n 10.0.0.2\n }",
    );
    let (cfg, d) = load(&text);
    assert!(
        has(&d, 1, Severity::Error, "(VI_1) Unknown interface!"),
        "{d}"
    );
    assert!(cfg.vrrp.instances.is_empty());
}

#[test]
fn a_keyword_without_its_value_is_an_error() {
    for kw in [
        "state",
        "priority",
        "debug",
        "garp_master_delay",
        "advert_int",
    ] {
        let (_, d) = load(&MIN.replace("interface eth0", &format!("interface eth0\n {kw}")));
        assert!(
            has(&d, 3, Severity::Error, "is missing a parameter"),
            "{kw}: {d}"
        );
    }
    let (_, d) = load(&MIN.replace("interface eth0", "interface eth0\n strict_mode"));
    assert!(d.items().is_empty(), "{d}");
}

/// keepalived reads these addresses with inet_stosockaddr, which drops a `/len` or `-end`;
/// public configs rely on it (`unicast_src_ip 192.168.0.92/24`).
#[test]
fn addresses_with_a_prefix_or_range_keep_the_address() {
    let text = "interface eth0\n unicast_src_ip 192.168.0.92/24\n unicast_peer {\n 192.168.0.93/24\n 192.168.0.94-100\n }";
    let (cfg, d) = load(&MIN.replace("interface eth0", text));
    assert!(d.items().is_empty(), "{d}");
    let v = &cfg.vrrp.instances[0];
    assert_eq!(v.src_ip, "192.168.0.92".parse().ok());
    let peers: Vec<String> = v.unicast_peers.iter().map(|p| p.addr.to_string()).collect();
    assert_eq!(peers, ["192.168.0.93", "192.168.0.94"]);
    assert!(v.resolved.unicast);
    let text = "interface eth0\n mcast_dst_ip 224.0.0.19/32";
    let (cfg, d) = load(&MIN.replace("interface eth0", text));
    assert!(d.items().is_empty(), "{d}");
    assert_eq!(
        cfg.vrrp.instances[0].mcast_dst_ip,
        "224.0.0.19".parse().ok()
    );
}
