//! The timing a checker runs with once the virtual server → real server → checker inheritance
//! and the checker type's own defaults are applied (keepalived resolves these at load).

use super::real_server::RealServer;
use super::virtual_server::VirtualServer;
use crate::config::checker::{Checker, CheckerKind};
use crate::core::time::Micros;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub(crate) delay_loop: Micros,
    pub(crate) connect_timeout: Micros,
    /// Failures tolerated after the first before the checker goes down.
    pub(crate) retry: u32,
    pub(crate) delay_before_retry: Micros,
    /// The first run is within 1 s + random(0..warmup).
    pub(crate) warmup: Micros,
    /// Start failed and wait for a success before adding the real server.
    pub(crate) alpha: bool,
}

/// `retry` when no level sets it: MISC_CHECK 0, DNS_CHECK 3, others 1.
fn default_retry(kind: &CheckerKind) -> u32 {
    match kind {
        CheckerKind::Misc(_) => 0,
        CheckerKind::Dns(_) => 3,
        _ => 1,
    }
}

/// `delay_before_retry` when no level sets it: HTTP/SSL 3 s, DNS the delay_loop, others 1 s.
fn default_delay_before_retry(kind: &CheckerKind, delay_loop: Micros) -> Micros {
    match kind {
        CheckerKind::Http(_) | CheckerKind::Ssl(_) => Micros::from_secs(3),
        CheckerKind::Dns(_) => delay_loop,
        _ => Micros::from_secs(1),
    }
}

pub(crate) fn checker_timing(vs: &VirtualServer, rs: &RealServer, c: &Checker) -> Timing {
    let k = &c.common;
    let delay_loop = k.delay_loop.or(rs.delay_loop).unwrap_or(vs.delay_loop);
    Timing {
        delay_loop,
        connect_timeout: k
            .connect_timeout
            .or(rs.connect_timeout)
            .unwrap_or(vs.connect_timeout),
        retry: k
            .retry
            .or(rs.retry)
            .or(vs.retry)
            .unwrap_or_else(|| default_retry(&c.kind)),
        delay_before_retry: k
            .delay_before_retry
            .or(rs.delay_before_retry)
            .or(vs.delay_before_retry)
            .unwrap_or_else(|| default_delay_before_retry(&c.kind, delay_loop)),
        warmup: k.warmup.or(rs.warmup).or(vs.warmup).unwrap_or(delay_loop),
        alpha: k.alpha.or(rs.alpha).unwrap_or(vs.alpha),
    }
}
