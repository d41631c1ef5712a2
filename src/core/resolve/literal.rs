//! Numeric host names as musl's `__lookup_ipliteral` reads them: every `inet_aton` form of
//! IPv4 (one to four parts, each decimal, octal or hex) and IPv6 with an optional `%scope`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address and its IPv6 scope id (0 for IPv4 and unscoped IPv6).
pub(crate) type Found = (IpAddr, u32);

/// `s` as an address, or None when it is not numeric (or names an unknown scope).
pub(crate) fn ip_literal(s: &str) -> Option<Found> {
    if let Some(a) = inet_aton(s) {
        return Some((IpAddr::V4(a), 0));
    }
    // A scope longer than musl's buffer stays in the text, which then fails to parse.
    let (addr, scope) = match s.find('%') {
        Some(i) if i < 64 => (&s[..i], Some(&s[i + 1..])),
        _ => (s, None),
    };
    let a: Ipv6Addr = addr.parse().ok()?;
    let id = match scope {
        None => 0,
        Some(sc) => {
            let digits = sc.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && digits == sc.len() {
                u32::try_from(sc.parse::<u64>().ok()?).ok()?
            } else {
                let seg = a.segments()[0];
                let link_local = seg & 0xffc0 == 0xfe80 || seg & 0xff0f == 0xff02;
                if !link_local {
                    return None;
                }
                if_index(sc)?
            }
        }
    };
    Some((IpAddr::V6(a), id))
}

fn if_index(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: c is a NUL-terminated string that outlives the call.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

/// inet_aton: `a.b.c.d`, `a.b.c` (c fills 16 bits), `a.b` (b fills 24), `a` (32 bits).
pub(crate) fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u64; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 {
            return None;
        }
        parts[n] = strtoul0(part)?;
        n += 1;
    }
    let (head, last) = parts[..n].split_at(n - 1);
    let last_bits = 8 * (5 - n as u32);
    if head.iter().any(|&p| p > 255) || last[0] >> last_bits != 0 {
        return None;
    }
    let v = head
        .iter()
        .enumerate()
        .fold(last[0], |v, (i, &p)| v | p << (24 - 8 * i as u32));
    Some(Ipv4Addr::from(v as u32))
}

/// One part of inet_aton: strtoul with base 0 over the whole text, starting with a digit.
fn strtoul0(p: &str) -> Option<u64> {
    let b = p.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    let (radix, digits) = match b {
        [b'0', b'x' | b'X', rest @ ..] if rest.first().is_some_and(u8::is_ascii_hexdigit) => {
            (16, rest)
        }
        [b'0', rest @ ..] if !rest.is_empty() => (8, rest),
        _ => (10, b),
    };
    let mut v: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(radix)?;
        v = v
            .saturating_mul(u64::from(radix))
            .saturating_add(u64::from(d));
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inet_aton_form_reads_as_the_c_library_does() {
        let v4 = |s| inet_aton(s).map(|a| a.to_string());
        assert_eq!(v4("192.0.2.1").as_deref(), Some("192.0.2.1"));
        assert_eq!(v4("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(v4("10.1.258").as_deref(), Some("10.1.1.2"));
        assert_eq!(v4("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(v4("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(v4("3221225985").as_deref(), Some("192.0.2.1"));
        for bad in [
            "",
            "1.2.3.4.",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.256",
            "08.1.1.1",
            "0x",
            "a.b",
            "1..2",
            " 1.2.3.4",
            "1.2.3.4 ",
        ] {
            assert_eq!(v4(bad), None, "{bad}");
        }
    }

    #[test]
    fn ipv6_takes_a_numeric_scope_and_names_only_on_link_local() {
        let (a, id) = ip_literal("fe80::1%7").expect("scoped");
        assert_eq!((a.to_string().as_str(), id), ("fe80::1", 7));
        assert_eq!(ip_literal("2001:db8::1").map(|f| f.1), Some(0));
        assert_eq!(ip_literal("2001:db8::1%lo"), None);
        assert_eq!(ip_literal("fe80::1%no-such-if0"), None);
        assert_eq!(ip_literal("fe80::1%lo").map(|f| f.1), Some(1));
        assert_eq!(ip_literal("host.example"), None);
    }
}
