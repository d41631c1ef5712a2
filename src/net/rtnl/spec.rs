//! What a route or rule request is built from: the values `ip route` / `ip rule` would send,
//! with device names still names (the caller's lookup resolves them). The config's route and
//! rule lines carry more (where they were read, tracking) and lend these out; see
//! `config::iproute`.

use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub(crate) fn of(a: &IpAddr) -> Family {
        if a.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        }
    }

    pub(crate) fn max_prefix(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteDest {
    /// `default`, `any`, `all` (and the old `default6`).
    Default,
    Prefix(IpAddr, u8),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum RouteMode {
    /// The kernel's default and keepalived's traditional behaviour.
    #[default]
    Prepend,
    Add,
    Append,
}

/// Route metrics (`RTAX_*`); `lock` has bit `1 << RTAX_x` set for each `x lock N`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RouteMetrics {
    pub(crate) mtu: Option<u32>,
    pub(crate) hoplimit: Option<u8>,
    pub(crate) advmss: Option<u32>,
    /// In the kernel's units: 1/8 ms.
    pub(crate) rtt: Option<u32>,
    /// In 1/4 ms.
    pub(crate) rttvar: Option<u32>,
    pub(crate) reordering: Option<u32>,
    pub(crate) window: Option<u32>,
    pub(crate) cwnd: Option<u32>,
    pub(crate) ssthresh: Option<u32>,
    /// In ms.
    pub(crate) rto_min: Option<u32>,
    pub(crate) initcwnd: Option<u32>,
    pub(crate) initrwnd: Option<u32>,
    pub(crate) quickack: Option<bool>,
    pub(crate) congctl: Option<String>,
    pub(crate) fastopen_no_cookie: Option<bool>,
    pub(crate) features_ecn: bool,
    pub(crate) lock: u32,
}

/// Lightweight tunnel encapsulation (`encap ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Encap {
    Mpls(Vec<u32>),
    Ip {
        v6: bool,
        id: Option<u64>,
        dst: Option<IpAddr>,
        src: Option<IpAddr>,
        tos: Option<u8>,
        ttl: Option<u8>,
        flags: Option<u16>,
    },
    Ila(u64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Nexthop {
    pub(crate) via: Option<IpAddr>,
    pub(crate) dev: Option<String>,
    /// 1..=256 as written (the kernel stores weight - 1).
    pub(crate) weight: Option<u16>,
    pub(crate) onlink: bool,
    pub(crate) realms: Option<u32>,
    pub(crate) encap: Option<Encap>,
}

/// A route to add or delete; borrowed from whoever holds the route, so a request allocates
/// nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteSpec<'a> {
    pub(crate) family: Family,
    pub(crate) dst: RouteDest,
    /// The kernel's `RTN_*` type; None: unicast on add, any on delete.
    pub(crate) rtype: Option<u8>,
    /// `src`: preferred source address.
    pub(crate) pref_src: Option<IpAddr>,
    /// `from`: source prefix (IPv6 only).
    pub(crate) from: Option<RouteDest>,
    pub(crate) via: Option<IpAddr>,
    pub(crate) dev: Option<&'a str>,
    pub(crate) table: u32,
    pub(crate) scope: Option<u8>,
    pub(crate) protocol: Option<u8>,
    pub(crate) metric: Option<u32>,
    pub(crate) tos: Option<u8>,
    pub(crate) onlink: bool,
    pub(crate) realms: Option<u32>,
    pub(crate) expires: Option<u32>,
    pub(crate) pref: Option<u8>,
    pub(crate) ttl_propagate: Option<bool>,
    pub(crate) metrics: &'a RouteMetrics,
    pub(crate) encap: Option<&'a Encap>,
    pub(crate) nexthops: &'a [Nexthop],
    pub(crate) mode: RouteMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RuleAction {
    Table(u32),
    Goto(u32),
    Nop,
    Blackhole,
    Unreachable,
    Prohibit,
    /// Look up the table of the l3mdev (VRF) device.
    L3mdev,
}

/// As rule log lines have always shown the action (the variant as written here).
impl std::fmt::Display for RuleAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleAction::Table(t) => write!(f, "Table({t})"),
            RuleAction::Goto(t) => write!(f, "Goto({t})"),
            RuleAction::Nop => f.write_str("Nop"),
            RuleAction::Blackhole => f.write_str("Blackhole"),
            RuleAction::Unreachable => f.write_str("Unreachable"),
            RuleAction::Prohibit => f.write_str("Prohibit"),
            RuleAction::L3mdev => f.write_str("L3mdev"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PortRange {
    pub(crate) start: u16,
    pub(crate) end: u16,
}

/// A policy routing rule to add or delete, borrowed like [`RouteSpec`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuleSpec<'a> {
    pub(crate) family: Family,
    pub(crate) from: Option<RouteDest>,
    pub(crate) to: Option<RouteDest>,
    pub(crate) action: RuleAction,
    pub(crate) invert: bool,
    pub(crate) priority: Option<u32>,
    pub(crate) tos: Option<u8>,
    /// `fwmark VALUE[/MASK]`.
    pub(crate) fwmark: Option<(u32, Option<u32>)>,
    pub(crate) realms: Option<u32>,
    pub(crate) suppress_prefixlen: Option<u32>,
    pub(crate) suppress_ifgroup: Option<u32>,
    pub(crate) iif: Option<&'a str>,
    pub(crate) oif: Option<&'a str>,
    pub(crate) tunnel_id: Option<u64>,
    pub(crate) uidrange: Option<(u32, u32)>,
    pub(crate) protocol: Option<u8>,
    pub(crate) ip_proto: Option<u8>,
    pub(crate) sport: Option<PortRange>,
    pub(crate) dport: Option<PortRange>,
}
