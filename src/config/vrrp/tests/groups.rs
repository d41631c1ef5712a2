//! Sync groups, cross-instance checks and the keepalived samples.

use super::*;

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

#[test]
fn unicast_instances_conflict_only_with_the_same_source_and_a_shared_peer() {
    let inst = |name: &str, src: &str, peer: &str| {
        format!(
            "vrrp_instance {name} {{\n interface eth1\n virtual_router_id 1\n {src}\n unicast_peer {{\n {peer}\n }}\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n"
        )
    };
    let src = "unicast_src_ip 10.0.0.7";
    let (_, d) = load(&(inst("C", src, "10.0.0.2") + &inst("D", src, "10.0.0.2")));
    assert!(
        has(
            &d,
            12,
            Severity::Error,
            "(C) duplicate VRID conflict with D VRID 1"
        ),
        "{d}"
    );
    let (_, d) = load(&(inst("C", src, "10.0.0.2") + &inst("D", src, "10.0.0.3")));
    assert!(!d.has_errors(), "{d}");
    let (_, d) = load(&(inst("C", "", "10.0.0.2") + &inst("D", "", "10.0.0.2")));
    assert!(!d.has_errors(), "{d}");
}

/// The doc/samples of keepalived 2.2.7 and the lines it flags on the VRRP side (measured with
/// `keepalived -t -l` in a namespace with eth0..eth3 and eth0.1).
#[test]
fn samples_flag_the_lines_keepalived_flags() {
    let Some(dir) = crate::testdata::shared("keepalived-samples") else {
        return;
    };
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

#[test]
fn interface_blocks_are_typed_and_checked() {
    let text = "garp_group {
    garp_interval 0.001
    interface eth0
    interface eth0
}
garp_group {
    interfaces {
        eth1 eth9
    }
}
linkbeat_interfaces {
    eth2 MII
    eth3 FOO
    eth9
}
interface_up_down_delays {
    eth1 2 3.5
    eth2 x
}
track_group TG {
    group {
        VI_1 VI_2
    }
}
track_group TG {
}
";
    let (cfg, d) = load(text);
    assert_eq!(lines(&d), vec![4, 9, 10, 13, 14, 18, 25], "{d}");
    assert!(has(&d, 14, Severity::Error, "unknown interface eth9"));
    assert!(has(
        &d,
        25,
        Severity::Error,
        "track_group TG already defined"
    ));
    let b = &cfg.vrrp.ifblocks;
    assert_eq!(b.garp_groups.len(), 1);
    assert_eq!(b.garp_groups[0].garp_interval, Some(Micros(1_000)));
    assert_eq!(b.garp_groups[0].interfaces, vec!["eth0"]);
    assert_eq!(b.linkbeat.len(), 2);
    assert_eq!(b.linkbeat[0].kind, Some(ifblocks::LinkbeatType::Mii));
    assert_eq!(b.up_down_delays.len(), 1);
    assert_eq!(
        (b.up_down_delays[0].down, b.up_down_delays[0].up),
        (Micros(2_000_000), Micros(3_500_000))
    );
    assert_eq!(b.track_groups[0].members, vec!["VI_1", "VI_2"]);
}
