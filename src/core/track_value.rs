//! The number in a track file (vrrp_track_file and FILE_CHECK alike), read as keepalived reads
//! it (C strtol with base 0): leading blanks, a sign, then hex after 0x, octal after 0, else
//! decimal, stopping at the first other character. No digits reads as 0. A value outside i32
//! (except 2^31, which keepalived lets through) is refused and the old value kept.

use std::io::Read;
use std::path::Path;

use log::info;

/// Ok(value), or Err(value) for a number keepalived ignores ("Invalid number N read from F").
fn parse_value(buf: &[u8]) -> Result<i64, i64> {
    let mut s = buf;
    while let [c, rest @ ..] = s {
        if c.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    let neg = match s {
        [b'-', rest @ ..] => {
            s = rest;
            true
        }
        [b'+', rest @ ..] => {
            s = rest;
            false
        }
        _ => false,
    };
    let (radix, digits) = match s {
        [b'0', b'x' | b'X', rest @ ..] if rest.first().is_some_and(|c| c.is_ascii_hexdigit()) => {
            (16, rest)
        }
        [b'0', rest @ ..] => (8, rest),
        _ => (10, s),
    };
    let mut v: i64 = 0;
    let mut overflow = false;
    for &c in digits {
        let Some(d) = (c as char).to_digit(radix) else {
            break;
        };
        match v
            .checked_mul(i64::from(radix))
            .and_then(|x| x.checked_add(i64::from(d)))
        {
            Some(x) => v = x,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(if neg { i64::MIN } else { i64::MAX });
    }
    let v = if neg { -v } else { v };
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) + 1 {
        return Err(v);
    }
    Ok(v)
}

/// Reads the file's value: missing or unreadable is 0. None (logged as keepalived does) when
/// the number is out of range and the last value should stand.
pub fn read_value(path: &Path) -> Option<i64> {
    let mut buf = [0u8; 127];
    let n = match std::fs::File::open(path) {
        Ok(mut f) => f.read(&mut buf).unwrap_or(0),
        Err(_) => 0,
    };
    match parse_value(&buf[..n]) {
        Ok(v) => Some(v),
        Err(v) => {
            info!("Invalid number {v} read from {} - ignoring", path.display());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_value, read_value};

    #[test]
    fn numbers_read_as_strtol_base_zero_reads_them() {
        assert_eq!(parse_value(b"42\n"), Ok(42));
        assert_eq!(parse_value(b"  -7 trailing"), Ok(-7));
        assert_eq!(parse_value(b"0x10"), Ok(16));
        assert_eq!(parse_value(b"010"), Ok(8));
        assert_eq!(parse_value(b"0"), Ok(0));
        assert_eq!(parse_value(b""), Ok(0));
        assert_eq!(parse_value(b"abc"), Ok(0));
        assert_eq!(parse_value(b"+3"), Ok(3));
        assert_eq!(parse_value(b"2147483648"), Ok(2_147_483_648));
        assert!(parse_value(b"2147483649").is_err());
        assert!(parse_value(b"-2147483649").is_err());
        assert!(parse_value(b"99999999999999999999999").is_err());
        assert_eq!(parse_value(b"0x"), Ok(0));
    }

    #[test]
    fn a_missing_file_reads_as_zero_and_a_bad_number_as_none() {
        let dir = std::env::temp_dir().join(format!("ka-trackvalue-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let f = dir.join("v");
        assert_eq!(read_value(&f), Some(0));
        std::fs::write(&f, "0x20\n").expect("write");
        assert_eq!(read_value(&f), Some(32));
        std::fs::write(&f, "4294967296").expect("write");
        assert_eq!(read_value(&f), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
