use super::parse::millis;
use super::*;
use crate::config::checker::CheckerKind;
use crate::config::diag::Diagnostics;
use crate::config::reader::tree_from_str;
use crate::config::{from_tree, Config};

fn load(text: &str) -> (Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let cfg = from_tree(&nodes, &mut d);
    (cfg, d)
}

fn lines(d: &Diagnostics) -> Vec<u32> {
    d.items().iter().map(|x| x.loc.line).collect()
}

#[test]
fn defaults_are_keepalived_s() {
    let (c, d) = load(
        "bfd_instance b1 {\n neighbor_ip 10.0.0.2\n}\nbfd_instance b6 {\n neighbor_ip fe80::2\n}\n",
    );
    assert!(d.items().is_empty(), "{d}");
    let b = &c.bfd.instances[0];
    assert_eq!(
        (b.min_rx, b.min_tx, b.idle_tx),
        (Micros(10_000), Micros(10_000), Micros(1_000_000))
    );
    assert_eq!((b.multiplier, b.ttl, b.max_hops), (5, 255, 0));
    assert!(!b.passive && b.to_vrrp && b.to_checker && b.source.is_none());
    // IPv6 sessions default to keepalived's hop limit of 64, not RFC 5881's 255.
    assert_eq!(c.bfd.instances[1].ttl, 64);
}

#[test]
fn every_keyword_is_read_in_config_units() {
    let (c, d) = load(
        "bfd_instance b1 {\n neighbour_ip 10.0.0.2\n source_ip 10.0.0.1\n min_rx 3.312\n min_tx 20\n idle_tx 1500.5\n multiplier 3\n passive\n ttl 10\n max_hops 2\n weight -20 reverse\n checker\n}\n",
    );
    assert!(d.items().is_empty(), "{d}");
    let b = &c.bfd.instances[0];
    assert_eq!(b.source, Some("10.0.0.1".parse().unwrap()));
    assert_eq!(
        (b.min_rx, b.min_tx, b.idle_tx),
        (Micros(3_312), Micros(20_000), Micros(1_500_500))
    );
    assert_eq!(
        (b.multiplier, b.ttl, b.max_hops, b.passive),
        (3, 10, 2, true)
    );
    assert!(!b.to_vrrp && b.to_checker);
    let n = &c.bfd.instances[0];
    assert_eq!((n.weight.weight, n.weight.reverse), (-20, true));
    // Reserved to the checker side: the VRRP side cannot track it.
    assert!(c.vrrp.trackers.bfds.is_empty());
}

#[test]
fn bad_values_are_refused_and_defaults_kept() {
    let (c, d) = load(
        "bfd_instance b1 {\n neighbor_ip 10.0.0.2\n min_rx 0\n min_tx 4294968\n idle_tx 999\n multiplier 256\n ttl 0\n max_hops -2\n weight 254\n min_rx 1.0001\n}\n",
    );
    assert_eq!(lines(&d), [3, 4, 5, 6, 7, 8, 9, 10], "{d}");
    assert!(d.has_errors());
    let b = &c.bfd.instances[0];
    assert_eq!(
        (b.min_rx, b.min_tx, b.idle_tx),
        (Micros(10_000), Micros(10_000), Micros(1_000_000))
    );
    assert_eq!((b.multiplier, b.ttl, b.max_hops), (5, 255, 0));
}

#[test]
fn max_hops_minus_one_disables_the_check_and_is_capped_by_ttl() {
    let (c, d) = load("bfd_instance b1 {\n neighbor_ip 10.0.0.2\n max_hops -1\n}\nbfd_instance b2 {\n neighbor_ip 10.0.0.3\n ttl 10\n max_hops 20\n}\n");
    assert_eq!(c.bfd.instances[0].max_hops, 255);
    assert_eq!(c.bfd.instances[1].max_hops, 10);
    assert!(c.bfd.instances.iter().all(|i| i.usable));
    assert_eq!(lines(&d), [9], "{d}");
}

#[test]
fn instances_without_a_usable_neighbor_are_dropped_but_their_names_stay() {
    let (c, d) = load(
        "bfd_instance a {\n min_rx 10\n}\nbfd_instance b {\n neighbor_ip 10.0.0.300\n}\nbfd_instance c {\n neighbor_ip 10.0.0.2\n source_ip fe80::1\n}\nbfd_instance d {\n neighbor_ip 10.0.0.2\n}\nbfd_instance e {\n neighbor_ip 10.0.0.2\n}\nbfd_instance d {\n neighbor_ip 10.0.0.9\n}\n",
    );
    assert_eq!(lines(&d), [3, 5, 10, 16, 17], "{d}");
    let kept: Vec<&str> = c.bfd.sessions().map(|i| i.name.as_str()).collect();
    assert_eq!(kept, ["d"]);
    // keepalived's VRRP side reads only names: a, b, c and e are still trackable.
    assert_eq!(c.vrrp.trackers.bfds.len(), 5);
    assert!(d.items()[3]
        .msg
        .contains("duplicate neighbor address 10.0.0.2"));
}

#[test]
fn a_source_makes_the_same_neighbor_a_different_session() {
    let (c, d) = load("bfd_instance a {\n neighbor_ip 10.0.0.2\n source_ip 10.0.0.1\n}\nbfd_instance b {\n neighbor_ip 10.0.0.2\n source_ip 10.0.1.1\n}\n");
    assert!(d.items().is_empty(), "{d}");
    assert_eq!(c.bfd.sessions().count(), 2);
}

#[test]
fn long_names_are_refused() {
    let name = "b".repeat(NAME_MAX + 1);
    let (c, d) = load(&format!(
        "bfd_instance {name} {{\n neighbor_ip 10.0.0.2\n}}\n"
    ));
    assert_eq!(lines(&d), [1]);
    assert!(c.bfd.instances.is_empty());
}

const VS: &str = "virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 10.0.0.2 80 {\n  BFD_CHECK {\n   name b1\n  }\n  BFD_CHECK {\n   name b1\n  }\n  BFD_CHECK {\n   name b2\n  }\n }\n}\n";

#[test]
fn bfd_check_names_a_checker_side_instance_declared_above() {
    let (c, d) = load(&format!(
        "bfd_instance b1 {{\n neighbor_ip 10.0.0.2\n}}\nbfd_instance b2 {{\n neighbor_ip 10.0.0.3\n vrrp\n}}\n{VS}"
    ));
    // Line 17: b1 twice; line 20: b2 is the VRRP side's only.
    assert_eq!(lines(&d), [17, 20], "{d}");
    assert!(d.items()[0]
        .msg
        .contains("([10.0.0.2]:tcp:80) BFD_CHECK - RS already monitoring b1"));
    assert!(d.items()[1].msg.contains("BFD b2 not configured"));
    let rs = &c.lvs.virtual_servers[0].real_servers[0];
    assert_eq!(rs.checkers.len(), 1);
    assert!(matches!(&rs.checkers[0].kind, CheckerKind::Bfd(b) if b.name == "b1"));
    // Declared below the virtual server: keepalived has not read it yet.
    let (_, d) = load(&format!(
        "{VS}bfd_instance b1 {{\n neighbor_ip 10.0.0.2\n}}\n"
    ));
    assert!(
        d.items().iter().all(|x| x.msg.contains("not configured")),
        "{d}"
    );
}

#[test]
fn track_bfd_takes_the_instance_weight_unless_it_names_one() {
    let (c, d) = load(
        "global_defs {\n dynamic_interfaces\n}\nbfd_instance b1 {\n neighbor_ip 10.0.0.2\n weight -20\n}\nbfd_instance b2 {\n neighbor_ip 10.0.0.3\n}\nvrrp_instance VI_1 {\n interface eth9\n virtual_router_id 1\n track_bfd {\n  b1\n  b2 weight 5\n  b3\n }\n virtual_ipaddress {\n  10.0.0.10\n }\n}\n",
    );
    assert_eq!(lines(&d), [17], "{d}");
    assert!(d.items()[0].msg.contains("(VI_1) track bfd b3 not found"));
    let t = &c.vrrp.instances[0].track.bfds;
    let w: Vec<(&str, i32)> = t
        .iter()
        .map(|r| (r.name.as_str(), r.weight.map_or(0, |w| w.weight)))
        .collect();
    assert_eq!(w, [("b1", -20), ("b2", 5)]);
}

#[test]
fn millis_reads_three_decimals_at_most() {
    assert_eq!(millis("1"), Some(1_000));
    assert_eq!(millis("3.312"), Some(3_312));
    assert_eq!(millis("3.3"), Some(3_300));
    for bad in ["", ".5", "1.0001", "-1", "1e3", "x", "1.-5"] {
        assert_eq!(millis(bad), None, "{bad}");
    }
}
