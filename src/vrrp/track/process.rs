//! vrrp_track_process: which processes match, and the quorum with its fork/terminate delays
//! (a change must last that long before it counts, so a restart does not bounce instances).

use crate::config::track::{ParamMatch, TrackProcess};
use crate::core::time::Micros;

/// The kernel keeps 15 bytes of a process name (TASK_COMM_LEN - 1).
const COMM_LEN: usize = 15;

/// How a process is recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcMatch {
    pub name: String,
    pub params: Vec<String>,
    pub param_match: ParamMatch,
    /// Compare the command line, not the process name.
    pub full_command: bool,
}

impl ProcMatch {
    pub fn from_config(t: &TrackProcess) -> Self {
        ProcMatch {
            name: t.process.clone(),
            params: t.params.clone(),
            param_match: t.param_match,
            full_command: t.full_command,
        }
    }

    /// `comm`: /proc/PID/comm without its newline; `cmdline`: /proc/PID/cmdline (NUL
    /// separated), only read when [`ProcMatch::full_command`] is set.
    pub fn matches(&self, comm: &[u8], cmdline: &[u8]) -> bool {
        if !self.full_command {
            let want = self.name.as_bytes();
            return comm == &want[..want.len().min(COMM_LEN)];
        }
        let mut args = cmdline
            .strip_suffix(b"\0")
            .unwrap_or(cmdline)
            .split(|b| *b == 0);
        if args.next() != Some(self.name.as_bytes()) {
            return false;
        }
        let want = &self.params;
        let n = want.len();
        let mut got = 0;
        for (i, arg) in args.enumerate() {
            let ok = match self.param_match {
                ParamMatch::None => return true,
                // keepalived compares the configured parameters, NUL-joined, with the start of
                // the command line's: `initial` leaves out the last NUL, so the last parameter
                // only has to begin the process's argument, and later arguments never matter.
                ParamMatch::Initial if i + 1 == n => arg.starts_with(want[i].as_bytes()),
                ParamMatch::Exact => i < n && arg == want[i].as_bytes(),
                _ if i >= n => break,
                _ => arg == want[i].as_bytes(),
            };
            if !ok {
                return false;
            }
            got = i + 1;
        }
        self.param_match == ParamMatch::None || got >= n
    }
}

/// Quorum state of one tracked process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quorum {
    quorum: u32,
    quorum_max: u32,
    fork_delay: Micros,
    terminate_delay: Micros,
    have: Option<bool>,
    /// A change waiting out its delay.
    pending: Option<(bool, Micros)>,
}

impl Quorum {
    pub fn from_config(t: &TrackProcess) -> Self {
        Quorum {
            quorum: t.quorum,
            quorum_max: t.quorum_max,
            fork_delay: t.fork_delay.unwrap_or(Micros::ZERO),
            terminate_delay: t.terminate_delay.unwrap_or(Micros::ZERO),
            have: None,
            pending: None,
        }
    }

    #[cfg(test)]
    pub fn have(&self) -> Option<bool> {
        self.have
    }

    /// When a delayed change falls due.
    pub fn deadline(&self) -> Option<Micros> {
        self.pending.map(|p| p.1)
    }

    /// `count` matching processes seen at `now`: Some(quorum) when the quorum state changes.
    /// The first count decides at once (as keepalived's scan at start).
    pub fn update(&mut self, count: u32, now: Micros) -> Option<bool> {
        let ok = count >= self.quorum && count <= self.quorum_max;
        match self.have {
            None => {
                self.have = Some(ok);
                Some(ok)
            }
            Some(h) if h == ok => {
                self.pending = None;
                None
            }
            Some(_) => {
                let delay = if ok {
                    self.fork_delay
                } else {
                    self.terminate_delay
                };
                if delay == Micros::ZERO {
                    self.pending = None;
                    self.have = Some(ok);
                    return Some(ok);
                }
                if self.pending.map(|p| p.0) != Some(ok) {
                    self.pending = Some((ok, now + delay));
                }
                self.on_timer(now)
            }
        }
    }

    /// Applies a delayed change that is due.
    pub fn on_timer(&mut self, now: Micros) -> Option<bool> {
        match self.pending {
            Some((ok, at)) if at <= now => {
                self.pending = None;
                self.have = Some(ok);
                Some(ok)
            }
            _ => None,
        }
    }
}
