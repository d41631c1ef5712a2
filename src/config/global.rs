//! global_defs. PLACEHOLDER: to be filled with every keyword of keepalived.conf(5).

use super::diag::Diagnostics;
use super::tree::Node;
use super::Config;

#[derive(Clone, Debug, Default)]
pub struct GlobalDefs {
    pub router_id: Option<String>,
}

/// Handles the top-level keywords this module owns (global_defs, static_*); false for others.
pub fn parse_top(n: &Node, cfg: &mut Config, d: &mut Diagnostics) -> bool {
    match n.keyword() {
        "global_defs" => {
            for c in n.children() {
                match c.keyword() {
                    "router_id" => cfg.global.router_id = c.arg(0).map(str::to_string),
                    k => d.unknown_keyword(c.loc, k),
                }
            }
            true
        }
        "static_ipaddress" | "static_routes" | "static_rules" => true,
        _ => false,
    }
}
