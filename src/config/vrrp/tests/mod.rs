use super::super::diag::{Diagnostics, Severity};
use super::super::reader::tree_from_str;
use super::super::track::{split_cmd, ParamMatch, Weight};
use super::super::Config;
use super::check::check_with;
use super::*;

/// The interfaces of the namespace the samples were measured in.
pub(super) fn ifaces(n: &str) -> bool {
    matches!(n, "eth0" | "eth1" | "eth2" | "eth3" | "eth0.1")
}

pub(super) fn load_with(text: &str, setup: impl FnOnce(&mut Config)) -> (Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let mut cfg = Config::default();
    setup(&mut cfg);
    for n in &nodes {
        // Other sections belong to other modules; only the VRRP side is under test.
        parse_top_with(n, &mut cfg, ifaces, &mut d);
    }
    check_with(&mut cfg, &ifaces, &mut d);
    (cfg, d)
}

pub(super) fn load(text: &str) -> (Config, Diagnostics) {
    load_with(text, |_| {})
}

pub(super) fn lines(d: &Diagnostics) -> Vec<u32> {
    let mut l: Vec<u32> = d.items().iter().map(|x| x.loc.line).collect();
    l.sort_unstable();
    l.dedup();
    l
}

pub(super) fn has(d: &Diagnostics, line: u32, sev: Severity, text: &str) -> bool {
    d.items()
        .iter()
        .any(|x| x.loc.line == line && x.severity == sev && x.msg.contains(text))
}

pub(super) const MIN: &str = "vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        10.0.0.1/24
    }
}
";

mod groups;
mod instance;
mod tracking;
mod vrid;
