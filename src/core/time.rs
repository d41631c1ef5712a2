//! Time units. keepalived keeps every timer in microseconds; so do we, behind a newtype
//! so that seconds, centiseconds and microseconds cannot be mixed up.

use std::fmt;
use std::ops::{Add, Sub};

/// A duration or a point on the monotonic clock, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(pub u64);

impl Micros {
    pub(crate) const ZERO: Micros = Micros(0);

    pub(crate) const fn from_secs(s: u64) -> Self {
        Micros(s.saturating_mul(1_000_000))
    }

    #[cfg(test)]
    pub(crate) const fn from_millis(ms: u64) -> Self {
        Micros(ms.saturating_mul(1_000))
    }

    pub(crate) const fn from_centis(cs: u64) -> Self {
        Micros(cs.saturating_mul(10_000))
    }

    pub(crate) const fn as_secs(self) -> u64 {
        self.0 / 1_000_000
    }

    pub(crate) const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    pub(crate) fn saturating_sub(self, o: Micros) -> Micros {
        Micros(self.0.saturating_sub(o.0))
    }

    /// The earliest of `times` that is set. A loop, not `into_iter().flatten().min()`,
    /// which was ~300 bytes of MIPS code at each caller.
    pub(crate) fn earliest(times: &[Option<Micros>]) -> Option<Micros> {
        let mut first: Option<Micros> = None;
        for t in times {
            let Some(t) = *t else { continue };
            if first.is_none_or(|f| t < f) {
                first = Some(t);
            }
        }
        first
    }

    /// Now on CLOCK_MONOTONIC.
    pub(crate) fn now() -> Micros {
        // SAFETY: all zeros is a timespec (integers, and the padding a 64-bit tv_sec brings on
        // 32-bit musl, which has no literal syntax); clock_gettime writes into the one we own
        // and CLOCK_MONOTONIC always exists on Linux.
        let ts = unsafe {
            let mut ts: libc::timespec = std::mem::zeroed();
            libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
            ts
        };
        Micros(ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000)
    }
}

/// CLOCK_MONOTONIC as a Duration, for std's `Instant` (see [`real_now`]).
pub(crate) fn monotonic() -> std::time::Duration {
    let m = Micros::now();
    std::time::Duration::from_micros(m.0)
}

/// The real time since the epoch (CLOCK_REALTIME; zero before 1970). Ours rather than std's
/// `SystemTime::now`, whose `unwrap` of the clock's result keeps `<io::Error as Debug>` and with it
/// the Unicode escape tables in the router binaries (cross/README.md).
pub(crate) fn real_now() -> std::time::Duration {
    // SAFETY: as in `Micros::now`; CLOCK_REALTIME always exists on Linux.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts);
        ts
    };
    match (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) {
        (Ok(s), Ok(ns)) => std::time::Duration::new(s, ns),
        _ => std::time::Duration::ZERO,
    }
}

impl Add for Micros {
    type Output = Micros;
    // Out of line where u64 is two registers: a saturating add is a dozen instructions there,
    // and was inlined at some 45 places.
    #[cfg_attr(target_pointer_width = "32", inline(never))]
    fn add(self, o: Micros) -> Micros {
        Micros(self.0.saturating_add(o.0))
    }
}

impl Sub for Micros {
    type Output = Micros;
    fn sub(self, o: Micros) -> Micros {
        Micros(self.0.saturating_sub(o.0))
    }
}

impl fmt::Display for Micros {
    /// Seconds with the fraction keepalived's config would accept back, e.g. `1`, `0.5`, `0.000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0 / 1_000_000;
        let frac = self.0 % 1_000_000;
        if frac == 0 {
            write!(f, "{s}")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{}.{}", s, digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Micros;

    #[test]
    fn earliest_skips_unset_times() {
        let (a, b) = (Some(Micros(7)), Some(Micros(3)));
        assert_eq!(Micros::earliest(&[a, None, b]), b);
        assert_eq!(Micros::earliest(&[None, a]), a);
        assert_eq!(Micros::earliest(&[None, None]), None);
    }
}
