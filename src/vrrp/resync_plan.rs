//! When the VRRP child reads the interface table again after lost notifications or a removed
//! source address (the shell's `resync` carries it out): requests coalesce into one read, a read
//! nobody waits for is put off until address changes pause (a flood of them would interrupt
//! every dump anyway), and a failed read is retried with a bounded back-off.

use crate::core::time::Micros;
use crate::core::timer::TimerId;

/// A read nobody waits for starts once address changes have paused this long...
const QUIET: Micros = Micros(500_000);
/// ...or this long after it was first asked for, whatever happens meanwhile.
const MAX_DEFER: Micros = Micros::from_secs(10);
/// A failed read is retried after this, doubled per failure up to `RETRY_MAX`.
const RETRY_FIRST: Micros = Micros(100_000);
const RETRY_MAX: Micros = Micros::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Urgency {
    /// Only the addresses of interfaces no instance sends from may be behind.
    WhenQuiet,
    /// An instance's source address went away: read at the next turn of the loop.
    Soon,
}

#[derive(Default)]
pub(crate) struct Resync {
    pub(crate) timer: Option<(TimerId, Micros)>,
    pub(crate) due: Option<Urgency>,
    pub(crate) first_asked: Micros,
    pub(crate) last_addr_event: Micros,
    pub(crate) failures: u32,
    pub(crate) retry_at: Micros,
    /// Receive buffer overruns since the last complete read (the first of a burst is logged).
    pub(crate) overruns: u32,
}

impl Resync {
    /// When the read should start, if one is wanted.
    pub(crate) fn next_at(&self) -> Option<Micros> {
        let due = self.due?;
        if self.failures > 0 {
            return Some(self.retry_at);
        }
        Some(match due {
            Urgency::Soon => self.first_asked,
            Urgency::WhenQuiet => (self.last_addr_event + QUIET).min(self.first_asked + MAX_DEFER),
        })
    }

    pub(crate) fn ask(&mut self, now: Micros, urgency: Urgency) {
        if self.due.is_none() {
            self.first_asked = now;
        }
        self.due = self.due.max(Some(urgency));
    }

    pub(crate) fn failed(&mut self, now: Micros) -> Micros {
        let shift = self.failures.min(16);
        self.failures += 1;
        let wait = Micros(RETRY_FIRST.0.saturating_mul(1 << shift)).min(RETRY_MAX);
        self.retry_at = now + wait;
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Micros = Micros(1_000_000_000);

    fn ms(n: u64) -> Micros {
        Micros(n * 1000)
    }

    #[test]
    fn a_read_nobody_waits_for_waits_for_the_changes_to_pause() {
        assert_eq!(Resync::default().next_at(), None);
        let mut r = Resync {
            last_addr_event: T0,
            ..Default::default()
        };
        r.ask(T0, Urgency::WhenQuiet);
        assert_eq!(r.next_at(), Some(T0 + QUIET));
        // Changes go on: the read moves with them...
        r.last_addr_event = T0 + ms(3000);
        assert_eq!(r.next_at(), Some(T0 + ms(3000) + QUIET));
        // ...but not past MAX_DEFER from the first request.
        r.last_addr_event = T0 + ms(20_000);
        assert_eq!(r.next_at(), Some(T0 + MAX_DEFER));
    }

    #[test]
    fn a_lost_source_address_is_read_at_once_even_when_a_quiet_read_waits() {
        let mut r = Resync {
            last_addr_event: T0,
            ..Default::default()
        };
        r.ask(T0, Urgency::WhenQuiet);
        r.ask(T0 + ms(10), Urgency::Soon);
        assert_eq!(r.next_at(), Some(T0));
        // A later quiet request does not slow it down again.
        r.ask(T0 + ms(20), Urgency::WhenQuiet);
        assert_eq!(r.next_at(), Some(T0));
    }

    #[test]
    fn failed_reads_back_off_to_a_bound() {
        let mut r = Resync::default();
        r.ask(T0, Urgency::Soon);
        assert_eq!(r.failed(T0), ms(100));
        assert_eq!(r.next_at(), Some(T0 + ms(100)));
        assert_eq!(r.failed(T0), ms(200));
        assert_eq!(r.failed(T0), ms(400));
        for _ in 0..40 {
            r.failed(T0);
        }
        assert_eq!(r.failed(T0), RETRY_MAX);
        assert_eq!(r.next_at(), Some(T0 + RETRY_MAX));
    }
}
