//! VRID conflicts judged on the wire the instances share: macvlans of one parent, with and
//! without `dynamic_interfaces allow_if_changes` (keepalived 2.2.7 vrrp.c check_vrid_conflicts).

use super::super::super::diag::{Diagnostics, Severity};
use super::super::super::reader::tree_from_str;
use super::super::super::Config;
use super::super::check::check_links;
use super::super::vrid::IfLink;
use super::super::*;

fn exists(n: &str) -> bool {
    matches!(n, "eth0" | "eth1" | "mv1" | "mv2" | "mv3")
}

/// mv1 and mv2 are macvlans of eth0, mv3 one of eth1.
fn link(n: &str) -> Option<IfLink> {
    let (base, changeable) = match n {
        "eth0" | "eth1" => (n, false),
        "mv1" | "mv2" => ("eth0", true),
        "mv3" => ("eth1", true),
        _ => return None,
    };
    Some(IfLink {
        base: base.to_string(),
        changeable,
    })
}

fn load(if1: &str, if2: &str, allow: bool) -> (Config, Diagnostics) {
    let text = format!(
        "vrrp_instance VI_1 {{
    interface {if1}
    virtual_router_id 51
    priority 100
    virtual_ipaddress {{
        10.0.0.1
    }}
}}
vrrp_instance VI_2 {{
    interface {if2}
    virtual_router_id 51
    priority 100
    virtual_ipaddress {{
        10.0.0.2
    }}
}}
"
    );
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(&text, 0, &mut d);
    let mut cfg = Config::default();
    cfg.global.vrrp.allow_if_changes = allow;
    for n in &nodes {
        parse_top_with(n, &mut cfg, exists, &mut d);
    }
    check_links(&mut cfg, &link, &mut d);
    (cfg, d)
}

fn faults(cfg: &Config) -> Vec<bool> {
    let v = &cfg.vrrp.instances;
    v.iter().map(|i| i.resolved.dup_vrid_fault).collect()
}

fn has(d: &Diagnostics, line: u32, sev: Severity, text: &str) -> bool {
    d.items()
        .iter()
        .any(|x| x.loc.line == line && x.severity == sev && x.msg == text)
}

#[test]
fn two_macvlans_of_one_parent_conflict_on_the_parent() {
    let (cfg, d) = load("mv1", "mv2", false);
    let want = "VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0";
    assert!(has(&d, 9, Severity::Error, want), "{d}");
    assert_eq!(d.items().len(), 1, "{d}");
    assert_eq!(faults(&cfg), [false, false]);
}

#[test]
fn a_macvlan_conflicts_with_its_parent() {
    let (_, d) = load("eth0", "mv1", false);
    let want = "VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0";
    assert!(has(&d, 9, Severity::Error, want), "{d}");
}

#[test]
fn macvlans_of_different_parents_do_not_conflict() {
    let (cfg, d) = load("mv1", "mv3", false);
    assert!(d.items().is_empty(), "{d}");
    let (_, d) = load("eth0", "mv3", true);
    assert!(d.items().is_empty(), "{d}");
    assert_eq!(faults(&cfg), [false, false]);
}

#[test]
fn with_allow_if_changes_the_earlier_changeable_one_faults() {
    let (cfg, d) = load("mv1", "mv2", true);
    assert!(!d.has_errors(), "{d}");
    let want = "(VI_1) - warning, VRID 51 for IPv4 is currently duplicated on VI_2";
    assert!(has(&d, 1, Severity::Warning, want), "{d}");
    assert_eq!(faults(&cfg), [true, false]);
}

#[test]
fn with_allow_if_changes_a_plain_parent_keeps_running() {
    let (cfg, d) = load("eth0", "mv2", true);
    assert!(!d.has_errors(), "{d}");
    let want = "(VI_1) - warning, VRID 51 for IPv4 is currently duplicated on VI_2";
    assert!(has(&d, 1, Severity::Warning, want), "{d}");
    assert_eq!(faults(&cfg), [false, true]);
}

#[test]
fn plain_interfaces_conflict_even_with_allow_if_changes() {
    let (cfg, d) = load("eth1", "eth1", true);
    let want = "VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth1";
    assert!(has(&d, 9, Severity::Error, want), "{d}");
    assert_eq!(faults(&cfg), [false, false]);
}

#[test]
fn a_missing_interface_is_no_conflict_yet() {
    let (_, d) = load("gone", "gone", false);
    assert!(!d.items().iter().any(|x| x.msg.contains("VRID")), "{d}");
}
