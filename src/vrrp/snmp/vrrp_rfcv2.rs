//! VRRP-MIB (RFC 2787, mib-2.68) as keepalived 2.2.7 serves it with `enable_snmp_rfcv2`: only
//! VRRPv2 instances over IPv4 with at least one VIP (keepalived built with RFC 6527 support
//! too, as Debian's is), each under its base interface's index and VRID. Odd ones: the
//! instance and statistics tables show only their least row in a walk and none to a get
//! (see `Rows::InstancesFirstOnly`); the MAC column is the interface's; the master address is
//! 0.0.0.0 on a master; the auth type is keepalived's plus one; the up time is not one (see
//! `up_time`).

use std::net::IpAddr;

use super::vrrp_rfc::{
    is_v6, mac, master_addr, primary, rfc_state, truth, Column, RfcMib, Row, Rows,
};
use crate::config::vrrp::AuthType;
use crate::core::time::Micros;
use crate::snmp::mib::{Oid, Value, VRRP_MIB};
use crate::vrrp::dump::View;
use crate::vrrp::fsm::State;

pub(crate) struct VrrpRfcv2<'v> {
    view: &'v View<'v>,
    /// How long since the subagent started (or the last reload set it again).
    snmp_up: Micros,
}

impl<'v> VrrpRfcv2<'v> {
    pub(crate) fn new(view: &'v View<'v>) -> Self {
        VrrpRfcv2 {
            view,
            snmp_up: Micros(0),
        }
    }

    /// The subagent has run for `snmp_up`: the up time column counts from its start.
    pub(crate) fn snmp_up(mut self, snmp_up: Micros) -> Self {
        self.snmp_up = snmp_up;
        self
    }
}

/// vrrpOperVirtualRouterUpTime as keepalived 2.2.7 serves it: while backup or master, the
/// time from the child's SNMP start to the instance's start, in centiseconds (both reset by a
/// reload), else 0. It does not grow: it measures the child's own start-up between the two
/// (keepalived's blocking AgentX open is most of its 2-9 cs; ours opens without waiting).
/// `up` is how long the instance has run; it started `snmp_up - up` after the subagent.
pub(super) fn up_time(state: State, snmp_up: Micros, up: Micros) -> Value<'static> {
    Value::TimeTicks(match state {
        State::Backup | State::Master => {
            u32::try_from(snmp_up.saturating_sub(up).0 / 10_000).unwrap_or(u32::MAX)
        }
        _ => 0,
    })
}

const fn col(sub: &'static [u32], rows: Rows) -> Column {
    Column { sub, rows }
}

use Rows::{Addresses as A, InstancesFirstOnly as F, Scalar as S};

/// vrrpOperations then vrrpStatistics, in MIB order; vrrpOperAuthKey (1.3.1.10) is never
/// readable and the trap objects (1.5, 1.6) are for notifications only.
static COLUMNS: [Column; 31] = [
    col(&[1, 1], S),
    col(&[1, 2], S),
    col(&[1, 3, 1, 2], F),
    col(&[1, 3, 1, 3], F),
    col(&[1, 3, 1, 4], F),
    col(&[1, 3, 1, 5], F),
    col(&[1, 3, 1, 6], F),
    col(&[1, 3, 1, 7], F),
    col(&[1, 3, 1, 8], F),
    col(&[1, 3, 1, 9], F),
    col(&[1, 3, 1, 11], F),
    col(&[1, 3, 1, 12], F),
    col(&[1, 3, 1, 13], F),
    col(&[1, 3, 1, 14], F),
    col(&[1, 3, 1, 15], F),
    col(&[1, 4, 1, 2], A),
    col(&[2, 1], S),
    col(&[2, 2], S),
    col(&[2, 3], S),
    col(&[2, 4, 1, 1], F),
    col(&[2, 4, 1, 2], F),
    col(&[2, 4, 1, 3], F),
    col(&[2, 4, 1, 4], F),
    col(&[2, 4, 1, 5], F),
    col(&[2, 4, 1, 6], F),
    col(&[2, 4, 1, 7], F),
    col(&[2, 4, 1, 8], F),
    col(&[2, 4, 1, 9], F),
    col(&[2, 4, 1, 10], F),
    col(&[2, 4, 1, 11], F),
    col(&[2, 4, 1, 12], F),
];

/// A Counter32 wraps: the low 32 bits of our 64-bit count.
fn counter(x: u64) -> Value<'static> {
    Value::Counter32(x as u32)
}

impl RfcMib for VrrpRfcv2<'_> {
    fn view(&self) -> &View<'_> {
        self.view
    }

    fn mib_root(&self) -> &'static [u32] {
        VRRP_MIB
    }

    fn columns(&self) -> &'static [Column] {
        &COLUMNS
    }

    fn shows(&self, i: usize) -> bool {
        let inst = &self.view.inst(i);
        inst.fsm.config().version == 2 && !is_v6(inst) && !inst.conf.vips.is_empty()
    }

    fn index(&self, i: usize, out: &mut Oid) -> bool {
        let inst = &self.view.inst(i);
        out.push(inst.ifindex).is_ok() && out.push(inst.vrid.into()).is_ok()
    }

    fn value<'a>(&'a self, col: usize, row: Row, _: &'a mut [u8]) -> Option<Value<'a>> {
        let v = self.view;
        let sub = COLUMNS.get(col)?.sub;
        match sub {
            [1, 1] => return Some(Value::Integer(2)),
            [1, 2] => return Some(truth(v.cfg.global.snmp.traps)),
            // Checksum, version and VRID errors: keepalived counts the first two per instance,
            // our drop counters do not keep them (yet); nobody counts the third.
            [2, 1] | [2, 2] | [2, 3] => return Some(Value::Counter32(0)),
            _ => {}
        }
        let inst = &v.get(row.inst)?;
        let f = inst.fsm;
        let (st, d) = (f.stats(), inst.drops);
        let ipv4 = |a: IpAddr| match a {
            IpAddr::V4(x) => Value::IpAddress(x.octets()),
            IpAddr::V6(_) => Value::IpAddress([0; 4]),
        };
        let int = |x: u64| Value::Integer(i32::try_from(x).unwrap_or(i32::MAX));
        Some(match sub {
            [1, 3, 1, 2] => mac(v, inst)?,
            [1, 3, 1, 3] => rfc_state(f.state()),
            [1, 3, 1, 4] | [1, 3, 1, 14] | [1, 3, 1, 15] | [1, 4, 1, 2] => Value::Integer(1),
            [1, 3, 1, 5] => int(f.base_priority().into()),
            [1, 3, 1, 6] => int(inst.conf.vips.len() as u64),
            [1, 3, 1, 7] => ipv4(master_addr(inst)),
            [1, 3, 1, 8] => ipv4(primary(v, inst)),
            [1, 3, 1, 9] => Value::Integer(match inst.conf.auth.and_then(|a| a.auth_type) {
                None => 1,
                Some(AuthType::Pass) => 2,
                Some(AuthType::Ah) => 3,
            }),
            [1, 3, 1, 11] => int(f.config().advert_int.as_secs()),
            [1, 3, 1, 12] => truth(!f.config().nopreempt),
            [1, 3, 1, 13] => up_time(f.state(), self.snmp_up, inst.up),
            [2, 4, 1, 1] => counter(st.become_master),
            [2, 4, 1, 2] => counter(st.adverts_rx),
            [2, 4, 1, 3] => counter(d.interval),
            [2, 4, 1, 4] => counter(d.auth_failure),
            [2, 4, 1, 5] => counter(d.ttl),
            [2, 4, 1, 6] => counter(st.pri_zero_rx),
            [2, 4, 1, 7] => counter(st.pri_zero_sent),
            [2, 4, 1, 8] => counter(d.invalid_type),
            [2, 4, 1, 9] => counter(d.addr_list),
            [2, 4, 1, 10] => counter(d.auth_invalid_type),
            [2, 4, 1, 11] => counter(d.auth_type_mismatch),
            [2, 4, 1, 12] => counter(d.length),
            _ => return None,
        })
    }
}
