//! Tracked virtual routes and rules (those without `no_track`): whether a config has any (the
//! shell then watches deletions), what a route monitor message means for them, and which of
//! an instance's to probe when one went.

use crate::config::iproute::{Route, Rule, StaticNet};
use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::net::netlink::Msg;
use crate::net::rtnl::route::RTM_DELROUTE;
use crate::net::rtnl::rule::{FIB_RULE_HDR_LEN, FRA_PROTOCOL, RTM_DELRULE};

/// The protocol keepalived (and the config reader) gives tracked routes and rules.
const RTPROT_KEEPALIVED: u8 = 18;
/// Where rtmsg holds the route's protocol.
const RTM_PROTOCOL_AT: usize = 5;

/// Whether some instance of `cfg` has a tracked virtual route or rule, or a static one has a
/// track_group (keepalived watches route and rule deletions only then).
pub fn any_tracked(cfg: &Config) -> bool {
    let net = &cfg.net;
    let grouped = net.routes.iter().any(|r| r.track_group.is_some())
        || net.rules.iter().any(|r| r.track_group.is_some());
    grouped
        || cfg
            .vrrp
            .instances
            .iter()
            .any(|v| v.routes.iter().any(|r| !r.no_track) || v.rules.iter().any(|r| !r.no_track))
}

/// The tracked static routes (outside a VRF) and rules: the ones put back when the monitor
/// saw one of ours go (keepalived restores a deleted static route or rule).
pub fn tracked_statics(net: &StaticNet) -> Vec<Tracked<'_>> {
    let mut out = Vec::new();
    for r in &net.routes {
        if !r.no_track && r.vrf.is_none() {
            out.push(Tracked::Route(r));
        }
    }
    for r in &net.rules {
        if !r.no_track {
            out.push(Tracked::Rule(r));
        }
    }
    out
}

/// Whether `m` says a route or rule carrying keepalived's protocol (what tracked ones are
/// added with) was deleted.
pub fn deleted_ours(m: &Msg<'_>) -> bool {
    match m.ty {
        RTM_DELROUTE => m.payload.get(RTM_PROTOCOL_AT) == Some(&RTPROT_KEEPALIVED),
        RTM_DELRULE => {
            m.attrs(FIB_RULE_HDR_LEN)
                .and_then(|a| a.find(FRA_PROTOCOL))
                .and_then(|a| a.payload.first().copied())
                == Some(RTPROT_KEEPALIVED)
        }
        _ => false,
    }
}

/// One of an instance's tracked virtual routes or rules.
#[derive(Debug, PartialEq)]
pub enum Tracked<'a> {
    Route(&'a Route),
    Rule(&'a Rule),
}

/// Instance `v`'s tracked routes (those in a VRF are never set) then rules: the ones a MASTER
/// checks are still there when the monitor saw one of ours go.
pub fn tracked(v: &VrrpInstance) -> impl Iterator<Item = Tracked<'_>> {
    let routes = v.routes.iter().filter(|r| !r.no_track && r.vrf.is_none());
    let rules = v.rules.iter().filter(|r| !r.no_track);
    routes.map(Tracked::Route).chain(rules.map(Tracked::Rule))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::netlink::messages;
    use crate::net::rtnl::route::tests::{route, rule};

    /// A netlink message of type `ty` around `payload`.
    fn msg(ty: u16, payload: &[u8]) -> Vec<u8> {
        let len = 16 + payload.len();
        let mut b = Vec::new();
        b.extend_from_slice(&(len as u32).to_ne_bytes());
        b.extend_from_slice(&ty.to_ne_bytes());
        b.extend_from_slice(&[0; 10]);
        b.extend_from_slice(payload);
        b.resize(len.next_multiple_of(4), 0);
        b
    }

    fn ours(bytes: &[u8]) -> bool {
        let m = messages(bytes).next().and_then(Result::ok);
        m.as_ref().is_some_and(deleted_ours)
    }

    #[test]
    fn a_deleted_route_is_ours_by_its_protocol() {
        let mut rtmsg = [0u8; 12];
        rtmsg[RTM_PROTOCOL_AT] = RTPROT_KEEPALIVED;
        assert!(ours(&msg(RTM_DELROUTE, &rtmsg)));
        rtmsg[RTM_PROTOCOL_AT] = 4; // RTPROT_STATIC: someone else's
        assert!(!ours(&msg(RTM_DELROUTE, &rtmsg)));
        // A new route, or one cut short, says nothing.
        assert!(!ours(&msg(RTM_DELROUTE - 1, &[0, 0, 0, 0, 0, 18])));
        assert!(!ours(&msg(RTM_DELROUTE, &[0, 0, 0])));
    }

    #[test]
    fn a_deleted_rule_is_ours_by_its_protocol_attribute() {
        let mut body = vec![0u8; FIB_RULE_HDR_LEN];
        // FRA_PROTOCOL, 5 bytes, padded to 8.
        body.extend_from_slice(&5u16.to_ne_bytes());
        body.extend_from_slice(&FRA_PROTOCOL.to_ne_bytes());
        body.extend_from_slice(&[RTPROT_KEEPALIVED, 0, 0, 0]);
        assert!(ours(&msg(RTM_DELRULE, &body)));
        assert!(!ours(&msg(RTM_DELRULE, &body[..FIB_RULE_HDR_LEN])));
    }

    #[test]
    fn only_tracked_routes_outside_a_vrf_are_probed() {
        let mut quiet = route("10.3.0.0/16 dev d0");
        quiet.no_track = true;
        let v = VrrpInstance {
            routes: vec![route("10.2.0.0/16 dev d0"), quiet],
            rules: vec![rule("from 10.1.0.0/16 table 5")],
            ..VrrpInstance::default()
        };
        let got: Vec<Tracked<'_>> = tracked(&v).collect();
        assert_eq!(
            got,
            [Tracked::Route(&v.routes[0]), Tracked::Rule(&v.rules[0])]
        );
        let mut cfg = Config::default();
        assert!(!any_tracked(&cfg));
        cfg.vrrp.instances.push(v);
        assert!(any_tracked(&cfg));
    }

    #[test]
    fn tracked_static_routes_and_rules_are_watched_and_put_back() {
        let mut quiet = rule("from 10.3.0.0/16 table 5");
        quiet.no_track = true;
        let mut cfg = Config::default();
        cfg.net.rules = vec![quiet];
        assert!(!any_tracked(&cfg), "nothing tracked");
        cfg.net.routes = vec![route("10.2.0.0/16 dev d0")];
        assert!(!any_tracked(&cfg), "watched only for a track_group");
        cfg.net.routes[0].track_group = Some("g".into());
        assert!(any_tracked(&cfg));
        assert_eq!(
            tracked_statics(&cfg.net),
            [Tracked::Route(&cfg.net.routes[0])]
        );
    }
}
