//! A slot's phase machine, apart from the loop: what a slot does next given its timer, its
//! socket's readiness, its script's exit or its dialog's verdict, as a [`Cmd`] that
//! [`Runner::exec`] carries out (register, reregister or deregister the socket, arm the
//! timer, spawn the script, tell the sink).
//!
//! A slot's phases:
//! - `Idle`, its timer armed for the next run: at start after the bootstrap delay plus a
//!   random share of `warmup` ([`Sched::first_delay`]), then `delay_loop` (or
//!   `delay_before_retry` while retrying) after each check. With ha_suspend, a run that finds the address not local is skipped
//!   and the next one armed `delay_loop` later.
//! - `Connecting` (TCP): the socket opened non-blocking, watched for writable (and
//!   readable, with a dialog), the timer at `connect_timeout`. Writable: connected (SO_ERROR 0) with a dialog goes on to
//!   `Talking`, a bare TCP_CHECK passes, an error fails; the timer: a timeout.
//! - `Talking`: a dialog's bytes move (a datagram socket starts here); its verdict or the
//!   timer ends the check (a connected stream's timeout is a read timeout; UDP_CHECK
//!   without require_reply passes on silence).
//! - `Script(started)`: MISC_CHECK's script runs; its exit is the verdict, and the next run
//!   is `delay_loop` after it started.
//! - The end of a check closes the socket. SMTP_CHECK with `host {}` blocks: a pass on one
//!   host moves to the next one (1 µs later, on a new connection) within the same check;
//!   the check passes after the last host, fails at the first host that fails, and starts
//!   again at the first host. Else the schedule ([`Sched`]) takes the result: retries, the
//!   state to report, the lines to log, the next run.
//! - FILE_CHECK has no phase: its file's changes drive it ([`Runner::file_value`]).

use super::*;

/// What the loop side does next for a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmd {
    /// Nothing until the slot's next event.
    Wait,
    /// Arm the slot's timer this long from now (replacing the one armed).
    Arm(Micros),
    /// The check is due: look whether the ha_suspend address is local, then [`Slot::begin`].
    Begin,
    /// Spawn the MISC_CHECK script.
    Script,
    /// Open a socket of this kind to the host being checked, watched for this.
    Open(Kind, Interest),
    /// Connected, a dialog follows: move its first bytes (the socket is watched both ways
    /// since it opened), and read when `read`: the connect's event said the peer spoke
    /// already, as an SMTP server's banner may, and that edge is the only one it gets.
    Talk { read: bool },
    /// The read cap of one wake was hit: re-arm the socket so the loop wakes us again.
    Rearm(Interest),
    /// The check (or one SMTP host's part of it) ended: close the socket, then
    /// [`Slot::conclude`].
    Finish(Result<(), Failure>),
    /// The checker's result to carry out.
    Done(Done),
}

/// A checker's result: its state to tell the sink (with the scripts the sink asks for),
/// then a dynamic weight that comes after it, then the next run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Done {
    pub state: Option<bool>,
    /// Its first result, and its state before it.
    pub first: bool,
    pub was_up: bool,
    pub weight_after: Option<i64>,
    /// None: no timer (FILE_CHECK).
    pub next: Option<Micros>,
    /// Why it went down, for its mail.
    pub down: Option<DownReason>,
}

impl Slot {
    /// The runner starts: the checker is active unless its ha_suspend address is not local
    /// (`local`, None without ha_suspend); its first run comes after the bootstrap delay and
    /// the share of warmup `rand` picks.
    pub(super) fn activate(&mut self, local: Option<bool>, rand: u32) -> Cmd {
        let enabled = local.unwrap_or(true);
        info!(
            "{}ctivating healthchecker for service {} for VS {}",
            if enabled { "A" } else { "Dea" },
            self.rs,
            self.vs
        );
        self.enabled = enabled;
        Cmd::Arm(Sched::first_delay(self.warmup, rand))
    }

    /// Its timer fired.
    pub(super) fn timer_fired(&self) -> Cmd {
        match self.phase {
            Phase::Idle => Cmd::Begin,
            Phase::Connecting | Phase::Talking => {
                let talking = self.phase == Phase::Talking;
                Cmd::Finish(match &self.probe {
                    Probe::Datagram {
                        silence_passes: true,
                        ..
                    } if talking => Ok(()),
                    // Connected: the dialog checkers' lines call it a read timeout.
                    Probe::Stream(_) if talking => Err(Failure::ReadTimeout),
                    _ => Err(Failure::Timeout),
                })
            }
            Phase::Script(_) => Cmd::Wait,
        }
    }

    /// The check is due. `local`: whether the ha_suspend address is local now (None
    /// without ha_suspend).
    pub(super) fn begin(&mut self, local: Option<bool>) -> Cmd {
        if let Some(local) = local {
            if local != self.enabled {
                info!(
                    "{}ing healthchecker for service {} for VS {}",
                    if local { "Activat" } else { "Suspend" },
                    self.rs,
                    self.vs
                );
                self.enabled = local;
            }
            if !local {
                return Cmd::Arm(self.sched.delay_loop());
            }
        }
        match &mut self.probe {
            Probe::NotYet | Probe::File(_) | Probe::Bfd { .. } => Cmd::Wait,
            Probe::Misc(_) => Cmd::Script,
            Probe::Stream(None) => Cmd::Open(Kind::Tcp, Interest::WRITABLE),
            Probe::Stream(Some(d)) => {
                d.select(self.sched.url());
                // Watched both ways from the start: talking needs no re-registration.
                Cmd::Open(Kind::Tcp, Interest::READABLE | Interest::WRITABLE)
            }
            Probe::Datagram { kind, dialog, .. } => {
                dialog.reset();
                Cmd::Open(*kind, Interest::READABLE)
            }
        }
    }

    /// A TCP checker of one host (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK without host
    /// blocks) keeps its socket between checks.
    pub(super) fn keeps_socket(&self) -> bool {
        matches!(self.probe, Probe::Stream(_)) && self.hosts.is_empty()
    }

    /// The host being checked: `conn`, then SMTP_CHECK's host blocks.
    pub(super) fn target(&self) -> Option<&ConnOpts> {
        match self.host {
            0 => self.conn.as_ref(),
            h => self.hosts.get(h - 1),
        }
    }

    /// The socket could not be opened: a failed check when connect said nobody is there,
    /// else (as keepalived) a line and another try after delay_loop with the checker's state
    /// untouched; UDP_CHECK and PING_CHECK count every error as a failure.
    pub(super) fn open_failed(&self, e: sock::OpenError, v6: bool) -> Cmd {
        let counted = matches!(self.words, Words::Udp | Words::Icmp);
        match e {
            sock::OpenError::Connect => return Cmd::Finish(Err(Failure::Unreachable)),
            sock::OpenError::Setup(_) if counted => return Cmd::Finish(Err(Failure::Failed)),
            sock::OpenError::Setup(line) => {
                info!("{line}");
                words::setup_failed_line(self);
            }
            sock::OpenError::Socket => words::no_socket_line(self, v6),
        }
        Cmd::Arm(self.sched.delay_loop())
    }

    /// The socket of `kind` is open and watched: a stream connects first.
    pub(super) fn opened(&mut self, kind: Kind) -> Micros {
        self.phase = if kind == Kind::Tcp {
            Phase::Connecting
        } else {
            Phase::Talking
        };
        self.connect_timeout
    }

    /// Writable while connecting; `failed`: SO_ERROR says the connect failed; `heard`: the
    /// same event said readable (or hung up).
    pub(super) fn connected(&mut self, failed: bool, heard: bool) -> Cmd {
        if failed {
            return Cmd::Finish(Err(Failure::Failed));
        }
        match &mut self.probe {
            Probe::Stream(Some(d)) => {
                d.reset();
                self.phase = Phase::Talking;
                Cmd::Talk { read: heard }
            }
            _ => Cmd::Finish(Ok(())),
        }
    }

    /// The check ended (its socket closed): the next SMTP host, or the schedule's result
    /// with its lines logged.
    pub(super) fn conclude(&mut self, r: Result<(), Failure>) -> Cmd {
        self.phase = Phase::Idle;
        if r.is_ok() && self.host < self.hosts.len() {
            // SMTP_CHECK host blocks: on to the next host, the check goes on.
            self.host += 1;
            return Cmd::Arm(Micros(1));
        }
        if r.is_ok() {
            self.host = 0;
        }
        let (first, was_up) = (!self.sched.has_run(), self.sched.is_up());
        let out = self.sched.result(r.is_ok());
        if let Err(why) = r {
            // SMTP_CHECK and DNS_CHECK log the failure that takes them down even without
            // log_all_failures.
            let last = matches!(self.words, Words::Smtp | Words::Dns)
                && matches!(out.report, Report::Down { .. });
            if (was_up && self.log_all) || last {
                failure_line(self, why, &out);
            }
        } else if !was_up && self.words == Words::Web {
            url_line(self);
        }
        report_line(self, &out);
        let down = match (r, self.words, out.state) {
            (Err(f), Words::Smtp, Some(false)) => {
                self.smtp_host().map(|c| DownReason::Smtp(f, c.dst))
            }
            _ => None,
        };
        Cmd::Done(Done {
            state: out.state,
            first,
            was_up,
            weight_after: None,
            next: Some(out.next),
            down,
        })
    }
}

impl Runner {
    /// Slot `i`'s MISC_CHECK script ended at `now` with `res`.
    pub(super) fn misc_done(
        &mut self,
        i: usize,
        res: ScriptResult,
        now: Micros,
        sink: &mut dyn Sink,
    ) -> Cmd {
        let Some(s) = self.slots.get_mut(i) else {
            return Cmd::Wait;
        };
        let Phase::Script(started) = s.phase else {
            return Cmd::Wait;
        };
        s.phase = Phase::Idle;
        let Probe::Misc(m) = &mut s.probe else {
            return Cmd::Wait;
        };
        let (first, was_up) = (!s.sched.has_run(), s.sched.is_up());
        let verdict = m.verdict(res);
        let out = s.sched.result(verdict.ok);
        // keepalived sets a dynamic weight before the state change that comes with it, and
        // drops it after the one that takes the server down.
        let weight = m.weight_change(&verdict, &out);
        let id = s.id;
        if let (Some(w), true) = (weight, out.state != Some(false)) {
            s.weight = Some(w);
            let eff = rs_weight(&self.slots, i);
            sink.weight_changed(id, eff);
        }
        let s = &self.slots[i];
        let Probe::Misc(m) = &s.probe else {
            return Cmd::Wait;
        };
        let at = misc::Where {
            rs: &s.rs,
            vs: &s.vs,
            retry: s.sched.retry(),
            log_all: s.log_all && was_up,
        };
        if let Some(line) = misc::log_line(m, &at, &verdict, &out) {
            info!("{line}");
        }
        let next = (started + out.next).saturating_sub(now).max(Micros(1));
        Cmd::Done(Done {
            state: out.state,
            first,
            was_up,
            weight_after: weight.filter(|_| out.state == Some(false)),
            next: Some(next),
            down: (verdict.exit_type == misc::TIMED_OUT && out.state == Some(false))
                .then_some(DownReason::MiscTimedOut),
        })
    }
}

#[cfg(test)]
#[path = "phase_tests.rs"]
mod tests;
