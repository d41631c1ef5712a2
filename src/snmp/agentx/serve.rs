//! Answers to the master agent's requests (RFC 2741 §7.2): Get, GetNext and GetBulk served
//! from the MIB tables, the set phases refused (nothing keepalived serves is writable).
//! Each answer is written straight into the session's fixed output buffer; what does not fit
//! is a tooBig error (Get, GetNext) or fewer repetitions (GetBulk, as §7.2.3.3 allows).

use super::pdu::{self, res, vtype, Error, Header, Reader, Type, Writer};
use crate::snmp::mib::{Mib, Oid};

/// GetBulk repeaters beyond this many are answered once each (a shorter answer is allowed).
pub(crate) const REPEATERS_MAX: usize = 16;
/// Room a table may use to format one value.
pub(crate) const SCRATCH_LEN: usize = 256;

/// What serving needs besides the request: the tables and reusable space, owned by the
/// session so a request allocates nothing.
pub(crate) struct Space {
    /// GetBulk: where each repeater has got to.
    cursors: Vec<Oid>,
    scratch: Box<[u8; SCRATCH_LEN]>,
}

impl Space {
    pub(crate) fn new() -> Space {
        Space {
            cursors: (0..REPEATERS_MAX).map(|_| Oid::new()).collect(),
            scratch: Box::new([0; SCRATCH_LEN]),
        }
    }
}

/// Writes the answer to request `h` (payload `payload`) into `out`; None when the request
/// takes no answer (CleanupSet, a PDU a master does not send).
pub(crate) fn answer(
    h: &Header,
    payload: &[u8],
    mibs: &[&dyn Mib],
    space: &mut Space,
    out: &mut [u8],
) -> Result<Option<usize>, Error> {
    let simple = |out: &mut [u8], err: u16, index: u16| -> Result<Option<usize>, Error> {
        Ok(Some(pdu::start_response(out, h, err, index)?.finish()))
    };
    match h.ty {
        Type::Get | Type::GetNext | Type::GetBulk => {}
        Type::TestSet => return simple(out, res::NOT_WRITABLE, 1),
        Type::CommitSet => return simple(out, res::COMMIT_FAILED, 0),
        Type::UndoSet => return simple(out, res::UNDO_FAILED, 0),
        Type::Ping => return simple(out, res::NO_ERROR, 0),
        _ => return Ok(None),
    }
    let mut r = Reader::new(payload, h.big_endian());
    let Ok(ctx) = r.context(h) else {
        return simple(out, res::PARSE_ERROR, 0);
    };
    if !ctx.is_empty() {
        return simple(out, res::UNSUPPORTED_CONTEXT, 0);
    }
    let bulk = if h.ty == Type::GetBulk {
        match (r.u16(), r.u16()) {
            (Ok(n), Ok(m)) => Some((n, m)),
            _ => return simple(out, res::PARSE_ERROR, 0),
        }
    } else {
        None
    };
    // Every range is read once before any is answered: a malformed list gets parseError,
    // not half an answer.
    let ranges = r;
    let mut check = Reader::new(ranges.rest(), h.big_endian());
    let (mut a, mut b) = (Oid::new(), Oid::new());
    let mut count = 0usize;
    while !check.is_empty() {
        if check.range(&mut a, &mut b).is_err() {
            return simple(out, res::PARSE_ERROR, 0);
        }
        count += 1;
    }
    let mut w = pdu::start_response(out, h, res::NO_ERROR, 0)?;
    let written = match bulk {
        None => single(h.ty, ranges, mibs, space, &mut w),
        Some((n, m)) => bulk_walk(ranges, count, n, m, mibs, space, &mut w),
    };
    match written {
        Ok(()) => Ok(Some(w.finish())),
        Err(Error::NoRoom) => simple(out, res::TOO_BIG, 0),
        Err(e) => Err(e),
    }
}

/// Get and GetNext: one varbind per range.
fn single(
    ty: Type,
    mut r: Reader<'_>,
    mibs: &[&dyn Mib],
    space: &mut Space,
    w: &mut Writer<'_>,
) -> Result<(), Error> {
    let (mut start, mut end, mut found) = (Oid::new(), Oid::new(), Oid::new());
    while !r.is_empty() {
        let include = r.range(&mut start, &mut end)?;
        if ty == Type::Get {
            get(&start, mibs, space, w)?;
        } else {
            next(&start, include, &end, mibs, space, &mut found, w)?;
        }
    }
    Ok(())
}

/// GetBulk (§7.2.3.3): the first `n` ranges once, the others up to `m` times each, each
/// repetition going on from where the last one ended.
fn bulk_walk(
    mut r: Reader<'_>,
    count: usize,
    n: u16,
    m: u16,
    mibs: &[&dyn Mib],
    space: &mut Space,
    w: &mut Writer<'_>,
) -> Result<(), Error> {
    let non_rep = usize::from(n).min(count);
    let (mut start, mut end, mut found) = (Oid::new(), Oid::new(), Oid::new());
    for _ in 0..non_rep {
        let include = r.range(&mut start, &mut end)?;
        next(&start, include, &end, mibs, space, &mut found, w)?;
    }
    let reps = count - non_rep;
    if reps == 0 || m == 0 {
        return Ok(());
    }
    // Beyond what the cursors hold each range is walked once.
    let m = if reps > REPEATERS_MAX { 1 } else { m };
    let after_non_rep = r.rest();
    let be = r.big_endian();
    let mut cursors = std::mem::take(&mut space.cursors);
    let walked = (|| {
        for rep in 0..m {
            let mark = w.len();
            let mut r = Reader::new(after_non_rep, be);
            let mut all_ended = true;
            for k in 0..reps {
                let include = r.range(&mut start, &mut end)?;
                let (from, incl) = match cursors.get(k) {
                    Some(c) if rep > 0 => (c.as_slice(), false),
                    _ => (start.as_slice(), include),
                };
                let res = next(from, incl, &end, mibs, space, &mut found, w);
                match res {
                    Ok(ended) => all_ended &= ended,
                    // The first repetition must fit whole (with the non-repeaters) or the
                    // answer is tooBig; a later one is cut off before it.
                    Err(Error::NoRoom) if rep > 0 => {
                        w.truncate(mark);
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                }
                if let Some(c) = cursors.get_mut(k) {
                    if !ended_at(&found) {
                        c.clone_from(&found);
                    }
                }
            }
            if all_ended {
                return Ok(());
            }
        }
        Ok(())
    })();
    space.cursors = cursors;
    walked
}

/// Whether `next` left `found` empty (the range ended).
fn ended_at(found: &Oid) -> bool {
    found.is_empty()
}

/// The tables whose subtree holds `oid`.
fn owner<'m>(oid: &[u32], mibs: &[&'m dyn Mib]) -> Option<&'m dyn Mib> {
    mibs.iter().copied().find(|m| oid.starts_with(m.root()))
}

/// A Get's varbind: the value, or noSuchInstance where the object exists without this
/// instance, or noSuchObject.
fn get(oid: &[u32], mibs: &[&dyn Mib], space: &mut Space, w: &mut Writer<'_>) -> Result<(), Error> {
    let Some(m) = owner(oid, mibs) else {
        return w.exception(oid, vtype::NO_SUCH_OBJECT);
    };
    if let Some(v) = m.get(oid, &mut space.scratch[..]) {
        return w.varbind(oid, &v);
    }
    // An object's instances all start with the object's OID: without word from the table,
    // the instance is what is missing when the next thing after the object is one of them.
    let ty = match (m.has_object(oid), oid.split_last()) {
        (Some(true), _) => vtype::NO_SUCH_INSTANCE,
        (Some(false), _) => vtype::NO_SUCH_OBJECT,
        (None, Some((_, object))) if !object.is_empty() => {
            let mut found = Oid::new();
            let hit = m.next(object, &mut found, &mut space.scratch[..]).is_some();
            if hit && found.starts_with(object) {
                vtype::NO_SUCH_INSTANCE
            } else {
                vtype::NO_SUCH_OBJECT
            }
        }
        _ => vtype::NO_SUCH_OBJECT,
    };
    w.exception(oid, ty)
}

/// A GetNext's varbind for the range [`start`, `end`): the first object at or after `start`
/// (at only when `include`) across all tables, or endOfMibView named `start`. Leaves the
/// object's OID in `found` (empty at the end) and returns whether the range ended.
fn next(
    start: &[u32],
    include: bool,
    end: &[u32],
    mibs: &[&dyn Mib],
    space: &mut Space,
    found: &mut Oid,
    w: &mut Writer<'_>,
) -> Result<bool, Error> {
    found.clear();
    let mut best: Option<usize> = None;
    let mut cand = Oid::new();
    for (i, m) in mibs.iter().enumerate() {
        cand.clear();
        let hit = if include && m.get(start, &mut space.scratch[..]).is_some() {
            let _ = cand.extend_from_slice(start);
            true
        } else {
            m.next(start, &mut cand, &mut space.scratch[..]).is_some()
        };
        if hit && (best.is_none() || cand.as_slice() < found.as_slice()) {
            best = Some(i);
            found.clone_from(&cand);
        }
    }
    let in_range = |f: &Oid| end.is_empty() || f.as_slice() < end;
    if let Some(i) = best.filter(|_| in_range(found)) {
        let m = mibs[i];
        let v = if include && found.as_slice() == start {
            m.get(start, &mut space.scratch[..])
        } else {
            let mut again = Oid::new();
            m.next(start, &mut again, &mut space.scratch[..])
        };
        if let Some(v) = v {
            w.varbind(found, &v)?;
            return Ok(false);
        }
    }
    found.clear();
    w.exception(start, vtype::END_OF_MIB_VIEW)?;
    Ok(true)
}

#[cfg(test)]
#[path = "serve_tests.rs"]
mod tests;
