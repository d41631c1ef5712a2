//! Generic netlink messages for the "IPVS" family and for resolving it through the genl
//! controller (include/uapi/linux/ip_vs.h, include/uapi/linux/genetlink.h).
//!
//! A message is the netlink header, a 4-byte genl header (command, version, 2 reserved) and
//! attributes: a service nested in `CMD_ATTR_SERVICE`, a destination in `CMD_ATTR_DEST`.
//! Addresses are sent as the kernel's 16-byte `nf_inet_addr`; ports in network order.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::table::{Dest, DestKey, Name, Op, Service, SvcKey, AF_INET, AF_INET6, FWD_TUNNEL};
use crate::net::netlink::{Attr, Error, Msg, MsgBuilder, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};

pub const GENL_HDRLEN: usize = 4;
pub const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;

pub const IPVS_GENL_NAME: &str = "IPVS";
const IPVS_GENL_VERSION: u8 = 1;

const CMD_NEW_SERVICE: u8 = 1;
const CMD_SET_SERVICE: u8 = 2;
const CMD_DEL_SERVICE: u8 = 3;
const CMD_GET_SERVICE: u8 = 4;
const CMD_NEW_DEST: u8 = 5;
const CMD_SET_DEST: u8 = 6;
const CMD_DEL_DEST: u8 = 7;
const CMD_GET_DEST: u8 = 8;
const CMD_SET_CONFIG: u8 = 12;
const CMD_GET_CONFIG: u8 = 13;
const CMD_FLUSH: u8 = 17;

const CMD_ATTR_SERVICE: u16 = 1;
const CMD_ATTR_DEST: u16 = 2;
const CMD_ATTR_TIMEOUT_TCP: u16 = 4;
const CMD_ATTR_TIMEOUT_TCP_FIN: u16 = 5;
const CMD_ATTR_TIMEOUT_UDP: u16 = 6;

const SVC_ATTR_AF: u16 = 1;
const SVC_ATTR_PROTOCOL: u16 = 2;
const SVC_ATTR_ADDR: u16 = 3;
const SVC_ATTR_PORT: u16 = 4;
const SVC_ATTR_FWMARK: u16 = 5;
const SVC_ATTR_SCHED_NAME: u16 = 6;
const SVC_ATTR_FLAGS: u16 = 7;
const SVC_ATTR_TIMEOUT: u16 = 8;
const SVC_ATTR_NETMASK: u16 = 9;
const SVC_ATTR_PE_NAME: u16 = 11;

const DEST_ATTR_ADDR: u16 = 1;
const DEST_ATTR_PORT: u16 = 2;
const DEST_ATTR_FWD_METHOD: u16 = 3;
const DEST_ATTR_WEIGHT: u16 = 4;
const DEST_ATTR_U_THRESH: u16 = 5;
const DEST_ATTR_L_THRESH: u16 = 6;
const DEST_ATTR_ADDR_FAMILY: u16 = 11;
const DEST_ATTR_TUN_TYPE: u16 = 13;
const DEST_ATTR_TUN_PORT: u16 = 14;
const DEST_ATTR_TUN_FLAGS: u16 = 15;

/// Large enough for any one request we build (a full service and a full destination).
pub const REQ_BUF_LEN: usize = 256;

fn start<'a>(
    buf: &'a mut [u8],
    family: u16,
    flags: u16,
    seq: u32,
    cmd: u8,
    ver: u8,
) -> MsgBuilder<'a> {
    let mut b = MsgBuilder::new(buf, family, flags, seq);
    b.put(&[cmd, ver, 0, 0]);
    b
}

/// CTRL_CMD_GETFAMILY for `name`: the reply carries the family's id.
pub fn get_family<'a>(buf: &'a mut [u8], seq: u32, name: &str) -> Result<&'a [u8], Error> {
    let mut b = start(buf, GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY, 1);
    b.attr_str(CTRL_ATTR_FAMILY_NAME, name);
    b.finish()
}

/// The family id in a controller reply.
pub fn family_id(m: &Msg<'_>) -> Option<u16> {
    m.attrs(GENL_HDRLEN)?.find(CTRL_ATTR_FAMILY_ID)?.u16()
}

fn addr16(ip: &IpAddr) -> [u8; 16] {
    let mut a = [0u8; 16];
    match ip {
        IpAddr::V4(v) => a[..4].copy_from_slice(&v.octets()),
        IpAddr::V6(v) => a = v.octets(),
    }
    a
}

fn svc_key(b: &mut MsgBuilder<'_>, k: &SvcKey) {
    b.attr_u16(SVC_ATTR_AF, k.af());
    match k {
        SvcKey::Addr { proto, ip, port } => {
            b.attr_u16(SVC_ATTR_PROTOCOL, *proto);
            b.attr(SVC_ATTR_ADDR, &addr16(ip));
            b.attr(SVC_ATTR_PORT, &port.to_be_bytes());
        }
        SvcKey::Fwmark { mark, .. } => {
            b.attr_u32(SVC_ATTR_FWMARK, *mark);
        }
    }
}

fn service(b: &mut MsgBuilder<'_>, s: &Service) {
    svc_key(b, &s.key);
    b.attr_str(SVC_ATTR_SCHED_NAME, &s.sched);
    if !s.pe.is_empty() {
        b.attr_str(SVC_ATTR_PE_NAME, &s.pe);
    }
    // struct ip_vs_flags { flags, mask }: every bit is ours to set.
    let mut f = [0u8; 8];
    f[..4].copy_from_slice(&s.flags.to_ne_bytes());
    f[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
    b.attr(SVC_ATTR_FLAGS, &f);
    b.attr_u32(SVC_ATTR_TIMEOUT, s.timeout);
    b.attr_u32(SVC_ATTR_NETMASK, s.netmask);
}

fn dest(b: &mut MsgBuilder<'_>, d: &Dest, full: bool) {
    b.attr(DEST_ATTR_ADDR, &addr16(&d.key.ip));
    b.attr(DEST_ATTR_PORT, &d.key.port.to_be_bytes());
    if !full {
        return;
    }
    b.attr_u32(DEST_ATTR_FWD_METHOD, d.fwd);
    b.attr_u32(DEST_ATTR_WEIGHT, d.weight);
    b.attr_u32(DEST_ATTR_U_THRESH, d.u_threshold);
    b.attr_u32(DEST_ATTR_L_THRESH, d.l_threshold);
    b.attr_u16(DEST_ATTR_ADDR_FAMILY, super::table::af_of(&d.key.ip));
    if d.fwd == FWD_TUNNEL {
        b.attr_u8(DEST_ATTR_TUN_TYPE, d.tun_type);
        b.attr(DEST_ATTR_TUN_PORT, &d.tun_port.to_be_bytes());
        b.attr_u16(DEST_ATTR_TUN_FLAGS, d.tun_flags);
    }
}

/// One change, as a request the kernel acknowledges.
pub fn op<'a>(buf: &'a mut [u8], family: u16, seq: u32, op: &Op) -> Result<&'a [u8], Error> {
    let flags = NLM_F_REQUEST | NLM_F_ACK;
    let cmd = match op {
        Op::AddService(_) => CMD_NEW_SERVICE,
        Op::EditService(_) => CMD_SET_SERVICE,
        Op::DelService(_) => CMD_DEL_SERVICE,
        Op::AddDest(..) => CMD_NEW_DEST,
        Op::EditDest(..) => CMD_SET_DEST,
        Op::DelDest(..) => CMD_DEL_DEST,
    };
    let mut b = start(buf, family, flags, seq, cmd, IPVS_GENL_VERSION);
    let n = b.nest_begin(CMD_ATTR_SERVICE);
    match op {
        Op::AddService(s) | Op::EditService(s) => service(&mut b, s),
        Op::DelService(k) | Op::AddDest(k, _) | Op::EditDest(k, _) | Op::DelDest(k, _) => {
            svc_key(&mut b, k)
        }
    }
    b.nest_end(n);
    match op {
        Op::AddDest(_, d) | Op::EditDest(_, d) => {
            let n = b.nest_begin(CMD_ATTR_DEST);
            dest(&mut b, d, true);
            b.nest_end(n);
        }
        Op::DelDest(_, k) => {
            let n = b.nest_begin(CMD_ATTR_DEST);
            b.attr(DEST_ATTR_ADDR, &addr16(&k.ip));
            b.attr(DEST_ATTR_PORT, &k.port.to_be_bytes());
            b.nest_end(n);
        }
        _ => {}
    }
    b.finish()
}

/// A dump of every virtual service.
pub fn get_services(buf: &mut [u8], family: u16, seq: u32) -> Result<&[u8], Error> {
    let b = start(
        buf,
        family,
        NLM_F_REQUEST | NLM_F_DUMP,
        seq,
        CMD_GET_SERVICE,
        IPVS_GENL_VERSION,
    );
    b.finish()
}

/// A dump of the destinations of one service.
pub fn get_dests<'a>(
    buf: &'a mut [u8],
    family: u16,
    seq: u32,
    k: &SvcKey,
) -> Result<&'a [u8], Error> {
    let mut b = start(
        buf,
        family,
        NLM_F_REQUEST | NLM_F_DUMP,
        seq,
        CMD_GET_DEST,
        IPVS_GENL_VERSION,
    );
    let n = b.nest_begin(CMD_ATTR_SERVICE);
    svc_key(&mut b, k);
    b.nest_end(n);
    b.finish()
}

fn nested<'a>(m: &Msg<'a>, ty: u16) -> Result<Attr<'a>, Error> {
    m.attrs(GENL_HDRLEN)
        .ok_or(Error::Malformed("IPVS reply without genl header"))?
        .find(ty)
        .ok_or(Error::Malformed("IPVS reply without its nested attribute"))
}

fn ip_of(af: u16, a: Option<Attr<'_>>, what: &'static str) -> Result<IpAddr, Error> {
    let p = a.ok_or(Error::Malformed(what))?.payload;
    match af {
        AF_INET => {
            let b: [u8; 4] = p
                .get(..4)
                .and_then(|s| s.try_into().ok())
                .ok_or(Error::Malformed(what))?;
            Ok(IpAddr::V4(Ipv4Addr::from(b)))
        }
        AF_INET6 => {
            let b: [u8; 16] = p
                .get(..16)
                .and_then(|s| s.try_into().ok())
                .ok_or(Error::Malformed(what))?;
            Ok(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => Err(Error::Malformed("IPVS address family")),
    }
}

fn be16(a: Option<Attr<'_>>) -> Option<u16> {
    let b: [u8; 2] = a?.payload.try_into().ok()?;
    Some(u16::from_be_bytes(b))
}

fn name(a: Option<Attr<'_>>) -> Name {
    let mut n = Name::new();
    if let Some(s) = a.and_then(|a| a.str()) {
        // Longer than the kernel allows: leave it empty so it never matches.
        let _ = n.push_str(s);
    }
    n
}

/// A service from a GET_SERVICE reply.
pub fn parse_service(m: &Msg<'_>) -> Result<Service, Error> {
    let a = nested(m, CMD_ATTR_SERVICE)?.attrs();
    let af = a
        .clone()
        .find(SVC_ATTR_AF)
        .and_then(|x| x.u16())
        .ok_or(Error::Malformed("service without family"))?;
    let key = match a.clone().find(SVC_ATTR_FWMARK).and_then(|x| x.u32()) {
        Some(mark) if mark != 0 => SvcKey::Fwmark { af, mark },
        _ => SvcKey::Addr {
            proto: a
                .clone()
                .find(SVC_ATTR_PROTOCOL)
                .and_then(|x| x.u16())
                .ok_or(Error::Malformed("service without protocol"))?,
            ip: ip_of(af, a.clone().find(SVC_ATTR_ADDR), "service without address")?,
            port: be16(a.clone().find(SVC_ATTR_PORT))
                .ok_or(Error::Malformed("service without port"))?,
        },
    };
    let flags = a
        .clone()
        .find(SVC_ATTR_FLAGS)
        .and_then(|x| x.payload.get(..4).and_then(|b| b.try_into().ok()))
        .map_or(0, u32::from_ne_bytes);
    Ok(Service {
        key,
        sched: name(a.clone().find(SVC_ATTR_SCHED_NAME)),
        flags,
        timeout: a
            .clone()
            .find(SVC_ATTR_TIMEOUT)
            .and_then(|x| x.u32())
            .unwrap_or(0),
        netmask: a
            .clone()
            .find(SVC_ATTR_NETMASK)
            .and_then(|x| x.u32())
            .unwrap_or(0),
        pe: name(a.find(SVC_ATTR_PE_NAME)),
    })
}

/// A destination from a GET_DEST reply to a dump for a service of family `svc_af`.
pub fn parse_dest(m: &Msg<'_>, svc_af: u16) -> Result<Dest, Error> {
    let a = nested(m, CMD_ATTR_DEST)?.attrs();
    let u32_of = |ty| a.clone().find(ty).and_then(|x: Attr<'_>| x.u32());
    let af = a
        .clone()
        .find(DEST_ATTR_ADDR_FAMILY)
        .and_then(|x| x.u16())
        .unwrap_or(svc_af);
    Ok(Dest {
        key: DestKey {
            ip: ip_of(
                af,
                a.clone().find(DEST_ATTR_ADDR),
                "destination without address",
            )?,
            port: be16(a.clone().find(DEST_ATTR_PORT))
                .ok_or(Error::Malformed("destination without port"))?,
        },
        fwd: u32_of(DEST_ATTR_FWD_METHOD).ok_or(Error::Malformed("destination without method"))?
            & super::table::FWD_MASK,
        tun_type: a
            .clone()
            .find(DEST_ATTR_TUN_TYPE)
            .and_then(|x| x.u8())
            .unwrap_or(0),
        tun_port: be16(a.clone().find(DEST_ATTR_TUN_PORT)).unwrap_or(0),
        tun_flags: a
            .clone()
            .find(DEST_ATTR_TUN_FLAGS)
            .and_then(|x| x.u16())
            .unwrap_or(0),
        weight: u32_of(DEST_ATTR_WEIGHT).ok_or(Error::Malformed("destination without weight"))?,
        u_threshold: u32_of(DEST_ATTR_U_THRESH).unwrap_or(0),
        l_threshold: u32_of(DEST_ATTR_L_THRESH).unwrap_or(0),
    })
}

/// The connection timeouts (`lvs_timeouts`), in seconds; None leaves one as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub tcp: Option<u32>,
    pub tcpfin: Option<u32>,
    pub udp: Option<u32>,
}

/// As the log line about timeouts the kernel did not take has always shown them.
impl std::fmt::Display for Timeouts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Timeouts {")?;
        for (sep, name, v) in [
            (" ", "tcp", self.tcp),
            (", ", "tcpfin", self.tcpfin),
            (", ", "udp", self.udp),
        ] {
            match v {
                Some(s) => write!(f, "{sep}{name}: Some({s})")?,
                None => write!(f, "{sep}{name}: None")?,
            }
        }
        f.write_str(" }")
    }
}

/// Empties the whole IPVS table (`lvs_flush`, `lvs_flush_on_stop`).
pub fn flush(buf: &mut [u8], family: u16, seq: u32) -> Result<&[u8], Error> {
    start(
        buf,
        family,
        NLM_F_REQUEST | NLM_F_ACK,
        seq,
        CMD_FLUSH,
        IPVS_GENL_VERSION,
    )
    .finish()
}

pub fn set_config<'a>(
    buf: &'a mut [u8],
    family: u16,
    seq: u32,
    t: &Timeouts,
) -> Result<&'a [u8], Error> {
    let mut b = start(
        buf,
        family,
        NLM_F_REQUEST | NLM_F_ACK,
        seq,
        CMD_SET_CONFIG,
        IPVS_GENL_VERSION,
    );
    for (ty, v) in [
        (CMD_ATTR_TIMEOUT_TCP, t.tcp),
        (CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpfin),
        (CMD_ATTR_TIMEOUT_UDP, t.udp),
    ] {
        if let Some(v) = v {
            b.attr_u32(ty, v);
        }
    }
    b.finish()
}

pub fn get_config(buf: &mut [u8], family: u16, seq: u32) -> Result<&[u8], Error> {
    start(
        buf,
        family,
        NLM_F_REQUEST,
        seq,
        CMD_GET_CONFIG,
        IPVS_GENL_VERSION,
    )
    .finish()
}

/// The timeouts in a GET_CONFIG reply.
pub fn parse_config(m: &Msg<'_>) -> Result<Timeouts, Error> {
    let a = m
        .attrs(GENL_HDRLEN)
        .ok_or(Error::Malformed("IPVS config reply without genl header"))?;
    let get = |ty| a.clone().find(ty).and_then(|x: Attr<'_>| x.u32());
    Ok(Timeouts {
        tcp: get(CMD_ATTR_TIMEOUT_TCP),
        tcpfin: get(CMD_ATTR_TIMEOUT_TCP_FIN),
        udp: get(CMD_ATTR_TIMEOUT_UDP),
    })
}
