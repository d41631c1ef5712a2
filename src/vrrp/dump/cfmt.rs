//! C printf's `%g`, which keepalived's JSON writer and route dumps use for times: readers
//! compare these strings (a whole `adver_int` is `1`, not `1.0`).

use std::fmt::Write as _;

/// `v` as `printf("%g", v)`: six significant digits, trailing zeros dropped, exponent form
/// below 1e-4 or from 1e6 (after rounding).
pub(super) fn g(v: f64, s: &mut String) {
    if v == 0.0 || !v.is_finite() {
        s.push_str(if v.is_nan() { "nan" } else { "0" });
        return;
    }
    // The exponent after rounding to six digits, as C decides between the forms.
    let sci = format!("{v:.5e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        s.push_str(trim(mant));
        let _ = write!(s, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
        return;
    }
    let fixed = format!("{v:.*}", (5 - exp) as usize);
    s.push_str(trim(&fixed));
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
            (999999.5, "1e+06"),
        ];
        for (v, want) in cases {
            let mut s = String::new();
            g(v, &mut s);
            assert_eq!(s, want, "{v}");
        }
    }
}
