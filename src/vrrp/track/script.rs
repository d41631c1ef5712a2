//! A vrrp_script's rise/fall counter, as keepalived keeps it (vrrp_scheduler.c): `result`
//! runs from 0 to rise + fall - 1 and the script is up from `rise` on. Successes climb to
//! rise, then jump to the top; failures step down to rise, then drop to 0. A script starts one
//! success short of up, so its first run decides either way, unless `init_fail` starts it at 0
//! (down).

use super::Level;
use crate::core::script::ScriptResult;

/// How one run ended, as keepalived words it in its log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// Exited non-zero.
    Exited(i32),
    /// Killed by a signal we did not send.
    Signal(i32),
    /// Overran its timeout and was killed.
    TimedOut,
}

impl Outcome {
    pub fn ok(self) -> bool {
        self == Outcome::Succeeded
    }
}

/// Where a script stands before its first run ends (keepalived's init_state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// No run has reported yet: the first decides (SCRIPT_INIT_STATE_INIT).
    Init,
    /// `init_fail`: down by config until runs bring it up (SCRIPT_INIT_STATE_FAILED).
    Failed,
    /// A run has reported, or its standing came over a reload (SCRIPT_INIT_STATE_DONE).
    Done,
    /// Init or Failed for a script a reload brought (SCRIPT_INIT_STATE_INIT_RELOAD): only the
    /// data file tells it apart, the counter never holds it.
    Reload,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptCounter {
    rise: u32,
    fall: u32,
    result: u32,
    start: Start,
}

impl ScriptCounter {
    pub fn new(rise: u32, fall: u32, init_fail: bool) -> Self {
        let (rise, fall) = (rise.max(1), fall.max(1));
        ScriptCounter {
            rise,
            fall,
            result: if init_fail { 0 } else { rise - 1 },
            start: if init_fail {
                Start::Failed
            } else {
                Start::Init
            },
        }
    }

    /// The counter for a script kept over a reload, possibly with new rise/fall: keepalived
    /// keeps its standing (the distance from `rise`) and logs "VRRP_Script(NAME) considered
    /// (un)successful on reload" (returned as Some(up)). One that had not reported yet starts
    /// afresh, silently.
    pub fn carried(
        old: &ScriptCounter,
        rise: u32,
        fall: u32,
        init_fail: bool,
    ) -> (Self, Option<bool>) {
        let mut new = ScriptCounter::new(rise, fall, init_fail);
        if old.start == Start::Init {
            return (ScriptCounter::new(rise, fall, false), None);
        }
        let top = new.rise + new.fall - 1;
        let up = old.result >= old.rise;
        new.result = if !up {
            if old.result == 0 {
                0
            } else {
                new.rise.saturating_sub(old.rise - old.result)
            }
        } else if old.result == old.rise + old.fall - 1 {
            top
        } else {
            (new.rise + (old.result - old.rise)).min(top)
        };
        new.start = Start::Done;
        (new, Some(up))
    }

    /// keepalived's `result`: 0 to rise + fall - 1, up from `rise` on.
    pub fn result(&self) -> u32 {
        self.result
    }

    pub fn start(&self) -> Start {
        self.start
    }

    /// Whether the script counts as up now; None until its first run for a script without
    /// `init_fail`.
    #[cfg(test)]
    pub fn up(&self) -> Option<bool> {
        if self.start == Start::Init {
            None
        } else {
            Some(self.result >= self.rise)
        }
    }

    /// One run ended: Some(new state) when the script goes up or down (keepalived then logs
    /// "VRRP_Script(NAME) succeeded/failed").
    pub fn on_result(&mut self, ok: bool) -> Option<bool> {
        let top = self.rise + self.fall - 1;
        let change = if ok {
            if self.result + 1 < self.rise {
                self.result += 1;
                None
            } else if self.result != top {
                let fire = self.result < self.rise;
                self.result = top;
                fire.then_some(true)
            } else {
                None
            }
        } else if self.result > self.rise {
            self.result -= 1;
            None
        } else {
            let fire = self.result == self.rise || self.start == Start::Init;
            self.result = 0;
            fire.then_some(false)
        };
        self.start = Start::Done;
        change
    }
}

/// What one run of a tracked vrrp_script tells, for keepalived's lines and the instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Report {
    /// Exit 127 from a program that cannot be exec'd: keepalived logs the command and
    /// counts the run as a success.
    pub(crate) exec_error: bool,
    /// The exit status, when it differs from the last run's ("Script `NAME` now returning").
    pub(crate) now_returning: Option<i32>,
    /// How the run ended and the script's new level, when the run moved it up or down.
    pub(crate) changed: Option<(Outcome, Level)>,
}

/// A tracked vrrp_script's standing between runs: its counter and last exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScriptState {
    counter: ScriptCounter,
    last_status: i32,
}

impl ScriptState {
    pub(crate) fn new(rise: u32, fall: u32, init_fail: bool) -> Self {
        ScriptState {
            counter: ScriptCounter::new(rise, fall, init_fail),
            last_status: 0,
        }
    }

    /// The state of a script kept over a reload (see [`ScriptCounter::carried`]).
    pub(crate) fn carried(
        old: &ScriptState,
        rise: u32,
        fall: u32,
        init_fail: bool,
    ) -> (Self, Option<bool>) {
        let (counter, up) = ScriptCounter::carried(&old.counter, rise, fall, init_fail);
        let s = ScriptState {
            counter,
            last_status: old.last_status,
        };
        (s, up)
    }

    /// keepalived's `result` (see [`ScriptCounter::result`]).
    pub(crate) fn result(&self) -> u32 {
        self.counter.result()
    }

    pub(crate) fn start(&self) -> Start {
        self.counter.start()
    }

    /// One run ended with `res`; `exec_failed` says whether the program cannot be exec'd
    /// (asked only for exit 127, which our runner also uses for a failed exec).
    pub(crate) fn on_exit(
        &mut self,
        res: ScriptResult,
        exec_failed: impl FnOnce() -> bool,
    ) -> Report {
        let mut exec_error = false;
        let outcome = match res {
            ScriptResult::Exited(0) => Outcome::Succeeded,
            ScriptResult::Exited(127) if exec_failed() => {
                exec_error = true;
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
        let mut now_returning = None;
        if let Some(c) = status {
            if c != self.last_status {
                now_returning = Some(c);
            }
            self.last_status = c;
        }
        let changed = self.counter.on_result(outcome.ok()).map(|up| {
            let level = if up { Level::Up } else { Level::Down };
            (outcome, level)
        });
        Report {
            exec_error,
            now_returning,
            changed,
        }
    }
}
