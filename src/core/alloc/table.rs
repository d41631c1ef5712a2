//! The live-block table: open addressing with linear probing and backward-shift deletion, in
//! memory from mmap so that recording an allocation never allocates. A spin lock guards it;
//! nothing inside the lock allocates, panics or blocks.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

const BITS: u32 = 17;
const CAP: usize = 1 << BITS;
const MASK: usize = CAP - 1;
/// Past this load, probes get long; further blocks are counted as untracked instead.
const MAX_LIVE: usize = CAP / 4 * 3;

/// Who made a block: the subsystem tag and the optional site label current at the time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) tag: u8,
    pub(crate) site: Option<&'static str>,
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Entry {
    ptr: usize,
    size: usize,
    origin: Origin,
}

static TABLE: AtomicPtr<Entry> = AtomicPtr::new(std::ptr::null_mut());
static LOCK: AtomicBool = AtomicBool::new(false);
// usize: 32-bit MIPS has no 64-bit atomics.
static OVERFLOW: AtomicUsize = AtomicUsize::new(0);
/// Entries in use; only changed under LOCK.
static LEN: AtomicUsize = AtomicUsize::new(0);

struct Guard;

fn lock() -> Guard {
    while LOCK
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        std::hint::spin_loop();
    }
    Guard
}

impl Drop for Guard {
    fn drop(&mut self) {
        LOCK.store(false, Ordering::Release);
    }
}

/// Maps the table if not yet mapped; false if mmap failed.
pub(crate) fn ensure() -> bool {
    if !TABLE.load(Ordering::Acquire).is_null() {
        return true;
    }
    let _g = lock();
    map_locked()
}

fn map_locked() -> bool {
    if !TABLE.load(Ordering::Acquire).is_null() {
        return true;
    }
    // Populated at once: blocks hash all over the table, so left to fault in page by page its
    // pages would make the resident size of a --mem-check process creep up for minutes (3-4
    // MiB over 1,000 reloads) and hide a real leak. Paid up front, RSS stays flat.
    // SAFETY: anonymous private mapping, no file; the result is checked.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            CAP * std::mem::size_of::<Entry>(),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return false;
    }
    TABLE.store(p.cast(), Ordering::Release);
    true
}

fn home(ptr: usize) -> usize {
    ((ptr as u64 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS)) as usize
}

/// The table as a slice; only call with the lock held and the table mapped.
fn slots(_g: &mut Guard) -> Option<&mut [Entry]> {
    let t = TABLE.load(Ordering::Acquire);
    if t.is_null() {
        return None;
    }
    // SAFETY: the mapping is CAP entries, zero-filled (a valid Entry), never unmapped, and
    // the guard makes this the only live reference.
    Some(unsafe { std::slice::from_raw_parts_mut(t, CAP) })
}

pub(crate) fn insert(ptr: usize, size: usize, origin: Origin) {
    let mut g = lock();
    if TABLE.load(Ordering::Acquire).is_null() && !map_locked() {
        return;
    }
    let Some(t) = slots(&mut g) else { return };
    if LEN.load(Ordering::Relaxed) >= MAX_LIVE {
        OVERFLOW.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let mut i = home(ptr);
    while t[i].ptr != 0 && t[i].ptr != ptr {
        i = (i + 1) & MASK;
    }
    if t[i].ptr == 0 {
        LEN.fetch_add(1, Ordering::Relaxed);
    }
    t[i] = Entry { ptr, size, origin };
}

/// Forgets `ptr`; its origin if it was recorded.
pub(crate) fn remove(ptr: usize) -> Option<Origin> {
    let mut g = lock();
    let t = slots(&mut g)?;
    let mut i = home(ptr);
    let mut probes = 0;
    while t[i].ptr != ptr {
        if t[i].ptr == 0 || probes == CAP {
            return None;
        }
        i = (i + 1) & MASK;
        probes += 1;
    }
    let origin = t[i].origin;
    LEN.fetch_sub(1, Ordering::Relaxed);
    // Backward-shift: pull later entries of the probe run into the hole so lookups never
    // stop early at it.
    let mut j = i;
    loop {
        j = (j + 1) & MASK;
        if t[j].ptr == 0 {
            break;
        }
        let k = home(t[j].ptr);
        let stays = if i <= j {
            i < k && k <= j
        } else {
            i < k || k <= j
        };
        if !stays {
            t[i] = t[j];
            i = j;
        }
    }
    t[i].ptr = 0;
    Some(origin)
}

pub(crate) fn overflow() -> u64 {
    OVERFLOW.load(Ordering::Relaxed) as u64
}

const TOP: usize = 16;

/// What is live, gathered under the lock into fixed arrays so the caller can format it
/// after the lock is released.
#[derive(Clone, Copy, Default)]
pub(crate) struct Summary {
    /// (blocks, bytes) per tag.
    pub(crate) per_tag: [(u64, u64); 4],
    /// The largest live blocks: (ptr, size, origin), largest first; `n_top` are valid.
    pub(crate) top: [(usize, usize, Origin); TOP],
    pub(crate) n_top: usize,
}

pub(crate) fn summary() -> Summary {
    let mut s = Summary::default();
    let mut g = lock();
    let Some(t) = slots(&mut g) else { return s };
    for e in t.iter().filter(|e| e.ptr != 0) {
        let slot = &mut s.per_tag[(e.origin.tag as usize).min(3)];
        slot.0 += 1;
        slot.1 += e.size as u64;
        // Insertion into the sorted top list.
        let mut pos = s.n_top;
        while pos > 0 && s.top[pos - 1].1 < e.size {
            pos -= 1;
        }
        if pos < TOP {
            let end = s.n_top.min(TOP - 1);
            s.top.copy_within(pos..end, pos + 1);
            s.top[pos] = (e.ptr, e.size, e.origin);
            s.n_top = (s.n_top + 1).min(TOP);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    // The library's unit tests do not install DebugAlloc, so only this test touches the
    // table (one test, since tests run in parallel); fake addresses keep it apart from
    // anything real anyway.
    #[test]
    fn table() {
        probe_runs_survive_removal();
        summary_keeps_the_largest_blocks_in_order();
    }

    fn probe_runs_survive_removal() {
        assert!(ensure());
        // Where a 64-bit heap lives; a 32-bit one's addresses are lower.
        let base = usize::try_from(0x7000_0000_0000u64).unwrap_or(0x7000_0000);
        let o = |tag| Origin { tag, site: None };
        // Addresses sharing a home slot form one long probe run; mix in unrelated ones.
        let home0 = home(base);
        let mut same_home = Vec::new();
        let mut p = base;
        while same_home.len() < 8 {
            if home(p) == home0 {
                same_home.push(p);
            }
            p += 16;
        }
        let others: Vec<usize> = (1..2000).map(|i| base + 0x1000_0000 + i * 16).collect();
        for (i, &a) in same_home.iter().chain(&others).enumerate() {
            insert(a, i + 1, o((i % 4) as u8));
        }
        // Remove every other block, then every remaining one must still be found.
        let all: Vec<usize> = same_home.iter().chain(&others).copied().collect();
        for a in all.iter().step_by(2) {
            assert!(remove(*a).is_some());
        }
        for a in all.iter().step_by(2) {
            assert_eq!(remove(*a), None, "removed twice");
        }
        for (i, a) in all.iter().enumerate().skip(1).step_by(2) {
            assert_eq!(remove(*a), Some(o((i % 4) as u8)));
        }
        let s = summary();
        assert_eq!(s.per_tag, [(0, 0); 4]);
        assert_eq!(s.n_top, 0);
    }

    fn summary_keeps_the_largest_blocks_in_order() {
        assert!(ensure());
        let base = usize::try_from(0x6000_0000_0000u64).unwrap_or(0x6000_0000);
        for i in 0..40usize {
            insert(
                base + i * 64,
                1000 + i,
                Origin {
                    tag: 2,
                    site: Some("t"),
                },
            );
        }
        let s = summary();
        let sizes: Vec<usize> = s.top[..s.n_top].iter().map(|t| t.1).collect();
        let want: Vec<usize> = (0..TOP).map(|i| 1039 - i).collect();
        for i in 0..40usize {
            remove(base + i * 64);
        }
        assert_eq!(sizes, want);
        assert_eq!(s.per_tag[2].0, 40);
    }
}
