//! When a checker runs next and when its verdict changes: the retry / delay_before_retry /
//! delay_loop rules of keepalived 2.2.7, without sockets or clocks.
//!
//! keepalived presets the retry counter to `retry` at start, so the very first failure already
//! takes the checker down (and alpha checkers start down). Once a check has passed, a failure
//! is retried `retry` times, `delay_before_retry` apart, before the checker goes down.

use crate::config::lvs::Timing;
use crate::core::time::Micros;

mod web;

/// keepalived's BOOTSTRAP_DELAY: the first check is never sooner than this after start.
pub const BOOTSTRAP_DELAY: Micros = Micros::from_secs(1);

/// How a checker type retries. keepalived's checkers differ in small ways that change the
/// timing a user sees while a server is down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// TCP_CHECK: failures keep cycling through the retries even while down.
    Tcp,
    /// UDP_CHECK, PING_CHECK and dialog checkers: retries only while up.
    Layer4,
    /// MISC_CHECK: nothing counts while down; the next run is timed from the last start.
    Misc,
    /// HTTP_GET / SSL_GET: one url per run, in turn; see `sched/web.rs`.
    Web { urls: u16, fast_recovery: bool },
}

/// What the runner must report after a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// Nothing to say (a pass while up, a failure being retried).
    Quiet,
    /// A pass on the first run or while down: "... success.".
    Up,
    /// Down: on the first run (or with retry 0) no retry count, else after `retry` retries.
    Down { retries: Option<u32> },
    /// A failure that will be retried, with the retry number that follows (MISC logs these
    /// with log_all_failures).
    Retrying { attempt: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Run again this long after the check ended (MISC: after it started).
    pub next: Micros,
    pub report: Report,
    /// The checker's state to tell the real server: Some on every Up/Down report (the first
    /// one may repeat the current state: keepalived runs the RS notify for it).
    pub state: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct Sched {
    policy: Policy,
    retry: u32,
    delay_loop: Micros,
    delay_before_retry: Micros,
    is_up: bool,
    has_run: bool,
    retry_it: u32,
    /// HTTP_GET: the url the next run fetches, and the one that took the checker down.
    url: usize,
    failed_url: Option<usize>,
}

impl Sched {
    pub fn new(t: &Timing, policy: Policy) -> Sched {
        Sched {
            policy,
            retry: t.retry,
            delay_loop: t.delay_loop,
            delay_before_retry: t.delay_before_retry,
            is_up: !t.alpha,
            has_run: false,
            retry_it: t.retry,
            url: 0,
            failed_url: None,
        }
    }

    /// The first run: after BOOTSTRAP_DELAY plus a share of `warmup`; `rand` in 0..=u32::MAX
    /// picks the share (it spreads many checkers of one server over time).
    pub fn first_delay(warmup: Micros, rand: u32) -> Micros {
        BOOTSTRAP_DELAY + Micros(share_of(warmup.0, rand))
    }

    pub fn is_up(&self) -> bool {
        self.is_up
    }

    pub fn has_run(&self) -> bool {
        self.has_run
    }

    pub fn retry(&self) -> u32 {
        self.retry
    }

    pub fn delay_loop(&self) -> Micros {
        self.delay_loop
    }

    #[cfg(test)]
    pub fn delay_before_retry(&self) -> Micros {
        self.delay_before_retry
    }

    /// HTTP_GET: the url that took the checker down, while it is down.
    pub fn failed_url(&self) -> Option<usize> {
        self.failed_url
    }

    /// Failures retried so far in the current run of failures.
    pub fn retry_it(&self) -> u32 {
        self.retry_it
    }

    /// HTTP_GET: which url the next run fetches.
    pub fn url(&self) -> usize {
        self.url
    }

    /// Takes over the state of the same checker before a reload.
    pub fn adopt(&mut self, old: &Sched) {
        self.is_up = old.is_up;
        self.has_run = old.has_run;
        self.retry_it = old.retry_it.min(self.retry);
        self.url = old.url;
        self.failed_url = old.failed_url;
    }

    /// Sets the state of a checker without a schedule (FILE_CHECK).
    pub fn force(&mut self, up: bool) {
        self.is_up = up;
        self.has_run = true;
    }

    /// A check ended with `ok`.
    pub fn result(&mut self, ok: bool) -> Outcome {
        let out = match self.policy {
            Policy::Misc => self.misc(ok),
            Policy::Web {
                urls,
                fast_recovery,
            } => self.web(ok, usize::from(urls), fast_recovery),
            _ => self.layer4(ok),
        };
        // HTTP_GET has run once every url passed (or one failed): web() says when.
        if !matches!(self.policy, Policy::Web { .. }) {
            self.has_run = true;
        }
        if let Some(up) = out.state {
            self.is_up = up;
        }
        out
    }

    fn layer4(&mut self, ok: bool) -> Outcome {
        let counts = self.policy == Policy::Tcp || self.is_up || !self.has_run;
        let mut out = Outcome {
            next: self.delay_loop,
            report: Report::Quiet,
            state: None,
        };
        if ok || (counts && self.retry_it >= self.retry) {
            self.retry_it = 0;
            if ok && (!self.is_up || !self.has_run) {
                out.report = Report::Up;
                out.state = Some(true);
            } else if !ok && (self.is_up || !self.has_run) {
                let retries = (self.retry > 0 && self.has_run).then_some(self.retry);
                out.report = Report::Down { retries };
                out.state = Some(false);
            }
        } else if self.policy == Policy::Tcp || self.is_up {
            out.next = self.delay_before_retry;
            self.retry_it += 1;
            out.report = Report::Retrying {
                attempt: self.retry_it,
            };
        }
        out
    }

    fn misc(&mut self, ok: bool) -> Outcome {
        let mut out = Outcome {
            next: self.delay_loop,
            report: Report::Quiet,
            state: None,
        };
        if ok {
            if !self.is_up || !self.has_run {
                out.report = Report::Up;
                out.state = Some(true);
            }
            self.retry_it = 0;
        } else if self.is_up || !self.has_run {
            if self.retry_it < self.retry {
                self.retry_it += 1;
                out.report = Report::Retrying {
                    attempt: self.retry_it,
                };
            } else {
                self.retry_it = 0;
                out.report = Report::Down {
                    retries: (self.retry > 0).then_some(self.retry),
                };
                out.state = Some(false);
            }
        }
        if self.retry_it > 0 {
            out.next = self.delay_before_retry;
        }
        out
    }
}

/// `w * r / u32::MAX`, rounded down, in u64 arithmetic: u128's division alone was 2 KB of
/// every router binary. With `D = 2^32 - 1`, `w * r = P * 2^32 + Q` for `P = (w >> 32) * r` and
/// `Q = (w & 0xffff_ffff) * r`, and `P * 2^32 = P * D + P`, so the quotient is
/// `P + floor((P + Q) / D)`, the last term summed from the parts' quotients and remainders
/// (each remainder is below 2^32, so their sum fits).
fn share_of(w: u64, r: u32) -> u64 {
    const D: u64 = u32::MAX as u64;
    let r = u64::from(r);
    let (p, q) = ((w >> 32) * r, (w & D) * r);
    p + p / D + q / D + (p % D + q % D) / D
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(retry: u32, alpha: bool) -> Timing {
        Timing {
            delay_loop: Micros::from_secs(6),
            connect_timeout: Micros::from_secs(2),
            retry,
            delay_before_retry: Micros::from_secs(1),
            warmup: Micros::ZERO,
            alpha,
        }
    }

    const DL: Micros = Micros::from_secs(6);
    const DBR: Micros = Micros::from_secs(1);

    fn run(s: &mut Sched, results: &[bool]) -> Vec<(Micros, Report, Option<bool>)> {
        results
            .iter()
            .map(|&ok| {
                let o = s.result(ok);
                (o.next, o.report, o.state)
            })
            .collect()
    }

    #[test]
    fn a_first_failure_takes_a_fresh_checker_down_at_once() {
        let mut s = Sched::new(&timing(3, false), Policy::Tcp);
        let r = run(&mut s, &[false]);
        assert_eq!(r, vec![(DL, Report::Down { retries: None }, Some(false))]);
        assert!(!s.is_up());
    }

    #[test]
    fn once_up_it_takes_retry_plus_one_failures_spaced_by_delay_before_retry() {
        let mut s = Sched::new(&timing(2, false), Policy::Layer4);
        let r = run(&mut s, &[true, false, false, false, true]);
        assert_eq!(
            r,
            vec![
                (DL, Report::Up, Some(true)),
                (DBR, Report::Retrying { attempt: 1 }, None),
                (DBR, Report::Retrying { attempt: 2 }, None),
                (DL, Report::Down { retries: Some(2) }, Some(false)),
                (DL, Report::Up, Some(true)),
            ]
        );
    }

    #[test]
    fn a_pass_between_failures_resets_the_count() {
        let mut s = Sched::new(&timing(1, false), Policy::Layer4);
        let r = run(&mut s, &[true, false, true, false]);
        assert_eq!(r[2], (DL, Report::Quiet, None));
        assert_eq!(r[3], (DBR, Report::Retrying { attempt: 1 }, None));
        assert!(s.is_up());
    }

    #[test]
    fn tcp_keeps_retrying_while_down_but_udp_waits_the_delay_loop() {
        let mut tcp = Sched::new(&timing(1, false), Policy::Tcp);
        let mut udp = Sched::new(&timing(1, false), Policy::Layer4);
        let t = run(&mut tcp, &[false, false, false]);
        let u = run(&mut udp, &[false, false, false]);
        assert_eq!(t.iter().map(|x| x.0).collect::<Vec<_>>(), vec![DL, DBR, DL]);
        assert_eq!(u.iter().map(|x| x.0).collect::<Vec<_>>(), vec![DL, DL, DL]);
        assert!(t[1..].iter().all(|x| x.2.is_none()));
    }

    #[test]
    fn alpha_starts_down_and_reports_its_first_failure_unchanged() {
        let mut s = Sched::new(&timing(1, true), Policy::Layer4);
        assert!(!s.is_up());
        let r = run(&mut s, &[false, false, true]);
        assert_eq!(r[0], (DL, Report::Down { retries: None }, Some(false)));
        assert_eq!(r[1], (DL, Report::Quiet, None));
        assert_eq!(r[2], (DL, Report::Up, Some(true)));
    }

    #[test]
    fn misc_retries_then_reports_down_and_stays_quiet_while_down() {
        let mut s = Sched::new(&timing(1, false), Policy::Misc);
        let r = run(&mut s, &[true, false, false, false, true]);
        assert_eq!(
            r,
            vec![
                (DL, Report::Up, Some(true)),
                (DBR, Report::Retrying { attempt: 1 }, None),
                (DL, Report::Down { retries: Some(1) }, Some(false)),
                (DL, Report::Quiet, None),
                (DL, Report::Up, Some(true)),
            ]
        );
    }

    #[test]
    fn warmup_spreads_the_first_run_after_the_bootstrap_delay() {
        let w = Micros::from_secs(10);
        assert_eq!(Sched::first_delay(w, 0), BOOTSTRAP_DELAY);
        assert_eq!(Sched::first_delay(w, u32::MAX), BOOTSTRAP_DELAY + w);
        assert_eq!(Sched::first_delay(Micros::ZERO, 12345), BOOTSTRAP_DELAY);
        // The u64 arithmetic gives what u128's does, at the edges and in between.
        let ws = [
            0,
            1,
            999_999,
            u64::from(u32::MAX),
            1 << 32,
            (1 << 32) + 7,
            u64::MAX / 3,
        ];
        for w in ws.into_iter().chain([u64::MAX]) {
            for r in [0, 1, 2, 0x8000_0000, u32::MAX - 1, u32::MAX, 0x1234_5678] {
                let want = (u128::from(w) * u128::from(r) / u128::from(u32::MAX)) as u64;
                assert_eq!(super::share_of(w, r), want, "{w} * {r}");
            }
        }
    }
}
