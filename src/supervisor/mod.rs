//! The parent process (keepalived's watchdog): reads the config, forks the VRRP and checker
//! children, and supervises them. A child that dies is restarted (keepalived's back-off: at
//! once if it ran a minute, else 1 s doubling to 60 s); one that stops echoing hellos is killed
//! and then restarted (`hello`: the VRRP child's hellos follow its advert interval). A VRRP
//! child that ended without stopping leaves VIPs behind: the parent removes them before the
//! respawn (`release`). SIGHUP re-reads the config here first and is passed on only if the new
//! one is valid.
//!
//! It sits above everything else: it hands each child its entry point, so the children and the
//! channel they share with it (`core::watchdog`) need nothing from here.

use std::os::fd::{AsRawFd, OwnedFd};

use log::{error, info, warn};
use mio::Interest;

use crate::cli::{Options, DEFAULT_UMASK};
use crate::config::{self, Config, LoadOptions};
use crate::core::daemon::{self, PidfileState};
use crate::core::event_loop::{Event, EventLoop};
use crate::core::logging;
use crate::core::signals::{self, ExitStatus};
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::core::watchdog::{
    link, EXIT_CONFIG, EXIT_FATAL, EXIT_MISSING_PERMISSION, EXIT_NO_CONFIG,
};

mod hello;
mod readiness;
mod release;

use hello::{Hellos, Plan, Tick};
use readiness::{Readiness, SdEnv};

/// VRRP, checkers, BFD: the slots' order.
const CHILDREN: usize = 3;

/// How long stopping children get before SIGKILL (keepalived's child_wait_time).
const CHILD_WAIT: Micros = Micros::from_secs(5);

use crate::core::sd_notify::PROBE_SEQ;
use crate::core::tokens::{
    CHILD_CHAN_BASE, HELLO_TIMER, RESTART_TIMER_BASE as RESTART_TIMER, SD_WATCHDOG_TIMER,
    STOP_TIMER,
};

/// keepalived's start and stop lines name the version: a constant, formatted by no one.
const VERSION: &str = concat!("Keepalived v", env!("CARGO_PKG_VERSION"));

/// The parent's last line, however it stops.
fn log_stopped() {
    info!("Stopped {VERSION}");
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Vrrp = 0,
    Check = 1,
    Bfd = 2,
}

impl Kind {
    fn short(self) -> &'static str {
        match self {
            Kind::Vrrp => "VRRP",
            Kind::Check => "Healthcheck",
            Kind::Bfd => "BFD",
        }
    }
}

struct Slot {
    kind: Kind,
    /// This subsystem runs in this invocation.
    wanted: bool,
    pid: i32,
    chan: Option<OwnedFd>,
    started: Micros,
    next_delay: u64,
    restart: Option<TimerId>,
    hellos: Hellos,
    hello_timer: Option<TimerId>,
}

impl Slot {
    fn new(kind: Kind) -> Slot {
        Slot {
            kind,
            wanted: false,
            pid: 0,
            chan: None,
            started: Micros::ZERO,
            next_delay: 0,
            restart: None,
            hellos: Hellos::new(Plan::CHECKER, Micros::ZERO),
            hello_timer: None,
        }
    }
}

struct Watchdog<'a> {
    opts: &'a Options,
    cfg: Config,
    slots: [Slot; CHILDREN],
    pending_start: [bool; CHILDREN],
    stopping: bool,
    done: bool,
    exit_code: i32,
    /// systemd's notify socket, when NOTIFY_SOCKET was set.
    sd: Option<Readiness>,
    /// The latest state of each BFD session the BFD child reported, replayed to a VRRP or
    /// checker child when it starts.
    bfd: Vec<link::BfdEvent>,
}

/// keepalived's respawn delay: none after a minute of life, else 1, 2, 4 ... 60 s.
fn restart_delay(lived: Micros, next: &mut u64) -> Option<u64> {
    if lived >= Micros::from_secs(60) {
        *next = 0;
        return None;
    }
    let delay = *next;
    *next = match *next {
        0 => 1,
        n if n > 30 => 60,
        n => n * 2,
    };
    Some(delay)
}

/// keepalived's report of a child's end. Returns the exit code that must stop everything.
fn report_child_status(pid: i32, status: ExitStatus) -> Option<i32> {
    match status {
        ExitStatus::Exited(c @ (EXIT_FATAL | EXIT_CONFIG | EXIT_MISSING_PERMISSION)) => {
            let what = match c {
                EXIT_CONFIG => "CONFIG",
                EXIT_MISSING_PERMISSION => "missing permission",
                _ => "FATAL",
            };
            info!("pid {pid} exited with permanent error {what}. Terminating");
            Some(c)
        }
        ExitStatus::Exited(0) => None,
        ExitStatus::Exited(c) => {
            info!("pid {pid} exited with status {c}");
            None
        }
        ExitStatus::Signaled(s) => {
            info!(
                "pid {pid} exited due to signal {s} ({})",
                signals::describe(s)
            );
            None
        }
    }
}

impl Watchdog<'_> {
    fn slot_by_pid(&mut self, pid: i32) -> Option<usize> {
        self.slots.iter().position(|s| s.pid == pid && pid > 0)
    }

    fn on_event(&mut self, lp: &mut EventLoop, ev: Event) {
        match ev {
            Event::Io { token, .. }
                if (CHILD_CHAN_BASE..CHILD_CHAN_BASE + CHILDREN).contains(&token) =>
            {
                self.on_chan(lp, token - CHILD_CHAN_BASE)
            }
            Event::Io { .. } => {}
            Event::Timer {
                token: HELLO_TIMER,
                id,
            } => {
                if let Some(i) = self.slots.iter().position(|s| s.hello_timer == Some(id)) {
                    self.slots[i].hello_timer = None;
                    self.hello_tick(lp, i);
                }
            }
            Event::Timer { token, .. }
                if (RESTART_TIMER..RESTART_TIMER + CHILDREN).contains(&token) =>
            {
                let i = token - RESTART_TIMER;
                self.slots[i].restart = None;
                if !self.stopping {
                    self.pending_start[i] = true;
                }
            }
            Event::Timer {
                token: STOP_TIMER, ..
            } => self.force_stop(),
            Event::Timer {
                token: SD_WATCHDOG_TIMER,
                ..
            } => self.sd_watchdog(lp),
            Event::Timer { .. } => {}
            Event::Signal { signo, .. } => self.on_signal(lp, signo),
            Event::ChildExit { pid, status } => self.on_child_exit(lp, pid, status),
        }
    }

    fn on_chan(&mut self, lp: &mut EventLoop, i: usize) {
        let Some(fd) = self.slots[i].chan.as_ref().map(|c| c.as_raw_fd()) else {
            return;
        };
        loop {
            match link::recv(fd) {
                Ok(link::Recv::Hello(seq)) => {
                    self.slots[i].hellos.on_echo(seq);
                    if let Some(sd) = &mut self.sd {
                        let note = sd.notifier.echo(i, seq);
                        sd.send(note);
                    }
                }
                Ok(link::Recv::Bfd(ev)) if self.slots[i].kind == Kind::Bfd => self.pass_bfd(ev),
                Ok(link::Recv::Bfd(_)) => {}
                Ok(link::Recv::Empty) => break,
                Ok(link::Recv::Closed) | Err(_) => {
                    // The child is dying; its SIGCHLD does the rest.
                    let _ = lp.deregister(fd);
                    self.slots[i].chan = None;
                    break;
                }
            }
        }
    }

    /// Records a BFD session's new state and passes it to the children that act on it.
    fn pass_bfd(&mut self, ev: link::BfdEvent) {
        match self.bfd.iter_mut().find(|e| e.name() == ev.name()) {
            Some(e) => *e = ev,
            None => self.bfd.push(ev),
        }
        for s in &self.slots {
            if let (Kind::Vrrp | Kind::Check, Some(c)) = (s.kind, &s.chan) {
                // A full or closed channel means the child is stuck or dying: its restart replays.
                let _ = link::send_bfd(c.as_raw_fd(), &ev);
            }
        }
    }

    /// The BFD child ended: its sessions went with it, and what the other children believed
    /// Up is Down now. keepalived's respawned BFD process reports every session Down as it
    /// starts; saying so at once also covers the respawn back-off, during which nothing
    /// watches the neighbors. The new child's sessions report Up again by themselves.
    fn bfd_gone(&mut self) {
        for i in 0..self.bfd.len() {
            let ev = self.bfd[i];
            if let Some(down) = ev
                .up
                .then(|| link::BfdEvent::new(ev.name(), false))
                .flatten()
            {
                self.pass_bfd(down);
            }
        }
    }

    /// A reload took `old`'s place: a session it removed, renamed, or moved to another
    /// neighbor or source (which the BFD child starts afresh, Down, without a word) is
    /// forgotten, and Down for the children if they had it Up; one it kept keeps its state.
    fn bfd_reloaded(&mut self, old: &Config) {
        let mut i = 0;
        while i < self.bfd.len() {
            let ev = self.bfd[i];
            if bfd_kept(old, &self.cfg, ev.name()) {
                i += 1;
                continue;
            }
            if let Some(down) = ev
                .up
                .then(|| link::BfdEvent::new(ev.name(), false))
                .flatten()
            {
                self.pass_bfd(down);
            }
            self.bfd.remove(i);
        }
    }

    /// Child `i`'s hello period elapsed: greet it again, or kill it if it stayed silent.
    fn hello_tick(&mut self, lp: &mut EventLoop, i: usize) {
        let s = &mut self.slots[i];
        if s.pid <= 0 || self.stopping {
            return;
        }
        match s.hellos.tick(Micros::now()) {
            Tick::Hung { unanswered } => {
                warn!(
                    "{} child process({}) did not answer {unanswered} hellos - killing it",
                    s.kind.short(),
                    s.pid,
                );
                // Its exit (SIGCHLD) brings the clean-up and the respawn.
                signals::kill(s.pid, libc::SIGKILL);
            }
            Tick::Send(seq) => {
                if let Some(sd) = &mut self.sd {
                    sd.notifier.hello_sent(i, seq);
                }
                // A hello that cannot even be sent stays unanswered, which is what counts.
                if let Some(c) = &s.chan {
                    let _ = link::send_hello(c.as_raw_fd(), seq);
                }
                s.hello_timer = Some(lp.add_timer(s.hellos.plan.period, HELLO_TIMER));
                crate::core::alloc::settle();
            }
        }
    }

    /// The hello plan for child `i` under the current config.
    fn plan(&self, i: usize) -> Plan {
        match self.slots[i].kind {
            Kind::Vrrp => Plan::vrrp(&self.cfg),
            Kind::Check | Kind::Bfd => Plan::CHECKER,
        }
    }

    fn on_signal(&mut self, lp: &mut EventLoop, signo: i32) {
        match signo {
            libc::SIGTERM | libc::SIGINT => self.begin_stop(lp, 0),
            libc::SIGHUP if !self.stopping => self.reload(),
            libc::SIGUSR1 => self.forward(signo, true),
            _ if !self.stopping => self.forward(signo, false),
            _ => {}
        }
    }

    /// Passes a signal on: to every child, or (stats and JSON dumps) to the VRRP child only.
    fn forward(&self, signo: i32, all: bool) {
        for s in &self.slots {
            if s.pid > 0 && (all || s.kind == Kind::Vrrp) {
                signals::kill(s.pid, signo);
            }
        }
    }

    fn reload(&mut self) {
        info!("Reloading ...");
        if let Some(sd) = &mut self.sd {
            let note = sd.notifier.reloading(Micros::now());
            sd.send(note);
        }
        let Some(cfg) = config::reload_config(self.opts, self.cfg.interface_names()) else {
            if let Some(sd) = &mut self.sd {
                let note = sd.notifier.reload_refused();
                sd.send(note);
            }
            return;
        };
        let old = std::mem::replace(&mut self.cfg, cfg);
        self.bfd_reloaded(&old);
        let want = wanted(self.opts, &self.cfg);
        // A new shortest advert interval applies from the next hello.
        for i in 0..self.slots.len() {
            self.slots[i].hellos.plan = self.plan(i);
        }
        for (i, s) in self.slots.iter_mut().enumerate() {
            if s.pid > 0 {
                signals::kill(s.pid, libc::SIGHUP);
                // Its echo comes from the loop that handled the SIGHUP first.
                if let (Some(c), Some(_)) = (&s.chan, &self.sd) {
                    let _ = link::send_hello(c.as_raw_fd(), PROBE_SEQ);
                }
            } else if want[i] && s.restart.is_none() {
                // The new config needs a child the old one did not.
                s.wanted = true;
                self.pending_start[i] = true;
                if let Some(sd) = &mut self.sd {
                    sd.notifier.child_started(i);
                }
            }
        }
        if let Some(sd) = &mut self.sd {
            let note = sd.notifier.reload_sent();
            sd.send(note);
        }
    }

    /// systemd's watchdog period elapsed: feed it if every child answers its hellos.
    fn sd_watchdog(&mut self, lp: &mut EventLoop) {
        let Some(sd) = &mut self.sd else { return };
        let note = sd.notifier.watchdog_due();
        sd.send(note);
        if let Some(p) = sd.notifier.watchdog_period() {
            lp.add_timer(p, SD_WATCHDOG_TIMER);
        }
    }

    fn on_child_exit(&mut self, lp: &mut EventLoop, pid: i32, status: ExitStatus) {
        let Some(i) = self.slot_by_pid(pid) else {
            return;
        };
        let s = &mut self.slots[i];
        s.pid = 0;
        if let Some(c) = s.chan.take() {
            let _ = lp.deregister(c.as_raw_fd());
        }
        if let Some(t) = s.hello_timer.take() {
            lp.cancel_timer(t);
        }
        let kind = s.kind;
        if let Some(sd) = &mut self.sd {
            let note = sd.notifier.child_gone(i);
            sd.send(note);
        }
        let permanent = report_child_status(pid, status);
        if kind == Kind::Vrrp && !self.stopping {
            // Nothing defends its VIPs any more; a peer may already hold them.
            release::release_vips(&self.cfg, pid);
        }
        if kind == Kind::Bfd && !self.stopping {
            self.bfd_gone();
        }
        let s = &mut self.slots[i];
        if self.stopping {
            if self.slots.iter().all(|s| s.pid == 0) {
                self.done = true;
            }
            return;
        }
        if let Some(code) = permanent {
            self.begin_stop(lp, code);
            return;
        }
        let short = s.kind.short();
        if self.opts.dont_respawn {
            error!("{short} child process({pid}) died: Exiting");
            self.begin_stop(lp, 0);
            return;
        }
        error!("{short} child process({pid}) died: Respawning");
        let lived = Micros::now() - s.started;
        match restart_delay(lived, &mut s.next_delay) {
            None => self.pending_start[i] = true,
            Some(d) => {
                info!("Restart of {short} process delayed {d} seconds to limit respawn rate");
                if d == 0 {
                    self.pending_start[i] = true;
                } else {
                    s.restart = Some(lp.add_timer(Micros::from_secs(d), RESTART_TIMER + i));
                }
            }
        }
    }

    fn begin_stop(&mut self, lp: &mut EventLoop, code: i32) {
        if self.stopping {
            return;
        }
        info!("Stopping");
        if let Some(sd) = &mut self.sd {
            let note = sd.notifier.stopping();
            sd.send(note);
        }
        self.stopping = true;
        self.exit_code = code;
        self.pending_start = [false; CHILDREN];
        for s in self.slots.iter_mut() {
            if let Some(t) = s.restart.take() {
                lp.cancel_timer(t);
            }
            if s.pid > 0 && !signals::kill(s.pid, libc::SIGTERM) {
                s.pid = 0;
            }
        }
        if self.slots.iter().all(|s| s.pid == 0) {
            self.done = true;
        } else {
            lp.add_timer(CHILD_WAIT, STOP_TIMER);
        }
    }

    fn force_stop(&mut self) {
        for s in self.slots.iter_mut().filter(|s| s.pid > 0) {
            info!(
                "{} process failed to die - forcing termination",
                s.kind.short()
            );
            signals::kill(s.pid, libc::SIGKILL);
            let mut st = 0;
            // SAFETY: waiting for our own child, which SIGKILL ends promptly.
            unsafe { libc::waitpid(s.pid, &mut st, 0) };
            s.pid = 0;
        }
        self.done = true;
    }

    /// Forks the child for slot `i`. In the child this never returns.
    fn spawn(&mut self, i: usize, lp: &mut Option<EventLoop>) {
        let kind = self.slots[i].kind;
        let (parent_end, child_end) = match link::pair() {
            Ok(p) => p,
            Err(e) => {
                error!("{} child process: socketpair error({e})", kind.short());
                self.sd_spawn_failed(i);
                return;
            }
        };
        // The sessions' states are queued before the child exists, so that it finds them all
        // when it first reads (the VRRP child does, before starting its instances).
        if kind != Kind::Bfd {
            for ev in &self.bfd {
                let _ = link::send_bfd(parent_end.as_raw_fd(), ev);
            }
        }
        log::logger().flush();
        // SAFETY: getpid cannot fail.
        let me = unsafe { libc::getpid() };
        let pid = match daemon::fork() {
            Ok(pid) => pid,
            Err(e) => {
                error!("{} child process: fork error({e})", kind.short());
                self.sd_spawn_failed(i);
                return;
            }
        };
        let Some(pid) = pid else {
            // Child: drop the parent's loop, the other channels and the notify socket (ours
            // only in this process).
            drop(lp.take());
            drop(parent_end);
            drop(self.sd.take());
            for s in self.slots.iter_mut() {
                drop(s.chan.take());
            }
            // The child's start-up runs code its loop will not.
            crate::core::alloc::unsettle();
            let mut cfg = std::mem::take(&mut self.cfg);
            if kind == Kind::Vrrp {
                // Read by no VRRP code: each part sits in an arena of its own (config::load),
                // so dropping it unmaps the child's view of it without copying a page.
                cfg.lvs = Default::default();
                cfg.bfd = Default::default();
            }
            let code = match kind {
                Kind::Vrrp => crate::vrrp::child::run(cfg, self.opts, child_end, me),
                Kind::Check => crate::check::child::run(cfg, self.opts, child_end, me),
                Kind::Bfd => crate::bfd::child::run(cfg, self.opts, child_end, me),
            };
            if self.opts.mem_check {
                // What the child's own tag still holds is its leak; the rest was the parent's at fork.
                for line in crate::core::alloc::leak_report().to_string().lines() {
                    info!("{line}");
                }
            }
            log::logger().flush();
            // Exit without running the parent's cleanup (pidfiles, atexit handlers).
            // SAFETY: _exit ends this process immediately.
            unsafe { libc::_exit(code) };
        };
        drop(child_end);
        let plan = self.plan(i);
        let s = &mut self.slots[i];
        if let Some(lp) = lp.as_mut() {
            if let Err(e) = lp.register(
                parent_end.as_raw_fd(),
                CHILD_CHAN_BASE + i,
                Interest::READABLE,
            ) {
                warn!("cannot watch {} child channel: {e}", kind.short());
            }
        }
        if let Some(sd) = &mut self.sd {
            // Its echo says the child's loop runs: readiness, without waiting a hello period.
            let _ = link::send_hello(parent_end.as_raw_fd(), PROBE_SEQ);
            sd.notifier.child_started(i);
        }
        s.chan = Some(parent_end);
        s.pid = pid;
        s.started = Micros::now();
        s.hellos = Hellos::new(plan, s.started);
        if let Some(lp) = lp.as_mut() {
            if let Some(t) = s.hello_timer.take() {
                lp.cancel_timer(t);
            }
            s.hello_timer = Some(lp.add_timer(plan.period, HELLO_TIMER));
        }
        info!("Starting {} child process, pid={pid}", kind.short());
    }

    fn sd_spawn_failed(&mut self, i: usize) {
        if let Some(sd) = &mut self.sd {
            let note = sd.notifier.child_gone(i);
            sd.send(note);
        }
    }
}

/// Whether the BFD child keeps session `name` over a reload from `old` to `new`: the same
/// name, neighbor and source (as `bfd::sessions` matches them), in both.
fn bfd_kept(old: &Config, new: &Config, name: &str) -> bool {
    let find = |c: &'_ Config| {
        let mut s = c.bfd.sessions().filter(|s| s.name == name);
        s.next().map(|s| (s.neighbor, s.source))
    };
    find(old).is_some_and(|o| find(new) == Some(o))
}

/// Which children this invocation runs: by -P/-C, and only if the config has work for them
/// (or `--all`).
fn wanted(opts: &Options, cfg: &Config) -> [bool; CHILDREN] {
    let sub = opts.subsystems;
    [
        !sub.check_only && (sub.all || cfg.needs_vrrp()),
        !sub.vrrp_only && (sub.all || cfg.needs_checker()),
        runs_bfd(opts) && (sub.all || cfg.bfd.sessions().next().is_some()),
    ]
}

/// keepalived runs BFD unless -B: -P and -C each leave out only the other of VRRP and the checker,
/// and the BFD child serves whichever runs.
fn runs_bfd(opts: &Options) -> bool {
    !opts.subsystems.no_bfd
}

/// The pidfiles of this invocation's processes. An iterator, not a Vec: the parent holds it
/// across the children's fork, and a child exits without freeing its parent's frames.
fn child_pidfiles(opts: &Options) -> impl Iterator<Item = &std::path::Path> {
    let sub = opts.subsystems;
    [
        Some(opts.pid_file.as_path()),
        (!sub.check_only).then_some(opts.vrrp_pid_file.as_path()),
        (!sub.vrrp_only).then_some(opts.checkers_pid_file.as_path()),
        runs_bfd(opts).then_some(opts.bfd_pid_file.as_path()),
    ]
    .into_iter()
    .flatten()
}

/// Runs the daemon (parent/watchdog) and returns the process exit code.
pub fn run(opts: &Options) -> i32 {
    let sd_env = readiness::take_env();
    logging::set_process_name("Keepalived");
    // keepalived's default creation mask unless -u says otherwise.
    daemon::set_umask(opts.umask.unwrap_or(DEFAULT_UMASK));
    info!("Starting {VERSION}");

    let missing = std::fs::metadata(&opts.config_file).err();
    if let Some(e) = missing.filter(|_| !config::env_mode_applies(&opts.config_file)) {
        error!(
            "Unable to open configuration file {}: {e}",
            opts.config_file.display()
        );
        log_stopped();
        return EXIT_NO_CONFIG;
    }
    let (cfg, d) = config::load(&opts.config_file, &LoadOptions::from(opts));
    info!("Configuration file {}", opts.config_file.display());
    config::log_diags(&d);
    if d.has_errors() {
        error!(
            "Configuration file {} has {} error(s) - not starting",
            opts.config_file.display(),
            d.error_count()
        );
        log_stopped();
        return EXIT_CONFIG;
    }
    // Freed before the children fork: a child exits without unwinding this frame, so whatever
    // it still holds would be reported as that child's leak.
    drop(d);

    for p in child_pidfiles(opts) {
        if let PidfileState::Running(_) = daemon::check_pidfile(p) {
            // keepalived's words, and its exit code (0).
            info!("daemon is already running");
            return 0;
        }
    }

    if !opts.foreground {
        match daemon::daemonize() {
            Ok(true) => return 0,
            Ok(false) => {}
            Err(e) => {
                error!("xdaemon: fork error ({e})");
                return EXIT_FATAL;
            }
        }
    }
    if let Err(e) = daemon::write_pidfile(&opts.pid_file, std::process::id()) {
        error!(
            "pidfile_write : Cannot open {} pidfile ({e})",
            opts.pid_file.display()
        );
        log_stopped();
        return EXIT_FATAL;
    }

    let code = supervise(opts, cfg, sd_env);

    for p in child_pidfiles(opts) {
        daemon::remove_pidfile(p);
    }
    log_stopped();
    code
}

fn supervise(opts: &Options, cfg: Config, sd_env: Option<SdEnv>) -> i32 {
    let mut lp = match EventLoop::new() {
        Ok(lp) => Some(lp),
        Err(e) => {
            error!("cannot create the event loop: {e}");
            return EXIT_FATAL;
        }
    };
    let want = wanted(opts, &cfg);
    if !want.iter().any(|w| *w) {
        info!("Warning - keepalived has no configuration to run");
    }
    let mut w = Watchdog {
        opts,
        cfg,
        slots: [
            Slot::new(Kind::Vrrp),
            Slot::new(Kind::Check),
            Slot::new(Kind::Bfd),
        ],
        pending_start: want,
        stopping: false,
        done: false,
        exit_code: 0,
        sd: sd_env.and_then(|e| Readiness::new(e, [Kind::Vrrp.short(), Kind::Check.short()])),
        bfd: Vec::new(),
    };
    if let (Some(sd), Some(l)) = (&w.sd, lp.as_mut()) {
        if let Some(p) = sd.notifier.watchdog_period() {
            l.add_timer(p, SD_WATCHDOG_TIMER);
        }
    }
    let mut first_round = true;
    for (i, s) in w.slots.iter_mut().enumerate() {
        s.wanted = want[i];
    }
    loop {
        for i in 0..CHILDREN {
            if std::mem::take(&mut w.pending_start[i]) && w.slots[i].pid == 0 && !w.stopping {
                w.spawn(i, &mut lp);
            }
        }
        if std::mem::take(&mut first_round) {
            if let Some(sd) = &mut w.sd {
                let note = sd.notifier.started();
                sd.send(note);
            }
        }
        if w.done {
            break;
        }
        let Some(l) = lp.as_mut() else {
            return EXIT_FATAL;
        };
        if let Err(e) = l.run_once(|lp, ev| w.on_event(lp, ev)) {
            error!("event loop failed: {e}");
            return EXIT_FATAL;
        }
    }
    w.exit_code
}

#[cfg(test)]
mod tests;
