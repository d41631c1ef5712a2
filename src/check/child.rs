//! The checker child's entry point: runs in the process the watchdog forks for health checks.
//!
//! The checker runner (`checkers::shell`) owns the loop; its results go to the IPVS shell, which
//! keeps the kernel's table as the config and the checkers want it.

use std::cell::RefCell;
use std::os::fd::OwnedFd;
use std::rc::Rc;

use log::{error, info};

use crate::check::checkers::{shell, sink::LogSink};
use crate::check::ipvs::shell::{start_or_modprobe, IpvsShell};
use crate::check::{CheckerId, ScriptCall, Sink};
use crate::cli::Options;
use crate::config::Config;
use crate::core::daemon;
use crate::core::watchdog::{child, EXIT_FATAL};

/// The process name the checker child logs as (its /proc comm is truncated to 15 bytes).
pub const PROCESS_NAME: &str = "Keepalived_healthcheckers";

type Shared = Rc<RefCell<Option<IpvsShell>>>;

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
        return shell::run(lp, cfg, opts, chan, pidfile, |c| Box::new(LogSink::new(c)));
    }
    // Without IPVS the checker child has nothing to do: keepalived stops everything.
    let ipvs: Shared = match open(&cfg) {
        Ok(s) => Rc::new(RefCell::new(s)),
        Err(e) => {
            error!("{e}");
            daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
            return EXIT_FATAL;
        }
    };
    let shared = ipvs.clone();
    let mut first = true;
    let code = shell::run(lp, cfg, opts, chan, pidfile, move |c| {
        if !first {
            reload(&shared, c);
        }
        first = false;
        Box::new(IpvsSink(shared.clone()))
    });
    if let Some(sh) = ipvs.borrow_mut().as_mut() {
        sh.stop(opts.dont_release_ipvs);
    }
    code
}

/// The IPVS shell for `cfg` (None without virtual servers); the runner runs the real servers'
/// notify scripts itself.
fn open(cfg: &Config) -> Result<Option<IpvsShell>, String> {
    let mut sh = start_or_modprobe(cfg)?;
    if let Some(s) = sh.as_mut() {
        s.rs_notify = false;
    }
    Ok(sh)
}

/// A reload: the running shell applies the difference; a config that brings the first virtual
/// servers opens IPVS now.
fn reload(shared: &Shared, cfg: &Config) {
    let mut cur = shared.borrow_mut();
    match cur.as_mut() {
        Some(sh) => sh.reload(cfg),
        None => match open(cfg) {
            Ok(sh) => *cur = sh,
            Err(e) => error!("{e}"),
        },
    }
}

struct IpvsSink(Shared);

impl Sink for IpvsSink {
    fn checker_changed(&mut self, id: CheckerId, up: bool) {
        if let Some(sh) = self.0.borrow_mut().as_mut() {
            sh.checker_changed(id, up);
        }
    }

    fn weight_changed(&mut self, id: CheckerId, weight: i64) {
        if let Some(sh) = self.0.borrow_mut().as_mut() {
            sh.weight_changed(id, weight);
        }
    }

    fn take_scripts(&mut self, out: &mut Vec<ScriptCall>) {
        if let Some(sh) = self.0.borrow_mut().as_mut() {
            sh.take_scripts(out);
        }
    }

    fn stop(&mut self) {
        if let Some(sh) = self.0.borrow_mut().as_mut() {
            Sink::stop(sh);
        }
    }
}
