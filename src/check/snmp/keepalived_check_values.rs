//! The values and types KEEPALIVED-MIB's check tables share: the parts of the subtree, a
//! row, what a request reads, and the SMI values keepalived 2.2.7's handlers build.

use std::cell::Cell;
use std::net::IpAddr;

use crate::check::checkers::view::Live;
use crate::check::ipvs::stats::{Counters, ACTIVE, CPS};
use crate::config::lvs::{Forwarding, LvsConfig, TunnelCsum, TunnelType};
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
        // Loops, not nested map/collect chains: measured smaller.
        let mut quorum = Vec::with_capacity(vss.len());
        let mut notify = Vec::with_capacity(vss.len());
        for v in vss {
            quorum.push([cmd(&v.quorum_up), cmd(&v.quorum_down)]);
            let mut rs = Vec::with_capacity(v.real_servers.len());
            for r in &v.real_servers {
                rs.push([cmd(&r.notify_up), cmd(&r.notify_down)]);
            }
            notify.push(rs);
        }
        Texts { quorum, notify }
    }
}

/// What a request reads: the config, the live state, the scripts' texts and the IPVS
/// counters (without them, 0).
pub(super) struct State<'v> {
    pub(super) cfg: &'v Config,
    pub(super) live: &'v dyn Live,
    pub(super) texts: &'v Texts,
    pub(super) counted: Option<&'v dyn Counted>,
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

/// The IPVS counters a request reads, summed as keepalived sums them and refreshed no more
/// often than it refreshes them.
pub(crate) trait Counted {
    /// Virtual server `vs`'s.
    fn vs(&self, lvs: &LvsConfig, vs: usize) -> Counters;
    /// Server `slot` of virtual server `vs`: 0 its sorry server, 1 + i real server i.
    fn server(&self, lvs: &LvsConfig, vs: usize, slot: usize) -> Counters;
    /// The high word of the last Counter64 each table served (virtual, real servers).
    fn last_high(&self) -> &[Cell<u32>; 2];
}

/// A statistics or rate column of virtual server `vs` (`slot` None) or of its server `slot`.
/// keepalived's types: connections and rates Gauge32 and packets Counter32 (each the low 32
/// bits), bytes and the `...64` columns Counter64, the rates' high words Unsigned32. Its
/// `...Low` rate columns answer the high word of the last Counter64 the same table served
/// (they return that static buffer; the low word they compute is lost), kept here as well.
pub(super) fn stat(
    m: &State<'_>,
    col: u32,
    vs: usize,
    slot: Option<usize>,
) -> Option<Value<'static>> {
    let lvs = &m.cfg.lvs;
    let c = match (m.counted, slot) {
        (Some(k), None) => k.vs(lvs, vs),
        (Some(k), Some(s)) => k.server(lvs, vs, s),
        (None, _) => Counters::default(),
    };
    let x = &c.0;
    let at = |c: u32, from: u32| x[(c - from) as usize];
    // A real server's columns, moved onto the virtual server table's layout.
    let col = match (slot, col) {
        (None, _) => col,
        (Some(_), 14) => 27,
        (Some(_), 15..=17) => return Some(Value::Gauge32(x[ACTIVE + (col - 15) as usize] as u32)),
        (Some(_), 18..=26) => col + 10,
        (Some(_), _) => col + 11,
    };
    let high = m
        .counted
        .map(|k| &k.last_high()[usize::from(slot.is_some())]);
    let c64 = |v: u64| {
        if let Some(h) = high {
            h.set((v >> 32) as u32);
        }
        Value::Counter64(v)
    };
    Some(match col {
        27 | 32..=36 => Value::Gauge32(at(col, 27) as u32),
        28 | 29 => Value::Counter32(at(col, 27) as u32),
        30 | 31 => c64(at(col, 27)),
        38..=40 => c64(at(col, 38)),
        41..=50 if (col - 41) % 2 == 0 => Value::Gauge32(high.map_or(0, Cell::get)),
        41..=50 => Value::Gauge32((x[CPS + ((col - 41) / 2) as usize] >> 32) as u32),
        _ => return None,
    })
}

pub(super) fn smtp_alert(m: &State<'_>, own: Option<bool>) -> Option<bool> {
    let e = &m.cfg.global.email;
    own.or(e.smtp_alert_checker).or(e.smtp_alert)
}
