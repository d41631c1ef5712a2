//! The cells of KEEPALIVED-MIB's check subtree, valued as keepalived 2.2.7 serves them, odd
//! ones included (each seen in its walk, tests/snmp/walks/check.keepalived.walk):
//! - a group's service has both persistence granularity columns (its address family is
//!   unset), the IPv6 one the IPv4 mask's four bytes read as a host-order number;
//! - a virtual server's status is always true;
//! - a real server's smtp alert is true unless something sets it false (keepalived leaves it
//!   unresolved), a sorry server's false;
//! - a sorry server has no status, weight, thresholds, notify scripts or failed-check count,
//!   but has the statistics and zero timers;
//! - the IPVS counters and rates are 0: the checker does not read the kernel's statistics
//!   (keepalived reads them at each request; on a service with traffic they differ);
//! - the `...Low` rate columns answer the high word of the last 64-bit counter keepalived
//!   returned, 0 below 4 G (served as 0).

use std::net::IpAddr;

use crate::check::checkers::names;
use crate::check::checkers::view::Live;
use crate::check::CheckerId;
use crate::config::lvs::{
    Forwarding, Granularity, Protocol, RealServer, Sched, TunnelCsum, TunnelType, VirtualServer,
    VsAddr,
};
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
const WEIGHT_MAX: i64 = 65_535;

fn truth(b: bool) -> Value<'static> {
    Value::Integer(if b { 1 } else { 2 })
}

fn gauge(x: u64) -> Value<'static> {
    Value::Gauge32(u32::try_from(x).unwrap_or(u32::MAX))
}

fn text(s: &str) -> Value<'_> {
    Value::OctetString(s.as_bytes())
}

fn inet<'a>(a: &IpAddr, scratch: &'a mut [u8]) -> Value<'a> {
    let n = match a {
        IpAddr::V4(x) => put(&x.octets(), scratch),
        IpAddr::V6(x) => put(&x.octets(), scratch),
    };
    Value::OctetString(&scratch[..n])
}

fn put(from: &[u8], to: &mut [u8]) -> usize {
    let n = from.len().min(to.len());
    to[..n].copy_from_slice(&from[..n]);
    n
}

fn inet_type(a: &IpAddr) -> Value<'static> {
    Value::Integer(if a.is_ipv4() { 1 } else { 2 })
}

fn secs(t: Micros) -> Value<'static> {
    gauge(t.0 / 1_000_000)
}

fn usecs(t: Micros) -> Value<'static> {
    gauge(t.0)
}

/// The value of column `col` of `row` of `t`; None: keepalived serves nothing there.
pub(super) fn cell<'a>(
    m: &'a State<'_>,
    t: Table,
    col: u32,
    row: Row,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    match t {
        Table::Group if col == 2 => Some(text(&m.cfg.lvs.groups.get(row.a)?.name)),
        Table::Group => None,
        Table::Member => member(m, row, col, scratch),
        Table::VirtualServer => virtual_server(m, row.a, col, scratch),
        Table::RealServer => {
            let v = m.cfg.lvs.virtual_servers.get(row.a)?;
            match (&v.sorry_server, row.b) {
                (Some(_), 0) => sorry_server(v, col, scratch),
                (s, b) => real_server(m, row.a, b - usize::from(s.is_some()), col, scratch),
            }
        }
        Table::SyncDaemon => sync_daemon(m, col, scratch),
        Table::Timeouts => {
            let to = &m.cfg.global.lvs.timeouts;
            let v = match col {
                1 => to.tcp,
                2 => to.tcpfin,
                3 => to.udp,
                _ => None,
            };
            v.filter(|&x| x != 0)
                .map(|x| Value::Integer(i32::try_from(x).unwrap_or(i32::MAX)))
        }
    }
}

fn member<'a>(m: &State<'_>, row: Row, col: u32, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    let g = m.cfg.lvs.groups.get(row.a)?;
    // keepalived lists a group's fwmarks before its addresses.
    if let Some(f) = g.fwmarks.get(row.b) {
        return match col {
            2 => Some(Value::Integer(1)),
            3 => Some(Value::Gauge32(f.mark)),
            _ => None,
        };
    }
    let r = g.ranges.get(row.b - g.fwmarks.len())?;
    let last = range_end(r.first, r.last);
    let single = last == r.first;
    match col {
        2 => Some(Value::Integer(if single { 2 } else { 3 })),
        4 => Some(inet_type(&r.first)),
        5 if single => Some(inet(&r.first, scratch)),
        6 if !single => Some(inet(&r.first, scratch)),
        7 if !single => Some(inet(&last, scratch)),
        8 => Some(Value::Gauge32(r.port.into())),
        _ => None,
    }
}

/// A range's last address: `first` with its last byte (IPv4) or group (IPv6) replaced.
fn range_end(first: IpAddr, last: u16) -> IpAddr {
    match first {
        IpAddr::V4(a) => {
            let mut o = a.octets();
            o[3] = u8::try_from(last).unwrap_or(o[3]);
            IpAddr::from(o)
        }
        IpAddr::V6(a) => {
            let mut g = a.segments();
            g[7] = last;
            IpAddr::from(g)
        }
    }
}

/// keepalived's numbers for its schedulers.
fn sched_number(s: Option<Sched>) -> i32 {
    match s.unwrap_or(Sched::Wlc) {
        Sched::Rr => 1,
        Sched::Wrr => 2,
        Sched::Lc => 3,
        Sched::Wlc => 4,
        Sched::Lblc => 5,
        Sched::Lblcr => 6,
        Sched::Dh => 7,
        Sched::Sh => 8,
        Sched::Sed => 9,
        Sched::Nq => 10,
        Sched::Fo => 11,
        Sched::Ovf => 12,
        Sched::Mh => 13,
        Sched::Twos => 14,
    }
}

fn kind(f: Forwarding) -> i32 {
    match f {
        Forwarding::Nat => 1,
        Forwarding::Dr => 2,
        Forwarding::Tun { .. } => 3,
    }
}

/// The tunnel columns (type, GUE port, checksum) of a service or server forwarding by `f`.
fn tunnel(f: Forwarding, col: u32) -> Option<Value<'static>> {
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

/// The protocol keepalived gives the service: an address service without one is UDP.
fn protocol(vs: &VirtualServer) -> Option<Protocol> {
    match (vs.protocol, &vs.addr) {
        (Some(p), _) => Some(p),
        (None, VsAddr::Ip { .. }) => Some(Protocol::Udp),
        (None, _) => None,
    }
}

/// The IPVS statistics and rates: 0 (the kernel's counters are not read).
fn stat(col: u32, vs: bool) -> Option<Value<'static>> {
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

fn smtp_alert(m: &State<'_>, own: Option<bool>) -> Option<bool> {
    let e = &m.cfg.global.email;
    own.or(e.smtp_alert_checker).or(e.smtp_alert)
}

fn virtual_server<'a>(
    m: &'a State<'_>,
    i: usize,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let v = m.cfg.lvs.virtual_servers.get(i)?;
    let (ip, port) = match &v.addr {
        VsAddr::Ip { ip, port } => (Some(ip), Some(port.unwrap_or(0))),
        _ => (None, None),
    };
    let fwmark = match v.addr {
        VsAddr::Fwmark(f) => Some(f),
        _ => None,
    };
    let v6 = ip.map_or(
        v.ip_family == Some(crate::config::lvs::Family::Inet6),
        |a| a.is_ipv6(),
    );
    let fwd = v.forwarding.unwrap_or(Forwarding::Nat);
    let f = &v.flags;
    let quorum = &m.texts.quorum.get(i)?;
    Some(match col {
        2 => Value::Integer(match v.addr {
            VsAddr::Group(_) => 3,
            VsAddr::Fwmark(_) => 1,
            VsAddr::Ip { .. } => 2,
        }),
        3 => match &v.addr {
            VsAddr::Group(g) => text(g),
            _ => return None,
        },
        4 => Value::Gauge32(fwmark?),
        5 => Value::Integer(if v6 { 2 } else { 1 }),
        6 => inet(ip?, scratch),
        7 => Value::Gauge32(port?.into()),
        8 if fwmark.is_some() => return None,
        8 => Value::Integer(match protocol(v) {
            Some(Protocol::Tcp) => 1,
            Some(Protocol::Udp) => 2,
            Some(Protocol::Sctp) => 3,
            None => 4,
        }),
        9 => Value::Integer(sched_number(v.sched)),
        10 => Value::Integer(kind(fwd)),
        11 => truth(true),
        12 => text(v.virtualhost.as_deref()?),
        13 => truth(v.persistence_timeout.unwrap_or(0) != 0),
        14 => gauge(v.persistence_timeout.filter(|&t| t != 0)?.into()),
        // Served unless the service's own address is IPv6 (a group's or fwmark's is unset).
        15 if ip.is_some_and(|a| a.is_ipv6()) => return None,
        15 => {
            let n = put(&granularity(v), scratch);
            Value::OctetString(&scratch[..n])
        }
        16 => secs(v.delay_loop),
        17 => truth(v.ha_suspend),
        18 => truth(v.alpha),
        19 => truth(v.omega),
        20 => gauge(v.real_servers.len() as u64),
        21 => gauge(
            (0..v.real_servers.len())
                .filter(|&r| m.live.real_server(i, r).alive)
                .count() as u64,
        ),
        22 => Value::Gauge32(v.quorum),
        23 => truth(m.live.quorum_up(i)),
        24 => text(quorum[0].as_deref()?),
        25 => text(quorum[1].as_deref()?),
        26 => Value::Gauge32(v.hysteresis),
        27..=36 | 38..=50 => return stat(col, true),
        37 => truth(f.one_packet),
        // Served unless the service's own address is IPv4.
        51 if ip.is_some_and(|a| a.is_ipv4()) => return None,
        51 => Value::Gauge32(match v.persistence_granularity {
            Some(Granularity::V6Prefix(p)) => p.into(),
            _ => u32::from_ne_bytes(granularity(v)),
        }),
        52 => truth(f.hashed),
        53 | 62 => truth(f.sched1),
        54 | 63 => truth(f.sched2),
        55 => truth(f.sched3),
        56 => truth(!v.inhibit_on_failure),
        57 => Value::Gauge32(v.retry.unwrap_or(0)),
        58 => secs(v.delay_before_retry.unwrap_or(Micros(0))),
        59 => secs(v.warmup.unwrap_or(Micros(0))),
        60 => Value::Integer(i32::try_from(v.weight).unwrap_or(i32::MAX)),
        61 => truth(smtp_alert(m, v.smtp_alert).unwrap_or(false)),
        64 => usecs(v.delay_loop),
        65 => usecs(v.delay_before_retry.unwrap_or(Micros(0))),
        66 => usecs(v.warmup.unwrap_or(Micros(0))),
        67 => usecs(v.connect_timeout),
        68..=70 => return tunnel(fwd, col - 68),
        71 => text(v.snmp_name.as_deref()?),
        _ => return None,
    })
}

/// The IPv4 persistence mask, as keepalived keeps it (all ones unless given).
fn granularity(v: &VirtualServer) -> [u8; 4] {
    match v.persistence_granularity {
        Some(Granularity::V4Mask(m)) => m.octets(),
        _ => [0xff; 4],
    }
}

fn sorry_server<'a>(v: &VirtualServer, col: u32, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    let s = v.sorry_server.as_ref()?;
    let port = s.port.unwrap_or(match &v.addr {
        VsAddr::Ip { port, .. } => port.unwrap_or(0),
        _ => 0,
    });
    let fwd = s.forwarding.or(v.forwarding).unwrap_or(Forwarding::Nat);
    Some(match col {
        2 => truth(false),
        3 => inet_type(&s.ip),
        4 => inet(&s.ip, scratch),
        5 => Value::Gauge32(port.into()),
        14..=39 => return stat(col, false),
        40 => Value::Integer(kind(fwd)),
        42 | 47 => truth(false),
        43..=46 | 48..=51 => Value::Gauge32(0),
        52..=54 => return tunnel(fwd, col - 52),
        _ => return None,
    })
}

/// keepalived's effective weight: the configured one plus each checker's offset from it.
fn effective_weight(m: &State<'_>, vs: usize, r: usize, rs: &RealServer, base: i64) -> i64 {
    base + (0..rs.checkers.len())
        .filter_map(|ck| m.live.checker(CheckerId { vs, rs: r, ck }))
        .filter_map(|c| c.weight.map(|w| w - base))
        .sum::<i64>()
}

fn real_server<'a>(
    m: &'a State<'_>,
    vi: usize,
    ri: usize,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let v = m.cfg.lvs.virtual_servers.get(vi)?;
    let r = v.real_servers.get(ri)?;
    let notify = m.texts.notify.get(vi)?.get(ri)?;
    let fwd = r.forwarding.or(v.forwarding).unwrap_or(Forwarding::Nat);
    let dbr = r
        .delay_before_retry
        .or(v.delay_before_retry)
        .unwrap_or(Micros(0));
    let warmup = r.warmup.or(v.warmup).unwrap_or(Micros(0));
    let delay = r.delay_loop.unwrap_or(v.delay_loop);
    Some(match col {
        2 => truth(true),
        3 => inet_type(&r.ip),
        4 => inet(&r.ip, scratch),
        5 => Value::Gauge32(names::rs_port(v, r).into()),
        6 => truth(m.live.real_server(vi, ri).alive),
        7 => {
            let base = i64::from(r.weight.unwrap_or(v.weight));
            let w = effective_weight(m, vi, ri, r, base).clamp(0, WEIGHT_MAX);
            Value::Integer(i32::try_from(w).unwrap_or(i32::MAX))
        }
        8 => Value::Gauge32(r.uthreshold.filter(|&x| x != 0)?),
        9 => Value::Gauge32(r.lthreshold.filter(|&x| x != 0)?),
        10 => truth(!r.inhibit_on_failure.unwrap_or(v.inhibit_on_failure)),
        11 => text(notify[0].as_deref()?),
        12 => text(notify[1].as_deref()?),
        13 => Value::Gauge32(m.live.real_server(vi, ri).failed),
        14..=39 => return stat(col, false),
        40 => Value::Integer(kind(fwd)),
        41 => text(r.virtualhost.as_deref()?),
        42 => truth(r.alpha.unwrap_or(v.alpha)),
        43 => Value::Gauge32(r.retry.or(v.retry).unwrap_or(0)),
        44 => secs(dbr),
        45 => secs(warmup),
        46 => secs(delay),
        // keepalived leaves a real server's smtp_alert unresolved (-1) unless something sets
        // it, and serves that as true.
        47 => truth(smtp_alert(m, r.smtp_alert).unwrap_or(true)),
        48 => usecs(dbr),
        49 => usecs(warmup),
        50 => usecs(delay),
        51 => usecs(r.connect_timeout.unwrap_or(v.connect_timeout)),
        52..=54 => return tunnel(fwd, col - 52),
        55 => text(r.snmp_name.as_deref()?),
        _ => return None,
    })
}

fn sync_daemon<'a>(m: &'a State<'_>, col: u32, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    let sd = m.cfg.global.lvs.sync_daemon.as_ref();
    if col == 1 {
        return Some(truth(sd.is_some()));
    }
    let sd = sd?;
    Some(match col {
        2 => text(&sd.interface),
        3 => text(sd.vrrp_instance.as_deref()?),
        4 => Value::Integer(sd.sync_id.unwrap_or(0).into()),
        5 => Value::Integer(sd.maxlen.unwrap_or(0).into()),
        6 => Value::Integer(sd.port.unwrap_or(0).into()),
        7 => Value::Integer(sd.ttl.unwrap_or(0).into()),
        8 => inet_type(sd.group.as_ref()?),
        9 => inet(sd.group.as_ref()?, scratch),
        _ => return None,
    })
}
