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
    pub fn of(a: &IpAddr) -> Family {
        if a.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        }
    }

    pub fn max_prefix(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteDest {
    /// `default`, `any`, `all` (and the old `default6`).
    Default,
    Prefix(IpAddr, u8),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RouteMode {
    /// The kernel's default and keepalived's traditional behaviour.
    #[default]
    Prepend,
    Add,
    Append,
}

/// Route metrics (`RTAX_*`); `lock` has bit `1 << RTAX_x` set for each `x lock N`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteMetrics {
    pub mtu: Option<u32>,
    pub hoplimit: Option<u8>,
    pub advmss: Option<u32>,
    /// In the kernel's units: 1/8 ms.
    pub rtt: Option<u32>,
    /// In 1/4 ms.
    pub rttvar: Option<u32>,
    pub reordering: Option<u32>,
    pub window: Option<u32>,
    pub cwnd: Option<u32>,
    pub ssthresh: Option<u32>,
    /// In ms.
    pub rto_min: Option<u32>,
    pub initcwnd: Option<u32>,
    pub initrwnd: Option<u32>,
    pub quickack: Option<bool>,
    pub congctl: Option<String>,
    pub fastopen_no_cookie: Option<bool>,
    pub features_ecn: bool,
    pub lock: u32,
}

/// Lightweight tunnel encapsulation (`encap ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encap {
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
pub struct Nexthop {
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    /// 1..=256 as written (the kernel stores weight - 1).
    pub weight: Option<u16>,
    pub onlink: bool,
    pub realms: Option<u32>,
    pub encap: Option<Encap>,
}

/// A route to add or delete; borrowed from whoever holds the route, so a request allocates
/// nothing.
#[derive(Clone, Copy, Debug)]
pub struct RouteSpec<'a> {
    pub family: Family,
    pub dst: RouteDest,
    /// The kernel's `RTN_*` type; None: unicast on add, any on delete.
    pub rtype: Option<u8>,
    /// `src`: preferred source address.
    pub pref_src: Option<IpAddr>,
    /// `from`: source prefix (IPv6 only).
    pub from: Option<RouteDest>,
    pub via: Option<IpAddr>,
    pub dev: Option<&'a str>,
    pub table: u32,
    pub scope: Option<u8>,
    pub protocol: Option<u8>,
    pub metric: Option<u32>,
    pub tos: Option<u8>,
    pub onlink: bool,
    pub realms: Option<u32>,
    pub expires: Option<u32>,
    pub pref: Option<u8>,
    pub ttl_propagate: Option<bool>,
    pub metrics: &'a RouteMetrics,
    pub encap: Option<&'a Encap>,
    pub nexthops: &'a [Nexthop],
    pub mode: RouteMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    Table(u32),
    Goto(u32),
    Nop,
    Blackhole,
    Unreachable,
    Prohibit,
    /// Look up the table of the l3mdev (VRF) device.
    L3mdev,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

/// A policy routing rule to add or delete, borrowed like [`RouteSpec`].
#[derive(Clone, Copy, Debug)]
pub struct RuleSpec<'a> {
    pub family: Family,
    pub from: Option<RouteDest>,
    pub to: Option<RouteDest>,
    pub action: RuleAction,
    pub invert: bool,
    pub priority: Option<u32>,
    pub tos: Option<u8>,
    /// `fwmark VALUE[/MASK]`.
    pub fwmark: Option<(u32, Option<u32>)>,
    pub realms: Option<u32>,
    pub suppress_prefixlen: Option<u32>,
    pub suppress_ifgroup: Option<u32>,
    pub iif: Option<&'a str>,
    pub oif: Option<&'a str>,
    pub tunnel_id: Option<u64>,
    pub uidrange: Option<(u32, u32)>,
    pub protocol: Option<u8>,
    pub ip_proto: Option<u8>,
    pub sport: Option<PortRange>,
    pub dport: Option<PortRange>,
}
