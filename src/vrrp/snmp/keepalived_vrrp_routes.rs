//! vrrpRouteTable (keepalived.vrrp.7): each instance's virtual routes, under (instance, route)
//! as keepalived 2.2.7 serves them. Odd ones: the protocol is the kernel's number plus one
//! (keepalived's own, 18, shows 19); quickack says whether it was given, not its value;
//! advmss shows only when hoplimit is given too; rtt is in ms (the kernel's 1/8 ms over 8)
//! and rttvar in 1/4 ms over 4; "secondary gateway" is the via of a route with exactly one
//! nexthop. Static routes are instance 0, always set. The encapsulation columns (46-54) are
//! not served.
//! vrrpRouteNextHopTable (keepalived.vrrp.11) is here too, under (instance, route, hop).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::keepalived_vrrp_values::{gauge32 as gauge, inet, truth};
use crate::config::iproute::tables::RouteType;
use crate::config::iproute::{Route, RouteDest};
use crate::net::rtnl::spec::Nexthop;
use crate::snmp::mib::Value;
use crate::vrrp::dump::View;

// The kernel's RTAX_* numbers, for the lock bits.
const RTAX_MTU: u32 = 2;
const RTAX_RTT: u32 = 4;
const RTAX_RTTVAR: u32 = 5;
const RTAX_SSTHRESH: u32 = 6;
const RTAX_CWND: u32 = 7;
const RTAX_ADVMSS: u32 = 8;
const RTAX_REORDERING: u32 = 9;
const RTAX_RTO_MIN: u32 = 13;

/// A prefix's address and length; `default` is the family's zero address, length 0.
fn prefix(d: &RouteDest, v6: bool) -> (IpAddr, u8) {
    match d {
        RouteDest::Prefix(a, n) => (*a, *n),
        RouteDest::Default if v6 => (Ipv6Addr::UNSPECIFIED.into(), 0),
        RouteDest::Default => (Ipv4Addr::UNSPECIFIED.into(), 0),
    }
}

/// keepalived's route type numbers: a multipath route is 2 whatever its type.
fn route_type(r: &Route) -> i32 {
    if !r.nexthops.is_empty() {
        return 2;
    }
    match r.rtype {
        Some(RouteType::Blackhole) => 3,
        Some(RouteType::Anycast) => 4,
        Some(RouteType::Multicast) => 5,
        Some(RouteType::Broadcast) => 6,
        Some(RouteType::Unreachable) => 7,
        Some(RouteType::Prohibit) => 8,
        Some(RouteType::Throw) => 9,
        Some(RouteType::Nat) => 10,
        Some(RouteType::Xresolve) => 11,
        _ => 1,
    }
}

/// A metric and its lock, each served only when the metric is given.
fn metric(x: Option<u32>, lock: bool, lock_bit: u32, r: &Route) -> Option<Value<'static>> {
    let x = x?;
    Some(if lock {
        truth(r.metrics.lock & (1 << lock_bit) != 0)
    } else {
        gauge(x)
    })
}

/// Column `col` of route `r`, which is `set` or not.
pub(super) fn cell<'a>(
    v: &'a View<'_>,
    r: &'a Route,
    set: bool,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let v6 = r.family == crate::config::iproute::Family::V6;
    let m = &r.metrics;
    let (dst, dst_len) = prefix(&r.dst, v6);
    let dev = r.dev.as_deref();
    Some(match col {
        2 => Value::Integer(if v6 { 2 } else { 1 }),
        3 => inet(&dst, scratch),
        4 => gauge(dst_len.into()),
        5 => inet(r.via.as_ref()?, scratch),
        6 => match r.nexthops.as_slice() {
            [nh] if nh.encap.is_none() => inet(nh.via.as_ref()?, scratch),
            _ => return None,
        },
        7 => inet(r.pref_src.as_ref()?, scratch),
        8 => gauge(r.metric.unwrap_or(0)),
        9 => Value::Integer(match r.scope.unwrap_or(0) {
            0 => 14,
            254 => 1,
            253 => 2,
            200 => 5,
            _ => 0,
        }),
        10 => Value::Integer(route_type(r)),
        11 => Value::Integer(
            v.ifaces
                .by_name(dev?)?
                .ifindex
                .try_into()
                .unwrap_or(i32::MAX),
        ),
        12 => Value::OctetString(dev?.as_bytes()),
        13 => gauge(r.table),
        14 => truth(set),
        15 => inet(&prefix(r.from.as_ref()?, v6).0, scratch),
        16 => gauge(prefix(r.from.as_ref()?, v6).1.into()),
        17 => gauge(r.tos?.into()),
        18 => Value::Integer(i32::from(r.protocol?) + 1),
        19 => truth(m.features_ecn),
        20 => truth(m.quickack.is_some()),
        21 => Value::Integer(r.expires?.try_into().unwrap_or(i32::MAX)),
        22 => metric(m.mtu, false, RTAX_MTU, r)?,
        23 => metric(m.mtu, true, RTAX_MTU, r)?,
        24 => gauge(m.hoplimit?.into()),
        25 => {
            m.hoplimit?;
            gauge(m.advmss.unwrap_or(0))
        }
        26 => metric(m.advmss, true, RTAX_ADVMSS, r)?,
        27 => metric(m.rtt.map(|x| x / 8), false, RTAX_RTT, r)?,
        28 => metric(m.rtt, true, RTAX_RTT, r)?,
        29 => metric(m.rttvar.map(|x| x / 4), false, RTAX_RTTVAR, r)?,
        30 => metric(m.rttvar, true, RTAX_RTTVAR, r)?,
        31 => metric(m.reordering, false, RTAX_REORDERING, r)?,
        32 => metric(m.reordering, true, RTAX_REORDERING, r)?,
        33 => gauge(m.window?),
        34 => metric(m.cwnd, false, RTAX_CWND, r)?,
        35 => metric(m.cwnd, true, RTAX_CWND, r)?,
        36 => metric(m.ssthresh, false, RTAX_SSTHRESH, r)?,
        37 => metric(m.ssthresh, true, RTAX_SSTHRESH, r)?,
        38 => metric(m.rto_min, false, RTAX_RTO_MIN, r)?,
        39 => metric(m.rto_min, true, RTAX_RTO_MIN, r)?,
        40 => gauge(m.initcwnd?),
        41 => gauge(m.initrwnd?),
        42 => Value::OctetString(m.congctl.as_deref()?.as_bytes()),
        // The kernel's ICMPV6_ROUTER_PREF_*: low 3, medium 0, high 1.
        43 => Value::Integer(match r.pref? {
            3 => 1,
            0 => 2,
            1 => 3,
            _ => 0,
        }),
        44 => gauge(r.realms.filter(|&x| x != 0)? & 0xffff),
        45 => gauge(r.realms.filter(|&x| x & 0xffff_0000 != 0)? >> 16),
        55 => truth(m.fastopen_no_cookie?),
        _ => return None,
    })
}

/// Column `col` of next hop `nh` (its encapsulation, 10-18, is not served).
pub(super) fn next_hop<'a>(
    v: &'a View<'_>,
    nh: &'a Nexthop,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let dev = nh.dev.as_deref();
    Some(match col {
        2 => Value::Integer(if nh.via?.is_ipv4() { 1 } else { 2 }),
        3 => inet(nh.via.as_ref()?, scratch),
        4 => Value::Integer(
            v.ifaces
                .by_name(dev?)?
                .ifindex
                .try_into()
                .unwrap_or(i32::MAX),
        ),
        5 => Value::OctetString(dev?.as_bytes()),
        6 => gauge(nh.weight?.into()),
        7 => truth(nh.onlink),
        8 => gauge(nh.realms.filter(|&x| x != 0)? & 0xffff),
        9 => gauge(nh.realms.filter(|&x| x & 0xffff_0000 != 0)? >> 16),
        _ => return None,
    })
}
