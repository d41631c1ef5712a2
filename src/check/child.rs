//! The checker child's entry point: runs in the process the watchdog forks for health checks.

use std::os::fd::OwnedFd;

use crate::check::checkers::{shell, sink::LogSink};
use crate::cli::Options;
use crate::config::Config;
use crate::core::watchdog::child;

/// The process name the checker child logs as (its /proc comm is truncated to 15 bytes).
pub const PROCESS_NAME: &str = "Keepalived_healthcheckers";

/// Runs the checker child until it is told to stop; returns its exit code. `chan` is the hello
/// channel to the parent (pid `parent`).
pub fn run(cfg: Config, opts: &Options, chan: OwnedFd, parent: i32) -> i32 {
    // Everything this process allocates from here on is charged to its subsystem (--mem-check).
    crate::core::alloc::set_tag(crate::core::alloc::Tag::Check);
    let pidfile = &opts.checkers_pid_file;
    let lp = match child::enter(PROCESS_NAME, "Healthcheck", pidfile, parent) {
        Ok(lp) => lp,
        Err(code) => return code,
    };
    // Results only logged until the IPVS manager is the sink.
    shell::run(lp, cfg, opts, chan, pidfile, |c| Box::new(LogSink::new(c)))
}
