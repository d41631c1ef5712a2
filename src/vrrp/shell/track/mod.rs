//! VRRP child shell: the I/O of tracking. vrrp_scripts run from per-script loop timers
//! through the shared script runner (never waited for); track files are followed with inotify
//! on their directory; tracked interfaces and `track_src_ip` come from the netlink reflector;
//! tracked processes follow the process events connector, or a /proc scan where there is
//! none (`procs.rs`). Each change goes to the sans-IO [`Tracking`], and instances whose
//! effect changed get it through their state machine.

use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use log::{info, warn};
use mio::Interest;

use super::Shell;
use crate::config::track::Weight;
use crate::core::event_loop::EventLoop;
use crate::core::inotify::{self, Inotify};
use crate::core::script::{self, ScriptResult, ScriptSpec};
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::vrrp::track::{
    instance_links, parse_value, Effect, Key, Level, Link, Outcome, ScriptCounter, Tracking,
};

mod procs;

pub(super) use procs::PROC_EVENTS_TOKEN;

/// Poll token of the inotify fd.
pub(super) const INOTIFY_TOKEN: usize = 12;
/// Timer tokens from here on are tracking's: the /proc scan, then one per vrrp_script.
pub(super) const TRACK_TIMER_BASE: usize = 1 << 30;
use procs::PROC_SCAN_TOKEN;
const SCRIPT_TIMER_BASE: usize = TRACK_TIMER_BASE + 1;
/// Script runner tags from here on are track scripts (below are instance notifies).
pub(super) const SCRIPT_TAG_BASE: usize = 1 << 30;

struct ScriptRun {
    name: String,
    obj: usize,
    spec: ScriptSpec,
    interval: Micros,
    counter: ScriptCounter,
    pid: Option<i32>,
    timer: Option<TimerId>,
    last_status: i32,
}

struct FileWatch {
    name: String,
    obj: usize,
    path: PathBuf,
    wd: i32,
}

/// Tracking state the shell keeps beside the sans-IO core.
#[derive(Default)]
pub struct TrackShell {
    core: Tracking,
    /// Instance names in the core's order (to carry applied effects over a reload).
    names: Vec<String>,
    scripts: Vec<ScriptRun>,
    files: Vec<FileWatch>,
    procs: procs::Procs,
    inotify: Option<Inotify>,
}

impl TrackShell {
    /// Whether some instance tracks interface `name`.
    pub(super) fn watches(&self, name: &str) -> bool {
        self.core
            .objs
            .iter()
            .any(|o| matches!(&o.key, Key::Interface(n) if n == name))
    }
}

fn exec_failed(spec: &ScriptSpec) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(prog) = spec.argv.first() else {
        return true;
    };
    if !prog.contains('/') {
        return false;
    }
    std::fs::metadata(prog).map_or(true, |m| {
        !m.is_file() || m.permissions().mode() & 0o111 == 0
    })
}

/// keepalived's realpath handling: the directory must exist; the file need not.
fn resolve_file(path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    if let Ok(r) = std::fs::canonicalize(p) {
        return Some(r);
    }
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let d = std::fs::canonicalize(dir).ok().filter(|d| d.is_dir())?;
    Some(d.join(p.file_name()?))
}

fn read_value(path: &Path) -> Result<i64, i64> {
    use std::io::Read;
    let mut buf = [0u8; 127];
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(0);
    };
    let n = f.read(&mut buf).unwrap_or(0);
    parse_value(&buf[..n])
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
            let name = self.insts[i].name.clone();
            let n = t.core.add_instance(links);
            if let Some(j) = old.names.iter().position(|x| *x == name) {
                if self.insts[i].fsm.state() != crate::vrrp::fsm::State::Init {
                    t.core.set_applied(n, old.core.applied(j));
                }
            }
            t.names.push(name);
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

    fn track_scripts_setup(&mut self, lp: &mut EventLoop, old: Vec<ScriptRun>) {
        let objs: Vec<(usize, String)> = self
            .track
            .core
            .objs
            .iter()
            .enumerate()
            .filter_map(|(o, x)| match &x.key {
                Key::Script(n) => Some((o, n.clone())),
                _ => None,
            })
            .collect();
        for (obj, name) in objs {
            let Some(s) = self
                .cfg
                .vrrp
                .trackers
                .scripts
                .iter()
                .find(|s| s.name == name)
            else {
                continue;
            };
            let user = s.user.clone().or(self.cfg.global.script_user.clone());
            let (uid, gid) = match user {
                Some((u, g)) => match script::resolve_user(&u, g.as_deref()) {
                    Ok((u, g)) => (Some(u), Some(g)),
                    Err(e) => {
                        warn!("VRRP_Script({name}): script user '{u}': {e}");
                        (None, None)
                    }
                },
                None => (None, None),
            };
            let spec = ScriptSpec {
                argv: s.script.argv.clone(),
                shell: false,
                env: Vec::new(),
                uid,
                gid,
                timeout: Some(s.timeout()),
            };
            let prev = old.iter().find(|o| o.name == name);
            let counter = match prev {
                Some(p) => {
                    let (c, up) = ScriptCounter::carried(&p.counter, s.rise, s.fall, s.init_fail);
                    let how = if up == Some(true) {
                        "successful"
                    } else {
                        "unsuccessful"
                    };
                    if up.is_some() {
                        info!("VRRP_Script({name}) considered {how} on reload");
                    }
                    c
                }
                None => ScriptCounter::new(s.rise, s.fall, s.init_fail),
            };
            let k = self.track.scripts.len();
            // keepalived runs every script once at start, then every interval.
            let timer = Some(lp.add_timer(Micros::ZERO, SCRIPT_TIMER_BASE + k));
            self.track.scripts.push(ScriptRun {
                name,
                obj,
                spec,
                interval: s.interval,
                counter,
                pid: prev.and_then(|p| p.pid),
                timer,
                last_status: prev.map_or(0, |p| p.last_status),
            });
        }
    }

    fn track_files_setup(&mut self, lp: &mut EventLoop) {
        let objs: Vec<(usize, String)> = self
            .track
            .core
            .objs
            .iter()
            .enumerate()
            .filter_map(|(o, x)| match &x.key {
                Key::File(n) => Some((o, n.clone())),
                _ => None,
            })
            .collect();
        for (obj, name) in objs {
            let Some(f) = self.cfg.vrrp.trackers.files.iter().find(|f| f.name == name) else {
                continue;
            };
            let Some(path) = resolve_file(&f.file) else {
                warn!("Track file directory for {name} does not exist - removing");
                continue;
            };
            if let Some(v) = f.init_file {
                if f.init_overwrite || !path.exists() {
                    if let Err(e) = std::fs::write(&path, format!("{v}\n")) {
                        warn!("track_file {name}: cannot write {}: {e}", path.display());
                    }
                }
            }
            if self.track.inotify.is_none() {
                match Inotify::new() {
                    Ok(ino) => {
                        if let Err(e) =
                            lp.register(ino.as_raw_fd(), INOTIFY_TOKEN, Interest::READABLE)
                        {
                            warn!("Unable to monitor track files: {e}");
                            return;
                        }
                        self.track.inotify = Some(ino);
                    }
                    Err(e) => {
                        warn!("Unable to monitor track files: {e}");
                        return;
                    }
                }
            }
            let Some(ino) = &self.track.inotify else {
                return;
            };
            let dir = path.parent().unwrap_or(Path::new("/"));
            let wd = match ino.watch_dir(dir) {
                Ok(wd) => wd,
                Err(e) => {
                    warn!("track_file {name}: cannot watch {}: {e}", dir.display());
                    continue;
                }
            };
            match read_value(&path) {
                Ok(v) => {
                    self.track.core.set_level(obj, Level::Value(v));
                }
                Err(v) => info!("Invalid number {v} read from {} - ignoring", path.display()),
            }
            self.track.files.push(FileWatch {
                name,
                obj,
                path,
                wd,
            });
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
            return;
        }
        let k = token - SCRIPT_TIMER_BASE;
        let Some(s) = self.track.scripts.get_mut(k) else {
            return;
        };
        if s.timer != Some(id) {
            return;
        }
        s.timer = Some(lp.add_timer(s.interval, token));
        if s.pid.is_some() {
            info!(
                "Track script {} is already running, expect idle - skipping run",
                s.name
            );
            return;
        }
        match self.scripts.run(lp, &s.spec, SCRIPT_TAG_BASE + k) {
            Ok(pid) => s.pid = Some(pid),
            Err(e) => warn!("VRRP_Script({}) cannot be run: {e}", s.name),
        }
    }

    /// A script the runner started with a tag at or above [`SCRIPT_TAG_BASE`] ended.
    pub(super) fn track_script_exit(
        &mut self,
        lp: &mut EventLoop,
        pid: i32,
        tag: usize,
        res: ScriptResult,
    ) {
        if tag < SCRIPT_TAG_BASE {
            return;
        }
        // Found by pid: a reload may have renumbered the scripts while this one ran.
        let Some(s) = self.track.scripts.iter_mut().find(|s| s.pid == Some(pid)) else {
            return;
        };
        s.pid = None;
        let outcome = match res {
            ScriptResult::Exited(0) => Outcome::Succeeded,
            // Our runner exits 127 when exec fails; keepalived counts that as success.
            ScriptResult::Exited(127) if exec_failed(&s.spec) => {
                warn!("Error exec-ing command '{}'", s.spec.argv.join(" "));
                Outcome::Succeeded
            }
            ScriptResult::Exited(c) => Outcome::Exited(c),
            ScriptResult::Signaled(sig) => Outcome::Signal(sig),
            ScriptResult::TimedOut => Outcome::TimedOut,
        };
        let status = match (res, outcome) {
            (_, Outcome::Succeeded) => Some(0),
            (ScriptResult::Exited(c), _) => Some(c),
            _ => None,
        };
        if let Some(c) = status {
            if c != s.last_status {
                info!("Script `{}` now returning {c}", s.name);
            }
            s.last_status = c;
        }
        let Some(up) = s.counter.on_result(outcome.ok()) else {
            return;
        };
        match outcome {
            Outcome::Succeeded => info!("VRRP_Script({}) succeeded", s.name),
            Outcome::Exited(c) => {
                info!("VRRP_Script({}) failed (exited with status {c})", s.name)
            }
            Outcome::Signal(sig) => info!("VRRP_Script({}) failed (due to signal {sig})", s.name),
            Outcome::TimedOut => info!("VRRP_Script({}) timed_out", s.name),
        }
        let obj = s.obj;
        let level = if up { Level::Up } else { Level::Down };
        self.track_level_changed(lp, obj, level);
    }

    /// The inotify fd is readable: re-read the track files that were written, moved in,
    /// deleted or moved away (a missing file reads as 0).
    pub(super) fn track_inotify(&mut self, lp: &mut EventLoop) {
        let mut buf = [0u8; inotify::BUF_LEN];
        loop {
            let Some(ino) = &self.track.inotify else {
                return;
            };
            let n = match ino.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => n,
                Err(e) => {
                    warn!("inotify read() returned error {e}");
                    return;
                }
            };
            let mut changed: heapless::Vec<(usize, i64), 16> = heapless::Vec::new();
            for ev in inotify::events(&buf[..n]) {
                if ev.mask & inotify::IN_Q_OVERFLOW != 0 {
                    for f in &self.track.files {
                        if let Ok(v) = read_value(&f.path) {
                            let _ = changed.push((f.obj, v));
                        }
                    }
                    continue;
                }
                if ev.mask & inotify::IN_ISDIR != 0 {
                    continue;
                }
                for f in &self.track.files {
                    let ours = f.wd == ev.wd
                        && f.path.file_name().map(|x| x.as_encoded_bytes()) == Some(ev.name);
                    if !ours {
                        continue;
                    }
                    let gone = ev.mask & (inotify::IN_MOVED_FROM | libc::IN_DELETE) != 0;
                    let v = if gone { Ok(0) } else { read_value(&f.path) };
                    match v {
                        Ok(v) => {
                            if changed.push((f.obj, v)).is_err() {
                                warn!("track_file {}: too many changes at once", f.name);
                            }
                        }
                        Err(v) => {
                            info!(
                                "Invalid number {v} read from {} - ignoring",
                                f.path.display()
                            )
                        }
                    }
                }
            }
            for (obj, v) in changed {
                self.track_level_changed(lp, obj, Level::Value(v));
            }
        }
    }

    /// Whether instance `i` ignores its own interface's link state (`dont_track_primary`).
    pub(super) fn dont_track_primary(&self, i: usize) -> bool {
        self.cfg.vrrp.instances[self.insts[i].idx].dont_track_primary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_track_file_may_be_missing_but_not_its_directory() {
        let dir = std::env::temp_dir().join(format!("ka-trackfile-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let f = dir.join("absent");
        let resolved = resolve_file(&f.to_string_lossy()).expect("directory exists");
        assert_eq!(resolved.file_name(), f.file_name());
        assert_eq!(read_value(&resolved), Ok(0));
        std::fs::write(&f, "0x20\n").expect("write");
        assert_eq!(read_value(&f), Ok(32));
        assert!(resolve_file(&dir.join("nodir/x").to_string_lossy()).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn exec_failure_is_told_from_a_script_exiting_127() {
        let spec = |p: &str| ScriptSpec {
            argv: vec![p.to_string()],
            ..Default::default()
        };
        assert!(exec_failed(&spec("/nonexistent/script")));
        assert!(!exec_failed(&spec("/bin/sh")));
        // Found through PATH at exec time: not ours to judge.
        assert!(!exec_failed(&spec("sh")));
    }
}
