//! `virtual_server IP [PORT] | fwmark N | group NAME { ... }`.

use std::net::{IpAddr, Ipv4Addr};

use super::real_server::{self, RealServer, WEIGHT_LIMIT};
use super::types::{ip_port, parse_forwarding, Family, Forwarding, Protocol, Sched, SvcFlags};
use crate::config::checker::values::{connect_timer, flag, int_in, timer_min, RunAs, Script};
use crate::config::diag::{Diagnostics, Loc};
use crate::config::kwtable::keyword_table;
use crate::config::tree::Node;
use crate::core::time::Micros;

keyword_table! {
    /// The keywords of a virtual_server block; real_server first, as the one a big config
    /// repeats a thousand times (the lookup scans in this order).
    enum Kw {
        "real_server" => RealServer,
        "ip_family" => IpFamily,
        "retry" => Retry,
        "delay_before_retry" => DelayBeforeRetry,
        "warmup" => Warmup,
        "connect_timeout" => ConnectTimeout,
        "delay_loop" => DelayLoop,
        "inhibit_on_failure" => InhibitOnFailure,
        "lb_algo" => LbAlgo,
        "lvs_sched" => LvsSched,
        "hashed" => Hashed,
        "ops" => Ops,
        "flag-1" => Flag1,
        "flag-2" => Flag2,
        "flag-3" => Flag3,
        "sh-port" => ShPort,
        "sh-fallback" => ShFallback,
        "mh-port" => MhPort,
        "mh-fallback" => MhFallback,
        "lb_kind" => LbKind,
        "lvs_method" => LvsMethod,
        "persistence_engine" => PersistenceEngine,
        "persistence_timeout" => PersistenceTimeout,
        "persistence_granularity" => PersistenceGranularity,
        "protocol" => Protocol,
        "ha_suspend" => HaSuspend,
        "smtp_alert" => SmtpAlert,
        "virtualhost" => Virtualhost,
        "snmp_name" => SnmpName,
        "alpha" => Alpha,
        "omega" => Omega,
        "quorum_up" => QuorumUp,
        "quorum_down" => QuorumDown,
        "quorum" => Quorum,
        "hysteresis" => Hysteresis,
        "weight" => Weight,
        "sorry_server" => SorryServer,
        "sorry_server_inhibit" => SorryServerInhibit,
        "sorry_server_lvs_method" => SorryServerLvsMethod,
    }
}

/// What the virtual server is: an address, a firewall mark or a virtual_server_group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VsAddr {
    Ip { ip: IpAddr, port: Option<u16> },
    Fwmark(u32),
    Group(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SorryServer {
    loc: Loc,
    pub(crate) ip: IpAddr,
    pub(crate) port: Option<u16>,
    pub(crate) inhibit: bool,
    pub(crate) forwarding: Option<Forwarding>,
}

/// How clients are grouped for persistence: an IPv4 netmask (need not be contiguous,
/// as for ipvsadm) or an IPv6 prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Granularity {
    V4Mask(Ipv4Addr),
    V6Prefix(u8),
}

/// The longest persistence IPVS accepts: 31 days.
const MAX_PERSISTENCE: i64 = 31 * 86_400;
/// `persistence_timeout` given without a value.
pub(crate) const DEFAULT_PERSISTENCE: u32 = 360;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualServer {
    pub(crate) loc: Loc,
    /// The closing brace: keepalived judges the sorry server there.
    pub(crate) end: Loc,
    pub(crate) addr: VsAddr,
    pub(crate) ip_family: Option<Family>,
    /// None: keepalived warns and uses wlc.
    pub(crate) sched: Option<Sched>,
    pub(crate) flags: SvcFlags,
    /// None: keepalived warns and uses NAT (unless every real server has its own).
    pub(crate) forwarding: Option<Forwarding>,
    pub(crate) persistence_engine: Option<String>,
    pub(crate) persistence_timeout: Option<u32>,
    pub(crate) persistence_granularity: Option<Granularity>,
    /// None: keepalived warns and uses UDP (for address services).
    pub(crate) protocol: Option<Protocol>,
    /// Loc of the `protocol` line, for the fwmark warning.
    protocol_loc: Option<Loc>,
    pub(crate) ha_suspend: bool,
    pub(crate) smtp_alert: Option<bool>,
    pub(crate) virtualhost: Option<String>,
    pub(crate) snmp_name: Option<String>,
    pub(crate) alpha: bool,
    pub(crate) omega: bool,
    pub(crate) quorum: u32,
    pub(crate) hysteresis: u32,
    pub(crate) quorum_up: Option<Script>,
    pub(crate) quorum_down: Option<Script>,
    /// `USER [GROUP]` given after quorum_up / quorum_down (else the default script user).
    /// Not yet used by the checker runner.
    pub(crate) quorum_run_as: [Option<RunAs>; 2],
    /// Default weight of the real servers.
    pub(crate) weight: u32,
    pub(crate) sorry_server: Option<SorryServer>,
    pub(crate) inhibit_on_failure: bool,
    pub(crate) delay_loop: Micros,
    pub(crate) delay_before_retry: Option<Micros>,
    pub(crate) warmup: Option<Micros>,
    pub(crate) retry: Option<u32>,
    pub(crate) connect_timeout: Micros,
    pub(crate) real_servers: Vec<RealServer>,
}

impl VirtualServer {
    fn new(loc: Loc, end: Loc, addr: VsAddr) -> Self {
        VirtualServer {
            loc,
            end,
            addr,
            ip_family: None,
            sched: None,
            flags: SvcFlags::default(),
            forwarding: None,
            persistence_engine: None,
            persistence_timeout: None,
            persistence_granularity: None,
            protocol: None,
            protocol_loc: None,
            ha_suspend: false,
            smtp_alert: None,
            virtualhost: None,
            snmp_name: None,
            alpha: false,
            omega: false,
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            quorum_run_as: [None, None],
            weight: 1,
            sorry_server: None,
            inhibit_on_failure: false,
            delay_loop: Micros::from_secs(60),
            delay_before_retry: None,
            warmup: None,
            retry: None,
            connect_timeout: Micros::from_secs(5),
            real_servers: Vec::new(),
        }
    }

    /// How keepalived names it in messages: `[IP]:PORT`, `FWM N` or the group name.
    pub(crate) fn describe(&self) -> String {
        match &self.addr {
            VsAddr::Ip { ip, port } => format!("[{ip}]:{}", port.unwrap_or(0)),
            VsAddr::Fwmark(m) => format!("FWM {m}"),
            VsAddr::Group(g) => format!("group {g}"),
        }
    }
}

fn parse_addr(n: &Node, d: &mut Diagnostics) -> Option<VsAddr> {
    match n.arg(0) {
        Some("fwmark") => {
            let m = int_in(n, 1, 0, i64::from(u32::MAX), d)?;
            Some(VsAddr::Fwmark(m as u32))
        }
        Some("group") => {
            let g = n.require_arg(1, "a virtual_server_group name", d)?;
            Some(VsAddr::Group(g.to_string()))
        }
        _ => {
            let (ip, port) = ip_port(n, 0, d)?;
            Some(VsAddr::Ip { ip, port })
        }
    }
}

pub(crate) fn parse(n: &Node, d: &mut Diagnostics) -> Option<VirtualServer> {
    let addr = parse_addr(n, d)?;
    let mut vs = VirtualServer::new(n.loc, n.end_loc(), addr);
    if let VsAddr::Ip { ip, .. } = &vs.addr {
        vs.ip_family = Some(Family::of(ip));
    }
    for c in n.children() {
        option(&mut vs, c, d);
    }
    Some(vs)
}

fn option(vs: &mut VirtualServer, c: &Node, d: &mut Diagnostics) {
    let kw = c.keyword();
    let Some(k) = Kw::lookup(kw) else {
        d.unknown_keyword(c.loc, kw);
        return;
    };
    match k {
        Kw::IpFamily => {
            let f = match c.require_arg(0, "inet or inet6", d) {
                Some("inet") => Family::Inet,
                Some("inet6") => Family::Inet6,
                Some(f) => {
                    d.warn(c.loc, format_args!("unknown address family {f} - ignoring"));
                    return;
                }
                None => return,
            };
            if vs.ip_family.is_some_and(|g| g != f) {
                d.warn(
                    c.loc,
                    "ip_family conflicts with the server's address - ignoring",
                );
            } else {
                vs.ip_family = Some(f);
            }
        }
        Kw::Retry => vs.retry = uint(c, 1, i64::from(u32::MAX), d).or(vs.retry),
        Kw::DelayBeforeRetry => {
            vs.delay_before_retry = timer_min(c, Micros(0), d).or(vs.delay_before_retry)
        }
        Kw::Warmup => vs.warmup = timer_min(c, Micros(0), d).or(vs.warmup),
        Kw::ConnectTimeout => {
            vs.connect_timeout = connect_timer(c, d).unwrap_or(vs.connect_timeout)
        }
        Kw::DelayLoop => vs.delay_loop = timer_min(c, Micros(1), d).unwrap_or(vs.delay_loop),
        Kw::InhibitOnFailure => vs.inhibit_on_failure = flag(c, d).unwrap_or(true),
        Kw::LbAlgo | Kw::LvsSched => {
            if let Some(s) = c.require_arg(0, "a scheduler", d) {
                match Sched::from_name(s) {
                    Some(s) => vs.sched = Some(s),
                    None => d.warn(
                        c.loc,
                        format_args!("invalid lvs_scheduler '{s}' - ignoring"),
                    ),
                }
            }
        }
        Kw::Hashed => vs.flags.hashed = true,
        Kw::Ops => vs.flags.one_packet = true,
        Kw::Flag1 => vs.flags.sched1 = true,
        Kw::Flag2 => vs.flags.sched2 = true,
        Kw::Flag3 => vs.flags.sched3 = true,
        Kw::ShPort | Kw::ShFallback | Kw::MhPort | Kw::MhFallback => {
            let want = if kw.starts_with("sh") {
                Sched::Sh
            } else {
                Sched::Mh
            };
            if vs.sched != Some(want) {
                d.warn(
                    c.loc,
                    format_args!(
                        "{kw} only applies to the {} scheduler - ignoring",
                        want.name()
                    ),
                );
            } else if kw.ends_with("fallback") {
                vs.flags.sched1 = true;
            } else {
                vs.flags.sched2 = true;
            }
        }
        Kw::LbKind | Kw::LvsMethod => vs.forwarding = parse_forwarding(c, d).or(vs.forwarding),
        Kw::PersistenceEngine => {
            vs.persistence_engine = c.require_arg(0, "an engine name", d).map(Into::into)
        }
        Kw::PersistenceTimeout => {
            if c.arg(0).is_none() {
                vs.persistence_timeout = Some(DEFAULT_PERSISTENCE);
            } else if let Some(t) = uint(c, 1, MAX_PERSISTENCE, d) {
                vs.persistence_timeout = Some(t);
            }
        }
        Kw::PersistenceGranularity => {
            if let Some(g) = granularity(c, vs.ip_family, d) {
                vs.persistence_granularity = Some(g);
                if vs.ip_family.is_none() {
                    vs.ip_family = Some(match g {
                        Granularity::V4Mask(_) => Family::Inet,
                        Granularity::V6Prefix(_) => Family::Inet6,
                    });
                }
                // A granularity means persistence, even without persistence_timeout.
                vs.persistence_timeout.get_or_insert(DEFAULT_PERSISTENCE);
            }
        }
        Kw::Protocol => {
            let p = match c.require_arg(0, "TCP, UDP or SCTP", d) {
                Some("TCP") => Protocol::Tcp,
                Some("UDP") => Protocol::Udp,
                Some("SCTP") => Protocol::Sctp,
                Some(o) => {
                    d.warn(c.loc, format_args!("unknown protocol {o} - ignoring"));
                    return;
                }
                None => return,
            };
            vs.protocol = Some(p);
            vs.protocol_loc = Some(c.loc);
        }
        Kw::HaSuspend => vs.ha_suspend = true,
        Kw::SmtpAlert => vs.smtp_alert = flag(c, d).or(vs.smtp_alert),
        Kw::Virtualhost => vs.virtualhost = c.checked_arg(0, "a host name", d).map(Into::into),
        Kw::SnmpName => vs.snmp_name = c.checked_arg(0, "a name", d).map(Into::into),
        Kw::Alpha => vs.alpha = true,
        Kw::Omega => vs.omega = true,
        Kw::QuorumUp | Kw::QuorumDown => {
            let i = usize::from(k == Kw::QuorumDown);
            let slot = if i == 0 {
                &mut vs.quorum_up
            } else {
                &mut vs.quorum_down
            };
            if slot.is_some() {
                d.warn(
                    c.loc,
                    format_args!("{kw} script already specified - ignoring"),
                );
            } else if let Some((s, user)) = Script::from_notify_args(c, d) {
                *slot = Some(s);
                vs.quorum_run_as[i] = user;
            }
        }
        Kw::Quorum => vs.quorum = uint(c, 1, i64::from(u32::MAX), d).unwrap_or(1),
        Kw::Hysteresis => {
            vs.hysteresis = uint(c, 0, i64::from(u32::MAX), d).unwrap_or(vs.hysteresis)
        }
        Kw::Weight => vs.weight = uint(c, 1, WEIGHT_LIMIT, d).unwrap_or(vs.weight),
        Kw::SorryServer => {
            if let Some((ip, port)) = ip_port(c, 0, d) {
                vs.sorry_server = Some(SorryServer {
                    loc: c.loc,
                    ip,
                    port,
                    inhibit: false,
                    forwarding: None,
                });
            }
        }
        Kw::SorryServerInhibit => match vs.sorry_server.as_mut() {
            Some(s) => s.inhibit = flag(c, d).unwrap_or(true),
            None => d.warn(
                c.loc,
                "sorry_server_inhibit before or without sorry_server - ignoring",
            ),
        },
        Kw::SorryServerLvsMethod => match vs.sorry_server.as_mut() {
            Some(s) => s.forwarding = parse_forwarding(c, d).or(s.forwarding),
            None => d.warn(
                c.loc,
                "sorry_server_lvs_method before or without sorry_server - ignoring",
            ),
        },
        Kw::RealServer => {
            if let Some(rs) = real_server::parse(c, d) {
                vs.real_servers.push(rs);
            }
        }
    }
}

fn uint(c: &Node, lo: i64, hi: i64, d: &mut Diagnostics) -> Option<u32> {
    int_in(c, 0, lo, hi, d).map(|v| v as u32)
}

/// The family is the server's, or guessed from the value (a dot means IPv4).
fn granularity(c: &Node, fam: Option<Family>, d: &mut Diagnostics) -> Option<Granularity> {
    let s = c.require_arg(0, "a netmask", d)?;
    let fam = fam.unwrap_or(if s.contains('.') {
        Family::Inet
    } else {
        Family::Inet6
    });
    let g = match fam {
        Family::Inet6 => s
            .parse::<u8>()
            .ok()
            .filter(|l| (1..=128).contains(l))
            .map(Granularity::V6Prefix),
        Family::Inet => s.parse::<Ipv4Addr>().ok().map(Granularity::V4Mask),
    };
    if g.is_none() {
        d.warn(
            c.loc,
            format_args!("invalid persistence_granularity {s} - ignoring"),
        );
    }
    g
}
