//! rtnetlink message layouts (include/uapi/linux/rtnetlink.h, if_link.h, if_addr.h):
//! encoding address requests and decoding link and address messages. Pure functions over
//! byte slices, so they are tested without a kernel.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use super::kind::{LinkKind, IFLA_LINK, IFLA_LINKINFO, IFLA_LINK_NETNSID};
use crate::net::netlink::{
    get_u32, Error, Msg, MsgBuilder, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST,
};

pub(crate) const RTM_NEWLINK: u16 = 16;
pub(crate) const RTM_DELLINK: u16 = 17;
pub(crate) const RTM_GETLINK: u16 = 18;
pub(crate) const RTM_NEWADDR: u16 = 20;
pub(crate) const RTM_DELADDR: u16 = 21;
pub(crate) const RTM_GETADDR: u16 = 22;

/// Legacy multicast group bits, given to bind().
pub(crate) const RTMGRP_LINK: u32 = 0x1;
pub(crate) const RTMGRP_IPV4_IFADDR: u32 = 0x10;
pub(crate) const RTMGRP_IPV6_IFADDR: u32 = 0x100;

pub(crate) const IFLA_ADDRESS: u16 = 1;
pub(crate) const IFLA_IFNAME: u16 = 3;
pub(crate) const IFLA_MTU: u16 = 4;
pub(crate) const IFLA_GROUP: u16 = 27;
pub(crate) const IFLA_EXT_MASK: u16 = 29;
pub(crate) const RTEXT_FILTER_SKIP_STATS: u32 = 1 << 3;

pub(crate) const IFA_ADDRESS: u16 = 1;
pub(crate) const IFA_LOCAL: u16 = 2;
pub(crate) const IFA_LABEL: u16 = 3;
pub(crate) const IFA_BROADCAST: u16 = 4;
pub(crate) const IFA_CACHEINFO: u16 = 6;
pub(crate) const IFA_FLAGS: u16 = 8;

pub(crate) const IFA_F_SECONDARY: u32 = 0x01;
pub const IFA_F_NODAD: u32 = 0x02;
pub(crate) const IFA_F_HOMEADDRESS: u32 = 0x10;
#[cfg(test)]
pub(crate) const IFA_F_PERMANENT: u32 = 0x80;
pub const IFA_F_NOPREFIXROUTE: u32 = 0x200;

pub(crate) const RT_SCOPE_UNIVERSE: u8 = 0;
pub const RT_SCOPE_LINK: u8 = 253;
pub(crate) const RT_SCOPE_HOST: u8 = 254;
pub(crate) const RT_SCOPE_NOWHERE: u8 = 255;

pub(crate) const IFF_UP: u32 = 0x1;
pub(crate) const IFF_RUNNING: u32 = 0x40;

/// Lifetime meaning "forever" in `ifa_cacheinfo`.
pub(crate) const INFINITY_LIFE_TIME: u32 = u32::MAX;

const AF_UNSPEC: u8 = libc::AF_UNSPEC as u8;
const AF_INET: u8 = libc::AF_INET as u8;
const AF_INET6: u8 = libc::AF_INET6 as u8;

/// `struct ifinfomsg` and `struct ifaddrmsg` sizes.
pub(crate) const IFINFOMSG_LEN: usize = 16;
pub(crate) const IFADDRMSG_LEN: usize = 8;

/// An interface name: IFNAMSIZ (16) including the terminator.
pub(crate) type IfName = heapless::String<16>;

pub(crate) fn ifname(s: &str) -> IfName {
    let mut n = IfName::new();
    for c in s.chars() {
        if n.push(c).is_err() {
            break;
        }
    }
    n
}

/// A link-layer address (MAX_ADDR_LEN is 32 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HwAddr {
    len: u8,
    bytes: [u8; 32],
}

impl HwAddr {
    pub(crate) fn new(b: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; 32];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(HwAddr {
            len: b.len() as u8,
            bytes,
        })
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Display for HwAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for HwAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub ifindex: u32,
    pub name: IfName,
    pub(crate) flags: u32,
    pub mtu: u32,
    pub hwaddr: Option<HwAddr>,
    /// IFLA_GROUP, the link's device group (0 by default).
    pub(crate) group: u32,
    pub(crate) kind: LinkKind,
    /// The parent of a macvlan or ipvlan in our namespace (IFLA_LINK), else 0.
    pub(crate) parent: u32,
}

impl Link {
    /// Up as keepalived counts it: administratively up and running (carrier present).
    pub fn is_up(&self) -> bool {
        flags_up(self.flags)
    }

    /// IFF_UP: set with `ip link set X up`.
    pub fn is_admin_up(&self) -> bool {
        self.flags & IFF_UP != 0
    }

    /// IFF_RUNNING: the driver reports carrier (operational state up).
    pub fn is_running(&self) -> bool {
        self.flags & IFF_RUNNING != 0
    }
}

pub(crate) fn flags_up(flags: u32) -> bool {
    flags & (IFF_UP | IFF_RUNNING) == IFF_UP | IFF_RUNNING
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrInfo {
    pub ifindex: u32,
    pub addr: IpAddr,
    pub prefix: u8,
    /// The other end of a point-to-point address.
    pub(crate) peer: Option<IpAddr>,
    pub(crate) broadcast: Option<Ipv4Addr>,
    pub scope: u8,
    /// IFA_F_* bits.
    pub flags: u32,
    pub label: Option<IfName>,
}

/// An address to add or delete. Only `ifindex`, `addr`, `prefix` and `peer` identify it on
/// delete; the rest applies when adding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrSpec<'a> {
    pub(crate) ifindex: u32,
    pub addr: IpAddr,
    pub(crate) prefix: u8,
    pub(crate) peer: Option<IpAddr>,
    /// IPv4 only.
    pub broadcast: Option<Ipv4Addr>,
    pub scope: u8,
    /// IPv4 only; the kernel shows it as the address's interface name (`eth0:vip`).
    pub label: Option<&'a str>,
    /// IFA_F_* bits, e.g. IFA_F_NODAD | IFA_F_NOPREFIXROUTE.
    pub flags: u32,
    /// Seconds; `None` is forever. IPv6 VIPs use preferred 0 to keep them deprecated.
    pub preferred_lft: Option<u32>,
    valid_lft: Option<u32>,
}

impl<'a> AddrSpec<'a> {
    pub fn new(ifindex: u32, addr: IpAddr, prefix: u8) -> Self {
        AddrSpec {
            ifindex,
            addr,
            prefix,
            peer: None,
            broadcast: None,
            scope: RT_SCOPE_UNIVERSE,
            label: None,
            flags: 0,
            preferred_lft: None,
            valid_lft: None,
        }
    }
}

/// The address's bytes in a 16-byte buffer and how many of them it uses (4 or 16).
pub(super) fn ip_bytes(a: &IpAddr) -> ([u8; 16], usize) {
    let mut b = [0u8; 16];
    match a {
        IpAddr::V4(v4) => {
            b[..4].copy_from_slice(&v4.octets());
            (b, 4)
        }
        IpAddr::V6(v6) => (v6.octets(), 16),
    }
}

fn family(a: &IpAddr) -> u8 {
    if a.is_ipv4() {
        AF_INET
    } else {
        AF_INET6
    }
}

fn ifaddrmsg(family: u8, prefix: u8, flags: u8, scope: u8, ifindex: u32) -> [u8; IFADDRMSG_LEN] {
    let mut h = [0u8; IFADDRMSG_LEN];
    h[0] = family;
    h[1] = prefix;
    h[2] = flags;
    h[3] = scope;
    h[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    h
}

/// RTM_NEWADDR (create, fail if present) or, with `delete`, RTM_DELADDR; both ask for an ack.
/// Attributes come in iproute2's order so its requests serve as test vectors.
pub(crate) fn encode_addr<'b>(
    buf: &'b mut [u8],
    seq: u32,
    spec: &AddrSpec<'_>,
    delete: bool,
) -> Result<&'b [u8], Error> {
    let max_prefix = if spec.addr.is_ipv4() { 32 } else { 128 };
    if spec.prefix > max_prefix
        || spec
            .peer
            .is_some_and(|p| p.is_ipv4() != spec.addr.is_ipv4())
    {
        return Err(Error::kernel(
            libc::EINVAL,
            Some("prefix length or peer family"),
        ));
    }
    let (local, llen) = ip_bytes(&spec.addr);
    let (peer, plen) = spec.peer.as_ref().map_or((local, llen), ip_bytes);
    let fam = family(&spec.addr);
    let mut b = if delete {
        let mut b = MsgBuilder::new(buf, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, seq);
        b.put(&ifaddrmsg(
            fam,
            spec.prefix,
            0,
            RT_SCOPE_UNIVERSE,
            spec.ifindex,
        ));
        b.attr(IFA_LOCAL, &local[..llen]);
        b
    } else {
        let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        let mut b = MsgBuilder::new(buf, RTM_NEWADDR, flags, seq);
        // Flags that fit the header's u8 go there; wider ones need IFA_FLAGS (Linux 3.14+).
        let (hdr_flags, attr_flags) = match u8::try_from(spec.flags) {
            Ok(f) => (f, None),
            Err(_) => (0, Some(spec.flags)),
        };
        b.put(&ifaddrmsg(
            fam,
            spec.prefix,
            hdr_flags,
            spec.scope,
            spec.ifindex,
        ));
        b.attr(IFA_LOCAL, &local[..llen]);
        if let Some(f) = attr_flags {
            b.attr_u32(IFA_FLAGS, f);
        }
        if let (Some(brd), true) = (spec.broadcast, spec.addr.is_ipv4()) {
            b.attr(IFA_BROADCAST, &brd.octets());
        }
        if let (Some(label), true) = (spec.label, spec.addr.is_ipv4()) {
            b.attr_str(IFA_LABEL, label);
        }
        if spec.preferred_lft.is_some() || spec.valid_lft.is_some() {
            let valid = spec.valid_lft.unwrap_or(INFINITY_LIFE_TIME);
            let preferred = spec.preferred_lft.unwrap_or(valid).min(valid);
            let mut ci = [0u8; 16];
            ci[0..4].copy_from_slice(&preferred.to_ne_bytes());
            ci[4..8].copy_from_slice(&valid.to_ne_bytes());
            b.attr(IFA_CACHEINFO, &ci);
        }
        b
    };
    b.attr(IFA_ADDRESS, &peer[..plen]);
    b.finish()
}

/// A dump of every link (statistics left out: they are most of each message).
pub(crate) fn encode_link_dump(buf: &mut [u8], seq: u32) -> Result<&[u8], Error> {
    let mut b = MsgBuilder::new(buf, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
    let mut ifi = [0u8; IFINFOMSG_LEN];
    ifi[0] = AF_UNSPEC;
    b.put(&ifi);
    b.attr_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    b.finish()
}

pub(crate) fn encode_addr_dump(buf: &mut [u8], seq: u32) -> Result<&[u8], Error> {
    let mut b = MsgBuilder::new(buf, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
    b.put(&ifaddrmsg(AF_UNSPEC, 0, 0, 0, 0));
    b.finish()
}

/// Decodes RTM_NEWLINK / RTM_DELLINK.
pub(crate) fn decode_link(m: &Msg<'_>) -> Result<Link, Error> {
    let bad = Error::Malformed("ifinfomsg");
    let p = m.payload;
    let ifindex = get_u32(p, 4).ok_or(Error::Malformed("ifinfomsg"))?;
    let flags = get_u32(p, 8).ok_or(Error::Malformed("ifinfomsg"))?;
    let mut link = Link {
        ifindex,
        name: IfName::new(),
        flags,
        mtu: 0,
        hwaddr: None,
        group: 0,
        kind: LinkKind::Plain,
        parent: 0,
    };
    let (mut link_attr, mut other_netns) = (0, false);
    for a in m.attrs(IFINFOMSG_LEN).ok_or(bad)? {
        // What we need comes first in the kernel's order. A malformed attribute after it (qemu-user
        // leaves attribute types it does not know in host byte order for a big-endian guest)
        // ends the walk; the link stays usable if its name was read.
        let Ok(a) = a else {
            if link.name.is_empty() {
                return Err(Error::Malformed("attribute length"));
            }
            break;
        };
        match a.ty {
            IFLA_IFNAME => link.name = ifname(a.str().unwrap_or("")),
            IFLA_MTU => link.mtu = a.u32().unwrap_or(0),
            IFLA_GROUP => link.group = a.u32().unwrap_or(0),
            IFLA_ADDRESS => link.hwaddr = HwAddr::new(a.payload),
            IFLA_LINK => link_attr = a.u32().unwrap_or(0),
            IFLA_LINK_NETNSID => other_netns = true,
            IFLA_LINKINFO => link.kind = LinkKind::from_linkinfo(&a),
            _ => {}
        }
    }
    // A veth's IFLA_LINK is its peer, not a parent; one in another namespace is no index here.
    if link.kind.is_mac_ip_vlan() && !other_netns {
        link.parent = link_attr;
    }
    Ok(link)
}

/// Decodes RTM_NEWADDR / RTM_DELADDR.
pub(crate) fn decode_addr(m: &Msg<'_>) -> Result<AddrInfo, Error> {
    let p = m.payload;
    let bad = || Error::Malformed("ifaddrmsg");
    let (fam, prefix, hdr_flags, scope) = match p.get(..4) {
        Some(&[f, pl, fl, sc]) => (f, pl, fl, sc),
        _ => return Err(bad()),
    };
    let ifindex = get_u32(p, 4).ok_or_else(bad)?;
    let (mut local, mut address, mut broadcast, mut label, mut flags) =
        (None, None, None, None, None);
    for a in m.attrs(IFADDRMSG_LEN).ok_or_else(bad)? {
        let a = a?;
        match a.ty {
            IFA_LOCAL => local = a.ip(),
            IFA_ADDRESS => address = a.ip(),
            IFA_BROADCAST => {
                broadcast = match a.ip() {
                    Some(IpAddr::V4(v4)) => Some(v4),
                    _ => None,
                }
            }
            IFA_LABEL => label = a.str().map(ifname),
            IFA_FLAGS => flags = a.u32(),
            _ => {}
        }
    }
    // IPv4 always has IFA_LOCAL (IFA_ADDRESS is the peer); IPv6 has IFA_LOCAL only with a peer.
    let (addr, peer) = match (local, address) {
        (Some(l), Some(a)) if l != a => (l, Some(a)),
        (Some(l), _) => (l, None),
        (None, Some(a)) => (a, None),
        (None, None) => return Err(bad()),
    };
    let expected = if addr.is_ipv4() { AF_INET } else { AF_INET6 };
    if fam != expected {
        return Err(bad());
    }
    Ok(AddrInfo {
        ifindex,
        addr,
        prefix,
        peer,
        broadcast,
        scope,
        flags: flags.unwrap_or(u32::from(hdr_flags)),
        label,
    })
}

/// The family byte of an rtnetlink message, for callers filtering before decoding.
pub(crate) fn msg_family(m: &Msg<'_>) -> Option<u8> {
    m.payload.first().copied()
}
