//! `ip addr` / `ip route` / `ip rule` syntax as keepalived reads it in virtual_ipaddress,
//! virtual_ipaddress_excluded, virtual_routes, virtual_rules and the static_* blocks.
//!
//! Each line is read word by word the way keepalived 2.2.7 does: a problem that makes the
//! line unusable is an error and the line is dropped; a problem keepalived shrugs off (an
//! ignored option, a deprecated spelling, a missing rule preference) is a warning.

mod address;
mod nexthop;
mod route;
mod rule;
pub(crate) mod tables;

use std::net::IpAddr;

use super::diag::{Diagnostics, Loc};
use super::tree::Node;

#[cfg(test)]
pub(crate) use address::AddrFlags;
pub(crate) use address::{parse_address_in, IpAddress};
pub(crate) use route::{parse_route_in, Route, RouteDest};
pub(crate) use rule::{parse_rule_in, Rule};

pub(crate) use crate::net::rtnl::spec::Family;

/// What the surrounding config says about how to read a line.
#[derive(Clone, Debug, Default)]
pub(crate) struct NetCtx {
    /// global `dynamic_interfaces`: a missing interface is created later, not an error.
    pub(crate) dynamic_interfaces: bool,
    /// The line is in a static_* block: `track_group` is allowed and addresses without
    /// `dev` go on `default_interface`.
    pub(crate) static_block: bool,
    /// global `default_interface` (keepalived's default is eth0).
    pub(crate) default_interface: Option<String>,
    /// Names of the track_group blocks defined so far; `None`: don't check.
    pub(crate) track_groups: Option<Vec<String>>,
    /// How to tell whether an interface exists (None: ask the kernel); tests supply a fixed set.
    pub(crate) lookup: Option<fn(&str) -> bool>,
    /// Names that count as existing though gone now (a reload: the daemon has seen them).
    pub(crate) seen: Vec<String>,
}

impl NetCtx {
    /// keepalived looks interfaces up while it reads the line, unless they may appear later.
    fn interface_ok(&self, name: &str) -> bool {
        super::value::valid_ifname(name) && (self.dynamic_interfaces || self.exists(name))
    }

    fn exists(&self, name: &str) -> bool {
        self.seen.iter().any(|s| s == name)
            || self
                .lookup
                .map_or_else(|| interface_exists(name), |f| f(name))
    }
}

/// Whether the kernel knows an interface by this name now.
fn interface_exists(name: &str) -> bool {
    crate::net::iface::exists(name)
}

#[derive(Clone, Debug, Default)]
pub(crate) struct StaticNet {
    pub(crate) addresses: Vec<IpAddress>,
    pub(crate) routes: Vec<Route>,
    pub(crate) rules: Vec<Rule>,
}

impl StaticNet {
    pub(crate) fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.routes.is_empty() && self.rules.is_empty()
    }
}

/// Reads every line of a static_ipaddress / static_routes / static_rules block into `net`.
pub(crate) fn parse_static_block(n: &Node, ctx: &NetCtx, net: &mut StaticNet, d: &mut Diagnostics) {
    for c in n.children() {
        match n.keyword() {
            "static_ipaddress" => net.addresses.extend(parse_address_in(c, ctx, d)),
            "static_routes" => net.routes.extend(parse_route_in(c, ctx, d)),
            _ => net.rules.extend(parse_rule_in(c, ctx, d)),
        }
    }
}

/// keepalived's address word: the family comes from whether it has a ':'; a bad prefix
/// length is a warning and the full length is used; a bad address drops the line.
fn addr_word(
    s: &str,
    allow_len: bool,
    loc: Loc,
    d: &mut Diagnostics,
) -> Result<(IpAddr, u8, bool), String> {
    let fam = if s.contains(':') {
        Family::V6
    } else {
        Family::V4
    };
    let max = fam.max_prefix();
    let (a, len) = match s.split_once('/').filter(|_| allow_len) {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr: IpAddr = match fam {
        Family::V4 => a.parse::<std::net::Ipv4Addr>().map(IpAddr::V4),
        Family::V6 => a.parse::<std::net::Ipv6Addr>().map(IpAddr::V6),
    }
    .map_err(|_| format!("invalid IP address '{s}'"))?;
    let mut plen = max;
    if let Some(l) = len {
        match tables::parse_decimal(l, u64::from(max)) {
            Some(v) => plen = v as u8,
            None => d.warn(
                loc,
                format!("invalid prefix length '{l}' for address {s} - using {max}"),
            ),
        }
    }
    Ok((addr, plen, len.is_some()))
}

/// Walks the words of a line.
struct Words<'a> {
    w: &'a [String],
    i: usize,
}

impl<'a> Words<'a> {
    fn new(n: &'a Node) -> Self {
        Words { w: &n.words, i: 0 }
    }

    fn next(&mut self) -> Option<&'a str> {
        let s = self.w.get(self.i).map(String::as_str);
        if s.is_some() {
            self.i += 1;
        }
        s
    }

    fn peek(&self) -> Option<&'a str> {
        self.w.get(self.i).map(String::as_str)
    }

    /// The value after option `opt`, or the error keepalived gives for a missing one.
    fn value(&mut self, opt: &str) -> Result<&'a str, String> {
        self.next()
            .ok_or_else(|| format!("no value given for '{opt}'"))
    }
}

/// `inet` / `inet6` at option position. keepalived 2.2.7 steps over the word after
/// it as well (so `inet6 default ...` loses its destination); its verdicts follow from
/// that, so the same is done here, with a warning naming the word.
fn family_word(
    w: &mut Words,
    opt: &str,
    fam: &mut Option<Family>,
    what: &str,
    loc: Loc,
    d: &mut Diagnostics,
) -> Result<(), String> {
    let f = if opt == "inet" {
        Family::V4
    } else {
        Family::V6
    };
    if fam.is_some_and(|cur| cur != f) {
        let other = if f == Family::V4 { "IPv6" } else { "IPv4" };
        return Err(format!("{opt} given for an {other} {what}"));
    }
    *fam = Some(f);
    if let Some(skipped) = w.next() {
        d.warn(
            loc,
            format_args!(
                "the word after '{opt}' ('{skipped}') is ignored, as keepalived 2.2.7 does"
            ),
        );
    }
    Ok(())
}

/// `track_group NAME` in a static block. keepalived looks the group up among the blocks
/// read so far, and stops reading the line at a second `track_group`; false then.
fn track_group(
    w: &mut Words,
    slot: &mut Option<String>,
    ctx: &NetCtx,
    loc: Loc,
    d: &mut Diagnostics,
) -> Result<bool, String> {
    let v = w.value("track_group")?;
    if slot.is_some() {
        d.warn(loc, format_args!("track_group {v} is a duplicate"));
        return Ok(false);
    }
    match &ctx.track_groups {
        Some(known) if !known.iter().any(|k| k == v) => {
            d.warn(loc, format_args!("track_group {v} not found"))
        }
        _ => *slot = Some(v.to_string()),
    }
    Ok(true)
}

/// Records the family a word implies; a second, different family is an error.
fn set_family(fam: &mut Option<Family>, f: Family, what: &str) -> Result<(), String> {
    match *fam {
        None => {
            *fam = Some(f);
            Ok(())
        }
        Some(cur) if cur == f => Ok(()),
        Some(_) => Err(format!("cannot mix IPv4 and IPv6 in {what}")),
    }
}

fn check_dev(ctx: &NetCtx, name: &str, what: &str) -> Result<String, String> {
    if ctx.interface_ok(name) {
        Ok(name.to_string())
    } else {
        Err(format!("interface {name} for {what} doesn't exist"))
    }
}

#[cfg(test)]
mod testutil {
    use super::super::diag::Diagnostics;
    use super::super::reader::tree_from_str;
    use super::super::tree::Node;

    /// The node of a one-line block body.
    pub(crate) fn line(text: &str) -> (Node, Diagnostics) {
        let mut d = Diagnostics::new();
        let mut nodes = tree_from_str(text, 0, &mut d);
        let n = nodes.pop().unwrap_or_default();
        (n, d)
    }

    pub(crate) fn msgs(d: &Diagnostics) -> Vec<String> {
        d.items().iter().map(|i| i.msg.clone()).collect()
    }
}
