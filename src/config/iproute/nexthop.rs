//! The multipath and encapsulation parts of a route line: `nexthop via A dev IF weight N
//! onlink realms R encap ...` (repeated) and `encap mpls|ip|ip6|ila ...`.

use std::net::IpAddr;

use super::super::diag::{Diagnostics, Loc};
use super::tables;
use super::{addr_word, check_dev, set_family, Family, NetCtx, Words};
use crate::net::rtnl::spec::{Encap, Nexthop};

pub(super) fn parse_nexthops(
    w: &mut Words,
    ctx: &NetCtx,
    fam: &mut Option<Family>,
    out: &mut Vec<Nexthop>,
    loc: Loc,
    d: &mut Diagnostics,
) -> Result<(), String> {
    let what = "nexthop";
    // The word `nexthop` that opened the list has been read already.
    loop {
        let mut nh = Nexthop::default();
        while let Some(opt) = w.peek() {
            if opt == "nexthop" {
                break;
            }
            w.next();
            match opt {
                "via" => {
                    let mut v = w.value(opt)?;
                    if v == "inet" || v == "inet6" {
                        let f = if v == "inet" { Family::V4 } else { Family::V6 };
                        set_family(fam, f, what)?;
                        v = w.value(opt)?;
                    }
                    let (a, ..) = addr_word(v, false, loc, d)
                        .map_err(|_| format!("invalid nexthop address '{v}'"))?;
                    set_family(fam, Family::of(&a), what)?;
                    nh.via = Some(a);
                }
                "dev" => nh.dev = Some(check_dev(ctx, w.value(opt)?, "route nexthop")?),
                "weight" => {
                    let v = w.value(opt)?;
                    match tables::parse_decimal(v, 256) {
                        Some(0) => return Err("invalid weight 0 for route nexthop".into()),
                        Some(x) => nh.weight = Some(x as u16),
                        None => return Err(format!("invalid weight '{v}' for route nexthop")),
                    }
                }
                "onlink" => nh.onlink = true,
                "encap" => nh.encap = parse_encap(w, loc, d),
                "realms" => {
                    let v = w.value(opt)?;
                    nh.realms = Some(
                        tables::realms(v)
                            .ok_or_else(|| format!("invalid realms '{v}' for route"))?,
                    );
                    if *fam == Some(Family::V6) {
                        return Err("realms are only supported for IPv4".into());
                    }
                    *fam = Some(Family::V4);
                }
                "as" => return Err("'as [to]' (nat) is not supported".into()),
                _ => {
                    return Err(format!(
                        "route has trailing nonsense after nexthops - '{opt}'"
                    ))
                }
            }
        }
        out.push(nh);
        if w.next().is_none() {
            return Ok(());
        }
    }
}

/// keepalived reports a bad `encap` and goes on with the route.
pub(super) fn parse_encap(w: &mut Words, loc: Loc, d: &mut Diagnostics) -> Option<Encap> {
    let r = encap(w, loc, d);
    r.map_err(|e| d.warn(loc, e)).ok()
}

fn encap(w: &mut Words, loc: Loc, d: &mut Diagnostics) -> Result<Encap, String> {
    let kind = w.next().ok_or("missing encap type")?;
    match kind {
        "mpls" => {
            let v = w.next().ok_or("missing address for MPLS encapsulation")?;
            let labels: Option<Vec<u32>> = v
                .split('/')
                .map(|l| tables::parse_decimal(l, (1 << 20) - 1).map(|x| x as u32))
                .collect();
            labels
                .map(Encap::Mpls)
                .ok_or_else(|| format!("invalid mpls address {v} for encapsulation"))
        }
        "ila" => {
            let v = w.next().ok_or("missing locator for ILA encapsulation")?;
            let parts: Vec<&str> = v.split(':').collect();
            let ok = parts.len() == 4
                && parts.iter().all(|p| {
                    !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_hexdigit())
                });
            let mut val = Some(0u64);
            for p in &parts {
                let x = u64::from_str_radix(p, 16).ok();
                val = val.zip(x).map(|(acc, x)| acc << 16 | x);
            }
            match (ok, val) {
                (true, Some(x)) => Ok(Encap::Ila(x)),
                _ => Err(format!("invalid locator {v} for ila encapsulation")),
            }
        }
        "ip" | "ip6" => {
            let v6 = kind == "ip6";
            let fam = if v6 { Family::V6 } else { Family::V4 };
            let (mut id, mut dst, mut src, mut tos, mut ttl, mut flags) =
                (None, None, None, None, None, None);
            while let (Some(k), Some(v)) = (w.peek(), w.w.get(w.i + 1).map(String::as_str)) {
                let addr = |d: &mut Diagnostics| -> Result<IpAddr, String> {
                    let (a, ..) = addr_word(v, false, loc, d)
                        .map_err(|_| format!("invalid encap {kind} {k} '{v}'"))?;
                    if Family::of(&a) != fam {
                        return Err(format!("address {v} not valid for {kind} encapsulation"));
                    }
                    Ok(a)
                };
                match (k, v6) {
                    ("id", _) => {
                        id = Some(
                            tables::parse_decimal(v, u64::MAX)
                                .ok_or_else(|| format!("encap id '{v}' is invalid"))?,
                        )
                    }
                    ("dst", _) => dst = Some(addr(d)?),
                    ("src", _) => src = Some(addr(d)?),
                    ("tos", false) | ("tc", true) => {
                        tos = Some(
                            tables::dsfield(v)
                                .ok_or_else(|| format!("{k} '{v}' is invalid for encapsulation"))?,
                        )
                    }
                    ("ttl", false) | ("hoplimit", true) => {
                        ttl = Some(
                            tables::parse_decimal(v, 255)
                                .ok_or_else(|| format!("{k} '{v}' is invalid for encapsulation"))?
                                as u8,
                        )
                    }
                    ("flags", _) => {
                        flags =
                            Some(tables::parse_decimal(v, 65535).ok_or_else(|| {
                                format!("flags '{v}' are invalid for encapsulation")
                            })? as u16)
                    }
                    _ => break,
                }
                w.i += 2;
            }
            if dst.is_none() && id.is_none() {
                return Err(format!("address or id missing for {kind} encapsulation"));
            }
            Ok(Encap::Ip {
                v6,
                id,
                dst,
                src,
                tos,
                ttl,
                flags,
            })
        }
        _ => Err(format!("unknown encap type '{kind}'")),
    }
}
