//! The I/O of tracking, a part the VRRP shell drives as it drives its VMACs and firewall:
//! vrrp_scripts run from per-script loop timers through the shared script runner (never
//! waited for); track files are followed with inotify on their directory; tracked processes
//! follow the process events connector, or a /proc scan where there is none (`procs.rs`).
//! Tracked interfaces and `track_src_ip` come from the shell's netlink reflector, BFD
//! sessions from the parent channel. The shell
//! hands in loop events (its timers and fds at [`TRACK_TIMER_BASE`], [`INOTIFY_TOKEN`],
//! [`PROC_EVENTS_TOKEN`], script exits) and gets back level and quorum changes of tracked
//! objects, which it sets back ([`TrackShell::set_level`]) and whose effects it applies to
//! the instances ([`TrackShell::pending`]). Here it sits beside its core, not in the shell:
//! it owns its fds, timers and state, and touches no instance.

use std::net::IpAddr;
use std::os::fd::AsRawFd;

use log::info;

use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::inotify::Inotify;
use crate::vrrp::ifaces::Ifaces;
use crate::vrrp::track::{Effect, Fault, FileWatch, Kernel, Level, ProcTable, Tracking};

mod files;
mod procs;
mod scripts;

use scripts::ScriptRun;

pub(crate) use crate::vrrp::track::QuorumChanges;
pub(crate) use procs::{PROC_EVENTS_TOKEN, PROC_SCAN_TOKEN};

/// Timer tokens from here on are tracking's: the /proc scan, then one per vrrp_script.
pub(crate) use crate::core::tokens::PROC_SCAN_TIMER as TRACK_TIMER_BASE;
pub(crate) use crate::core::tokens::TRACK_INOTIFY as INOTIFY_TOKEN;
use crate::core::tokens::TRACK_SCRIPT_TIMER_BASE as SCRIPT_TIMER_BASE;
/// Script runner tags from here on are track scripts (below are instance notifies).
const SCRIPT_TAG_BASE: usize = 1 << 30;

/// The sans-IO [`Tracking`] core and the fds, timers and script runs that feed it.
#[derive(Default)]
pub(crate) struct TrackShell {
    core: Tracking,
    scripts: Vec<ScriptRun>,
    files: Vec<FileWatch>,
    procs: procs::Procs,
    inotify: Option<Inotify>,
    /// Made by [`TrackShell::build`]: the one a later build replaces is a reload's.
    built: bool,
}

impl TrackShell {
    /// The tracking core, for the data file.
    pub(crate) fn core(&self) -> &Tracking {
        &self.core
    }

    /// How many processes vrrp_track_process `name` counts now (the SNMP process table).
    pub(crate) fn proc_count(&self, name: &str) -> Option<usize> {
        self.procs.table.count(name)
    }

    /// Whether some instance tracks interface `name`.
    pub(crate) fn watches(&self, name: &str) -> bool {
        self.core.tracks_interface(name)
    }

    /// Whether every tracker fault of instance `i` comes from a script that has not reported
    /// yet (keepalived's silent start-up FAULT).
    pub(crate) fn only_unreported_scripts(&self, i: usize) -> bool {
        self.core.only_unreported_scripts(i)
    }

    /// Stops the old trackers' timers and watches before a rebuild; what they know (levels,
    /// counters, quorums) stays for the new ones to carry over.
    pub(crate) fn close(&mut self, lp: &mut EventLoop) {
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
    pub(crate) fn build(
        cfg: &Config,
        insts: &[(usize, u32, Option<Effect>)],
        ifaces: &Ifaces,
        src_addrs: &[(u32, IpAddr)],
        bfd_up: &dyn Fn(&str) -> bool,
        old: TrackShell,
        lp: &mut EventLoop,
    ) -> (TrackShell, QuorumChanges) {
        let link_up = |n: &str| ifaces.by_name(n).is_some_and(|f| f.up);
        let kernel = Kernel {
            link_up: &link_up,
            addrs: src_addrs,
            bfd_up,
        };
        let mut t = TrackShell {
            core: Tracking::build(cfg, insts, &old.core, &kernel),
            built: true,
            ..TrackShell::default()
        };
        t.scripts_setup(cfg, lp, old.scripts, old.built);
        t.files_setup(cfg, lp);
        let table = ProcTable::new(&t.core, &cfg.vrrp.trackers, &old.procs.table);
        let quorums = t.procs_setup(lp, table);
        (t, quorums)
    }

    /// keepalived's start-up lines for instance `i` (`name`) when a weight-0 tracker holds
    /// it in FAULT.
    pub(crate) fn log_initial_faults(&self, i: usize, name: &str) {
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

    /// A tracked object the shell follows itself (a link, an address) or was handed back
    /// changed: true when its level is new.
    pub(crate) fn set_level(&mut self, obj: usize, level: Level) -> bool {
        self.core.set_level(obj, level)
    }

    /// Instance `i`'s tracking effect when it changed: (applied, now); the new one counts as
    /// applied.
    pub(crate) fn pending(&mut self, i: usize) -> Option<(Effect, Effect)> {
        self.core.pending(i)
    }
}
