//! From the config to what each virtual server puts in the kernel: its services (one per
//! address, port and mark of a virtual_server_group), its real servers and sorry server as
//! destinations. Resolved once per (re)load; the manager only chooses which of these are in.

use std::net::IpAddr;

use super::table::{
    af_of, Dest, DestKey, Name, Service, SvcKey, AF_INET, AF_INET6, FWD_DROUTE, FWD_MASQ,
    FWD_TUNNEL, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, SVC_F_HASHED, SVC_F_ONEPACKET,
    SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3, TUN_F_CSUM, TUN_F_NOCSUM,
    TUN_F_REMCSUM, TUN_GRE, TUN_GUE, TUN_IPIP,
};
use crate::check::key::{RsKey, VsKey};
use crate::config::lvs::{
    Family, Forwarding, Granularity, LvsConfig, Protocol, Sched, TunnelCsum, TunnelType,
    VirtualServer, VsAddr,
};

/// A real or sorry server, before it is given a service (its port may be the service's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerPlan {
    /// The server as a destination at its configured weight; `key.port` is the written port
    /// (0 without one) until [`ServerPlan::dest`] gives it a service.
    pub dest: Dest,
    /// The port as written.
    pub port: Option<u16>,
    pub inhibit: bool,
    /// Checkers that start failed (alpha); a server with any starts down.
    pub alpha_checkers: Vec<bool>,
}

impl ServerPlan {
    /// What a reload recognises this real server of `vs` by.
    pub fn key(&self, vs: &VsPlan) -> RsKey {
        RsKey {
            vs: vs.key.clone(),
            ip: self.dest.key.ip,
            port: self.port,
        }
    }

    /// This server as a destination of `svc`, at `weight`. The kernel forces a DR or TUN
    /// destination's port to the service's, so we ask for what it will hold.
    pub fn dest(&self, svc: &SvcKey, weight: u32) -> Dest {
        let svc_port = match svc {
            SvcKey::Addr { port, .. } => *port,
            SvcKey::Fwmark { .. } => 0,
        };
        let port = if self.dest.fwd == FWD_MASQ {
            self.port.unwrap_or(svc_port)
        } else {
            svc_port
        };
        Dest {
            key: DestKey {
                ip: self.dest.key.ip,
                port,
            },
            weight,
            ..self.dest
        }
    }
}

/// What a reload recognises a virtual_server_group entry by (keepalived's vsge_iseq): a
/// range by its first and last address and port, a mark by its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKey {
    Range {
        first: IpAddr,
        last: IpAddr,
        port: u16,
    },
    Mark(u32),
}

/// One entry of a virtual server's group, with keepalived's name for it in the reload line
/// that says it is gone: `[IP]:PROTO:PORT`, `[IP]:PROTO:PORT-LAST` for a range, the mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupEntry {
    pub key: EntryKey,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VsPlan {
    /// What a reload recognises it by.
    pub key: VsKey,
    /// keepalived's name for it in logs.
    pub name: String,
    pub services: Vec<Service>,
    pub real_servers: Vec<ServerPlan>,
    pub sorry: Option<ServerPlan>,
    pub quorum: u32,
    pub hysteresis: u32,
    pub omega: bool,
    /// A group's entries (empty for an address or fwmark virtual server).
    pub entries: Vec<GroupEntry>,
}

fn fwd(f: Option<Forwarding>) -> (u32, u8, u16, u16) {
    match f.unwrap_or(Forwarding::Nat) {
        Forwarding::Nat => (FWD_MASQ, 0, 0, 0),
        Forwarding::Dr => (FWD_DROUTE, 0, 0, 0),
        Forwarding::Tun { kind, csum } => {
            let (t, p) = match kind {
                TunnelType::Ipip => (TUN_IPIP, 0),
                TunnelType::Gue(p) => (TUN_GUE, p),
                TunnelType::Gre => (TUN_GRE, 0),
            };
            let c = match csum {
                None | Some(TunnelCsum::NoCsum) => TUN_F_NOCSUM,
                Some(TunnelCsum::Csum) => TUN_F_CSUM,
                Some(TunnelCsum::RemCsum) => TUN_F_REMCSUM,
            };
            (FWD_TUNNEL, t, p, c)
        }
    }
}

fn name(s: &str) -> Name {
    let mut n = Name::new();
    let _ = n.push_str(s);
    n
}

/// A service of `vs` at `key`.
fn service(vs: &VirtualServer, key: SvcKey) -> Service {
    let f = &vs.flags;
    let mut flags = 0;
    for (on, bit) in [
        (vs.persistence_timeout.is_some(), SVC_F_PERSISTENT),
        (f.hashed, SVC_F_HASHED),
        (f.one_packet, SVC_F_ONEPACKET),
        (f.sched1, SVC_F_SCHED1),
        (f.sched2, SVC_F_SCHED2),
        (f.sched3, SVC_F_SCHED3),
    ] {
        if on {
            flags |= bit;
        }
    }
    let netmask = match (vs.persistence_granularity, key.af()) {
        (Some(Granularity::V4Mask(m)), AF_INET) => u32::from_ne_bytes(m.octets()),
        (Some(Granularity::V6Prefix(p)), AF_INET6) => u32::from(p),
        (_, AF_INET6) => 128,
        _ => u32::MAX,
    };
    Service {
        key,
        sched: name(vs.sched.unwrap_or(Sched::Wlc).name()),
        flags,
        timeout: vs.persistence_timeout.unwrap_or(0),
        netmask,
        pe: name(vs.persistence_engine.as_deref().unwrap_or("")),
    }
}

fn proto(vs: &VirtualServer) -> u16 {
    // keepalived's surprising default (it warns at load): UDP.
    match vs.protocol.unwrap_or(Protocol::Udp) {
        Protocol::Tcp => IPPROTO_TCP,
        Protocol::Udp => IPPROTO_UDP,
        Protocol::Sctp => IPPROTO_SCTP,
    }
}

fn family_af(f: Family) -> u16 {
    match f {
        Family::Inet => AF_INET,
        Family::Inet6 => AF_INET6,
    }
}

/// A fwmark service without a family takes its servers' (keepalived does the same).
fn vs_af(vs: &VirtualServer) -> u16 {
    vs.ip_family
        .map(family_af)
        .or_else(|| vs.real_servers.first().map(|r| af_of(&r.ip)))
        .or_else(|| vs.sorry_server.as_ref().map(|s| af_of(&s.ip)))
        .unwrap_or(AF_INET)
}

/// The address `first` with its last octet (IPv4) or last group (IPv6) set to `low`.
fn with_low(first: IpAddr, low: u16) -> IpAddr {
    match first {
        IpAddr::V4(a) => {
            let mut o = a.octets();
            o[3] = low as u8;
            IpAddr::from(o)
        }
        IpAddr::V6(a) => {
            let mut s = a.segments();
            s[7] = low;
            IpAddr::from(s)
        }
    }
}

/// The services `vs` puts in the kernel.
pub fn keys(vs: &VirtualServer, lvs: &LvsConfig) -> Vec<SvcKey> {
    match &vs.addr {
        VsAddr::Ip { ip, port } => vec![SvcKey::Addr {
            proto: proto(vs),
            ip: *ip,
            port: port.unwrap_or(0),
        }],
        VsAddr::Fwmark(mark) => vec![SvcKey::Fwmark {
            af: vs_af(vs),
            mark: *mark,
        }],
        VsAddr::Group(g) => {
            let Some(g) = lvs.groups.iter().find(|x| &x.name == g) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for r in &g.ranges {
                let low = match r.first {
                    IpAddr::V4(a) => u16::from(a.octets()[3]),
                    IpAddr::V6(a) => a.segments()[7],
                };
                for v in low..=r.last {
                    out.push(SvcKey::Addr {
                        proto: proto(vs),
                        ip: with_low(r.first, v),
                        port: r.port,
                    });
                }
            }
            for m in &g.fwmarks {
                out.push(SvcKey::Fwmark {
                    af: m.family.map(family_af).unwrap_or_else(|| vs_af(vs)),
                    mark: m.mark,
                });
            }
            out
        }
    }
}

/// The entries of `vs`'s group, ranges first, as keepalived lists them.
fn entries(vs: &VirtualServer, lvs: &LvsConfig) -> Vec<GroupEntry> {
    let VsAddr::Group(g) = &vs.addr else {
        return Vec::new();
    };
    let Some(g) = lvs.groups.iter().find(|x| &x.name == g) else {
        return Vec::new();
    };
    // Written as check::checkers::names writes a server (not used from here: check::checkers
    // depends on this module); a group's service without `protocol` is keepalived's "none".
    let proto = match vs.protocol {
        Some(Protocol::Tcp) => "tcp",
        Some(Protocol::Udp) => "udp",
        Some(Protocol::Sctp) => "sctp",
        None => "none",
    };
    let mut out = Vec::new();
    for r in &g.ranges {
        let last = r.last_addr();
        let trio = format!("[{}]:{proto}:{}", r.first, r.port);
        let name = if last == r.first {
            trio
        } else {
            format!("{trio}-{last}")
        };
        let (first, port) = (r.first, r.port);
        out.push(GroupEntry {
            key: EntryKey::Range { first, last, port },
            name,
        });
    }
    for m in &g.fwmarks {
        out.push(GroupEntry {
            key: EntryKey::Mark(m.mark),
            name: m.mark.to_string(),
        });
    }
    out
}

/// Every virtual server's plan, in config order (the manager's indices are the config's).
pub fn plan(lvs: &LvsConfig) -> Vec<VsPlan> {
    // Loops, not nested map/collect chains: measured smaller.
    let mut out = Vec::with_capacity(lvs.virtual_servers.len());
    for vs in &lvs.virtual_servers {
        let mut real_servers = Vec::with_capacity(vs.real_servers.len());
        for rs in &vs.real_servers {
            let (fwd, tun_type, tun_port, tun_flags) = fwd(rs.forwarding.or(vs.forwarding));
            let mut alpha_checkers = Vec::with_capacity(rs.checkers.len());
            for c in &rs.checkers {
                alpha_checkers.push(crate::config::lvs::checker_timing(vs, rs, c).alpha);
            }
            real_servers.push(ServerPlan {
                dest: Dest {
                    key: DestKey {
                        ip: rs.ip,
                        port: rs.port.unwrap_or(0),
                    },
                    fwd,
                    tun_type,
                    tun_port,
                    tun_flags,
                    weight: rs.weight.unwrap_or(vs.weight),
                    u_threshold: rs.uthreshold.unwrap_or(0),
                    l_threshold: rs.lthreshold.unwrap_or(0),
                },
                port: rs.port,
                inhibit: rs.inhibit_on_failure.unwrap_or(vs.inhibit_on_failure),
                alpha_checkers,
            });
        }
        let sorry = vs.sorry_server.as_ref().map(|s| {
            let (fwd, tun_type, tun_port, tun_flags) = fwd(s.forwarding.or(vs.forwarding));
            ServerPlan {
                dest: Dest {
                    key: DestKey {
                        ip: s.ip,
                        port: s.port.unwrap_or(0),
                    },
                    fwd,
                    tun_type,
                    tun_port,
                    tun_flags,
                    weight: 1,
                    u_threshold: 0,
                    l_threshold: 0,
                },
                port: s.port,
                inhibit: s.inhibit,
                alpha_checkers: Vec::new(),
            }
        });
        let svc_keys = keys(vs, lvs);
        let mut services = Vec::with_capacity(svc_keys.len());
        for k in svc_keys {
            services.push(service(vs, k));
        }
        out.push(VsPlan {
            key: VsKey::of(vs),
            name: vs.describe(),
            services,
            real_servers,
            sorry,
            quorum: vs.quorum,
            hysteresis: vs.hysteresis,
            omega: vs.omega,
            entries: entries(vs, lvs),
        });
    }
    out
}
