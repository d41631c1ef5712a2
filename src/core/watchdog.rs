//! The parent process. PLACEHOLDER.

use crate::cli::Options;

/// Runs the daemon (parent/watchdog) and returns the process exit code.
pub fn run(_opts: &Options) -> i32 {
    0
}
