//! VRRP child shell: the I/O of tracking. vrrp_scripts run from per-script loop timers
//! through the shared script runner (never waited for); track files are followed with inotify
//! on their directory; tracked interfaces and `track_src_ip` come from the netlink reflector;
//! tracked processes follow the process events connector, or a /proc scan where there is
//! none (`procs.rs`). Each change goes to the sans-IO [`Tracking`], and instances whose
//! effect changed get it through their state machine.

use std::net::IpAddr;
use std::os::fd::AsRawFd;

use log::info;

use super::Shell;
use crate::config::track::Weight;
use crate::core::event_loop::EventLoop;
use crate::core::inotify::Inotify;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::vrrp::track::{instance_links, Effect, Key, Level, Link, Tracking};

mod files;
mod inithold;
mod procs;
mod scripts;

use files::FileWatch;
use procs::PROC_SCAN_TOKEN;
use scripts::ScriptRun;

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

impl Shell<'_> {
    /// Builds the trackers for the running instances and applies their initial effect. Call
    /// after the instances are built and before they start.
    pub(super) fn track_start(&mut self, lp: &mut EventLoop) {
        let old = std::mem::take(&mut self.track);
        self.track_build(lp, old);
    }

    /// Rebuilds the trackers after a reload: objects keep their levels by name, instances
    /// kept by the reload keep what was applied to them.
    pub(super) fn track_rebuild(&mut self, lp: &mut EventLoop) {
        let mut old = std::mem::take(&mut self.track);
        for s in &mut old.scripts {
            if let Some(t) = s.timer.take() {
                lp.cancel_timer(t);
            }
        }
        old.procs.close(lp);
        if let Some(ino) = &old.inotify {
            let _ = lp.deregister(ino.as_raw_fd());
        }
        self.track_build(lp, old);
    }

    fn track_build(&mut self, lp: &mut EventLoop, old: TrackShell) {
        let mut t = TrackShell::default();
        let src_addrs: Vec<(u32, IpAddr)> = if self
            .insts
            .iter()
            .any(|x| self.cfg.vrrp.instances[x.idx].track_src_ip)
        {
            self.rtnl
                .addresses()
                .map(|v| v.iter().map(|a| (a.ifindex, a.addr)).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for i in 0..self.insts.len() {
            let (idx, ifindex) = (self.insts[i].idx, self.insts[i].ifindex);
            let mut wanted = instance_links(&self.cfg, idx);
            let v = &self.cfg.vrrp.instances[idx];
            if let (true, Some(src)) = (v.track_src_ip, v.src_ip) {
                wanted.push((Key::SrcIp(ifindex, src), Weight::default()));
            }
            let mut links = Vec::new();
            for (key, weight) in wanted {
                let carried = old.core.find(&key).and_then(|o| old.core.level(o));
                let level = match (&key, carried) {
                    (Key::Interface(n), _) => {
                        if self.ifaces.by_name(n).is_some_and(|f| f.up) {
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
                        let init_fail = self
                            .cfg
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
            // A running instance (kept by a reload, however it was matched) already carries
            // an effect: read it back from its state machine, so only the difference is
            // applied. Its offset from the base priority is the clamped delta, which gives
            // the same effective priority.
            let f = &self.insts[i].fsm;
            if f.state() != crate::vrrp::fsm::State::Init {
                let delta = i32::from(f.effective_priority()) - i32::from(f.base_priority());
                let faults = f.tracker_faults();
                t.core.set_applied(n, Effect { delta, faults });
            }
        }
        self.track = t;
        self.track_scripts_setup(lp, old.scripts);
        self.track_files_setup(lp);
        self.track_procs_setup(lp, old.procs);
        for i in 0..self.insts.len() {
            self.track_log_initial_faults(i);
            self.track_apply(lp, i);
        }
    }

    /// keepalived's start-up lines for instances a weight-0 tracker holds in FAULT.
    fn track_log_initial_faults(&self, i: usize) {
        let name = &self.insts[i].name;
        for l in self.track.core.links(i) {
            let o = &self.track.core.objs[l.obj];
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

    /// Hands instance `i` what changed in its tracking effect: new faults first, then the
    /// priority, then cleared faults (so an instance leaving FAULT does so at its new
    /// priority).
    pub(super) fn track_apply(&mut self, lp: &mut EventLoop, i: usize) {
        let Some((old, new)) = self.track.core.pending(i) else {
            return;
        };
        self.track_apply_effect(lp, i, old, new);
    }

    fn track_apply_effect(&mut self, lp: &mut EventLoop, i: usize, old: Effect, new: Effect) {
        let now = Micros::now();
        for _ in old.faults..new.faults {
            let acts = self.insts[i].fsm.tracker_fault(now);
            self.apply(lp, i, &acts);
        }
        if old.delta != new.delta {
            let fsm = &mut self.insts[i].fsm;
            let before = fsm.effective_priority();
            let total = i32::from(fsm.base_priority()) + new.delta;
            let acts = fsm.set_effective_priority(now, total);
            let after = fsm.effective_priority();
            if before != after {
                info!(
                    "({}) Changing effective priority from {before} to {after}",
                    self.insts[i].name
                );
            }
            self.apply(lp, i, &acts);
        }
        for _ in new.faults..old.faults {
            let acts = self.insts[i].fsm.tracker_recovered(now);
            self.apply(lp, i, &acts);
        }
    }

    fn track_level_changed(&mut self, lp: &mut EventLoop, obj: usize, level: Level) {
        if !self.track.core.set_level(obj, level) {
            return;
        }
        for i in 0..self.insts.len().min(self.track.core.instances()) {
            if self.track.core.tracks(i, obj) {
                self.track_apply(lp, i);
            }
        }
    }

    /// A link went up or down (from the reflector).
    pub(super) fn track_link(&mut self, lp: &mut EventLoop, ifindex: u32, up: bool) {
        let Some(name) = self.ifaces.by_index(ifindex).map(|f| f.name.clone()) else {
            return;
        };
        if let Some(obj) = self.track.core.find(&Key::Interface(name)) {
            let level = if up { Level::Up } else { Level::Down };
            self.track_level_changed(lp, obj, level);
        }
    }

    /// An address appeared on or left an interface (from the reflector): `track_src_ip`.
    pub(super) fn track_addr(&mut self, lp: &mut EventLoop, ifindex: u32, addr: IpAddr, up: bool) {
        let level = if up { Level::Up } else { Level::Down };
        for ifx in [ifindex, 0] {
            if let Some(obj) = self.track.core.find(&Key::SrcIp(ifx, addr)) {
                self.track_level_changed(lp, obj, level);
            }
        }
    }

    /// A loop timer with a token at or above [`TRACK_TIMER_BASE`] fired.
    pub(super) fn track_timer(&mut self, lp: &mut EventLoop, id: TimerId, token: usize) {
        if token == PROC_SCAN_TOKEN {
            self.track_procs_timer(lp, id);
        } else {
            self.track_script_timer(lp, id, token);
        }
    }

    /// Whether instance `i` ignores its own interface's link state (`dont_track_primary`).
    pub(super) fn dont_track_primary(&self, i: usize) -> bool {
        self.cfg.vrrp.instances[self.insts[i].idx].dont_track_primary
    }
}
