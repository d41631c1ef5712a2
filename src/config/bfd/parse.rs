//! Reading one `bfd_instance` block, with keepalived's defaults, ranges and messages
//! (bfd_parser.c at v2.2.7): a bad value is reported and the default kept; an instance
//! without a usable neighbor is reported and dropped.

use std::net::IpAddr;

use super::{BfdInstance, BfdName, NAME_MAX};
use crate::config::diag::Diagnostics;
use crate::config::track::{TrackedBfd, Weight};
use crate::config::tree::Node;
use crate::config::value::parse_sock_ip;
use crate::config::Config;
use crate::core::time::Micros;

/// Interval limits in ms, as keepalived words them; inside, µs.
const INTERVAL_MAX_MS: u32 = u32::MAX / 1000;
const MIN_RX_MIN_MS: u32 = 1;
const MIN_TX_MIN_MS: u32 = 1;
const IDLE_TX_MIN_MS: u32 = 1000;

/// Handles a top-level `bfd_instance`; false for other keywords.
pub(crate) fn parse_top(n: &Node, cfg: &mut Config, d: &mut Diagnostics) -> bool {
    if n.keyword() != "bfd_instance" {
        return false;
    }
    let Some(name) = n.require_arg(0, "a name", d) else {
        return true;
    };
    if name.len() > NAME_MAX {
        d.error(
            n.loc,
            format!("Configuration error: BFD instance {name} name too long (maximum length is {NAME_MAX} characters) - ignoring"),
        );
        return true;
    }
    if cfg.bfd.names.iter().any(|b| b.name == name) {
        d.error(
            n.loc,
            format!("Configuration error: BFD instance {name} already configured - ignoring"),
        );
        return true;
    }
    let (inst, seen) = parse_block(n, name, cfg, d);
    // keepalived's VRRP side knows every name not reserved to the checker side, however the
    // BFD side judged the block.
    if seen.to_vrrp {
        cfg.vrrp.trackers.bfds.push(TrackedBfd {
            name: seen.name.clone(),
            weight: seen.weight,
        });
    }
    cfg.bfd.names.push(seen);
    if let Some(i) = inst {
        cfg.bfd.instances.push(i);
    }
    true
}

fn parse_block(
    n: &Node,
    name: &str,
    cfg: &Config,
    d: &mut Diagnostics,
) -> (Option<BfdInstance>, BfdName) {
    let mut i = BfdInstance {
        loc: n.loc,
        name: name.to_string(),
        neighbor: IpAddr::from([0, 0, 0, 0]),
        source: None,
        min_rx: Micros(10_000),
        min_tx: Micros(10_000),
        idle_tx: Micros(1_000_000),
        multiplier: 5,
        passive: false,
        ttl: 0,
        max_hops: 0,
        to_vrrp: false,
        to_checker: false,
    };
    let mut neighbor = None;
    let mut bad_neighbor = false;
    // keepalived keeps the spelling last used in its messages.
    let mut nbr_word = "neighbor";
    let mut weight = Weight::default();
    let (mut vrrp, mut checker) = (false, false);
    let err = |d: &mut Diagnostics, c: &Node, what: &str, v: &str, range: &str| {
        d.error(
            c.loc,
            format!("Configuration error: BFD instance {name} {what} value {v} {range}, ignoring"),
        );
    };
    for c in n.children() {
        let kw = c.keyword();
        match kw {
            "passive" => i.passive = true,
            "vrrp" => vrrp = true,
            "checker" => checker = true,
            _ if !KEYWORDS.contains(&kw) => d.unknown_keyword(c.loc, kw),
            _ => {
                let Some(v) = c.require_arg(0, "a value", d) else {
                    continue;
                };
                match kw {
                    "neighbor_ip" | "neighbour_ip" => {
                        if kw == "neighbour_ip" {
                            nbr_word = "neighbour";
                        }
                        match parse_sock_ip(v) {
                            Some(a) => neighbor = Some(a),
                            None => {
                                d.error(c.loc, format!("Configuration error: BFD instance {name} has malformed {nbr_word} address {v}, ignoring instance"));
                                bad_neighbor = true;
                            }
                        }
                    }
                    "source_ip" => match parse_sock_ip(v) {
                        Some(a) => i.source = Some(a),
                        None => d.error(c.loc, format!("Configuration error: BFD instance {name} has malformed source address {v}, ignoring")),
                    },
                    "min_rx" | "min_tx" | "idle_tx" => {
                        let (slot, lo) = match kw {
                            "min_rx" => (&mut i.min_rx, MIN_RX_MIN_MS),
                            "min_tx" => (&mut i.min_tx, MIN_TX_MIN_MS),
                            _ => (&mut i.idle_tx, IDLE_TX_MIN_MS),
                        };
                        match millis(v, lo, INTERVAL_MAX_MS) {
                            Some(us) => *slot = us,
                            None => err(
                                d,
                                c,
                                kw,
                                v,
                                &format!("is not valid (must be in range [{lo}-{INTERVAL_MAX_MS}])"),
                            ),
                        }
                    }
                    "multiplier" => match int(v, 1, 255) {
                        Some(m) => i.multiplier = m as u8,
                        None => err(d, c, kw, v, "not valid (must be in range [1-255])"),
                    },
                    "ttl" | "hoplimit" => match int(v, 1, 255) {
                        Some(t) => i.ttl = t as u8,
                        None => err(
                            d,
                            c,
                            "ttl/hoplimit",
                            v,
                            "not valid (must be in range [1-255])",
                        ),
                    },
                    // -1 is stored in keepalived's unsigned byte as 255: no hop check.
                    "max_hops" => match int(v, -1, 255) {
                        Some(h) => i.max_hops = h as u8,
                        None => err(d, c, kw, v, "not valid (must be in range [-1-255])"),
                    },
                    _ => weight = bfd_weight(c, v, name, weight, d),
                }
            }
        }
    }
    // Neither keyword: events go to both sides.
    let both = !vrrp && !checker;
    i.to_vrrp = both || vrrp;
    i.to_checker = both || checker;
    let seen = BfdName {
        name: name.to_string(),
        weight,
        to_vrrp: i.to_vrrp,
        to_checker: i.to_checker,
        vs_before: cfg.lvs.virtual_servers.len(),
    };
    if bad_neighbor {
        return (None, seen);
    }
    let end = n.end_loc();
    let Some(nbr) = neighbor else {
        d.error(end, format!("Configuration error: BFD instance {name} has no {nbr_word} address set, disabling instance"));
        return (None, seen);
    };
    i.neighbor = nbr;
    if let Some(src) = i.source.filter(|s| s.is_ipv4() != nbr.is_ipv4()) {
        d.error(end, format!("Configuration error: BFD instance {name} source address {src} and {nbr_word} address {nbr} are not of the same family, disabling instance"));
        return (None, seen);
    }
    if cfg.bfd.instances.iter().any(|o| {
        o.neighbor == nbr && (o.source.is_none() || i.source.is_none() || o.source == i.source)
    }) {
        let msg = match i.source {
            Some(src) => format!("Configuration error: BFD instance {name} has duplicate source/{nbr_word} address {src}/{nbr}, ignoring instance"),
            None => format!("Configuration error: BFD instance {name} has duplicate {nbr_word} address {nbr}, ignoring instance"),
        };
        d.error(end, msg);
        return (None, seen);
    }
    if i.ttl == 0 {
        i.ttl = if nbr.is_ipv4() { 255 } else { 64 };
    }
    if i.max_hops > i.ttl {
        d.error(
            end,
            format!("BFD instance {name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit"),
        );
        i.max_hops = i.ttl;
    }
    (Some(i), seen)
}

/// The keywords that take a value.
const KEYWORDS: &[&str] = &[
    "neighbor_ip",
    "neighbour_ip",
    "source_ip",
    "min_rx",
    "min_tx",
    "idle_tx",
    "multiplier",
    "ttl",
    "hoplimit",
    "max_hops",
    "weight",
];

/// `weight N [reverse]`: the default weight of the VRRP side's `track_bfd` entries. A bad
/// number keeps the old weight; a bad option is reported and the number kept.
fn bfd_weight(c: &Node, v: &str, name: &str, old: Weight, d: &mut Diagnostics) -> Weight {
    let mut w = old;
    match int(v, -253, 253) {
        Some(x) => w.weight = x as i32,
        None => d.error(c.loc, format!("Configuration error: BFD instance {name} weight value {v} not valid (must be in range [-253-253]), ignoring")),
    }
    match c.arg(1) {
        None => {}
        Some("reverse") => w.reverse = true,
        Some(o) => d.error(
            c.loc,
            format!("Configuration error: BFD instance {name} unknown weight option {o}"),
        ),
    }
    w
}

fn int(s: &str, lo: i64, hi: i64) -> Option<i64> {
    s.parse::<i64>().ok().filter(|v| (lo..=hi).contains(v))
}

/// Milliseconds with up to three decimals (keepalived's µs resolution), within `lo..=hi` ms.
pub(super) fn millis(s: &str, lo: u32, hi: u32) -> Option<Micros> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 3 {
        return None;
    }
    let mut us: u64 = whole.parse::<u64>().ok()?.checked_mul(1000)?;
    let mut scale = 100;
    for b in frac.bytes() {
        us += u64::from(b - b'0') * scale;
        scale /= 10;
    }
    (u64::from(lo) * 1000..=u64::from(hi) * 1000)
        .contains(&us)
        .then_some(Micros(us))
}
