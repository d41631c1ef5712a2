//! Gives the kernel back the main thread's stack pages below the caller's frame.
//!
//! Reading the config and starting a child's instances run much deeper than the loop that
//! follows (tens of KiB of frames), and a stack page once touched stays resident and private
//! for the life of the process: measured 32-52 KiB of dirty stack per process on x86_64. Those
//! pages hold only dead frames once start-up returns to the loop, so they can be dropped; the
//! next deep call faults fresh zero pages in again.

/// Drops the pages of this thread's stack below the caller's frame (all but the page under
/// this function's own frame, which the madvise call itself and the x86_64 red zone use).
/// Best effort: does nothing when the stack's bounds cannot be read.
#[inline(never)]
pub(crate) fn release_below_caller() {
    let here = 0u8;
    let sp = std::hint::black_box(&here) as *const u8 as usize;
    let Some(low) = stack_low() else {
        return;
    };
    // SAFETY: sysconf takes a constant and reads nothing of ours.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        p if p > 0 => p as usize,
        _ => return,
    };
    let top = (sp & !(page - 1)).saturating_sub(page);
    if top <= low {
        return;
    }
    // SAFETY: [low, top) lies in this thread's stack (bounds from pthread_getattr_np), entirely
    // below the live frames: this function's frame and its callers' are at or above sp, and the
    // page under sp's page is left for madvise's own frame. Dead frames only are discarded; the
    // range may include never-mapped growth room, which madvise skips (ENOMEM, ignored).
    unsafe {
        libc::madvise(low as *mut libc::c_void, top - low, libc::MADV_DONTNEED);
    }
}

/// The lowest address of this thread's stack.
fn stack_low() -> Option<usize> {
    // SAFETY: attr is initialised by pthread_getattr_np before it is read, and destroyed once.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let r = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (r == 0 && !addr.is_null()).then_some(addr as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn deep(n: usize) -> u8 {
        let buf = std::hint::black_box([n as u8; 4096]);
        if n == 0 {
            buf[0]
        } else {
            deep(n - 1).wrapping_add(buf[4095])
        }
    }

    #[test]
    fn the_callers_frames_survive_and_deep_calls_still_work() {
        let keep = std::hint::black_box([7u8; 8192]);
        let before = deep(16);
        release_below_caller();
        assert!(keep.iter().all(|&b| b == 7));
        assert_eq!(deep(16), before);
    }

    #[test]
    fn the_stack_bounds_are_readable() {
        let here = 0u8;
        let low = stack_low().expect("pthread_getattr_np");
        assert!(low < &here as *const u8 as usize);
    }
}
