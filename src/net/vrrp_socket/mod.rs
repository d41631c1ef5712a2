//! Raw IP protocol 112 (or 51 with AH) sockets for VRRP adverts, IPv4 and IPv6, set up the way
//! keepalived sets them up (keepalived-facts §2.1, §2.10, §2.13), so a peer sees the same packets.
//!
//! A [`VrrpSocket`] is a pair of descriptors for one interface, family and mode; the instances on
//! that interface share it and find their own adverts by VRID:
//! - the receive side is bound to the interface, joins the group (multicast mode) or binds the
//!   local address (unicast mode), and reports source, destination, interface and TTL/hop limit;
//! - the send side takes a ready IPv4 packet with its header (IP_HDRINCL: the VRRP code builds TOS,
//!   ID, TTL and, with AH, the header it authenticates), or for IPv6 the bare VRRP payload, whose
//!   checksum the kernel fills in (IPV6_CHECKSUM at offset 6, on both sides).
//!
//! Receiving and sending allocate nothing: the caller owns the buffers.

mod msg;
mod sys;

use std::io::{Error, ErrorKind, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use libc::c_int;
use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

pub use msg::Received;
pub use sys::ifindex;

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;
/// IP protocol number of IPsec AH, which carries VRRPv2 with `auth_type AH`.
pub const IPPROTO_AH: u8 = 51;
/// The VRRP IPv4 multicast group.
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The VRRP IPv6 multicast group.
pub const VRRP_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// keepalived's traffic class for adverts: precedence "internetwork control" (CS6).
const TOS_INTERNET_CONTROL: c_int = 0xc0;
/// Multicast adverts must arrive with TTL / hop limit 255 (RFC 5798 §5.1.1.3).
const MULTICAST_HOPS: c_int = 255;
/// Where the VRRP checksum sits in the packet, for IPV6_CHECKSUM.
const VRRP_CHECKSUM_OFFSET: c_int = 6;

/// How the instances on a socket reach their peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Adverts go to and come from `group` (224.0.0.18, ff02::12 or `mcast_dst_ip`).
    Multicast { group: IpAddr },
    /// Adverts go to each `unicast_peer`; the receive side is bound to `src` (`unicast_src_ip`).
    Unicast { src: IpAddr },
}

impl Mode {
    fn addr(&self) -> IpAddr {
        match *self {
            Mode::Multicast { group } => group,
            Mode::Unicast { src } => src,
        }
    }
}

/// What to open: one socket per (interface, family, mode, protocol).
#[derive(Clone, Copy, Debug)]
pub struct Spec<'a> {
    /// The interface; required for multicast, optional for unicast.
    pub ifname: Option<&'a str>,
    /// Its index (0 when `ifname` is None).
    pub ifindex: u32,
    pub mode: Mode,
    /// [`IPPROTO_VRRP`], or [`IPPROTO_AH`] for VRRPv2 with AH authentication.
    pub protocol: u8,
    /// SO_RCVBUF for the receive side (`vrrp_rx_bufs_*`); None leaves the kernel default.
    pub rx_buf: Option<usize>,
}

impl<'a> Spec<'a> {
    /// Plain VRRP (protocol 112) to `group` on an interface, kernel default receive buffer.
    pub fn multicast(ifname: &'a str, ifindex: u32, group: IpAddr) -> Spec<'a> {
        Spec {
            ifname: Some(ifname),
            ifindex,
            mode: Mode::Multicast { group },
            protocol: IPPROTO_VRRP,
            rx_buf: None,
        }
    }
}

/// The receive and send descriptors for one interface, family and mode.
#[derive(Debug)]
pub struct VrrpSocket {
    rx: OwnedFd,
    tx: OwnedFd,
    v6: bool,
    ifindex: u32,
    mode: Mode,
}

fn invalid(msg: &'static str) -> Error {
    Error::new(ErrorKind::InvalidInput, msg)
}

impl VrrpSocket {
    /// Opens both sides. Needs CAP_NET_RAW (and CAP_NET_ADMIN for SO_BINDTODEVICE on old kernels).
    pub fn open(spec: &Spec) -> Result<VrrpSocket> {
        let addr = spec.mode.addr();
        if let Mode::Multicast { group } = spec.mode {
            if !group.is_multicast() {
                return Err(invalid("VRRP multicast group is not a multicast address"));
            }
            if spec.ifname.is_none() || spec.ifindex == 0 {
                return Err(invalid("VRRP multicast needs an interface"));
            }
        }
        let rx = open_rx(spec)?;
        let tx = open_tx(spec)?;
        Ok(VrrpSocket {
            rx,
            tx,
            v6: addr.is_ipv6(),
            ifindex: spec.ifindex,
            mode: spec.mode,
        })
    }

    pub fn is_ipv6(&self) -> bool {
        self.v6
    }

    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The receive descriptor, the one to poll.
    pub fn rx_fd(&self) -> RawFd {
        self.rx.as_raw_fd()
    }
}

fn domain(v6: bool) -> c_int {
    if v6 {
        libc::AF_INET6
    } else {
        libc::AF_INET
    }
}

/// Stops the kernel from queueing multicast for groups other sockets joined. IPv6 gained the
/// option only in Linux 4.20; older kernels lack it, which keepalived tolerates too.
fn multicast_all_off(fd: &OwnedFd, v6: bool) -> Result<()> {
    if !v6 {
        return sys::set_int(
            fd,
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_ALL,
            "IP_MULTICAST_ALL",
            0,
        );
    }
    match sys::set_int(
        fd,
        libc::IPPROTO_IPV6,
        sys::IPV6_MULTICAST_ALL,
        "IPV6_MULTICAST_ALL",
        0,
    ) {
        Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => Ok(()),
        r => r,
    }
}

fn join(fd: &OwnedFd, group: IpAddr, ifindex: u32) -> Result<()> {
    match group {
        IpAddr::V4(g) => {
            let mreq = libc::ip_mreqn {
                imr_multiaddr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(g.octets()),
                },
                imr_address: libc::in_addr { s_addr: 0 },
                imr_ifindex: ifindex as c_int,
            };
            sys::setsockopt(
                fd,
                libc::IPPROTO_IP,
                libc::IP_ADD_MEMBERSHIP,
                "IP_ADD_MEMBERSHIP",
                &mreq,
            )
        }
        IpAddr::V6(g) => {
            let mreq = libc::ipv6_mreq {
                ipv6mr_multiaddr: libc::in6_addr {
                    s6_addr: g.octets(),
                },
                ipv6mr_interface: ifindex,
            };
            sys::setsockopt(
                fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_ADD_MEMBERSHIP,
                "IPV6_ADD_MEMBERSHIP",
                &mreq,
            )
        }
    }
}

fn open_rx(spec: &Spec) -> Result<OwnedFd> {
    let addr = spec.mode.addr();
    let v6 = addr.is_ipv6();
    let fd = sys::raw_socket(domain(v6), c_int::from(spec.protocol))?;
    if let Some(n) = spec.rx_buf {
        let n = c_int::try_from(n).unwrap_or(c_int::MAX);
        sys::set_int(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, "SO_RCVBUF", n)?;
    }
    multicast_all_off(&fd, v6)?;
    match spec.mode {
        Mode::Multicast { group } => {
            join(&fd, group, spec.ifindex)?;
            // Bound to the group, the socket misses unicast adverts meant for a unicast socket on
            // the same interface. keepalived goes on without it, and so do we.
            if let Err(e) = sys::bind(&fd, group, spec.ifindex) {
                log::warn!("VRRP receive socket: {e}");
            }
        }
        Mode::Unicast { src } => {
            // The source may be a VIP of another instance, not yet on the interface.
            let (level, opt) = if v6 {
                (libc::IPPROTO_IPV6, libc::IPV6_FREEBIND)
            } else {
                (libc::IPPROTO_IP, libc::IP_FREEBIND)
            };
            sys::set_int(&fd, level, opt, "IP_FREEBIND", 1)?;
            sys::bind(&fd, src, scope_for(src, spec.ifindex))?;
        }
    }
    if v6 {
        let on = 1;
        let l = libc::IPPROTO_IPV6;
        sys::set_int(&fd, l, libc::IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", on)?;
        sys::set_int(&fd, l, libc::IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", on)?;
    } else {
        // Not set by keepalived (it reads the interface from the socket); it costs one cmsg and
        // lets the caller check the interface per packet.
        sys::set_int(&fd, libc::IPPROTO_IP, libc::IP_PKTINFO, "IP_PKTINFO", 1)?;
    }
    if let Some(name) = spec.ifname {
        sys::bind_to_device(&fd, name)?;
    }
    if v6 {
        checksum_offset(&fd)?;
    }
    Ok(fd)
}

fn checksum_offset(fd: &OwnedFd) -> Result<()> {
    sys::set_int(
        fd,
        libc::IPPROTO_IPV6,
        libc::IPV6_CHECKSUM,
        "IPV6_CHECKSUM",
        VRRP_CHECKSUM_OFFSET,
    )
}

/// Link-local and link-scope multicast addresses only make sense with the interface as scope.
fn scope_for(ip: IpAddr, ifindex: u32) -> u32 {
    match ip {
        IpAddr::V6(a) if is_link_scope(a) => ifindex,
        _ => 0,
    }
}

fn is_link_scope(a: Ipv6Addr) -> bool {
    let s = a.segments();
    (s[0] & 0xffc0) == 0xfe80 || (a.is_multicast() && (s[0] & 0x000f) <= 2)
}

fn open_tx(spec: &Spec) -> Result<OwnedFd> {
    let v6 = spec.mode.addr().is_ipv6();
    let multicast = matches!(spec.mode, Mode::Multicast { .. });
    let fd = sys::raw_socket(domain(v6), c_int::from(spec.protocol))?;
    sys::set_int(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, "SO_RCVBUF", 0)?;
    multicast_all_off(&fd, v6)?;
    if v6 {
        checksum_offset(&fd)?;
        if multicast {
            sys::set_int(
                &fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_MULTICAST_HOPS,
                "IPV6_MULTICAST_HOPS",
                MULTICAST_HOPS,
            )?;
        }
    } else {
        sys::set_int(&fd, libc::IPPROTO_IP, libc::IP_HDRINCL, "IP_HDRINCL", 1)?;
    }
    if let Some(name) = spec.ifname {
        sys::bind_to_device(&fd, name)?;
        if multicast {
            set_multicast_if(&fd, v6, spec.ifindex)?;
            let (level, opt) = if v6 {
                (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP)
            } else {
                (libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP)
            };
            sys::set_int(&fd, level, opt, "IP_MULTICAST_LOOP", 0)?;
        }
    }
    if v6 {
        sys::set_int(
            &fd,
            libc::IPPROTO_IPV6,
            libc::IPV6_TCLASS,
            "IPV6_TCLASS",
            TOS_INTERNET_CONTROL,
        )?;
    } else {
        sys::set_int(
            &fd,
            libc::IPPROTO_IP,
            libc::IP_TOS,
            "IP_TOS",
            TOS_INTERNET_CONTROL,
        )?;
    }
    sys::no_receive(&fd)?;
    Ok(fd)
}

fn set_multicast_if(fd: &OwnedFd, v6: bool, ifindex: u32) -> Result<()> {
    if v6 {
        return sys::set_int(
            fd,
            libc::IPPROTO_IPV6,
            libc::IPV6_MULTICAST_IF,
            "IPV6_MULTICAST_IF",
            ifindex as c_int,
        );
    }
    let mreq = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as c_int,
    };
    sys::setsockopt(
        fd,
        libc::IPPROTO_IP,
        libc::IP_MULTICAST_IF,
        "IP_MULTICAST_IF",
        &mreq,
    )
}

/// Polling registers the receive side; the send side never becomes readable.
impl Source for VrrpSocket {
    fn register(&mut self, registry: &Registry, token: Token, interests: Interest) -> Result<()> {
        SourceFd(&self.rx.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(&mut self, registry: &Registry, token: Token, interests: Interest) -> Result<()> {
        SourceFd(&self.rx.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> Result<()> {
        SourceFd(&self.rx.as_raw_fd()).deregister(registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_scope_addresses_get_the_interface_as_scope() {
        let ll: IpAddr = "fe80::1".parse().unwrap();
        let global: IpAddr = "fd00::1".parse().unwrap();
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(scope_for(ll, 7), 7);
        assert_eq!(scope_for(IpAddr::V6(VRRP_GROUP_V6), 7), 7);
        assert_eq!(scope_for(global, 7), 0);
        assert_eq!(scope_for(v4, 7), 0);
        assert_eq!(scope_for("ff05::12".parse().unwrap(), 7), 0);
    }

    #[test]
    fn multicast_mode_refuses_a_unicast_group_and_a_missing_interface() {
        let mut spec = Spec::multicast("eth0", 1, "192.0.2.1".parse().unwrap());
        let e = VrrpSocket::open(&spec).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        spec.mode = Mode::Multicast {
            group: IpAddr::V4(VRRP_GROUP_V4),
        };
        spec.ifname = None;
        let e = VrrpSocket::open(&spec).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
