//! `ip addr` / `ip route` / `ip rule` syntax as keepalived reads it in virtual_ipaddress,
//! virtual_routes, virtual_rules and the static_* blocks. PLACEHOLDER.

use std::net::IpAddr;

use super::diag::{Diagnostics, Loc};
use super::tree::Node;

/// One address line: `ADDR[/LEN] [brd X] [dev IF] [scope S] [label L] ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpAddress {
    pub loc: Loc,
    pub addr: IpAddr,
    pub prefix_len: u8,
    pub dev: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub loc: Loc,
}

#[derive(Clone, Debug, Default)]
pub struct StaticNet {
    pub addresses: Vec<IpAddress>,
    pub routes: Vec<Route>,
    pub rules: Vec<Rule>,
}

impl StaticNet {
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.routes.is_empty() && self.rules.is_empty()
    }
}

/// One line of an address block (`n.words` is the whole line).
pub fn parse_address(n: &Node, d: &mut Diagnostics) -> Option<IpAddress> {
    let (addr, len) = super::value::prefix_word(n, 0, d)?;
    Some(IpAddress {
        loc: n.loc,
        addr,
        prefix_len: len.unwrap_or(if addr.is_ipv4() { 32 } else { 128 }),
        dev: None,
    })
}

pub fn parse_route(n: &Node, _d: &mut Diagnostics) -> Option<Route> {
    Some(Route { loc: n.loc })
}

pub fn parse_rule(n: &Node, _d: &mut Diagnostics) -> Option<Rule> {
    Some(Rule { loc: n.loc })
}
