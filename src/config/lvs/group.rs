//! `virtual_server_group NAME { IP[-LAST] PORT ... fwmark N [inet|inet6] ... }`.

use std::net::IpAddr;

use super::types::Family;
use crate::config::checker::values::int_in;
use crate::config::diag::{Diagnostics, Loc};
use crate::config::tree::Node;

/// One address range of a group: `first` up to the address whose last octet (IPv4) or last
/// 16-bit group (IPv6) is `last`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VsgRange {
    loc: Loc,
    pub(crate) first: IpAddr,
    pub(crate) last: u16,
    pub(crate) port: u16,
}

impl VsgRange {
    /// The range's last address: `first` with its last byte (IPv4) or group (IPv6) replaced.
    pub(crate) fn last_addr(&self) -> IpAddr {
        match self.first {
            IpAddr::V4(a) => {
                let mut o = a.octets();
                o[3] = u8::try_from(self.last).unwrap_or(o[3]);
                IpAddr::from(o)
            }
            IpAddr::V6(a) => {
                let mut g = a.segments();
                g[7] = self.last;
                IpAddr::from(g)
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VsgFwmark {
    loc: Loc,
    pub(crate) mark: u32,
    pub(crate) family: Option<Family>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VirtualServerGroup {
    loc: Loc,
    pub(crate) name: String,
    pub(crate) ranges: Vec<VsgRange>,
    pub(crate) fwmarks: Vec<VsgFwmark>,
}

impl VirtualServerGroup {
    pub(crate) fn has_family(&self, f: Family) -> bool {
        self.ranges.iter().any(|r| Family::of(&r.first) == f)
    }
}

/// `None` when the group is unusable and dropped (reported).
pub(crate) fn parse(n: &Node, d: &mut Diagnostics) -> Option<VirtualServerGroup> {
    let name = n.require_arg(0, "a group name", d)?.to_string();
    let mut g = VirtualServerGroup {
        loc: n.loc,
        name,
        ..VirtualServerGroup::default()
    };
    for c in n.children() {
        if c.keyword() == "fwmark" {
            let Some(mark) = int_in(c, 0, 0, i64::from(u32::MAX), d) else {
                continue;
            };
            let family = match c.arg(1) {
                None => None,
                Some("inet") => Some(Family::Inet),
                Some("inet6") => Some(Family::Inet6),
                Some(f) => {
                    d.warn(
                        c.loc,
                        format_args!("unknown address family {f} for fwmark - ignoring"),
                    );
                    continue;
                }
            };
            g.fwmarks.push(VsgFwmark {
                loc: c.loc,
                mark: mark as u32,
                family,
            });
        } else if let Some(r) = parse_range(c, d) {
            g.ranges.push(r);
        }
    }
    if g.ranges.is_empty() && g.fwmarks.is_empty() {
        d.error(
            n.end_loc(),
            format_args!("virtual_server_group {} has no entries - ignoring", g.name),
        );
        return None;
    }
    let unfamilied = g.fwmarks.iter().any(|f| f.family.is_none());
    if unfamilied && g.has_family(Family::Inet) && g.has_family(Family::Inet6) {
        d.error(
            n.end_loc(),
            format_args!(
                "virtual_server_group {} has IPv4, IPv6 and a fwmark without family - ignoring",
                g.name
            ),
        );
        return None;
    }
    Some(g)
}

fn parse_range(c: &Node, d: &mut Diagnostics) -> Option<VsgRange> {
    let w = c.keyword();
    let (addr, last) = match w.rsplit_once('-') {
        Some((a, l)) => (a, Some(l)),
        None => (w, None),
    };
    let Ok(first) = addr.parse::<IpAddr>() else {
        d.error(
            c.loc,
            format_args!("virtual_server_group entry '{w}' is not an address"),
        );
        return None;
    };
    let low = match first {
        IpAddr::V4(a) => u16::from(a.octets()[3]),
        IpAddr::V6(a) => a.segments()[7],
    };
    let last = match (last, first) {
        (None, _) => low,
        (Some(l), IpAddr::V4(_)) => match l.parse::<u8>() {
            Ok(v) => u16::from(v),
            Err(_) => return bad_range(c, w, d),
        },
        (Some(l), IpAddr::V6(_)) => match u16::from_str_radix(l, 16) {
            Ok(v) => v,
            Err(_) => return bad_range(c, w, d),
        },
    };
    if last < low {
        return bad_range(c, w, d);
    }
    let port = match c.words.get(1) {
        None => 0,
        Some(p) => match p.parse::<u16>() {
            Ok(p) => p,
            Err(_) => {
                d.error(
                    c.loc,
                    format_args!("virtual_server_group entry '{w}': bad port '{p}'"),
                );
                return None;
            }
        },
    };
    Some(VsgRange {
        loc: c.loc,
        first,
        last,
        port,
    })
}

fn bad_range(c: &Node, w: &str, d: &mut Diagnostics) -> Option<VsgRange> {
    d.error(
        c.loc,
        format_args!("virtual_server_group range '{w}' is invalid"),
    );
    None
}
