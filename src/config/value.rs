//! Value syntax shared by every section: booleans, timers, ranged integers, addresses,
//! prefixes, interface names. Each `*_arg` helper reports a bad value as an error naming
//! the keyword, what was expected and what was found, and returns `None`.

use std::net::IpAddr;

use super::diag::Diagnostics;
use super::tree::Node;
use crate::core::time::Micros;

/// keepalived's `<BOOL>`: on|off|true|false|yes|no.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// keepalived's `<TIMER>`: decimal seconds with microsecond resolution (`1`, `0.5`, `2.000001`).
pub(crate) fn parse_timer(s: &str) -> Option<Micros> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut us: u64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if i < 6 {
            us = us * 10 + u64::from(b - b'0');
        }
    }
    for _ in frac.len().min(6)..6 {
        us *= 10;
    }
    secs.checked_mul(1_000_000)?.checked_add(us).map(Micros)
}

/// A decimal integer within `lo..=hi`.
fn parse_int(s: &str, lo: i64, hi: i64) -> Option<i64> {
    let v: i64 = s.parse().ok()?;
    (lo..=hi).contains(&v).then_some(v)
}

pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

/// An address as keepalived's `inet_stosockaddr` reads it: whatever follows the first `-`
/// (a range) or else the first `/` (a prefix length) is dropped, unchecked. Every keyword
/// keepalived reads this way accepts `unicast_src_ip 192.168.0.92/24` or a peer `10.0.0.2/24`.
pub(crate) fn parse_sock_ip(s: &str) -> Option<IpAddr> {
    let end = s.find('-').or_else(|| s.find('/')).unwrap_or(s.len());
    parse_ip(&s[..end])
}

/// `ADDR[/LEN]`; the length must fit the family.
pub(crate) fn parse_prefix(s: &str) -> Option<(IpAddr, Option<u8>)> {
    let (a, l) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip = parse_ip(a)?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match l {
        Some(l) => Some(parse_int(l, 0, max)? as u8),
        None => None,
    };
    Some((ip, len))
}

/// An interface name the kernel would accept: 1..=15 bytes, no '/', no white space, not `.`/`..`.
pub(crate) fn valid_ifname(s: &str) -> bool {
    !s.is_empty()
        && s.len() < libc::IFNAMSIZ
        && s != "."
        && s != ".."
        && !s
            .bytes()
            .any(|b| b == b'/' || b == b':' || b.is_ascii_whitespace())
}

fn bad(node: &Node, d: &mut Diagnostics, expected: &str, got: &str) {
    d.error(
        node.loc,
        format_args!("'{}': expected {}, got '{}'", node.keyword(), expected, got),
    );
}

/// Argument `i` as a `<BOOL>`; a keyword given alone means `true` (as keepalived).
pub(crate) fn bool_arg(node: &Node, i: usize, d: &mut Diagnostics) -> Option<bool> {
    match node.arg(i) {
        None => Some(true),
        Some(s) => parse_bool(s).or_else(|| {
            bad(node, d, "on|off|true|false|yes|no", s);
            None
        }),
    }
}

pub(crate) fn timer_arg(node: &Node, i: usize, d: &mut Diagnostics) -> Option<Micros> {
    let s = node.require_arg(i, "a time in seconds", d)?;
    parse_timer(s).or_else(|| {
        bad(node, d, "a time in seconds", s);
        None
    })
}

/// Argument `i` as an address, read as keepalived's `inet_stosockaddr` does (see
/// [`parse_sock_ip`]): used by connect_ip, bindto and the server addresses.
pub(crate) fn ip_arg(node: &Node, i: usize, d: &mut Diagnostics) -> Option<IpAddr> {
    let s = node.require_arg(i, "an IP address", d)?;
    parse_sock_ip(s).or_else(|| {
        bad(node, d, "an IP address", s);
        None
    })
}

pub(crate) fn ifname_arg(node: &Node, i: usize, d: &mut Diagnostics) -> Option<String> {
    let s = node.require_arg(i, "an interface name", d)?;
    if valid_ifname(s) {
        Some(s.to_string())
    } else {
        bad(node, d, "an interface name of at most 15 characters", s);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_are_decimal_seconds_to_the_microsecond() {
        assert_eq!(parse_timer("1"), Some(Micros(1_000_000)));
        assert_eq!(parse_timer("0.5"), Some(Micros(500_000)));
        assert_eq!(parse_timer(".01"), Some(Micros(10_000)));
        assert_eq!(parse_timer("2.0000015"), Some(Micros(2_000_001)));
        assert_eq!(parse_timer("1s"), None);
        assert_eq!(parse_timer("-1"), None);
        assert_eq!(parse_timer(""), None);
    }

    #[test]
    fn prefixes_are_checked_against_the_family() {
        assert!(parse_prefix("10.0.0.1/32").is_some());
        assert!(parse_prefix("10.0.0.1/33").is_none());
        assert!(parse_prefix("fe80::1/128").is_some());
        assert!(parse_prefix("192.168.100./24").is_none());
    }

    #[test]
    fn socket_addresses_drop_a_prefix_or_range_as_keepalived() {
        let a = |s: &str| parse_sock_ip(s).map(|a| a.to_string());
        assert_eq!(a("192.168.0.92/24").as_deref(), Some("192.168.0.92"));
        assert_eq!(a("10.0.0.2-10").as_deref(), Some("10.0.0.2"));
        assert_eq!(a("10.0.0.2/junk").as_deref(), Some("10.0.0.2"));
        assert_eq!(a("fe80::1/64").as_deref(), Some("fe80::1"));
        assert_eq!(a("10.0.0.300/24"), None);
        assert_eq!(a("/24"), None);
        assert_eq!(parse_ip("192.168.0.92/24"), None);
    }

    #[test]
    fn interface_names_follow_the_kernel_rules() {
        assert!(valid_ifname("eth0.100"));
        assert!(!valid_ifname("a-very-long-name0"));
        assert!(!valid_ifname("a/b"));
    }
}
