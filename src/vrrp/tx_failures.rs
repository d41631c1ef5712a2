//! Adverts that could not be built or sent. Each one counts; the first is logged at once and
//! then at most one line per `LOG_EVERY`, with how many went unlogged, so a master that has
//! gone silent says so without flooding the log at ten adverts a second.

use std::io;

use crate::config::vrrp::Family;
use crate::core::time::Micros;

const LOG_EVERY: Micros = Micros::from_secs(10);

/// Why an advert did not leave.
pub(crate) enum NotSent<'a> {
    /// The interface has no address of the instance's family to send from.
    NoSource { ifname: &'a str, family: Family },
    /// The socket refused it.
    Send(&'a io::Error),
}

#[derive(Default)]
pub(crate) struct TxFailures {
    total: u64,
    unlogged: u64,
    last_log: Option<Micros>,
}

impl TxFailures {
    /// Counts one failure at `now`. `Some((total, unlogged))` when a line is due: every
    /// failure so far, and how many since the last line went unreported.
    pub(crate) fn count(&mut self, now: Micros) -> Option<(u64, u64)> {
        self.total = self.total.saturating_add(1);
        if self
            .last_log
            .is_some_and(|t| now.saturating_sub(t) < LOG_EVERY)
        {
            self.unlogged = self.unlogged.saturating_add(1);
            return None;
        }
        self.last_log = Some(now);
        Some((self.total, std::mem::take(&mut self.unlogged)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failure_is_reported_then_one_line_per_period_with_the_count() {
        let t0 = Micros::from_secs(1000);
        let mut f = TxFailures::default();
        assert_eq!(f.count(t0), Some((1, 0)));
        for k in 1..100 {
            assert_eq!(f.count(t0 + Micros(k * 100_000 - 1)), None);
        }
        assert_eq!(f.count(t0 + LOG_EVERY), Some((101, 99)));
        // After a long quiet spell the next failure is reported at once.
        assert_eq!(f.count(t0 + Micros::from_secs(3600)), Some((102, 0)));
    }
}
