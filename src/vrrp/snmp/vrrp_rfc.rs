//! What VRRP-MIB (RFC 2787) and VRRPV3-MIB (RFC 6527) share as keepalived 2.2.7 serves them:
//! objects in MIB order, each a scalar, a column of the instance table (indexed by the base
//! interface's index and the VRID, and in RFC 6527 the address type) or a column of the
//! associated address table (that index then the VIP's address octets, with no length
//! before them); get-next gives the least row after the asked OID. Each MIB says which
//! instances it shows and what each cell holds (`vrrp_rfcv2.rs`, `vrrp_rfcv3.rs`).

use std::net::IpAddr;

use crate::snmp::columns::{self as walk, Columns};
use crate::snmp::mib::{Mib, Oid, Value};
use crate::vrrp::dump::{Instance, View};
use crate::vrrp::fsm::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rows {
    Scalar,
    Instances,
    /// keepalived 2.2.7's RFC 2787 instance tables: get and get-next from a row skip every
    /// instance bound to an interface (an operator precedence slip), so a walk shows only
    /// the least row of each column and a get of any row finds nothing.
    InstancesFirstOnly,
    Addresses,
}

/// One object: its sub-identifiers under the MIB's root and what its rows are.
pub(super) struct Column {
    pub(super) sub: &'static [u32],
    pub(super) rows: Rows,
}

/// A row: an instance of the view and, in the address tables, one of its VIPs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Row {
    pub(super) inst: usize,
    pub(super) vip: usize,
}

/// What a MIB says of the shared walk.
pub(super) trait RfcMib {
    fn view(&self) -> &View<'_>;
    fn mib_root(&self) -> &'static [u32];
    fn columns(&self) -> &'static [Column];
    /// Whether this MIB shows instance `i`.
    fn shows(&self, i: usize) -> bool;
    /// Appends the index of instance `i` (its address table's, without the address).
    fn index(&self, i: usize, out: &mut Oid) -> bool;
    /// The value of object `col` (its place in `columns`) for `row` (scalars: row 0, 0).
    fn value<'a>(&'a self, col: usize, row: Row, scratch: &'a mut [u8]) -> Option<Value<'a>>;
}

/// Both RFC MIBs are served by the shared column walk; their rows are not in OID order (an
/// instance's index is its interface's, not its place).
impl<T: RfcMib> Columns for T {
    fn object(&self, k: usize, out: &mut Oid) -> bool {
        self.columns()
            .get(k)
            .is_some_and(|c| out.extend_from_slice(c.sub).is_ok())
    }

    fn rows(&self, k: usize, target: &[u32], f: &mut dyn FnMut(walk::Row) -> bool) {
        if let Some(c) = self.columns().get(k) {
            each_row(self, c.rows, target, f);
        }
    }

    fn index(&self, k: usize, row: walk::Row, out: &mut Oid) -> bool {
        let Some(c) = self.columns().get(k) else {
            return false;
        };
        index(self, c.rows, row, out).is_some()
    }

    fn value<'a>(&'a self, k: usize, row: walk::Row, scratch: &'a mut [u8]) -> Option<Value<'a>> {
        let row = Row {
            inst: row[0],
            vip: row[1],
        };
        RfcMib::value(self, k, row, scratch)
    }

    fn sorted(&self) -> bool {
        false
    }
}

/// Appends `row`'s index in a column of `rows` to `out`; None when it does not fit.
fn index(m: &dyn RfcMib, rows: Rows, row: walk::Row, out: &mut Oid) -> Option<()> {
    if rows == Rows::Scalar {
        return out.push(0).ok();
    }
    if !m.index(row[0], out) {
        return None;
    }
    if rows == Rows::Addresses {
        let a = m.view().inst(row[0]).conf.vips.get(row[1])?.addr;
        let mut b = [0u8; 16];
        let n = octets(&a, &mut b);
        for x in &b[..n] {
            out.push(u32::from(*x)).ok()?;
        }
    }
    Some(())
}

/// Every row of a column, with the instances the buggy tables leave out of a walk past the
/// column's start (`target`: the asked OID after the column's, empty when it sorts before).
fn each_row(m: &dyn RfcMib, rows: Rows, target: &[u32], f: &mut dyn FnMut(walk::Row) -> bool) {
    if rows == Rows::Scalar {
        f([0; 3]);
        return;
    }
    let v = m.view();
    for i in (0..v.len()).filter(|&i| m.shows(i)) {
        let ifx = v.inst(i).ifindex;
        if rows == Rows::InstancesFirstOnly && !target.is_empty() && (ifx != 0 || target[0] > 0) {
            continue;
        }
        let n = if rows == Rows::Addresses {
            v.inst(i).conf.vips.len()
        } else {
            1
        };
        for vip in 0..n {
            if f([i, vip, 0]) {
                return;
            }
        }
    }
}

impl<T: RfcMib> Mib for T {
    fn root(&self) -> &[u32] {
        self.mib_root()
    }

    fn get<'a>(&'a self, oid: &[u32], scratch: &'a mut [u8]) -> Option<Value<'a>> {
        walk::get(self, self.mib_root(), oid, scratch)
    }

    fn next<'a>(
        &'a self,
        after: &[u32],
        found: &mut Oid,
        scratch: &'a mut [u8],
    ) -> Option<Value<'a>> {
        walk::next(self, self.mib_root(), after, found, scratch)
    }
}

/// The address's octets into `out`; their number.
pub(super) fn octets(a: &IpAddr, out: &mut [u8; 16]) -> usize {
    match a {
        IpAddr::V4(x) => {
            out[..4].copy_from_slice(&x.octets());
            4
        }
        IpAddr::V6(x) => {
            out.copy_from_slice(&x.octets());
            16
        }
    }
}

/// An address's octets as a string value, in the scratch buffer.
pub(super) fn inet<'a>(a: &IpAddr, scratch: &'a mut [u8]) -> Value<'a> {
    let mut b = [0u8; 16];
    let n = octets(a, &mut b).min(scratch.len());
    scratch[..n].copy_from_slice(&b[..n]);
    Value::OctetString(&scratch[..n])
}

/// Whether the instance is IPv6 (its first VIP says; keepalived's family).
pub(super) fn is_v6(inst: &Instance<'_>) -> bool {
    inst.conf.vips.first().is_some_and(|a| a.addr.is_ipv6())
}

/// The RFC MIBs' states: initialize 1, backup 2, master 3; FAULT and the rest show as 1.
pub(super) fn rfc_state(s: State) -> Value<'static> {
    Value::Integer(match s {
        State::Backup => 2,
        State::Master => 3,
        _ => 1,
    })
}

pub(super) fn truth(b: bool) -> Value<'static> {
    Value::Integer(if b { 1 } else { 2 })
}

/// The MAC of the instance's interface (its VMAC's when it has one): keepalived's "virtual
/// MAC address" column is the interface's hardware address, not 00:00:5e:00:01:VRID.
pub(super) fn mac<'a>(v: &'a View<'_>, inst: &Instance<'_>) -> Option<Value<'a>> {
    let ifx = inst.vmac_ifindex.unwrap_or(inst.ifindex);
    let link = v.ifaces.by_index(ifx)?;
    Some(Value::OctetString(&link.mac))
}

/// The base interface's primary address of the instance's family (IPv6: its link-local).
pub(super) fn primary(v: &View<'_>, inst: &Instance<'_>) -> IpAddr {
    let link = v.ifaces.by_index(inst.ifindex);
    if is_v6(inst) {
        IpAddr::from(
            link.and_then(|l| l.ll6)
                .unwrap_or(std::net::Ipv6Addr::UNSPECIFIED),
        )
    } else {
        IpAddr::from(
            link.and_then(|l| l.v4)
                .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
        )
    }
}

/// The master's address as last heard (all zeros when none was, or when we are master:
/// keepalived keeps it only from adverts it received).
pub(super) fn master_addr(inst: &Instance<'_>) -> IpAddr {
    match inst.fsm.master().0 {
        Some(a) if inst.fsm.state() == State::Backup => a,
        _ if is_v6(inst) => IpAddr::from(std::net::Ipv6Addr::UNSPECIFIED),
        _ => IpAddr::from(std::net::Ipv4Addr::UNSPECIFIED),
    }
}
