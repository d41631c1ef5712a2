//! What every child does around its own work: name itself, die with the parent, write its
//! pidfile, echo the parent's hellos.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use log::{error, info, warn};
use mio::Interest;

use super::link;
use crate::core::daemon;
use crate::core::event_loop::EventLoop;
use crate::core::logging;
use crate::core::time::Micros;

/// The loop token of the channel to the parent.
pub(crate) use crate::core::tokens::PARENT as PARENT_TOKEN;

/// How long a stopping child waits for the scripts it started while stopping (keepalived
/// gives them a second).
pub(crate) const STOP_GRACE: Micros = Micros::from_secs(1);

/// First steps in a freshly forked child. Returns its loop, or the exit code if it cannot run.
pub(crate) fn enter(
    process_name: &'static str,
    short: &str,
    pidfile: &Path,
    parent: i32,
) -> Result<EventLoop, i32> {
    logging::set_process_name(process_name);
    daemon::set_comm(process_name);
    daemon::set_parent_death_signal(libc::SIGTERM);
    // SAFETY: getppid cannot fail.
    if unsafe { libc::getppid() } != parent {
        // The parent died between fork and prctl: the death signal will never come.
        return Err(0);
    }
    let lp = match EventLoop::new() {
        Ok(lp) => lp,
        Err(e) => {
            error!("{short} child process: cannot create its event loop: {e}");
            return Err(1);
        }
    };
    if let Err(e) = daemon::write_pidfile(pidfile, std::process::id()) {
        info!("{short} child process: cannot write pidfile ({e})");
        return Err(0);
    }
    Ok(lp)
}

/// Watches the parent channel on the child's loop; false (after logging why) if it cannot.
pub(crate) fn watch_parent(lp: &mut EventLoop, chan: &OwnedFd, short: &str) -> bool {
    if let Err(e) = lp.register(chan.as_raw_fd(), PARENT_TOKEN, Interest::READABLE) {
        error!("{short} child process: cannot watch the parent channel: {e}");
        return false;
    }
    true
}

/// The parent channel is readable: echoes the parent's hellos. True when the parent has gone
/// and the child must stop.
pub(crate) fn parent_gone(chan: &OwnedFd) -> bool {
    parent_said(chan, |_| {})
}

/// As [`parent_gone`], handing each BFD session change the parent passed on to `on_bfd`.
pub(crate) fn parent_said(chan: &OwnedFd, on_bfd: impl FnMut(link::BfdEvent)) -> bool {
    match link::answer_hellos(chan, on_bfd) {
        Ok(true) => {
            crate::core::alloc::settle();
            false
        }
        Ok(false) => {
            info!("Parent process has gone - stopping");
            true
        }
        Err(e) => {
            warn!("parent channel: {e}");
            false
        }
    }
}
