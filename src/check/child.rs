//! The checker child's entry point: runs in the process the watchdog forks for health checks.
//!
//! The checker loop (`check::shell`) owns the runner and the real servers' side
//! ([`Servers`]: the manager and the IPVS shell that keeps the kernel's table as the config and
//! the checkers want it).

use std::os::fd::OwnedFd;

use log::{error, info};

use crate::check::servers::Servers;
use crate::check::shell;
use crate::cli::Options;
use crate::config::Config;
use crate::core::daemon;
use crate::core::watchdog::{child, EXIT_FATAL};

pub use super::shell::PROCESS_NAME;

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
    if opts.without_ipvs {
        info!("IPVS left alone (--without-ipvs): changes are only logged");
        let servers = Servers::log_only(&cfg);
        return shell::run(lp, cfg, opts, chan, pidfile, servers);
    }
    // Without IPVS the checker child has nothing to do: keepalived stops everything.
    let servers = match Servers::with_ipvs(&cfg) {
        Ok(s) => s,
        Err(e) => {
            error!("{e}");
            daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
            return EXIT_FATAL;
        }
    };
    shell::run(lp, cfg, opts, chan, pidfile, servers)
}
