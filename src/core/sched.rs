//! A child process's scheduling, as keepalived's children set theirs from global_defs
//! (`<process>_priority`, `_rt_priority`, `_rlimit_rttime`, `_no_swap`, `_cpu_affinity`): a
//! real-time priority (SCHED_RR, not inherited by what the child forks) capped by
//! RLIMIT_RTTIME, else a nice value; memory locked as it is touched; CPUs to run on. Failures
//! are logged in keepalived's words and the process goes on as it is.

use std::io::Error;

use log::{info, warn};

/// What one child asks for (plain values: the config's types stay out of `core`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sched<'a> {
    /// Nice value; ignored when `rt_priority` is set, as keepalived does.
    pub(crate) nice: Option<i8>,
    /// SCHED_RR priority, 1..=99.
    pub(crate) rt_priority: Option<u8>,
    /// CPU time in µs the loop may take without blocking while real-time (the hard limit;
    /// the soft one is half).
    pub(crate) rlimit_rttime: Option<u32>,
    pub(crate) no_swap: bool,
    pub(crate) cpus: &'a [u32],
}

/// keepalived's RT_RLIMIT_DEFAULT, µs.
pub(crate) const RLIMIT_RTTIME_DEFAULT: u32 = 10_000;

/// Applies `s` to this process; `process` names it in the affinity warning ("bfd").
/// A scheduling parameter with only the priority set: musl's struct has more fields than
/// glibc's (the sporadic-server ones), all zero here.
fn param(priority: i32) -> libc::sched_param {
    // SAFETY: sched_param is plain integers (and timespecs on musl): all-zero is valid.
    let mut sp: libc::sched_param = unsafe { std::mem::zeroed() };
    sp.sched_priority = priority;
    sp
}

pub(crate) fn apply(s: &Sched<'_>, process: &str) {
    if let Some(p) = s.rt_priority {
        let sp = param(i32::from(p));
        let policy = libc::SCHED_RR | libc::SCHED_RESET_ON_FORK;
        // SAFETY: sched_setscheduler on ourselves (pid 0) with a param we own.
        if unsafe { libc::sched_setscheduler(0, policy, &sp) } != 0 {
            warn!("child process: cannot raise priority");
        } else {
            set_rttime(s.rlimit_rttime.unwrap_or(RLIMIT_RTTIME_DEFAULT));
        }
    } else if let Some(n) = s.nice.filter(|&n| n != 0) {
        // SAFETY: setpriority on ourselves; no pointers.
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, i32::from(n)) } != 0 {
            let e = Error::last_os_error();
            info!("Unable to set process priority to {n} - {e}");
        }
    }
    if s.no_swap {
        let flags = libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT;
        // SAFETY: mlockall takes flags only.
        if unsafe { libc::mlockall(flags) } != 0 {
            let e = Error::last_os_error();
            info!("Unable to lock process in memory - {e}");
        }
    }
    if !s.cpus.is_empty() {
        // SAFETY: an all-zero cpu_set_t is the empty set; CPU_SET stays within it for
        // numbers below CPU_SETSIZE, which the check keeps; sched_setaffinity reads
        // size_of::<cpu_set_t>() bytes of the set we own.
        let r = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for &c in s.cpus {
                if (c as usize) < libc::CPU_SETSIZE as usize {
                    libc::CPU_SET(c as usize, &mut set);
                }
            }
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        if r != 0 {
            let e = Error::last_os_error();
            warn!("unable to set cpu affinity to {process} process ({e})");
        }
    }
}

/// The real-time CPU cap. keepalived logs the soft limit's SIGXCPU; ours ignores it (the
/// loop's signalfd does not take it), so only the hard limit acts: the kernel kills a loop
/// that spins that long and the watchdog starts a new child.
fn set_rttime(us: u32) {
    let lim = libc::rlimit {
        rlim_cur: libc::rlim_t::from(us / 2),
        rlim_max: libc::rlim_t::from(us),
    };
    // SAFETY: signal() with SIG_IGN and setrlimit with a struct we own.
    let r = unsafe {
        libc::signal(libc::SIGXCPU, libc::SIG_IGN);
        // prlimit on ourselves: setrlimit without musl's all-threads fallback (issue 16).
        libc::prlimit(0, libc::RLIMIT_RTTIME, &lim, std::ptr::null_mut())
    };
    if r != 0 {
        warn!("child process cannot set realtime rlimit");
    }
}

/// A child's scheduling and name (`None`: the one it started with, `default_name`), at start
/// (`old` None) or after a reload (`old` what it had, [`pause`]d; a failed reload passes it
/// twice): what changed is set again, the scheduling from ordinary, as keepalived's children
/// do each time they read their config. `process` names the child in the affinity warning.
pub(crate) fn child(
    new: (Sched<'_>, Option<&str>),
    old: Option<(Sched<'_>, Option<&str>)>,
    default_name: &str,
    process: &str,
) {
    let (n, o) = (new.0, old.map(|o| o.0));
    if o != Some(n) {
        if let Some(o) = &o {
            reset(o);
        }
        apply(&n, process);
    } else if n.rt_priority.is_some() {
        apply(&n, process);
    }
    if old.map(|o| o.1) != Some(new.1) {
        crate::core::daemon::set_comm(new.1.unwrap_or(default_name));
    }
}

/// Ordinary scheduling while a reload reads and applies its config, as keepalived's children
/// do: a real-time loop busy that long would meet its RLIMIT_RTTIME. [`child`] raises it again.
pub(crate) fn pause(s: &Sched<'_>) {
    if s.rt_priority.is_some() {
        reset_rt();
    }
}

fn reset_rt() {
    let sp = param(0);
    // SAFETY: as in apply; rlimit back to unlimited (what a child starts with).
    unsafe {
        if libc::sched_setscheduler(0, libc::SCHED_OTHER, &sp) != 0 {
            warn!("child process: cannot reset realtime scheduling");
        }
        let inf = libc::rlimit {
            rlim_cur: libc::RLIM_INFINITY,
            rlim_max: libc::RLIM_INFINITY,
        };
        libc::prlimit(0, libc::RLIMIT_RTTIME, &inf, std::ptr::null_mut());
    }
}

/// Back to ordinary scheduling before a reload applies the new settings, as keepalived does.
pub(crate) fn reset(old: &Sched<'_>) {
    if old.rt_priority.is_some() {
        reset_rt();
    }
    if old.nice.is_some_and(|n| n != 0) {
        // SAFETY: setpriority on ourselves.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 0) };
    }
    if old.no_swap {
        // SAFETY: no arguments.
        unsafe { libc::munlockall() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nice_now() -> i32 {
        // SAFETY: getpriority on ourselves.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    /// In a forked process, so the test runner keeps its own scheduling.
    #[test]
    fn a_nice_value_is_applied_and_reset() {
        // SAFETY: the child only makes syscalls and exits.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let s = Sched {
                nice: Some(7),
                ..Sched::default()
            };
            apply(&s, "test");
            let applied = nice_now() == 7;
            // Raising a nice value back needs root; the reset is checked where it can act.
            reset(&s);
            let root = unsafe { libc::geteuid() } == 0;
            let ok = applied && (!root || nice_now() == 0);
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waiting for the child we forked.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    }
}
