//! VRRPV3-MIB (RFC 6527, mib-2.207) as keepalived 2.2.7 serves it with `enable_snmp_rfcv3`:
//! every instance with at least one VIP, VRRPv2 ones too (Debian's keepalived answers for
//! them), each under its base interface's index, VRID and address type. Odd ones: the
//! advert interval in centiseconds whatever the version; the master address column gives our
//! own primary address on a master; the MAC column is the interface's; the associated
//! address index carries the address octets with no length before them; the refresh rate is
//! the advert interval in milliseconds; discontinuity times are 0.

use super::vrrp_rfc::{
    inet, is_v6, mac, master_addr, primary, rfc_state, truth, Column, RfcMib, Row, Rows,
};
use crate::snmp::mib::{Oid, Value, VRRPV3_MIB};
use crate::vrrp::dump::View;
use crate::vrrp::fsm::State;

pub(crate) struct VrrpRfcv3<'v> {
    view: &'v View<'v>,
}

impl<'v> VrrpRfcv3<'v> {
    pub(crate) fn new(view: &'v View<'v>) -> Self {
        VrrpRfcv3 { view }
    }
}

const fn col(sub: &'static [u32], rows: Rows) -> Column {
    Column { sub, rows }
}

use Rows::{Addresses as A, Instances as I, Scalar as S};

/// vrrpv3Operations then vrrpv3Statistics, in MIB order.
static COLUMNS: [Column; 29] = [
    col(&[1, 1, 1, 1, 3], I),
    col(&[1, 1, 1, 1, 4], I),
    col(&[1, 1, 1, 1, 5], I),
    col(&[1, 1, 1, 1, 6], I),
    col(&[1, 1, 1, 1, 7], I),
    col(&[1, 1, 1, 1, 8], I),
    col(&[1, 1, 1, 1, 9], I),
    col(&[1, 1, 1, 1, 10], I),
    col(&[1, 1, 1, 1, 11], I),
    col(&[1, 1, 1, 1, 12], I),
    col(&[1, 1, 1, 1, 13], I),
    col(&[1, 1, 2, 1, 2], A),
    col(&[1, 2, 1], S),
    col(&[1, 2, 2], S),
    col(&[1, 2, 3], S),
    col(&[1, 2, 4], S),
    col(&[1, 2, 5, 1, 1], I),
    col(&[1, 2, 5, 1, 2], I),
    col(&[1, 2, 5, 1, 3], I),
    col(&[1, 2, 5, 1, 4], I),
    col(&[1, 2, 5, 1, 5], I),
    col(&[1, 2, 5, 1, 6], I),
    col(&[1, 2, 5, 1, 7], I),
    col(&[1, 2, 5, 1, 8], I),
    col(&[1, 2, 5, 1, 9], I),
    col(&[1, 2, 5, 1, 10], I),
    col(&[1, 2, 5, 1, 11], I),
    col(&[1, 2, 5, 1, 12], I),
    col(&[1, 2, 5, 1, 13], I),
];

impl RfcMib for VrrpRfcv3<'_> {
    fn view(&self) -> &View<'_> {
        self.view
    }

    fn mib_root(&self) -> &'static [u32] {
        VRRPV3_MIB
    }

    fn columns(&self) -> &'static [Column] {
        &COLUMNS
    }

    fn shows(&self, i: usize) -> bool {
        !self.view.inst(i).conf.vips.is_empty()
    }

    fn index(&self, i: usize, out: &mut Oid) -> bool {
        let inst = &self.view.inst(i);
        let family = if is_v6(inst) { 2 } else { 1 };
        out.push(inst.ifindex).is_ok()
            && out.push(inst.vrid.into()).is_ok()
            && out.push(family).is_ok()
    }

    fn value<'a>(&'a self, col: usize, row: Row, scratch: &'a mut [u8]) -> Option<Value<'a>> {
        let v = self.view;
        let sub = COLUMNS.get(col)?.sub;
        match sub {
            // Checksum, version and VRID errors: keepalived counts the first two per instance,
            // our drop counters do not keep them (yet); nobody counts the third.
            [1, 2, 1] | [1, 2, 2] | [1, 2, 3] => return Some(Value::Counter64(0)),
            [1, 2, 4] => return Some(Value::TimeTicks(0)),
            _ => {}
        }
        let inst = &v.get(row.inst)?;
        let f = inst.fsm;
        let (st, d) = (f.stats(), inst.drops);
        let centis = f.config().advert_int.0 / 10_000;
        let int = |x: u64| Value::Integer(i32::try_from(x).unwrap_or(i32::MAX));
        Some(match sub {
            [1, 1, 1, 1, 3] if f.state() != State::Master => inet(&master_addr(inst), scratch),
            [1, 1, 1, 1, 3] | [1, 1, 1, 1, 4] => inet(&primary(v, inst), scratch),
            [1, 1, 1, 1, 5] => mac(v, inst)?,
            [1, 1, 1, 1, 6] => rfc_state(f.state()),
            [1, 1, 1, 1, 7] => Value::Gauge32(f.base_priority().into()),
            [1, 1, 1, 1, 8] => int(inst.conf.vips.len() as u64),
            [1, 1, 1, 1, 9] => int(centis),
            [1, 1, 1, 1, 10] => truth(!f.config().nopreempt),
            [1, 1, 1, 1, 11] => truth(inst.conf.resolved.accept),
            // Since it started, in centiseconds, while it is backup or master (else 0).
            [1, 1, 1, 1, 12] => Value::TimeTicks(match f.state() {
                State::Backup | State::Master => {
                    u32::try_from(inst.up.0 / 10_000).unwrap_or(u32::MAX)
                }
                _ => 0,
            }),
            [1, 1, 1, 1, 13] | [1, 1, 2, 1, 2] => Value::Integer(1),
            [1, 2, 5, 1, 1] => Value::Counter32(st.become_master as u32),
            // Why it became master, while it is one (else notMaster).
            [1, 2, 5, 1, 2] if f.state() == State::Master => Value::Integer(inst.why[0].into()),
            [1, 2, 5, 1, 2] => Value::Integer(0),
            [1, 2, 5, 1, 3] => Value::Counter64(st.adverts_rx),
            [1, 2, 5, 1, 4] => Value::Counter64(d.interval),
            [1, 2, 5, 1, 5] => Value::Counter64(d.ttl),
            [1, 2, 5, 1, 6] => Value::Integer(inst.why[1].into()),
            [1, 2, 5, 1, 7] => Value::Counter64(st.pri_zero_rx),
            [1, 2, 5, 1, 8] => Value::Counter64(st.pri_zero_sent),
            [1, 2, 5, 1, 9] => Value::Counter64(d.invalid_type),
            [1, 2, 5, 1, 10] => Value::Counter64(d.addr_list),
            [1, 2, 5, 1, 11] => Value::Counter64(d.length),
            [1, 2, 5, 1, 12] => Value::TimeTicks(0),
            [1, 2, 5, 1, 13] => Value::Gauge32(u32::try_from(centis * 10).unwrap_or(u32::MAX)),
            _ => return None,
        })
    }
}
