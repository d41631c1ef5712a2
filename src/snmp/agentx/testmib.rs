//! A MIB table for the tests: fixed objects, in OID order, under one root.

use crate::snmp::mib::{Mib, Oid, Value};

pub(crate) struct Table {
    pub(crate) root: &'static [u32],
    pub(crate) rows: Vec<(Vec<u32>, Value<'static>)>,
}

impl Table {
    /// `rows` are (OID below `root`, value), in any order.
    pub(crate) fn new(root: &'static [u32], rows: &[(&[u32], Value<'static>)]) -> Table {
        let mut rows: Vec<_> = rows
            .iter()
            .map(|(sub, v)| ([root, sub].concat(), *v))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        Table { root, rows }
    }
}

impl Mib for Table {
    fn root(&self) -> &[u32] {
        self.root
    }

    fn get<'a>(&'a self, oid: &[u32], _: &'a mut [u8]) -> Option<Value<'a>> {
        self.rows.iter().find(|r| r.0 == oid).map(|r| r.1)
    }

    fn next<'a>(&'a self, after: &[u32], found: &mut Oid, _: &'a mut [u8]) -> Option<Value<'a>> {
        let r = self.rows.iter().find(|r| r.0.as_slice() > after)?;
        found.clear();
        found.extend_from_slice(&r.0).ok()?;
        Some(r.1)
    }
}
