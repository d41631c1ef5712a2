//! Value forms the LVS side shares: ranged timers and integers that keepalived ignores with a
//! warning when out of range, hex strings with `X` wildcards, and notify/check scripts.

use std::path::Path;

use crate::config::diag::Diagnostics;
use crate::config::tree::Node;
use crate::config::value::timer_arg;
use crate::core::time::Micros;

/// A timer within `lo..=hi`: bad syntax is an error, out of range a warning (keepalived then
/// keeps its default).
fn timer_in(n: &Node, lo: Micros, hi: Micros, d: &mut Diagnostics) -> Option<Micros> {
    let t = timer_arg(n, 0, d)?;
    if t < lo || t > hi {
        d.warn(
            n.loc,
            format_args!(
                "'{}' {} is outside {}..{} seconds - ignoring",
                n.keyword(),
                n.arg(0).unwrap_or_default(),
                secs(lo),
                secs(hi)
            ),
        );
        return None;
    }
    Some(t)
}

/// A timer of at least `lo` (delay_loop, delay_before_retry, warmup have no ceiling).
pub(crate) fn timer_min(n: &Node, lo: Micros, d: &mut Diagnostics) -> Option<Micros> {
    timer_in(n, lo, Micros(u64::MAX), d)
}

/// `connect_timeout`: keepalived keeps it in an unsigned int of microseconds.
pub(crate) fn connect_timer(n: &Node, d: &mut Diagnostics) -> Option<Micros> {
    timer_in(n, Micros(1), Micros(u64::from(u32::MAX)), d)
}

fn secs(t: Micros) -> String {
    if t.0.is_multiple_of(1_000_000) {
        format!("{}", t.0 / 1_000_000)
    } else {
        format!("{}.{:06}", t.0 / 1_000_000, t.0 % 1_000_000)
    }
}

/// Argument `i` as an integer: not a number is an error, out of `lo..=hi` a warning.
pub(crate) fn int_in(n: &Node, i: usize, lo: i64, hi: i64, d: &mut Diagnostics) -> Option<i64> {
    let s = n.require_arg(i, "a number", d)?;
    let v: i64 = match s.parse() {
        Ok(v) => v,
        Err(_) => {
            d.error(
                n.loc,
                format_args!("'{}': expected a number, got '{s}'", n.keyword()),
            );
            return None;
        }
    };
    if !(lo..=hi).contains(&v) {
        d.warn(
            n.loc,
            format_args!("'{}' {v} is outside {lo}..{hi} - ignoring", n.keyword()),
        );
        return None;
    }
    Some(v)
}

/// A keyword that is a flag, optionally followed by a boolean (`alpha`, `inhibit_on_failure`).
pub(crate) fn flag(n: &Node, d: &mut Diagnostics) -> Option<bool> {
    crate::config::value::bool_arg(n, 0, d)
}

/// `0x`-less hex bytes, one or two digits each, separated by spaces; with `wildcards`, an `X`
/// digit matches anything. Returns the bytes and, when any `X` was used, a mask whose set bits
/// are the don't-care ones.
pub(crate) fn parse_hex(words: &[String], wildcards: bool) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let mut data = Vec::new();
    let mut mask = Vec::new();
    let mut any_wild = false;
    for w in words.iter().flat_map(|w| w.split([' ', '\t'])) {
        let digits = w.as_bytes();
        for pair in digits.chunks(2) {
            let mut val = 0u8;
            let mut m = 0u8;
            for &c in pair {
                val <<= 4;
                m <<= 4;
                match c {
                    b'X' | b'x' if wildcards => {
                        m |= 0x0f;
                        any_wild = true;
                    }
                    _ => val |= (c as char).to_digit(16)? as u8,
                }
            }
            data.push(val);
            mask.push(m);
        }
    }
    if data.is_empty() || data.len() > usize::from(u16::MAX) {
        return None;
    }
    Some((data, any_wild.then_some(mask)))
}

/// A user and optional group a script runs as.
pub(crate) type RunAs = (String, Option<String>);

/// A script keepalived runs: the command line as written, and its words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// The first argument as written (quotes of the config line removed); split again it
    /// gives `argv`.
    pub(crate) cmd: String,
    pub(crate) argv: Vec<String>,
}

impl Script {
    /// `misc_path`: keepalived execs the first argument, split into words; more words after
    /// it are ignored (the user has its own keyword).
    pub(crate) fn from_args(n: &Node, d: &mut Diagnostics) -> Option<Script> {
        Script::from_line(n, d).map(|(s, _)| s)
    }

    /// `notify_up`, `quorum_up` ...: the command, then an optional `USER [GROUP]` to run it
    /// as (`Some(None)`: the default script user). An unknown user or group drops the script.
    pub(crate) fn from_notify_args(
        n: &Node,
        d: &mut Diagnostics,
    ) -> Option<(Script, Option<RunAs>)> {
        if n.words.len() == 1 {
            // The keyword alone: keepalived reads the script unchecked and exits (status 2).
            d.missing_value(n.loc, format_args!("'{}' needs a script", n.keyword()));
            return None;
        }
        let (s, rest) = Script::from_line(n, d)?;
        let cmd = crate::config::track::ScriptCmd {
            argv: s.argv.clone(),
            ..Default::default()
        };
        let user = crate::config::track::notify_user(n, &rest, "notify", &cmd, d)?;
        Some((s, user))
    }

    fn from_line(n: &Node, d: &mut Diagnostics) -> Option<(Script, Vec<String>)> {
        let (c, rest) = crate::config::track::script_line(n, d)?;
        Some((
            Script {
                cmd: c.cmd,
                argv: c.argv,
            },
            rest,
        ))
    }

    /// keepalived only counts scripts it could run: a path that exists and is executable, or
    /// a bare name found so in `PATH`. It silently disables the others. A command starting
    /// `</` only tests that a file can be opened and is not a script.
    pub(crate) fn resolves(&self) -> bool {
        let Some(prog) = self.argv.first() else {
            return false;
        };
        if let Some(rest) = self.cmd.trim_start().strip_prefix('<') {
            if rest.trim_start().starts_with('/') {
                return false;
            }
        }
        if prog.contains('/') {
            return executable(Path::new(prog));
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path).any(|dir| executable(&dir.join(prog)))
    }
}

fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn hex_strings_take_one_or_two_digits_per_byte() {
        let (b, m) = parse_hex(&w("0a 1 ff"), false).unwrap_or_default();
        assert_eq!(b, vec![0x0a, 0x01, 0xff]);
        assert_eq!(m, None);
        assert!(parse_hex(&w("0g"), false).is_none());
        assert!(parse_hex(&[], false).is_none());
    }

    #[test]
    fn reply_patterns_may_wildcard_digits() {
        let (b, m) = parse_hex(&w("12X"), true).unwrap_or_default();
        assert_eq!(b, vec![0x12, 0x00]);
        assert_eq!(m, Some(vec![0x00, 0x0f]));
        assert!(parse_hex(&w("1X"), false).is_none());
    }

    #[test]
    fn a_quoted_command_is_split_into_words() {
        let mut d = Diagnostics::new();
        let n = Node {
            raw: "misc_path \"/bin/sh -c 'exit 1'\" extra".into(),
            ..Node::default()
        };
        let s = Script::from_args(&n, &mut d);
        assert_eq!(
            s.as_ref().map(|s| s.argv.clone()),
            Some(vec!["/bin/sh".into(), "-c".into(), "exit 1".into()])
        );
        // The runner re-splits `cmd`: it must give the same argv.
        assert_eq!(
            s.map(|s| crate::config::track::split_cmd(&s.cmd)),
            Some(vec!["/bin/sh".into(), "-c".into(), "exit 1".into()])
        );
        let n = Node {
            raw: "notify_up /bin/true nosuchuser_here".into(),
            ..Node::default()
        };
        assert_eq!(Script::from_notify_args(&n, &mut d), None);
        let n = Node {
            raw: "notify_up '/bin/true x' root".into(),
            ..Node::default()
        };
        assert_eq!(
            Script::from_notify_args(&n, &mut d).map(|(s, u)| (s.argv.len(), u)),
            Some((2, Some(("root".into(), None))))
        );
        let missing = Script {
            cmd: "/nonexistent/script.sh".into(),
            argv: vec!["/nonexistent/script.sh".into()],
        };
        assert!(!missing.resolves());
        let file_test = Script {
            cmd: "</etc/passwd".into(),
            argv: vec!["</etc/passwd".into()],
        };
        assert!(!file_test.resolves());
    }
}
