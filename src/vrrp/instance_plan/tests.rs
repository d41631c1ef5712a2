//! Plans for instances of configs parsed from text, over a made-up interface table.

use super::*;
use crate::config::{from_tree, reader, Diagnostics};

fn load(text: &str) -> Config {
    let mut d = Diagnostics::new();
    let nodes = reader::tree_from_str(text, 0, &mut d);
    let cfg = from_tree(&nodes, &mut d);
    assert!(!d.has_errors(), "{text}");
    cfg
}

/// One instance `VI` on eth0, VRID 7, with `extra` lines.
fn config(extra: &str) -> Config {
    load(&format!(
        "vrrp_instance VI {{\n interface eth0\n virtual_router_id 7\n priority 100\n{extra}\n \
         virtual_ipaddress {{\n  192.0.2.1/24\n }}\n}}\n"
    ))
}

fn eth0(v4: Option<Ipv4Addr>) -> Ifaces {
    Ifaces {
        list: vec![IfInfo {
            ifindex: 2,
            name: "eth0".into(),
            up: true,
            mac: [2, 0, 0, 0, 0, 1],
            mtu: 1500,
            v4,
            ll6: None,
            group: 0,
        }],
        ..Ifaces::default()
    }
}

const US: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

fn refusal(cfg: &Config, ifaces: &Ifaces) -> Refusal {
    match plan(cfg, 0, ifaces) {
        Ok(_) => panic!("planned"),
        Err(r) => r,
    }
}

#[test]
fn a_multicast_instance_sends_to_the_group_from_its_bound_interface() {
    let cfg = config("");
    let ifaces = eth0(Some(US));
    let p = plan(&cfg, 0, &ifaces).unwrap();
    assert_eq!(
        (p.xmit_ifindex, p.xmit_name.as_str(), p.bind),
        (2, "eth0", true)
    );
    let group = IpAddr::V4(VRRP_GROUP_V4);
    assert_eq!(p.mode, Mode::Multicast { group });
    assert_eq!(p.protocol, IPPROTO_VRRP);
    assert_eq!((p.router.vrid(), p.router.family()), (7, Family::V4));
    assert_eq!(p.router.group(), group);
    assert_eq!(p.router.fsm().interface_addr(), Some(IpAddr::V4(US)));
}

#[test]
fn ah_goes_over_its_own_protocol() {
    let cfg = config(" authentication {\n  auth_type AH\n  auth_pass secret\n }");
    assert_eq!(plan(&cfg, 0, &eth0(Some(US))).unwrap().protocol, IPPROTO_AH);
}

#[test]
fn unicast_sends_from_the_interface_s_address_unless_told_otherwise() {
    let peers = " unicast_peer {\n  10.0.0.2\n }";
    let cfg = config(peers);
    let ifaces = eth0(Some(US));
    let src = IpAddr::V4(US);
    assert_eq!(plan(&cfg, 0, &ifaces).unwrap().mode, Mode::Unicast { src });
    let cfg = config(&format!("{peers}\n unicast_src_ip 10.0.0.9"));
    let src = "10.0.0.9".parse().unwrap();
    assert_eq!(plan(&cfg, 0, &ifaces).unwrap().mode, Mode::Unicast { src });
    assert_eq!(
        refusal(&config(peers), &eth0(None)),
        Refusal::NoUnicastSource
    );
}

#[test]
fn unicast_with_a_source_may_go_without_an_interface() {
    let mut cfg = config(" unicast_src_ip 10.0.0.9\n unicast_peer {\n  10.0.0.2\n }");
    cfg.vrrp.instances[0].interface = None;
    cfg.global.default_interface = None;
    let ifaces = Ifaces::default();
    let p = plan(&cfg, 0, &ifaces).unwrap();
    assert_eq!((p.info.ifindex, p.xmit_ifindex, p.bind), (0, 0, false));
}

#[test]
fn what_keeps_an_instance_from_running() {
    let mut cfg = config("");
    let ifaces = eth0(Some(US));
    cfg.vrrp.instances[0].interface = Some("eth5".into());
    assert_eq!(
        refusal(&cfg, &ifaces),
        Refusal::InterfaceAbsent(Some("eth5".into()))
    );
    cfg.vrrp.instances[0].vrid = None;
    assert_eq!(refusal(&cfg, &ifaces), Refusal::VridUnset);
}

#[test]
fn after_a_reload_a_missing_interface_the_daemon_has_seen_is_waited_for() {
    let mut cfg = config("");
    cfg.vrrp.instances[0].interface = Some("eth5".into());
    cfg.global.seen_interfaces = vec!["eth5".into()];
    let ifaces = eth0(Some(US));
    let p = plan(&cfg, 0, &ifaces).unwrap();
    assert_eq!(
        (p.info.ifindex, p.info.name.as_str()),
        (ABSENT_IFINDEX, "eth5")
    );
}

#[test]
fn with_dynamic_interfaces_a_missing_interface_is_waited_for() {
    let mut cfg = config("");
    let ifaces = eth0(Some(US));
    cfg.vrrp.instances[0].interface = Some("eth5".into());
    cfg.global.dynamic_interfaces = true;
    let p = plan(&cfg, 0, &ifaces).unwrap();
    assert_eq!(p.info.name, "eth5");
    assert_eq!((p.info.ifindex, p.info.up), (ABSENT_IFINDEX, false));
    assert_eq!(
        (p.xmit_ifindex, p.xmit_name.as_str()),
        (ABSENT_IFINDEX, "eth5")
    );
    assert!(p.bind, "its socket is bound to the link once it is there");
}
