use super::super::diag::Diagnostics;
use super::super::reader::tree_from_str;
use super::super::Config;
use super::*;

fn load(text: &str) -> (Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let mut cfg = Config::default();
    for n in &nodes {
        let ours = parse_top(n, &mut cfg, &mut d);
        assert!(ours || n.keyword() == "track_group", "{}", n.keyword());
    }
    (cfg, d)
}

#[test]
fn router_id() {
    let (c, d) = load("global_defs {\n router_id R1\n}\n");
    assert_eq!(c.global.router_id.as_deref(), Some("R1"));
    assert!(d.items().is_empty());
}

fn flagged(d: &Diagnostics) -> Vec<u32> {
    d.items().iter().map(|i| i.loc.line).collect()
}

fn one(kw_line: &str) -> (GlobalDefs, Diagnostics) {
    let (c, d) = load(&format!("global_defs {{\n{kw_line}\n}}\n"));
    (c.global, d)
}

/// A line keepalived accepts without a word.
fn quiet(kw_line: &str) -> GlobalDefs {
    let (g, d) = one(kw_line);
    assert!(d.items().is_empty(), "{kw_line}: {d}");
    g
}

/// A line keepalived reports (and goes on with its default).
fn noisy(kw_line: &str) -> GlobalDefs {
    let (g, d) = one(kw_line);
    assert_eq!(flagged(&d), vec![2], "{kw_line}: {d}");
    assert!(!d.has_errors(), "{kw_line}: {d}");
    g
}

#[test]
fn email_settings() {
    let (c, d) = load(
        "global_defs {\n notification_email {\n a@b\n c@d\n }\n notification_email_from k@h\n smtp_server 10.0.0.1 2525\n smtp_helo_name me\n smtp_connect_timeout 30\n smtp_alert off\n smtp_alert_vrrp\n smtp_alert_checker yes\n no_email_faults\n checker_log_all_failures\n no_checker_emails\n}\n",
    );
    assert!(d.items().is_empty(), "{d}");
    let e = &c.global.email;
    assert_eq!(e.to, vec!["a@b", "c@d"]);
    assert_eq!(e.smtp_server, Some(("10.0.0.1".into(), 2525)));
    assert_eq!(e.connect_timeout, Some(30));
    assert_eq!(e.smtp_alert, Some(false));
    assert_eq!(e.smtp_alert_vrrp, Some(true));
    assert!(e.no_email_faults && e.no_checker_emails);
    assert_eq!(
        quiet("smtp_server localhost")
            .email
            .smtp_server
            .map(|s| s.1),
        Some(25)
    );
    noisy("smtp_server 10.0.0.1 0");
    quiet("smtp_server fe80::1 2525");
    noisy("smtp_server mail.example.invalid");
    noisy("smtp_server 10.0.0.1 smtp");
    noisy("smtp_alert maybe");
    assert_eq!(
        noisy("smtp_connect_timeout 0").email.connect_timeout,
        Some(1)
    );
    assert_eq!(
        noisy("smtp_connect_timeout 5000").email.connect_timeout,
        None
    );
    let (_, d) = load("global_defs {\n notification_email {\n }\n}\n");
    assert_eq!(flagged(&d), vec![3]);
}

#[test]
fn garp_settings() {
    let g = quiet("vrrp_garp_master_delay 10").garp;
    assert_eq!(g.master_delay, Some(10));
    assert_eq!(
        quiet("vrrp_garp_interval 0.001").garp.interval,
        Some(Micros(1000))
    );
    assert_eq!(
        quiet("vrrp_gna_interval 0.000001").garp.gna_interval,
        Some(Micros(1))
    );
    assert_eq!(
        quiet("vrrp_garp_extra_if all 100").garp.extra_if,
        Some((100, true))
    );
    assert!(quiet("vrrp_min_garp").garp.min_garp);
    for ok in [
        "vrrp_garp_master_repeat 3",
        "vrrp_garp_master_refresh 60",
        "vrrp_garp_master_refresh_repeat 2",
        "vrrp_garp_lower_prio_delay 3",
        "vrrp_garp_lower_prio_repeat 1",
    ] {
        quiet(ok);
    }
    assert_eq!(
        noisy("vrrp_garp_master_repeat 0").garp.master_repeat,
        Some(1)
    );
    noisy("vrrp_garp_master_delay 5000");
    noisy("vrrp_garp_interval 0");
    assert_eq!(
        noisy("vrrp_garp_interval 0.0000015").garp.interval,
        Some(Micros(2))
    );
    noisy("vrrp_gna_interval -1");
    assert_eq!(
        quiet("vrrp_garp_master_delay +3").garp.master_delay,
        Some(3)
    );
    noisy("vrrp_garp_extra_if all");
    noisy("vrrp_garp_extra_if 86401");
    noisy("vrrp_garp_lower_prio_repeat 3000000000");
    assert_eq!(
        noisy("vrrp_vmac_garp_intvl 10").garp.extra_if,
        Some((10, false))
    );
}

#[test]
fn vrrp_defaults() {
    assert_eq!(quiet("vrrp_version 3").vrrp_version, Some(3));
    assert_eq!(noisy("vrrp_version 4").vrrp_version, None);
    noisy("vrrp_version 2.5");
    assert!(quiet("vrrp_strict").vrrp_strict);
    let g = quiet("dynamic_interfaces allow_if_changes");
    assert!(g.dynamic_interfaces && g.vrrp.allow_if_changes);
    assert!(noisy("dynamic_interfaces foo").dynamic_interfaces);
    assert!(quiet("vrrp_mcast_group4 224.0.0.18")
        .vrrp
        .mcast_group4
        .is_some());
    assert!(quiet("vrrp_mcast_group6 ff02::12")
        .vrrp
        .mcast_group6
        .is_some());
    noisy("vrrp_mcast_group4 10.0.0.1");
    noisy("vrrp_mcast_group4 ff02::12");
    noisy("vrrp_mcast_group6 224.0.0.18");
    assert!(noisy("vrrp_mcast_group6 ff05::12")
        .vrrp
        .mcast_group6
        .is_some());
    assert_eq!(
        quiet("vrrp_lower_prio_no_advert").vrrp.lower_prio_no_advert,
        Some(true)
    );
    assert_eq!(
        quiet("vrrp_higher_prio_send_advert off")
            .vrrp
            .higher_prio_send_advert,
        Some(false)
    );
    noisy("vrrp_lower_prio_no_advert maybe");
    assert!(quiet("vrrp_check_unicast_src").vrrp.check_unicast_src);
    assert!(quiet("vrrp_skip_check_adv_addr").vrrp.skip_check_adv_addr);
    assert_eq!(
        quiet("vrrp_down_timer_adverts 5").vrrp.down_timer_adverts,
        Some(5)
    );
    noisy("vrrp_down_timer_adverts 101");
    assert_eq!(
        quiet("vrrp_startup_delay 5.5").vrrp.startup_delay,
        Some(Micros(5_500_000))
    );
    noisy("vrrp_startup_delay 0.0001");
    assert_eq!(
        quiet("vrrp_rx_bufs_policy MTU").vrrp.rx_bufs_policy,
        Some(RxBufsPolicy::Mtu)
    );
    assert_eq!(
        noisy("vrrp_rx_bufs_policy MTU ADVERT").vrrp.rx_bufs_policy,
        Some(RxBufsPolicy::Mtu)
    );
    noisy("vrrp_rx_bufs_multiplier 0");
    let (g, d) = load("global_defs {\n vmac_prefix a\n vmac_prefix b\n}\n");
    assert_eq!(g.global.vrrp.vmac_prefix.as_deref(), Some("a"));
    assert_eq!(flagged(&d), vec![3]);
    assert_eq!(
        quiet("default_interface eth1").default_interface.as_deref(),
        Some("eth1")
    );
    noisy("default_interface");
}

#[test]
fn firewall_settings() {
    let f = quiet("nftables kt").firewall;
    assert_eq!(f.nftables.as_deref(), Some("kt"));
    assert_eq!(
        quiet("nftables").firewall.nftables.as_deref(),
        Some("keepalived")
    );
    assert_eq!(
        quiet("nftables_priority -5").firewall.nftables_priority,
        Some(-5)
    );
    noisy("nftables_priority x");
    assert_eq!(
        noisy("vrrp_iptables").firewall.nftables.as_deref(),
        Some("keepalived")
    );
    noisy("vrrp_ipsets a b");
    noisy("nftables_ipvs_start_fwmark 0");
    for ok in [
        "nftables_counters",
        "nftables_ifindex",
        "nftables_ipvs",
        "nftables_ipvs_priority 3",
        "disable_local_igmp",
    ] {
        quiet(ok);
    }
    let (_, d) = load("global_defs {\n nftables\n nftables\n}\n");
    assert_eq!(flagged(&d), vec![3]);
}

#[test]
fn process_scheduling() {
    let g = quiet("vrrp_priority -10");
    assert_eq!(g.sched.vrrp.priority, Some(-10));
    noisy("checker_priority 20");
    noisy("bfd_priority x");
    assert_eq!(
        noisy("vrrp_rt_priority 150").sched.vrrp.rt_priority,
        Some(99)
    );
    assert_eq!(
        noisy("checker_rt_priority 0").sched.checker.rt_priority,
        Some(1)
    );
    assert_eq!(quiet("bfd_rt_priority 50").sched.bfd.rt_priority, Some(50));
    assert!(quiet("checker_no_swap").sched.checker.no_swap);
    assert_eq!(
        quiet("vrrp_cpu_affinity 0").sched.vrrp.cpu_affinity,
        vec![0]
    );
    noisy("vrrp_cpu_affinity 4096");
    noisy("vrrp_cpu_affinity");
    assert_eq!(
        quiet("bfd_rlimit_rttime 1").sched.bfd.rlimit_rttime,
        Some(2)
    );
    assert_eq!(
        quiet("vrrp_rlimit_rtime 100").sched.vrrp.rlimit_rttime,
        Some(100)
    );
    noisy("checker_rlimit_rttime 0");
    assert_eq!(quiet("max_auto_priority").sched.max_auto_priority, Some(99));
    assert_eq!(
        quiet("max_auto_priority -1").sched.max_auto_priority,
        Some(-1)
    );
    noisy("max_auto_priority 100");
    noisy("min_auto_priority_delay 0");
}

#[test]
fn lvs_settings() {
    let l =
        quiet("lvs_sync_daemon eth0 inst VI_1 id 5 maxlen 1400 port 8848 ttl 1 group 224.0.0.81")
            .lvs;
    let s = l.sync_daemon.unwrap();
    assert_eq!(s.vrrp_instance.as_deref(), Some("VI_1"));
    assert_eq!(
        (s.sync_id, s.maxlen, s.port, s.ttl),
        (Some(5), Some(1400), Some(8848), Some(1))
    );
    assert_eq!(
        quiet("lvs_sync_daemon eth0 VI_1")
            .lvs
            .sync_daemon
            .unwrap()
            .vrrp_instance
            .as_deref(),
        Some("VI_1")
    );
    noisy("lvs_sync_daemon eth0 VI_1 id 300");
    noisy("lvs_sync_daemon eth0 group 10.0.0.1");
    noisy("lvs_sync_daemon eth0 maxlen 70000");
    let t = quiet("lvs_timeouts tcp 900 tcpfin 120 udp 300")
        .lvs
        .timeouts;
    assert_eq!((t.tcp, t.tcpfin, t.udp), (Some(900), Some(120), Some(300)));
    noisy("lvs_timeouts tcp 9999999");
    noisy("lvs_timeouts");
    assert!(quiet("lvs_flush").lvs.flush);
    assert_eq!(
        quiet("lvs_flush_on_stop").lvs.flush_on_stop,
        Some(LvsFlushOnStop::Full)
    );
    assert_eq!(
        quiet("lvs_flush_on_stop VS").lvs.flush_on_stop,
        Some(LvsFlushOnStop::Vs)
    );
    noisy("lvs_flush_on_stop ALL");
}

#[test]
fn scripts_and_fifos() {
    let g = quiet("script_user root");
    assert_eq!(g.script_user, Some(("root".into(), None)));
    noisy("script_user no_such_user_here");
    // keepalived looks up names only: a numeric id is an unknown user.
    noisy("script_user 0");
    noisy("script_user root 0");
    assert!(quiet("enable_script_security").enable_script_security);
    let g = quiet("notify_fifo /tmp/f root root");
    assert_eq!(g.notify_fifo.as_deref(), Some("/tmp/f"));
    assert_eq!(
        g.fifos.any.owner,
        Some(("root".into(), Some("root".into())))
    );
    assert_eq!(
        quiet("vrrp_notify_fifo /tmp/v").vrrp_notify_fifo.as_deref(),
        Some("/tmp/v")
    );
    assert_eq!(
        quiet("lvs_notify_fifo /tmp/l").lvs_notify_fifo.as_deref(),
        Some("/tmp/l")
    );
    assert!(quiet("vrrp_notify_fifo_script /bin/true")
        .fifos
        .vrrp
        .script
        .is_some());
    noisy("notify_fifo");
    assert_eq!(quiet("notify_fifo /tmp/x nosuchuser").notify_fifo, None);
    let g = quiet(r#"startup_script "/bin/sh -c 'exit 0'" root"#);
    let s = g.startup_script.unwrap_or_default();
    assert_eq!(s.argv, vec!["/bin/sh", "-c", "exit 0"]);
    assert_eq!(s.command, "/bin/sh -c 'exit 0'");
    assert_eq!(s.run_as, Some(("root".into(), None)));
    // keepalived only logs the bad user, and drops the script.
    let g = quiet("vrrp_notify_fifo_script /bin/true nosuchuser");
    assert_eq!(g.fifos.vrrp.script, None);
    let g = quiet(r#"notify_fifo_script "/bin/sh -c 'cat >/dev/null'" root"#);
    assert_eq!(
        g.fifos.any.script,
        Some((
            vec!["/bin/sh".into(), "-c".into(), "cat >/dev/null".into()],
            Some(("root".into(), None))
        ))
    );
    assert_eq!(
        noisy("shutdown_script /bin/true nosuchuser").shutdown_script,
        None
    );
    noisy("script_user root nosuchgroup");
    let (c, d) = load("global_defs {\n notify_fifo /a\n notify_fifo /b\n}\n");
    assert_eq!(c.global.notify_fifo.as_deref(), Some("/a"));
    assert_eq!(flagged(&d), vec![3]);
    assert_eq!(
        quiet("startup_script_timeout 20")
            .startup_script
            .and_then(|s| s.timeout),
        Some(20)
    );
    noisy("shutdown_script_timeout 1001");
    noisy("startup_script_timeout 0");
    assert!(
        quiet("fifo_write_vrrp_states_on_reload")
            .fifos
            .write_vrrp_states_on_reload
    );
}

#[test]
fn root_hook_scripts_need_script_security() {
    let (_, d) = load("global_defs {\n startup_script /bin/true\n}\n");
    assert!(d.script_security_violation && d.items().is_empty());
    let (_, d) = load("global_defs {\n shutdown_script /bin/true\n enable_script_security\n}\n");
    assert!(!d.script_security_violation);
    let (_, d) = load("global_defs {\n startup_script /bin/true nobody\n}\n");
    assert!(!d.script_security_violation);
}

#[test]
fn snmp_dbus_namespace_and_misc() {
    let g = quiet("snmp_socket udp:1.2.3.4:705");
    assert_eq!(g.snmp.socket.as_deref(), Some("udp:1.2.3.4:705"));
    noisy("snmp_socket a b");
    for ok in [
        "enable_traps",
        "enable_snmp_vrrp",
        "enable_snmp_keepalived",
        "enable_snmp_checker",
        "enable_snmp_rfc",
        "enable_snmp_rfcv2",
        "enable_snmp_rfcv3",
        "enable_dbus",
        "dbus_service_name org.x",
    ] {
        quiet(ok);
    }
    assert_eq!(quiet("umask 022").umask, Some(0o22));
    assert_eq!(quiet("umask IWGRP|IWOTH").umask, Some(0o22));
    noisy("umask 01000");
    noisy("umask IWGRP|IFOO");
    noisy("umask IWGRP|");
    assert_eq!(quiet("random_seed 42").random_seed, Some(42));
    noisy("random_seed -1");
    assert_eq!(
        quiet("process_name averylongname15")
            .process_names
            .parent
            .as_deref(),
        Some("averylongname15")
    );
    assert_eq!(
        noisy("vrrp_process_name averyverylongname")
            .process_names
            .vrrp
            .as_deref(),
        Some("averyverylongna")
    );
    quiet("lvs_process_name x");
    quiet("process_names");
    assert_eq!(
        quiet("vrrp_netlink_cmd_rcv_bufs 1000")
            .rcv_bufs
            .vrrp_netlink_cmd,
        (Some(1000), false)
    );
    assert!(
        quiet("process_monitor_rcv_bufs_force yes")
            .rcv_bufs
            .process_monitor
            .1
    );
    noisy("lvs_netlink_monitor_rcv_bufs x");
    assert_eq!(
        quiet("reload_check_config").reload.check_config.as_deref(),
        Some("/dev/null")
    );
    noisy("reload_time_file");
    assert_eq!(quiet("reload_file").reload.file, Some(None));
    quiet("include_check +match -wildcard_match");
    noisy("include_check sometimes");
    noisy("data_use_instance 7");
    assert_eq!(quiet("json_version 2").json_version, Some(2));
    assert_eq!(noisy("json_version 3").json_version, None);
    assert_eq!(noisy("json_version").json_version, None);
    let f = quiet("json_dump_file /run/ka.json").json_dump_file;
    assert_eq!(f.as_deref(), Some("/run/ka.json"));
    assert_eq!(noisy("json_dump_file").json_dump_file, None);
    assert_eq!(noisy("json_dump_file a b").json_dump_file, None);
    assert_eq!(quiet("rs_init_notifies").rs_init_notifies, Some(true));
    noisy("no_such_keyword");
    noisy("router_id");

    let (c, d) = load("net_namespace blue\ninstance i1\nuse_pid_dir\nlinkbeat_use_polling\nchild_wait_time 10\nnamespace_with_ipsets\nnet_namespace_ipvs\n");
    assert!(d.items().is_empty(), "{d}");
    let g = c.global;
    assert_eq!(
        (g.net_namespace.as_deref(), g.instance.as_deref()),
        (Some("blue"), Some("i1"))
    );
    assert!(g.use_pid_dir && g.linkbeat_use_polling && g.namespace_with_ipsets);
    assert_eq!(g.child_wait_time, Some(10));
    let (_, d) = load("instance\nchild_wait_time x\nnet_namespace a\nnet_namespace b\n");
    assert_eq!(flagged(&d), vec![1, 2, 4]);
    // These are top-level only: inside global_defs keepalived does not know them.
    noisy("net_namespace blue");
}

#[test]
fn static_blocks_go_to_cfg_net() {
    let (c, d) = load(
        "global_defs {\n default_interface lo\n}\nstatic_ipaddress {\n 10.9.9.9/24\n 10.9.9.10 dev lo\n}\nstatic_routes {\n 10.10.0.0/16 dev lo\n}\nstatic_rules {\n from 10.9.0.0/16 table 5 priority 100\n to 10.9./16 table 1\n}\n",
    );
    assert_eq!(c.net.addresses.len(), 2);
    assert_eq!(c.net.addresses[0].dev.as_deref(), Some("lo"));
    assert_eq!(c.net.routes.len(), 1);
    assert_eq!(c.net.rules.len(), 1);
    assert_eq!(flagged(&d), vec![13]);
    assert!(d.has_errors());
}

#[test]
fn static_track_groups_must_be_defined_first() {
    let (c, d) = load(
        "track_group G1 {\n group {\n VI_1\n }\n}\nstatic_ipaddress {\n 10.9.9.9 dev lo track_group G1\n 10.9.9.8 dev lo track_group G2\n}\nstatic_rules {\n from 10.0.0.0/8 table 2 priority 3 iif lo track_group G1 track_group G1\n}\n",
    );
    assert_eq!(c.net.addresses[0].track_group.as_deref(), Some("G1"));
    assert_eq!(c.net.addresses[1].track_group, None);
    assert_eq!(c.net.rules[0].track_group.as_deref(), Some("G1"));
    assert_eq!(flagged(&d), vec![8, 11]);
}

/// The situations keepalived 2.2.7 flags in its doc/samples (vrrp.rules, vrrp.routes,
/// vrrp.static_ipaddress) with interfaces present: a rule without a preference, an address
/// missing its last octet, a route without `dev` (untracked), the old `or` and `gw`.
#[test]
fn sample_situations_flag_the_same_lines() {
    let text = "global_defs {\n dynamic_interfaces\n}\nstatic_rules {\n from 192.168.100.0/24 table 1\n to 192.168.100./24 table 1\n}\nstatic_routes {\n src 192.168.100.1 192.168.209.0/24 via 192.168.200.254 dev eth0\n 192.168.212.0/24 dev eth3 scope site\n}\nstatic_ipaddress {\n 192.168.200.16 dev eth0 scope link\n}\n";
    let (c, d) = load(text);
    assert_eq!(flagged(&d), vec![5, 6]);
    assert_eq!(
        (c.net.rules.len(), c.net.routes.len(), c.net.addresses.len()),
        (1, 2, 1)
    );
    let ctx = super::super::iproute::NetCtx::from_global(&c.global, false);
    let routes = "192.168.111.0/24 dev eth2\n192.168.112.0/24 via 192.168.100.254\n192.168.113.0/24 via 192.168.100.252 or 192.168.100.253\nblackhole 192.168.113.1/32\n0.0.0.0/0 gw 192.168.0.1 table 100\n";
    let mut d = Diagnostics::new();
    for n in tree_from_str(routes, 0, &mut d) {
        assert!(super::super::iproute::parse_route_in(&n, &ctx, &mut d).is_some());
    }
    let mut lines = flagged(&d);
    lines.dedup();
    assert_eq!(lines, vec![2, 3, 4, 5]);
    assert!(!d.has_errors());
}

/// Prints the lines flagged in `$KA_CFG` (for comparing with `keepalived -t -l`).
#[test]
#[ignore]
fn flagged_lines_of_env_config() {
    let Ok(path) = std::env::var("KA_CFG") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(&text, 0, &mut d);
    let mut cfg = Config::default();
    for n in &nodes {
        if !parse_top(n, &mut cfg, &mut d) {
            for c in n.children() {
                let ctx = super::super::iproute::NetCtx::from_global(&cfg.global, false);
                for l in c.children() {
                    match c.keyword() {
                        "virtual_ipaddress" | "virtual_ipaddress_excluded" => {
                            super::super::iproute::parse_address_in(l, &ctx, &mut d);
                        }
                        "virtual_routes" => {
                            super::super::iproute::parse_route_in(l, &ctx, &mut d);
                        }
                        "virtual_rules" => {
                            super::super::iproute::parse_rule_in(l, &ctx, &mut d);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    for i in d.items() {
        println!("FLAG {} {}", i.loc.line, i.msg);
    }
}
