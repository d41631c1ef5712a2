//! The walk every table MIB here shares: objects (a scalar, or a column of a table) in OID
//! order, each with its rows. A get finds the row whose OID is the one asked; a get-next takes,
//! in the first object that has one, the least row after the asked OID whose cell has a value.
//! One copy, over `&dyn`, for KEEPALIVED-MIB's check and vrrp subtrees and the RFC VRRP MIBs.

use super::mib::{Oid, Value};

/// A row as its table numbers it: up to three places (an owner, an item, a sub-item).
pub(crate) type Row = [usize; 3];

/// What a MIB tells the walk.
pub(crate) trait Columns {
    /// Appends object `k`'s sub-identifiers (below the root) to `out`; false past the last.
    fn object(&self, k: usize, out: &mut Oid) -> bool;
    /// Calls `f` on each row of object `k` until it returns true. `target` is the asked OID
    /// past the object's (empty when the asked OID sorts before the object).
    fn rows(&self, k: usize, target: &[u32], f: &mut dyn FnMut(Row) -> bool);
    /// Appends `row`'s index to `out`; false when it does not fit.
    fn index(&self, k: usize, row: Row, out: &mut Oid) -> bool;
    /// The cell of object `k` in `row`, None when it is empty.
    fn value<'a>(&'a self, k: usize, row: Row, scratch: &'a mut [u8]) -> Option<Value<'a>>;
    /// Whether rows come in OID order, so the first one after the asked OID is the least.
    fn sorted(&self) -> bool {
        true
    }
}

/// The cell at `oid` (None: no such object or row) of the MIB under `root`.
pub(crate) fn get<'a>(
    m: &'a dyn Columns,
    root: &[u32],
    oid: &[u32],
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    oid.strip_prefix(root)?;
    let mut base = Oid::from_slice(root).ok()?;
    let mut k = 0;
    while m.object(k, &mut base) {
        if let Some(target) = oid.strip_prefix(base.as_slice()) {
            let mut hit = None;
            m.rows(k, target, &mut |row| {
                let mut o = Oid::new();
                let found = m.index(k, row, &mut o) && o.as_slice() == target;
                if found {
                    hit = Some(row);
                }
                found
            });
            return m.value(k, hit?, scratch);
        }
        base.truncate(root.len());
        k += 1;
    }
    None
}

/// The first cell after `after` of the MIB under `root`; its OID into `found`.
pub(crate) fn next<'a>(
    m: &'a dyn Columns,
    root: &[u32],
    after: &[u32],
    found: &mut Oid,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let mut base = Oid::from_slice(root).ok()?;
    let sorted = m.sorted();
    let mut k = 0;
    while m.object(k, &mut base) {
        // Every row of an object that sorts before `after` without holding it is skipped whole.
        let target: Option<&[u32]> = if after < base.as_slice() {
            Some(&[])
        } else {
            after.strip_prefix(base.as_slice())
        };
        if let Some(target) = target {
            let mut best: Option<(Row, Oid)> = None;
            m.rows(k, target, &mut |row| {
                let mut o = base.clone();
                if !m.index(k, row, &mut o) {
                    return false;
                }
                let better = best.as_ref().is_none_or(|(_, b)| o < *b);
                if o.as_slice() > after && better && m.value(k, row, &mut *scratch).is_some() {
                    best = Some((row, o));
                    return sorted;
                }
                false
            });
            if let Some((row, o)) = best {
                *found = o;
                return m.value(k, row, scratch);
            }
        }
        base.truncate(root.len());
        k += 1;
    }
    None
}
