//! /etc/hosts as musl reads it: every line that names the host gives its address, and the
//! first such line's first name is the canonical name.

use super::literal::{ip_literal, Found};
use super::MAX_ADDRS;

/// C's isspace.
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// A name musl takes as canonical: 1 to 255 bytes of letters, digits, `.`, `-` or non-ASCII.
pub(crate) fn valid_hostname(s: &[u8]) -> bool {
    (1..=255).contains(&s.len())
        && s.iter()
            .all(|&c| c >= 0x80 || c == b'.' || c == b'-' || c.is_ascii_alphanumeric())
}

/// Appends the addresses `text` gives `name` to `out`; sets `canon` from the first matching
/// line whose first name is valid. A match is the name with white space on both sides, so a
/// last line without its newline never matches, as in musl.
pub(crate) fn lookup(text: &[u8], name: &str, out: &mut Vec<Found>, canon: &mut String) {
    let name = name.as_bytes();
    let mut have_canon = false;
    for raw in text.split_inclusive(|&c| c == b'\n') {
        if out.len() >= MAX_ADDRS {
            break;
        }
        // A comment ends the line (musl puts the newline where the '#' was).
        let mut line = raw.to_vec();
        if let Some(h) = line.iter().position(|&c| c == b'#') {
            line.truncate(h);
            line.push(b'\n');
        }
        let at = |i: usize| line.get(i).copied().unwrap_or(0);
        let named = (1..line.len()).any(|p| {
            line[p..].starts_with(name) && is_space(at(p - 1)) && is_space(at(p + name.len()))
        });
        if !named {
            continue;
        }
        let ip_end = line.iter().position(|&c| is_space(c)).unwrap_or(line.len());
        let Some(found) = std::str::from_utf8(&line[..ip_end])
            .ok()
            .and_then(ip_literal)
        else {
            continue;
        };
        out.push(found);
        if have_canon {
            continue;
        }
        let rest = &line[(ip_end + 1).min(line.len())..];
        let start = rest
            .iter()
            .position(|&c| !is_space(c))
            .unwrap_or(rest.len());
        let first = &rest[start..];
        let first = &first[..first
            .iter()
            .position(|&c| is_space(c))
            .unwrap_or(first.len())];
        if valid_hostname(first) {
            if let Ok(s) = std::str::from_utf8(first) {
                have_canon = true;
                *canon = s.to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: &[u8] = b"127.0.0.1\tlocalhost\n\
        # 192.0.2.9 mail\n\
        192.0.2.10 lb1.example.org lb1 # mail\n\
        2001:db8::10 lb1.example.org lb1\n\
        bogus mail\n\
        192.0.2.11 mailhub mail\n\
        192.0.2.12 last";

    fn look(name: &str) -> (Vec<String>, String) {
        let (mut out, mut canon) = (Vec::new(), name.to_string());
        lookup(HOSTS, name, &mut out, &mut canon);
        (out.iter().map(|f| f.0.to_string()).collect(), canon)
    }

    #[test]
    fn every_line_naming_the_host_counts_and_the_first_names_it() {
        assert_eq!(
            look("lb1"),
            (
                vec!["192.0.2.10".into(), "2001:db8::10".into()],
                "lb1.example.org".into()
            )
        );
        assert_eq!(look("mail"), (vec!["192.0.2.11".into()], "mailhub".into()));
        assert_eq!(look("localhost").0, ["127.0.0.1"]);
    }

    #[test]
    fn a_name_in_a_comment_or_on_an_unterminated_last_line_is_not_found() {
        assert_eq!(look("last").0, Vec::<String>::new());
        assert_eq!(look("example").0, Vec::<String>::new());
        assert_eq!(look("lb").0, Vec::<String>::new());
    }
}
