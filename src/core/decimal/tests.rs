use super::*;
use std::cmp::Ordering;

/// What the dumps printed before, with float formatting: `%g` as the former `vrrp::dump::cfmt`
/// built it from Rust's fixed-point formatting. Kept as the reference these tests compare
/// the integer code with.
fn float_g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let (mut exp, mut p) = (0i32, 1.0f64);
    let a = v.abs();
    while a >= p * 10.0 && exp < 308 {
        p *= 10.0;
        exp += 1;
    }
    while a < p && exp > -308 {
        p /= 10.0;
        exp -= 1;
    }
    let mut m = v / 10f64.powi(exp);
    if m.abs() >= 10.0 {
        m /= 10.0;
        exp += 1;
    } else if m.abs() < 1.0 {
        m *= 10.0;
        exp -= 1;
    }
    let sci = !(-4..6).contains(&exp);
    let (m, decimals) = if sci {
        (m, 5)
    } else {
        (v, (5 - exp).max(0) as usize)
    };
    let t = format!("{m:.decimals$}");
    let mut out = if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    };
    if sci {
        out.push_str(if exp < 0 { "e-" } else { "e+" });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}

fn g(n: u64, den: u64) -> String {
    let mut s = String::new();
    push_g(&mut s, n, den);
    s
}

fn fixed(n: u64, den: u64, p: u32) -> String {
    let mut s = String::new();
    push_fixed(&mut s, n, den, p);
    s
}

/// Compares the integer text of `n / den` with the float formatting's, for `%g` and for
/// `{:.p}` with `p` from 0 to 6, over every `n` the iterator gives.
fn same_as_float(ns: impl Iterator<Item = u64>, den: u64) -> usize {
    let mut count = 0;
    for n in ns {
        let x = n as f64 / den as f64;
        assert_eq!(g(n, den), float_g(x), "%g of {n}/{den}");
        for p in 0..=6u32 {
            let want = format!("{x:.prec$}", prec = p as usize);
            assert_eq!(fixed(n, den, p), want, "{{:.{p}}} of {n}/{den}");
        }
        count += 1;
    }
    count
}

/// A fixed pseudo-random sequence (an LCG) of `count` values below `below`.
fn spread(count: usize, below: u64) -> impl Iterator<Item = u64> {
    let mut z = 0x2545_f491_4f6c_dd1d_u64;
    (0..count).map(move |_| {
        z = z
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (z >> 11) % below
    })
}

#[test]
fn microsecond_times_print_as_the_float_formatting_printed_them() {
    let mut n = 0;
    // Every time to 0.3 s; every midpoint of two decimals (…5000 µs) and of %g's sixth
    // digit (…5 µs from 1 s) in the ranges the dumps see; a spread to 1000 s.
    n += same_as_float(0..300_000, 1_000_000);
    n += same_as_float((0..100_000).map(|c| c * 10_000 + 5_000), 1_000_000);
    n += same_as_float((1_000_000..1_200_000).filter(|u| u % 10 == 5), 1_000_000);
    n += same_as_float((10_000_000..10_200_000).step_by(50), 1_000_000);
    n += same_as_float(spread(100_000, 1_000_000_000), 1_000_000);
    // Midpoints of the exponent form's sixth digit, from 1e6 s.
    n += same_as_float(
        (100_000..120_000).map(|s| (s * 10 + 5) * 1_000_000),
        1_000_000,
    );
    n += same_as_float(
        (1_000_000..1_010_000).map(|s| (s * 10 + 5) * 1_000_000),
        1_000_000,
    );
    assert!(n > 500_000, "{n}");
}

#[test]
fn route_metrics_print_as_the_float_formatting_printed_them() {
    // rtt (1/8 ms), rttvar (1/4 ms) and rto_min (ms), in ms and in s, across u32.
    for den in [8, 4, 1000, 8000, 4000] {
        same_as_float(0..40_000, den);
        same_as_float(spread(20_000, u64::from(u32::MAX) + 1), den);
    }
    same_as_float([u64::from(u32::MAX)].into_iter(), 4000);
}

/// How the double `x` > 0 compares with the exact `num / den`, from its bits.
fn float_vs_exact(x: f64, num: u64, den: u64) -> Ordering {
    let bits = x.to_bits();
    let (m, e) = (
        (bits & ((1 << 52) - 1)) | 1 << 52,
        ((bits >> 52) & 0x7ff) as i32 - 1075,
    );
    assert!(e < 0 && e > -128, "{x}");
    (u128::from(m) * u128::from(den)).cmp(&(u128::from(num) << e.unsigned_abs()))
}

#[test]
fn the_long_division_knows_where_the_division_rounded() {
    let dens = [3, 7, 8, 10, 1000, 4000, 1_000_000, 999_999_937, 1 << 40];
    for den in dens {
        for num in (1..20_000)
            .chain(spread(20_000, 1 << 53))
            .filter(|&n| n > 0)
        {
            let x = num as f64 / den as f64;
            let want = float_vs_exact(x, num, den);
            assert_eq!(double_vs_exact(num, den), want, "{num}/{den}");
        }
    }
}

#[test]
fn shortest_seconds_is_the_float_display() {
    for us in (0..300_000).chain(spread(100_000, 1_000_000_000_000)) {
        let mut s = String::new();
        push_secs_shortest(&mut s, us);
        assert_eq!(s, format!("{}", us as f64 / 1e6), "{us}");
    }
}

#[test]
fn ties_and_edges_read_as_printf_prints_them() {
    // 2.005 and 256.005 are stored below the midpoint, 256.015 above it, 0.125 on it (to
    // even), 0.375 on it (up); as Rust's `{:.2}` printed them.
    assert_eq!(fixed(2_005_000, 1_000_000, 2), "2.00");
    assert_eq!(fixed(125_000, 1_000_000, 2), "0.12");
    assert_eq!(fixed(375_000, 1_000_000, 2), "0.38");
    assert_eq!(fixed(256_005_000, 1_000_000, 2), "256.00");
    assert_eq!(fixed(256_015_000, 1_000_000, 2), "256.01");
    assert_eq!(fixed(40_965_000, 1_000_000, 2), "40.97");
    assert_eq!(fixed(300_000_000, 1_000_000, 2), "300.00");
    assert_eq!(fixed(1_234_567, 1_000_000, 6), "1.234567");
    // Printed by glibc's printf("%g") for the same values.
    let cases = [
        (0, 1, "0"),
        (1, 1, "1"),
        (1, 2, "0.5"),
        (5, 2, "2.5"),
        (1, 100, "0.01"),
        (123_456_789, 100_000_000, "1.23457"),
        (100, 1, "100"),
        (123_456, 1, "123456"),
        (1_234_567, 1, "1.23457e+06"),
        (1, 10_000, "0.0001"),
        (1, 100_000, "1e-05"),
        (4095, 100, "40.95"),
        (3_333_333_333, 10_000_000_000, "0.333333"),
        (9_999_995, 100, "99999.9"),
        (1, 10_000_000, "1e-07"),
        (25_000_000, 1, "2.5e+07"),
        // Not glibc's 1e+06: the fixed form of the unrounded exponent, as the dumps printed.
        (9_999_995, 10, "1000000"),
    ];
    for (n, den, want) in cases {
        assert_eq!(g(n, den), want, "{n}/{den}");
    }
}
