//! Address lines: `ADDR[/LEN] [brd X|+|-] [dev IF] [scope S] [label L] [peer P] [home]
//! [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [preferred_lft N|forever]`
//! plus `track_group G` in static_ipaddress and `use_vmac` in VRRP blocks.

use std::net::{IpAddr, Ipv4Addr};

use super::super::diag::{Diagnostics, Loc};
use super::super::kwtable::keyword_table;
use super::super::tree::Node;
use super::{addr_word, check_dev, tables, Family, NetCtx, Words};

/// `IFA_F_*` flags asked for on the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct AddrFlags {
    pub(crate) home: bool,
    pub(crate) nodad: bool,
    mngtmpaddr: bool,
    pub(crate) noprefixroute: bool,
    autojoin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IpAddress {
    pub(crate) loc: Loc,
    pub(crate) addr: IpAddr,
    pub(crate) prefix_len: u8,
    /// `None`: the VRRP instance's interface (static addresses always get one).
    pub(crate) dev: Option<String>,
    /// IPv4 broadcast, already worked out for `brd +` / `brd -`.
    pub(crate) broadcast: Option<Ipv4Addr>,
    pub(crate) scope: Option<u8>,
    pub(crate) label: Option<String>,
    pub(crate) peer: Option<IpAddr>,
    pub(crate) flags: AddrFlags,
    pub(crate) no_track: bool,
    /// IPv6 preferred lifetime in seconds (`u32::MAX` = forever); keepalived's default
    /// deprecates /128 addresses (0) and keeps the others preferred.
    pub(crate) preferred_lft: Option<u32>,
    pub(crate) track_group: Option<String>,
    pub(crate) use_vmac: bool,
}

pub(crate) fn parse_address_in(n: &Node, ctx: &NetCtx, d: &mut Diagnostics) -> Option<IpAddress> {
    parse(n, ctx, d).map_err(|e| d.error(n.loc, e)).ok()
}

enum Brd {
    Addr(Ipv4Addr),
    Set,
    Clear,
}

keyword_table! {
    /// The options of an address line after its address.
    enum Opt {
        "dev" => Dev,
        "scope" => Scope,
        "broadcast" => Broadcast,
        "brd" => Brd,
        "label" => Label,
        "peer" => Peer,
        "home" => Home,
        "-nodad" => Nodad,
        "mngtmpaddr" => Mngtmpaddr,
        "noprefixroute" => Noprefixroute,
        "autojoin" => Autojoin,
        "no_track" => NoTrack,
        "preferred_lft" => PreferredLft,
        "track_group" => TrackGroup,
        "use_vmac" => UseVmac,
    }
}

fn parse(n: &Node, ctx: &NetCtx, d: &mut Diagnostics) -> Result<IpAddress, String> {
    let loc = n.loc;
    let mut w = Words::new(n);
    let first = w.next().ok_or("empty address line")?;
    let (addr, mut prefix_len, _) = addr_word(first, true, loc, d)?;
    let fam = Family::of(&addr);
    let mut a = IpAddress {
        loc,
        addr,
        prefix_len,
        dev: None,
        broadcast: None,
        scope: None,
        label: None,
        peer: None,
        flags: AddrFlags::default(),
        no_track: false,
        preferred_lft: None,
        track_group: None,
        use_vmac: false,
    };
    let mut brd = None;
    while let Some(opt) = w.next() {
        match Opt::lookup(opt) {
            Some(Opt::Dev) => {
                let v = w.value(opt)?;
                if a.dev.is_some() {
                    return Err(format!("device given more than once for {first}"));
                }
                a.dev = Some(check_dev(ctx, v, &format!("ip address {first}"))?);
            }
            Some(Opt::Scope) => {
                let v = w.value(opt)?;
                match tables::scope(v) {
                    Some(s) => a.scope = Some(s),
                    None => d.warn(
                        loc,
                        format_args!("invalid scope '{v}' for {first} - ignoring"),
                    ),
                }
            }
            Some(Opt::Broadcast | Opt::Brd) => {
                let v = w.value(opt)?;
                if fam == Family::V6 {
                    return Err(format!("broadcast {v} given for IPv6 address {first}"));
                }
                brd = Some(match v {
                    "+" => Brd::Set,
                    "-" => Brd::Clear,
                    _ => Brd::Addr(
                        v.parse()
                            .map_err(|_| format!("invalid broadcast address '{v}'"))?,
                    ),
                });
            }
            Some(Opt::Label) => {
                let v = w.value(opt)?;
                if v.len() >= libc::IFNAMSIZ {
                    return Err(format!(
                        "address label {v} is longer than {} characters",
                        libc::IFNAMSIZ - 1
                    ));
                }
                a.label = Some(v.to_string());
            }
            Some(Opt::Peer) => {
                let v = w.value(opt)?;
                if a.peer.is_some() {
                    d.warn(
                        loc,
                        format_args!("peer {v}: a peer is already given - ignoring"),
                    );
                    continue;
                }
                match addr_word(v, false, loc, d) {
                    Err(_) => d.warn(loc, format_args!("invalid peer address '{v}' - ignoring")),
                    Ok((p, ..)) if Family::of(&p) != fam => d.warn(
                        loc,
                        format_args!(
                            "peer address {v} does not match the address family - ignoring"
                        ),
                    ),
                    Ok((p, ..)) => {
                        if prefix_len != fam.max_prefix() {
                            d.warn(
                                loc,
                                "a prefix length cannot be given with a peer - ignoring it",
                            );
                        }
                        prefix_len = fam.max_prefix();
                        a.peer = Some(p);
                    }
                }
            }
            Some(Opt::Home) => a.flags.home = true,
            Some(Opt::Nodad) => a.flags.nodad = true,
            Some(Opt::Mngtmpaddr) => a.flags.mngtmpaddr = true,
            Some(Opt::Noprefixroute) => a.flags.noprefixroute = true,
            Some(Opt::Autojoin) => a.flags.autojoin = true,
            Some(Opt::NoTrack) => a.no_track = true,
            Some(Opt::PreferredLft) => {
                let v = w.value(opt)?;
                if v == "forever" {
                    a.preferred_lft = Some(u32::MAX);
                } else if let Some(t) = tables::parse_decimal(v, u64::from(u32::MAX)) {
                    a.preferred_lft = Some(t as u32);
                } else {
                    d.warn(
                        loc,
                        format_args!("preferred_lft '{v}' is invalid - ignoring"),
                    );
                }
            }
            Some(Opt::TrackGroup) if ctx.static_block => {
                if !super::track_group(&mut w, &mut a.track_group, ctx, loc, d)? {
                    break;
                }
            }
            Some(Opt::UseVmac) if !ctx.static_block => a.use_vmac = true,
            _ => d.warn(
                loc,
                format_args!("unknown option '{opt}' for ip address - ignoring"),
            ),
        }
    }
    a.prefix_len = prefix_len;
    if let (Some(b), IpAddr::V4(v4)) = (brd, addr) {
        if a.peer.is_some() {
            d.warn(
                loc,
                "cannot give both broadcast and peer addresses - ignoring broadcast",
            );
        } else {
            a.broadcast = match b {
                Brd::Addr(x) => Some(x),
                _ if prefix_len > 30 => {
                    d.warn(
                        loc,
                        format_args!(
                            "prefix length {prefix_len} is too long for a broadcast address"
                        ),
                    );
                    None
                }
                Brd::Set => Some(Ipv4Addr::from(u32::from(v4) | (u32::MAX >> prefix_len))),
                Brd::Clear => Some(Ipv4Addr::from(u32::from(v4) & !(u32::MAX >> prefix_len))),
            };
        }
    }
    if ctx.static_block && a.dev.is_none() {
        let def = ctx.default_interface.as_deref().unwrap_or("eth0");
        if !ctx.interface_ok(def) {
            return Err(format!(
                "static address {first} needs an interface, and default interface {def} doesn't exist"
            ));
        }
        a.dev = Some(def.to_string());
    }
    if fam == Family::V6 {
        if a.scope.take().is_some() {
            d.warn(
                loc,
                format_args!("scope cannot be given for IPv6 address {first} - ignoring"),
            );
        }
        if a.label.take().is_some() {
            d.warn(
                loc,
                format_args!("label cannot be given for IPv6 address {first} - ignoring"),
            );
        }
        if a.preferred_lft.is_none() {
            a.preferred_lft = Some(if prefix_len == 128 { 0 } else { u32::MAX });
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{line, msgs};
    use super::*;

    fn parse_v(text: &str) -> (Option<IpAddress>, Diagnostics) {
        let (n, mut d) = line(text);
        (parse_address_in(&n, &NetCtx::default(), &mut d), d)
    }

    #[test]
    fn full_line() {
        let (a, d) = parse_v("10.1.2.3/24 brd + dev lo scope link label lo:1 no_track");
        let a = a.unwrap();
        assert!(d.items().is_empty(), "{:?}", msgs(&d));
        assert_eq!(a.prefix_len, 24);
        assert_eq!(a.broadcast, Some(Ipv4Addr::new(10, 1, 2, 255)));
        assert_eq!(a.dev.as_deref(), Some("lo"));
        assert_eq!(a.scope, Some(253));
        assert_eq!(a.label.as_deref(), Some("lo:1"));
        assert!(a.no_track);
    }

    #[test]
    fn default_lengths_and_v6_lifetime() {
        let (a, _) = parse_v("192.168.200.16");
        assert_eq!(a.unwrap().prefix_len, 32);
        let (a, _) = parse_v("fe80::1 -nodad noprefixroute home autojoin mngtmpaddr");
        let a = a.unwrap();
        assert_eq!(a.prefix_len, 128);
        assert_eq!(a.preferred_lft, Some(0));
        assert!(a.flags.nodad && a.flags.noprefixroute && a.flags.home);
        let (a, _) = parse_v("2001:db8::1/64 preferred_lft forever");
        assert_eq!(a.unwrap().preferred_lft, Some(u32::MAX));
    }

    #[test]
    fn bad_address_drops_the_line() {
        let (a, d) = parse_v("192.168.100./24");
        assert!(a.is_none());
        assert!(d.has_errors());
    }

    #[test]
    fn bad_prefix_is_a_warning() {
        let (a, d) = parse_v("10.0.0.1/33");
        assert_eq!(a.unwrap().prefix_len, 32);
        assert!(!d.has_errors() && d.items().len() == 1);
    }

    #[test]
    fn missing_interface_is_an_error_unless_dynamic() {
        let (a, d) = parse_v("10.0.0.1 dev nosuchif0");
        assert!(a.is_none());
        assert!(msgs(&d)[0].contains("doesn't exist"));
        let (n, mut d) = line("10.0.0.1 dev nosuchif0");
        let ctx = NetCtx {
            dynamic_interfaces: true,
            ..NetCtx::default()
        };
        assert!(parse_address_in(&n, &ctx, &mut d).is_some());
    }

    #[test]
    fn broadcast_on_v6_and_bad_label_drop() {
        assert!(parse_v("fe80::1 brd 1.2.3.4").0.is_none());
        assert!(parse_v("10.0.0.1 label averyveryverylongname").0.is_none());
        assert!(parse_v("10.0.0.1 brd 1.2.3").0.is_none());
        assert!(parse_v("10.0.0.1 dev").0.is_none());
    }

    #[test]
    fn warnings_that_keep_the_address() {
        for l in [
            "10.0.0.1 scope galaxy",
            "10.0.0.1 frobnicate",
            "fe80::1 scope link",
            "10.0.0.1/24 peer 10.0.0.2",
            "10.0.0.1 peer fe80::1",
            "10.0.0.1 peer 10.0.0.2 brd 10.0.0.255",
            "10.0.0.1/31 brd +",
            "10.0.0.1 track_group G",
        ] {
            let (a, d) = parse_v(l);
            assert!(a.is_some(), "{l}");
            assert!(!d.has_errors() && !d.items().is_empty(), "{l}");
        }
    }

    #[test]
    fn static_addresses_use_the_default_interface() {
        let (n, mut d) = line("10.0.0.1 track_group G");
        let ctx = NetCtx {
            static_block: true,
            default_interface: Some("lo".into()),
            ..NetCtx::default()
        };
        let a = parse_address_in(&n, &ctx, &mut d).unwrap();
        assert_eq!(a.dev.as_deref(), Some("lo"));
        assert_eq!(a.track_group.as_deref(), Some("G"));
        let ctx = NetCtx {
            static_block: true,
            default_interface: Some("nosuchif0".into()),
            ..NetCtx::default()
        };
        assert!(parse_address_in(&n, &ctx, &mut d).is_none());
    }
}
