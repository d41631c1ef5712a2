//! The values and types KEEPALIVED-MIB's check tables share: the parts of the subtree, a
//! row, what a request reads, and the SMI values keepalived 2.2.7's handlers build.

use std::net::IpAddr;

use crate::check::checkers::view::Live;
use crate::config::lvs::{Forwarding, TunnelCsum, TunnelType};
use crate::config::Config;
use crate::core::time::Micros;
use crate::snmp::mib::Value;

/// The parts of the subtree, in OID order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Table {
    Group,
    Member,
    VirtualServer,
    RealServer,
    /// Scalars .6.N.0.
    SyncDaemon,
    /// Scalars .7.N.0.
    Timeouts,
}

/// A row: its owner (group or virtual server, from 0) and, in the two-index tables, the
/// entry (member, or real server counting a sorry server first) from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Row {
    pub(super) a: usize,
    pub(super) b: usize,
}

/// What a request reads besides the config and the live state: the scripts as keepalived
/// shows them, worded once per config (at start and reload) so a request allocates nothing.
pub(crate) struct Texts {
    /// Per virtual server: quorum_up, quorum_down.
    pub(super) quorum: Vec<[Option<String>; 2]>,
    /// Per virtual server, per real server: notify_up, notify_down.
    pub(super) notify: Vec<Vec<[Option<String>; 2]>>,
}

impl Texts {
    pub(crate) fn new(cfg: &Config) -> Texts {
        let cmd = |s: &Option<crate::config::checker::Script>| {
            s.as_ref().map(crate::check::data::cmd_str)
        };
        let vss = &cfg.lvs.virtual_servers;
        Texts {
            quorum: vss
                .iter()
                .map(|v| [cmd(&v.quorum_up), cmd(&v.quorum_down)])
                .collect(),
            notify: vss
                .iter()
                .map(|v| {
                    v.real_servers
                        .iter()
                        .map(|r| [cmd(&r.notify_up), cmd(&r.notify_down)])
                        .collect()
                })
                .collect(),
        }
    }
}

/// What a request reads: the config, the live state and the scripts' texts.
pub(super) struct State<'v> {
    pub(super) cfg: &'v Config,
    pub(super) live: &'v dyn Live,
    pub(super) texts: &'v Texts,
}

/// The most IPVS accepts as a weight (keepalived's IPVS_WEIGHT_MAX).
pub(super) const WEIGHT_MAX: i64 = 65_535;

pub(super) fn truth(b: bool) -> Value<'static> {
    Value::Integer(if b { 1 } else { 2 })
}

pub(super) fn gauge(x: u64) -> Value<'static> {
    Value::Gauge32(u32::try_from(x).unwrap_or(u32::MAX))
}

pub(super) fn text(s: &str) -> Value<'_> {
    Value::OctetString(s.as_bytes())
}

pub(super) fn inet<'a>(a: &IpAddr, scratch: &'a mut [u8]) -> Value<'a> {
    let n = match a {
        IpAddr::V4(x) => put(&x.octets(), scratch),
        IpAddr::V6(x) => put(&x.octets(), scratch),
    };
    Value::OctetString(&scratch[..n])
}

pub(super) fn put(from: &[u8], to: &mut [u8]) -> usize {
    let n = from.len().min(to.len());
    to[..n].copy_from_slice(&from[..n]);
    n
}

pub(super) fn inet_type(a: &IpAddr) -> Value<'static> {
    Value::Integer(if a.is_ipv4() { 1 } else { 2 })
}

pub(super) fn secs(t: Micros) -> Value<'static> {
    gauge(t.0 / 1_000_000)
}

pub(super) fn usecs(t: Micros) -> Value<'static> {
    gauge(t.0)
}

pub(super) fn kind(f: Forwarding) -> i32 {
    match f {
        Forwarding::Nat => 1,
        Forwarding::Dr => 2,
        Forwarding::Tun { .. } => 3,
    }
}

/// The tunnel columns (type, GUE port, checksum) of a service or server forwarding by `f`.
pub(super) fn tunnel(f: Forwarding, col: u32) -> Option<Value<'static>> {
    let Forwarding::Tun { kind, csum } = f else {
        return None;
    };
    match (col, kind) {
        (0, TunnelType::Ipip) => Some(Value::Integer(1)),
        (0, TunnelType::Gue(_)) => Some(Value::Integer(2)),
        (0, TunnelType::Gre) => Some(Value::Integer(3)),
        (1, TunnelType::Gue(p)) => Some(Value::Gauge32(p.into())),
        (2, TunnelType::Gue(_) | TunnelType::Gre) => Some(Value::Integer(match csum {
            Some(TunnelCsum::NoCsum) | None => 1,
            Some(TunnelCsum::Csum) => 2,
            Some(TunnelCsum::RemCsum) => 3,
        })),
        _ => None,
    }
}

/// The IPVS statistics and rates: 0 (the kernel's counters are not read).
pub(super) fn stat(col: u32, vs: bool) -> Option<Value<'static>> {
    let c64 = if vs {
        [30, 31, 38, 39, 40]
    } else {
        [20, 21, 27, 28, 29]
    };
    let c32 = if vs { [28, 29] } else { [18, 19] };
    Some(if c64.contains(&col) {
        Value::Counter64(0)
    } else if c32.contains(&col) {
        Value::Counter32(0)
    } else {
        Value::Gauge32(0)
    })
}

pub(super) fn smtp_alert(m: &State<'_>, own: Option<bool>) -> Option<bool> {
    let e = &m.cfg.global.email;
    own.or(e.smtp_alert_checker).or(e.smtp_alert)
}
