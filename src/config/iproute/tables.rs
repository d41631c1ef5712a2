//! Names iproute2 gives to numbers: routing tables, scopes, protocols, DS fields, realms,
//! route types. A name is looked up in keepalived's built-in list, then in the matching
//! `/etc/iproute2/rt_*` file (as keepalived does), and a number is accepted up to the
//! field's maximum.

use std::path::Path;

use crate::config::kwtable::keyword_table;

const IPROUTE2_DIR: &str = "/etc/iproute2";

/// C `strtoul(s, _, 0)` on a whole word: `0x` hex, leading `0` octal, otherwise decimal.
pub(crate) fn parse_c_unsigned(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // strtoul saturates.
    Some(u64::from_str_radix(digits, radix).unwrap_or(u64::MAX))
}

/// A decimal number as keepalived's `read_unsigned` takes it (strtoul on the whole word):
/// leading blanks and `+` are allowed, and an empty word counts as 0.
pub(crate) fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    let t = s.trim_start();
    if t.is_empty() {
        return (s.is_empty()).then_some(0);
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok().filter(|v| *v <= max)
}

/// Entries of an iproute2 table file: `NUMBER NAME` per line, `#` comments.
fn file_lookup(file: &str, name: &str, max: u64) -> Option<u64> {
    let text = std::fs::read_to_string(Path::new(IPROUTE2_DIR).join(file)).ok()?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let id = parse_c_unsigned(it.next()?)?;
            let n = it.next()?;
            (id <= max).then_some((id, n))
        })
        .find(|(_, n)| *n == name)
        .map(|(id, _)| id)
}

fn lookup(name: &str, builtin: &[(u64, &str)], file: &str, max: u64) -> Option<u64> {
    if let Some(v) = parse_c_unsigned(name) {
        // keepalived keeps the low 32 bits of the number before the range check.
        let v = v & u64::from(u32::MAX);
        return (v <= max).then_some(v);
    }
    builtin
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(id, _)| *id)
        .or_else(|| file_lookup(file, name, max))
}

pub(crate) fn table(name: &str) -> Option<u32> {
    const T: &[(u64, &str)] = &[(253, "default"), (254, "main"), (255, "local")];
    lookup(name, T, "rt_tables", u64::from(u32::MAX)).map(|v| v as u32)
}

pub(crate) fn scope(name: &str) -> Option<u8> {
    const T: &[(u64, &str)] = &[
        (0, "global"),
        (255, "nowhere"),
        (254, "host"),
        (253, "link"),
        (200, "site"),
    ];
    lookup(name, T, "rt_scopes", 255).map(|v| v as u8)
}

pub(crate) fn protocol(name: &str) -> Option<u8> {
    const T: &[(u64, &str)] = &[
        (0, "none"),
        (1, "redirect"),
        (2, "kernel"),
        (3, "boot"),
        (4, "static"),
        (8, "gated"),
        (9, "ra"),
        (10, "mrt"),
        (11, "zebra"),
        (12, "bird"),
        (42, "babel"),
        (13, "dnrouted"),
        (14, "xorp"),
        (15, "ntk"),
        (16, "dhcp"),
    ];
    lookup(name, T, "rt_protos", 255).map(|v| v as u8)
}

pub(crate) fn dsfield(name: &str) -> Option<u8> {
    lookup(name, &[], "rt_dsfield", 255).map(|v| v as u8)
}

fn realm(name: &str) -> Option<u32> {
    lookup(name, &[], "rt_realms", 255).map(|v| v as u32)
}

/// `REALM` or `FROM/TO`: the kernel's packed `from << 16 | to`.
pub(crate) fn realms(s: &str) -> Option<u32> {
    match s.split_once('/') {
        Some((from, to)) => Some(realm(from)? << 16 | realm(to)?),
        None => realm(s),
    }
}

/// Route types (`ip route add TYPE PREFIX`); a bare number up to 255 is also a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteType {
    Unicast,
    Local,
    Broadcast,
    Anycast,
    Multicast,
    Blackhole,
    Unreachable,
    Prohibit,
    Throw,
    Nat,
    Xresolve,
    Other(u8),
}

impl RouteType {
    /// The kernel's `RTN_*` value.
    pub(crate) fn code(self) -> u8 {
        match self {
            RouteType::Unicast => 1,
            RouteType::Local => 2,
            RouteType::Broadcast => 3,
            RouteType::Anycast => 4,
            RouteType::Multicast => 5,
            RouteType::Blackhole => 6,
            RouteType::Unreachable => 7,
            RouteType::Prohibit => 8,
            RouteType::Throw => 9,
            RouteType::Nat => 10,
            RouteType::Xresolve => 11,
            RouteType::Other(v) => v,
        }
    }
}

keyword_table! {
    /// The route type names `ip route` takes (`brd` is `broadcast`'s short form).
    enum TypeName {
        "unicast" => Unicast,
        "local" => Local,
        "broadcast" => Broadcast,
        "brd" => Brd,
        "anycast" => Anycast,
        "multicast" => Multicast,
        "blackhole" => Blackhole,
        "unreachable" => Unreachable,
        "prohibit" => Prohibit,
        "throw" => Throw,
        "nat" => Nat,
        "xresolve" => Xresolve,
    }
}

pub(crate) fn route_type(s: &str) -> Option<RouteType> {
    let Some(t) = TypeName::lookup(s) else {
        let v = parse_c_unsigned(s)?;
        return Some(RouteType::Other(u8::try_from(v).ok()?));
    };
    Some(match t {
        TypeName::Unicast => RouteType::Unicast,
        TypeName::Local => RouteType::Local,
        TypeName::Broadcast | TypeName::Brd => RouteType::Broadcast,
        TypeName::Anycast => RouteType::Anycast,
        TypeName::Multicast => RouteType::Multicast,
        TypeName::Blackhole => RouteType::Blackhole,
        TypeName::Unreachable => RouteType::Unreachable,
        TypeName::Prohibit => RouteType::Prohibit,
        TypeName::Throw => RouteType::Throw,
        TypeName::Nat => RouteType::Nat,
        TypeName::Xresolve => RouteType::Xresolve,
    })
}

/// `rtt`/`rttvar`/`rto_min` values in the kernel's units (`unit_mult` per millisecond).
/// A bare integer is already in those units; with `s`/`ms` it is converted. As in
/// keepalived, the number is range-checked before conversion and the result is then
/// silently clamped to the kernel's 0.2 s ..= 120 s.
pub(crate) fn time_rtt(s: &str, unit_mult: u64) -> Option<u32> {
    const MIN_MS: u64 = 200;
    const MAX_MS: u64 = 120_000;
    let lower = s.to_ascii_lowercase();
    let (num, decimals, with_unit) = match lower.find('s') {
        Some(p) => {
            if !matches!(&lower[p..], "s" | "sec" | "secs") {
                return None;
            }
            match lower[..p].strip_suffix('m') {
                Some(n) => (n, 0, true),
                None => (&lower[..p], 3, true),
            }
        }
        None => (lower.as_str(), 0, false),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) || frac.len() > decimals {
        return None;
    }
    let mut v: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    for i in 0..decimals {
        let dgt = frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
        v = v.checked_mul(10)?.checked_add(dgt)?;
    }
    if v > MAX_MS * unit_mult {
        return None;
    }
    if with_unit {
        v *= unit_mult;
    }
    Some(v.clamp(MIN_MS * unit_mult, MAX_MS * unit_mult) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_strtoul_base_0() {
        assert_eq!(parse_c_unsigned("0x10"), Some(16));
        assert_eq!(parse_c_unsigned("010"), Some(8));
        assert_eq!(parse_c_unsigned("10"), Some(10));
        assert_eq!(parse_c_unsigned("0"), Some(0));
        assert_eq!(parse_c_unsigned("1a"), None);
        assert_eq!(parse_c_unsigned("-1"), None);
        assert_eq!(parse_decimal("", 5), Some(0));
        assert_eq!(parse_decimal("+5", 5), Some(5));
        assert_eq!(parse_decimal("6", 5), None);
        assert_eq!(parse_decimal("0x5", 5), None);
        assert_eq!(parse_decimal("+", 5), None);
    }

    #[test]
    fn builtin_names_and_numbers() {
        assert_eq!(table("main"), Some(254));
        assert_eq!(table("6909"), Some(6909));
        assert_eq!(table("4294967296"), Some(0));
        assert_eq!(table("no_such_table_name"), None);
        assert_eq!(scope("link"), Some(253));
        assert_eq!(scope("256"), None);
        assert_eq!(protocol("bird"), Some(12));
        assert_eq!(dsfield("0x04"), Some(4));
        assert_eq!(realms("30/20"), Some(30 << 16 | 20));
        assert_eq!(realms("300"), None);
        assert_eq!(route_type("blackhole"), Some(RouteType::Blackhole));
        assert_eq!(route_type("192.168.0.0/24"), None);
    }

    #[test]
    fn rtt_units() {
        assert_eq!(time_rtt("1000", 8), Some(1600));
        assert_eq!(time_rtt("1.5s", 8), Some(12000));
        assert_eq!(time_rtt("300ms", 4), Some(1200));
        // Below 0.2 s and above 120 s are clamped, not refused.
        assert_eq!(time_rtt("5ms", 4), Some(800));
        assert_eq!(time_rtt("200s", 8), Some(960_000));
        assert_eq!(time_rtt("121s", 1), None);
        assert_eq!(time_rtt("1000000", 8), None);
        assert_eq!(time_rtt("1.5", 8), None);
        assert_eq!(time_rtt("1e3", 1), None);
        assert_eq!(time_rtt("5min", 1), None);
    }
}
