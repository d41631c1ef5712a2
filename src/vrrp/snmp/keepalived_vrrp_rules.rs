//! vrrpRuleTable (keepalived.vrrp.8): each instance's virtual rules, under (instance, rule)
//! as keepalived 2.2.7 serves them. Odd ones: the obsolete direction/address columns (2-5)
//! are still served, from the `to` address else the `from` one; TOS shows even when not
//! given; a rule without a preference shows the one keepalived gave it (16384 counting down
//! per family); the protocol, IP protocol and port columns (33-38) are in the MIB but never
//! registered, so never served. Static rules are instance 0, always set. The suppressor
//! group's name (27) is not served.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::keepalived_vrrp_values::{gauge32 as gauge, inet, inet_type, truth};
use crate::config::iproute::{RouteDest, Rule};
use crate::net::rtnl::spec::RuleAction;
use crate::snmp::mib::Value;
use crate::vrrp::dump::View;

/// A given prefix; `all` is the family's zero address, length 0, as keepalived keeps it.
fn given(d: &Option<RouteDest>, v6: bool) -> Option<(IpAddr, u8)> {
    match d.as_ref()? {
        RouteDest::Prefix(a, n) => Some((*a, *n)),
        RouteDest::Default if v6 => Some((Ipv6Addr::UNSPECIFIED.into(), 0)),
        RouteDest::Default => Some((Ipv4Addr::UNSPECIFIED.into(), 0)),
    }
}

/// The preference keepalived gives a rule written without one: 16384, then one less for each
/// earlier such rule of the same family (static rules first, then each instance's).
fn assigned_priority(v: &View<'_>, r: &Rule) -> u32 {
    let statics = v.cfg.net.rules.iter();
    let earlier = (statics.chain(v.iter().flat_map(|i| i.conf.rules.iter())))
        .take_while(|x| !std::ptr::eq(*x, r))
        .filter(|x| x.priority.is_none() && x.family == r.family)
        .count();
    16384u32.saturating_sub(u32::try_from(earlier).unwrap_or(u32::MAX))
}

/// Column `col` of rule `r`, which is `set` or not.
pub(super) fn cell<'a>(
    v: &'a View<'_>,
    r: &'a Rule,
    set: bool,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let v6 = r.family == crate::config::iproute::Family::V6;
    let (from, to) = (given(&r.from, v6), given(&r.to, v6));
    let table = match r.action {
        RuleAction::Table(t) => Some(t),
        RuleAction::L3mdev => Some(0),
        _ => None,
    };
    Some(match col {
        2 => Value::OctetString(match (to.is_some(), from.is_some()) {
            (true, true) => b"both",
            (true, false) => b"to",
            (false, true) => b"from",
            (false, false) => b"",
        }),
        3 => inet_type(&to.or(from)?.0),
        4 => inet(&to.or(from)?.0, scratch),
        5 => gauge(to.or(from)?.1.into()),
        6 | 24 => gauge(table?),
        7 => truth(set),
        8 => truth(r.invert),
        9 => inet_type(&to?.0),
        10 => inet(&to?.0, scratch),
        11 => gauge(to?.1.into()),
        12 => inet_type(&from?.0),
        13 => inet(&from?.0, scratch),
        14 => gauge(from?.1.into()),
        15 => gauge(r.tos.unwrap_or(0).into()),
        16 => gauge(r.fwmark?.0),
        17 => gauge(r.fwmark?.1?),
        18 => gauge(r.realms.filter(|&x| x != 0)? & 0xffff),
        19 => gauge(r.realms.filter(|&x| x & 0xffff_0000 != 0)? >> 16),
        20 => Value::OctetString(r.iif.as_deref()?.as_bytes()),
        21 => Value::OctetString(r.oif.as_deref()?.as_bytes()),
        22 => match r.action {
            RuleAction::Goto(t) => gauge(t),
            _ => return None,
        },
        // The kernel's FR_ACT_* numbers.
        23 => Value::Integer(match r.action {
            RuleAction::Table(_) | RuleAction::L3mdev => 1,
            RuleAction::Goto(_) => 2,
            RuleAction::Nop => 3,
            RuleAction::Blackhole => 6,
            RuleAction::Unreachable => 7,
            RuleAction::Prohibit => 8,
        }),
        25 => gauge(r.priority.unwrap_or_else(|| assigned_priority(v, r))),
        26 => gauge(r.suppress_prefixlen?),
        28 => gauge(u32::try_from(r.tunnel_id.filter(|&t| t != 0)? >> 32).unwrap_or(0)),
        29 => gauge((r.tunnel_id.filter(|&t| t != 0)? & 0xffff_ffff) as u32),
        30 => gauge(r.uidrange?.0),
        31 => gauge(r.uidrange?.1),
        32 if r.action == RuleAction::L3mdev => Value::Integer(1),
        _ => return None,
    })
}
