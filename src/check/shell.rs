//! The checker child's loop: the parent's hellos, signals, and the runner's sockets, timers
//! and scripts. It owns the runner and the real servers' side ([`Servers`]: the manager and
//! IPVS), which hears the runner's results and asks for scripts the runner runs. A reload
//! rebuilds the runner from the new config; unchanged checkers keep their state, and all start
//! again after the bootstrap delay and warmup, as in keepalived.

use std::os::fd::OwnedFd;
use std::path::Path;

use log::{error, info};

use crate::check::checkers::run::{Runner, View};
use crate::check::servers::Servers;
use crate::check::shell_snmp;
use crate::cli::Options;
use crate::config::global::Child;
use crate::config::Config;
use crate::core::event_loop::{Event, EventLoop};
use crate::core::sched;
use crate::core::smtp::driver::Alerts;
use crate::core::smtp::Settings;
use crate::core::time::Micros;
use crate::core::tokens::{
    CHECK_SNMP_AGENTX, CHECK_SNMP_AGENTX_TIMER, SMTP_ALERT, SMTP_ALERT_TIMER, SOCKET_BASE,
};
use crate::core::watchdog::child::{self, STOP_GRACE};

// run's short cut to the runner takes every io token from SOCKET_BASE up and every timer token
// from there to CHECK_SNMP_AGENTX_TIMER: the shell's own sources must lie outside.
const _: () = assert!(
    child::PARENT_TOKEN < SOCKET_BASE
        && SMTP_ALERT < SOCKET_BASE
        && CHECK_SNMP_AGENTX < SOCKET_BASE
        && CHECK_SNMP_AGENTX_TIMER < SMTP_ALERT_TIMER
);

struct Shell<'a> {
    opts: &'a Options,
    cfg: Config,
    runner: Runner,
    servers: Servers,
    alerts: Alerts,
    snmp: Option<shell_snmp::Snmp>,
    stop: bool,
    /// Allocations and frees of SIGUSR1's data file, left out of --mem-check's counts.
    dump_allocs: (u64, u64),
}

impl Shell<'_> {
    /// Sends the alerts the real servers' side worded, and its SNMP traps.
    fn send_mails(&mut self, lp: &mut EventLoop) {
        // Most wakes have none: no drain made and dropped for them.
        if self.servers.has_mails() {
            for m in self.servers.take_mails() {
                self.alerts.send(lp, m);
            }
        }
        shell_snmp::send_traps(&mut self.snmp, &self.cfg, self.servers.trap_queue());
    }

    #[inline(never)]
    fn on_event(&mut self, lp: &mut EventLoop, ev: Event, chan: &OwnedFd) {
        match ev {
            Event::Io {
                token: child::PARENT_TOKEN,
                ..
            } => {
                let (runner, servers) = (&mut self.runner, &mut self.servers);
                let detail = self.opts.log_detail;
                let gone = child::parent_said(chan, |ev| {
                    if detail {
                        ev.log_received(Micros::now());
                    }
                    runner.on_bfd(lp, ev.name(), ev.up, servers);
                });
                if gone {
                    self.stop = true;
                }
            }
            Event::Io {
                token: SMTP_ALERT,
                readable,
                writable,
                closed,
            } => self.alerts.on_io(lp, readable || closed, writable),
            Event::Timer {
                id,
                token: SMTP_ALERT_TIMER,
            } => self.alerts.on_timer(lp, id),
            Event::Io {
                token: CHECK_SNMP_AGENTX,
                ..
            } => shell_snmp::on_io(
                &mut self.snmp,
                lp,
                &self.cfg,
                &view(&self.runner, &self.servers),
            ),
            Event::Timer {
                id,
                token: CHECK_SNMP_AGENTX_TIMER,
            } => shell_snmp::on_timer(
                &mut self.snmp,
                lp,
                id,
                &self.cfg,
                &view(&self.runner, &self.servers),
            ),
            Event::Io {
                token,
                readable,
                writable,
                closed,
            } => {
                let ready = (readable, writable, closed);
                self.runner.on_io(lp, token, ready, &mut self.servers);
            }
            Event::Timer { id, token } => {
                self.runner.on_timer(lp, id, token, &mut self.servers);
            }
            Event::ChildExit { pid, status } => {
                self.runner
                    .on_child_exit(lp, pid, status, &mut self.servers);
            }
            Event::Signal { signo, .. } => match signo {
                libc::SIGTERM | libc::SIGINT => self.stop = true,
                // With --mem-check, how much the checks allocate (tests/bench/checkers.sh).
                libc::SIGUSR2 if self.opts.mem_check => {
                    let s = crate::core::alloc::stats();
                    info!(
                        "Allocations: {} frees {} live bytes {}",
                        s.allocs - self.dump_allocs.0,
                        s.frees - self.dump_allocs.1,
                        s.live_bytes
                    );
                }
                libc::SIGUSR1 => {
                    let before = crate::core::alloc::stats();
                    crate::check::data::write(&self.cfg, &view(&self.runner, &self.servers));
                    let after = crate::core::alloc::stats();
                    self.dump_allocs.0 += after.allocs - before.allocs;
                    self.dump_allocs.1 += after.frees - before.frees;
                }
                libc::SIGHUP => {
                    info!("Reloading");
                    sched::pause(&self.cfg.global.child_sched(Child::Checker).0);
                    if let Some(new) =
                        crate::config::reload_config(self.opts, self.cfg.interface_names())
                    {
                        self.runner.stop(lp);
                        self.servers.reload(&new);
                        shell_snmp::send_gone_traps(
                            &mut self.snmp,
                            &self.cfg,
                            self.servers.trap_queue(),
                        );
                        let mut runner = Runner::new(&new);
                        runner.adopt(&self.runner, (&self.cfg, &new), &mut self.servers);
                        self.runner = runner;
                        self.runner.start(lp, &new, &mut self.servers);
                        let was = self.cfg.global.child_sched(Child::Checker);
                        let s = new.global.child_sched(Child::Checker);
                        sched::child(s, Some(was), PROCESS_NAME, "checker");
                        self.cfg = new;
                        self.alerts.set_settings(settings(&self.cfg, self.opts));
                        let live = view(&self.runner, &self.servers);
                        shell_snmp::reload(&mut self.snmp, lp, &self.cfg, self.opts, &live);
                        info!("Reload complete");
                    } else {
                        let s = self.cfg.global.child_sched(Child::Checker);
                        sched::child(s, Some(s), PROCESS_NAME, "checker");
                    }
                }
                _ => {}
            },
        }
    }
}

/// The process name the checker child logs as (its /proc comm is truncated to 15 bytes).
pub const PROCESS_NAME: &str = "Keepalived_healthcheckers";

/// Runs the checkers of `cfg` over the loop `enter` made, reporting to `servers`. Returns the
/// exit code.
pub fn run(
    mut lp: EventLoop,
    cfg: Config,
    opts: &Options,
    chan: OwnedFd,
    pidfile: &Path,
    servers: Servers,
) -> i32 {
    if !child::watch_parent(&mut lp, &chan, "Healthcheck") {
        return 1;
    }
    lp.coarse_timers();
    let alerts = Alerts::new(settings(&cfg, opts), SMTP_ALERT, SMTP_ALERT_TIMER);
    let mut sh = Shell {
        opts,
        runner: Runner::new(&cfg),
        cfg,
        servers,
        alerts,
        snmp: None,
        stop: false,
        dump_allocs: (0, 0),
    };
    sh.runner.start(&mut lp, &sh.cfg, &mut sh.servers);
    sh.servers.flush();
    if opts.dump_conf {
        crate::check::data::log_text(&sh.cfg, &view(&sh.runner, &sh.servers));
    }
    sh.snmp = shell_snmp::start(&mut lp, &sh.cfg, opts, &view(&sh.runner, &sh.servers));
    sh.runner.run_sink_scripts(&mut lp, &mut sh.servers);
    sh.send_mails(&mut lp);
    // Once the checkers are set up, as keepalived's checker child does.
    let s = sh.cfg.global.child_sched(Child::Checker);
    sched::child(s, None, PROCESS_NAME, "checker");
    give_back_parse_memory();
    info!("Startup complete");
    let mut code = 0;
    while !sh.stop {
        let r = lp.run_once(|lp, ev| match ev {
            // The checks' own sockets and timers, nearly every event of a wake: straight to
            // the runner, not through on_event's frame for all the shell's sources.
            Event::Io {
                token,
                readable,
                writable,
                closed,
            } if token >= SOCKET_BASE => {
                let ready = (readable, writable, closed);
                sh.runner.on_io(lp, token, ready, &mut sh.servers);
            }
            Event::Timer { id, token }
                if (SOCKET_BASE..CHECK_SNMP_AGENTX_TIMER).contains(&token) =>
            {
                sh.runner.on_timer(lp, id, token, &mut sh.servers);
            }
            _ => sh.on_event(lp, ev, &chan),
        });
        if let Err(e) = r {
            error!("Healthcheck child process: event loop failed: {e}");
            code = 1;
            break;
        }
        // Once a wake, not once an event: a wake of a thousand checkers holds dozens of
        // events, and a checker's own change runs its scripts at once (Runner::exec).
        sh.runner.run_sink_scripts(&mut lp, &mut sh.servers);
        sh.send_mails(&mut lp);
        sh.servers.flush();
    }
    sh.runner.stop(&mut lp);
    shell_snmp::stop(
        &mut sh.snmp,
        &mut lp,
        &sh.cfg,
        opts,
        sh.servers.trap_queue(),
    );
    let lines = !opts.dont_release_ipvs && sh.cfg.global.lvs.flush_on_stop.is_none();
    sh.servers.stop(lines);
    if sh.runner.run_sink_scripts(&mut lp, &mut sh.servers) {
        // Let omega's notify_down and quorum_down scripts finish (they die with us otherwise).
        let until = Micros::now() + STOP_GRACE;
        lp.add_timer(STOP_GRACE, crate::core::tokens::STOP_GRACE_TIMER);
        while sh.runner.scripts_running() > 0 && Micros::now() < until {
            let r = lp.run_once(|lp, ev| {
                if let Event::ChildExit { pid, status } = ev {
                    sh.runner.on_child_exit(lp, pid, status, &mut sh.servers);
                }
            });
            if r.is_err() {
                break;
            }
        }
    }
    crate::core::daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
    info!("Stopped");
    sh.servers.release(opts.dont_release_ipvs);
    code
}

/// The checkers' and real servers' state now, for the data file and SNMP.
fn view<'a>(runner: &'a Runner, servers: &'a Servers) -> View<'a> {
    View {
        runner,
        mgr: servers.manager(),
    }
}

fn settings(cfg: &Config, opts: &Options) -> Option<Settings> {
    crate::config::global::alert_settings(&cfg.global, opts.log_detail)
}

/// The child starts with the parent's heap, freed parse buffers and all, resident: hand the
/// free pages back (glibc keeps them; musl's allocator returns them by itself).
fn give_back_parse_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only releases free heap memory.
    unsafe {
        libc::malloc_trim(0);
    }
}
