//! Processes a lab starts in its namespaces.

use super::wait_until;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

/// A process started in a lab namespace; killed (SIGKILL) and reaped when dropped.
pub struct Spawned {
    pub(super) child: Child,
    pub(super) log: PathBuf,
}

impl Spawned {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends `sig` (e.g. `libc::SIGHUP`) to the process itself.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid, which stays reserved until we reap it.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Exit status once the process has ended, without blocking.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `timeout` for the process to end.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut status = None;
        wait_until(timeout, || {
            status = self.try_wait();
            status.is_some()
        });
        status
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
