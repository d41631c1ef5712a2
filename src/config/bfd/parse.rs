//! Reading one `bfd_instance` block, with keepalived's defaults, ranges and messages
//! (bfd_parser.c at v2.2.7): a bad value is reported and the default kept; an instance
//! without a usable neighbor is reported and dropped.

use std::net::IpAddr;

use super::{BfdInstance, NAME_MAX};
use crate::config::diag::{Diagnostics, Loc};
use crate::config::kwtable::keyword_table;
use crate::config::track::{TrackedBfd, Weight};
use crate::config::tree::Node;
use crate::config::value::parse_sock_ip;
use crate::config::Config;
use crate::core::time::Micros;

/// The longest interval keepalived takes, in ms (its µs must fit 32 bits).
const INTERVAL_MAX_MS: i64 = (u32::MAX / 1000) as i64;

keyword_table! {
    /// The keywords of a bfd_instance block.
    enum Kw {
        "passive" => Passive,
        "vrrp" => Vrrp,
        "checker" => Checker,
        "neighbor_ip" => NeighborIp,
        "neighbour_ip" => NeighbourIp,
        "source_ip" => SourceIp,
        "min_rx" => MinRx,
        "min_tx" => MinTx,
        "idle_tx" => IdleTx,
        "multiplier" => Multiplier,
        "ttl" => Ttl,
        "hoplimit" => Hoplimit,
        "max_hops" => MaxHops,
        "weight" => Weight,
    }
}

/// Handles a top-level `bfd_instance`; false for other keywords.
pub(crate) fn parse_top(n: &Node, cfg: &mut Config, d: &mut Diagnostics) -> bool {
    if n.keyword() != "bfd_instance" {
        return false;
    }
    let Some(name) = n.require_arg(0, "a name", d) else {
        return true;
    };
    if name.len() > NAME_MAX {
        refuse(
            d,
            n.loc,
            name,
            format_args!("name too long (maximum length is 31 characters) - ignoring"),
        );
        return true;
    }
    if cfg.bfd.instances.iter().any(|b| b.name == name) {
        refuse(
            d,
            n.loc,
            name,
            format_args!("already configured - ignoring"),
        );
        return true;
    }
    let i = parse_block(n, name, cfg, d);
    // keepalived's VRRP side knows every name not reserved to the checker side, however the
    // BFD side judged the block.
    if i.to_vrrp {
        cfg.vrrp.trackers.bfds.push(TrackedBfd {
            name: i.name.clone(),
            weight: i.weight,
        });
    }
    cfg.bfd.instances.push(i);
    true
}

fn parse_block(n: &Node, name: &str, cfg: &Config, d: &mut Diagnostics) -> BfdInstance {
    let mut i = BfdInstance {
        name: name.to_string(),
        usable: false,
        neighbor: IpAddr::from([0, 0, 0, 0]),
        source: None,
        min_rx: Micros(10_000),
        min_tx: Micros(10_000),
        idle_tx: Micros(1_000_000),
        multiplier: 5,
        passive: false,
        ttl: 0,
        max_hops: 0,
        weight: Weight::default(),
        to_vrrp: false,
        to_checker: false,
        vs_before: cfg.lvs.virtual_servers.len(),
    };
    let mut neighbor = None;
    let mut bad_neighbor = false;
    // keepalived keeps the spelling last used in its messages.
    let mut nbr_word = "neighbor";
    let (mut vrrp, mut checker) = (false, false);
    for c in n.children() {
        let kw = c.keyword();
        let Some(k) = Kw::lookup(kw) else {
            d.unknown_keyword(c.loc, kw);
            continue;
        };
        match k {
            Kw::Passive => i.passive = true,
            Kw::Vrrp => vrrp = true,
            Kw::Checker => checker = true,
            Kw::NeighborIp | Kw::NeighbourIp | Kw::SourceIp => {
                let Some(v) = c.require_arg(0, "an address", d) else {
                    continue;
                };
                let a = parse_sock_ip(v);
                if k == Kw::SourceIp {
                    i.source = a.or(i.source);
                    if a.is_none() {
                        let why = format_args!("has malformed source address {v}, ignoring");
                        refuse(d, c.loc, name, why);
                    }
                    continue;
                }
                if k == Kw::NeighbourIp {
                    nbr_word = "neighbour";
                }
                neighbor = a.or(neighbor);
                if a.is_none() {
                    let why =
                        format_args!("has malformed {nbr_word} address {v}, ignoring instance");
                    refuse(d, c.loc, name, why);
                    bad_neighbor = true;
                }
            }
            _ => {
                let Some(v) = c.require_arg(0, "a number", d) else {
                    continue;
                };
                number(&mut i, c, k, v, d);
            }
        }
    }
    // Neither keyword: events go to both sides.
    let both = !vrrp && !checker;
    i.to_vrrp = both || vrrp;
    i.to_checker = both || checker;
    if bad_neighbor {
        return i;
    }
    let end = n.end_loc();
    let Some(nbr) = neighbor else {
        refuse(
            d,
            end,
            name,
            format_args!("has no {nbr_word} address set, disabling instance"),
        );
        return i;
    };
    i.neighbor = nbr;
    if let Some(src) = i.source.filter(|s| s.is_ipv4() != nbr.is_ipv4()) {
        refuse(d, end, name, format_args!("source address {src} and {nbr_word} address {nbr} are not of the same family, disabling instance"));
        return i;
    }
    if cfg.bfd.sessions().any(|o| {
        o.neighbor == nbr && (o.source.is_none() || i.source.is_none() || o.source == i.source)
    }) {
        match i.source {
            Some(src) => refuse(
                d,
                end,
                name,
                format_args!(
                    "has duplicate source/{nbr_word} address {src}/{nbr}, ignoring instance"
                ),
            ),
            None => refuse(
                d,
                end,
                name,
                format_args!("has duplicate {nbr_word} address {nbr}, ignoring instance"),
            ),
        }
        return i;
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
    i.usable = true;
    i
}

/// keepalived's "Configuration error: BFD instance NAME ..." (one format for all of them:
/// each format! of a message costs bytes in the armv7 build).
fn refuse(d: &mut Diagnostics, loc: Loc, name: &str, rest: std::fmt::Arguments<'_>) {
    d.error(
        loc,
        format!("Configuration error: BFD instance {name} {rest}"),
    );
}

/// A numeric keyword of `i` (`v`: its value). Intervals are written in ms with up to three
/// decimals and kept in µs; a refused value keeps the default, as keepalived does, with one
/// message shape for all (each format! costs bytes in the armv7 build).
fn number(i: &mut BfdInstance, c: &Node, k: Kw, v: &str, d: &mut Diagnostics) {
    let kw = c.keyword();
    let (what, lo, hi, range) = match k {
        Kw::MinRx | Kw::MinTx => (kw, 1, INTERVAL_MAX_MS, "[1-4294967]"),
        Kw::IdleTx => (kw, 1000, INTERVAL_MAX_MS, "[1000-4294967]"),
        Kw::Ttl | Kw::Hoplimit => ("ttl/hoplimit", 1, 255, "[1-255]"),
        // -1 is kept in keepalived's unsigned byte as 255: no hop check.
        Kw::MaxHops => (kw, -1, 255, "[-1-255]"),
        Kw::Weight => (kw, -253, 253, "[-253-253]"),
        _ => (kw, 1, 255, "[1-255]"),
    };
    let ms = matches!(k, Kw::MinRx | Kw::MinTx | Kw::IdleTx);
    if k == Kw::Weight {
        match c.arg(1) {
            None => {}
            Some("reverse") => i.weight.reverse = true,
            Some(o) => refuse(
                d,
                c.loc,
                i.name.as_str(),
                format_args!("unknown weight option {o}"),
            ),
        }
    }
    let x = if ms {
        millis(v).filter(|x| (lo * 1000..=hi * 1000).contains(x))
    } else {
        int(v, lo, hi)
    };
    let Some(x) = x else {
        let is = if ms { "is " } else { "" };
        let why =
            format_args!("{what} value {v} {is}not valid (must be in range {range}), ignoring");
        refuse(d, c.loc, i.name.as_str(), why);
        return;
    };
    let us = Micros(x as u64);
    match k {
        Kw::MinRx => i.min_rx = us,
        Kw::MinTx => i.min_tx = us,
        Kw::IdleTx => i.idle_tx = us,
        Kw::Multiplier => i.multiplier = x as u8,
        Kw::MaxHops => i.max_hops = x as u8,
        Kw::Weight => i.weight.weight = x as i32,
        _ => i.ttl = x as u8,
    }
}

fn int(s: &str, lo: i64, hi: i64) -> Option<i64> {
    s.parse::<i64>().ok().filter(|v| (lo..=hi).contains(v))
}

/// Milliseconds with up to three decimals (keepalived's µs resolution), in µs.
pub(super) fn millis(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 3 {
        return None;
    }
    let mut us = whole.parse::<i64>().ok()?.checked_mul(1000)?;
    let mut scale = 100;
    for b in frac.bytes() {
        us += i64::from(b - b'0') * scale;
        scale /= 10;
    }
    Some(us)
}
