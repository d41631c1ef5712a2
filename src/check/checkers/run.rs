//! The runner: every checker of the config as a slot with its schedule ([`Sched`]), its probe
//! (a TCP connect, a dialog over a stream or datagram socket, a script) and its loop timer.
//! The checker child feeds it the loop's events; it reports checker states to a [`Sink`] and
//! runs the real servers' notify scripts.
//!
//! One socket per check, as keepalived: opened when the check starts, closed when it ends.
//! Reads go through one buffer the runner owns, so checks allocate nothing but log lines.

use std::ffi::CString;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};

use log::{info, warn};
use mio::Interest;

use super::file::{self, Watcher};
use super::misc::{self, MiscProbe};
use super::names;
use super::ping::PingDialog;
use super::rs::{RsNews, RsPool};
use super::sched::{Outcome, Policy, Report, Sched};
use super::sock::{self, ConnOpts, Kind};
use super::udp::UdpDialog;
use super::{Dialog, Step, Verdict};
use crate::check::{CheckerId, Sink};
use crate::config::checker::{Checker, CheckerKind, Script};
use crate::config::lvs::{checker_timing, Timing};
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::script::{ScriptResult, ScriptRunner, ScriptSpec};
use crate::core::signals::ExitStatus;
use crate::core::time::Micros;
use crate::core::timer::TimerId;

/// Loop tokens: the runner's scripts' timer, then one io token and one timer token per slot.
pub const SCRIPT_TIMER: usize = 1;
/// The io token of the inotify watcher of FILE_CHECK files.
pub const FILE_TOKEN: usize = 2;
pub const TOKEN_BASE: usize = 16;
/// Scripts tagged with this are notify scripts, not MISC_CHECKs.
const NOTIFY_TAG: usize = usize::MAX;
/// The largest stream chunk or datagram read at once.
const RX_LEN: usize = 4096;

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
    Misc(MiscProbe),
    /// FILE_CHECK: no schedule, the file's changes drive it. `applied`: the effect of the
    /// last value read (None: down), once read.
    File {
        path: std::path::PathBuf,
        weight: i32,
        reverse: bool,
        base: i64,
        applied: Option<Option<i64>>,
    },
    /// A checker this build cannot run yet (named in the log at start).
    NotYet,
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

/// keepalived's wording differs by checker type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Words {
    Tcp,
    Udp,
    Icmp,
    Misc,
    /// A dialog checker named by its keyword.
    Named(&'static str),
}

struct Slot {
    id: CheckerId,
    /// What the checker is, line numbers aside: a reload keeps the state of an unchanged one.
    print: String,
    rs: String,
    vs: String,
    words: Words,
    sched: Sched,
    timing: Timing,
    conn: Option<ConnOpts>,
    probe: Probe,
    phase: Phase,
    sock: Option<OwnedFd>,
    timer: Option<TimerId>,
    log_all: bool,
}

/// A real server's notify scripts.
struct Notify {
    up: Option<Script>,
    down: Option<Script>,
    omega: bool,
}

pub struct Runner {
    slots: Vec<Slot>,
    notify: Vec<Vec<Notify>>,
    pool: RsPool,
    scripts: ScriptRunner<usize>,
    script_user: Option<(u32, u32)>,
    rx: Box<[u8; RX_LEN]>,
    rand: u64,
    files: Option<Watcher>,
}

/// Makes the dialog of a protocol checker (HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK): the
/// socket kind it talks over, the dialog, and the checker's keyword for log lines. None: the
/// checker cannot run in this build.
pub type DialogMaker = fn(&Checker, &Config) -> Option<(Kind, Box<dyn Dialog>, &'static str)>;

/// The protocol checkers built in so far.
pub fn protocol_dialog(
    _c: &Checker,
    _cfg: &Config,
) -> Option<(Kind, Box<dyn Dialog>, &'static str)> {
    None
}

fn seed() -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: writes at most 8 bytes into our buffer.
    unsafe { libc::getrandom(b.as_mut_ptr() as *mut libc::c_void, 8, libc::GRND_NONBLOCK) };
    u64::from_ne_bytes(b) | 1
}

impl Runner {
    /// Builds a slot for every checker of `cfg`.
    pub fn new(cfg: &Config) -> Runner {
        Self::with_dialogs(cfg, protocol_dialog)
    }

    /// As [`Runner::new`], with the protocol checkers' dialogs from `dialogs`.
    pub fn with_dialogs(cfg: &Config, dialogs: DialogMaker) -> Runner {
        let mut r = Runner {
            slots: Vec::new(),
            notify: Vec::new(),
            pool: RsPool::new(cfg),
            scripts: ScriptRunner::new(SCRIPT_TIMER),
            script_user: script_user(cfg),
            rx: Box::new([0; RX_LEN]),
            rand: seed(),
            files: None,
        };
        let log_all_global = cfg.global.email.checker_log_all_failures.unwrap_or(false);
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            let mut nv = Vec::new();
            for (s, rs) in vs.real_servers.iter().enumerate() {
                nv.push(Notify {
                    up: rs.notify_up.clone(),
                    down: rs.notify_down.clone(),
                    omega: vs.omega,
                });
                for (k, c) in rs.checkers.iter().enumerate() {
                    let timing = checker_timing(vs, rs, c);
                    let port = c.common.connect_port.unwrap_or(names::rs_port(vs, rs));
                    let dst = SocketAddr::new(c.common.connect_ip.unwrap_or(rs.ip), port);
                    let conn = ConnOpts {
                        dst,
                        bind: c
                            .common
                            .bindto
                            .map(|ip| SocketAddr::new(ip, c.common.bind_port.unwrap_or(0))),
                        bind_if: c
                            .common
                            .bind_if
                            .as_ref()
                            .and_then(|s| CString::new(s.as_str()).ok()),
                        mark: c.common.fwmark,
                    };
                    let weight = rs.weight.unwrap_or(vs.weight);
                    let (probe, words, policy) = r.probe(c, cfg, weight, vs.delay_loop, dialogs);
                    r.slots.push(Slot {
                        id: CheckerId {
                            vs: v,
                            rs: s,
                            ck: k,
                        },
                        print: format!(
                            "{:?} {:?} {} {:?} {:?} {:?}",
                            vs.addr, vs.protocol, rs.ip, rs.port, c.kind, c.common
                        ),
                        rs: names::rs_name(vs, rs),
                        vs: names::vs_name(vs),
                        words,
                        sched: Sched::new(&timing, policy),
                        timing,
                        conn: Some(conn),
                        probe,
                        phase: Phase::Idle,
                        sock: None,
                        timer: None,
                        log_all: c.common.log_all_failures.unwrap_or(log_all_global),
                    });
                }
            }
            r.notify.push(nv);
        }
        r
    }

    fn next_rand(&mut self) -> u64 {
        // xorshift64: enough to spread first runs.
        let mut x = self.rand;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rand = x;
        x
    }

    fn probe(
        &mut self,
        c: &Checker,
        cfg: &Config,
        weight: u32,
        vs_delay_loop: Micros,
        dialogs: DialogMaker,
    ) -> (Probe, Words, Policy) {
        match &c.kind {
            CheckerKind::Tcp => (Probe::Stream(None), Words::Tcp, Policy::Tcp),
            CheckerKind::Udp(u) => {
                let d = UdpDialog::new(u, self.next_rand());
                let silence_passes = d.silence_passes();
                let probe = Probe::Datagram {
                    kind: Kind::Udp,
                    dialog: Box::new(d),
                    silence_passes,
                };
                (probe, Words::Udp, Policy::Layer4)
            }
            CheckerKind::Ping => {
                let v6 = c.common.connect_ip.is_some_and(|ip| ip.is_ipv6());
                let probe = Probe::Datagram {
                    kind: Kind::Icmp,
                    dialog: Box::new(PingDialog::new(v6)),
                    silence_passes: false,
                };
                (probe, Words::Icmp, Policy::Layer4)
            }
            CheckerKind::File(f) => {
                let path = cfg
                    .vrrp
                    .trackers
                    .files
                    .iter()
                    .find(|t| t.name == f.track_file)
                    .map(|t| std::path::PathBuf::from(&t.file));
                match path {
                    Some(path) => (
                        Probe::File {
                            path,
                            weight: f.weight,
                            reverse: f.reverse,
                            base: i64::from(weight),
                            applied: None,
                        },
                        Words::Named("FILE_CHECK"),
                        Policy::Layer4,
                    ),
                    None => (Probe::NotYet, Words::Named("FILE_CHECK"), Policy::Layer4),
                }
            }
            CheckerKind::Misc(m) => (
                Probe::Misc(MiscProbe::new(m, i64::from(weight), vs_delay_loop)),
                Words::Misc,
                Policy::Misc,
            ),
            _ => match dialogs(c, cfg) {
                Some((Kind::Tcp, d, name)) => {
                    (Probe::Stream(Some(d)), Words::Named(name), Policy::Layer4)
                }
                Some((kind, d, name)) => (
                    Probe::Datagram {
                        kind,
                        dialog: d,
                        silence_passes: false,
                    },
                    Words::Named(name),
                    Policy::Layer4,
                ),
                None => (Probe::NotYet, Words::Named("CHECK"), Policy::Layer4),
            },
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Arms every checker's first run.
    pub fn start(&mut self, lp: &mut EventLoop, cfg: &Config, sink: &mut dyn Sink) {
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
            // Ping checkers on an IPv6 real server use ICMPv6.
            if let Some(dst) = self.slots[i].conn.as_ref().map(|c| c.dst) {
                if let Probe::Datagram {
                    kind: Kind::Icmp,
                    dialog,
                    ..
                } = &mut self.slots[i].probe
                {
                    if dst.is_ipv6() {
                        *dialog = Box::new(PingDialog::new(true));
                    }
                }
            }
            if let Probe::File { path, .. } = &self.slots[i].probe {
                let path = path.clone();
                self.watch_file(lp, &path);
                if let Some(v) = file::read_value(&path) {
                    self.file_value(lp, i, v, sink);
                }
                continue;
            }
            let s = &self.slots[i];
            if matches!(s.probe, Probe::NotYet) {
                let kw = checker_keyword(cfg, s.id);
                warn!(
                    "{kw} for service {} of VS {} is not yet supported by this build - not checked",
                    s.rs, s.vs
                );
                continue;
            }
            info!(
                "Activating healthchecker for service {} for VS {}",
                s.rs, s.vs
            );
            let r = (self.next_rand() >> 32) as u32;
            let delay = Sched::first_delay(self.slots[i].timing.warmup, r);
            self.arm(lp, i, delay);
        }
    }

    fn arm(&mut self, lp: &mut EventLoop, i: usize, after: Micros) {
        let s = &mut self.slots[i];
        if let Some(t) = s.timer.take() {
            lp.cancel_timer(t);
        }
        s.timer = Some(lp.add_timer(after, TOKEN_BASE + i));
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
        let Some(i) = token.checked_sub(TOKEN_BASE) else {
            return false;
        };
        let Some(s) = self.slots.get_mut(i) else {
            return false;
        };
        if s.timer != Some(id) {
            return true;
        }
        s.timer = None;
        match s.phase {
            Phase::Idle => self.begin(lp, i, sink),
            Phase::Connecting | Phase::Talking => {
                let pass = matches!(
                    s.probe,
                    Probe::Datagram {
                        silence_passes: true,
                        ..
                    }
                ) && s.phase == Phase::Talking;
                self.finish(lp, i, if pass { Ok(()) } else { Err("timeout") }, sink);
            }
            Phase::Script(_) => {}
        }
        true
    }

    fn watch_file(&mut self, lp: &mut EventLoop, path: &std::path::Path) {
        if self.files.is_none() {
            match Watcher::new() {
                Ok(w) => {
                    if let Err(e) = lp.register(w.raw_fd(), FILE_TOKEN, Interest::READABLE) {
                        warn!("Unable to monitor track files: {e}");
                    }
                    self.files = Some(w);
                }
                Err(e) => warn!("Unable to monitor track files: {e}"),
            }
        }
        if let Some(w) = &mut self.files {
            if let Err(e) = w.watch(path) {
                warn!("Unable to monitor track file {}: {e}", path.display());
            }
        }
    }

    fn files_changed(&mut self, lp: &mut EventLoop, sink: &mut dyn Sink) {
        let mut changed: Vec<std::path::PathBuf> = Vec::new();
        if let Some(w) = &mut self.files {
            w.drain(|p| {
                if !changed.iter().any(|c| c == p) {
                    changed.push(p.to_path_buf());
                }
            });
        }
        for p in &changed {
            let Some(v) = file::read_value(p) else {
                continue;
            };
            for i in 0..self.slots.len() {
                if matches!(&self.slots[i].probe, Probe::File { path, .. } if path == p) {
                    self.file_value(lp, i, v, sink);
                }
            }
        }
    }

    /// A FILE_CHECK's file now holds `v`.
    fn file_value(&mut self, lp: &mut EventLoop, i: usize, v: i64, sink: &mut dyn Sink) {
        let s = &mut self.slots[i];
        let Probe::File {
            weight,
            reverse,
            base,
            applied,
            ..
        } = &mut s.probe
        else {
            return;
        };
        let eff = file::effect(v, *weight, *reverse);
        let initial = applied.is_none();
        if *applied == Some(eff) {
            return;
        }
        let old_w = applied.flatten().unwrap_or(0);
        *applied = Some(eff);
        let new_w = eff.unwrap_or(0);
        if new_w != old_w {
            sink.weight_changed(s.id, *base + new_w);
        }
        let was_up = s.sched.is_up();
        let up = eff.is_some();
        s.sched.force(up);
        if up == was_up {
            return;
        }
        if initial {
            // keepalived starts such a checker down without running any notify.
            let id = s.id;
            sink.checker_changed(id, up);
            let _ = self.pool.report(id, up, false);
            return;
        }
        let out = Outcome {
            next: Micros::ZERO,
            report: Report::Quiet,
            state: Some(up),
        };
        self.report(lp, i, out, (false, was_up), sink);
    }

    /// Starts one check.
    fn begin(&mut self, lp: &mut EventLoop, i: usize, sink: &mut dyn Sink) {
        let s = &mut self.slots[i];
        let (kind, interest) = match &mut s.probe {
            Probe::NotYet | Probe::File { .. } => return,
            Probe::Misc(m) => {
                let spec = m.spec(self.script_user);
                match self.scripts.run(lp, &spec, i) {
                    Ok(_) => s.phase = Phase::Script(Micros::now()),
                    Err(e) => {
                        warn!("Misc check for [{} VS {}]: cannot run it: {e}", s.rs, s.vs);
                        let t = s.timing.delay_loop;
                        self.arm(lp, i, t);
                    }
                }
                return;
            }
            Probe::Stream(_) => (Kind::Tcp, Interest::WRITABLE),
            Probe::Datagram { kind, dialog, .. } => {
                dialog.reset();
                (*kind, Interest::READABLE)
            }
        };
        let Some(conn) = &s.conn else { return };
        let fd = match sock::open(kind, conn) {
            Ok(fd) => fd,
            Err(e) => {
                if s.sched.is_up() {
                    info!("{} socket to {} failed: {e}", kind_name(kind), s.rs);
                }
                return self.finish(lp, i, Err("failed"), sink);
            }
        };
        if let Err(e) = lp.register(fd.as_raw_fd(), TOKEN_BASE + i, interest) {
            warn!("cannot watch the checker socket for {}: {e}", s.rs);
            return self.finish(lp, i, Err("failed"), sink);
        }
        s.sock = Some(fd);
        s.phase = if kind == Kind::Tcp {
            Phase::Connecting
        } else {
            Phase::Talking
        };
        let t = s.timing.connect_timeout;
        self.arm(lp, i, t);
        if s_is_datagram(&self.slots[i]) {
            self.pump(lp, i, false, sink);
        }
    }

    /// An fd event; true when it was the runner's.
    pub fn on_io(
        &mut self,
        lp: &mut EventLoop,
        token: usize,
        readable: bool,
        closed: bool,
        sink: &mut dyn Sink,
    ) -> bool {
        if token == FILE_TOKEN {
            self.files_changed(lp, sink);
            return true;
        }
        let Some(i) = token.checked_sub(TOKEN_BASE) else {
            return false;
        };
        let Some(s) = self.slots.get_mut(i) else {
            return false;
        };
        let Some(fd) = s.sock.as_ref().map(|f| f.as_raw_fd()) else {
            return true;
        };
        match s.phase {
            Phase::Connecting => {
                if sock::so_error(fd) != 0 {
                    return {
                        self.finish(lp, i, Err("failed"), sink);
                        true
                    };
                }
                match &mut s.probe {
                    Probe::Stream(Some(d)) => {
                        d.reset();
                        s.phase = Phase::Talking;
                        let _ = lp.reregister(fd, token, Interest::READABLE | Interest::WRITABLE);
                        self.pump(lp, i, false, sink);
                    }
                    _ => self.finish(lp, i, Ok(()), sink),
                }
            }
            Phase::Talking => self.pump(lp, i, readable || closed, sink),
            _ => {}
        }
        true
    }

    /// Moves a dialog's bytes: writes what it has pending, reads what arrived.
    fn pump(&mut self, lp: &mut EventLoop, i: usize, read: bool, sink: &mut dyn Sink) {
        let s = &mut self.slots[i];
        let Some(fd) = s.sock.as_ref().map(|f| f.as_raw_fd()) else {
            return;
        };
        let stream = kind_of(&s.probe) == Some(Kind::Tcp);
        let dialog: &mut dyn Dialog = match &mut s.probe {
            Probe::Stream(Some(d)) => d.as_mut(),
            Probe::Datagram { dialog, .. } => dialog.as_mut(),
            _ => return,
        };
        let mut step = Step::Continue;
        while !dialog.pending().is_empty() {
            match sock::send(fd, dialog.pending()) {
                Ok(n) => dialog.sent(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    step = dialog.closed();
                    break;
                }
            }
        }
        if read && step == Step::Continue {
            loop {
                match sock::recv(fd, &mut self.rx[..]) {
                    Ok(0) if stream => {
                        step = dialog.closed();
                        break;
                    }
                    Ok(n) => {
                        step = dialog.received(&self.rx[..n]);
                        if step != Step::Continue {
                            break;
                        }
                        // A reply may ask for more to be sent.
                        while !dialog.pending().is_empty() {
                            match sock::send(fd, dialog.pending()) {
                                Ok(n) => dialog.sent(n),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        step = dialog.closed();
                        break;
                    }
                }
            }
        }
        if let Step::Done(v) = step {
            let r = match v {
                Verdict::Up => Ok(()),
                Verdict::Down(why) => Err(why),
            };
            self.finish(lp, i, r, sink);
        }
    }

    /// A check ended: close its socket, apply the schedule, log and report, arm the next run.
    fn finish(
        &mut self,
        lp: &mut EventLoop,
        i: usize,
        r: Result<(), &'static str>,
        sink: &mut dyn Sink,
    ) {
        let s = &mut self.slots[i];
        if let Some(fd) = s.sock.take() {
            let _ = lp.deregister(fd.as_raw_fd());
        }
        s.phase = Phase::Idle;
        if let Err(why) = r {
            if s.sched.is_up() && s.log_all {
                failure_line(s, why);
            }
        }
        let (first, was_up) = (!s.sched.has_run(), s.sched.is_up());
        let out = s.sched.result(r.is_ok());
        report_line(s, &out);
        let next = out.next;
        self.report(lp, i, out, (first, was_up), sink);
        self.arm(lp, i, next);
    }

    /// Tells the sink and runs the real server's notify when its state changed.
    fn report(
        &mut self,
        lp: &mut EventLoop,
        i: usize,
        out: Outcome,
        (first, was_up): (bool, bool),
        sink: &mut dyn Sink,
    ) {
        let Some(up) = out.state else { return };
        let id = self.slots[i].id;
        if up != was_up {
            sink.checker_changed(id, up);
        }
        let alive = match self.pool.report(id, up, first) {
            RsNews::Nothing => return,
            RsNews::Changed(a) | RsNews::Renotify(a) => a,
        };
        let n = &self.notify[id.vs][id.rs];
        let script = if alive { &n.up } else { &n.down };
        if let Some(sc) = script.clone() {
            self.run_notify(lp, &sc);
        }
    }

    fn run_notify(&mut self, lp: &mut EventLoop, sc: &Script) {
        let spec = ScriptSpec {
            argv: misc::script_argv(sc),
            uid: self.script_user.map(|u| u.0),
            gid: self.script_user.map(|u| u.1),
            ..ScriptSpec::default()
        };
        if let Err(e) = self.scripts.run(lp, &spec, NOTIFY_TAG) {
            warn!("cannot run {}: {e}", sc.cmd);
        }
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
        if tag != NOTIFY_TAG {
            self.misc_done(lp, tag, res, sink);
        }
        true
    }

    fn misc_done(&mut self, lp: &mut EventLoop, i: usize, res: ScriptResult, sink: &mut dyn Sink) {
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        let Phase::Script(started) = s.phase else {
            return;
        };
        s.phase = Phase::Idle;
        let Probe::Misc(m) = &mut s.probe else {
            return;
        };
        let (first, was_up) = (!s.sched.has_run(), s.sched.is_up());
        let verdict = m.verdict(res);
        let out = s.sched.result(verdict.ok);
        // keepalived sets a dynamic weight before the state change that comes with it, and
        // drops it after the one that takes the server down.
        let weight = m.weight_change(&verdict, &out);
        let id = s.id;
        if let (Some(w), true) = (weight, out.state != Some(false)) {
            sink.weight_changed(id, w);
        }
        let at = misc::Where {
            rs: &s.rs,
            vs: &s.vs,
            retry: s.sched.retry(),
            log_all: s.log_all && was_up,
        };
        if let Some(line) = misc::log_line(m, &at, &verdict, &out) {
            info!("{line}");
        }
        let next = (started + out.next)
            .saturating_sub(Micros::now())
            .max(Micros(1));
        self.report(lp, i, out, (first, was_up), sink);
        if let (Some(w), Some(false)) = (weight, out.state) {
            sink.weight_changed(id, w);
        }
        self.arm(lp, i, next);
    }

    /// Stops every check (closes sockets, cancels timers, kills MISC scripts); with `omega`
    /// runs the notify_down of the live real servers of omega virtual servers. Returns true
    /// when notify scripts were started (the caller may wait a little for them).
    pub fn stop(&mut self, lp: &mut EventLoop) -> bool {
        self.stop_quiet(lp);
        let mut down = Vec::new();
        for (v, rss) in self.notify.iter().enumerate() {
            for (r, n) in rss.iter().enumerate() {
                if n.omega && self.pool.alive(v, r) {
                    if let Some(sc) = &n.down {
                        down.push(sc.clone());
                    }
                }
            }
        }
        for sc in &down {
            self.run_notify(lp, sc);
        }
        !down.is_empty()
    }

    /// After a reload: unchanged checkers of `old` keep their state (up or down, retries,
    /// MISC's last status) so nothing is reported or notified again; the sink hears of those
    /// whose state differs from a fresh start. Call before [`Runner::start`].
    pub fn adopt(&mut self, old: &Runner, sink: &mut dyn Sink) {
        let mut taken = vec![false; old.slots.len()];
        for i in 0..self.slots.len() {
            let Some(j) = (0..old.slots.len())
                .find(|&j| !taken[j] && old.slots[j].print == self.slots[i].print)
            else {
                continue;
            };
            taken[j] = true;
            let (o, s) = (&old.slots[j], &mut self.slots[i]);
            let fresh_up = s.sched.is_up();
            s.sched.adopt(&o.sched);
            match (&mut s.probe, &o.probe) {
                (Probe::Misc(m), Probe::Misc(om)) => m.adopt(om),
                (Probe::File { applied, .. }, Probe::File { applied: oa, .. }) => *applied = *oa,
                _ => {}
            }
            let up = s.sched.is_up();
            if up != fresh_up {
                let _ = self.pool.report(s.id, up, false);
                sink.checker_adopted(s.id, up);
            }
        }
    }

    /// Stops every check (closes sockets, cancels timers, kills MISC scripts), running no
    /// notify: a reload.
    pub fn stop_quiet(&mut self, lp: &mut EventLoop) {
        for s in &mut self.slots {
            if let Some(fd) = s.sock.take() {
                let _ = lp.deregister(fd.as_raw_fd());
            }
            if let Some(t) = s.timer.take() {
                lp.cancel_timer(t);
            }
        }
        self.scripts.kill_all();
    }

    /// Scripts still running (notify or MISC).
    pub fn scripts_running(&self) -> usize {
        self.scripts.len()
    }
}

fn s_is_datagram(s: &Slot) -> bool {
    matches!(s.probe, Probe::Datagram { .. })
}

fn kind_of(p: &Probe) -> Option<Kind> {
    match p {
        Probe::Stream(_) => Some(Kind::Tcp),
        Probe::Datagram { kind, .. } => Some(*kind),
        _ => None,
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Tcp => "TCP",
        Kind::Udp => "UDP",
        Kind::Icmp => "ICMP",
    }
}

fn checker_keyword(cfg: &Config, id: CheckerId) -> &'static str {
    let c = cfg
        .lvs
        .virtual_servers
        .get(id.vs)
        .and_then(|v| v.real_servers.get(id.rs))
        .and_then(|r| r.checkers.get(id.ck));
    match c.map(|c| &c.kind) {
        Some(CheckerKind::Http(_)) => "HTTP_GET",
        Some(CheckerKind::Ssl(_)) => "SSL_GET",
        Some(CheckerKind::Smtp(_)) => "SMTP_CHECK",
        Some(CheckerKind::Dns(_)) => "DNS_CHECK",
        Some(CheckerKind::File(_)) => "FILE_CHECK",
        Some(CheckerKind::Bfd(_)) => "BFD_CHECK",
        _ => "checker",
    }
}

fn script_user(cfg: &Config) -> Option<(u32, u32)> {
    let (user, group) = cfg.global.script_user.as_ref()?;
    match crate::core::script::resolve_user(user, group.as_deref()) {
        Ok(ids) => Some(ids),
        Err(e) => {
            warn!("Script user '{user}': {e}");
            None
        }
    }
}

/// A failed check while up, with log_all_failures.
fn failure_line(s: &Slot, why: &str) {
    match s.words {
        Words::Tcp => info!("TCP connection to {} {why}.", s.rs),
        Words::Udp => info!("UDP connection to {} failed.", s.rs),
        Words::Icmp if why == "timeout" => {
            info!("ICMP connection to address {} timeout.", s.rs)
        }
        Words::Icmp => info!("ICMP connection to {} of {} failed.", s.rs, s.vs),
        Words::Named(n) => info!("{n} on service {} {why}.", s.rs),
        Words::Misc => {}
    }
}

/// The success / down lines, as keepalived words them per checker type.
fn report_line(s: &Slot, out: &Outcome) {
    let rs = &s.rs;
    match (out.report, s.words) {
        (Report::Up, Words::Tcp) => info!("TCP connection to {rs} success."),
        (Report::Up, Words::Udp) => info!("UDP connection to {rs} success."),
        (Report::Up, Words::Icmp) => info!("ICMP connection to {rs} success."),
        (Report::Up, Words::Named(n)) => info!("{n} on service {rs} succeeded."),
        (Report::Down { retries }, w) => {
            let name = match w {
                Words::Tcp => "TCP_CHECK",
                Words::Udp => "UDP_CHECK",
                Words::Icmp => "ICMP CHECK",
                Words::Named(n) => n,
                Words::Misc => return,
            };
            match (retries, w) {
                (Some(n), Words::Icmp) => {
                    info!(
                        "{name} on service {rs} of {} failed after {n} retries.",
                        s.vs
                    )
                }
                (Some(n), _) => info!("{name} on service {rs} failed after {n} retries."),
                (None, _) => info!("{name} on service {rs} failed."),
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
