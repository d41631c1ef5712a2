//! Page arenas: [`in_arena`] sends the allocations its closure makes (on this thread) to a
//! mapping of their own, bump-allocated, that goes back to the kernel whole once its last
//! block is freed.
//!
//! Why: the system allocator keeps a freed small block's page (zig's musl build: one 64 KiB
//! slab per power-of-two size class, nothing returned; glibc trims only the top). Reading the
//! config makes and frees the whole keyword tree, so the parent kept those pages resident, and
//! each child forked from it copied them as it allocated into the holes. Read in an arena, the
//! tree leaves nothing behind; the typed config copied into arenas of its own is packed (no
//! size-class rounding), and a child that drops a part it does not run unmaps that part
//! without writing to a page of it.
//!
//! Blocks made outside an arena stay with the system allocator even when grown inside one; an
//! arena block grown outside its scope moves to the system allocator. Arenas are reserved
//! without backing (PROT_NONE) and made writable as the bump pointer passes: what is never
//! touched costs no memory, nor commit charge on a router without overcommit.

use std::alloc::Layout;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use std::sync::atomic::{Ordering::Relaxed, Ordering::Release};

/// Arenas alive at once: a reload holds the old config's, the new one's and the read's.
const SLOTS: usize = 16;
/// Address space each arena reserves. A read past it goes on in the system allocator.
const RESERVE: usize = if cfg!(target_pointer_width = "64") {
    256 << 20
} else {
    32 << 20
};
/// Made writable this much at a time: one mprotect per 64 KiB of config.
const STEP: usize = 64 << 10;

struct Slot {
    /// The reservation's start; 0 while the slot is free.
    base: AtomicUsize,
    end: AtomicUsize,
    /// End of the writable part.
    writable: AtomicUsize,
    /// Where the next block goes. Only the thread whose scope it is moves it.
    bump: AtomicUsize,
    live: AtomicUsize,
    /// The scope ended: the last free unmaps it.
    sealed: AtomicBool,
    claimed: AtomicBool,
    /// Counts the slot's mappings, so that a test can tell its arena from a later one.
    #[cfg(test)]
    generation: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    base: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    writable: AtomicUsize::new(0),
    bump: AtomicUsize::new(0),
    live: AtomicUsize::new(0),
    sealed: AtomicBool::new(false),
    claimed: AtomicBool::new(false),
    #[cfg(test)]
    generation: AtomicUsize::new(0),
};

static ARENAS: [Slot; SLOTS] = [FREE; SLOTS];
/// Arenas mapped: a free outside any arena costs one load while none is.
static MAPPED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The slot this thread allocates in, plus one (0: none).
    static ACTIVE: Cell<usize> = const { Cell::new(0) };
}

fn active() -> usize {
    ACTIVE.try_with(Cell::get).unwrap_or(0)
}

/// Runs `f` with this thread's new allocations in a fresh arena (or, if none can be mapped,
/// where they would go anyway). The arena is unmapped once every block made in it is freed.
pub fn in_arena<R>(f: impl FnOnce() -> R) -> R {
    let Some(i) = open() else {
        return f();
    };
    let prev = ACTIVE.try_with(|a| a.replace(i + 1)).unwrap_or(0);
    let r = f();
    let _ = ACTIVE.try_with(|a| a.set(prev));
    let s = &ARENAS[i];
    s.sealed.store(true, Release);
    if s.live.load(Acquire) == 0 {
        release(i);
    }
    r
}

fn open() -> Option<usize> {
    let i = ARENAS.iter().position(|s| {
        s.claimed
            .compare_exchange(false, true, AcqRel, Relaxed)
            .is_ok()
    })?;
    // SAFETY: a fresh anonymous reservation, no file; the result is checked.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVE,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    let s = &ARENAS[i];
    if p == libc::MAP_FAILED {
        s.claimed.store(false, Release);
        return None;
    }
    let base = p as usize;
    s.end.store(base + RESERVE, Relaxed);
    s.writable.store(base, Relaxed);
    s.bump.store(base, Relaxed);
    s.live.store(0, Relaxed);
    s.sealed.store(false, Relaxed);
    #[cfg(test)]
    s.generation.fetch_add(1, Relaxed);
    s.base.store(base, Release);
    MAPPED.fetch_add(1, Relaxed);
    Some(i)
}

fn release(i: usize) {
    let s = &ARENAS[i];
    let base = s.base.swap(0, AcqRel);
    if base == 0 {
        return;
    }
    let end = s.end.load(Relaxed);
    // SAFETY: the whole reservation this slot mapped; no live block points into it.
    unsafe { libc::munmap(base as *mut libc::c_void, end - base) };
    MAPPED.fetch_sub(1, Relaxed);
    s.claimed.store(false, Release);
}

/// A block's end: zero-sized blocks still get a distinct address.
fn block_end(ptr: usize, size: usize) -> usize {
    ptr + size.max(1)
}

/// Makes the arena writable up to `to`; false past its reservation or if mprotect fails.
fn make_writable(s: &Slot, to: usize) -> bool {
    let w = s.writable.load(Relaxed);
    if to <= w {
        return true;
    }
    let end = s.end.load(Relaxed);
    if to > end {
        return false;
    }
    let new = to.div_ceil(STEP).saturating_mul(STEP).min(end);
    // SAFETY: [w, new) lies inside this slot's reservation.
    let rc = unsafe {
        libc::mprotect(
            w as *mut libc::c_void,
            new - w,
            libc::PROT_READ | libc::PROT_WRITE,
        )
    };
    if rc != 0 {
        return false;
    }
    s.writable.store(new, Relaxed);
    true
}

/// A block from this thread's arena, if it has one with room.
pub(super) fn alloc(layout: Layout) -> Option<*mut u8> {
    let i = active().checked_sub(1)?;
    let s = &ARENAS[i];
    let start = s
        .bump
        .load(Relaxed)
        .checked_next_multiple_of(layout.align())?;
    let end = start.checked_add(layout.size().max(1))?;
    if !make_writable(s, end) {
        return None;
    }
    s.bump.store(end, Relaxed);
    s.live.fetch_add(1, Relaxed);
    Some(start as *mut u8)
}

/// The arena holding `ptr`, if any.
pub(super) fn owner(ptr: *mut u8) -> Option<usize> {
    if MAPPED.load(Relaxed) == 0 {
        return None;
    }
    let p = ptr as usize;
    ARENAS.iter().position(|s| {
        let base = s.base.load(Acquire);
        base != 0 && p >= base && p < s.end.load(Relaxed)
    })
}

/// Frees a block of arena `i`. The last block of a running scope gives its room back (a
/// temporary freed before the next allocation costs nothing); the last block of a sealed
/// arena unmaps it.
pub(super) fn free(i: usize, ptr: *mut u8, size: usize) {
    let s = &ARENAS[i];
    if active() == i + 1 && s.bump.load(Relaxed) == block_end(ptr as usize, size) {
        s.bump.store(ptr as usize, Relaxed);
    }
    if s.live.fetch_sub(1, AcqRel) == 1 && s.sealed.load(Acquire) {
        release(i);
    }
}

/// Resizes a block of arena `i` where it is: always when it shrinks, and when it grows if it
/// is the last block of this thread's running scope and the arena has room.
pub(super) fn resize_in_place(i: usize, ptr: *mut u8, old: usize, new: usize) -> bool {
    let s = &ARENAS[i];
    let p = ptr as usize;
    let last = active() == i + 1 && s.bump.load(Relaxed) == block_end(p, old);
    if !last {
        return new <= old;
    }
    let end = block_end(p, new);
    if !make_writable(s, end) {
        return false;
    }
    s.bump.store(end, Relaxed);
    true
}

#[cfg(test)]
mod tests {
    use super::super::DebugAlloc;
    use super::*;
    use std::alloc::GlobalAlloc;

    // The library's tests do not install DebugAlloc: these call it directly.

    fn layout(n: usize) -> Layout {
        Layout::from_size_align(n, 8).unwrap_or(Layout::new::<u64>())
    }

    /// The mapping holding `p`: its slot and that slot's generation. Other tests' arenas may
    /// take the slot and even the address once it is unmapped; never the generation.
    fn mapping(p: *mut u8) -> Option<(usize, usize)> {
        owner(p).map(|i| (i, ARENAS[i].generation.load(Relaxed)))
    }

    fn still_mapped(m: (usize, usize)) -> bool {
        let s = &ARENAS[m.0];
        s.base.load(Acquire) != 0 && s.generation.load(Relaxed) == m.1
    }

    #[test]
    fn an_arena_is_unmapped_when_its_last_block_is_freed() {
        let (a, b) = in_arena(|| unsafe {
            (
                DebugAlloc.alloc(layout(100)),
                DebugAlloc.alloc(layout(5000)),
            )
        });
        let m = mapping(a);
        assert!(m.is_some() && m == mapping(b));
        let m = m.unwrap_or_default();
        unsafe { DebugAlloc.dealloc(a, layout(100)) };
        assert!(still_mapped(m), "one block still lives");
        unsafe { DebugAlloc.dealloc(b, layout(5000)) };
        assert!(!still_mapped(m));
    }

    #[test]
    fn blocks_made_outside_stay_outside_and_arena_blocks_grown_outside_move_out() {
        let outside = unsafe { DebugAlloc.alloc(layout(16)) };
        let (grown, inside) = in_arena(|| unsafe {
            let g = DebugAlloc.realloc(outside, layout(16), 4096);
            (g, DebugAlloc.alloc(layout(16)))
        });
        assert!(
            owner(grown).is_none(),
            "a system block grown in a scope stays a system block"
        );
        let m = mapping(inside).unwrap_or_default();
        assert!(still_mapped(m));
        unsafe { inside.write_bytes(7, 16) };
        let moved = unsafe { DebugAlloc.realloc(inside, layout(16), 64) };
        assert!(owner(moved).is_none());
        assert!(!still_mapped(m), "its only block moved out");
        assert_eq!(unsafe { std::slice::from_raw_parts(moved, 16) }, &[7u8; 16]);
        unsafe {
            DebugAlloc.dealloc(moved, layout(64));
            DebugAlloc.dealloc(grown, layout(4096));
        }
    }

    #[test]
    fn a_scope_reuses_a_freed_last_block_and_grows_the_last_block_in_place() {
        in_arena(|| unsafe {
            let a = DebugAlloc.alloc(layout(32));
            DebugAlloc.dealloc(a, layout(32));
            let b = DebugAlloc.alloc(layout(32));
            assert_eq!(a, b, "a temporary's room is given back");
            let c = DebugAlloc.realloc(b, layout(32), 200_000);
            assert_eq!(b, c, "the last block grows where it is");
            c.add(199_999).write(1);
            DebugAlloc.dealloc(c, layout(200_000));
        });
    }

    #[test]
    fn an_empty_scope_leaves_nothing_mapped() {
        let m = in_arena(|| {
            let i = active() - 1;
            (i, ARENAS[i].generation.load(Relaxed))
        });
        assert!(!still_mapped(m));
    }
}
