//! Rule lines: `ip rule add` syntax (`[not] [from P] [to P] [iif IF] [oif IF] [tos T]
//! [fwmark M[/MASK]] [priority N] [table T | goto N | nop | blackhole | ...] ...`).

use super::super::diag::{Diagnostics, Loc};
use super::super::tree::Node;
use super::route::{RouteDest, RTPROT_KEEPALIVED};
use super::tables::{self, RouteType};
use super::{addr_word, check_dev, set_family, Family, NetCtx, Words};
use crate::config::kwtable::keyword_table;
use crate::net::rtnl::spec::RuleSpec;
pub(crate) use crate::net::rtnl::spec::{PortRange, RuleAction};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) loc: Loc,
    pub(crate) family: Family,
    pub(crate) from: Option<RouteDest>,
    pub(crate) to: Option<RouteDest>,
    pub(crate) action: RuleAction,
    pub(crate) invert: bool,
    /// `None`: not given; keepalived then assigns one counting down from 16384 per family
    /// (with a warning), which whoever installs the rules has to do.
    pub(crate) priority: Option<u32>,
    pub(crate) tos: Option<u8>,
    /// `fwmark VALUE[/MASK]`.
    pub(crate) fwmark: Option<(u32, Option<u32>)>,
    pub(crate) realms: Option<u32>,
    pub(crate) suppress_prefixlen: Option<u32>,
    pub(crate) suppress_ifgroup: Option<u32>,
    pub(crate) iif: Option<String>,
    pub(crate) oif: Option<String>,
    pub(crate) tunnel_id: Option<u64>,
    pub(crate) uidrange: Option<(u32, u32)>,
    /// keepalived forces its own protocol on tracked rules.
    pub(crate) protocol: Option<u8>,
    pub(crate) ip_proto: Option<u8>,
    pub(crate) sport: Option<PortRange>,
    pub(crate) dport: Option<PortRange>,
    pub(crate) no_track: bool,
    pub(crate) track_group: Option<String>,
}

impl<'a> From<&'a Rule> for RuleSpec<'a> {
    fn from(r: &'a Rule) -> RuleSpec<'a> {
        RuleSpec {
            family: r.family,
            from: r.from,
            to: r.to,
            action: r.action,
            invert: r.invert,
            priority: r.priority,
            tos: r.tos,
            fwmark: r.fwmark,
            realms: r.realms,
            suppress_prefixlen: r.suppress_prefixlen,
            suppress_ifgroup: r.suppress_ifgroup,
            iif: r.iif.as_deref(),
            oif: r.oif.as_deref(),
            tunnel_id: r.tunnel_id,
            uidrange: r.uidrange,
            protocol: r.protocol,
            ip_proto: r.ip_proto,
            sport: r.sport,
            dport: r.dport,
        }
    }
}

pub(crate) fn parse_rule_in(n: &Node, ctx: &NetCtx, d: &mut Diagnostics) -> Option<Rule> {
    parse(n, ctx, d).map_err(|e| d.error(n.loc, e)).ok()
}

fn prefix(
    w: &mut Words,
    opt: &str,
    fam: &mut Option<Family>,
    loc: Loc,
    d: &mut Diagnostics,
) -> Result<RouteDest, String> {
    let v = w.value(opt)?;
    let bad = || format!("invalid rule {opt} address '{v}'");
    let (dst, f): (RouteDest, Option<Family>) = match v {
        "default" | "any" | "all" => (RouteDest::Default, None),
        "default6" => (RouteDest::Default, Some(Family::V6)),
        _ => {
            let (a, l, _) = addr_word(v, true, loc, d).map_err(|_| bad())?;
            (RouteDest::Prefix(a, l), Some(Family::of(&a)))
        }
    };
    let mixed = || "rule has mixed IPv4 and IPv6".to_string();
    match f {
        Some(f) => set_family(fam, f, "rule").map_err(|_| mixed())?,
        // keepalived compares `default`'s (empty) family with the one already known.
        None if fam.is_some() => return Err(mixed()),
        None => {}
    }
    Ok(dst)
}

/// `N` or `N-M` the way keepalived's sscanf reads it: a single port is rejected.
fn port_range(s: &str) -> Option<PortRange> {
    let (a, b) = s.split_once('-')?;
    let start = tables::parse_decimal(a, 65535)? as u16;
    let end = tables::parse_decimal(b, 65535)? as u16;
    Some(PortRange { start, end })
}

/// An IP protocol name (from /etc/protocols) or number.
fn ip_proto(s: &str) -> Option<u8> {
    if let Some(v) = tables::parse_decimal(s, 255) {
        return Some(v as u8);
    }
    const KNOWN: &[(&str, u8)] = &[
        ("icmp", 1),
        ("igmp", 2),
        ("tcp", 6),
        ("udp", 17),
        ("ipv6", 41),
        ("gre", 47),
        ("esp", 50),
        ("ah", 51),
        ("ipv6-icmp", 58),
        ("sctp", 132),
        ("udplite", 136),
    ];
    let lower = s.to_ascii_lowercase();
    if let Some((_, v)) = KNOWN.iter().find(|(n, _)| *n == lower) {
        return Some(*v);
    }
    let text = std::fs::read_to_string("/etc/protocols").ok()?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let num = f.get(1)?.parse::<u8>().ok()?;
            let mut names = f.iter().take(1).chain(f.iter().skip(2));
            names.any(|n| n.eq_ignore_ascii_case(s)).then_some(num)
        })
}

keyword_table! {
    /// The options of a rule line; any other word is its action.
    enum Opt {
        "inet" => Inet,
        "inet6" => Inet6,
        "from" => From,
        "to" => To,
        "table" => Table,
        "lookup" => Lookup,
        "not" => Not,
        "preference" => Preference,
        "order" => Order,
        "priority" => Priority,
        "tos" => Tos,
        "dsfield" => Dsfield,
        "fwmark" => Fwmark,
        "realms" => Realms,
        "suppress_prefixlength" => SuppressPrefixlength,
        "sup_pl" => SupPl,
        "suppress_ifgroup" => SuppressIfgroup,
        "sup_group" => SupGroup,
        "dev" => Dev,
        "iif" => Iif,
        "oif" => Oif,
        "tunnel-id" => TunnelId,
        "uidrange" => Uidrange,
        "l3mdev" => L3mdev,
        "protocol" => Protocol,
        "ipproto" => Ipproto,
        "sport" => Sport,
        "dport" => Dport,
        "no_track" => NoTrack,
        "track_group" => TrackGroup,
    }
}

fn parse(n: &Node, ctx: &NetCtx, d: &mut Diagnostics) -> Result<Rule, String> {
    let loc = n.loc;
    let mut w = Words::new(n);
    let mut fam: Option<Family> = None;
    let mut action: Option<RuleAction> = None;
    let mut table_option = false;
    let mut r = Rule {
        loc,
        family: Family::V4,
        from: None,
        to: None,
        action: RuleAction::Nop,
        invert: false,
        priority: None,
        tos: None,
        fwmark: None,
        realms: None,
        suppress_prefixlen: None,
        suppress_ifgroup: None,
        iif: None,
        oif: None,
        tunnel_id: None,
        uidrange: None,
        protocol: None,
        ip_proto: None,
        sport: None,
        dport: None,
        no_track: false,
        track_group: None,
    };
    let one_action =
        "only one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev can be given for a rule";
    while let Some(opt) = w.next() {
        match Opt::lookup(opt) {
            Some(Opt::Inet | Opt::Inet6) => {
                super::family_word(&mut w, opt, &mut fam, "rule", loc, d)?
            }
            Some(Opt::From) => r.from = Some(prefix(&mut w, opt, &mut fam, loc, d)?),
            Some(Opt::To) => r.to = Some(prefix(&mut w, opt, &mut fam, loc, d)?),
            Some(Opt::Table | Opt::Lookup) => {
                let v = w.value(opt)?;
                let t = tables::table(v)
                    .ok_or_else(|| format!("routing table '{v}' not found for rule"))?;
                if t == 0 {
                    return Err("table 0 is not valid for a rule".into());
                }
                if action.is_some() {
                    return Err(one_action.into());
                }
                action = Some(RuleAction::Table(t));
            }
            Some(Opt::Not) => r.invert = true,
            Some(Opt::Preference | Opt::Order | Opt::Priority) => {
                let v = w.value(opt)?;
                let p = tables::parse_c_unsigned(v)
                    .filter(|p| *p <= u64::from(u32::MAX))
                    .ok_or_else(|| format!("invalid rule preference '{v}'"))?;
                r.priority = Some(p as u32);
            }
            Some(Opt::Tos | Opt::Dsfield) => {
                let v = w.value(opt)?;
                r.tos =
                    Some(tables::dsfield(v).ok_or_else(|| format!("TOS value '{v}' is invalid"))?);
            }
            Some(Opt::Fwmark) => {
                let v = w.value(opt)?;
                let bad = || format!("invalid rule fwmark '{v}'");
                let (mark, mask) = match v.split_once('/') {
                    Some((m, k)) => (m, Some(k)),
                    None => (v, None),
                };
                let num = |s: &str| {
                    tables::parse_c_unsigned(s)
                        .filter(|x| *x <= u64::from(u32::MAX))
                        .map(|x| x as u32)
                };
                let mark = num(mark).ok_or_else(bad)?;
                let mask = match mask {
                    Some(k) => Some(num(k).ok_or_else(bad)?),
                    None => None,
                };
                r.fwmark = Some((mark, mask));
            }
            Some(Opt::Realms) => {
                let v = w.value(opt)?;
                r.realms = Some(
                    tables::realms(v).ok_or_else(|| format!("invalid realms '{v}' for rule"))?,
                );
                table_option = true;
                set_family(&mut fam, Family::V4, "rule")
                    .map_err(|_| "realms is only valid for IPv4".to_string())?;
            }
            Some(Opt::SuppressPrefixlength | Opt::SupPl) => {
                let v = w.value(opt)?;
                r.suppress_prefixlen = Some(
                    tables::parse_decimal(v, i32::MAX as u64)
                        .ok_or_else(|| format!("invalid suppress_prefixlength '{v}'"))?
                        as u32,
                );
                table_option = true;
            }
            Some(Opt::SuppressIfgroup | Opt::SupGroup) => {
                let v = w.value(opt)?;
                r.suppress_ifgroup = Some(
                    tables::parse_c_unsigned(v)
                        .filter(|g| *g <= i32::MAX as u64)
                        .ok_or_else(|| format!("suppress_ifgroup '{v}' is invalid"))?
                        as u32,
                );
                table_option = true;
            }
            Some(Opt::Dev | Opt::Iif) => r.iif = Some(check_dev(ctx, w.value(opt)?, "rule")?),
            Some(Opt::Oif) => r.oif = Some(check_dev(ctx, w.value(opt)?, "rule")?),
            Some(Opt::TunnelId) => {
                let v = w.value(opt)?;
                r.tunnel_id = Some(
                    tables::parse_decimal(v, u64::MAX)
                        .ok_or_else(|| format!("invalid tunnel-id '{v}'"))?,
                );
            }
            Some(Opt::Uidrange) => {
                let v = w.value(opt)?;
                let range = v.split_once('-').and_then(|(a, b)| {
                    Some((
                        tables::parse_decimal(a, u64::from(u32::MAX))? as u32,
                        tables::parse_decimal(b, u64::from(u32::MAX))? as u32,
                    ))
                });
                r.uidrange = Some(range.ok_or_else(|| format!("invalid uidrange '{v}'"))?);
            }
            Some(Opt::L3mdev) => {
                if action.is_some() {
                    return Err("l3mdev cannot be given with another action".into());
                }
                action = Some(RuleAction::L3mdev);
            }
            Some(Opt::Protocol) => {
                let v = w.value(opt)?;
                match tables::parse_decimal(v, 255) {
                    Some(p) => r.protocol = Some(p as u8),
                    None => d.warn(loc, format_args!("invalid rule protocol '{v}' - ignoring")),
                }
            }
            Some(Opt::Ipproto) => {
                let v = w.value(opt)?;
                match ip_proto(v) {
                    Some(p) => r.ip_proto = Some(p),
                    None => d.warn(loc, format_args!("invalid ipproto '{v}' - ignoring")),
                }
            }
            Some(k @ (Opt::Sport | Opt::Dport)) => {
                let v = w.value(opt)?;
                match port_range(v) {
                    Some(p) if k == Opt::Sport => r.sport = Some(p),
                    Some(p) => r.dport = Some(p),
                    None => d.warn(loc, format_args!("invalid {opt} range '{v}' - ignoring")),
                }
            }
            Some(Opt::NoTrack) => r.no_track = true,
            Some(Opt::TrackGroup) if ctx.static_block => {
                if !super::track_group(&mut w, &mut r.track_group, ctx, loc, d)? {
                    break;
                }
            }
            _ => {
                let word = if opt == "type" { w.value(opt)? } else { opt };
                let a = match word {
                    "goto" => {
                        let v = w.value(word)?;
                        RuleAction::Goto(
                            tables::parse_decimal(v, u64::from(u32::MAX))
                                .ok_or_else(|| format!("invalid goto target '{v}'"))?
                                as u32,
                        )
                    }
                    "nop" => RuleAction::Nop,
                    _ => match tables::route_type(word) {
                        Some(RouteType::Blackhole) => RuleAction::Blackhole,
                        Some(RouteType::Unreachable) => RuleAction::Unreachable,
                        Some(RouteType::Prohibit) => RuleAction::Prohibit,
                        Some(_) => return Err(format!("invalid rule action '{word}'")),
                        None => return Err(format!("unknown rule option '{word}'")),
                    },
                };
                if action.is_some() {
                    return Err(one_action.into());
                }
                action = Some(a);
            }
        }
    }
    let action = action.ok_or("no action given for rule")?;
    if let RuleAction::Goto(target) = action {
        match r.priority {
            Some(p) if p >= target => {
                return Err(format!(
                    "invalid rule - preference {p} >= goto target {target}"
                ))
            }
            None => {
                return Err(format!(
                    "invalid rule - goto target {target} given without a preference"
                ))
            }
            _ => {}
        }
    }
    let is_table = matches!(action, RuleAction::Table(_) | RuleAction::L3mdev);
    if table_option && !is_table {
        return Err("suppressor/realms given for a rule whose action is not a table".into());
    }
    r.action = action;
    if !r.no_track {
        if r.protocol.is_some_and(|p| p != RTPROT_KEEPALIVED) {
            d.warn(
                loc,
                format_args!("a tracked rule must have protocol keepalived ({RTPROT_KEEPALIVED}) - resetting it"),
            );
        }
        r.protocol = Some(RTPROT_KEEPALIVED);
    }
    if r.track_group.is_some() && r.iif.is_none() {
        d.warn(
            loc,
            "a static rule cannot have a track_group without dev/iif",
        );
        r.track_group = None;
    }
    r.family = fam.unwrap_or(Family::V4);
    if r.priority.is_none() {
        d.warn(
            loc,
            "rule has no preference specified - one will be assigned, probably not what you want",
        );
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{line, msgs};
    use super::*;

    fn parse_v(text: &str) -> (Option<Rule>, Diagnostics) {
        let (n, mut d) = line(text);
        (parse_rule_in(&n, &NetCtx::default(), &mut d), d)
    }

    fn err(text: &str) {
        let (r, d) = parse_v(text);
        assert!(r.is_none() && d.has_errors(), "{text} accepted");
    }

    #[test]
    fn sample_lines() {
        let (r, d) = parse_v("from 192.168.100.0/24 table 1");
        let r = r.unwrap();
        assert_eq!(r.action, RuleAction::Table(1));
        assert_eq!(r.priority, None);
        assert!(msgs(&d)[0].contains("no preference"));
        err("to 192.168.100./24 table 1");
    }

    #[test]
    fn man_page_examples() {
        let (r, d) = parse_v(
            "from 192.168.28.0/24 to 192.168.29.0/26 table 5 iif lo oif lo tos 22 fwmark 24/12 preference 39 realms 30/20",
        );
        assert!(d.items().is_empty(), "{:?}", msgs(&d));
        let r = r.unwrap();
        assert_eq!(r.fwmark, Some((24, Some(12))));
        assert_eq!(r.priority, Some(39));
        let (r, _) = parse_v("to 1:2:3:4:5:6:7:0/112 from 7:6:5:4:3:2::/96 table 6908 uidrange 10000-19999 priority 3");
        let r = r.unwrap();
        assert_eq!(r.family, Family::V6);
        assert_eq!(r.uidrange, Some((10000, 19999)));
        let (r, d) = parse_v("to 1:2:3:4:6:6:7:0/112 l3mdev protocol 12 ipproto UDP sport 10-20 dport 20-30 priority 5");
        let r = r.unwrap();
        assert_eq!(r.action, RuleAction::L3mdev);
        assert_eq!(r.ip_proto, Some(17));
        assert_eq!(r.sport, Some(PortRange { start: 10, end: 20 }));
        assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
        assert_eq!(d.items().len(), 1);
        let (r, d) = parse_v("to default from 10.0.0.0/8 table 2 priority 3");
        assert!(r.is_some() && d.items().is_empty());
        let (r, _) = parse_v("from all priority 10 goto 20");
        assert_eq!(r.unwrap().action, RuleAction::Goto(20));
        let (r, _) = parse_v("not from 10.0.0.0/8 priority 0x10 type unreachable");
        let r = r.unwrap();
        assert!(r.invert);
        assert_eq!((r.priority, r.action), (Some(16), RuleAction::Unreachable));
    }

    #[test]
    fn warnings_keep_the_rule() {
        for l in [
            "from 10.0.0.0/8 table 5 priority 7 ipproto foo",
            "from 10.0.0.0/8 table 5 priority 7 sport 70000",
            "from 10.0.0.0/8 table 5 priority 7 sport 5",
            "from 10.0.0.0/8 table 5 priority 7 protocol 300",
        ] {
            let (r, d) = parse_v(l);
            assert!(
                r.is_some() && !d.has_errors() && d.items().len() == 1,
                "{l}"
            );
        }
    }

    #[test]
    fn errors_drop_the_rule() {
        err("from 10.0.0.0/8 to fe80::/64 table 1");
        err("inet6 from 10.0.0.0/8 table 1");
        err("from 10.0.0.0/8 table 0");
        err("from 10.0.0.0/8 table nosuchtable");
        err("from 10.0.0.0/8 table 1 goto 5 priority 1");
        err("from 10.0.0.0/8 goto 5");
        err("from 10.0.0.0/8 priority 10 goto 5");
        err("from 10.0.0.0/8 priority 1");
        err("from 10.0.0.0/8 priority 1 blackhole realms 3");
        err("from 10.0.0.0/8 priority 1 unicast");
        err("from 10.0.0.0/8 priority 1 frobnicate");
        err("from 10.0.0.0/8 priority x table 1");
        err("from 10.0.0.0/8 fwmark -1 table 1");
        err("from 10.0.0.0/8 fwmark 1/ table 1");
        err("from 10.0.0.0/8 iif nosuchif0 table 1");
        err("from 10.0.0.0/8 uidrange 5 table 1");
        err("l3mdev table 1");
        err("from fe80::/64 realms 3 table 1");
        err("from");
        err("from 10.0.0.0/8 to all table 2 priority 3");
        err("inet6 to all table 2 priority 3");
    }
}
