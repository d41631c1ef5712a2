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

mod batch;
mod msg;
mod open;
mod sys;

use std::io::{Error, ErrorKind, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

/// The room [`VrrpSocket::recv_many`] wants for a batch of packets of up to `slot` bytes.
pub(crate) use crate::net::cmsg::batch_len as recv_batch_len;
/// Packets one [`VrrpSocket::recv_many`] reads at most.
pub(crate) use crate::net::cmsg::BATCH as RECV_BATCH;
pub use batch::{SendBatch, SEND_BATCH};
pub use msg::Received;
pub use sys::{ifindex, link_local_v6};

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;
/// IP protocol number of IPsec AH, which carries VRRPv2 with `auth_type AH`.
pub(crate) const IPPROTO_AH: u8 = 51;
/// The VRRP IPv4 multicast group.
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The VRRP IPv6 multicast group.
pub const VRRP_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

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
    stamped: bool,
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
        let (rx, stamped) = open::open_rx(spec)?;
        let tx = open::open_tx(spec)?;
        Ok(VrrpSocket {
            rx,
            tx,
            v6: addr.is_ipv6(),
            ifindex: spec.ifindex,
            stamped,
        })
    }

    /// Whether the kernel stamps each datagram with its arrival ([`Received::waited`]).
    pub(crate) fn stamped(&self) -> bool {
        self.stamped
    }

    pub(crate) fn is_ipv6(&self) -> bool {
        self.v6
    }

    /// The receive descriptor, the one to poll.
    pub(crate) fn rx_fd(&self) -> RawFd {
        self.rx.as_raw_fd()
    }
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
