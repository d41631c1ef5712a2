//! The plan behind virtual and static routes and rules, without I/O: the priorities rules
//! without one get (as keepalived numbers them), the changes to make and in which order
//! (changes.rs), what the route monitor's messages mean for tracked ones (tracked.rs), and
//! the names log lines give routes and rules. The shell's routes.rs carries it out.

mod changes;
mod tracked;

pub use changes::{
    benign, reinstated, reload_statics, reload_vroutes, static_address_lost, static_address_spec,
    statics, vroutes, Change,
};
pub use tracked::{any_tracked, deleted_ours, tracked, tracked_statics, Tracked};

use crate::config::iproute::{Family, IpAddress, Route, RouteDest, Rule};
use crate::config::Config;

const RULE_START_PRIORITY: u32 = 16384;

/// Rules given without a preference get one as keepalived gives them: counting down from
/// 16384 per family, in the order the lines come in the config. Doing it at each load keeps a
/// rule's number the same for adding and removing it, and across a reload of the same file.
pub fn assign_rule_priorities(cfg: &mut Config) {
    let mut rules: Vec<&mut Rule> = Vec::new();
    let instances = cfg.vrrp.instances.iter_mut().map(|v| &mut v.rules);
    for list in std::iter::once(&mut cfg.net.rules).chain(instances) {
        for r in list.iter_mut() {
            if r.priority.is_none() {
                rules.push(r);
            }
        }
    }
    rules.sort_by_key(|r| (r.loc.file, r.loc.line));
    let (mut v4, mut v6) = (RULE_START_PRIORITY, RULE_START_PRIORITY);
    for r in rules {
        let next = if r.family == Family::V4 {
            &mut v4
        } else {
            &mut v6
        };
        r.priority = Some(*next);
        *next = next.saturating_sub(1);
    }
}

fn dest(d: &RouteDest) -> String {
    match d {
        RouteDest::Default => "default".into(),
        RouteDest::Prefix(a, l) => format!("{a}/{l}"),
    }
}

/// A route as `ip route` shows it, for log lines.
pub fn route_name(r: &Route) -> String {
    let mut s = dest(&r.dst);
    if let Some(v) = r.via {
        s += &format!(" via {v}");
    }
    if let Some(d) = &r.dev {
        s += &format!(" dev {d}");
    }
    if r.table != 254 {
        s += &format!(" table {}", r.table);
    }
    s
}

/// A static address as keepalived's log lines show it: `ADDR[/LEN] [brd B] dev IF scope S`.
pub fn address_name(a: &IpAddress) -> String {
    use std::fmt::Write as _;
    let mut s = a.addr.to_string();
    // Writing to a String cannot fail.
    if a.prefix_len != if a.addr.is_ipv4() { 32 } else { 128 } {
        let _ = write!(s, "/{}", a.prefix_len);
    }
    if let Some(b) = a.broadcast.filter(|b| !b.is_unspecified()) {
        let _ = write!(s, " brd {b}");
    }
    let scope = match a.scope.unwrap_or(0) {
        0 => "global",
        200 => "site",
        253 => "link",
        254 => "host",
        255 => "nowhere",
        n => {
            let _ = write!(s, " dev {} scope {n}", a.dev.as_deref().unwrap_or(""));
            return s;
        }
    };
    let _ = write!(s, " dev {} scope {scope}", a.dev.as_deref().unwrap_or(""));
    s
}

/// A rule as `ip rule` shows it, for log lines.
pub fn rule_name(r: &Rule) -> String {
    let mut s = String::new();
    if let Some(p) = r.priority {
        s += &format!("{p}: ");
    }
    s += &format!("from {}", r.from.as_ref().map_or("all".into(), dest));
    if let Some(t) = &r.to {
        s += &format!(" to {}", dest(t));
    }
    s + &format!(" {}", r.action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::diag::Loc;
    use crate::config::iproute::StaticNet;

    fn route(line: &str, file_line: u32) -> Route {
        let mut r = crate::net::rtnl::route::tests::route(line);
        r.loc = Loc {
            line: file_line,
            ..Loc::default()
        };
        r
    }

    #[test]
    fn reload_diff_ignores_places_and_sees_changes() {
        let old = StaticNet {
            routes: vec![
                route("10.1.0.0/16 dev d0", 3),
                route("10.2.0.0/16 dev d0", 4),
            ],
            ..StaticNet::default()
        };
        let new = StaticNet {
            routes: vec![
                route("10.1.0.0/16 dev d0", 9),
                route("10.2.0.0/16 dev d0 metric 7", 10),
            ],
            ..StaticNet::default()
        };
        // The metric-less route goes, the one with a metric comes; the moved line stays.
        assert_eq!(
            reload_statics(&old, &new),
            [
                Change::Route(&old.routes[1], false),
                Change::Route(&new.routes[1], true)
            ]
        );
    }

    #[test]
    fn rules_without_preference_count_down_per_family_in_file_order() {
        let mut cfg = Config::default();
        let rule = |line: &str, at: u32| {
            let mut r = crate::net::rtnl::route::tests::rule(line);
            r.loc = Loc {
                line: at,
                ..Loc::default()
            };
            r
        };
        cfg.net.rules = vec![
            rule("from 10.1.0.0/16 table 5", 9),
            rule("from 10.2.0.0/16 table 5 priority 7", 3),
            rule("from fd00::/64 table 5", 4),
        ];
        cfg.vrrp.instances.push(crate::config::vrrp::VrrpInstance {
            rules: vec![rule("from 10.3.0.0/16 table 5", 2)],
            ..Default::default()
        });
        assign_rule_priorities(&mut cfg);
        let p: Vec<Option<u32>> = cfg.net.rules.iter().map(|r| r.priority).collect();
        assert_eq!(p, [Some(16383), Some(7), Some(16384)]);
        assert_eq!(cfg.vrrp.instances[0].rules[0].priority, Some(16384));
    }

    #[test]
    fn static_addresses_are_named_as_keepalived_logs_them() {
        let a = |line: &str| {
            let mut d = crate::config::Diagnostics::new();
            let text = format!("static_ipaddress {{\n {line}\n}}\n");
            let t = crate::config::reader::tree_from_str(&text, 0, &mut d);
            let cfg = crate::config::from_tree(&t, &mut d);
            address_name(&cfg.net.addresses[0])
        };
        assert_eq!(
            a("10.0.0.5/24 brd + dev eth0"),
            "10.0.0.5/24 brd 10.0.0.255 dev eth0 scope global"
        );
        assert_eq!(
            a("10.0.0.5 dev eth0 scope link"),
            "10.0.0.5 dev eth0 scope link"
        );
        assert_eq!(a("fd00::5/64 dev eth0"), "fd00::5/64 dev eth0 scope global");
    }

    #[test]
    fn names_read_like_ip_route() {
        assert_eq!(
            route_name(&route("10.2.0.0/16 via 10.1.0.9 dev d0 table 100", 1)),
            "10.2.0.0/16 via 10.1.0.9 dev d0 table 100"
        );
    }
}
