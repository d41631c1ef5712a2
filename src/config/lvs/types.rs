//! The IPVS vocabulary: schedulers, forwarding methods, protocols, address families.

use std::net::IpAddr;

use crate::config::checker::values::int_in;
use crate::config::diag::Diagnostics;
use crate::config::tree::Node;

/// `lb_algo` / `lvs_sched`: the IPVS scheduler names keepalived accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sched {
    Rr,
    Wrr,
    Lc,
    Wlc,
    Lblc,
    Sh,
    Mh,
    Dh,
    Fo,
    Ovf,
    Lblcr,
    Sed,
    Nq,
    Twos,
}

impl Sched {
    const ALL: [(&'static str, Sched); 14] = [
        ("rr", Sched::Rr),
        ("wrr", Sched::Wrr),
        ("lc", Sched::Lc),
        ("wlc", Sched::Wlc),
        ("lblc", Sched::Lblc),
        ("sh", Sched::Sh),
        ("mh", Sched::Mh),
        ("dh", Sched::Dh),
        ("fo", Sched::Fo),
        ("ovf", Sched::Ovf),
        ("lblcr", Sched::Lblcr),
        ("sed", Sched::Sed),
        ("nq", Sched::Nq),
        ("twos", Sched::Twos),
    ];

    pub(crate) fn from_name(s: &str) -> Option<Sched> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, v)| *v)
    }

    /// The name the kernel knows it by.
    pub(crate) fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(n, _)| *n)
            .unwrap_or("wlc")
    }
}

/// Service flags: `ops`, `hashed` and the scheduler flags (`flag-1..3`; `sh-port`/`mh-port`
/// are flag-2 and `sh-fallback`/`mh-fallback` flag-1 under another name).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SvcFlags {
    pub(crate) one_packet: bool,
    pub(crate) hashed: bool,
    pub(crate) sched1: bool,
    pub(crate) sched2: bool,
    pub(crate) sched3: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Inet,
    Inet6,
}

impl Family {
    pub(crate) fn of(ip: &IpAddr) -> Family {
        if ip.is_ipv4() {
            Family::Inet
        } else {
            Family::Inet6
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TunnelType {
    Ipip,
    /// Generic UDP encapsulation, to this UDP port.
    Gue(u16),
    Gre,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TunnelCsum {
    NoCsum,
    Csum,
    RemCsum,
}

/// `lb_kind` / `lvs_method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Forwarding {
    Nat,
    Dr,
    Tun {
        kind: TunnelType,
        csum: Option<TunnelCsum>,
    },
}

/// `NAT | DR | TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`. An unknown method is
/// ignored with a warning; a bad tunnel option leaves a plain ipip tunnel, as keepalived has
/// already chosen TUN when it reads the options.
pub(crate) fn parse_forwarding(n: &Node, d: &mut Diagnostics) -> Option<Forwarding> {
    let method = n.require_arg(0, "NAT, DR or TUN", d)?;
    if !matches!(method, "NAT" | "DR" | "TUN") {
        d.warn(
            n.loc,
            format_args!("unknown forwarding method '{method}' - ignoring"),
        );
        return None;
    }
    // keepalived reads tunnel options after any method, and keeps the method when they are bad.
    let tun = tunnel(n, d);
    Some(match method {
        "NAT" => Forwarding::Nat,
        "DR" => Forwarding::Dr,
        _ => tun.unwrap_or(Forwarding::Tun {
            kind: TunnelType::Ipip,
            csum: None,
        }),
    })
}

fn tunnel(n: &Node, d: &mut Diagnostics) -> Option<Forwarding> {
    let mut kind = None;
    let mut port = None;
    let mut csum = None;
    let mut i = 1;
    while let Some(w) = n.arg(i) {
        match w {
            "type" => {
                kind = match n.arg(i + 1) {
                    Some(t @ ("ipip" | "gue" | "gre")) => Some(t),
                    Some(t) => {
                        d.warn(n.loc, format_args!("unknown tunnel type {t} - ignoring"));
                        return None;
                    }
                    None => {
                        d.warn(n.loc, "missing tunnel type - ignoring");
                        return None;
                    }
                };
                i += 1;
            }
            "port" => {
                port = Some(int_in(n, i + 1, 1, 65535, d)? as u16);
                i += 1;
            }
            "nocsum" => csum = Some(TunnelCsum::NoCsum),
            "csum" => csum = Some(TunnelCsum::Csum),
            "remcsum" => csum = Some(TunnelCsum::RemCsum),
            o => {
                d.warn(n.loc, format_args!("invalid tunnel option {o} - ignoring"));
                return None;
            }
        }
        i += 1;
    }
    let kind = match (kind.unwrap_or("ipip"), port) {
        ("gue", Some(p)) => TunnelType::Gue(p),
        ("ipip", None) => TunnelType::Ipip,
        ("gre", None) => TunnelType::Gre,
        _ => {
            d.warn(
                n.loc,
                "gue tunnels need a port, other tunnels cannot have one - ignoring",
            );
            return None;
        }
    };
    match (kind, csum) {
        (TunnelType::Ipip, Some(_)) => {
            d.warn(n.loc, "ipip tunnels have no checksum option - ignoring");
            None
        }
        (TunnelType::Gre, Some(TunnelCsum::RemCsum)) => {
            d.warn(
                n.loc,
                "gre tunnels have no remote checksum option - ignoring",
            );
            None
        }
        _ => Some(Forwarding::Tun { kind, csum }),
    }
}

/// `IP [PORT]` at argument `i`: the address of virtual_server, real_server and sorry_server.
pub(crate) fn ip_port(n: &Node, i: usize, d: &mut Diagnostics) -> Option<(IpAddr, Option<u16>)> {
    let ip = crate::config::value::ip_arg(n, i, d)?;
    // A bad port drops the whole server, so it is an error, not a range warning.
    let port = match n.arg(i + 1) {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(p) => Some(p),
            Err(_) => {
                d.error(
                    n.loc,
                    format_args!("'{}': expected a port, got '{p}'", n.keyword()),
                );
                return None;
            }
        },
    };
    Some((ip, port))
}
