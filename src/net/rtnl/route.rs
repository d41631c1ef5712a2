//! RTM_NEWROUTE / RTM_DELROUTE requests (include/uapi/linux/rtnetlink.h, lwtunnel.h,
//! mpls_iptunnel.h, ila.h) built from a configured route line, with the defaults `ip route`
//! applies. Device names are resolved by the caller's lookup, so this stays testable
//! without a kernel.

use std::net::IpAddr;

use super::spec::{Encap, Family, Nexthop, RouteDest, RouteMode, RouteSpec};
use crate::net::netlink::{
    Error, MsgBuilder, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
};

use super::wire::ip_bytes;
use super::{RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE};

const RTM_NEWROUTE: u16 = 24;
pub(crate) const RTM_DELROUTE: u16 = 25;

/// `struct rtmsg`.
const RTMSG_LEN: usize = 12;

const RTA_DST: u16 = 1;
const RTA_SRC: u16 = 2;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_PRIORITY: u16 = 6;
const RTA_PREFSRC: u16 = 7;
const RTA_METRICS: u16 = 8;
const RTA_MULTIPATH: u16 = 9;
const RTA_FLOW: u16 = 11;
const RTA_TABLE: u16 = 15;
const RTA_PREF: u16 = 20;
const RTA_ENCAP_TYPE: u16 = 21;
const RTA_ENCAP: u16 = 22;
const RTA_EXPIRES: u16 = 23;
const RTA_TTL_PROPAGATE: u16 = 26;

const RTAX_LOCK: u16 = 1;
const RTAX_MTU: u16 = 2;
const RTAX_WINDOW: u16 = 3;
const RTAX_RTT: u16 = 4;
const RTAX_RTTVAR: u16 = 5;
const RTAX_SSTHRESH: u16 = 6;
const RTAX_CWND: u16 = 7;
const RTAX_ADVMSS: u16 = 8;
const RTAX_REORDERING: u16 = 9;
const RTAX_HOPLIMIT: u16 = 10;
const RTAX_INITCWND: u16 = 11;
const RTAX_FEATURES: u16 = 12;
const RTAX_RTO_MIN: u16 = 13;
const RTAX_INITRWND: u16 = 14;
const RTAX_QUICKACK: u16 = 15;
const RTAX_CC_ALGO: u16 = 16;
const RTAX_FASTOPEN_NO_COOKIE: u16 = 17;
const RTAX_FEATURE_ECN: u32 = 1;

const RTPROT_BOOT: u8 = 3;
const RTN_UNICAST: u8 = 1;
const RTN_LOCAL: u8 = 2;
const RTN_BROADCAST: u8 = 3;
const RTN_ANYCAST: u8 = 4;
const RTN_MULTICAST: u8 = 5;
const RTN_NAT: u8 = 10;
const RTNH_F_ONLINK: u8 = 4;
/// `struct rtnexthop`.
const RTNEXTHOP_LEN: usize = 8;

const LWTUNNEL_ENCAP_MPLS: u16 = 1;
const LWTUNNEL_ENCAP_IP: u16 = 2;
const LWTUNNEL_ENCAP_ILA: u16 = 3;
const LWTUNNEL_ENCAP_IP6: u16 = 4;
/// The same numbers serve LWTUNNEL_IP_* and LWTUNNEL_IP6_*.
const LWT_IP_ID: u16 = 1;
const LWT_IP_DST: u16 = 2;
const LWT_IP_SRC: u16 = 3;
const LWT_IP_TTL: u16 = 4;
const LWT_IP_TOS: u16 = 5;
const LWT_IP_FLAGS: u16 = 6;
const MPLS_IPTUNNEL_DST: u16 = 1;
const ILA_ATTR_LOCATOR: u16 = 1;

/// Room for a route with a handful of nexthops and metrics.
pub(crate) const ROUTE_REQ_LEN: usize = 1024;

pub(super) fn put_ip(b: &mut MsgBuilder<'_>, ty: u16, a: &IpAddr) {
    let (bytes, len) = ip_bytes(a);
    b.attr(ty, &bytes[..len]);
}

pub(super) fn af(f: Family) -> u8 {
    match f {
        Family::V4 => libc::AF_INET as u8,
        Family::V6 => libc::AF_INET6 as u8,
    }
}

fn prefix_len(d: Option<&RouteDest>) -> u8 {
    match d {
        Some(RouteDest::Prefix(_, l)) => *l,
        _ => 0,
    }
}

/// The scope `ip route add` picks when none is given.
fn default_scope(r: &RouteSpec<'_>, rtype: u8) -> u8 {
    match rtype {
        RTN_LOCAL | RTN_NAT => RT_SCOPE_HOST,
        RTN_BROADCAST | RTN_MULTICAST | RTN_ANYCAST => RT_SCOPE_LINK,
        RTN_UNICAST if r.via.is_none() && r.nexthops.is_empty() => RT_SCOPE_LINK,
        _ => RT_SCOPE_UNIVERSE,
    }
}

/// Builds the request that adds (or with `delete`, removes) route `r`. `ifindex` maps a
/// device name to its index; a name it does not know is an error naming the device.
pub(crate) fn encode_route<'b, 'r>(
    buf: &'b mut [u8],
    seq: u32,
    r: impl Into<RouteSpec<'r>>,
    delete: bool,
    ifindex: &dyn Fn(&str) -> Option<u32>,
) -> Result<&'b [u8], Error> {
    let r = &r.into();
    let dev = |name: &str| ifindex(name).ok_or(Error::kernel(libc::ENODEV, Some("route dev")));
    let (ty, flags) = if delete {
        (RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK)
    } else {
        let mode = match r.mode {
            RouteMode::Add => NLM_F_EXCL,
            RouteMode::Append => NLM_F_APPEND,
            RouteMode::Prepend => 0,
        };
        (
            RTM_NEWROUTE,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | mode,
        )
    };
    // A delete leaves unset what it should match whatever the value, as `ip route del` does.
    let rtype = match (r.rtype, delete) {
        (Some(t), _) => t,
        (None, false) => RTN_UNICAST,
        (None, true) => 0,
    };
    let scope = match (r.scope, delete) {
        (Some(s), _) => s,
        (None, false) => default_scope(r, rtype),
        (None, true) => RT_SCOPE_NOWHERE,
    };
    let protocol = r.protocol.unwrap_or(if delete { 0 } else { RTPROT_BOOT });
    let dst = match r.dst {
        RouteDest::Prefix(a, l) => Some((a, l)),
        RouteDest::Default => None,
    };
    let mut h = [0u8; RTMSG_LEN];
    h[0] = af(r.family);
    h[1] = dst.map_or(0, |d| d.1);
    h[2] = prefix_len(r.from.as_ref());
    h[3] = r.tos.unwrap_or(0);
    h[4] = u8::try_from(r.table).unwrap_or(0);
    h[5] = protocol;
    h[6] = scope;
    h[7] = rtype;
    let rtm_flags = if r.onlink {
        u32::from(RTNH_F_ONLINK)
    } else {
        0
    };
    h[8..12].copy_from_slice(&rtm_flags.to_ne_bytes());
    let mut b = MsgBuilder::new(buf, ty, flags, seq);
    b.put(&h);
    if r.table > 255 {
        b.attr_u32(RTA_TABLE, r.table);
    }
    if let Some((a, _)) = dst {
        put_ip(&mut b, RTA_DST, &a);
    }
    if let Some(RouteDest::Prefix(a, _)) = r.from {
        put_ip(&mut b, RTA_SRC, &a);
    }
    if let Some(a) = r.pref_src {
        put_ip(&mut b, RTA_PREFSRC, &a);
    }
    if let Some(a) = r.via {
        put_ip(&mut b, RTA_GATEWAY, &a);
    }
    if let Some(d) = r.dev {
        b.attr_u32(RTA_OIF, dev(d)?);
    }
    if let Some(m) = r.metric {
        b.attr_u32(RTA_PRIORITY, m);
    }
    if let Some(f) = r.realms {
        b.attr_u32(RTA_FLOW, f);
    }
    if let Some(e) = r.expires {
        b.attr_u32(RTA_EXPIRES, e);
    }
    if let Some(p) = r.pref {
        b.attr_u8(RTA_PREF, p);
    }
    if let Some(t) = r.ttl_propagate {
        b.attr_u8(RTA_TTL_PROPAGATE, u8::from(t));
    }
    if !delete {
        put_metrics(&mut b, r);
    }
    if let Some(e) = r.encap {
        put_encap(&mut b, e);
    }
    if !r.nexthops.is_empty() {
        let mp = b.nest_begin(RTA_MULTIPATH);
        for nh in r.nexthops {
            put_nexthop(&mut b, nh, &dev)?;
        }
        b.nest_end(mp);
    }
    b.finish()
}

fn put_metrics(b: &mut MsgBuilder<'_>, r: &RouteSpec<'_>) {
    let m = r.metrics;
    let u32s = [
        (RTAX_MTU, m.mtu),
        (RTAX_WINDOW, m.window),
        (RTAX_RTT, m.rtt),
        (RTAX_RTTVAR, m.rttvar),
        (RTAX_SSTHRESH, m.ssthresh),
        (RTAX_CWND, m.cwnd),
        (RTAX_ADVMSS, m.advmss),
        (RTAX_REORDERING, m.reordering),
        (RTAX_HOPLIMIT, m.hoplimit.map(u32::from)),
        (RTAX_INITCWND, m.initcwnd),
        (RTAX_FEATURES, m.features_ecn.then_some(RTAX_FEATURE_ECN)),
        (RTAX_RTO_MIN, m.rto_min),
        (RTAX_INITRWND, m.initrwnd),
        (RTAX_QUICKACK, m.quickack.map(u32::from)),
        (RTAX_FASTOPEN_NO_COOKIE, m.fastopen_no_cookie.map(u32::from)),
    ];
    if m.lock == 0 && m.congctl.is_none() && u32s.iter().all(|(_, v)| v.is_none()) {
        return;
    }
    let n = b.nest_begin(RTA_METRICS);
    if m.lock != 0 {
        b.attr_u32(RTAX_LOCK, m.lock);
    }
    for (t, v) in u32s {
        if let Some(v) = v {
            b.attr_u32(t, v);
        }
    }
    if let Some(cc) = &m.congctl {
        // Unterminated, as iproute2 sends it; the kernel copies it with a bound.
        b.attr(RTAX_CC_ALGO, cc.as_bytes());
    }
    b.nest_end(n);
}

fn put_encap(b: &mut MsgBuilder<'_>, e: &Encap) {
    let kind = match e {
        Encap::Mpls(_) => LWTUNNEL_ENCAP_MPLS,
        Encap::Ip { v6: false, .. } => LWTUNNEL_ENCAP_IP,
        Encap::Ip { v6: true, .. } => LWTUNNEL_ENCAP_IP6,
        Encap::Ila(_) => LWTUNNEL_ENCAP_ILA,
    };
    b.attr_u16(RTA_ENCAP_TYPE, kind);
    let n = b.nest_begin(RTA_ENCAP);
    match e {
        Encap::Mpls(labels) => {
            // Label stack entries in network order, bottom-of-stack bit on the last.
            let mut stack = [0u8; 4 * 16];
            let count = labels.len().min(16);
            for (i, l) in labels.iter().take(count).enumerate() {
                let bos = u32::from(i + 1 == count) << 8;
                stack[i * 4..i * 4 + 4].copy_from_slice(&((l << 12) | bos).to_be_bytes());
            }
            b.attr(MPLS_IPTUNNEL_DST, &stack[..count * 4]);
        }
        Encap::Ila(loc) => {
            b.attr(ILA_ATTR_LOCATOR, &loc.to_ne_bytes());
        }
        Encap::Ip {
            id,
            dst,
            src,
            tos,
            ttl,
            flags,
            ..
        } => {
            if let Some(id) = id {
                b.attr(LWT_IP_ID, &id.to_be_bytes());
            }
            if let Some(a) = dst {
                put_ip(b, LWT_IP_DST, a);
            }
            if let Some(a) = src {
                put_ip(b, LWT_IP_SRC, a);
            }
            if let Some(t) = ttl {
                b.attr_u8(LWT_IP_TTL, *t);
            }
            if let Some(t) = tos {
                b.attr_u8(LWT_IP_TOS, *t);
            }
            if let Some(f) = flags {
                b.attr(LWT_IP_FLAGS, &f.to_be_bytes());
            }
        }
    }
    b.nest_end(n);
}

/// One `struct rtnexthop` and its attributes; its length word is filled in at the end,
/// the same way a nested attribute's is.
fn put_nexthop(
    b: &mut MsgBuilder<'_>,
    nh: &Nexthop,
    dev: &dyn Fn(&str) -> Result<u32, Error>,
) -> Result<(), Error> {
    let mut h = [0u8; RTNEXTHOP_LEN];
    h[2] = if nh.onlink { RTNH_F_ONLINK } else { 0 };
    h[3] = nh.weight.map_or(0, |w| (w.max(1) - 1) as u8);
    let idx = match &nh.dev {
        Some(d) => dev(d)?,
        None => 0,
    };
    h[4..8].copy_from_slice(&idx.to_ne_bytes());
    let n = b.raw_begin(&h);
    if let Some(a) = nh.via {
        put_ip(b, RTA_GATEWAY, &a);
    }
    if let Some(f) = nh.realms {
        b.attr_u32(RTA_FLOW, f);
    }
    if let Some(e) = &nh.encap {
        put_encap(b, e);
    }
    b.nest_end(n);
    Ok(())
}

/// Test vectors are what iproute2 6.1 sent for the same line (captured with
/// `strace -e write=all ip ...` in a namespace where `d0` is ifindex 3). The kernel does not
/// care about attribute order, so messages are compared as their header plus sorted
/// attributes, nested ones sorted too.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::diag::Diagnostics;
    use crate::config::iproute::{parse_route_in, parse_rule_in, NetCtx, Route, Rule};
    use crate::config::reader::tree_from_str;
    use crate::net::netlink::{attrs, NLA_TYPE_MASK};

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn ctx() -> NetCtx {
        NetCtx {
            lookup: Some(|n| n == "d0"),
            ..NetCtx::default()
        }
    }

    fn d0(n: &str) -> Option<u32> {
        (n == "d0").then_some(3)
    }

    pub(crate) fn route(line: &str) -> Route {
        let mut d = Diagnostics::new();
        let n = tree_from_str(line, 0, &mut d).pop().unwrap();
        let r = parse_route_in(&n, &ctx(), &mut d);
        assert!(!d.has_errors(), "{line}");
        r.unwrap()
    }

    pub(crate) fn rule(line: &str) -> Rule {
        let mut d = Diagnostics::new();
        let n = tree_from_str(line, 0, &mut d).pop().unwrap();
        let r = parse_rule_in(&n, &ctx(), &mut d);
        assert!(!d.has_errors(), "{line}");
        r.unwrap()
    }

    type Norm = (u16, u16, Vec<u8>, Vec<(u16, Vec<u8>)>);

    fn sorted_attrs(b: &[u8], nested: &[u16]) -> Vec<(u16, Vec<u8>)> {
        let mut v: Vec<(u16, Vec<u8>)> = attrs(b)
            .map(|a| a.unwrap())
            .map(|a| {
                let ty = a.ty & NLA_TYPE_MASK;
                if nested.contains(&ty) {
                    let inner = sorted_attrs(a.payload, &[]);
                    (
                        ty,
                        inner
                            .into_iter()
                            .flat_map(|(t, p)| {
                                let mut x = t.to_ne_bytes().to_vec();
                                x.extend(p);
                                x
                            })
                            .collect(),
                    )
                } else {
                    (ty, a.payload.to_vec())
                }
            })
            .collect();
        v.sort();
        v
    }

    /// Type, flags, family header and sorted attributes; sequence and port left out.
    pub(crate) fn norm(m: &[u8], fixed: usize, nested: &[u16]) -> Norm {
        let ty = u16::from_ne_bytes([m[4], m[5]]);
        let fl = u16::from_ne_bytes([m[6], m[7]]);
        assert_eq!(
            u32::from_ne_bytes([m[0], m[1], m[2], m[3]]) as usize,
            m.len()
        );
        (
            ty,
            fl,
            m[16..16 + fixed].to_vec(),
            sorted_attrs(&m[16 + fixed..], nested),
        )
    }

    fn same_as_ip(r: &Route, delete: bool, vector: &str) {
        let mut buf = [0u8; ROUTE_REQ_LEN];
        let ours = encode_route(&mut buf, 7, r, delete, &d0).unwrap();
        let nested = [RTA_METRICS, RTA_ENCAP];
        assert_eq!(
            norm(ours, RTMSG_LEN, &nested),
            norm(&hex(vector), RTMSG_LEN, &nested)
        );
    }

    #[test]
    fn unicast_route_with_src_via_dev_table_metric() {
        let r = route("192.168.109.0/24 via 10.1.0.254 dev d0 table 100 metric 5 src 10.1.0.1");
        same_as_ip(&r, false, "44 00 00 00 18 00 05 04 08 f1 0c 6b 00 00 00 00 02 18 00 00 64 12 00 01 00 00 00 00 08 00 01 00 c0 a8 6d 00 08 00 05 00 0a 01 00 fe 08 00 06 00 05 00 00 00 08 00 07 00 0a 01 00 01 08 00 04 00 03 00 00 00");
        same_as_ip(&r, true, "44 00 00 00 19 00 05 00 08 f1 0c 6b 00 00 00 00 02 18 00 00 64 12 ff 00 00 00 00 00 08 00 01 00 c0 a8 6d 00 08 00 05 00 0a 01 00 fe 08 00 06 00 05 00 00 00 08 00 07 00 0a 01 00 01 08 00 04 00 03 00 00 00");
    }

    #[test]
    fn ipv6_route_in_a_big_table_with_metrics() {
        let r = route("2001:db8:5::/64 via 2001:db8::fe dev d0 table 300 mtu lock 1400 advmss 1300 congctl cubic no_track");
        same_as_ip(&r, false, "7c 00 00 00 18 00 05 04 08 f1 0c 6b 00 00 00 00 0a 40 00 00 00 03 00 01 00 00 00 00 14 00 01 00 20 01 0d b8 00 05 00 00 00 00 00 00 00 00 00 00 14 00 05 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 fe 08 00 0f 00 2c 01 00 00 08 00 04 00 03 00 00 00 28 00 08 00 08 00 02 00 78 05 00 00 08 00 08 00 14 05 00 00 09 00 10 00 63 75 62 69 63 00 00 00 08 00 01 00 04 00 00 00");
    }

    #[test]
    fn multipath_blackhole_and_device_routes() {
        let r =
            route("10.9.0.0/16 nexthop via 10.1.0.2 dev d0 weight 2 nexthop via 10.1.0.3 dev d0");
        same_as_ip(&r, false, "48 00 00 00 18 00 05 04 0e f1 0c 6b 00 00 00 00 02 10 00 00 fe 12 00 01 00 00 00 00 08 00 01 00 0a 09 00 00 24 00 09 00 10 00 00 01 03 00 00 00 08 00 05 00 0a 01 00 02 10 00 00 00 03 00 00 00 08 00 05 00 0a 01 00 03");
        let r = route("blackhole 10.10.0.0/16 table 100");
        same_as_ip(&r, false, "24 00 00 00 18 00 05 04 08 f1 0c 6b 00 00 00 00 02 10 00 00 64 12 00 06 00 00 00 00 08 00 01 00 0a 0a 00 00");
        let r = route("10.11.0.0/16 dev d0 table 100 tos 0x10 realms 3/4 onlink");
        same_as_ip(&r, false, "34 00 00 00 18 00 05 04 08 f1 0c 6b 00 00 00 00 02 10 00 10 64 12 fd 01 04 00 00 00 08 00 01 00 0a 0b 00 00 08 00 0b 00 04 00 03 00 08 00 04 00 03 00 00 00");
    }

    #[test]
    fn unknown_device_is_refused_and_modes_set_flags() {
        let mut r = route("10.11.0.0/16 dev d0");
        let mut buf = [0u8; ROUTE_REQ_LEN];
        assert!(encode_route(&mut buf, 1, &r, false, &|_| None).is_err());
        r.mode = RouteMode::Add;
        let m = encode_route(&mut buf, 1, &r, false, &d0).unwrap();
        assert_eq!(
            u16::from_ne_bytes([m[6], m[7]]),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
        );
    }

    #[test]
    fn mpls_encap_marks_the_bottom_of_the_stack() {
        let r = route("10.12.0.0/16 encap mpls 100/200 via 10.1.0.2 dev d0");
        let mut buf = [0u8; ROUTE_REQ_LEN];
        let m = encode_route(&mut buf, 1, &r, false, &d0).unwrap();
        let a = attrs(&m[16 + RTMSG_LEN..]).find(RTA_ENCAP).unwrap();
        let dst = attrs(a.payload).find(MPLS_IPTUNNEL_DST).unwrap();
        assert_eq!(
            dst.payload,
            [0x00, 0x06, 0x40, 0x00, 0x00, 0x0c, 0x81, 0x00]
        );
    }
}
