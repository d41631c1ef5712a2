//! The BFD child's entry point and loop: the process the watchdog forks when the config has a
//! `bfd_instance`. It drives [`Sessions`] with the RFC 5881 sockets on the mio loop, its one
//! timer armed at the table's earliest deadline (the loop's timerfd keeps µs).

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};

use log::{error, info};
use mio::Interest;

use super::log as say;
use super::packet::{State, LEN};
use super::rng::Rng;
use super::sessions::{Arrival, Report, Sessions};
use crate::cli::Options;
use crate::config::Config;
use crate::core::event_loop::{Event, EventLoop};
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::core::tokens::{BFD_LISTEN_V4, BFD_LISTEN_V6, BFD_TIMER, PARENT};
use crate::core::watchdog::link::{self, BfdEvent};
use crate::core::watchdog::{child, EXIT_FATAL};
use crate::net::bfd_socket::{BfdListener, BfdSender, CONTROL_PORT};

/// The process name the BFD child logs as.
pub const PROCESS_NAME: &str = "Keepalived_bfd";

/// Above the largest legal packet (255 bytes by its length field): whatever arrives longer
/// is seen whole enough to fail the length check.
const RX_BUF: usize = 512;

/// How often keepalived tries again a session's socket that could not be opened.
const RETRY: Micros = Micros(60_000_000);

struct Shell {
    core: Sessions,
    /// Session `i`'s socket; None while it cannot be opened (the session is AdminDown).
    senders: Vec<Option<BfdSender>>,
    /// When the sockets that could not be opened are tried again.
    retry_at: Option<Micros>,
    /// Session `i`'s last send failed: logged once until one succeeds, as keepalived does.
    failing: Vec<bool>,
    listeners: [Option<BfdListener>; 2],
    timer: Option<(TimerId, Micros)>,
    seed: u32,
    stop: bool,
}

/// Runs the BFD child until it is told to stop; returns its exit code.
pub fn run(cfg: Config, opts: &Options, chan: OwnedFd, parent: i32) -> i32 {
    let mut lp = match child::enter(PROCESS_NAME, "BFD", &opts.bfd_pid_file, parent) {
        Ok(lp) => lp,
        Err(code) => return code,
    };
    if !child::watch_parent(&mut lp, &chan, "BFD") {
        return 1;
    }
    super::sched::apply(&cfg.global, None, PROCESS_NAME);
    let now = Micros::now();
    // Discriminators and jitter need spread, not secrecy: the clock and the pid differ per run.
    let seed = now.0 ^ (u64::from(std::process::id()) << 32);
    let mut rng = Rng::new(seed);
    let mut sh = Shell {
        core: Sessions::new(&cfg.bfd, Rng::new(rng.between(1, u64::MAX))),
        senders: Vec::new(),
        retry_at: None,
        failing: Vec::new(),
        listeners: [None, None],
        timer: None,
        seed: rng.next_u32(),
        stop: false,
    };
    for (k, (v6, token)) in [(false, BFD_LISTEN_V4), (true, BFD_LISTEN_V6)]
        .into_iter()
        .enumerate()
    {
        if let Ok(l) = BfdListener::open(v6, CONTROL_PORT) {
            if lp
                .register(l.as_raw_fd(), token, Interest::READABLE)
                .is_ok()
            {
                sh.listeners[k] = Some(l);
            }
        }
    }
    if sh.listeners.iter().all(Option::is_none) {
        say::no_listener();
        crate::core::daemon::remove_pidfile_if(&opts.bfd_pid_file, std::process::id() as i32);
        return EXIT_FATAL;
    }
    sh.open_senders(&chan);
    if opts.dump_conf {
        sh.write_data(&cfg, true);
    }
    tell_all(&sh.core, &chan);
    let mut cfg = cfg;
    let mut code = 0;
    while !sh.stop {
        sh.service(&mut lp, &chan);
        let r = lp.run_once(|_, ev| match ev {
            Event::Io { token: PARENT, .. } => sh.stop |= child::parent_gone(&chan),
            Event::Io { token, .. } if token == BFD_LISTEN_V4 || token == BFD_LISTEN_V6 => {
                sh.receive(token - BFD_LISTEN_V4, &chan)
            }
            Event::Timer {
                token: BFD_TIMER, ..
            } => sh.timer = None,
            Event::Signal { signo, .. } => match signo {
                libc::SIGTERM | libc::SIGINT => sh.stop = true,
                libc::SIGUSR1 => sh.write_data(&cfg, false),
                // With --mem-check, what steady sessions allocate (tests/bench/bfd_sessions.sh).
                libc::SIGUSR2 if opts.mem_check => say::allocations(&crate::core::alloc::stats()),
                libc::SIGHUP => {
                    super::sched::pause(&cfg.global);
                    if let Some(new) = crate::config::reload_config(opts, cfg.interface_names()) {
                        let old = std::mem::replace(&mut cfg, new);
                        sh.core.reload(&cfg.bfd);
                        sh.open_senders(&chan);
                        tell_all(&sh.core, &chan);
                        super::sched::apply(&cfg.global, Some(&old.global), PROCESS_NAME);
                    } else {
                        super::sched::apply(&cfg.global, Some(&cfg.global), PROCESS_NAME);
                    }
                }
                _ => {}
            },
            _ => {}
        });
        if let Err(e) = r {
            error!("BFD child process: event loop failed: {e}");
            code = 1;
            break;
        }
    }
    crate::core::daemon::remove_pidfile_if(&opts.bfd_pid_file, std::process::id() as i32);
    info!("Stopped");
    code
}

impl Shell {
    /// One socket per session, in table order; a reload rebuilds them (setup time only).
    fn open_senders(&mut self, chan: &OwnedFd) {
        self.senders.clear();
        self.failing.clear();
        self.senders.resize_with(self.core.len(), || None);
        self.failing.resize(self.core.len(), false);
        self.retry_senders(Micros::now(), chan);
    }

    /// Opens the sockets missing. As keepalived, a session whose socket cannot be had is
    /// disabled (AdminDown: it neither sends nor answers) and its socket tried again every
    /// RETRY; once had, the session starts again from Down.
    fn retry_senders(&mut self, now: Micros, chan: &OwnedFd) {
        self.retry_at = None;
        for i in 0..self.core.len() {
            if self.senders.get(i).is_none_or(Option::is_some) {
                continue;
            }
            let inst = self.core.instance(i);
            self.seed = self.seed.wrapping_mul(0x9e37_79b9).wrapping_add(1);
            let to = SocketAddr::new(inst.neighbor, CONTROL_PORT);
            let usable = match BfdSender::open(to, inst.source, inst.ttl, self.seed) {
                Ok(s) => {
                    self.senders[i] = Some(s);
                    true
                }
                Err(e) => {
                    if self.core.session(i).state() != State::AdminDown {
                        say::socket_error(&inst.name, &e);
                        say::disabling(&inst.name);
                    }
                    self.retry_at = Some(now + RETRY);
                    false
                }
            };
            let r = self.core.set_usable(i, usable, now);
            report(&self.core, r, chan);
        }
    }

    /// SIGUSR1: the data file (a rare request; what it allocates is freed before the loop goes on).
    /// With `to_log` (`-d`, once at start, as keepalived's BFD process) its lines go to the log.
    fn write_data(&self, cfg: &Config, to_log: bool) {
        let fd = |s: &Option<BfdSender>| s.as_ref().map_or(-1, |s| s.as_raw_fd());
        let mut out: Vec<(i32, bool)> = Vec::with_capacity(self.senders.len());
        for (s, &f) in self.senders.iter().zip(&self.failing) {
            out.push((fd(s), f));
        }
        let fd_in = self
            .listeners
            .iter()
            .flatten()
            .next()
            .map_or(-1, |l| l.as_raw_fd());
        let io = super::dump::Io {
            fd_in,
            out: &out,
            now: Micros::now(),
            real_now: crate::core::time::real_now(),
        };
        if to_log {
            for line in super::dump::text(cfg, &self.core, &io).lines() {
                log::info!("{line}");
            }
        } else {
            super::dump::write(cfg, &self.core, &io);
        }
    }

    fn receive(&mut self, k: usize, chan: &OwnedFd) {
        let Some(l) = &self.listeners[k] else { return };
        let mut buf = [0u8; RX_BUF];
        loop {
            let d = match l.recv(&mut buf) {
                Ok(d) => d,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                // A queued ICMP error or a bad source: read on.
                Err(_) => continue,
            };
            let unspecified = if k == 0 {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            } else {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            };
            let at = Arrival {
                src: d.src,
                dst: d.dst.unwrap_or(unspecified),
                ttl: d.ttl,
            };
            let now = Micros::now();
            if let Ok(r) = self.core.handle_datagram(&buf[..d.len], at, now) {
                report(&self.core, r, chan);
            }
        }
    }

    /// Timers, then every packet due, then the timer for the next deadline.
    fn service(&mut self, lp: &mut EventLoop, chan: &OwnedFd) {
        let now = Micros::now();
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_senders(now, chan);
        }
        self.core
            .handle_timeout(now, |core, r| report(core, r, chan));
        let mut pkt = [0u8; LEN];
        while let Some(i) = self.core.poll_transmit(now, &mut pkt) {
            if let (Some(Some(s)), Some(failing)) = (self.senders.get(i), self.failing.get_mut(i)) {
                let ok = s.send(&pkt).is_ok();
                if !ok && !*failing {
                    say::send_error(&self.core.instance(i).name);
                }
                *failing = !ok;
            }
        }
        let next = match (self.core.poll_at(), self.retry_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if self.timer.map(|t| t.1) != next {
            if let Some((id, _)) = self.timer.take() {
                lp.cancel_timer(id);
            }
            if let Some(at) = next {
                self.timer = Some((lp.add_timer_at(at, BFD_TIMER), at));
            }
        }
    }
}

/// Tells the parent every session's state, as keepalived's BFD child does when it starts and
/// reloads: a BFD_CHECK whose neighbor never answers goes down, a new one learns its state.
fn tell_all(core: &Sessions, chan: &OwnedFd) {
    for i in 0..core.len() {
        let up = core.session(i).state() == State::Up;
        if let Some(ev) = BfdEvent::new(&core.instance(i).name, up) {
            let _ = link::send_bfd(chan.as_raw_fd(), &ev);
        }
    }
}

/// Logs what happened to a session and tells the parent, which passes it to the VRRP and
/// checker children.
fn report(core: &Sessions, r: Report, chan: &OwnedFd) {
    let name = &core.instance(r.index).name;
    let s = core.session(r.index);
    if let Some((new, old)) = r.outcome.detect_time {
        say::detect_time(name, new, old);
    }
    if let Some(c) = r.outcome.change {
        if c.from == State::Up {
            if let Some(silent) = r.outcome.expired_after {
                say::expired(name, silent, s.detect_time());
            }
        }
        say::change(name, &c, s.remote_diag());
    }
    if let Some(ev) = r.event().and_then(|e| BfdEvent::new(name, e.up)) {
        // The parent only fails to take it when it is going away, and so are we.
        let _ = link::send_bfd(chan.as_raw_fd(), &ev);
    }
}
