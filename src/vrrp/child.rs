//! The VRRP child's entry point: runs in the process the watchdog forks for VRRP.

use std::os::fd::OwnedFd;

use crate::cli::Options;
use crate::config::Config;
use crate::core::watchdog::child;

pub use crate::vrrp::shell::PROCESS_NAME;

/// Runs the VRRP child until it is told to stop; returns its exit code. `chan` is the hello
/// channel to the parent (pid `parent`).
pub fn run(cfg: Config, opts: &Options, chan: OwnedFd, parent: i32) -> i32 {
    // Everything this process allocates from here on is charged to its subsystem (--mem-check).
    crate::core::alloc::set_tag(crate::core::alloc::Tag::Vrrp);
    let lp = match child::enter(PROCESS_NAME, "VRRP", &opts.vrrp_pid_file, parent) {
        Ok(lp) => lp,
        Err(code) => return code,
    };
    crate::vrrp::shell::run(lp, cfg, opts, chan, &opts.vrrp_pid_file)
}
