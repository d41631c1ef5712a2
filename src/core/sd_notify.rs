//! systemd's readiness protocol (sd_notify(3)) without I/O: which lines the parent sends, and
//! when it may feed systemd's watchdog.
//!
//! keepalived 2.2.7 says `READY=1` once every child has read its config, `RELOADING=1` at a
//! SIGHUP, `READY=1` again once every child has reloaded, `STOPPING=1` at the stop, and only
//! when its parent is PID 1 named systemd. Ours says the same, plus `MONOTONIC_USEC=` and
//! `STATUS=` lines, whenever `NOTIFY_SOCKET` is set (a supervisor that sets it wants to hear).
//! A child counts as running once it echoes a hello sent after its fork or its SIGHUP: its
//! loop runs, so its config is read.
//!
//! keepalived has no systemd watchdog. Ours is fed at half `WATCHDOG_USEC`, and only while
//! every child answered its last hello (or, while that one is in flight, the one before): a
//! child the parent cannot kill (or a stuck parent) starves it, and systemd restarts the unit.
//!
//! Call order: `child_started` after each fork (then send that child hello 0), `started` once
//! the first children are forked, `hello_sent`/`echo` as hellos go and come, `child_gone` at
//! a child's end, `reloading`/`reload_refused`/`reload_sent` around a SIGHUP, `watchdog_due`
//! every [`Notifier::watchdog_period`], `stopping` once.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;

use crate::core::time::Micros;

/// Children the parent may run (VRRP, checkers).
pub(crate) const CHILDREN: usize = 2;
/// The hello the parent sends right after a fork or a SIGHUP; the regular hellos count from 1,
/// so its echo is told apart (and ignored by the hung-child count).
pub(crate) const PROBE_SEQ: u32 = 0;

/// Where `NOTIFY_SOCKET` points: a path, or an abstract name (`@name`, sent with a leading NUL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    Path(&'a std::path::Path),
    Abstract(&'a [u8]),
}

impl Target<'_> {
    /// systemd's forms we can reach with AF_UNIX; anything else (vsock, relative) is ignored.
    pub(crate) fn parse(v: &OsStr) -> Option<Target<'_>> {
        let b = v.as_bytes();
        match b.first() {
            Some(b'/') => Some(Target::Path(std::path::Path::new(v))),
            Some(b'@') if b.len() > 1 => Some(Target::Abstract(&b[1..])),
            _ => None,
        }
    }
}

/// How often to feed the watchdog, as sd_watchdog_enabled(3) reads the environment: a
/// positive `WATCHDOG_USEC`, and `WATCHDOG_PID`, when set, naming this process. systemd kills
/// after `WATCHDOG_USEC` without a ping, so we ping at half of it.
pub(crate) fn watchdog_period(
    usec: Option<&OsStr>,
    pid: Option<&OsStr>,
    me: u32,
) -> Option<Micros> {
    let num = |v: &OsStr| std::str::from_utf8(v.as_bytes()).ok()?.parse::<u64>().ok();
    let usec = num(usec?)?;
    if usec == 0 {
        return None;
    }
    if let Some(p) = pid {
        if num(p)? != u64::from(me) {
            return None;
        }
    }
    Some(Micros((usec / 2).max(1)))
}

/// One notification datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// Every child runs: at start and after a reload.
    Ready {
        pid: u32,
    },
    /// A SIGHUP arrived at `at` (CLOCK_MONOTONIC), as `Type=notify-reload` wants it.
    Reloading {
        at: Micros,
    },
    /// The new config has errors: the old one goes on.
    ReloadRefused {
        pid: u32,
    },
    Stopping,
    Watchdog,
    /// The watchdog goes unfed because child `name` stopped answering hellos.
    Starved {
        name: &'static str,
    },
    /// Fed again after `Starved`.
    Recovered,
}

/// A datagram's text; sized for the longest note.
pub(crate) type Text = heapless::String<128>;

impl Note {
    /// The datagram: a head, maybe a number, a tail (one formatting site keeps the binary small).
    pub(crate) fn text(&self) -> Text {
        let (head, num, tail) = match *self {
            Note::Ready { pid } => (
                "READY=1\nMAINPID=",
                Some(u64::from(pid)),
                "\nSTATUS=Running",
            ),
            Note::Reloading { at } => (
                "RELOADING=1\nMONOTONIC_USEC=",
                Some(at.0),
                "\nSTATUS=Reloading the configuration",
            ),
            Note::ReloadRefused { pid } => (
                "READY=1\nMAINPID=",
                Some(u64::from(pid)),
                "\nSTATUS=Running; the new configuration has errors",
            ),
            Note::Stopping => ("STOPPING=1\nSTATUS=Stopping", None, ""),
            Note::Watchdog => ("WATCHDOG=1", None, ""),
            Note::Starved { name } => ("STATUS=", None, name),
            Note::Recovered => ("WATCHDOG=1\nSTATUS=Running", None, ""),
        };
        let mut t = Text::new();
        // Every note fits the buffer (a unit test writes each); a cut one would still parse.
        let _ = t.push_str(head);
        if let Some(n) = num {
            let _ = write!(t, "{n}");
        }
        let _ = t.push_str(tail);
        if let Note::Starved { .. } = self {
            let _ = t.push_str(" child does not answer its hellos");
        }
        t
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for every child to answer its first hello.
    Starting,
    Ready,
    /// Waiting for every child to answer a hello sent after its SIGHUP.
    Reloading,
    Stopping,
}

#[derive(Clone, Copy, Debug, Default)]
struct Kid {
    running: bool,
    /// Answered a hello sent after its fork or last SIGHUP.
    up: bool,
    /// The last regular hello sent, and whether it came back.
    sent: u32,
    answered: bool,
    /// The hello before it came back before this one left.
    answered_before: bool,
}

impl Kid {
    /// A SIGHUP does not count against it: a long reload still answers when done.
    fn alive(&self) -> bool {
        self.answered || self.answered_before
    }
}

/// The parent's readiness state.
#[derive(Debug)]
pub(crate) struct Notifier {
    pid: u32,
    names: [&'static str; CHILDREN],
    watchdog: Option<Micros>,
    phase: Phase,
    kids: [Kid; CHILDREN],
    starved: bool,
}

impl Notifier {
    /// For the parent `pid`, its children named `names` (for STATUS lines), feeding the
    /// watchdog every `watchdog` if set.
    pub(crate) fn new(pid: u32, names: [&'static str; CHILDREN], watchdog: Option<Micros>) -> Self {
        Notifier {
            pid,
            names,
            watchdog,
            phase: Phase::Starting,
            kids: [Kid::default(); CHILDREN],
            starved: false,
        }
    }

    pub(crate) fn watchdog_period(&self) -> Option<Micros> {
        self.watchdog
    }

    /// Child `i` was forked and sent hello 0.
    pub(crate) fn child_started(&mut self, i: usize) {
        if let Some(k) = self.kids.get_mut(i) {
            *k = Kid {
                running: true,
                ..Kid::default()
            };
        }
    }

    /// The first children are forked (maybe none: no config to run).
    pub(crate) fn started(&mut self) -> Option<Note> {
        self.settled()
    }

    /// Child `i` ended; nobody waits for it any more.
    pub(crate) fn child_gone(&mut self, i: usize) -> Option<Note> {
        if let Some(k) = self.kids.get_mut(i) {
            k.running = false;
        }
        self.settled()
    }

    /// Regular hello `seq` leaves for child `i`.
    pub(crate) fn hello_sent(&mut self, i: usize, seq: u32) {
        if let Some(k) = self.kids.get_mut(i) {
            k.answered_before = k.answered;
            k.answered = false;
            k.sent = seq;
        }
    }

    /// Child `i` echoed hello `seq`.
    pub(crate) fn echo(&mut self, i: usize, seq: u32) -> Option<Note> {
        let k = self.kids.get_mut(i)?;
        if seq == PROBE_SEQ {
            // A living loop answers at once: count it as having answered the last hello too.
            k.up = true;
            k.answered = true;
            return self.settled();
        }
        if seq == k.sent {
            k.answered = true;
        }
        None
    }

    /// A SIGHUP at `now`, before the new config is read.
    pub(crate) fn reloading(&mut self, now: Micros) -> Option<Note> {
        if self.phase == Phase::Stopping {
            return None;
        }
        self.phase = Phase::Reloading;
        Some(Note::Reloading { at: now })
    }

    /// The new config was refused; the old one runs on.
    pub(crate) fn reload_refused(&mut self) -> Option<Note> {
        if self.phase != Phase::Reloading {
            return None;
        }
        self.phase = Phase::Ready;
        Some(Note::ReloadRefused { pid: self.pid })
    }

    /// The running children got their SIGHUP, then hello 0; new ones are `child_started`.
    pub(crate) fn reload_sent(&mut self) -> Option<Note> {
        for k in self.kids.iter_mut().filter(|k| k.running) {
            k.up = false;
        }
        self.settled()
    }

    /// Stopping (SIGTERM, or a child's permanent error).
    pub(crate) fn stopping(&mut self) -> Option<Note> {
        if self.phase == Phase::Stopping {
            return None;
        }
        self.phase = Phase::Stopping;
        Some(Note::Stopping)
    }

    /// The watchdog period elapsed: feed it if every running child is alive. A STATUS line
    /// says when that stops and starts again.
    pub(crate) fn watchdog_due(&mut self) -> Option<Note> {
        // Not before the first READY: systemd waits for that under its own start timeout.
        if self.watchdog.is_none() || matches!(self.phase, Phase::Starting | Phase::Stopping) {
            return None;
        }
        let silent = self
            .kids
            .iter()
            .zip(self.names)
            .find(|(k, _)| k.running && !k.alive());
        match (silent, self.starved) {
            (Some(_), true) => None,
            (Some((_, name)), false) => {
                self.starved = true;
                Some(Note::Starved { name })
            }
            (None, true) => {
                self.starved = false;
                Some(Note::Recovered)
            }
            (None, false) => Some(Note::Watchdog),
        }
    }

    /// READY once nobody is waited for any more.
    fn settled(&mut self) -> Option<Note> {
        let waiting = matches!(self.phase, Phase::Starting | Phase::Reloading);
        if !waiting || self.kids.iter().any(|k| k.running && !k.up) {
            return None;
        }
        self.phase = Phase::Ready;
        Some(Note::Ready { pid: self.pid })
    }
}

#[cfg(test)]
mod tests;
