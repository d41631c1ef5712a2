//! global_defs. PLACEHOLDER: to be filled with every keyword of keepalived.conf(5).

use super::diag::Diagnostics;
use super::tree::Node;
use super::Config;

#[derive(Clone, Debug, Default)]
pub struct GlobalDefs {
    pub router_id: Option<String>,
    /// `vrrp_version` (2 or 3; None = keepalived's default 2).
    pub vrrp_version: Option<u8>,
    /// `enable_script_security`: refuse scripts writable by non-root users.
    pub enable_script_security: bool,
    /// `script_user USER [GROUP]`: who scripts run as by default.
    pub script_user: Option<(String, Option<String>)>,
    /// `vrrp_strict`
    pub vrrp_strict: bool,
    /// `dynamic_interfaces`: interfaces may be missing at start.
    pub dynamic_interfaces: bool,
    /// `notify_fifo` / `vrrp_notify_fifo` / `lvs_notify_fifo` and their `*_script`.
    pub notify_fifo: Option<String>,
    pub vrrp_notify_fifo: Option<String>,
    pub lvs_notify_fifo: Option<String>,
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
