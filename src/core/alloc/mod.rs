//! The debug allocator: [`DebugAlloc`] wraps the system allocator and counts every
//! allocation, free and realloc, live and peak bytes. With tracking on (`--mem-check`,
//! [`enable_tracking`], or the `mem-check` cargo feature from the first allocation) it also
//! remembers each live block with the subsystem [`Tag`] current when it was made, so
//! [`leak_report`] can say at exit what was never freed and who allocated it.
//!
//! The daemon is single-threaded, but test harnesses are not: counters are atomics, the
//! table sits behind a spin lock, and the tag and [`Scope`] counters are per thread.

mod arena;
// The C heap: its symbols exist only in musl builds (see heap.rs); the unit tests run anywhere.
#[cfg(any(test, target_env = "musl"))]
mod heap;
mod report;
mod table;
mod text;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

pub use arena::in_arena;
pub use report::{leak_report, LeakReport};
pub(crate) use text::{settle, unsettle};

/// The subsystem an allocation is charged to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Tag {
    Core = 0,
    Config = 1,
    Vrrp = 2,
    Check = 3,
}

impl Tag {
    const ALL: [Tag; 4] = [Tag::Core, Tag::Config, Tag::Vrrp, Tag::Check];

    fn name(self) -> &'static str {
        match self {
            Tag::Core => "core",
            Tag::Config => "config",
            Tag::Vrrp => "vrrp",
            Tag::Check => "check",
        }
    }

    fn from_u8(v: u8) -> Tag {
        Tag::ALL.get(v as usize).copied().unwrap_or(Tag::Core)
    }
}

/// Install with `#[global_allocator] static A: DebugAlloc = DebugAlloc;`.
pub struct DebugAlloc;

// usize, not u64: 32-bit MIPS has no 64-bit atomics. The counts wrap after 2^32 on 32-bit
// targets; what they are read for (deltas across a window) survives a wrap.
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);
static REALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);
static TRACKING: AtomicBool = AtomicBool::new(cfg!(feature = "mem-check"));

// Const-initialised, Drop-free thread locals: reading them never allocates, so the
// allocator may use them.
thread_local! {
    static TAG: Cell<u8> = const { Cell::new(0) };
    static SITE: Cell<Option<&'static str>> = const { Cell::new(None) };
    static T_ALLOCS: Cell<u64> = const { Cell::new(0) };
    static T_FREES: Cell<u64> = const { Cell::new(0) };
    static T_REALLOCS: Cell<u64> = const { Cell::new(0) };
    static T_BYTES: Cell<u64> = const { Cell::new(0) };
}

fn bump(c: &'static std::thread::LocalKey<Cell<u64>>, by: u64) {
    let _ = c.try_with(|c| c.set(c.get().wrapping_add(by)));
}

fn current_tag() -> u8 {
    TAG.try_with(|t| t.get()).unwrap_or(0)
}

fn current_origin() -> table::Origin {
    table::Origin {
        tag: current_tag(),
        site: SITE.try_with(|s| s.get()).unwrap_or(None),
    }
}

/// Labels this thread's allocations made inside `f` with `site` (e.g. "vrrp: adverts"), so a
/// leak report can say more precisely where a block came from.
pub fn with_site<R>(site: &'static str, f: impl FnOnce() -> R) -> R {
    let prev = SITE.try_with(|s| s.replace(Some(site))).unwrap_or(None);
    let r = f();
    let _ = SITE.try_with(|s| s.set(prev));
    r
}

/// Charges allocations made from now on by this thread (the whole daemon process) to `tag`.
pub fn set_tag(tag: Tag) {
    let _ = TAG.try_with(|t| t.set(tag as u8));
}

/// Starts recording live allocations (those made from now on). False when the table could
/// not be mapped.
pub fn enable_tracking() -> bool {
    if !table::ensure() {
        return false;
    }
    TRACKING.store(true, Relaxed);
    true
}

fn tracking_enabled() -> bool {
    TRACKING.load(Relaxed)
}

/// Process-wide counters since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub allocs: u64,
    pub frees: u64,
    pub(crate) reallocs: u64,
    pub(crate) live_bytes: usize,
    pub peak_bytes: usize,
    /// Blocks tracking could not record because its table was full.
    untracked: u64,
}

pub fn stats() -> Stats {
    Stats {
        allocs: ALLOCS.load(Relaxed) as u64,
        frees: FREES.load(Relaxed) as u64,
        reallocs: REALLOCS.load(Relaxed) as u64,
        live_bytes: LIVE_BYTES.load(Relaxed),
        peak_bytes: PEAK_BYTES.load(Relaxed),
        untracked: table::overflow(),
    }
}

/// Live tracked blocks and bytes charged to `tag` (zero when tracking is off).
pub fn live_by_tag(tag: Tag) -> (u64, u64) {
    let s = table::summary();
    s.per_tag[tag as usize]
}

/// This thread's allocation activity since a point, e.g. to assert that handling an advert
/// allocates nothing: `let s = Scope::new(); work(); assert_eq!(s.allocs(), 0);`.
pub struct Scope {
    start: Counts,
}

/// Per-thread counters (see [`Scope`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub allocs: u64,
    pub frees: u64,
    pub reallocs: u64,
    /// Bytes requested by allocs and reallocs.
    pub bytes: u64,
}

fn thread_counts() -> Counts {
    let get = |c: &'static std::thread::LocalKey<Cell<u64>>| c.try_with(|c| c.get()).unwrap_or(0);
    Counts {
        allocs: get(&T_ALLOCS),
        frees: get(&T_FREES),
        reallocs: get(&T_REALLOCS),
        bytes: get(&T_BYTES),
    }
}

impl Scope {
    pub fn new() -> Self {
        Scope {
            start: thread_counts(),
        }
    }

    pub fn counts(&self) -> Counts {
        let now = thread_counts();
        Counts {
            allocs: now.allocs - self.start.allocs,
            frees: now.frees - self.start.frees,
            reallocs: now.reallocs - self.start.reallocs,
            bytes: now.bytes - self.start.bytes,
        }
    }

    /// Allocations plus reallocs: every call that may have asked the system for memory.
    pub fn allocs(&self) -> u64 {
        let c = self.counts();
        c.allocs + c.reallocs
    }
}

impl Default for Scope {
    fn default() -> Self {
        Self::new()
    }
}

fn on_alloc(ptr: *mut u8, size: usize) {
    ALLOCS.fetch_add(1, Relaxed);
    bump(&T_ALLOCS, 1);
    bump(&T_BYTES, size as u64);
    let live = LIVE_BYTES.fetch_add(size, Relaxed) + size;
    PEAK_BYTES.fetch_max(live, Relaxed);
    if TRACKING.load(Relaxed) {
        table::insert(ptr as usize, size, current_origin());
    }
}

fn on_free(ptr: *mut u8, size: usize) {
    FREES.fetch_add(1, Relaxed);
    bump(&T_FREES, 1);
    LIVE_BYTES.fetch_sub(size, Relaxed);
    if TRACKING.load(Relaxed) {
        table::remove(ptr as usize);
    }
}

unsafe impl GlobalAlloc for DebugAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds GlobalAlloc's contract.
        let p = arena::alloc(layout).unwrap_or_else(|| unsafe { System.alloc(layout) });
        if !p.is_null() {
            on_alloc(p, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = match arena::alloc(layout) {
            // SAFETY: a fresh block of layout.size() bytes. Room a freed temporary gave back
            // is not zero.
            Some(p) => unsafe {
                p.write_bytes(0, layout.size());
                p
            },
            // SAFETY: as alloc.
            None => unsafe { System.alloc_zeroed(layout) },
        };
        if !p.is_null() {
            on_alloc(p, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(ptr, layout.size());
        match arena::owner(ptr) {
            Some(i) => arena::free(i, ptr, layout.size()),
            // SAFETY: ptr came from this allocator, not from an arena: from System, with this
            // layout.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = match arena::owner(ptr) {
            Some(i) if arena::resize_in_place(i, ptr, layout.size(), new_size) => ptr,
            Some(i) => {
                // Moves: to this thread's arena if it has one, else to the system allocator.
                // SAFETY: the caller guarantees new_size is valid with layout's alignment.
                let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                // SAFETY: as alloc.
                let p = arena::alloc(new).unwrap_or_else(|| unsafe { System.alloc(new) });
                if !p.is_null() {
                    // SAFETY: both blocks hold the copied length and do not overlap.
                    unsafe { std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size)) };
                    arena::free(i, ptr, layout.size());
                }
                p
            }
            // SAFETY: as dealloc; new_size is the caller's responsibility.
            None => unsafe { System.realloc(ptr, layout, new_size) },
        };
        if p.is_null() {
            return p;
        }
        REALLOCS.fetch_add(1, Relaxed);
        bump(&T_REALLOCS, 1);
        bump(&T_BYTES, new_size as u64);
        let old = layout.size();
        if new_size >= old {
            let live = LIVE_BYTES.fetch_add(new_size - old, Relaxed) + (new_size - old);
            PEAK_BYTES.fetch_max(live, Relaxed);
        } else {
            LIVE_BYTES.fetch_sub(old - new_size, Relaxed);
        }
        if TRACKING.load(Relaxed) {
            // The block keeps the origin of whoever first allocated it.
            let origin = table::remove(ptr as usize).unwrap_or_else(current_origin);
            table::insert(p as usize, new_size, origin);
        }
        p
    }
}
