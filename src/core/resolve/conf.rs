//! /etc/resolv.conf as musl reads it: up to three nameservers (127.0.0.1 when none),
//! the last `search` or `domain` line, and `options ndots: timeout: attempts:`.

use super::hosts::is_space;
use super::literal::{ip_literal, Found};

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Conf {
    pub(crate) ns: Vec<Found>,
    /// The search domains, white-space separated, as the line wrote them.
    pub(crate) search: String,
    pub(crate) ndots: usize,
    /// Seconds for the whole query.
    pub(crate) timeout: u32,
    /// Sends to every nameserver within the timeout.
    pub(crate) attempts: u32,
}

/// The settings `text` (None: no readable file) gives.
pub(crate) fn parse(text: Option<&[u8]>) -> Conf {
    let mut c = Conf {
        ns: Vec::new(),
        search: String::new(),
        ndots: 1,
        timeout: 5,
        attempts: 2,
    };
    for line in text.unwrap_or_default().split_inclusive(|&b| b == b'\n') {
        // musl reads 255 bytes a line and drops a line longer than that.
        if line.len() > 255 {
            continue;
        }
        let space_at = |i: usize| line.get(i).copied().is_some_and(is_space);
        if line.starts_with(b"options") && space_at(7) {
            if let Some(v) = option(line, b"ndots:") {
                c.ndots = v.min(15) as usize;
            }
            if let Some(v) = option(line, b"attempts:") {
                c.attempts = v.min(10) as u32;
            }
            if let Some(v) = option(line, b"timeout:") {
                c.timeout = v.min(60) as u32;
            }
        } else if line.starts_with(b"nameserver") && space_at(10) {
            let w = first_word(&line[11..]);
            if c.ns.len() < 3 {
                if let Some(a) = std::str::from_utf8(w).ok().and_then(ip_literal) {
                    c.ns.push(a);
                }
            }
        } else if (line.starts_with(b"domain") || line.starts_with(b"search")) && space_at(6) {
            c.search = String::from_utf8_lossy(&line[7..]).into_owned();
        }
    }
    if c.ns.is_empty() {
        c.ns.push((std::net::Ipv4Addr::LOCALHOST.into(), 0));
    }
    c
}

fn first_word(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let s = &s[start..];
    &s[..s.iter().position(|&b| is_space(b)).unwrap_or(s.len())]
}

/// The number after `key` anywhere in the line, when a digit follows it.
fn option(line: &[u8], key: &[u8]) -> Option<u64> {
    let at = line.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = &line[at..];
    let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    (n > 0).then(|| {
        digits[..n].iter().fold(0u64, |v, &d| {
            v.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_search_and_options_read_as_musl_does() {
        let c = parse(Some(
            b"# generated\nnameserver 192.0.2.53\nnameserver fe80::53%1 # lan\n\
              nameserver bogus\nnameserver 192.0.2.54\nnameserver 192.0.2.55\n\
              domain example.org\nsearch lab.example.org example.org\n\
              options rotate timeout:2 attempts:30 ndots:3\n",
        ));
        let ns: Vec<String> = c.ns.iter().map(|f| format!("{}%{}", f.0, f.1)).collect();
        assert_eq!(ns, ["192.0.2.53%0", "fe80::53%1", "192.0.2.54%0"]);
        assert_eq!(c.search, "lab.example.org example.org\n");
        assert_eq!((c.ndots, c.timeout, c.attempts), (3, 2, 10));
    }

    #[test]
    fn no_file_means_the_local_nameserver_and_musl_s_defaults() {
        let c = parse(None);
        assert_eq!(c.ns, [(std::net::Ipv4Addr::LOCALHOST.into(), 0)]);
        assert_eq!(
            (c.ndots, c.timeout, c.attempts, c.search.as_str()),
            (1, 5, 2, "")
        );
        let long = [b"nameserver 192.0.2.1 ".as_slice(), &[b'x'; 300], b"\n"].concat();
        assert_eq!(parse(Some(&long)).ns[0].0.to_string(), "127.0.0.1");
    }
}
