//! The kernel changes routes and rules call for, in the order keepalived makes them: an
//! instance's virtual routes and rules following its VIPs, the global statics at start and
//! stop, and what a reload changes of either. The shell carries each [`Change`] out and says
//! nothing about a failure [`benign`] calls harmless.

use crate::config::iproute::{IpAddress, Route, Rule, StaticNet};
use crate::config::located::Located;
use crate::config::vrrp::VrrpInstance;
use crate::net::rtnl::{AddrSpec, IFA_F_HOMEADDRESS, IFA_F_NODAD, IFA_F_NOPREFIXROUTE};

/// One change to make, `true` to add and `false` to remove.
#[derive(Debug, PartialEq)]
pub enum Change<'a> {
    /// keepalived's "setting/removing Virtual Routes|Rules" line, which scripts may look for.
    Announce(&'static str, bool),
    Address(&'a IpAddress, bool),
    Route(&'a Route, bool),
    Rule(&'a Rule, bool),
}

/// Whether a failure (its errno) only says the object is already as wanted.
pub fn benign(errno: Option<i32>, add: bool) -> bool {
    if add {
        errno == Some(libc::EEXIST)
    } else {
        matches!(
            errno,
            Some(libc::ESRCH) | Some(libc::ENOENT) | Some(libc::EADDRNOTAVAIL) | Some(libc::ENODEV)
        )
    }
}

/// Instance `v`'s virtual routes and rules on becoming MASTER (`add`) or leaving it: rules go
/// after routes on the way in and before them on the way out, as keepalived orders them, each
/// list announced unless empty.
pub fn vroutes(v: &VrrpInstance, add: bool) -> Vec<Change<'_>> {
    let mut out = Vec::new();
    if add {
        announced(&mut out, "Routes", &v.routes, add, Change::Route);
        announced(&mut out, "Rules", &v.rules, add, Change::Rule);
    } else {
        announced(&mut out, "Rules", &v.rules, add, Change::Rule);
        announced(&mut out, "Routes", &v.routes, add, Change::Route);
    }
    out
}

/// `what`'s announcement and then each of `list`, unless `list` is empty.
fn announced<'a, T>(
    out: &mut Vec<Change<'a>>,
    what: &'static str,
    list: &'a [T],
    add: bool,
    wrap: fn(&'a T, bool) -> Change<'a>,
) {
    if list.is_empty() {
        return;
    }
    out.push(Change::Announce(what, add));
    for x in list {
        out.push(wrap(x, add));
    }
}

/// A reload keeps an instance that has its VIPs set: the routes and rules `old` had and `new`
/// lacks go (rules first), then new ones come (routes first); the others stay untouched.
pub fn reload_vroutes<'a>(old: &'a VrrpInstance, new: &'a VrrpInstance) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    missing(&mut out, &old.rules, &new.rules, false, Change::Rule);
    missing(&mut out, &old.routes, &new.routes, false, Change::Route);
    missing(&mut out, &new.routes, &old.routes, true, Change::Route);
    missing(&mut out, &new.rules, &old.rules, true, Change::Rule);
    out
}

/// The global statics added (at start) or removed (at stop, whatever `-V` says): addresses,
/// routes, rules in that order, and the reverse on removal (a route may need an address, a
/// rule a route).
pub fn statics(net: &StaticNet, add: bool) -> Vec<Change<'_>> {
    let all = StaticNet::default();
    static_diff(net, &all, add)
}

/// On reload: what the `old` statics had and `new` lacks goes, then what is new comes.
pub fn reload_statics<'a>(old: &'a StaticNet, new: &'a StaticNet) -> Vec<Change<'a>> {
    let mut out = static_diff(old, new, false);
    out.extend(static_diff(new, old, true));
    out
}

/// What of `net` is not in `other`, added or removed in the order [`statics`] gives.
fn static_diff<'a>(net: &'a StaticNet, other: &StaticNet, add: bool) -> Vec<Change<'a>> {
    // Loops, not iterator chains: measured smaller (the chains build one type per order).
    let mut out = Vec::new();
    if add {
        missing(
            &mut out,
            &net.addresses,
            &other.addresses,
            add,
            Change::Address,
        );
        missing(&mut out, &net.routes, &other.routes, add, Change::Route);
        missing(&mut out, &net.rules, &other.rules, add, Change::Rule);
    } else {
        missing(&mut out, &net.rules, &other.rules, add, Change::Rule);
        missing(&mut out, &net.routes, &other.routes, add, Change::Route);
        missing(
            &mut out,
            &net.addresses,
            &other.addresses,
            add,
            Change::Address,
        );
    }
    out
}

/// A link named `ifname` came up (made again, or up after being down): the tracked static
/// addresses and routes on it, which the kernel deleted with it or when it went down, are set
/// again, addresses first (a route may need one), as keepalived's interface_up does. Rules
/// outlive their link in the kernel, so have no part here.
pub fn reinstated<'a>(net: &'a StaticNet, ifname: &str) -> Vec<Change<'a>> {
    let on = |dev: &Option<String>| dev.as_deref() == Some(ifname);
    let mut out = Vec::new();
    for a in &net.addresses {
        if !a.no_track && on(&a.dev) {
            out.push(Change::Address(a, true));
        }
    }
    for r in &net.routes {
        if !r.no_track && on(&r.dev) {
            out.push(Change::Route(r, true));
        }
    }
    out
}

/// Address `addr` went from the link named `ifname`: when it is a tracked static address
/// there, it is set again (keepalived restores a deleted static address).
pub fn static_address_lost<'a>(
    net: &'a StaticNet,
    ifname: &str,
    addr: std::net::IpAddr,
) -> Option<Change<'a>> {
    let a = net
        .addresses
        .iter()
        .find(|a| !a.no_track && a.addr == addr && a.dev.as_deref() == Some(ifname))?;
    Some(Change::Address(a, true))
}

/// `wrap(x, add)` for each item `x` of `a` that `b` lacks, places in the file left out of the
/// comparison.
fn missing<'a, T: Located>(
    out: &mut Vec<Change<'a>>,
    a: &'a [T],
    b: &[T],
    add: bool,
    wrap: fn(&'a T, bool) -> Change<'a>,
) {
    for x in a {
        if !b.iter().any(|y| x.same_as(y)) {
            out.push(wrap(x, add));
        }
    }
}

/// The request for static address `a` on `ifindex` (its `dev`): on removal only what
/// identifies it, on adding its broadcast, scope, label, flags and IPv6 preferred lifetime.
pub fn static_address_spec(a: &IpAddress, ifindex: u32, add: bool) -> AddrSpec<'_> {
    let mut spec = AddrSpec::new(ifindex, a.addr, a.prefix_len);
    spec.peer = a.peer;
    if !add {
        return spec;
    }
    spec.broadcast = a.broadcast;
    spec.scope = a.scope.unwrap_or(0);
    spec.label = a.label.as_deref();
    for (set, bit) in [
        (a.flags.nodad, IFA_F_NODAD),
        (a.flags.noprefixroute, IFA_F_NOPREFIXROUTE),
        (a.flags.home, IFA_F_HOMEADDRESS),
    ] {
        if set {
            spec.flags |= bit;
        }
    }
    spec.preferred_lft = a.preferred_lft.filter(|_| a.addr.is_ipv6());
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::rtnl::route::tests::{route, rule};

    fn instance() -> VrrpInstance {
        VrrpInstance {
            routes: vec![route("10.2.0.0/16 dev d0")],
            rules: vec![rule("from 10.1.0.0/16 table 5")],
            ..VrrpInstance::default()
        }
    }

    #[test]
    fn rules_follow_routes_in_and_precede_them_out() {
        let v = instance();
        let (route, rule) = (&v.routes[0], &v.rules[0]);
        assert_eq!(
            vroutes(&v, true),
            [
                Change::Announce("Routes", true),
                Change::Route(route, true),
                Change::Announce("Rules", true),
                Change::Rule(rule, true),
            ]
        );
        assert_eq!(
            vroutes(&v, false),
            [
                Change::Announce("Rules", false),
                Change::Rule(rule, false),
                Change::Announce("Routes", false),
                Change::Route(route, false),
            ]
        );
        // Nothing configured, nothing announced.
        assert_eq!(vroutes(&VrrpInstance::default(), true), []);
    }

    #[test]
    fn a_reload_removes_before_it_adds_and_keeps_what_stays() {
        let old = instance();
        let mut new = instance();
        new.rules[0] = rule("from 10.9.0.0/16 table 5");
        new.routes.push(route("10.4.0.0/16 dev d0"));
        assert_eq!(
            reload_vroutes(&old, &new),
            [
                Change::Rule(&old.rules[0], false),
                Change::Route(&new.routes[1], true),
                Change::Rule(&new.rules[0], true),
            ]
        );
    }

    #[test]
    fn statics_go_addresses_routes_rules_and_come_back_out_in_reverse() {
        use crate::config::{from_tree, reader, Config, Diagnostics};
        let text = "static_ipaddress {\n 10.0.0.5/24 dev lo noprefixroute\n}\n\
                    static_routes {\n 10.2.0.0/16 dev lo\n}\n\
                    static_rules {\n from 10.1.0.0/16 table 5\n}\n";
        let mut d = Diagnostics::new();
        let cfg: Config = from_tree(&reader::tree_from_str(text, 0, &mut d), &mut d);
        assert!(!d.has_errors(), "{:?}", d.items());
        let net = cfg.net;
        let kinds = |add| -> Vec<&str> {
            statics(&net, add)
                .iter()
                .map(|c| match c {
                    Change::Address(..) => "address",
                    Change::Route(..) => "route",
                    Change::Rule(..) => "rule",
                    Change::Announce(..) => "announce",
                })
                .collect()
        };
        assert_eq!(kinds(true), ["address", "route", "rule"]);
        assert_eq!(kinds(false), ["rule", "route", "address"]);
        // Removal names the address only; adding carries its flags.
        let a = &net.addresses[0];
        assert_eq!(static_address_spec(a, 4, false).flags, 0);
        assert_eq!(static_address_spec(a, 4, true).flags, IFA_F_NOPREFIXROUTE);
    }

    #[test]
    fn a_link_back_up_gets_its_tracked_static_addresses_then_routes() {
        use crate::config::{from_tree, reader, Config, Diagnostics};
        // Interfaces the machine running the test may lack.
        let text = "global_defs {\n dynamic_interfaces\n}\n\
                    static_ipaddress {\n 10.0.0.5/24 dev eth0\n 10.0.0.6/24 dev eth0 no_track\n \
                    10.1.0.5/24 dev eth1\n}\n\
                    static_routes {\n 10.2.0.0/16 dev eth0\n 10.3.0.0/16 dev eth0 no_track\n \
                    10.4.0.0/16 dev eth1\n}\n\
                    static_rules {\n from 10.1.0.0/16 table 5\n}\n";
        let mut d = Diagnostics::new();
        let cfg: Config = from_tree(&reader::tree_from_str(text, 0, &mut d), &mut d);
        assert!(!d.has_errors(), "{:?}", d.items());
        let net = &cfg.net;
        assert_eq!(
            reinstated(net, "eth0"),
            [
                Change::Address(&net.addresses[0], true),
                Change::Route(&net.routes[0], true)
            ]
        );
        assert_eq!(
            reinstated(net, "eth1"),
            [
                Change::Address(&net.addresses[2], true),
                Change::Route(&net.routes[2], true)
            ]
        );
        assert_eq!(reinstated(net, "eth2"), []);
        let addr = |a: &str| a.parse().unwrap();
        assert_eq!(
            static_address_lost(net, "eth0", addr("10.0.0.5")),
            Some(Change::Address(&net.addresses[0], true))
        );
        // Untracked, on another link, or no static address at all.
        assert_eq!(static_address_lost(net, "eth0", addr("10.0.0.6")), None);
        assert_eq!(static_address_lost(net, "eth1", addr("10.0.0.5")), None);
        assert_eq!(static_address_lost(net, "eth0", addr("10.0.0.7")), None);
    }

    #[test]
    fn already_there_or_already_gone_is_no_failure() {
        assert!(benign(Some(libc::EEXIST), true));
        assert!(!benign(Some(libc::EEXIST), false));
        for e in [libc::ESRCH, libc::ENOENT, libc::EADDRNOTAVAIL, libc::ENODEV] {
            assert!(benign(Some(e), false));
            assert!(!benign(Some(e), true));
        }
        assert!(!benign(Some(libc::EPERM), false));
        assert!(!benign(None, true));
    }
}
