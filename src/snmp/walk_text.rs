//! A MIB walked through the trait as `snmpwalk -On -Ob` prints it, for tests that compare
//! our tables with walks recorded from keepalived 2.2.7 (tests/snmp/walks).

use std::fmt::Write as _;

use super::mib::{Mib, Oid, Value};

/// Every object of `m`, by get-next from its root until it has no more, one line each:
/// `.OID = TYPE: value` as net-snmp prints it. With `get_agrees`, each answer is checked
/// with `get` too (keepalived's own RFC 2787 tables fail that).
pub(crate) fn walk(m: &dyn Mib, get_agrees: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut at = Oid::from_slice(m.root()).unwrap_or_default();
    let mut scratch = [0u8; 1024];
    let mut found = Oid::new();
    while let Some(v) = m.next(&at, &mut found, &mut scratch) {
        assert!(
            found.as_slice() > at.as_slice(),
            "{found:?} does not follow {at:?}"
        );
        assert!(
            found.starts_with(m.root()),
            "{found:?} is outside the subtree"
        );
        let line = line(&found, v);
        if get_agrees {
            let mut again = [0u8; 1024];
            let got = m.get(&found, &mut again).map(|g| self::line(&found, g));
            let want = Some(line.as_str());
            assert_eq!(got.as_deref(), want, "get disagrees with get-next");
        }
        lines.push(line);
        at = found.clone();
    }
    lines
}

/// How many objects a walk of `m` from its root finds, and how many allocations it made on
/// the way (nothing is kept, so a table that allocates per request shows it).
pub(crate) fn count_walk(m: &dyn Mib) -> (usize, u64) {
    let (mut at, mut found) = (Oid::from_slice(m.root()).unwrap_or_default(), Oid::new());
    let mut scratch = [0u8; 256];
    let mut n = 0;
    let s = crate::core::alloc::Scope::new();
    while m.next(&at, &mut found, &mut scratch).is_some() {
        at.clone_from(&found);
        n += 1;
    }
    (n, s.allocs())
}

/// Each trap snmptrapd logged in `text` (tests/snmp/traps/, one blank line between traps), as
/// its varbinds but the first, sysUpTime.0 (the master agent's clock).
pub(crate) fn recorded_traps(text: &str) -> Vec<Vec<String>> {
    text.split("\n\n")
        .map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .map(|t| {
            assert!(t[0].starts_with(".1.3.6.1.2.1.1.3.0 = Timeticks: "));
            t[1..].to_vec()
        })
        .collect()
}

/// One object as `snmpwalk -On` prints it.
pub(crate) fn line(oid: &[u32], v: Value<'_>) -> String {
    let mut s = String::new();
    for x in oid {
        let _ = write!(s, ".{x}");
    }
    s.push_str(" = ");
    match v {
        Value::Integer(x) => {
            let _ = write!(s, "INTEGER: {x}");
        }
        // net-snmp prints an empty string without its type.
        Value::OctetString([]) => s.push_str("\"\""),
        // net-snmp prints a string whose every byte is printable or white space as text.
        Value::OctetString(b)
            if b.iter()
                .all(|&c| (0x20..0x7f).contains(&c) || (9..=13).contains(&c)) =>
        {
            let _ = write!(s, "STRING: \"{}\"", String::from_utf8_lossy(b));
        }
        Value::OctetString(b) => {
            s.push_str("Hex-STRING: ");
            for c in b {
                let _ = write!(s, "{c:02X} ");
            }
        }
        Value::Null => s.push_str("NULL"),
        Value::ObjectId(o) => {
            s.push_str("OID: ");
            for x in o {
                let _ = write!(s, ".{x}");
            }
        }
        Value::IpAddress(a) => {
            let _ = write!(s, "IpAddress: {}.{}.{}.{}", a[0], a[1], a[2], a[3]);
        }
        Value::Counter32(x) => {
            let _ = write!(s, "Counter32: {x}");
        }
        Value::Gauge32(x) => {
            let _ = write!(s, "Gauge32: {x}");
        }
        Value::TimeTicks(t) => {
            let (h, m, sec, cs) = (t / 360_000, t / 6000 % 60, t / 100 % 60, t % 100);
            let _ = write!(s, "Timeticks: ({t}) {h}:{m:02}:{sec:02}.{cs:02}");
        }
        Value::Counter64(x) => {
            let _ = write!(s, "Counter64: {x}");
        }
    }
    s
}

/// The lines of a recorded walk, less those whose OID starts with one of `skip`.
pub(crate) fn recorded(text: &str, skip: &[&str]) -> Vec<String> {
    text.lines()
        .filter(|l| {
            let oid = l.split(' ').next().unwrap_or("");
            !skip.iter().any(|p| oid.starts_with(p))
        })
        .map(str::to_string)
        .collect()
}
