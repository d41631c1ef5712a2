//! Virtual routes and rules as keepalived 2.2.7 prints them in its JSON status
//! (format_iproute, format_iprule): `ip route`/`ip rule` words with numbers where `ip` would
//! print names. Not shown: lightweight tunnel encapsulation, and the `[dev X]` keepalived adds
//! for a route the kernel put on another interface than configured.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::cfmt;
use crate::config::iproute::tables::RouteType;
use crate::config::iproute::{Route, RouteDest, Rule};
use crate::net::rtnl::spec::{Family, Nexthop, RouteMode, RuleAction};

/// keepalived's ipaddresstos: the address, with `/LEN` unless a host prefix.
fn prefix(a: IpAddr, len: u8, s: &mut String) {
    let _ = write!(s, "{a}");
    if len != if a.is_ipv4() { 32 } else { 128 } {
        let _ = write!(s, "/{len}");
    }
}

fn dest(d: &RouteDest, s: &mut String) -> bool {
    match *d {
        RouteDest::Prefix(a, l) => {
            prefix(a, l, s);
            true
        }
        RouteDest::Default => false,
    }
}

fn rtn_name(t: RouteType) -> &'static str {
    match t {
        RouteType::Unicast => "unicast",
        RouteType::Local => "local",
        RouteType::Broadcast => "broadcast",
        RouteType::Anycast => "anycast",
        RouteType::Multicast => "multicast",
        RouteType::Blackhole => "blackhole",
        RouteType::Unreachable => "unreachable",
        RouteType::Prohibit => "prohibit",
        RouteType::Throw => "throw",
        RouteType::Nat => "nat",
        RouteType::Xresolve => "xresolve",
        RouteType::Other(_) => "",
    }
}

fn realms(r: u32, s: &mut String) {
    if r & 0xFFFF_0000 != 0 {
        let _ = write!(s, " realms {}/", r >> 16);
    } else {
        s.push_str(" realm ");
    }
    let _ = write!(s, "{}", r & 0xFFFF);
}

/// A time metric in kernel units, `per_ms` of them a millisecond: seconds from one second.
fn time_metric(name: &str, v: Option<u32>, lock: bool, per_ms: u32, s: &mut String) {
    let Some(v) = v else { return };
    let _ = write!(s, " {name}{} ", if lock { " lock" } else { "" });
    if v >= per_ms * 1000 {
        cfmt::g(f64::from(v) / f64::from(per_ms * 1000), s);
        s.push('s');
    } else {
        cfmt::g(f64::from(v) / f64::from(per_ms), s);
        s.push_str("ms");
    }
}

/// keepalived's format_iproute.
pub(super) fn route(r: &Route, s: &mut String) {
    s.push_str(match r.mode {
        RouteMode::Add => "add ",
        RouteMode::Append => "append ",
        RouteMode::Prepend => "prepend ",
    });
    if let Some(t) = r.rtype.filter(|&t| t != RouteType::Unicast) {
        let _ = write!(s, "{} ", rtn_name(t));
    }
    if !dest(&r.dst, s) {
        s.push_str("default");
    }
    if let Some(f) = &r.from {
        s.push_str(" from ");
        if !dest(f, s) {
            s.push_str("default");
        }
    }
    if let Some(a) = r.pref_src {
        let _ = write!(s, " src {a}");
    }
    if let Some(t) = r.tos {
        let _ = write!(s, " tos {t}");
    }
    if let Some(a) = r.via {
        let fam = if a.is_ipv6() { "inet6" } else { "inet" };
        let _ = write!(s, " via {fam} {a}");
    }
    if let Some(d) = &r.dev {
        let _ = write!(s, " dev {d}");
    }
    if r.table != 254 {
        let _ = write!(s, " table {}", r.table);
    }
    if let Some(p) = r.protocol {
        let _ = write!(s, " proto {p}");
    }
    if let Some(v) = r.scope {
        let _ = write!(s, " scope {v}");
    }
    if let Some(v) = r.metric {
        let _ = write!(s, " metric {v}");
    }
    if r.family == Family::V4 && r.onlink {
        s.push_str(" onlink");
    }
    if let Some(v) = r.realms.filter(|&v| v != 0) {
        realms(v, s);
    }
    if let Some(v) = r.expires {
        let _ = write!(s, " expires {v}sec");
    }
    let m = &r.metrics;
    let lock = |rtax: u32| m.lock & (1 << rtax) != 0;
    let lock_word = |rtax: u32| if lock(rtax) { "lock " } else { "" };
    if let Some(c) = &m.congctl {
        let _ = write!(s, " congctl {c}{}", lock_word(16));
    }
    time_metric("rtt", m.rtt, lock(4), 8, s);
    time_metric("rttvar", m.rttvar, lock(5), 4, s);
    if let Some(v) = m.rto_min {
        let _ = write!(s, " rto_min{} ", if lock(13) { " lock" } else { "" });
        if v >= 1000 {
            cfmt::g(f64::from(v) / 1000.0, s);
            s.push('s');
        } else {
            let _ = write!(s, "{v}ms");
        }
    }
    if m.features_ecn {
        s.push_str(" features ecn");
    }
    let locked = [
        ("mtu", m.mtu, 2),
        ("window", m.window, u32::MAX),
        ("ssthresh", m.ssthresh, 6),
        ("cwnd", m.cwnd, 7),
        ("advmss", m.advmss, 8),
        ("reordering", m.reordering, 9),
    ];
    for (name, v, rtax) in locked {
        if let Some(v) = v {
            let l = if rtax < 32 { lock_word(rtax) } else { "" };
            let _ = write!(s, " {name} {l}{v}");
        }
    }
    let plain = [
        ("hoplimit", m.hoplimit.map(u32::from)),
        ("initcwnd", m.initcwnd),
        ("initrwnd", m.initrwnd),
        ("quickack", m.quickack.map(u32::from)),
    ];
    for (name, v) in plain {
        if let Some(v) = v {
            let _ = write!(s, " {name} {v}");
        }
    }
    if let Some(p) = r.pref {
        let w = match p {
            3 => "low",
            0 => "medium",
            1 => "high",
            _ => "unknown",
        };
        let _ = write!(s, " pref {w}");
    }
    if let Some(v) = m.fastopen_no_cookie {
        let _ = write!(s, " fastopen_no_cookie {}", u8::from(v));
    }
    if let Some(v) = r.ttl_propagate {
        let _ = write!(s, " ttl-propagate {}abled", if v { "en" } else { "dis" });
    }
    for nh in &r.nexthops {
        nexthop(nh, r.realms.unwrap_or(0), s);
    }
    if r.no_track {
        s.push_str(" no_track");
    }
    if let Some(g) = &r.track_group {
        let _ = write!(s, " track_group {g}");
    }
}

fn nexthop(nh: &Nexthop, route_realms: u32, s: &mut String) {
    s.push_str(" nexthop");
    if let Some(a) = nh.via {
        let _ = write!(s, " via inet{} {a}", if a.is_ipv4() { "" } else { "6" });
    }
    if let Some(d) = &nh.dev {
        let _ = write!(s, " dev {d}");
    }
    if let Some(w) = nh.weight {
        let _ = write!(s, " weight {w}");
    }
    if nh.onlink {
        s.push_str(" onlink");
    }
    if let Some(v) = nh.realms.filter(|&v| v != 0) {
        // keepalived picks the form from the route's realms, not the next hop's.
        if route_realms & 0xFFFF_0000 != 0 {
            let _ = write!(s, " realms {}/", v >> 16);
        } else {
            s.push_str(" realm ");
        }
        let _ = write!(s, "{}", v & 0xFFFF);
    }
}

/// keepalived's format_iprule.
pub(super) fn rule(r: &Rule, s: &mut String) {
    let from = r.from.filter(|d| matches!(d, RouteDest::Prefix(..)));
    let to = r.to.filter(|d| matches!(d, RouteDest::Prefix(..)));
    if from.is_none() && to.is_none() && r.family == Family::V6 {
        s.push_str("inet6 ");
    }
    if r.invert {
        s.push_str("not ");
    }
    s.push_str("from ");
    if !from.is_some_and(|f| dest(&f, s)) {
        s.push_str("all");
    }
    if let Some(t) = to {
        s.push_str(" to ");
        dest(&t, s);
    }
    if let Some(p) = r.priority {
        let _ = write!(s, " priority {p}");
    }
    let _ = write!(s, " tos 0x{:x}", r.tos.unwrap_or(0));
    if let Some((mark, mask)) = r.fwmark {
        let _ = write!(s, " fwmark 0x{mark:x}");
        if let Some(m) = mask.filter(|&m| m != u32::MAX) {
            let _ = write!(s, "/0x{m:x}");
        }
    }
    if let Some(i) = &r.iif {
        let _ = write!(s, " iif {i}");
    }
    if let Some(o) = &r.oif {
        let _ = write!(s, " oif {o}");
    }
    if let Some(v) = r.suppress_prefixlen {
        let _ = write!(s, " suppress_prefixlen {v}");
    }
    if let Some(v) = r.suppress_ifgroup {
        let _ = write!(s, " suppress_ifgroup {v}");
    }
    if let Some(v) = r.tunnel_id.filter(|&v| v != 0) {
        let _ = write!(s, " tunnel-id {v}");
    }
    if let Some((a, b)) = r.uidrange {
        let _ = write!(s, " uidrange {a}-{b}");
    }
    if r.action == RuleAction::L3mdev {
        s.push_str(" l3mdev");
    }
    if let Some(p) = r.protocol {
        let _ = write!(s, " protocol {p}");
    }
    if let Some(p) = r.ip_proto {
        let _ = write!(s, " ipproto {p}");
    }
    for (name, p) in [("sport", r.sport), ("dport", r.dport)] {
        if let Some(p) = p {
            let _ = write!(s, " {name} {}-{}", p.start, p.end);
        }
    }
    if let Some(v) = r.realms.filter(|&v| v != 0) {
        let _ = write!(s, " realms {}/{}", v >> 16, v & 0xffff);
    }
    let _ = match r.action {
        RuleAction::Table(t) => write!(s, " lookup {t}"),
        RuleAction::Goto(t) => write!(s, " goto {t}"),
        RuleAction::Nop => write!(s, " nop"),
        RuleAction::Blackhole => write!(s, " type blackhole"),
        RuleAction::Unreachable => write!(s, " type unreachable"),
        RuleAction::Prohibit => write!(s, " type prohibit"),
        // keepalived looks the table up from the VRF device: its table field stays 0.
        RuleAction::L3mdev => write!(s, " lookup 0"),
    };
    if r.no_track {
        s.push_str(" no_track");
    }
    if let Some(g) = &r.track_group {
        let _ = write!(s, " track_group {g}");
    }
}
