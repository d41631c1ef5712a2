//! The C heap of the static musl binaries: `malloc` and its family, through which every
//! allocation goes (Rust's `System` allocator under [`super::DebugAlloc`], and musl's own
//! `opendir`, `realpath` and `tzset`).
//!
//! Why: zig's C library (the router builds' musl) defines them as weak symbols over its
//! `SmpAllocator`, whose per-CPU thread caches cost 8 KB of MIPS code (half of it counting CPUs
//! in `sched_getaffinity`'s mask) and a 16 KiB table in .bss. Ours, being strong, replace them at
//! link time. The daemon is single-threaded, so one spin lock replaces the thread caches; the
//! layout is zig's, so the memory a process touches does not change: power-of-two size classes
//! up to 32 KiB, each cut from 64 KiB slabs of its own as it grows, freed blocks kept on a list
//! per class for the next allocation of that class (never unmapped, as zig's), larger blocks
//! mapped alone and unmapped when freed.
//!
//! Every block is preceded by a header of [`ALIGN`] bytes, musl's `max_align_t`: the class (or
//! the length of a block's own mapping) and the distance back to the block's start, which an
//! over-aligned block (`posix_memalign`) needs.

use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};

/// Alignment of every `malloc` result and size of the header: two words, `max_align_t`.
const ALIGN: usize = 2 * size_of::<usize>();
/// The smallest block: a header and one `max_align_t`.
const MIN_SHIFT: u32 = ALIGN.trailing_zeros() + 1;
/// Blocks up to 32 KiB come from slabs; larger ones get a mapping of their own.
const MAX_SHIFT: u32 = 15;
const CLASSES: usize = (MAX_SHIFT - MIN_SHIFT + 1) as usize;
const SLAB: usize = 64 << 10;
/// Mapping lengths are kept in this unit. The kernel rounds up to its own page size.
const PAGE: usize = 4096;

struct State {
    /// Per class: the first freed block (its first word links the next), 0 when none.
    free: [usize; CLASSES],
    /// Per class: the unused rest of its current slab.
    next: [usize; CLASSES],
    end: [usize; CLASSES],
}

struct Heap {
    locked: AtomicBool,
    state: UnsafeCell<State>,
}

// SAFETY: state is only reached through `Heap::lock`, which holds `locked` while it is used.
unsafe impl Sync for Heap {}

static HEAP: Heap = Heap {
    locked: AtomicBool::new(false),
    state: UnsafeCell::new(State {
        free: [0; CLASSES],
        next: [0; CLASSES],
        end: [0; CLASSES],
    }),
};

struct Locked(&'static Heap);

impl Locked {
    fn state(&mut self) -> &mut State {
        // SAFETY: this guard holds the lock, and `&mut self` gives one borrow at a time.
        unsafe { &mut *self.0.state.get() }
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        self.0.locked.store(false, Release);
    }
}

impl Heap {
    /// Never contended in the daemon (one thread); the test harness's threads spin briefly.
    /// Nothing inside the lock allocates or panics.
    fn lock(&'static self) -> Locked {
        while self.locked.swap(true, Acquire) {
            spin_loop();
        }
        Locked(self)
    }
}

/// The class of a block of `need` bytes (header included), or None past the largest.
fn class_of(need: usize) -> Option<usize> {
    if need > 1 << MAX_SHIFT {
        return None;
    }
    let shift = need
        .max(1 << MIN_SHIFT)
        .next_power_of_two()
        .trailing_zeros();
    Some((shift - MIN_SHIFT) as usize)
}

fn block_len(class: usize) -> usize {
    1 << (class as u32 + MIN_SHIFT)
}

fn map(len: usize) -> Option<usize> {
    // SAFETY: a fresh private anonymous mapping; nothing else refers to that range.
    let p = unsafe {
        libc::mmap(
            null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    (p != libc::MAP_FAILED).then_some(p as usize)
}

/// A block of at least `need` bytes and the header tag it gets: its class, or its mapping's
/// length (always above any class).
fn take(need: usize) -> Option<(usize, usize)> {
    let Some(class) = class_of(need) else {
        let len = need.checked_add(PAGE - 1)? & !(PAGE - 1);
        return Some((map(len)?, len));
    };
    let len = block_len(class);
    let mut heap = HEAP.lock();
    let s = heap.state();
    let head = s.free[class];
    if head != 0 {
        // SAFETY: a freed block of this class, whose first word `give` wrote.
        s.free[class] = unsafe { *(head as *const usize) };
        return Some((head, class));
    }
    if s.end[class] - s.next[class] < len {
        // The slab's rest is dropped, as zig does: its untouched pages cost nothing.
        let slab = map(SLAB)?;
        s.next[class] = slab;
        s.end[class] = slab + SLAB;
    }
    let b = s.next[class];
    s.next[class] += len;
    Some((b, class))
}

/// Returns the block starting at `b` with header tag `tag`.
///
/// # Safety
/// `b` and `tag` come from one `take` and the block is not used afterwards.
unsafe fn give(b: usize, tag: usize) {
    if tag >= CLASSES {
        // SAFETY: the block's own mapping, of this length.
        unsafe { libc::munmap(b as *mut libc::c_void, tag) };
        return;
    }
    let mut heap = HEAP.lock();
    let s = heap.state();
    // SAFETY: the block is ours again and at least two words long.
    unsafe { *(b as *mut usize) = s.free[tag] };
    s.free[tag] = b;
}

/// `size` bytes aligned to `align` (a power of two), or null.
fn alloc(size: usize, align: usize) -> *mut u8 {
    let align = align.max(ALIGN);
    // The header fits in the slack an over-aligned block leaves before its aligned start.
    let Some((b, tag)) = size.checked_add(align).and_then(take) else {
        return null_mut();
    };
    let p = (b + ALIGN + align - 1) & !(align - 1);
    // SAFETY: p - ALIGN .. p is inside the block, after b, and word-aligned.
    unsafe {
        let h = (p - ALIGN) as *mut usize;
        h.write(tag);
        h.add(1).write(p - b);
    }
    p as *mut u8
}

/// The block's start, its header tag, and the bytes usable from `p`.
///
/// # Safety
/// `p` came from `alloc` and was not freed.
unsafe fn header(p: *mut u8) -> (usize, usize, usize) {
    // SAFETY: `alloc` wrote both words just before p.
    let (tag, back) = unsafe {
        let h = p.sub(ALIGN) as *const usize;
        (h.read(), h.add(1).read())
    };
    let len = if tag < CLASSES { block_len(tag) } else { tag };
    (p as usize - back, tag, len - back)
}

/// # Safety
/// `p` is null or came from `alloc` and was not freed.
unsafe fn free(p: *mut u8) {
    if !p.is_null() {
        // SAFETY: the caller's promise, passed on.
        unsafe {
            let (b, tag, _) = header(p);
            give(b, tag);
        }
    }
}

/// C's `realloc` with `ALIGN` alignment: in place while the size stays in its class (or
/// its mapping), moved otherwise; null (and `p` kept) when memory runs out.
///
/// # Safety
/// `p` is null or came from `alloc` with at most `ALIGN` alignment and was not freed.
unsafe fn realloc(p: *mut u8, size: usize) -> *mut u8 {
    if p.is_null() {
        return alloc(size, ALIGN);
    }
    // SAFETY: the caller's promise.
    let (b, tag, have) = unsafe { header(p) };
    let stays = if tag < CLASSES {
        class_of(size.saturating_add(ALIGN)) == Some(tag)
    } else {
        // A mapping keeps its pages while the size stays above half of it.
        size > tag / 2
    };
    if size <= have && stays {
        return p;
    }
    let q = alloc(size, ALIGN);
    if !q.is_null() {
        // SAFETY: both blocks hold the copied length and are distinct; p is not used after.
        unsafe {
            std::ptr::copy_nonoverlapping(p, q, have.min(size));
            give(b, tag);
        }
    }
    q
}

/// The C symbols: only in the static musl binaries, where they replace zig's weak ones. Every
/// member of zig's family is here, so that no block of one allocator reaches the other.
#[cfg(all(target_env = "musl", not(test)))]
mod c {
    use super::{alloc, header, ALIGN, CLASSES};
    use libc::{c_int, c_void, size_t};
    use std::ptr::null_mut;

    fn nomem<T>() -> *mut T {
        // SAFETY: errno is this thread's own int.
        unsafe { *libc::__errno_location() = libc::ENOMEM };
        null_mut()
    }

    fn checked(p: *mut u8) -> *mut c_void {
        if p.is_null() {
            nomem()
        } else {
            p.cast()
        }
    }

    #[no_mangle]
    extern "C" fn malloc(n: size_t) -> *mut c_void {
        checked(alloc(n, ALIGN))
    }

    #[no_mangle]
    extern "C" fn calloc(elems: size_t, len: size_t) -> *mut c_void {
        let Some(n) = elems.checked_mul(len) else {
            return nomem();
        };
        // Not through `malloc`: LLVM would fold malloc + memset into a call to calloc.
        let p = alloc(n, ALIGN);
        if !p.is_null() {
            // SAFETY: p came from `alloc` just now.
            let (_, tag, _) = unsafe { header(p) };
            // A block with a mapping of its own is fresh from mmap, so zero already: writing
            // it would make all its pages resident (a VRRP child's 136 KiB receive batch,
            // of which a packet touches a few hundred bytes).
            if tag < CLASSES {
                // SAFETY: a fresh block of n bytes.
                unsafe { p.write_bytes(0, n) };
            }
        }
        checked(p)
    }

    /// # Safety
    /// C's contract: `p` is null or a live block of this heap.
    #[no_mangle]
    unsafe extern "C" fn realloc(p: *mut c_void, n: size_t) -> *mut c_void {
        if n == 0 && !p.is_null() {
            // SAFETY: the caller's promise.
            unsafe { super::free(p.cast()) };
            return null_mut();
        }
        // SAFETY: the caller's promise.
        checked(unsafe { super::realloc(p.cast(), n) })
    }

    /// # Safety
    /// C's contract, as realloc.
    #[no_mangle]
    unsafe extern "C" fn reallocarray(p: *mut c_void, elems: size_t, len: size_t) -> *mut c_void {
        match elems.checked_mul(len) {
            // SAFETY: the caller's promise.
            Some(n) => unsafe { realloc(p, n) },
            None => nomem(),
        }
    }

    /// # Safety
    /// C's contract: `p` is null or a live block of this heap.
    #[no_mangle]
    unsafe extern "C" fn free(p: *mut c_void) {
        // SAFETY: the caller's promise.
        unsafe { super::free(p.cast()) }
    }

    /// # Safety
    /// C's contract: `p` is null or a live block of this heap.
    #[no_mangle]
    unsafe extern "C" fn malloc_usable_size(p: *mut c_void) -> size_t {
        if p.is_null() {
            return 0;
        }
        // SAFETY: the caller's promise.
        unsafe { header(p.cast()).2 }
    }

    #[no_mangle]
    extern "C" fn aligned_alloc(align: size_t, n: size_t) -> *mut c_void {
        if !align.is_power_of_two() {
            // SAFETY: errno is this thread's own int.
            unsafe { *libc::__errno_location() = libc::EINVAL };
            return null_mut();
        }
        checked(alloc(n, align))
    }

    #[no_mangle]
    extern "C" fn memalign(align: size_t, n: size_t) -> *mut c_void {
        aligned_alloc(align, n)
    }

    #[no_mangle]
    extern "C" fn valloc(n: size_t) -> *mut c_void {
        aligned_alloc(super::PAGE, n)
    }

    /// # Safety
    /// C's contract: `res` points to a writable pointer.
    #[no_mangle]
    unsafe extern "C" fn posix_memalign(res: *mut *mut c_void, align: size_t, n: size_t) -> c_int {
        if !align.is_power_of_two() || align < size_of::<*mut c_void>() {
            return libc::EINVAL;
        }
        let p = alloc(n, align);
        if p.is_null() {
            return libc::ENOMEM;
        }
        // SAFETY: the caller's promise.
        unsafe { *res = p.cast() };
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, MutexGuard};

    /// The heap is one per process: these tests take turns, so that one's frees cannot
    /// hand another's allocation a block it expects.
    fn serial() -> MutexGuard<'static, ()> {
        static SERIAL: Mutex<()> = Mutex::new(());
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fill(p: *mut u8, n: usize, seed: u8) {
        for i in 0..n {
            // SAFETY: p holds n bytes.
            unsafe { p.add(i).write(seed.wrapping_add(i as u8)) };
        }
    }

    fn holds(p: *const u8, n: usize, seed: u8) -> bool {
        // SAFETY: p holds n bytes.
        (0..n).all(|i| unsafe { p.add(i).read() } == seed.wrapping_add(i as u8))
    }

    #[test]
    fn blocks_of_every_class_and_beyond_are_aligned_disjoint_and_keep_their_bytes() {
        let _s = serial();
        let sizes = [
            0, 1, 7, 8, 9, 24, 100, 1000, 4000, 16_000, 32_760, 40_000, 200_000,
        ];
        let blocks: Vec<(*mut u8, usize, u8)> = (0..3)
            .flat_map(|r| sizes.iter().map(move |&n| (n, r)))
            .enumerate()
            .map(|(i, (n, _))| {
                let p = alloc(n, ALIGN);
                assert!(!p.is_null());
                assert_eq!(p as usize % ALIGN, 0, "size {n}");
                fill(p, n, i as u8);
                (p, n, i as u8)
            })
            .collect();
        for &(p, n, seed) in &blocks {
            assert!(holds(p, n, seed), "size {n}");
            // SAFETY: from alloc above.
            assert!(unsafe { header(p) }.2 >= n);
        }
        for (p, _, _) in blocks {
            // SAFETY: from alloc above, freed once.
            unsafe { free(p) };
        }
    }

    #[test]
    fn a_freed_block_is_the_next_one_of_its_class() {
        let _s = serial();
        let a = alloc(777, ALIGN);
        // SAFETY: from alloc, freed once.
        unsafe { free(a) };
        let b = alloc(770, ALIGN);
        assert_eq!(a, b);
        // SAFETY: as above.
        unsafe { free(b) };
    }

    #[test]
    fn over_aligned_blocks_are_aligned_and_freed() {
        let _s = serial();
        for align in [32, 64, 4096, 65536] {
            for n in [1, 100, 5000, 70_000] {
                let p = alloc(n, align);
                assert_eq!(p as usize % align, 0, "align {align} size {n}");
                fill(p, n, 3);
                assert!(holds(p, n, 3));
                // SAFETY: from alloc, freed once.
                unsafe { free(p) };
            }
        }
    }

    #[test]
    fn realloc_keeps_the_bytes_growing_and_shrinking_across_classes_and_mappings() {
        let _s = serial();
        let mut p = alloc(10, ALIGN);
        fill(p, 10, 9);
        let mut n = 10;
        for m in [
            20, 20, 300, 5000, 40_000, 150_000, 300_000, 100_000, 60_000, 1000, 3,
        ] {
            // SAFETY: p is live and ALIGN-aligned; replaced by the result.
            p = unsafe { realloc(p, m) };
            assert!(!p.is_null());
            assert!(holds(p, n.min(m), 9), "{n} -> {m}");
            fill(p, m, 9);
            n = m;
        }
        // SAFETY: live, freed once.
        unsafe { free(p) };
    }

    #[test]
    fn a_size_past_the_address_space_is_refused() {
        let _s = serial();
        assert!(alloc(usize::MAX - 8, ALIGN).is_null());
        assert!(alloc(usize::MAX / 2, 4096).is_null());
    }

    #[test]
    fn interleaved_allocations_and_frees_never_overlap() {
        let _s = serial();
        // A fixed pseudo-random walk (xorshift): blocks of random sizes made, grown and freed
        // in random order, each filled with its own pattern and checked before it goes.
        let mut x: u32 = 0x9e37_79b9;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as usize
        };
        let mut live: Vec<(*mut u8, usize, u8)> = Vec::new();
        for step in 0..4000 {
            let r = rnd();
            if live.len() > 64 || (r % 3 == 0 && !live.is_empty()) {
                let (p, n, seed) = live.swap_remove(rnd() % live.len());
                assert!(holds(p, n, seed), "step {step}");
                if r % 2 == 0 {
                    // SAFETY: live, freed once.
                    unsafe { free(p) };
                } else {
                    let m = rnd() % 9000;
                    // SAFETY: live; replaced by the result.
                    let q = unsafe { realloc(p, m) };
                    assert!(holds(q, n.min(m), seed), "step {step}");
                    fill(q, m, seed);
                    live.push((q, m, seed));
                }
            } else {
                let n = if r % 50 == 0 {
                    33_000 + rnd() % 100_000
                } else {
                    rnd() % 600
                };
                let p = alloc(n, ALIGN);
                fill(p, n, step as u8);
                live.push((p, n, step as u8));
            }
        }
        for (p, n, seed) in live {
            assert!(holds(p, n, seed));
            // SAFETY: live, freed once.
            unsafe { free(p) };
        }
    }
}
