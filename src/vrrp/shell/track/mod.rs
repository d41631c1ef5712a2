//! VRRP child shell: the I/O of tracking. vrrp_scripts run from per-script loop timers
//! through the shared script runner (never waited for); track files are followed with inotify
//! on their directory; tracked interfaces and `track_src_ip` come from the netlink reflector;
//! tracked processes follow the process events connector, or a /proc scan where there is
//! none (`procs.rs`). Each change goes to the sans-IO [`Tracking`], and instances whose
//! effect changed get it through their state machine.

use std::net::IpAddr;
use std::os::fd::AsRawFd;

use log::info;

use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::inotify::Inotify;
use crate::vrrp::ifaces::Ifaces;
use crate::vrrp::track::{Effect, Fault, FileWatch, Kernel, ProcTable, Tracking};

mod files;
mod procs;
mod scripts;

use scripts::ScriptRun;

pub(super) use crate::vrrp::track::QuorumChanges;
pub(super) use procs::{PROC_EVENTS_TOKEN, PROC_SCAN_TOKEN};

/// Timer tokens from here on are tracking's: the /proc scan, then one per vrrp_script.
pub(super) use crate::core::tokens::PROC_SCAN_TIMER as TRACK_TIMER_BASE;
pub(super) use crate::core::tokens::TRACK_INOTIFY as INOTIFY_TOKEN;
use crate::core::tokens::TRACK_SCRIPT_TIMER_BASE as SCRIPT_TIMER_BASE;
/// Script runner tags from here on are track scripts (below are instance notifies).
pub(super) const SCRIPT_TAG_BASE: usize = 1 << 30;

/// Tracking state the shell keeps beside the sans-IO core.
#[derive(Default)]
pub struct TrackShell {
    core: Tracking,
    scripts: Vec<ScriptRun>,
    files: Vec<FileWatch>,
    procs: procs::Procs,
    inotify: Option<Inotify>,
}

impl TrackShell {
    /// The tracking core, for the data file.
    pub(super) fn core(&self) -> &Tracking {
        &self.core
    }

    /// Whether some instance tracks interface `name`.
    pub(super) fn watches(&self, name: &str) -> bool {
        self.core.tracks_interface(name)
    }

    /// Whether every tracker fault of instance `i` comes from a script that has not reported
    /// yet (keepalived's silent start-up FAULT).
    pub(super) fn only_unreported_scripts(&self, i: usize) -> bool {
        self.core.only_unreported_scripts(i)
    }

    /// Stops the old trackers' timers and watches before a rebuild; what they know (levels,
    /// counters, quorums) stays for the new ones to carry over.
    pub(super) fn close(&mut self, lp: &mut EventLoop) {
        for s in &mut self.scripts {
            if let Some(t) = s.timer.take() {
                lp.cancel_timer(t);
            }
        }
        self.procs.close(lp);
        if let Some(ino) = &self.inotify {
            let _ = lp.deregister(ino.as_raw_fd());
        }
    }

    /// The trackers of the running instances (`insts`: each one's config index, interface
    /// and, once started, the effect it carries), objects keeping their levels from `old` by
    /// name; then their scripts, files and processes are set up. Returns the tracker and the
    /// first quorum changes of the tracked processes, for the instances.
    pub(super) fn build(
        cfg: &Config,
        insts: &[(usize, u32, Option<Effect>)],
        ifaces: &Ifaces,
        src_addrs: &[(u32, IpAddr)],
        old: TrackShell,
        lp: &mut EventLoop,
    ) -> (TrackShell, QuorumChanges) {
        let link_up = |n: &str| ifaces.by_name(n).is_some_and(|f| f.up);
        let kernel = Kernel {
            link_up: &link_up,
            addrs: src_addrs,
        };
        let mut t = TrackShell {
            core: Tracking::build(cfg, insts, &old.core, &kernel),
            ..TrackShell::default()
        };
        t.scripts_setup(cfg, lp, old.scripts);
        t.files_setup(cfg, lp);
        let table = ProcTable::new(&t.core, &cfg.vrrp.trackers, &old.procs.table);
        let quorums = t.procs_setup(lp, table);
        (t, quorums)
    }

    /// keepalived's start-up lines for instance `i` (`name`) when a weight-0 tracker holds
    /// it in FAULT.
    pub(super) fn log_initial_faults(&self, i: usize, name: &str) {
        for f in self.core.faults(i) {
            match f {
                Fault::Interface(n) => info!("({name}): entering FAULT state (interface {n} down)"),
                Fault::Script(n) => info!("({name}): entering FAULT state due to script {n}"),
                Fault::File(n, status) => {
                    info!("({name}): entering FAULT state (tracked file {n} has status {status})")
                }
                Fault::Process(n) => {
                    info!("({name}) entering FAULT state (tracked process {n} quorum not achieved)")
                }
            }
        }
    }

    /// The tracking core: what the instances' effects are worked out from.
    pub(super) fn core_mut(&mut self) -> &mut Tracking {
        &mut self.core
    }
}
