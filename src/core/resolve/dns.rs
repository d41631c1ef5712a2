//! The DNS messages of a lookup, as musl builds and reads them: one question per query
//! (A, then AAAA), and from the answers the records of the type asked and any CNAME target,
//! which becomes the canonical name.
//!
//! ```text
//!  0      2      4        6        8        10       12
//! +------+------+--------+--------+--------+--------+-----------------------+
//! |  id  | flags| qdcount| ancount| nscount| arcount| question, answers ... |
//! +------+------+--------+--------+--------+--------+-----------------------+
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::hosts::valid_hostname;
use super::literal::Found;
use super::MAX_ADDRS;

pub(crate) const A: u8 = 1;
pub(crate) const AAAA: u8 = 28;
const CNAME: u8 = 5;

/// The answer's rcode (the caller checks the length).
pub(crate) fn rcode(answer: &[u8]) -> u8 {
    answer.get(3).map_or(0, |b| b & 15)
}

/// A recursive query for `name`'s records of `qtype` in class IN; None when the name cannot be
/// asked (too long, an empty label, two trailing dots): musl then takes it as not found.
pub(crate) fn query(name: &str, qtype: u8, id: u16) -> Option<Vec<u8>> {
    let mut n = name.as_bytes();
    n = n.strip_suffix(b".").unwrap_or(n);
    if n.ends_with(b".") || n.len() > 253 {
        return None;
    }
    let mut q = Vec::with_capacity(18 + n.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    if !n.is_empty() {
        for label in n.split(|&c| c == b'.') {
            if label.is_empty() || label.len() > 63 {
                return None;
            }
            q.push(label.len() as u8);
            q.extend_from_slice(label);
        }
    }
    q.extend_from_slice(&[0, 0, qtype, 0, 1]);
    Some(q)
}

/// musl's way over a name in a record: past every byte in 1..=127 (the caller then steps over
/// the root's zero or a pointer's two bytes).
fn skip_name(r: &[u8], mut p: usize) -> usize {
    while p < r.len() && (1..=127).contains(&r[p]) {
        p += 1;
    }
    p
}

/// Appends the records of type `qtype` in `r` to `out` (up to [`MAX_ADDRS`]) and takes each
/// CNAME's target (when valid) as `canon`. A malformed message stops at the bad record.
pub(crate) fn answers(r: &[u8], qtype: u8, out: &mut Vec<Found>, canon: &mut String) {
    if r.len() < 12 || rcode(r) != 0 {
        return;
    }
    let count = |i: usize| usize::from(u16::from_be_bytes([r[i], r[i + 1]]));
    let mut p = 12;
    for _ in 0..count(4) {
        p = skip_name(r, p);
        if p + 6 > r.len() {
            return;
        }
        p += 5 + usize::from(r[p] != 0);
    }
    for _ in 0..count(6) {
        p = skip_name(r, p);
        if p + 12 > r.len() {
            return;
        }
        p += 1 + usize::from(r[p] != 0);
        let len = usize::from(u16::from_be_bytes([r[p + 8], r[p + 9]]));
        let Some(data) = r.get(p + 10..p + 10 + len) else {
            return;
        };
        let addr = match (r[p + 1], data) {
            (CNAME, _) => {
                if let Some(target) = expand(r, p + 10) {
                    *canon = target;
                }
                None
            }
            _ if out.len() >= MAX_ADDRS || r[p + 1] != qtype => None,
            (A, &[a, b, c, d]) => Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d))),
            (AAAA, d) => match <[u8; 16]>::try_from(d) {
                Ok(b) => Some(IpAddr::V6(Ipv6Addr::from(b))),
                Err(_) => return,
            },
            _ => return,
        };
        if let Some(a) = addr {
            out.push((a, 0));
        }
        p += 10 + len;
    }
}

/// The name at `at` in `msg`, following compression pointers (dn_expand); None when it is
/// malformed, loops, is longer than 253 bytes or is not a valid host name.
fn expand(msg: &[u8], at: usize) -> Option<String> {
    let mut name: Vec<u8> = Vec::new();
    let mut p = at;
    // Each step consumes at least two bytes' worth of budget, so a pointer loop ends.
    for _ in (0..msg.len()).step_by(2) {
        let c = *msg.get(p)?;
        if c & 0xc0 != 0 {
            let j = usize::from(c & 0x3f) << 8 | usize::from(*msg.get(p + 1)?);
            if j >= msg.len() {
                return None;
            }
            p = j;
        } else if c != 0 {
            let len = usize::from(c);
            let dot = usize::from(!name.is_empty());
            if len >= msg.len() - p - 1 || name.len() + dot + len >= 254 {
                return None;
            }
            if dot == 1 {
                name.push(b'.');
            }
            name.extend_from_slice(&msg[p + 1..p + 1 + len]);
            p += 1 + len;
        } else {
            return (valid_hostname(&name)).then(|| String::from_utf8(name).ok())?;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_musl_s_bytes() {
        let q = query("smtp.example.org.", A, 0x1234).expect("query");
        let mut want = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(b"\x04smtp\x07example\x03org\x00\x00\x01\x00\x01");
        assert_eq!(q, want);
        assert_eq!(query("a..b", A, 1), None);
        assert_eq!(query("a.b..", AAAA, 1), None);
        assert_eq!(query(&"x".repeat(64), A, 1), None);
    }

    /// dig's reply to `www.example.org AAAA` from a recursive server: a CNAME, then the AAAA
    /// of its target, both names compressed.
    const CNAME_AAAA: &[u8] = b"\x9a\x0b\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00\
        \x03www\x07example\x03org\x00\x00\x1c\x00\x01\
        \xc0\x0c\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x07\x04edge\xc0\x10\
        \xc0\x2d\x00\x1c\x00\x01\x00\x00\x0e\x10\x00\x10\
        \x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x25";

    #[test]
    fn answers_give_the_asked_type_and_the_cname_target() {
        let (mut out, mut canon) = (Vec::new(), String::from("www.example.org"));
        answers(CNAME_AAAA, AAAA, &mut out, &mut canon);
        assert_eq!(canon, "edge.example.org");
        assert_eq!(out, [("2001:db8::25".parse().expect("ip"), 0)]);
        // The A query's pass over the same answer takes no AAAA record.
        out.clear();
        answers(CNAME_AAAA, A, &mut out, &mut canon);
        assert!(out.is_empty());
    }

    #[test]
    fn a_truncated_or_failed_answer_gives_nothing() {
        for len in 0..CNAME_AAAA.len() {
            let (mut out, mut canon) = (Vec::new(), String::new());
            answers(&CNAME_AAAA[..len], AAAA, &mut out, &mut canon);
            assert!(out.is_empty(), "{len}");
        }
        let mut nx = CNAME_AAAA.to_vec();
        nx[3] = 0x83;
        let (mut out, mut canon) = (Vec::new(), String::new());
        answers(&nx, AAAA, &mut out, &mut canon);
        assert!(out.is_empty() && canon.is_empty());
        assert_eq!(rcode(&nx), 3);
    }

    #[test]
    fn a_pointer_loop_is_no_name() {
        assert_eq!(expand(b"\xc0\x00", 0), None);
        assert_eq!(expand(b"\x01a\xc0\x00", 0), None);
    }
}
