//! The checker child's entry point: runs in the process the watchdog forks for health checks.

use std::os::fd::{AsRawFd, OwnedFd};

use log::{error, info, warn};
use mio::Interest;

use crate::check::ipvs::shell::start_or_modprobe;
use crate::cli::Options;
use crate::config::Config;
use crate::core::daemon;
use crate::core::event_loop::Event;
use crate::core::watchdog::{child, link, EXIT_FATAL};

/// The process name the checker child logs as (its /proc comm is truncated to 15 bytes).
pub const PROCESS_NAME: &str = "Keepalived_healthcheckers";

/// Runs the checker child until it is told to stop; returns its exit code. `chan` is the hello
/// channel to the parent (pid `parent`).
pub fn run(mut cfg: Config, opts: &Options, chan: OwnedFd, parent: i32) -> i32 {
    // Everything this process allocates from here on is charged to its subsystem (--mem-check).
    crate::core::alloc::set_tag(crate::core::alloc::Tag::Check);
    let pidfile = &opts.checkers_pid_file;
    let mut lp = match child::enter(PROCESS_NAME, "Healthcheck", pidfile, parent) {
        Ok(lp) => lp,
        Err(code) => return code,
    };
    if let Err(e) = lp.register(chan.as_raw_fd(), child::PARENT_TOKEN, Interest::READABLE) {
        error!("Healthcheck child process: cannot watch the parent channel: {e}");
        return 1;
    }
    // Without IPVS the checker child has nothing to do: keepalived stops everything.
    let mut ipvs = match start_or_modprobe(&cfg) {
        Ok(s) => s,
        Err(e) => {
            error!("{e}");
            daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
            return EXIT_FATAL;
        }
    };
    info!("Startup complete");
    let mut stop = false;
    while !stop {
        let r = lp.run_once(|_, ev| match ev {
            Event::Io {
                token: child::PARENT_TOKEN,
                ..
            } => match link::answer_hellos(&chan) {
                Ok(true) => {}
                Ok(false) => {
                    info!("Parent process has gone - stopping");
                    stop = true;
                }
                Err(e) => warn!("parent channel: {e}"),
            },
            Event::Signal { signo, .. } if signo == libc::SIGTERM || signo == libc::SIGINT => {
                stop = true
            }
            Event::Signal { signo, .. } if signo == libc::SIGHUP => {
                info!("Reloading");
                if let Some(new) = child::reload_config(opts) {
                    if let Some(sh) = ipvs.as_mut() {
                        sh.reload(&new);
                    }
                    cfg = new;
                    info!("Reload complete");
                }
            }
            _ => {}
        });
        if let Err(e) = r {
            error!("Healthcheck child process: event loop failed: {e}");
            daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
            return 1;
        }
    }
    if let Some(sh) = ipvs.as_mut() {
        sh.stop(opts.dont_release_ipvs);
    }
    drop(cfg);
    daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
    info!("Stopped");
    0
}
