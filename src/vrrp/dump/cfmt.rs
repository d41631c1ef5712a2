//! C printf's `%g`, which keepalived's JSON writer and route dumps use for times: readers
//! compare these strings (a whole `adver_int` is `1`, not `1.0`).

use std::fmt::Write as _;

/// `v` as `printf("%g", v)`: six significant digits, trailing zeros dropped, exponent form
/// below 1e-4 or from 1e6. Only fixed-point formatting is used (the exponent one would add
/// its own code to the binary); a value whose rounding reaches the next power of ten keeps
/// the fixed form, which for these times (1 ms to hours) is never the exponent form's range.
pub(super) fn g(v: f64, s: &mut String) {
    if v == 0.0 || !v.is_finite() {
        s.push_str(if v.is_nan() { "nan" } else { "0" });
        return;
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
    // Repeated division is inexact: put the mantissa back in 1..10.
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
    s.push_str(trim(&t));
    if sci {
        s.push_str(if exp < 0 { "e-" } else { "e+" });
        if exp.abs() < 10 {
            s.push('0');
        }
        let _ = write!(s, "{}", exp.abs());
    }
}

fn trim(t: &str) -> &str {
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.')
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::g;

    #[test]
    fn matches_glibc_printf_g() {
        // Printed by glibc's printf("%g") for the same values.
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (0.5, "0.5"),
            (2.5, "2.5"),
            (0.01, "0.01"),
            (1.23456789, "1.23457"),
            (100.0, "100"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (40.95, "40.95"),
            (0.3333333333, "0.333333"),
            (99999.95, "99999.9"),
            (1e-7, "1e-07"),
            (2.5e7, "2.5e+07"),
        ];
        for (v, want) in cases {
            let mut s = String::new();
            g(v, &mut s);
            assert_eq!(s, want, "{v}");
        }
    }
}
