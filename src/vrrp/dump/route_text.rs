//! Virtual routes and rules as keepalived 2.2.7 prints them in its JSON status
//! (format_iproute, format_iprule): `ip route`/`ip rule` words with numbers where `ip` would
//! print names. Not shown: lightweight tunnel encapsulation, and the `[dev X]` keepalived adds
//! for a route the kernel put on another interface than configured.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::config::iproute::tables::RouteType;
use crate::config::iproute::{Route, RouteDest, Rule};
use crate::core::decimal;
use crate::net::rtnl::spec::{Family, RouteMode, RuleAction};

/// `word` and the number when there is one: one formatting site for every optional number
/// (the file is small on routers where each `write!` costs).
fn num(s: &mut String, word: &str, v: Option<u32>) {
    if let Some(v) = v {
        s.push_str(word);
        let _ = write!(s, "{v}");
    }
}

fn text(s: &mut String, word: &str, v: Option<&str>) {
    if let Some(v) = v {
        s.push_str(word);
        s.push_str(v);
    }
}

/// keepalived's ipaddresstos: the address, with `/LEN` unless a host prefix.
fn prefix(a: IpAddr, len: u8, s: &mut String) {
    let _ = write!(s, "{a}");
    let full = if a.is_ipv4() { 32 } else { 128 };
    num(s, "/", (len != full).then_some(len.into()));
}

fn addr(s: &mut String, word: &str, a: Option<IpAddr>) {
    if let Some(a) = a {
        s.push_str(word);
        prefix(a, if a.is_ipv4() { 32 } else { 128 }, s);
    }
}

/// `word` and the prefix, or `word` and `none` for a default destination.
fn dest(s: &mut String, word: &str, d: Option<&RouteDest>, none: &str) {
    match d {
        Some(&RouteDest::Prefix(a, l)) => {
            s.push_str(word);
            prefix(a, l, s);
        }
        Some(RouteDest::Default) => text(s, word, Some(none)),
        None => {}
    }
}

fn rtn_name(t: RouteType) -> &'static str {
    const NAMES: [&str; 11] = [
        "unicast",
        "local",
        "broadcast",
        "anycast",
        "multicast",
        "blackhole",
        "unreachable",
        "prohibit",
        "throw",
        "nat",
        "xresolve",
    ];
    NAMES
        .get(usize::from(t.code()).wrapping_sub(1))
        .copied()
        .unwrap_or("")
}

/// ` realms FROM/TO`, or ` realm TO` when FROM is 0 (`packed`: the route's, which decides).
fn realms(s: &mut String, v: Option<u32>, packed: u32) {
    let Some(v) = v.filter(|&v| v != 0) else {
        return;
    };
    if packed & 0xFFFF_0000 != 0 {
        num(s, " realms ", Some(v >> 16));
        s.push('/');
    } else {
        s.push_str(" realm ");
    }
    num(s, "", Some(v & 0xFFFF));
}

/// A time metric in kernel units, `per_ms` of them a millisecond: seconds from one second.
fn time_metric(name: &str, v: Option<u32>, lock: bool, per_ms: u32, s: &mut String) {
    let Some(v) = v else { return };
    s.push_str(name);
    s.push_str(if lock { " lock " } else { " " });
    let (div, unit) = if v >= per_ms * 1000 {
        (per_ms * 1000, "s")
    } else {
        (per_ms, "ms")
    };
    decimal::push_g(s, v.into(), div.into());
    s.push_str(unit);
}

/// keepalived's format_iproute.
#[inline(never)] // One per item: see core::dump_line.
pub(super) fn route(r: &Route, s: &mut String) {
    s.push_str(match r.mode {
        RouteMode::Add => "add ",
        RouteMode::Append => "append ",
        RouteMode::Prepend => "prepend ",
    });
    if let Some(t) = r.rtype.filter(|&t| t != RouteType::Unicast) {
        s.push_str(rtn_name(t));
        s.push(' ');
    }
    dest(s, "", Some(&r.dst), "default");
    dest(s, " from ", r.from.as_ref(), "default");
    addr(s, " src ", r.pref_src);
    num(s, " tos ", r.tos.map(u32::from));
    if let Some(a) = r.via {
        s.push_str(if a.is_ipv6() {
            " via inet6"
        } else {
            " via inet"
        });
        addr(s, " ", Some(a));
    }
    text(s, " dev ", r.dev.as_deref());
    num(s, " table ", Some(r.table).filter(|&t| t != 254));
    num(s, " proto ", r.protocol.map(u32::from));
    num(s, " scope ", r.scope.map(u32::from));
    num(s, " metric ", r.metric);
    if r.family == Family::V4 && r.onlink {
        s.push_str(" onlink");
    }
    realms(s, r.realms, r.realms.unwrap_or(0));
    if r.expires.is_some() {
        num(s, " expires ", r.expires);
        s.push_str("sec");
    }
    let m = &r.metrics;
    let lock = |rtax: u32| m.lock & (1 << rtax) != 0;
    if let Some(c) = &m.congctl {
        text(s, " congctl ", Some(c));
        text(s, "", lock(16).then_some("lock "));
    }
    time_metric(" rtt", m.rtt, lock(4), 8, s);
    time_metric(" rttvar", m.rttvar, lock(5), 4, s);
    if let Some(v) = m.rto_min {
        s.push_str(if lock(13) {
            " rto_min lock "
        } else {
            " rto_min "
        });
        if v >= 1000 {
            decimal::push_g(s, v.into(), 1000);
            s.push('s');
        } else {
            num(s, "", Some(v));
            s.push_str("ms");
        }
    }
    if m.features_ecn {
        s.push_str(" features ecn");
    }
    // (word, value, RTAX_ bit of its `lock`; 0: none shown)
    let locked = [
        (" mtu ", m.mtu, 2),
        (" window ", m.window, 0),
        (" ssthresh ", m.ssthresh, 6),
        (" cwnd ", m.cwnd, 7),
        (" advmss ", m.advmss, 8),
        (" reordering ", m.reordering, 9),
        (" hoplimit ", m.hoplimit.map(u32::from), 0),
        (" initcwnd ", m.initcwnd, 0),
        (" initrwnd ", m.initrwnd, 0),
        (" quickack ", m.quickack.map(u32::from), 0),
    ];
    for (word, v, rtax) in locked {
        if v.is_some() {
            s.push_str(word);
            text(s, "", (rtax != 0 && lock(rtax)).then_some("lock "));
            num(s, "", v);
        }
    }
    let pref = r.pref.map(|p| match p {
        3 => "low",
        0 => "medium",
        1 => "high",
        _ => "unknown",
    });
    text(s, " pref ", pref);
    num(
        s,
        " fastopen_no_cookie ",
        m.fastopen_no_cookie.map(u32::from),
    );
    let ttl = r
        .ttl_propagate
        .map(|v| if v { "enabled" } else { "disabled" });
    text(s, " ttl-propagate ", ttl);
    for nh in &r.nexthops {
        s.push_str(" nexthop");
        if let Some(a) = nh.via {
            s.push_str(if a.is_ipv4() {
                " via inet"
            } else {
                " via inet6"
            });
            addr(s, " ", Some(a));
        }
        text(s, " dev ", nh.dev.as_deref());
        num(s, " weight ", nh.weight.map(u32::from));
        if nh.onlink {
            s.push_str(" onlink");
        }
        // keepalived picks the form from the route's realms, not the next hop's.
        realms(s, nh.realms, r.realms.unwrap_or(0));
    }
    tracking(s, r.no_track, r.track_group.as_deref());
}

fn tracking(s: &mut String, no_track: bool, group: Option<&str>) {
    text(s, "", no_track.then_some(" no_track"));
    text(s, " track_group ", group);
}

/// keepalived's format_iprule.
#[inline(never)] // One per item: see core::dump_line.
pub(super) fn rule(r: &Rule, s: &mut String) {
    if r.from.is_none() && r.to.is_none() && r.family == Family::V6 {
        s.push_str("inet6 ");
    }
    text(s, "", r.invert.then_some("not "));
    // An explicit `all` is keepalived's zero-length prefix.
    let any = if r.family == Family::V6 {
        "::/0"
    } else {
        "0.0.0.0/0"
    };
    let none = if r.from.is_some() { any } else { "all" };
    dest(
        s,
        "from ",
        Some(r.from.as_ref().unwrap_or(&RouteDest::Default)),
        none,
    );
    dest(s, " to ", r.to.as_ref(), any);
    num(s, " priority ", r.priority);
    let _ = write!(s, " tos 0x{:x}", r.tos.unwrap_or(0));
    if let Some((mark, mask)) = r.fwmark {
        let _ = write!(s, " fwmark 0x{mark:x}");
        if let Some(m) = mask.filter(|&m| m != u32::MAX) {
            let _ = write!(s, "/0x{m:x}");
        }
    }
    text(s, " iif ", r.iif.as_deref());
    text(s, " oif ", r.oif.as_deref());
    num(s, " suppress_prefixlen ", r.suppress_prefixlen);
    num(s, " suppress_ifgroup ", r.suppress_ifgroup);
    if let Some(v) = r.tunnel_id.filter(|&v| v != 0) {
        let _ = write!(s, " tunnel-id {v}");
    }
    if let Some((a, b)) = r.uidrange {
        num(s, " uidrange ", Some(a));
        num(s, "-", Some(b));
    }
    text(s, "", (r.action == RuleAction::L3mdev).then_some(" l3mdev"));
    num(s, " protocol ", r.protocol.map(u32::from));
    num(s, " ipproto ", r.ip_proto.map(u32::from));
    for (word, p) in [(" sport ", r.sport), (" dport ", r.dport)] {
        if let Some(p) = p {
            num(s, word, Some(p.start.into()));
            num(s, "-", Some(p.end.into()));
        }
    }
    if let Some(v) = r.realms.filter(|&v| v != 0) {
        num(s, " realms ", Some(v >> 16));
        num(s, "/", Some(v & 0xffff));
    }
    let (word, v) = match r.action {
        RuleAction::Table(t) => (" lookup ", Some(t)),
        RuleAction::Goto(t) => (" goto ", Some(t)),
        RuleAction::Nop => (" nop", None),
        RuleAction::Blackhole => (" type blackhole", None),
        RuleAction::Unreachable => (" type unreachable", None),
        RuleAction::Prohibit => (" type prohibit", None),
        // keepalived looks the table up from the VRF device: its table field stays 0.
        RuleAction::L3mdev => (" lookup ", Some(0)),
    };
    s.push_str(word);
    num(s, "", v);
    tracking(s, r.no_track, r.track_group.as_deref());
}
