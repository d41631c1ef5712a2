//! [`release_text`]: drops this process's page-table entries for the binary's own read-only
//! segments (code, constants), so that only what runs afterwards is mapped again.
//!
//! Why: start-up (the config reader, the netlink dumps, the fork) touches most of the code
//! once, and the kernel maps file pages in whole folios and fault-around windows, so every
//! process kept nearly the whole binary resident though its loop runs a small part of it.
//! The pages stay in the page cache (shared by the parent and its children, and by the file
//! system): a later fault maps them back without reading the disk. What it costs: one minor
//! fault per folio or window the loop reaches again after each release, and one on a rarely run
//! path (a reload, a dump) the first time it runs after one.
//!
//! When: at a quiet point of the loop (a hello, every 0.5 to 5 s), at each of the first
//! [`SETTLE_HELLOS`] hellos after start-up or after a signal (a reload, a dump) ran code the
//! loop does not run again: the first instances to become MASTER do so a few adverts after
//! start, and that code would stay mapped after a single release. Not at every hello, so
//! that a debugger's breakpoint (a private copy of a code page, which a release throws away)
//! lasts from then until the next signal.
//!
//! Only segments without write permission: a writable segment (and the RELRO part of one) holds
//! this process's own copies, which MADV_DONTNEED would throw away.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};

#[cfg(target_pointer_width = "32")]
use libc::Elf32_Phdr as Phdr;
#[cfg(target_pointer_width = "64")]
use libc::Elf64_Phdr as Phdr;

/// Hellos that still release: 0 once settled.
static UNSETTLED: AtomicU8 = AtomicU8::new(SETTLE_HELLOS);

/// Hellos after start-up or a signal that release: at the longest hello period (5 s), a
/// minute, past the first MASTER transition of instances that advertise every 10 s.
const SETTLE_HELLOS: u8 = 12;

/// Code the loop will not run again has run (start-up, a reload, a dump): the next
/// [`SETTLE_HELLOS`] calls of [`settle`] release.
pub(crate) fn unsettle() {
    UNSETTLED.store(SETTLE_HELLOS, Relaxed);
}

/// A quiet point of the loop (a hello): releases the binary's pages while unsettled.
pub(crate) fn settle() {
    let left = UNSETTLED.load(Relaxed);
    if left > 0 {
        UNSETTLED.store(left - 1, Relaxed);
        release_text();
    }
}

/// Bytes of the binary's read-only segments the last release covered (0: none yet), for tests.
static RELEASED: AtomicUsize = AtomicUsize::new(0);

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(p)
        .ok()
        .filter(|p| p.is_power_of_two())
        .unwrap_or(4096)
}

extern "C" fn first_object(
    info: *mut libc::dl_phdr_info,
    _size: usize,
    data: *mut libc::c_void,
) -> i32 {
    // SAFETY: dl_iterate_phdr hands a valid info for the call's duration; data is the
    // `usize` release_text passes.
    let (info, total) = unsafe { (&*info, &mut *(data as *mut usize)) };
    if info.dlpi_phdr.is_null() {
        return 1;
    }
    // SAFETY: the loader's program headers, dlpi_phnum of them, mapped for the process's life.
    let phdrs: &[Phdr] =
        unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
    let page = page_size();
    for ph in phdrs {
        if ph.p_type != libc::PT_LOAD || ph.p_flags & libc::PF_W != 0 {
            continue;
        }
        let start = (info.dlpi_addr as usize).wrapping_add(ph.p_vaddr as usize);
        let end = start.wrapping_add(ph.p_memsz as usize);
        // Whole pages inside the segment only: a page it shares with a writable neighbour
        // stays.
        let lo = (start + page - 1) & !(page - 1);
        let hi = end & !(page - 1);
        if hi <= lo {
            continue;
        }
        // SAFETY: a read-only, file-backed part of our own image: dropping its entries only
        // makes the next access fault the same file pages back in.
        if unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_DONTNEED) } == 0 {
            *total += hi - lo;
        }
    }
    // The main program comes first; a shared library's text is its own business.
    1
}

/// Drops this process's mappings of the binary's read-only segments (see the module doc).
/// Returns the bytes covered.
fn release_text() -> usize {
    let mut total = 0usize;
    // SAFETY: the callback only reads what it is handed and writes `total`.
    unsafe {
        libc::dl_iterate_phdr(
            Some(first_object),
            &mut total as *mut usize as *mut libc::c_void,
        )
    };
    RELEASED.store(total, Relaxed);
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_covers_the_code_and_the_process_keeps_running() {
        unsettle();
        settle();
        let n = RELEASED.load(Relaxed);
        // This test binary's code alone is megabytes.
        assert!(n > 64 << 10, "released {n} bytes");
        // Code and constants fault back in: formatting runs both.
        assert_eq!(format!("{}-{}", 12, "ok"), "12-ok");
        // Settled after SETTLE_HELLOS: no release until something unsettles it again.
        for _ in 1..SETTLE_HELLOS {
            settle();
        }
        RELEASED.store(0, Relaxed);
        settle();
        assert_eq!(RELEASED.load(Relaxed), 0);
    }
}
