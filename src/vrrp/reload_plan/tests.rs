//! Reload matching and differences on configs parsed from text.

use super::*;
use crate::config::iproute::Family;
use crate::config::{from_tree, reader, Diagnostics};

fn load(text: &str) -> Config {
    let mut d = Diagnostics::new();
    let nodes = reader::tree_from_str(text, 0, &mut d);
    let cfg = from_tree(&nodes, &mut d);
    let errs: Vec<String> = d.items().iter().map(|x| d.render(x)).collect();
    assert!(!d.has_errors(), "{text}\n{errs:?}");
    cfg
}

fn inst(name: &str, vrid: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n \
         priority 100\n{extra}\n virtual_ipaddress {{\n  10.0.0.{vrid}/24\n }}\n}}\n"
    )
}

fn all(cfg: &Config) -> Vec<usize> {
    (0..cfg.vrrp.instances.len()).collect()
}

#[test]
fn instances_match_on_vrid_family_interface_and_group_not_name_or_settings() {
    let old = load(&(inst("A", 1, "") + &inst("B", 2, "") + &inst("C", 3, "")));
    let new = load(
        &(inst("C", 3, " mcast_dst_ip 224.0.0.19")
            + &inst("renamed", 2, " advert_int 3\n nopreempt")
            + &inst("D", 4, "")),
    );
    assert_eq!(
        successors(&old, &all(&old), &new, |_| true),
        vec![None, Some(1), None],
        "B continues as 'renamed'; A and C (new group) do not"
    );
}

#[test]
fn only_running_instances_are_matched_and_only_to_ones_that_can_run() {
    let old = load(&(inst("A", 1, "") + &inst("B", 2, "")));
    let new = load(&(inst("A", 1, "") + &inst("B", 2, "")));
    // A did not run (no successor to find); B's successor cannot run, so B stops.
    assert_eq!(successors(&old, &[1], &new, |j| j != 1), vec![None]);
    assert_eq!(successors(&old, &[1], &new, |_| true), vec![Some(1)]);
}

#[test]
fn predecessors_reverse_successors() {
    assert_eq!(
        predecessors(&[None, Some(2), Some(0)], 4),
        vec![Some(2), None, Some(1), None]
    );
}

#[test]
fn unicast_instances_match_on_their_source() {
    let u = |src: &str| format!(" unicast_src_ip {src}\n unicast_peer {{\n  10.0.0.9\n }}");
    let old = load(&inst("A", 1, &u("10.0.0.2")));
    let same = load(&inst("A", 1, &u("10.0.0.2")));
    let moved = load(&inst("A", 1, &u("10.0.0.3")));
    assert_eq!(successors(&old, &[0], &same, |_| true), vec![Some(0)]);
    assert_eq!(successors(&old, &[0], &moved, |_| true), vec![None]);
}

#[test]
fn a_duplicate_continues_only_one_instance() {
    let ids = |v: &[u8]| -> Vec<InstanceId> {
        v.iter()
            .map(|&vrid| InstanceId {
                vrid: Some(vrid),
                family: Family::V4,
                interface: Some("eth0".into()),
                unicast: false,
                endpoint: None,
            })
            .collect()
    };
    assert_eq!(pair(&ids(&[1, 1]), &ids(&[1, 2])), vec![Some(0), None]);
}

#[test]
fn address_differences_ignore_places_in_the_file() {
    let old = load(&inst(
        "A",
        1,
        " virtual_ipaddress_excluded {\n  10.9.0.1/32\n  10.9.0.2/32\n }",
    ));
    let new = load(&format!(
        "\n\n{}",
        inst(
            "A",
            1,
            " virtual_ipaddress_excluded {\n  10.9.0.2/32\n  10.9.0.3/32 dev lo\n }"
        )
    ));
    let d = addr_diff(&old.vrrp.instances[0], &new.vrrp.instances[0]);
    let text = |v: &[IpAddress]| -> Vec<String> { v.iter().map(|a| a.addr.to_string()).collect() };
    assert_eq!(text(&d.gone), ["10.9.0.1"]);
    assert_eq!(text(&d.added), ["10.9.0.3"]);
}

#[test]
fn settings_changes_ignore_places_in_the_file() {
    let old = load(&inst("A", 1, ""));
    let moved = load(&format!("\n\n\n{}", inst("A", 1, "")));
    let other = load(&inst("A", 1, " advert_int 3"));
    assert!(!settings_changed(&old, 0, &moved, 0));
    assert!(settings_changed(&old, 0, &other, 0));
}

/// Every part of an instance that records its line: moved down, none of them is a change;
/// a value changed inside one of them is.
#[test]
fn places_inside_an_instance_are_not_settings() {
    let body = " unicast_src_ip 10.0.0.2\n unicast_peer {\n  10.0.0.9\n }\n \
        virtual_ipaddress_excluded {\n  10.9.0.1/32\n }\n \
        virtual_routes {\n  10.8.0.0/16 via 10.0.0.254\n }\n \
        virtual_rules {\n  from 10.7.0.0/16 table 7\n }\n \
        track_interface {\n  eth0\n }\n track_script {\n  chk\n }\n \
        notify_master /bin/true\n notify_deleted /bin/true\n notify /bin/true";
    let script = "vrrp_script chk {\n script /bin/true\n}\n";
    let old = load(&format!("{script}{}", inst("A", 1, body)));
    let moved = load(&format!(
        "{script}\n\n{}",
        inst("A", 1, &body.replace("\n ", "\n\n "))
    ));
    assert!(!settings_changed(&old, 0, &moved, 0));
    for (from, to) in [
        ("table 7", "table 8"),
        ("10.0.0.254", "10.0.0.253"),
        ("10.0.0.9", "10.0.0.8"),
        ("10.9.0.1/32", "10.9.0.4/32"),
        ("notify_master /bin/true", "notify_master /bin/false"),
        ("notify_deleted /bin/true", "notify_deleted /bin/false"),
        ("notify /bin/true", "notify /bin/false"),
    ] {
        let other = load(&format!(
            "{script}{}",
            inst("A", 1, &body.replace(from, to))
        ));
        assert!(settings_changed(&old, 0, &other, 0), "{from} -> {to}");
    }
}

#[test]
fn only_kept_instances_holding_their_vips_move_addresses() {
    let old = load(&(inst("A", 1, "") + &inst("B", 2, "")));
    let new = load(&(inst("A", 1, "") + &inst("B", 2, "").replace("10.0.0.2/24", "10.0.9.2/24")));
    let pairs = [Some(0), Some(1)];
    // A keeps its address; B, holding its VIPs, swaps one; nothing for one not holding them.
    let moves = vip_moves(&old, &[0, 1], &pairs, &new, |_| true);
    let b = &moves[1];
    assert_eq!((b.0, b.1), (1, 1));
    assert_eq!(b.2.gone[0].addr.to_string(), "10.0.0.2");
    assert_eq!(b.2.added[0].addr.to_string(), "10.0.9.2");
    assert!(moves[0].2.gone.is_empty() && moves[0].2.added.is_empty());
    assert!(vip_moves(&old, &[0, 1], &pairs, &new, |i| i == 0)
        .iter()
        .all(|m| m.0 == 0));
}
