//! Route lines: `ip route add` syntax (`[TYPE] PREFIX [src A] [via A] [dev IF] [table T]
//! [metric N] ... [nexthop ...]*`), plus keepalived's `no_track`, `track_group`, the
//! deprecated `gw` and `or`, and `add`/`prepend`/`append`.

use std::net::IpAddr;

use super::super::diag::{Diagnostics, Loc};
use super::super::tree::Node;
use super::nexthop::{parse_encap, parse_nexthops};
use super::tables::{self, RouteType};
use super::{addr_word, check_dev, set_family, Family, NetCtx, Words};
use crate::config::kwtable::keyword_table;
use crate::net::rtnl::spec::RouteSpec;
pub(crate) use crate::net::rtnl::spec::{Encap, Nexthop, RouteDest, RouteMetrics, RouteMode};

/// keepalived's own routing protocol number, used for the routes it tracks.
pub(crate) const RTPROT_KEEPALIVED: u8 = 18;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) loc: Loc,
    pub(crate) family: Family,
    pub(crate) dst: RouteDest,
    pub(crate) rtype: Option<RouteType>,
    /// `src`: preferred source address.
    pub(crate) pref_src: Option<IpAddr>,
    /// `from`: source prefix (IPv6 only).
    pub(crate) from: Option<RouteDest>,
    pub(crate) via: Option<IpAddr>,
    pub(crate) dev: Option<String>,
    pub(crate) table: u32,
    pub(crate) scope: Option<u8>,
    /// keepalived forces its own protocol on tracked routes.
    pub(crate) protocol: Option<u8>,
    pub(crate) metric: Option<u32>,
    pub(crate) tos: Option<u8>,
    pub(crate) onlink: bool,
    pub(crate) realms: Option<u32>,
    pub(crate) expires: Option<u32>,
    pub(crate) pref: Option<u8>,
    pub(crate) ttl_propagate: Option<bool>,
    pub(crate) metrics: RouteMetrics,
    pub(crate) encap: Option<Encap>,
    pub(crate) nexthops: Vec<Nexthop>,
    pub(crate) mode: RouteMode,
    pub(crate) no_track: bool,
    pub(crate) track_group: Option<String>,
    pub(crate) vrf: Option<String>,
}

impl<'a> From<&'a Route> for RouteSpec<'a> {
    fn from(r: &'a Route) -> RouteSpec<'a> {
        RouteSpec {
            family: r.family,
            dst: r.dst,
            rtype: r.rtype.map(RouteType::code),
            pref_src: r.pref_src,
            from: r.from,
            via: r.via,
            dev: r.dev.as_deref(),
            table: r.table,
            scope: r.scope,
            protocol: r.protocol,
            metric: r.metric,
            tos: r.tos,
            onlink: r.onlink,
            realms: r.realms,
            expires: r.expires,
            pref: r.pref,
            ttl_propagate: r.ttl_propagate,
            metrics: &r.metrics,
            encap: r.encap.as_ref(),
            nexthops: &r.nexthops,
            mode: r.mode,
        }
    }
}

pub(crate) fn parse_route_in(n: &Node, ctx: &NetCtx, d: &mut Diagnostics) -> Option<Route> {
    parse(n, ctx, d).map_err(|e| d.error(n.loc, e)).ok()
}

/// `default`/`any`/`all`, `default6`, or `ADDR[/LEN]`; the family if the word fixes one.
fn dest_word(
    s: &str,
    loc: Loc,
    d: &mut Diagnostics,
) -> Result<(RouteDest, Option<Family>), String> {
    match s {
        "default" | "any" | "all" => Ok((RouteDest::Default, None)),
        // keepalived only logs that this old spelling is deprecated.
        "default6" => Ok((RouteDest::Default, Some(Family::V6))),
        _ => {
            let (a, l, _) = addr_word(s, true, loc, d)?;
            Ok((RouteDest::Prefix(a, l), Some(Family::of(&a))))
        }
    }
}

fn u32_val(w: &mut Words, opt: &str, max: u64) -> Result<u32, String> {
    let v = w.value(opt)?;
    tables::parse_decimal(v, max)
        .map(|x| x as u32)
        .ok_or_else(|| format!("invalid {opt} '{v}' for route"))
}

/// `OPT [lock] N`: the `lock` bit for metric `rtax`.
fn locked(w: &mut Words, lock: &mut u32, rtax: u32) {
    if w.peek() == Some("lock") {
        w.next();
        *lock |= 1 << rtax;
    }
}

fn rtt_val(w: &mut Words, opt: &str, mult: u64) -> Result<u32, String> {
    let v = w.value(opt)?;
    tables::time_rtt(v, mult).ok_or_else(|| format!("invalid {opt} '{v}' for route"))
}

keyword_table! {
    /// The options of a route line; any other word is a route type or the destination.
    enum Opt {
        "inet" => Inet,
        "inet6" => Inet6,
        "src" => Src,
        "as" => As,
        "via" => Via,
        "gw" => Gw,
        "from" => From,
        "tos" => Tos,
        "dsfield" => Dsfield,
        "table" => Table,
        "protocol" => Protocol,
        "scope" => Scope,
        "metric" => Metric,
        "priority" => Priority,
        "preference" => Preference,
        "dev" => Dev,
        "oif" => Oif,
        "onlink" => Onlink,
        "encap" => Encap,
        "expires" => Expires,
        "mtu" => Mtu,
        "hoplimit" => Hoplimit,
        "advmss" => Advmss,
        "rtt" => Rtt,
        "rttvar" => Rttvar,
        "reordering" => Reordering,
        "window" => Window,
        "cwnd" => Cwnd,
        "ssthresh" => Ssthresh,
        "realms" => Realms,
        "rto_min" => RtoMin,
        "initcwnd" => Initcwnd,
        "initrwnd" => Initrwnd,
        "features" => Features,
        "quickack" => Quickack,
        "congctl" => Congctl,
        "fastopen_no_cookie" => FastopenNoCookie,
        "pref" => Pref,
        "ttl-propagate" => TtlPropagate,
        "add" => Add,
        "prepend" => Prepend,
        "append" => Append,
        "or" => Or,
        "nexthop" => Nexthop,
        "no_track" => NoTrack,
        "track_group" => TrackGroup,
        "vrf" => Vrf,
    }
}

fn parse(n: &Node, ctx: &NetCtx, d: &mut Diagnostics) -> Result<Route, String> {
    let loc = n.loc;
    let mut w = Words::new(n);
    let mut fam: Option<Family> = None;
    let mut r = Route {
        loc,
        family: Family::V4,
        dst: RouteDest::Default,
        rtype: None,
        pref_src: None,
        from: None,
        via: None,
        dev: None,
        table: 254,
        scope: None,
        protocol: None,
        metric: None,
        tos: None,
        onlink: false,
        realms: None,
        expires: None,
        pref: None,
        ttl_propagate: None,
        metrics: RouteMetrics::default(),
        encap: None,
        nexthops: Vec::new(),
        mode: RouteMode::Prepend,
        no_track: false,
        track_group: None,
        vrf: None,
    };
    let mut dest: Option<&str> = None;
    let mut do_nexthops = false;
    let what = "route";
    while let Some(opt) = w.next() {
        let m = &mut r.metrics;
        match Opt::lookup(opt) {
            Some(Opt::Inet | Opt::Inet6) => {
                super::family_word(&mut w, opt, &mut fam, what, loc, d)?
            }
            Some(Opt::Src) => {
                let v = w.value(opt)?;
                let (a, ..) = addr_word(v, false, loc, d)
                    .map_err(|_| format!("invalid route src address '{v}'"))?;
                set_family(&mut fam, Family::of(&a), what)?;
                r.pref_src = Some(a);
            }
            Some(Opt::As) => {
                if w.value(opt)? == "to" {
                    w.next();
                }
                d.warn(loc, "'as to' is for MPLS only - ignoring");
            }
            Some(Opt::Via | Opt::Gw) => {
                if opt == "gw" {
                    d.warn(loc, "'gw' for routes is deprecated - use 'via'");
                }
                let mut v = w.value(opt)?;
                if v == "inet" || v == "inet6" {
                    let f = if v == "inet" { Family::V4 } else { Family::V6 };
                    set_family(&mut fam, f, what)?;
                    v = w.value(opt)?;
                }
                let (a, ..) = addr_word(v, false, loc, d)
                    .map_err(|_| format!("invalid route via address '{v}'"))?;
                set_family(&mut fam, Family::of(&a), what)?;
                r.via = Some(a);
            }
            Some(Opt::From) => {
                let v = w.value(opt)?;
                let (src, f) = dest_word(v, loc, d)
                    .map_err(|_| format!("invalid route from address '{v}'"))?;
                if f != Some(Family::V6) {
                    return Err(format!(
                        "route from address is only supported with IPv6 ({v})"
                    ));
                }
                set_family(&mut fam, Family::V6, what)?;
                r.from = Some(src);
            }
            Some(Opt::Tos | Opt::Dsfield) => {
                let v = w.value(opt)?;
                r.tos =
                    Some(tables::dsfield(v).ok_or_else(|| format!("TOS value '{v}' is invalid"))?);
            }
            Some(Opt::Table) => {
                let v = w.value(opt)?;
                r.table = tables::table(v)
                    .ok_or_else(|| format!("routing table '{v}' not found for route"))?;
            }
            Some(Opt::Protocol) => {
                let v = w.value(opt)?;
                r.protocol = Some(
                    tables::protocol(v)
                        .ok_or_else(|| format!("protocol '{v}' not found or invalid for route"))?,
                );
            }
            Some(Opt::Scope) => {
                let v = w.value(opt)?;
                r.scope = Some(
                    tables::scope(v)
                        .ok_or_else(|| format!("scope '{v}' not found or invalid for route"))?,
                );
            }
            Some(Opt::Metric | Opt::Priority | Opt::Preference) => {
                r.metric = Some(u32_val(&mut w, opt, u64::from(u32::MAX))?)
            }
            Some(Opt::Dev | Opt::Oif) => {
                let v = w.value(opt)?;
                r.dev = Some(check_dev(ctx, v, "route")?);
            }
            Some(Opt::Onlink) => r.onlink = true,
            Some(Opt::Encap) => r.encap = parse_encap(&mut w, loc, d),
            Some(Opt::Expires) => {
                if fam == Some(Family::V4) {
                    return Err("expires is only valid for IPv6".into());
                }
                fam = Some(Family::V6);
                r.expires = Some(u32_val(&mut w, opt, u64::from(u32::MAX))?);
            }
            // The metrics read alike share one arm each: the slot, then `[lock] N`.
            Some(
                k @ (Opt::Mtu
                | Opt::Advmss
                | Opt::Reordering
                | Opt::Cwnd
                | Opt::Ssthresh
                | Opt::Window
                | Opt::Initcwnd
                | Opt::Initrwnd),
            ) => {
                let (slot, lock) = match k {
                    Opt::Mtu => (&mut m.mtu, Some(2)),
                    Opt::Advmss => (&mut m.advmss, Some(8)),
                    Opt::Reordering => (&mut m.reordering, Some(9)),
                    Opt::Cwnd => (&mut m.cwnd, Some(7)),
                    Opt::Ssthresh => (&mut m.ssthresh, Some(6)),
                    Opt::Window => (&mut m.window, None),
                    Opt::Initcwnd => (&mut m.initcwnd, None),
                    _ => (&mut m.initrwnd, None),
                };
                if let Some(bit) = lock {
                    locked(&mut w, &mut m.lock, bit);
                }
                *slot = Some(u32_val(&mut w, opt, u64::from(u32::MAX))?);
            }
            Some(Opt::Hoplimit) => m.hoplimit = Some(u32_val(&mut w, opt, 255)? as u8),
            Some(k @ (Opt::Rtt | Opt::Rttvar | Opt::RtoMin)) => {
                let (slot, bit, mult) = match k {
                    Opt::Rtt => (&mut m.rtt, 4, 8),
                    Opt::Rttvar => (&mut m.rttvar, 5, 4),
                    _ => (&mut m.rto_min, 13, 1),
                };
                locked(&mut w, &mut m.lock, bit);
                *slot = Some(rtt_val(&mut w, opt, mult)?);
            }
            Some(Opt::Realms) => {
                let v = w.value(opt)?;
                let re =
                    tables::realms(v).ok_or_else(|| format!("invalid realms '{v}' for route"))?;
                if fam == Some(Family::V6) {
                    return Err("realms are only valid for IPv4".into());
                }
                fam = Some(Family::V4);
                r.realms = Some(re);
            }
            Some(Opt::Features) => {
                let v = w.value(opt)?;
                if v == "ecn" {
                    m.features_ecn = true;
                } else {
                    d.warn(loc, format!("route feature '{v}' not supported - ignoring"));
                }
            }
            Some(Opt::Quickack) => m.quickack = Some(u32_val(&mut w, opt, 1)? == 1),
            Some(Opt::Congctl) => {
                locked(&mut w, &mut m.lock, 16);
                m.congctl = Some(w.value(opt)?.to_string());
            }
            Some(Opt::FastopenNoCookie) => {
                m.fastopen_no_cookie = Some(u32_val(&mut w, opt, 1)? == 1)
            }
            Some(Opt::Pref) => {
                let v = w.value(opt)?;
                if fam == Some(Family::V4) {
                    return Err("pref is only valid for IPv6".into());
                }
                fam = Some(Family::V6);
                r.pref = Some(match v {
                    "low" => 3,
                    "medium" => 0,
                    "high" => 1,
                    _ => tables::parse_decimal(v, 255)
                        .ok_or_else(|| format!("invalid pref '{v}' for route"))?
                        as u8,
                });
            }
            Some(Opt::TtlPropagate) => match w.value(opt)? {
                "enabled" => r.ttl_propagate = Some(true),
                "disabled" => r.ttl_propagate = Some(false),
                v => d.warn(loc, format!("ttl-propagate value '{v}' not recognised")),
            },
            Some(Opt::Add) => r.mode = RouteMode::Add,
            Some(Opt::Prepend) => r.mode = RouteMode::Prepend,
            Some(Opt::Append) => r.mode = RouteMode::Append,
            Some(Opt::Or) => {
                d.warn(loc, "'or' for routes is deprecated - use 'nexthop'");
                let v = w.value(opt)?;
                if !r.nexthops.is_empty() {
                    d.warn(loc, "'or' route already given - ignoring the later one");
                    continue;
                }
                let (a, ..) = addr_word(v, false, loc, d)
                    .map_err(|_| format!("invalid 'or' address '{v}'"))?;
                r.nexthops.push(Nexthop {
                    via: r.via.take(),
                    ..Nexthop::default()
                });
                r.nexthops.push(Nexthop {
                    via: Some(a),
                    ..Nexthop::default()
                });
            }
            Some(Opt::Nexthop) => {
                if r.nexthops.is_empty() {
                    do_nexthops = true;
                } else {
                    d.warn(loc, "cannot give nexthops with an 'or' route");
                }
                break;
            }
            Some(Opt::NoTrack) => r.no_track = true,
            Some(Opt::TrackGroup) if ctx.static_block => {
                if !super::track_group(&mut w, &mut r.track_group, ctx, loc, d)? {
                    break;
                }
            }
            Some(Opt::Vrf) => {
                let v = w.value(opt)?;
                if !ctx.exists(v) {
                    return Err(format!("VRF {v} not found for route"));
                }
                r.vrf = Some(v.to_string());
            }
            _ => {
                // keepalived takes a route type only when no `to` precedes it.
                let mut word = opt;
                if word == "to" {
                    word = w.value(opt)?;
                } else if let Some(t) = tables::route_type(word) {
                    r.rtype = Some(t);
                    word = w.value(opt)?;
                }
                let (dst, f) = dest_word(word, loc, d)
                    .map_err(|_| format!("unknown route keyword '{word}'"))?;
                match f {
                    Some(f) => set_family(&mut fam, f, &format!("route ({word})"))?,
                    // keepalived compares the family of `default` (none) with the one
                    // already known, so a default after an address is refused.
                    None if fam.is_some() => {
                        return Err(format!("cannot mix IPv4 and IPv6 in route ({word})"))
                    }
                    None => {}
                }
                r.dst = dst;
                dest = Some(word);
            }
        }
    }
    if do_nexthops {
        parse_nexthops(&mut w, ctx, &mut fam, &mut r.nexthops, loc, d)?;
    } else if let Some(rest) = w.next() {
        return Err(format!("route has trailing nonsense - '{rest}'"));
    }
    let dest = dest.ok_or("route must have a destination")?;
    if !r.no_track {
        if r.protocol.is_some_and(|p| p != RTPROT_KEEPALIVED) {
            d.warn(
                loc,
                format_args!("a tracked route must have protocol keepalived ({RTPROT_KEEPALIVED}) - resetting it"),
            );
        }
        r.protocol = Some(RTPROT_KEEPALIVED);
        if r.dev.is_none() {
            d.warn(
                loc,
                format_args!("cannot track route {dest} with no interface specified, not tracking"),
            );
            r.no_track = true;
        }
    }
    if r.track_group.is_some() && r.dev.is_none() {
        d.warn(
            loc,
            "a static route cannot have a track_group without an interface",
        );
        r.track_group = None;
    }
    r.family = fam.unwrap_or(Family::V4);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{line, msgs};
    use super::*;

    fn parse_v(text: &str) -> (Option<Route>, Diagnostics) {
        let (n, mut d) = line(text);
        (parse_route_in(&n, &NetCtx::default(), &mut d), d)
    }

    fn ok(text: &str) -> Route {
        let (r, d) = parse_v(text);
        assert!(!d.has_errors(), "{text}: {:?}", msgs(&d));
        r.unwrap_or_else(|| panic!("{text}"))
    }

    fn err(text: &str) {
        let (r, d) = parse_v(text);
        assert!(r.is_none() && d.has_errors(), "{text} accepted");
    }

    #[test]
    fn basic_route_with_src_via_dev() {
        let r = ok("src 192.168.100.1 192.168.109.0/24 via 192.168.200.254 dev lo");
        assert_eq!(
            r.dst,
            RouteDest::Prefix("192.168.109.0".parse().unwrap(), 24)
        );
        assert_eq!(r.pref_src, Some("192.168.100.1".parse().unwrap()));
        assert_eq!(r.dev.as_deref(), Some("lo"));
        assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
        assert!(!r.no_track);
    }

    #[test]
    fn untracked_without_interface_and_deprecated_words_warn() {
        let (r, d) = parse_v("192.168.112.0/24 via 192.168.100.254");
        assert!(r.unwrap().no_track);
        assert!(msgs(&d)[0].contains("cannot track route 192.168.112.0/24"));
        let (r, d) = parse_v("192.168.113.0/24 via 192.168.100.252 or 192.168.100.253");
        assert_eq!(r.unwrap().nexthops.len(), 2);
        assert_eq!(d.items().len(), 2);
        let (r, d) = parse_v("0.0.0.0/0 gw 192.168.0.1 table 100");
        assert_eq!(r.unwrap().table, 100);
        assert_eq!(d.items().len(), 2);
        let (r, _) = parse_v("blackhole 192.168.113.1/32");
        assert_eq!(r.unwrap().rtype, Some(RouteType::Blackhole));
        let (_, d) = parse_v("10.0.0.0/8 dev lo no_track");
        assert!(d.items().is_empty());
    }

    #[test]
    fn man_page_examples() {
        let r = ok("192.168.100.0/24 table 6909 nexthop via 192.168.101.1 dev lo onlink weight 1 nexthop via 192.168.101.2 dev lo onlink weight 2");
        assert_eq!(r.nexthops.len(), 2);
        assert_eq!(r.nexthops[1].weight, Some(2));
        let r = ok("192.168.200.0/24 dev lo table 6909 tos 0x04 protocol bird scope link priority 12 mtu 1000 hoplimit 100 advmss 101 rtt 102 rttvar 103 reordering 104 window 105 cwnd 106 ssthresh lock 107 realms 30/20 rto_min 108 initcwnd 109 initrwnd 110 features ecn add no_track");
        assert_eq!(r.metrics.ssthresh, Some(107));
        assert_eq!(r.metrics.lock, 1 << 6);
        assert_eq!(r.protocol, Some(12));
        assert_eq!(r.mode, RouteMode::Add);
        let r = ok("2001:470:69e9:1:2::4 dev lo table 6909 tos 0x04 protocol bird scope link priority 12 mtu 1000 hoplimit 100 append initrwnd 110 features ecn fastopen_no_cookie 1 no_track");
        assert_eq!(r.family, Family::V6);
        assert_eq!(r.mode, RouteMode::Append);
        let r = ok("default via fe80::1 dev lo");
        assert_eq!((r.family, r.dst), (Family::V6, RouteDest::Default));
        let r = ok("10.0.0.0/8 dev lo rtt 100ms rttvar 1s rto_min lock 5 no_track");
        assert_eq!(
            (r.metrics.rtt, r.metrics.rttvar, r.metrics.rto_min),
            (Some(1600), Some(4000), Some(200))
        );
        let r = ok("10.0.0.0/8 encap mpls 100/200 via 10.1.1.1 dev lo");
        assert_eq!(r.encap, Some(Encap::Mpls(vec![100, 200])));
        let r = ok("10.0.0.0/8 encap ip id 5 dst 1.2.3.4 ttl 3 dev lo");
        assert!(matches!(r.encap, Some(Encap::Ip { id: Some(5), .. })));
    }

    #[test]
    fn mixed_families_and_bad_values_drop_the_route() {
        err("10.0.0.0/8 via fe80::1");
        err("fe80::/64 src 10.0.0.1");
        err("inet6 10.0.0.0/8");
        err("10.0.0.0/8 from 10.1.0.0/16");
        err("2001::/64 realms 3");
        err("10.0.0.0/8 expires 5");
        err("10.0.0.0/8 nexthop via fe80::1");
        err("10.0.0.0/8 nexthop via 10.0.0.1 weight 0");
        err("10.0.0.0/8 nexthop via 10.0.0.1 weight 257");
        err("10.0.0.0/8 table nosuchtable");
        err("10.0.0.0/8 scope universe2");
        err("10.0.0.0/8 protocol 300");
        err("10.0.0.0/8 metric x");
        err("10.0.0.0/8 hoplimit 256");
        err("10.0.0.0/8 rtt 1.5");
        err("10.0.0.0/8 rtt 1000000");
        err("via 10.0.0.1 default");
        err("fe80::/64 from default");
        // keepalived 2.2.7 steps over the word after inet6, losing the destination.
        err("inet6 default via fe80::1 dev lo");
        err("10.0.0.0/8 dev nosuchif0");
        err("via 10.0.0.1");
        err("frobnicate 10.0.0.0/8");
        err("10.0.0.0/8 via");
        err("10.0.0.0/8 vrf nosuchvrf0");
        err("10.0.0.0/8 to unicast 10.0.0.0/8");
        err("10.0.0.0/8 local dev lo");
    }
}
