//! virtual_server_group, virtual_server, real_server. PLACEHOLDER.

use super::diag::{Diagnostics, Loc};
use super::tree::Node;
use super::Config;

#[derive(Clone, Debug, Default)]
pub struct VirtualServer {
    pub loc: Loc,
}

#[derive(Clone, Debug, Default)]
pub struct LvsConfig {
    pub virtual_servers: Vec<VirtualServer>,
}

pub fn parse_top(n: &Node, cfg: &mut Config, _d: &mut Diagnostics) -> bool {
    match n.keyword() {
        "virtual_server" => {
            cfg.lvs.virtual_servers.push(VirtualServer { loc: n.loc });
            true
        }
        "virtual_server_group" => true,
        _ => false,
    }
}

pub fn check(_cfg: &mut Config, _d: &mut Diagnostics) {}
