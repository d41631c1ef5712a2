//! The cells of KEEPALIVED-MIB's check subtree, valued as keepalived 2.2.7 serves them, odd
//! ones included (each seen in its walk, tests/snmp/walks/check.keepalived.walk):
//! - a group's service has both persistence granularity columns (its address family is
//!   unset), the IPv6 one the IPv4 mask's four bytes read as a host-order number;
//! - a virtual server's status is always true;
//! - a real server's smtp alert is true unless something sets it false (keepalived leaves it
//!   unresolved), a sorry server's false;
//! - a sorry server has no status, weight, thresholds, notify scripts or failed-check count,
//!   but has the statistics and zero timers;
//! - the IPVS counters and rates are the kernel's, summed over a virtual server's services
//!   (`check::ipvs::stats`); the `...Low` rate columns answer the high word of the last
//!   64-bit counter the table served, not the rate (`stat`).

use super::keepalived_check_servers::{real_server, sorry_server};
use super::keepalived_check_values::{
    gauge, inet, inet_type, kind, put, secs, smtp_alert, stat, text, truth, tunnel, usecs, Row,
    State, Table,
};
use crate::config::lvs::{Forwarding, Granularity, Protocol, Sched, VirtualServer, VsAddr};
use crate::core::time::Micros;
use crate::snmp::mib::Value;

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
                (Some(_), 0) => sorry_server(m, row.a, col, scratch),
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
    let last = r.last_addr();
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

/// The protocol keepalived gives the service: an address service without one is UDP.
fn protocol(vs: &VirtualServer) -> Option<Protocol> {
    match (vs.protocol, &vs.addr) {
        (Some(p), _) => Some(p),
        (None, VsAddr::Ip { .. }) => Some(Protocol::Udp),
        (None, _) => None,
    }
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
        27..=36 | 38..=50 => return stat(m, col, i, None),
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
