//! VRRP child shell: the I/O of tracking. vrrp_scripts run from per-script loop timers
//! through the shared script runner (never waited for); track files are followed with inotify
//! on their directory; tracked interfaces and `track_src_ip` come from the netlink reflector;
//! tracked processes follow the process events connector, or a /proc scan where there is
//! none (`procs.rs`). Each change goes to the sans-IO [`Tracking`], and instances whose
//! effect changed get it through their state machine.

use std::net::IpAddr;
use std::os::fd::AsRawFd;

use log::info;

use crate::config::track::Weight;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::inotify::Inotify;
use crate::vrrp::ifaces::Ifaces;
use crate::vrrp::track::{instance_links, Effect, Key, Level, Link, Tracking};

mod files;
mod inithold;
mod procs;
mod scripts;

use files::FileWatch;
use scripts::ScriptRun;

pub(super) use procs::{QuorumChanges, PROC_SCAN_TOKEN};

pub(super) use procs::PROC_EVENTS_TOKEN;

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
        self.core
            .objs
            .iter()
            .any(|o| matches!(&o.key, Key::Interface(n) if n == name))
    }
}

impl TrackShell {
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
        let mut t = TrackShell::default();
        for &(idx, ifindex, applied) in insts {
            let mut wanted = instance_links(cfg, idx);
            let v = &cfg.vrrp.instances[idx];
            if let (true, Some(src)) = (v.track_src_ip, v.src_ip) {
                wanted.push((Key::SrcIp(ifindex, src), Weight::default()));
            }
            let mut links = Vec::new();
            for (key, weight) in wanted {
                let carried = old.core.find(&key).and_then(|o| old.core.level(o));
                let level = match (&key, carried) {
                    (Key::Interface(n), _) => {
                        if ifaces.by_name(n).is_some_and(|f| f.up) {
                            Level::Up
                        } else {
                            Level::Down
                        }
                    }
                    (Key::SrcIp(ifx, a), _) => {
                        // An instance bound to no interface (ifindex 0) takes the address
                        // on any.
                        let present = src_addrs
                            .iter()
                            .any(|(i, x)| x == a && (*ifx == 0 || i == ifx));
                        if present {
                            Level::Up
                        } else {
                            Level::Down
                        }
                    }
                    (_, Some(l)) => l,
                    (Key::File(_), None) => Level::Value(0),
                    (Key::Script(n), None) => {
                        let init_fail = cfg
                            .vrrp
                            .trackers
                            .scripts
                            .iter()
                            .any(|s| &s.name == n && s.init_fail);
                        if init_fail {
                            Level::Down
                        } else {
                            Level::Unknown
                        }
                    }
                    (Key::Process(_), None) => Level::Unknown,
                };
                let obj = t.core.object(key, level);
                links.push(Link { obj, weight });
            }
            let n = t.core.add_instance(links);
            if let Some(e) = applied {
                t.core.set_applied(n, e);
            }
        }
        t.scripts_setup(cfg, lp, old.scripts);
        t.files_setup(cfg, lp);
        let quorums = t.procs_setup(cfg, lp, old.procs);
        (t, quorums)
    }

    /// keepalived's start-up lines for instance `i` (`name`) when a weight-0 tracker holds
    /// it in FAULT.
    pub(super) fn log_initial_faults(&self, i: usize, name: &str) {
        for l in self.core.links(i) {
            let o = &self.core.objs[l.obj];
            let (_, fault) = crate::vrrp::track::contribution(o.level, l.weight);
            if !fault {
                continue;
            }
            match (&o.key, o.level) {
                (Key::Interface(n), _) => {
                    info!("({name}): entering FAULT state (interface {n} down)")
                }
                (Key::Script(n), Level::Down) => {
                    info!("({name}): entering FAULT state due to script {n}")
                }
                (Key::File(n), Level::Value(v)) => {
                    let status = if l.weight.weight == 0 {
                        -254
                    } else {
                        v.saturating_mul(i64::from(l.weight.weight))
                    };
                    info!("({name}): entering FAULT state (tracked file {n} has status {status})")
                }
                (Key::Process(n), _) => {
                    info!("({name}) entering FAULT state (tracked process {n} quorum not achieved)")
                }
                _ => {}
            }
        }
    }

    /// The tracking core: what the instances' effects are worked out from.
    pub(super) fn core_mut(&mut self) -> &mut Tracking {
        &mut self.core
    }
}
