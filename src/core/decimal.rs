//! The decimal text of a time or ratio held as integers, `n / den`, exactly as Rust's `{:.p}`
//! and `{}` and C's `%g` print the double `n as f64 / den as f64`, in integer arithmetic: the
//! float formatting code (Grisu, Dragon and their tables, ~6 KB on routers) stays out of the
//! binary for the handful of lines keepalived prints with a fraction.
//!
//! The digits come from the exact quotient. The double differs from it by far less than the
//! quotient's own granularity, so it rounds the same way except where the quotient sits
//! exactly on a rounding midpoint (`2.005` to two decimals): there the double lies above,
//! below or on the midpoint, and a long division finds where the IEEE division put it; on
//! it, Rust rounds to even. Callers keep `n * 10^p` and `den` below 2^52 (times of hours, not
//! centuries), where that bound holds.

use std::cmp::Ordering;

use super::dump_line::push_num;

/// How the double nearest `num / den` (`num as f64 / den as f64`, IEEE division rounding to
/// nearest, ties to even) compares with that exact quotient: the quotient's first 53
/// significant bits by long division, and the rest against half a unit of the last. Integer
/// code, so no soft-float division on routers without an FPU. `num` < 2^53 (exact as f64),
/// `den` < 2^63.
fn double_vs_exact(num: u64, den: u64) -> Ordering {
    let (mut q, mut r) = (num / den, num % den);
    while q >> 52 == 0 {
        r <<= 1;
        q <<= 1;
        if r >= den {
            r -= den;
            q |= 1;
        }
    }
    if r == 0 {
        return Ordering::Equal;
    }
    match r.cmp(&(den - r)) {
        Ordering::Equal if q & 1 == 0 => Ordering::Less,
        Ordering::Equal => Ordering::Greater,
        o => o,
    }
}

/// The double of `num / den` rounded to `p` decimals as Rust rounds it: a count of 10^-p.
fn round_units(num: u64, den: u64, p: u32) -> u64 {
    let scaled = num.saturating_mul(10u64.pow(p));
    let (q, r) = (scaled / den, scaled % den);
    let up = match r.cmp(&(den - r)) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => match double_vs_exact(num, den) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => q & 1 == 1,
        },
    };
    q + u64::from(up)
}

/// `q` units of 10^-p: the whole part, and `p` digits after a point when `p` > 0.
fn push_units(s: &mut String, q: u64, p: u32) {
    let pow = 10u64.pow(p);
    push_num(s, q / pow);
    if p > 0 {
        s.push('.');
        let f = q % pow;
        let mut d = pow / 10;
        while d > 0 {
            s.push(char::from(b'0' + (f / d % 10) as u8));
            d /= 10;
        }
    }
}

/// Drops the trailing zeros of a fraction written from `from` on, and its point if bare.
fn trim(s: &mut String, from: usize) {
    if s[from..].contains('.') {
        let len = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(len);
    }
}

/// `{:.p$}` of `n as f64 / den as f64`.
#[inline(never)]
pub(crate) fn push_fixed(s: &mut String, n: u64, den: u64, p: u32) {
    push_units(s, round_units(n, den, p), p);
}

/// `{}` of `us as f64 / 1e6`, a time in seconds: below 10^15 µs its shortest round-trip text
/// is the exact decimal (15 digits always read back), trailing zeros dropped.
#[inline(never)]
pub(crate) fn push_secs_shortest(s: &mut String, us: u64) {
    let from = s.len();
    push_units(s, us, 6);
    trim(s, from);
}

/// C's `%g` of `n as f64 / den as f64` as keepalived's JSON and route dumps print times: six
/// significant digits, trailing zeros dropped, the exponent form below 1e-4 and from 1e6. A
/// value whose rounding reaches the next power of ten keeps the form of its unrounded
/// exponent (`999999.5` gives `1000000`), as the dumps always printed it.
#[inline(never)]
pub(crate) fn push_g(s: &mut String, n: u64, den: u64) {
    if n == 0 {
        s.push('0');
        return;
    }
    let mut exp = 0i32;
    if n >= den {
        let mut p = den;
        while let Some(p10) = p.checked_mul(10).filter(|&p10| n >= p10) {
            p = p10;
            exp += 1;
        }
    } else {
        let mut a = n;
        while a < den {
            // A product past u64 is past any den.
            a = a.saturating_mul(10);
            exp -= 1;
        }
    }
    let from = s.len();
    if (-4..6).contains(&exp) {
        let p = (5 - exp) as u32;
        push_units(s, round_units(n, den, p), p);
        trim(s, from);
        return;
    }
    // The mantissa, n / den / 10^exp. The double printed was x / 10^exp, x the double of
    // n / den: from 1e6 a midpoint of six digits is a whole number, so x is exact there and
    // the mantissa rounded once; below 1e-4 the dumps' values (µs, ms) have two digits or
    // fewer and never reach one.
    let (num, mden) = if exp < 0 {
        (n.saturating_mul(10u64.pow(exp.unsigned_abs())), den)
    } else {
        (n, den.saturating_mul(10u64.pow(exp.unsigned_abs())))
    };
    push_units(s, round_units(num, mden, 5), 5);
    trim(s, from);
    s.push_str(if exp < 0 { "e-" } else { "e+" });
    if exp.abs() < 10 {
        s.push('0');
    }
    push_num(s, u64::from(exp.unsigned_abs()));
}

#[cfg(test)]
mod tests;
