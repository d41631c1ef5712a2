//! KEEPALIVED-MIB's check subtree (.1.3.6.1.4.1.9586.100.5.3) as keepalived 2.2.7 serves it,
//! read from the checker child's config and live state at the moment of the request: the
//! virtual server groups and their members, the virtual servers, the real servers (a virtual
//! server's sorry server first), the LVS sync daemon and the LVS timeouts.
//!
//! Tables are walked column by column, rows in index order, and a cell keepalived leaves
//! empty is skipped by get-next, as its handlers do. The values are in
//! `keepalived_check_cells.rs`.

use super::keepalived_check_cells as cells;
pub(crate) use super::keepalived_check_values::Counted;
pub(crate) use super::keepalived_check_values::Texts;
use super::keepalived_check_values::{Row, State, Table};
use crate::check::checkers::view::Live;
use crate::config::Config;
use crate::snmp::columns as walk;
use crate::snmp::mib::{Mib, Oid, Value};

/// keepalived.check: KEEPALIVED (snmp::mib) then 3.
pub(crate) const ROOT: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 3];

/// Each part: its OID below ROOT, its first and last column.
const TABLES: [(Table, &[u32], u32, u32); 6] = [
    (Table::Group, &[1, 1], 2, 2),
    (Table::Member, &[2, 1], 2, 8),
    (Table::VirtualServer, &[3, 1], 2, 71),
    (Table::RealServer, &[4, 1], 2, 55),
    (Table::SyncDaemon, &[6], 1, 9),
    (Table::Timeouts, &[7], 1, 3),
];

/// The check subtree over one moment of the checker child.
pub(crate) struct KeepalivedCheck<'v> {
    st: State<'v>,
}

impl<'v> KeepalivedCheck<'v> {
    pub(crate) fn new(cfg: &'v Config, live: &'v dyn Live, texts: &'v Texts) -> Self {
        KeepalivedCheck {
            st: State {
                cfg,
                live,
                texts,
                counted: None,
            },
        }
    }

    /// The statistics columns read `counted` (else they are 0).
    pub(crate) fn with_counters(mut self, counted: &'v dyn Counted) -> Self {
        self.st.counted = Some(counted);
        self
    }

    /// Calls `f` on each row of `t` in index order until it returns true.
    fn rows(&self, t: Table, f: &mut dyn FnMut(Row) -> bool) {
        // Plain loops: as `any` chains, each table's closure was a function of its own.
        let c = &self.st.cfg.lvs;
        let owners = match t {
            Table::Group | Table::Member => c.groups.len(),
            Table::VirtualServer | Table::RealServer => c.virtual_servers.len(),
            Table::SyncDaemon | Table::Timeouts => 1,
        };
        for a in 0..owners {
            let items = match t {
                Table::Member => c.groups[a].fwmarks.len() + c.groups[a].ranges.len(),
                Table::RealServer => {
                    let v = &c.virtual_servers[a];
                    usize::from(v.sorry_server.is_some()) + v.real_servers.len()
                }
                _ => {
                    if f(Row { a, b: 0 }) {
                        return;
                    }
                    continue;
                }
            };
            for b in 0..items {
                if f(Row { a, b }) {
                    return;
                }
            }
        }
    }
}

/// Appends `row`'s index in `t` to `out`; false when it does not fit.
fn push_index(t: Table, row: Row, out: &mut Oid) -> bool {
    let n = |x: usize| u32::try_from(x + 1).unwrap_or(u32::MAX);
    match t {
        Table::Group | Table::VirtualServer => out.push(n(row.a)).is_ok(),
        Table::Member | Table::RealServer => {
            out.push(n(row.a)).is_ok() && out.push(n(row.b)).is_ok()
        }
        Table::SyncDaemon | Table::Timeouts => out.push(0).is_ok(),
    }
}

impl Mib for KeepalivedCheck<'_> {
    fn root(&self) -> &[u32] {
        ROOT
    }

    /// keepalived registers every column and scalar: below one of them a missing instance is
    /// noSuchInstance.
    fn has_object(&self, oid: &[u32]) -> Option<bool> {
        let sub = oid.strip_prefix(ROOT).unwrap_or(&[]);
        Some(TABLES.iter().any(|&(_, at, first, last)| {
            sub.strip_prefix(at)
                .and_then(|r| r.first())
                .is_some_and(|c| (first..=last).contains(c))
        }))
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

/// Object `k` of the walk: its table, the table's OID below ROOT and the column.
fn object(k: usize) -> Option<(Table, &'static [u32], u32)> {
    let mut k = u32::try_from(k).ok()?;
    for &(t, at, first, last) in &TABLES {
        if k <= last - first {
            return Some((t, at, first + k));
        }
        k -= last - first + 1;
    }
    None
}

fn row(r: walk::Row) -> Row {
    Row { a: r[0], b: r[1] }
}

/// Tables column by column, rows in index order.
impl walk::Columns for KeepalivedCheck<'_> {
    fn object(&self, k: usize, out: &mut Oid) -> bool {
        object(k)
            .is_some_and(|(_, at, col)| out.extend_from_slice(at).is_ok() && out.push(col).is_ok())
    }

    fn rows(&self, k: usize, _: &[u32], f: &mut dyn FnMut(walk::Row) -> bool) {
        if let Some((t, ..)) = object(k) {
            self.rows(t, &mut |r| f([r.a, r.b, 0]));
        }
    }

    fn index(&self, k: usize, r: walk::Row, out: &mut Oid) -> bool {
        object(k).is_some_and(|(t, ..)| push_index(t, row(r), out))
    }

    fn value<'a>(&'a self, k: usize, r: walk::Row, scratch: &'a mut [u8]) -> Option<Value<'a>> {
        let (t, _, col) = object(k)?;
        cells::cell(&self.st, t, col, row(r), scratch)
    }
}
