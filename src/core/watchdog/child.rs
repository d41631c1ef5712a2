//! What every child does around its own work: name itself, die with the parent, write its
//! pidfile, echo the parent's hellos, re-read the config on SIGHUP, stop on SIGTERM.
//! [`run_basic`] is the whole loop for a child that has no protocol yet.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use log::{error, info, warn};
use mio::Interest;

use super::link;
use crate::cli::Options;
use crate::config::{self, Config, Diagnostics, LoadOptions, Severity};
use crate::core::daemon;
use crate::core::event_loop::{Event, EventLoop};
use crate::core::logging;

/// The loop token of the channel to the parent.
pub use crate::core::tokens::PARENT as PARENT_TOKEN;

/// Logs a config's diagnostics the way the daemon reports them.
pub fn log_diags(d: &Diagnostics) {
    for item in d.items() {
        match item.severity {
            Severity::Error => error!("{}", d.render(item)),
            Severity::Warning => warn!("{}", d.render(item)),
        }
    }
}

pub fn load_options(opts: &Options) -> LoadOptions {
    LoadOptions {
        config_id: opts.config_id.clone(),
        all_config: opts.all_config,
    }
}

/// Re-reads the config for a reload: None (after logging why) if it has errors.
pub fn reload_config(opts: &Options) -> Option<Config> {
    let (cfg, d) = config::load(&opts.config_file, &load_options(opts));
    log_diags(&d);
    if d.has_errors() {
        error!(
            "Reload of {} failed with {} error(s) - keeping the running configuration",
            opts.config_file.display(),
            d.error_count()
        );
        return None;
    }
    Some(cfg)
}

/// First steps in a freshly forked child. Returns its loop, or the exit code if it cannot run.
pub fn enter(
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

/// A child with nothing to run yet: answers hellos, reloads, stops.
pub fn run_basic(
    process_name: &'static str,
    short: &str,
    pidfile: &Path,
    mut cfg: Config,
    opts: &Options,
    chan: OwnedFd,
    parent: i32,
) -> i32 {
    let mut lp = match enter(process_name, short, pidfile, parent) {
        Ok(lp) => lp,
        Err(code) => return code,
    };
    if let Err(e) = lp.register(chan.as_raw_fd(), PARENT_TOKEN, Interest::READABLE) {
        error!("{short} child process: cannot watch the parent channel: {e}");
        return 1;
    }
    info!("Startup complete");
    let mut stop = false;
    while !stop {
        let r = lp.run_once(|_, ev| match ev {
            Event::Io {
                token: PARENT_TOKEN,
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
                if let Some(new) = reload_config(opts) {
                    cfg = new;
                    info!("Reload complete");
                }
            }
            _ => {}
        });
        if let Err(e) = r {
            error!("{short} child process: event loop failed: {e}");
            daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
            return 1;
        }
    }
    drop(cfg);
    daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
    info!("Stopped");
    0
}
