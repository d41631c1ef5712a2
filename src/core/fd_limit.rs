//! RLIMIT_NOFILE as keepalived manages it: raised, never below where it started, to what a
//! child counts it needs (the checker child: a descriptor per socket checker, which a
//! TCP_CHECK holds for its whole life), and put back as it was for the scripts it runs.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use log::info;

/// The limit the process started with, soft then hard (0: not read yet). u32, not OnceLock or
/// AtomicU64: the kernel caps RLIMIT_NOFILE at nr_open (2^30 at most), MIPS32 has no 64-bit
/// atomics, and a OnceLock costs the router binaries a kilobyte.
static ORIG: [AtomicU32; 2] = [AtomicU32::new(0), AtomicU32::new(0)];
/// Whether the soft limit now differs from [`ORIG`]'s (scripts get ORIG back).
static RAISED: AtomicBool = AtomicBool::new(false);

fn current() -> Option<libc::rlimit> {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit on ourselves reading into a struct we own (prlimit, not getrlimit/
    // setrlimit: musl's setrlimit brings its all-threads machinery, issue 16).
    let r = unsafe { libc::prlimit(0, libc::RLIMIT_NOFILE, std::ptr::null(), &mut l) };
    (r == 0).then_some(l)
}

/// The limit the process started with, read the first time it is asked for.
fn orig() -> Option<libc::rlimit> {
    let [cur, max] = &ORIG;
    if cur.load(Ordering::Relaxed) == 0 {
        let l = current()?;
        cur.store(
            u32::try_from(l.rlim_cur).unwrap_or(u32::MAX),
            Ordering::Relaxed,
        );
        max.store(
            u32::try_from(l.rlim_max).unwrap_or(u32::MAX),
            Ordering::Relaxed,
        );
    }
    Some(saved())
}

fn saved() -> libc::rlimit {
    let get = |a: &AtomicU32| match a.load(Ordering::Relaxed) {
        u32::MAX => libc::RLIM_INFINITY,
        v => libc::rlim_t::from(v),
    };
    libc::rlimit {
        rlim_cur: get(&ORIG[0]),
        rlim_max: get(&ORIG[1]),
    }
}

/// The limit to set for `needed` descriptors, from the one the process started with: each
/// bound raised to `needed` where it is below, none lowered.
fn wanted(orig: libc::rlimit, needed: u64) -> libc::rlimit {
    let n = libc::rlim_t::try_from(needed).unwrap_or(libc::RLIM_INFINITY);
    libc::rlimit {
        rlim_cur: orig.rlim_cur.max(n),
        rlim_max: orig.rlim_max.max(n),
    }
}

/// Makes room for `needed` open descriptors (or gives back what a reload no longer needs,
/// down to the starting limit). Short of it, a line: the checkers then work up to the limit.
pub(crate) fn require(needed: u64) {
    let Some(orig) = orig() else {
        return;
    };
    let want = wanted(orig, needed);
    // Without CAP_SYS_RESOURCE the hard limit cannot rise: as much of it as is needed then.
    let soft = libc::rlimit {
        rlim_cur: want.rlim_cur.min(orig.rlim_max),
        rlim_max: orig.rlim_max,
    };
    let _ = set(want) || set(soft);
    let now = current().map_or(orig.rlim_cur, |c| c.rlim_cur);
    if now < want.rlim_cur {
        info!(
            "Failed to set open file limit to {}:{}",
            want.rlim_cur, want.rlim_max
        );
    }
    RAISED.store(now != orig.rlim_cur, Ordering::Relaxed);
}

/// Sets the limit to `l` (setting it to what it is already is no raise, and allowed); false
/// when the kernel refused.
fn set(l: libc::rlimit) -> bool {
    // SAFETY: prlimit on ourselves with a struct we own.
    unsafe { libc::prlimit(0, libc::RLIMIT_NOFILE, &l, std::ptr::null_mut()) == 0 }
}

/// In a forked child, before exec: the limit the process started with, so that scripts do
/// not inherit ours. Async-signal-safe (an atomic load and one syscall).
pub(crate) fn restore_for_exec() {
    if !RAISED.load(Ordering::Relaxed) {
        return;
    }
    let orig = saved();
    // SAFETY: prlimit on ourselves with a struct on our stack.
    unsafe {
        libc::prlimit(0, libc::RLIMIT_NOFILE, &orig, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim(cur: libc::rlim_t, max: libc::rlim_t) -> libc::rlimit {
        libc::rlimit {
            rlim_cur: cur,
            rlim_max: max,
        }
    }

    #[test]
    fn the_limit_is_raised_to_what_is_needed_and_never_lowered() {
        let w = wanted(lim(1024, 4096), 1037);
        assert_eq!((w.rlim_cur, w.rlim_max), (1037, 4096));
        let w = wanted(lim(1024, 4096), 5000);
        assert_eq!((w.rlim_cur, w.rlim_max), (5000, 5000));
        let w = wanted(lim(1024, 4096), 30);
        assert_eq!((w.rlim_cur, w.rlim_max), (1024, 4096));
        let w = wanted(lim(1024, libc::RLIM_INFINITY), 2000);
        assert_eq!((w.rlim_cur, w.rlim_max), (2000, libc::RLIM_INFINITY));
    }
}
