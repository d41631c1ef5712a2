//! vrrp_instance, vrrp_sync_group and the other VRRP-side top-level blocks. PLACEHOLDER.

use super::diag::{Diagnostics, Loc};
use super::tree::Node;
use super::Config;

#[derive(Clone, Debug, Default)]
pub struct VrrpInstance {
    pub loc: Loc,
    pub name: String,
}

#[derive(Clone, Debug, Default)]
pub struct VrrpConfig {
    pub instances: Vec<VrrpInstance>,
}

pub fn parse_top(n: &Node, cfg: &mut Config, _d: &mut Diagnostics) -> bool {
    match n.keyword() {
        "vrrp_instance" => {
            cfg.vrrp.instances.push(VrrpInstance {
                loc: n.loc,
                name: n.arg(0).unwrap_or_default().to_string(),
            });
            true
        }
        "vrrp_sync_group" | "vrrp_script" | "vrrp_track_file" | "track_file"
        | "vrrp_track_process" => true,
        _ => false,
    }
}

/// Cross-references and environment checks once everything is read.
pub fn check(_cfg: &mut Config, _d: &mut Diagnostics) {}
