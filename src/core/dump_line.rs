//! The lines of the signal dumps (the VRRP, checker and BFD data files, the stats file):
//! `key value` lines written by a few out-of-line, non-generic writers. Each `writeln!` with
//! arguments expands to its own argument table at its call site; over the ~250 lines the
//! dumps write, a call with the key and the value is what keeps them small on routers.
//!
//! The function writing one item's block (an instance, a virtual or real server, a checker,
//! a route) is kept out of line where it is called in a loop: inlined, LLVM hoists every
//! key's address out of the loop into a stack slot, each costing more than its line.

use std::fmt::{Display, Write as _};

/// `key`, then `v`, then a newline.
#[inline(never)]
pub(crate) fn text(s: &mut String, key: &str, v: &str) {
    s.push_str(key);
    s.push_str(v);
    s.push('\n');
}

/// `key`, then `v` in decimal, then a newline.
#[inline(never)]
pub(crate) fn num(s: &mut String, key: &str, v: u64) {
    num_in(s, key, v, "");
}

/// `key`, then `v` in decimal, then `unit` (" us", " sec") and a newline.
#[inline(never)]
pub(crate) fn num_in(s: &mut String, key: &str, v: u64, unit: &str) {
    s.push_str(key);
    push_num(s, v);
    text(s, unit, "");
}

/// `key`, then the signed `v` in decimal, then a newline.
#[inline(never)]
pub(crate) fn int(s: &mut String, key: &str, v: i64) {
    s.push_str(key);
    push_int(s, v);
    s.push('\n');
}

/// The signed `v` in decimal, no newline.
#[inline(never)]
pub(crate) fn push_int(s: &mut String, v: i64) {
    if v < 0 {
        s.push('-');
    }
    push_num(s, v.unsigned_abs());
}

/// `key`, then `true` or `false` (C's `%s` of a bool as keepalived words it), then a newline.
#[inline(never)]
pub(crate) fn flag(s: &mut String, key: &str, v: bool) {
    text(s, key, if v { "true" } else { "false" });
}

/// `key`, then `v` as it displays (an address, a name), then a newline.
#[inline(never)]
pub(crate) fn show(s: &mut String, key: &str, v: &dyn Display) {
    s.push_str(key);
    push(s, v);
    s.push('\n');
}

/// `v` as it displays, no newline.
#[inline(never)]
pub(crate) fn push(s: &mut String, v: &dyn Display) {
    let _ = write!(s, "{v}");
}

/// `b` as two lower-case hex digits (a MAC's byte, a digest's).
#[inline(never)]
pub(crate) fn push_hex2(s: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    s.push(char::from(HEX[usize::from(b >> 4)]));
    s.push(char::from(HEX[usize::from(b & 15)]));
}

/// `v` in decimal, no newline: the one place the dumps format an integer.
#[inline(never)]
pub(crate) fn push_num(s: &mut String, v: u64) {
    let _ = write!(s, "{v}");
}

/// `us` as keepalived's format_decimal(v, 6) of a time in microseconds: `S.UUUUUU`.
#[inline(never)]
pub(crate) fn push_secs6(s: &mut String, us: u64) {
    push_num(s, us / 1_000_000);
    push_frac6(s, us);
}

/// `.` and the six digits of the microseconds in `us` (C's `.%06u`).
#[inline(never)]
pub(crate) fn push_frac6(s: &mut String, us: u64) {
    s.push('.');
    // Below a million: 32-bit arithmetic, no 64-bit division calls on 32-bit routers.
    let frac = (us % 1_000_000) as u32;
    let mut d = 100_000;
    while d > 0 {
        s.push(char::from(b'0' + (frac / d % 10) as u8));
        d /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_writer_ends_its_line_and_numbers_read_as_printf_prints_them() {
        let mut s = String::new();
        text(&mut s, " Name = ", "eth0");
        num(&mut s, "   index = ", 2);
        num_in(&mut s, "   Desired min TX interval = ", 1_000_000, " us");
        int(&mut s, "   Weight = ", -20);
        int(&mut s, "   Weight = ", i64::MIN);
        flag(&mut s, " LVS flush = ", false);
        show(
            &mut s,
            "   Neighbor IP = ",
            &std::net::Ipv4Addr::new(10, 0, 0, 2),
        );
        push_secs6(&mut s, 3_000_042);
        s.push(' ');
        push_secs6(&mut s, 0);
        assert_eq!(
            s,
            " Name = eth0\n   index = 2\n   Desired min TX interval = 1000000 us\n   \
             Weight = -20\n   Weight = -9223372036854775808\n LVS flush = false\n   \
             Neighbor IP = 10.0.0.2\n3.000042 0.000000"
        );
    }
}
