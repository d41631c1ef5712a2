//! Reading the stats file keepalived (and we) write on SIGUSR2 (/tmp/keepalived.stats).
//!
//! keepalived 2.2.7 writes one block per instance: a `VRRP Instance: NAME` line, then fixed labels indented by
//! two spaces, their sub-labels by four. The parser is strict (every label, in keepalived's order, nothing
//! else) so a format drift in our writer fails the tests that read it.

use std::path::Path;
use std::time::{Duration, Instant};

/// Where keepalived writes its stats: a fixed path, shared by every network namespace (it is in /tmp).
pub const STATS_PATH: &str = "/tmp/keepalived.stats";

/// Number of counters per instance.
pub const N: usize = 14;

/// keepalived's lines after `VRRP Instance:`, in order: (indent, label, counter index or None for a heading).
const LAYOUT: [(usize, &str, Option<usize>); 18] = [
    (2, "Advertisements:", None),
    (4, "Received:", Some(0)),
    (4, "Sent:", Some(1)),
    (2, "Became master:", Some(2)),
    (2, "Released master:", Some(3)),
    (2, "Packet Errors:", None),
    (4, "Length:", Some(4)),
    (4, "TTL:", Some(5)),
    (4, "Invalid Type:", Some(6)),
    (4, "Advertisement Interval:", Some(7)),
    (4, "Address List:", Some(8)),
    (2, "Authentication Errors:", None),
    (4, "Invalid Type:", Some(9)),
    (4, "Type Mismatch:", Some(10)),
    (4, "Failure:", Some(11)),
    (2, "Priority Zero:", None),
    (4, "Received:", Some(12)),
    (4, "Sent:", Some(13)),
];

/// Names of the counters, `Heading: Label` as in the file, for messages and [`Stats::changed`].
pub const NAMES: [&str; N] = [
    "Advertisements: Received",
    "Advertisements: Sent",
    "Became master",
    "Released master",
    "Packet Errors: Length",
    "Packet Errors: TTL",
    "Packet Errors: Invalid Type",
    "Packet Errors: Advertisement Interval",
    "Packet Errors: Address List",
    "Authentication Errors: Invalid Type",
    "Authentication Errors: Type Mismatch",
    "Authentication Errors: Failure",
    "Priority Zero: Received",
    "Priority Zero: Sent",
];

pub const ADVERT_RCVD: usize = 0;
pub const ADVERT_SENT: usize = 1;
pub const BECAME_MASTER: usize = 2;
pub const RELEASED_MASTER: usize = 3;
pub const LEN_ERR: usize = 4;
pub const TTL_ERR: usize = 5;
pub const INVALID_TYPE: usize = 6;
pub const ADVERT_INTERVAL_ERR: usize = 7;
pub const ADDR_LIST_ERR: usize = 8;
pub const AUTH_INVALID_TYPE: usize = 9;
pub const AUTH_TYPE_MISMATCH: usize = 10;
pub const AUTH_FAILURE: usize = 11;
pub const PRI_ZERO_RCVD: usize = 12;
pub const PRI_ZERO_SENT: usize = 13;

/// The counters of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub instance: String,
    pub counters: [u64; N],
}

impl Stats {
    pub fn get(&self, i: usize) -> u64 {
        self.counters[i]
    }

    /// The counters that differ from `before`, as (name, after − before); empty when nothing moved.
    pub fn changed(&self, before: &Stats) -> Vec<(&'static str, i64)> {
        (0..N)
            .filter(|&i| self.counters[i] != before.counters[i])
            .map(|i| {
                (
                    NAMES[i],
                    self.counters[i] as i64 - before.counters[i] as i64,
                )
            })
            .collect()
    }
}

/// Parses a whole stats file; an error names the line that does not fit keepalived's layout.
pub fn parse(text: &str) -> Result<Vec<Stats>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        let name = line.strip_prefix("VRRP Instance: ").ok_or_else(|| {
            format!(
                "line {}: expected `VRRP Instance: NAME`, got {line:?}",
                n + 1
            )
        })?;
        let mut stats = Stats {
            instance: name.to_string(),
            counters: [0; N],
        };
        for (indent, label, slot) in LAYOUT.iter() {
            let (n, line) = lines
                .next()
                .ok_or_else(|| format!("instance {name}: file ends before {label:?}"))?;
            let bad = || {
                format!(
                    "line {}: expected {label:?} indented {indent}, got {line:?}",
                    n + 1
                )
            };
            let body = line.strip_prefix(&" ".repeat(*indent)).ok_or_else(bad)?;
            if body.starts_with(' ') {
                return Err(bad());
            }
            let rest = body.strip_prefix(label).ok_or_else(bad)?;
            match slot {
                None if rest.is_empty() => {}
                Some(i) => {
                    let v = rest.strip_prefix(' ').ok_or_else(bad)?;
                    stats.counters[*i] = v
                        .parse()
                        .map_err(|_| format!("line {}: {v:?} is not a counter", n + 1))?;
                }
                None => return Err(bad()),
            }
        }
        out.push(stats);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the file does not end with a newline (partly written?)".into());
    }
    Ok(out)
}

/// The instance called `name` in `all`.
pub fn instance<'a>(all: &'a [Stats], name: &str) -> Option<&'a Stats> {
    all.iter().find(|s| s.instance == name)
}

/// Asks the daemon whose main pid is `pid` for its stats (SIGUSR2) and reads the file it writes.
///
/// The file is removed first, so an old one is never read; only one daemon may run at a time, since
/// they all write the same path. Waits until the file parses and has `expect_instances` instances.
pub fn request(pid: i32, expect_instances: usize) -> Result<Vec<Stats>, String> {
    let path = Path::new(STATS_PATH);
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove {STATS_PATH}: {e}")),
    }
    // SAFETY: kill(2) has no memory effects; the caller owns the daemon.
    if unsafe { libc::kill(pid, libc::SIGUSR2) } != 0 {
        return Err(format!(
            "kill -USR2 {pid}: {}",
            std::io::Error::last_os_error()
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = String::from("no file");
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        match parse(&text) {
            Ok(all) if all.len() == expect_instances => return Ok(all),
            Ok(all) => last = format!("{} instances, want {expect_instances}", all.len()),
            Err(e) => last = e,
        }
    }
    Err(format!("{STATS_PATH} after SIGUSR2 to {pid}: {last}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keepalived 2.2.7, `kill -USR2` on a BACKUP (priority 100) that took over from a priority 200 master
    /// which then stopped (its priority-0 advert counted), with a second instance it first took over and
    /// then lost to a priority 150 peer.
    const TWO: &str = "VRRP Instance: VI_1
  Advertisements:
    Received: 9
    Sent: 3
  Became master: 1
  Released master: 0
  Packet Errors:
    Length: 0
    TTL: 0
    Invalid Type: 0
    Advertisement Interval: 0
    Address List: 0
  Authentication Errors:
    Invalid Type: 0
    Type Mismatch: 0
    Failure: 0
  Priority Zero:
    Received: 1
    Sent: 0
VRRP Instance: VI_2
  Advertisements:
    Received: 3
    Sent: 8
  Became master: 1
  Released master: 0
  Packet Errors:
    Length: 0
    TTL: 0
    Invalid Type: 0
    Advertisement Interval: 0
    Address List: 0
  Authentication Errors:
    Invalid Type: 0
    Type Mismatch: 0
    Failure: 0
  Priority Zero:
    Received: 0
    Sent: 0
";

    #[test]
    fn parses_keepalived_file() {
        let all = parse(TWO).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 2);
        let vi1 = instance(&all, "VI_1").unwrap_or_else(|| panic!("no VI_1"));
        assert_eq!(vi1.get(ADVERT_RCVD), 9);
        assert_eq!(vi1.get(ADVERT_SENT), 3);
        assert_eq!(vi1.get(BECAME_MASTER), 1);
        assert_eq!(vi1.get(PRI_ZERO_RCVD), 1);
        let vi2 = instance(&all, "VI_2").unwrap_or_else(|| panic!("no VI_2"));
        assert_eq!(vi2.get(ADVERT_RCVD), 3);
        assert_eq!(vi2.get(ADVERT_SENT), 8);
        assert_eq!(
            vi2.changed(vi1),
            vec![
                ("Advertisements: Received", -6),
                ("Advertisements: Sent", 5),
                ("Priority Zero: Received", -1)
            ]
        );
    }

    #[test]
    fn each_counter_lands_in_its_slot() {
        // Number the counters 1..=14 in file order to see that no two labels are mixed up (the
        // `Invalid Type`, `Received` and `Sent` labels appear twice under different headings).
        let mut n = 0;
        let text: String = TWO
            .lines()
            .take(1 + LAYOUT.len())
            .map(|l| match l.rsplit_once(": ") {
                Some((label, _)) if label.starts_with(' ') => {
                    n += 1;
                    format!("{label}: {n}\n")
                }
                _ => format!("{l}\n"),
            })
            .collect();
        let all = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let want: Vec<u64> = (1..=N as u64).collect();
        assert_eq!(all[0].counters.to_vec(), want);
        assert_eq!(
            NAMES[AUTH_INVALID_TYPE],
            "Authentication Errors: Invalid Type"
        );
        assert_eq!(NAMES[INVALID_TYPE], "Packet Errors: Invalid Type");
    }

    #[test]
    fn rejects_drift() {
        assert!(parse("").is_ok_and(|v| v.is_empty()));
        // Truncated mid-instance, as when read while being written.
        let cut = &TWO[..TWO.find("  Authentication").unwrap_or(0)];
        assert!(parse(cut).is_err());
        assert!(parse(&TWO[..TWO.len() - 1]).is_err());
        for (from, to) in [
            ("    TTL: 0", "    Ttl: 0"),
            ("    TTL: 0", "   TTL: 0"),
            ("    TTL: 0", "    TTL:0"),
            ("    TTL: 0", "    TTL: -1"),
            ("  Became master: 1", "  Became Master: 1"),
            ("  Packet Errors:\n", "  Packet Errors: 0\n"),
        ] {
            let bad = TWO.replacen(from, to, 1);
            assert!(parse(&bad).is_err(), "accepted {to:?}");
        }
        let extra = TWO.replacen(
            "  Released master: 0\n",
            "  Released master: 0\n  Extra: 1\n",
            1,
        );
        assert!(parse(&extra).is_err());
    }
}
