//! HTTP_GET / SSL_GET: keepalived 2.2.7's url sequencing (check_http.c `epilog`).
//!
//! Each run fetches one url; a pass moves on to the next url after `delay_loop`, so a checker
//! with n urls takes n runs to go round. The checker is up once every url passed in turn. A
//! failing url is fetched again `delay_before_retry` later, `retry` times; then the checker is
//! down and that url alone is polled every max(delay_before_retry, delay_loop). When it passes,
//! the whole list is walked again before the checker comes back up.

use super::{Micros, Outcome, Report, Sched};

impl Sched {
    pub(super) fn web(&mut self, ok: bool, urls: usize, fast_recovery: bool) -> Outcome {
        let mut out = Outcome {
            next: self.delay_loop,
            report: Report::Quiet,
            state: None,
        };
        // keepalived counts a failure only while up or before the first run; it marks the
        // checker as run before judging it, which is why even the very first failure is
        // logged "after <retry> retries".
        let retry = !ok && (self.is_up || !self.has_run);
        if retry {
            self.has_run = true;
        }
        if ok {
            self.url += 1;
            self.retry_it = 0;
        } else if retry {
            self.retry_it += 1;
        }
        let round_done = ok && self.url >= urls;
        if round_done && self.failed_url.is_none() {
            if !self.is_up || !self.has_run {
                out.report = Report::Up;
                out.state = Some(true);
                self.has_run = true;
            }
            self.url = 0;
            self.retry_it = 0;
        } else if retry && self.retry_it > self.retry {
            if self.is_up {
                let retries = (self.retry > 0).then_some(self.retry_it - 1);
                out.report = Report::Down { retries };
                out.state = Some(false);
            }
            self.failed_url = Some(self.url);
        } else if ok && self.failed_url.is_some() {
            // The url that failed passes again: walk the whole list from the start.
            self.failed_url = None;
            self.url = 0;
            self.retry_it = 0;
        } else if retry {
            out.report = Report::Retrying {
                attempt: self.retry_it,
            };
        }
        if ok {
            if !self.has_run {
                // Until every url has passed once, one failure is enough.
                self.retry_it = self.retry;
            }
        } else if self.failed_url.is_some() {
            out.next = self.delay_before_retry.max(self.delay_loop);
        } else {
            out.next = self.delay_before_retry;
        }
        // Only a pass hurries the next fetch: keepalived 2.2.7 also reruns a failed one at
        // once (down, no failed url), which spins on connects while the server fails.
        if ok && fast_recovery && (!self.has_run || (!self.is_up && self.failed_url.is_none())) {
            out.next = Micros::ZERO;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::Policy;
    use super::*;
    use crate::config::lvs::Timing;

    const DL: Micros = Micros::from_secs(6);
    const DBR: Micros = Micros::from_secs(2);
    const SLOW: Micros = Micros::from_secs(9);

    fn sched(retry: u32, alpha: bool, urls: u16, dbr: Micros) -> Sched {
        let t = Timing {
            delay_loop: DL,
            connect_timeout: Micros::from_secs(2),
            retry,
            delay_before_retry: dbr,
            warmup: Micros::ZERO,
            alpha,
        };
        Sched::new(
            &t,
            Policy::Web {
                urls,
                fast_recovery: false,
            },
        )
    }

    /// (url fetched, delay to the next run, report, state) per result.
    fn run(s: &mut Sched, results: &[bool]) -> Vec<(usize, Micros, Report, Option<bool>)> {
        results
            .iter()
            .map(|&ok| {
                let url = s.url();
                let o = s.result(ok);
                (url, o.next, o.report, o.state)
            })
            .collect()
    }

    #[test]
    fn urls_are_fetched_one_per_run_and_the_checker_is_up_after_the_last() {
        let mut s = sched(1, false, 2, DBR);
        let r = run(&mut s, &[true, true, true, true]);
        assert_eq!(
            r,
            vec![
                (0, DL, Report::Quiet, None),
                (1, DL, Report::Up, Some(true)),
                (0, DL, Report::Quiet, None),
                (1, DL, Report::Quiet, None),
            ]
        );
    }

    #[test]
    fn a_failing_url_is_retried_then_polled_alone_until_it_passes_then_all_are_rechecked() {
        let mut s = sched(2, false, 2, DBR);
        let r = run(
            &mut s,
            &[
                true, true, true, false, false, false, false, true, true, true,
            ],
        );
        assert_eq!(
            r,
            vec![
                (0, DL, Report::Quiet, None),
                (1, DL, Report::Up, Some(true)),
                (0, DL, Report::Quiet, None),
                (1, DBR, Report::Retrying { attempt: 1 }, None),
                (1, DBR, Report::Retrying { attempt: 2 }, None),
                (1, DL, Report::Down { retries: Some(2) }, Some(false)),
                (1, DL, Report::Quiet, None),
                // url 1 is back: start again from url 0.
                (1, DL, Report::Quiet, None),
                (0, DL, Report::Quiet, None),
                (1, DL, Report::Up, Some(true)),
            ]
        );
    }

    #[test]
    fn the_first_failure_takes_a_fresh_checker_down_and_is_logged_after_retry_retries() {
        let mut s = sched(3, false, 2, DBR);
        let r = run(&mut s, &[true, false]);
        assert_eq!(
            r[1],
            (1, DL, Report::Down { retries: Some(3) }, Some(false))
        );
        let mut s = sched(0, false, 1, DBR);
        let r = run(&mut s, &[false]);
        assert_eq!(r[0], (0, DL, Report::Down { retries: None }, Some(false)));
    }

    #[test]
    fn a_failed_url_is_polled_at_the_longer_of_the_two_delays() {
        let mut s = sched(1, false, 1, SLOW);
        let r = run(&mut s, &[true, false, false, false]);
        assert_eq!(r[1].1, SLOW);
        assert_eq!(
            r[2],
            (0, SLOW, Report::Down { retries: Some(1) }, Some(false))
        );
        assert_eq!(r[3], (0, SLOW, Report::Quiet, None));
    }

    #[test]
    fn alpha_failures_are_quiet_and_a_full_round_brings_it_up() {
        let mut s = sched(1, true, 2, DBR);
        let r = run(&mut s, &[false, true, true, true]);
        assert_eq!(r[0], (0, DL, Report::Quiet, None));
        assert_eq!(r[1], (0, DL, Report::Quiet, None));
        assert_eq!(r[2], (0, DL, Report::Quiet, None));
        assert_eq!(r[3], (1, DL, Report::Up, Some(true)));
    }

    /// Two urls, retry 1, with fast_recovery.
    fn two_urls_fast_recovery() -> Sched {
        let t = Timing {
            delay_loop: DL,
            connect_timeout: Micros::from_secs(2),
            retry: 1,
            delay_before_retry: DBR,
            warmup: Micros::ZERO,
            alpha: false,
        };
        Sched::new(
            &t,
            Policy::Web {
                urls: 2,
                fast_recovery: true,
            },
        )
    }

    #[test]
    fn fast_recovery_runs_the_next_url_at_once_while_not_up() {
        let mut s = two_urls_fast_recovery();
        let r = run(&mut s, &[true, true, true]);
        assert_eq!(r[0].1, Micros::ZERO);
        assert_eq!(r[1], (1, DL, Report::Up, Some(true)));
        assert_eq!(r[2].1, DL);
    }

    #[test]
    fn fast_recovery_never_reruns_a_failed_fetch_at_once() {
        // Down with no failed url (the failed url passed once, then a fetch fails): keepalived
        // 2.2.7 reruns at once here, a busy loop of connects for as long as the server fails.
        let mut s = two_urls_fast_recovery();
        let r = run(&mut s, &[true, true, false, false, true, false, false]);
        assert_eq!(r[1].3, Some(true));
        assert_eq!(r[3].3, Some(false));
        // The failed url passes: the round starts again at once, as keepalived does.
        assert_eq!(r[4].1, Micros::ZERO);
        // Its fetch fails: wait delay_before_retry, every time.
        assert_eq!((r[5].0, r[5].1), (0, DBR));
        assert_eq!((r[6].0, r[6].1), (0, DBR));
        assert!(!s.is_up());
    }
}
