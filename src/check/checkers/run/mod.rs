//! The runner: every checker of the config as a slot with its schedule ([`Sched`]), its probe
//! (a TCP connect, a dialog over a stream or datagram socket, a script) and its loop timer.
//! The checker child feeds it the loop's events; it reports checker states to a [`Sink`] and
//! runs the scripts the sink asks for (the real servers' notify scripts among them).
//!
//! A slot's phases, and what it does next on each event, are decided apart from the loop
//! (`phase`: plain [`Cmd`]s, testable on a virtual clock); `exec` carries them out with the
//! loop and the sink.
//!
//! One socket per check, as keepalived (opened when the check starts, closed when it ends),
//! but for the TCP checkers of one host (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK without host
//! blocks): their socket lives as long as the checker and is reset after each check, so that
//! a TCP_CHECK costs a connect and a reset, and a dialog adds only its sends and receives.
//! Reads go through one buffer the runner owns, so checks allocate nothing but log lines.

mod bfd;
mod build;
mod due;
mod exec;
mod files;
mod io;
mod live;
mod phase;
mod words;

use build::checker_keyword;
#[cfg(test)]
use build::{protocol_dialog, Target};
pub use live::View;
use phase::{Cmd, Done};
use words::{failure_line, report_line, url_line, Words};

use std::os::fd::{AsRawFd, OwnedFd};

use log::{info, warn};
use mio::Interest;

use super::file::{self, Watcher};
use super::misc::{self, MiscProbe};
use super::names;
use super::sched::{Outcome, Policy, Report, Sched};
use super::sock::{self, ConnOpts, Kind};
use super::udp::UdpDialog;
use super::{Dialog, DownReason, Failure, Step, Verdict};
use crate::check::key::CheckerKey;
use crate::check::{CheckerId, ScriptCall, Sink, Why};
use crate::config::checker::{Checker, CheckerKind, Script};
use crate::config::lvs::checker_timing;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::script::{ScriptResult, ScriptRunner, ScriptSpec};
use crate::core::signals::ExitStatus;
use crate::core::time::Micros;
use crate::core::timer::TimerId;

/// The io token of the inotify watcher of FILE_CHECK files.
pub use crate::core::tokens::CHECK_FILES as FILE_TOKEN;
/// Loop tokens: the runner's scripts' timer, then an io token per slot and a timer token per
/// group of slots due at one instant ([`due`]).
pub use crate::core::tokens::SCRIPT_TIMER;
pub use crate::core::tokens::SOCKET_BASE as TOKEN_BASE;
/// A slot's io token is `TOKEN_BASE + i` plus its socket's generation shifted here (8 bits
/// under the top one, so slot indexes keep 23 bits on 32-bit targets).
const GEN_SHIFT: u32 = usize::BITS - 9;
/// Scripts tagged with this are notify scripts, not MISC_CHECKs.
const NOTIFY_TAG: usize = usize::MAX;
/// The sink's scripts (quorum_up, quorum_down): a stop or reload lets them run on.
const SINK_TAG: usize = usize::MAX - 1;
/// The grid the runs of checkers a second or more apart start on (at most this late).
const RUN_TICK: Micros = Micros(10_000);
/// The largest stream chunk or datagram read at once.
const RX_LEN: usize = 4096;
/// The most chunks read from one socket before the loop runs again (timers, signals, the
/// other checkers): 64 KiB.
const READS_PER_WAKE: usize = 16;

/// What a slot's check does.
enum Probe {
    /// TCP_CHECK: the connect is the check. With a dialog (HTTP, SSL, SMTP), a conversation
    /// follows on the connected stream.
    Stream(Option<Box<dyn Dialog>>),
    /// A conversation over a connected datagram socket; `silence_passes`: the timeout is a
    /// pass (UDP_CHECK without require_reply).
    Datagram {
        kind: Kind,
        dialog: Box<dyn Dialog>,
        silence_passes: bool,
    },
    /// Boxed, as FILE_CHECK's: a slot is as big as its largest probe, and a thousand
    /// TCP_CHECKs would each carry the room of the rare ones.
    Misc(Box<MiscProbe>),
    /// FILE_CHECK: no schedule, the file's changes drive it.
    File(Box<FileProbe>),
    /// BFD_CHECK: no schedule, the named `bfd_instance`'s session changes drive it (`bfd`).
    Bfd { name: String },
    /// A checker this build cannot run yet (named in the log at start).
    NotYet,
}

/// A FILE_CHECK's file and what its value did. `applied`: the effect of the last value read
/// (None: down), once read.
struct FileProbe {
    path: std::path::PathBuf,
    weight: i32,
    reverse: bool,
    base: i64,
    applied: Option<Option<i64>>,
    /// The last value read from the file (for the data file's Status).
    value: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the next run.
    Idle,
    Connecting,
    Talking,
    /// A MISC_CHECK script is running since this time.
    Script(Micros),
}

struct Slot {
    /// Also what a reload recognises it by, through the config it came from ([`key_of`]).
    id: CheckerId,
    rs: names::Trio,
    /// Shared by the checkers of one virtual server.
    vs: std::rc::Rc<str>,
    words: Words,
    sched: Sched,
    /// Of its timing, what the schedule does not hold.
    connect_timeout: Micros,
    warmup: Micros,
    conn: Option<ConnOpts>,
    /// SMTP_CHECK's `host {}` blocks: checked after `conn`, each on its own connection, all
    /// within one check; `host` is the one being checked (0: `conn`).
    hosts: Vec<ConnOpts>,
    host: usize,
    probe: Probe,
    phase: Phase,
    sock: Option<OwnedFd>,
    /// Counts the sockets the slot opened, in its io token: a socket closed while a forked
    /// script holds a copy of its descriptor stays in epoll, and its events must not reach
    /// the slot's next socket (which may get the same fd number).
    gen: u8,
    log_all: bool,
    /// ha_suspend: the virtual server's address; the checker runs only while it is local.
    suspend: Option<std::net::IpAddr>,
    enabled: bool,
    /// The real server weight this checker last asked for (MISC dynamic, FILE_CHECK).
    weight: Option<i64>,
    /// The real server's configured weight.
    base_weight: i64,
}

/// A real server's notify scripts.
struct Notify {
    up: Option<Script>,
    down: Option<Script>,
    /// The `USER [GROUP]` written after each script, resolved (else the default script user).
    run_as: [Option<(u32, u32)>; 2],
}

pub struct Runner {
    /// A boxed slice, not a Vec: indexing it is inline code, a Vec's index a call of its own
    /// at opt-level z, made a dozen times per check.
    slots: Box<[Slot]>,
    /// When each slot is due (its run, or its check's timeout), by group of one instant.
    dues: due::Dues,
    /// Per virtual server, per real server; None: no script and no user for one (most).
    notify: Vec<Vec<Option<Box<Notify>>>>,
    scripts: ScriptRunner<usize>,
    script_user: Option<(u32, u32)>,
    rx: Box<[u8; RX_LEN]>,
    /// The sink's scripts being started (kept to reuse its allocation).
    calls: Vec<ScriptCall>,
    rand: u64,
    files: Option<Watcher>,
    /// The latest state heard of each BFD session, by name: a reload replays it to the
    /// BFD_CHECKs it keeps or adds, as keepalived's BFD child sends every session's state
    /// after its own reload.
    bfd_seen: Vec<(String, bool)>,
}

impl Runner {
    /// Arms every checker's first run.
    pub fn start(&mut self, lp: &mut EventLoop, cfg: &Config, sink: &mut dyn Sink) {
        crate::core::fd_limit::require(self.fds_needed(cfg));
        if self.slots.iter().any(|s| {
            matches!(
                s.probe,
                Probe::Datagram {
                    kind: Kind::Icmp,
                    ..
                }
            )
        }) {
            sock::allow_ping();
        }
        for i in 0..self.slots.len() {
            if let Probe::File(f) = &self.slots[i].probe {
                let path = f.path.clone();
                self.watch_file(lp, &path);
                if let Some(v) = file::read_value(&path) {
                    let cmd = self.file_value(i, v, sink);
                    self.exec(lp, i, cmd, sink);
                }
                continue;
            }
            let s = &self.slots[i];
            // keepalived logs no activation per BFD_CHECK, only the line below.
            if matches!(s.probe, Probe::Bfd { .. }) {
                continue;
            }
            if matches!(s.probe, Probe::NotYet) {
                let kw = checker_keyword(cfg, s.id);
                warn!(
                    "{kw} for service {} of VS {} is not yet supported by this build - not checked",
                    s.rs, s.vs
                );
                continue;
            }
            let local = s.suspend.map(sock::is_local);
            let r = (self.next_rand() >> 32) as u32;
            let cmd = self.slots[i].activate(local, r);
            self.exec(lp, i, cmd, sink);
        }
        if !cfg.bfd.instances.is_empty() {
            info!("Activating BFD healthchecker");
        }
        self.replay_bfd(lp, sink);
    }

    /// The descriptors the checker child may hold at once, counted as keepalived counts
    /// them: its own 17, one per checker with a socket, one per virtual or real server that
    /// sets smtp_alert, 10 spare.
    fn fds_needed(&self, cfg: &Config) -> u64 {
        let sockets = self
            .slots
            .iter()
            .filter(|s| matches!(s.probe, Probe::Stream(_) | Probe::Datagram { .. }))
            .count();
        let mut alerts = 0;
        for vs in &cfg.lvs.virtual_servers {
            alerts += usize::from(vs.smtp_alert.is_some());
            alerts += vs
                .real_servers
                .iter()
                .filter(|rs| rs.smtp_alert.is_some())
                .count();
        }
        (17 + sockets + alerts + 10) as u64
    }

    /// A loop timer fired; true when it was the runner's.
    pub fn on_timer(
        &mut self,
        lp: &mut EventLoop,
        id: TimerId,
        token: usize,
        sink: &mut dyn Sink,
    ) -> bool {
        if token == SCRIPT_TIMER {
            self.scripts.on_timer(lp, id);
            return true;
        }
        if token < TOKEN_BASE {
            return false;
        }
        if self.dues.fire(token, id) {
            while let Some(i) = self.dues.next() {
                let cmd = self.slots[i].timer_fired();
                self.exec(lp, i, cmd, sink);
            }
        }
        true
    }

    /// Runs the scripts the sink asked for since the last call (call after each event); true
    /// when one started.
    pub fn run_sink_scripts(&mut self, lp: &mut EventLoop, sink: &mut dyn Sink) -> bool {
        sink.take_scripts(&mut self.calls);
        // Most wakes ask for none: skip the take and drain of the buffer.
        if self.calls.is_empty() {
            return false;
        }
        let mut started = false;
        let mut calls = std::mem::take(&mut self.calls);
        for c in calls.drain(..) {
            started |= match c {
                ScriptCall::Notify { vs, rs, up } => {
                    let n = self.notify.get(vs).and_then(|v| v.get(rs));
                    let Some(n) = n.and_then(Option::as_deref) else {
                        continue;
                    };
                    let (script, user) = if up {
                        (&n.up, n.run_as[0])
                    } else {
                        (&n.down, n.run_as[1])
                    };
                    let Some(sc) = script else { continue };
                    let user = user.or(self.script_user);
                    let spec = ScriptSpec {
                        argv: misc::script_argv(sc),
                        uid: user.map(|u| u.0),
                        gid: user.map(|u| u.1),
                        ..ScriptSpec::default()
                    };
                    match self.scripts.run(lp, &spec, NOTIFY_TAG) {
                        Ok(_) => true,
                        Err(e) => {
                            warn!("cannot run {}: {e}", sc.cmd);
                            false
                        }
                    }
                }
                ScriptCall::Spec { spec, cmd } => match self.scripts.run(lp, &spec, SINK_TAG) {
                    Ok(_) => true,
                    Err(e) => {
                        warn!("cannot run {cmd}: {e}");
                        false
                    }
                },
            };
        }
        self.calls = calls;
        started
    }

    /// A child process ended; true when it was one of the runner's scripts.
    pub fn on_child_exit(
        &mut self,
        lp: &mut EventLoop,
        pid: i32,
        status: ExitStatus,
        sink: &mut dyn Sink,
    ) -> bool {
        let Some((tag, res)) = self.scripts.on_child_exit(lp, pid, status) else {
            return false;
        };
        if tag < SINK_TAG {
            let cmd = self.misc_done(tag, res, Micros::now(), sink);
            self.exec(lp, tag, cmd, sink);
        }
        true
    }

    /// After a reload: unchanged checkers of `old` keep their state (up or down, retries,
    /// MISC's last status) so nothing is reported or notified again; the sink hears of those
    /// whose state differs from a fresh start. `cfgs`: the configs `old` and this runner
    /// were made from. Call before [`Runner::start`].
    pub fn adopt(&mut self, old: &Runner, cfgs: (&Config, &Config), sink: &mut dyn Sink) {
        self.bfd_seen.clone_from(&old.bfd_seen);
        // The keys are made here, not kept per checker: a checker's key is a copy of its
        // whole config block.
        let old_keys: Vec<Option<CheckerKey>> =
            old.slots.iter().map(|s| key_of(cfgs.0, s.id)).collect();
        let mut taken = vec![false; old.slots.len()];
        for i in 0..self.slots.len() {
            let Some(key) = key_of(cfgs.1, self.slots[i].id) else {
                continue;
            };
            let Some(j) =
                (0..old.slots.len()).find(|&j| !taken[j] && old_keys[j].as_ref() == Some(&key))
            else {
                continue;
            };
            taken[j] = true;
            let (o, s) = (&old.slots[j], &mut self.slots[i]);
            let fresh_up = s.sched.is_up();
            s.sched.adopt(&o.sched);
            s.weight = o.weight;
            match (&mut s.probe, &o.probe) {
                (Probe::Misc(m), Probe::Misc(om)) => m.adopt(om),
                (Probe::File(f), Probe::File(of)) => {
                    f.applied = of.applied;
                    f.value = of.value;
                }
                _ => {}
            }
            let up = s.sched.is_up();
            if up != fresh_up {
                sink.checker_state(s.id, up, Why::Adopted);
            }
        }
    }

    /// Stops every check (closes sockets, cancels timers, kills MISC scripts and the notify
    /// scripts still running, not the sink's): a reload, or the stop (whose omega scripts the
    /// sink asks for next).
    pub fn stop(&mut self, lp: &mut EventLoop) {
        for s in &mut self.slots {
            if let Some(fd) = s.sock.take() {
                let _ = lp.deregister(fd.as_raw_fd());
            }
        }
        self.dues.clear_all(lp);
        self.scripts.kill_if(|tag| tag != SINK_TAG);
    }

    /// Scripts still running (notify or MISC).
    pub fn scripts_running(&self) -> usize {
        self.scripts.len()
    }
}

#[cfg(test)]
mod tests;

/// Slot `i`'s io token while its socket of generation `gen` is open.
fn io_token(i: usize, gen: u8) -> usize {
    TOKEN_BASE + i + (usize::from(gen) << GEN_SHIFT)
}

/// The slot and socket generation an io token names, if it names one.
fn slot_of(token: usize) -> Option<(usize, u8)> {
    let t = token.checked_sub(TOKEN_BASE)?;
    let gen = u8::try_from(t >> GEN_SHIFT).ok()?;
    Some((t & ((1 << GEN_SHIFT) - 1), gen))
}

/// What a reload recognises checker `id` of `cfg` by.
fn key_of(cfg: &Config, id: CheckerId) -> Option<CheckerKey> {
    let vs = cfg.lvs.virtual_servers.get(id.vs)?;
    let rs = vs.real_servers.get(id.rs)?;
    Some(CheckerKey::of(vs, rs, rs.checkers.get(id.ck)?))
}

/// keepalived's effective weight of slot `i`'s real server: its configured weight plus what
/// each of its dynamic checkers (misc_dynamic, FILE_CHECK) moved it by.
fn rs_weight(slots: &[Slot], i: usize) -> i64 {
    let Some(me) = slots.get(i) else {
        return 0;
    };
    let (vs, rs) = (me.id.vs, me.id.rs);
    let moved: i64 = slots
        .iter()
        .filter(|s| s.id.vs == vs && s.id.rs == rs)
        .filter_map(|s| s.weight.map(|w| w - s.base_weight))
        .sum();
    me.base_weight + moved
}
