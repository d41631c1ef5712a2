//! Value readers for global_defs: each reports a bad or missing value as a warning
//! naming the keyword and returns `None`, so the setting keeps keepalived's default.

use super::super::diag::Diagnostics;
use super::super::tree::Node;
use super::super::value::parse_bool;
use super::types::RunAs;
use crate::core::time::Micros;

/// Longest process name the kernel keeps (TASK_COMM_LEN - 1).
pub(super) const TASK_COMM_MAX: usize = 15;
/// IPVS connection timeouts are capped at 31 days.
pub(super) const LVS_MAX_TIMEOUT: u64 = 86400 * 31;

pub(super) fn warn_bad(n: &Node, what: &str, got: &str, d: &mut Diagnostics) {
    d.warn(
        n.loc,
        format_args!("'{}': expected {what}, got '{got}' - ignoring", n.keyword()),
    );
}

/// Argument `i` as a decimal integer in `lo..=hi`, or a warning.
pub(super) fn unsigned(n: &Node, i: usize, lo: u64, hi: u64, d: &mut Diagnostics) -> Option<u64> {
    let what = format!("an integer in {lo}..{hi}");
    let Some(s) = n.arg(i) else {
        d.warn(n.loc, format!("'{}' needs {what} - ignoring", n.keyword()));
        return None;
    };
    let v = crate::config::iproute::tables::parse_decimal(s, u64::MAX)
        .filter(|v| (lo..=hi).contains(v));
    if v.is_none() {
        warn_bad(n, &what, s, d);
    }
    v
}

pub(super) fn signed(n: &Node, i: usize, lo: i64, hi: i64, d: &mut Diagnostics) -> Option<i64> {
    let what = format!("an integer in {lo}..{hi}");
    let Some(s) = n.arg(i) else {
        d.warn(n.loc, format!("'{}' needs {what} - ignoring", n.keyword()));
        return None;
    };
    let v = parse_c_long(s).filter(|v| (lo..=hi).contains(v));
    if v.is_none() {
        warn_bad(n, &what, s, d);
    }
    v
}

/// A decimal number of seconds with microsecond resolution in `lo..=u32::MAX` µs.
pub(super) fn decimal_secs(n: &Node, lo: Micros, d: &mut Diagnostics) -> Option<Micros> {
    let what = format!(
        "a time in seconds from {}.{:06} to 4294.967295",
        lo.0 / 1_000_000,
        lo.0 % 1_000_000
    );
    let Some(s) = n.arg(0) else {
        d.warn(n.loc, format!("'{}' needs {what} - ignoring", n.keyword()));
        return None;
    };
    let (v, exact) = match parse_decimal_micros(s) {
        Some((v, exact)) => (
            Some(v).filter(|t| *t >= lo && t.0 <= u64::from(u32::MAX)),
            exact,
        ),
        None => (None, true),
    };
    if v.is_none() {
        warn_bad(n, &what, s, d);
    } else if !exact {
        // keepalived complains but keeps the value, rounded to the microsecond.
        d.warn(
            n.loc,
            format_args!("'{}': '{s}' has too many decimal places", n.keyword()),
        );
    }
    v
}

/// Seconds with up to 6 decimals as keepalived reads them: more decimals are rounded
/// (second value false), a sign or other characters make it invalid.
fn parse_decimal_micros(s: &str) -> Option<(Micros, bool)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) {
        return None;
    }
    let mut us: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    for i in 0..6 {
        let dgt = frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
        us = us.checked_mul(10)?.checked_add(dgt)?;
    }
    let exact = frac.len() <= 6;
    if frac.as_bytes().get(6).is_some_and(|b| *b >= b'5') {
        us += 1;
    }
    Some((Micros(us), exact))
}

/// C `strtol(s, _, 10)` on a whole word: blanks, a sign, digits; empty is 0.
fn parse_c_long(s: &str) -> Option<i64> {
    let t = s.trim_start();
    if t.is_empty() {
        return s.is_empty().then_some(0);
    }
    let (neg, digits) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// `KEYWORD [BOOL]`: alone means true; a bad value leaves the setting alone.
pub(super) fn opt_bool(n: &Node, d: &mut Diagnostics) -> Option<bool> {
    match n.arg(0) {
        None => Some(true),
        Some(s) => {
            let v = parse_bool(s);
            if v.is_none() {
                warn_bad(n, "on|off|true|false|yes|no", s, d);
            }
            v
        }
    }
}

pub(super) fn string(n: &Node, d: &mut Diagnostics) -> Option<String> {
    let v = n.arg(0).map(str::to_string);
    if v.is_none() {
        d.warn(
            n.loc,
            format_args!("'{}' needs a value - ignoring", n.keyword()),
        );
    }
    v
}

/// `[USER [GROUP]]` from argument `from` on: `Ok(None)` when absent, `Err` naming the
/// user/group this system doesn't know (each caller reacts as keepalived does).
pub(super) fn run_as(n: &Node, from: usize) -> Result<Option<RunAs>, String> {
    let Some(user) = n.arg(from) else {
        return Ok(None);
    };
    let group = n.arg(from + 1);
    if !user_exists(user) || group.is_some_and(|g| !group_exists(g)) {
        let g = group.map(|g| format!(" {g}")).unwrap_or_default();
        return Err(format!("unknown user/group '{user}{g}'"));
    }
    Ok(Some((user.to_string(), group.map(str::to_string))))
}

pub(super) fn user_exists(name: &str) -> bool {
    crate::core::script::user_exists(name)
}

pub(super) fn group_exists(name: &str) -> bool {
    crate::core::script::group_exists(name)
}

pub(super) fn online_cpus() -> u32 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    u32::try_from(n).unwrap_or(1).max(1)
}
