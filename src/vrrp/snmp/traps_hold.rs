//! When a trap goes (sans-IO, virtual clock). keepalived opens its AgentX session before its
//! instances start, blocking until the master answers, so the traps of their first states go;
//! later, net-snmp has no trap session while the master is away and drops what is raised then.
//! Our subagent connects without blocking, so traps raised before the first session is up are
//! held for it, as long as keepalived would have waited for its open (the session's answer
//! deadline); after that a trap goes at once or is dropped.

use crate::core::time::Micros;

/// What becomes of a trap raised now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Send,
    /// Kept to go when the first session is up (after those kept before it).
    Hold,
    /// The session is down: lost, as net-snmp loses it.
    Drop,
}

/// What to do with the traps held, at an event of the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waiting {
    Keep,
    Send,
    Drop,
}

pub(crate) struct FirstSession {
    /// Until when traps wait for the first session; None once it came or the wait ended.
    until: Option<Micros>,
}

impl FirstSession {
    /// The subagent starts at `now`; its first session may take until `now + wait`.
    pub(crate) fn new(now: Micros, wait: Micros) -> FirstSession {
        FirstSession {
            until: Some(now + wait),
        }
    }

    fn waiting(&self, now: Micros) -> bool {
        self.until.is_some_and(|u| now < u)
    }

    /// A trap is raised at `now`; `ready`: the session would take it; `held`: traps wait.
    pub(crate) fn raise(&self, now: Micros, ready: bool, held: bool) -> Fate {
        match (self.waiting(now), ready && !held) {
            (_, true) => Fate::Send,
            (true, false) => Fate::Hold,
            (false, false) => Fate::Drop,
        }
    }

    /// At an event of the session (`ready`: it is up): the held traps go once it is, and
    /// are dropped if it did not come in time. Either ends the wait.
    pub(crate) fn on_session(&mut self, now: Micros, ready: bool) -> Waiting {
        if self.until.is_none() {
            return Waiting::Drop;
        }
        if !self.waiting(now) {
            self.until = None;
            return Waiting::Drop;
        }
        if ready {
            self.until = None;
            return Waiting::Send;
        }
        Waiting::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Micros = Micros(5_000_000);
    const T0: Micros = Micros(1_000_000);

    fn at(ms: u64) -> Micros {
        Micros(T0.0 + ms * 1000)
    }

    #[test]
    fn traps_of_the_first_states_wait_for_the_first_session_then_go_in_order() {
        let mut f = FirstSession::new(T0, WAIT);
        assert_eq!(f.raise(at(1), false, false), Fate::Hold);
        // Once one waits, the next waits behind it even if the session is up.
        assert_eq!(f.raise(at(2), true, true), Fate::Hold);
        assert_eq!(f.on_session(at(3), false), Waiting::Keep);
        assert_eq!(f.on_session(at(40), true), Waiting::Send);
        assert_eq!(f.raise(at(41), true, false), Fate::Send);
    }

    #[test]
    fn a_first_session_too_late_loses_the_held_traps_and_later_ones_while_down() {
        let mut f = FirstSession::new(T0, WAIT);
        assert_eq!(f.raise(at(1), false, false), Fate::Hold);
        assert_eq!(f.on_session(at(5000), true), Waiting::Drop);
        assert_eq!(f.raise(at(5001), false, false), Fate::Drop);
        assert_eq!(f.raise(at(5002), true, false), Fate::Send);
    }

    #[test]
    fn after_the_first_session_a_trap_raised_while_down_is_dropped() {
        let mut f = FirstSession::new(T0, WAIT);
        assert_eq!(f.on_session(at(10), true), Waiting::Send);
        assert_eq!(f.raise(at(20), false, false), Fate::Drop);
        assert_eq!(f.on_session(at(30), false), Waiting::Drop);
        assert_eq!(f.raise(at(40), true, false), Fate::Send);
    }
}
