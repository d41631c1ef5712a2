//! KEEPALIVED-MIB's vrrp subtree (keepalived.vrrp, .1.3.6.1.4.1.9586.100.5.2) as keepalived
//! 2.2.7 serves it, read from the VRRP child's dump view at the moment of the request: the
//! sync groups and their members, the instances, their tracked interfaces, scripts and files,
//! their addresses, the vrrp_scripts and track files, the bfd_instances and tracked
//! processes, and what each sync group tracks.
//!
//! Each table is walked column by column, rows in index order, as an SNMP table is; a cell
//! keepalived leaves empty (a sync group's script it has not got, a label-less address's
//! alias) is skipped by get-next, as keepalived's handlers do. The values, with keepalived's
//! units and enumerations, are in `keepalived_vrrp_cells.rs`.

use super::keepalived_vrrp_cells::{self as cells, Row, Table, STATIC};
use crate::snmp::columns as walk;
use crate::snmp::mib::{Mib, Oid, Value};
use crate::vrrp::dump::View;

/// keepalived.vrrp: KEEPALIVED (mib.rs) then 2.
pub(crate) const ROOT: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 2];

/// The tables served, by their number under vrrp, with their last column.
const TABLES: [(Table, u32, u32); 21] = [
    (Table::SyncGroup, 1, 11),
    (Table::SyncGroupMember, 2, 2),
    (Table::Instance, 3, 35),
    (Table::TrackedInterface, 4, 3),
    (Table::TrackedScript, 5, 4),
    (Table::Address, 6, 12),
    (Table::Route, 7, 55),
    (Table::Rule, 8, 32),
    (Table::Script, 9, 9),
    (Table::NextHop, 11, 9),
    (Table::TrackedFile, 12, 4),
    (Table::File, 13, 6),
    (Table::SyncTrackedInterface, 14, 3),
    (Table::SyncTrackedScript, 15, 4),
    (Table::SyncTrackedFile, 16, 4),
    (Table::TrackedBfd, 17, 4),
    (Table::Bfd, 18, 5),
    (Table::SyncTrackedBfd, 19, 4),
    (Table::TrackedProcess, 20, 4),
    (Table::Process, 21, 14),
    (Table::SyncTrackedProcess, 22, 4),
];

/// Appends `row`'s index to `out`; false when it does not fit.
fn push_index(row: Row, out: &mut Oid) -> bool {
    let one = |x: usize| match x {
        STATIC => 0,
        _ => u32::try_from(x + 1).unwrap_or(u32::MAX),
    };
    out.push(one(row.a)).is_ok()
        && row.b.is_none_or(|b| out.push(one(b)).is_ok())
        && row.c.is_none_or(|c| out.push(one(c)).is_ok())
}

/// Calls `f` on rows (`a`, 0..`n`) until it returns true; whether it did.
fn per(a: usize, n: usize, f: &mut dyn FnMut(Row) -> bool) -> bool {
    for b in 0..n {
        if f(Row {
            a,
            b: Some(b),
            c: None,
        }) {
            return true;
        }
    }
    false
}

/// The vrrp subtree over one view of the VRRP child's state.
pub(crate) struct KeepalivedVrrp<'v> {
    view: &'v View<'v>,
}

impl<'v> KeepalivedVrrp<'v> {
    pub(crate) fn new(view: &'v View<'v>) -> Self {
        KeepalivedVrrp { view }
    }

    /// Calls `f` on each row of `t` in index order until it returns true. Plain loops over
    /// counts: written as `any` chains, each table's closure was a function of its own.
    fn rows(&self, t: Table, f: &mut dyn FnMut(Row) -> bool) {
        let v = self.view;
        let tr = &v.cfg.vrrp.trackers;
        // The tables of one row per owner (the script and file tables: only those used).
        let single = match t {
            Table::SyncGroup => Some(v.groups.len()),
            Table::Instance => Some(v.len()),
            Table::Bfd => Some(tr.bfds.len()),
            Table::Process => Some(tr.processes.len()),
            Table::Script => Some(tr.scripts.len()),
            Table::File => Some(tr.files.len()),
            _ => None,
        };
        if let Some(n) = single {
            for a in 0..n {
                let used = match t {
                    Table::Script => cells::script_used(v, a),
                    Table::File => cells::file_used(v, a),
                    _ => true,
                };
                if used
                    && f(Row {
                        a,
                        b: None,
                        c: None,
                    })
                {
                    return;
                }
            }
            return;
        }
        if t == Table::NextHop {
            for a in std::iter::once(STATIC).chain(0..v.len()) {
                let routes = match a {
                    STATIC => &v.cfg.net.routes,
                    _ => &v.inst(a).conf.routes,
                };
                for (b, r) in routes.iter().enumerate() {
                    for c in 0..r.nexthops.len() {
                        if f(Row {
                            a,
                            b: Some(b),
                            c: Some(c),
                        }) {
                            return;
                        }
                    }
                }
            }
            return;
        }
        // The tables of (owner, item): static_* rows (owner index 0) first where there are
        // some, then each instance's or sync group's.
        let net = &v.cfg.net;
        let statics = match t {
            Table::Address => net.addresses.len(),
            Table::Route => net.routes.len(),
            Table::Rule => net.rules.len(),
            _ => 0,
        };
        if per(STATIC, statics, f) {
            return;
        }
        let by_group = matches!(
            t,
            Table::SyncGroupMember
                | Table::SyncTrackedInterface
                | Table::SyncTrackedScript
                | Table::SyncTrackedFile
                | Table::SyncTrackedBfd
                | Table::SyncTrackedProcess
        );
        let owners = if by_group { v.groups.len() } else { v.len() };
        for a in 0..owners {
            let n = if t == Table::SyncGroupMember {
                v.groups[a].members.len()
            } else if by_group {
                cells::group_conf(v, a).map_or(0, |g| match t {
                    Table::SyncTrackedInterface => g.track.interfaces.len(),
                    Table::SyncTrackedScript => g.track.scripts.len(),
                    Table::SyncTrackedBfd => g.track.bfds.len(),
                    Table::SyncTrackedProcess => g.track.processes.len(),
                    _ => g.track.files.len(),
                })
            } else {
                let c = v.inst(a).conf;
                match t {
                    Table::TrackedInterface => c.track.interfaces.len(),
                    Table::TrackedScript => c.track.scripts.len(),
                    Table::TrackedFile => c.track.files.len(),
                    Table::TrackedBfd => c.track.bfds.len(),
                    Table::TrackedProcess => c.track.processes.len(),
                    Table::Address => c.vips.len() + c.evips.len(),
                    Table::Route => c.routes.len(),
                    Table::Rule => c.rules.len(),
                    _ => 0,
                }
            };
            if per(a, n, f) {
                return;
            }
        }
    }

    /// The script and file tables are indexed by their place among those used: the row's
    /// `a` is the config's, its index the rank.
    fn rank(&self, t: Table, row: Row) -> Row {
        let v = self.view;
        let a = match t {
            Table::Script => (0..row.a).filter(|&s| cells::script_used(v, s)).count(),
            Table::File => (0..row.a).filter(|&s| cells::file_used(v, s)).count(),
            _ => return row,
        };
        Row { a, ..row }
    }
}

impl Mib for KeepalivedVrrp<'_> {
    fn root(&self) -> &[u32] {
        ROOT
    }

    fn get<'a>(&'a self, oid: &[u32], scratch: &'a mut [u8]) -> Option<Value<'a>> {
        walk::get(self, ROOT, oid, scratch)
    }

    fn next<'a>(
        &'a self,
        after: &[u32],
        found: &mut Oid,
        scratch: &'a mut [u8],
    ) -> Option<Value<'a>> {
        walk::next(self, ROOT, after, found, scratch)
    }
}

/// Object `k` of the walk: its table, the table's number and the column.
fn object(k: usize) -> Option<(Table, u32, u32)> {
    let mut k = u32::try_from(k).ok()?;
    for &(t, tn, last) in &TABLES {
        if k < last {
            return Some((t, tn, k + 1));
        }
        k -= last;
    }
    None
}

/// A row's places in the walk's terms (none: `usize::MAX`, which no place reaches).
fn key(r: Row) -> walk::Row {
    [r.a, r.b.unwrap_or(usize::MAX), r.c.unwrap_or(usize::MAX)]
}

fn row(r: walk::Row) -> Row {
    let some = |x: usize| (x != usize::MAX).then_some(x);
    Row {
        a: r[0],
        b: some(r[1]),
        c: some(r[2]),
    }
}

/// Tables column by column, rows in index order.
impl walk::Columns for KeepalivedVrrp<'_> {
    fn object(&self, k: usize, out: &mut Oid) -> bool {
        object(k).is_some_and(|(_, tn, col)| out.extend_from_slice(&[tn, 1, col]).is_ok())
    }

    fn rows(&self, k: usize, _: &[u32], f: &mut dyn FnMut(walk::Row) -> bool) {
        if let Some((t, ..)) = object(k) {
            self.rows(t, &mut |r| f(key(r)));
        }
    }

    fn index(&self, k: usize, r: walk::Row, out: &mut Oid) -> bool {
        object(k).is_some_and(|(t, ..)| push_index(self.rank(t, row(r)), out))
    }

    fn value<'a>(&'a self, k: usize, r: walk::Row, scratch: &'a mut [u8]) -> Option<Value<'a>> {
        let (t, _, col) = object(k)?;
        cells::cell(self.view, t, col, row(r), scratch)
    }
}
