//! The real server table's cells: a virtual server's sorry server (its first row) and its
//! real servers, valued as keepalived 2.2.7 serves them.

use super::keepalived_check_values::{
    inet, inet_type, kind, secs, smtp_alert, stat, text, truth, tunnel, usecs, State, WEIGHT_MAX,
};
use crate::check::checkers::names;
use crate::check::CheckerId;
use crate::config::lvs::{Forwarding, RealServer, VsAddr};
use crate::core::time::Micros;
use crate::snmp::mib::Value;

pub(super) fn sorry_server<'a>(
    m: &State<'_>,
    vi: usize,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let v = m.cfg.lvs.virtual_servers.get(vi)?;
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
        14..=39 => return stat(m, col, vi, Some(0)),
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

pub(super) fn real_server<'a>(
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
        14..=39 => return stat(m, col, vi, Some(ri + 1)),
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
