//! The BFD sockets (RFC 5881), as keepalived opens them: a receiving UDP socket per family on
//! port 3784 that reports each datagram's TTL or hop limit and the address it was sent to, and
//! a sending socket per session, bound to the session's source address and to a port in
//! 49152-65535, sending with the session's TTL (255 by default for IPv4).
//!
//! Everything is non-blocking and close-on-exec; a receive or a send allocates nothing.
//! keepalived 2.2.7 listens on 3784 only, also for `max_hops` sessions (which only loosen the
//! TTL check): so does this, the port is a parameter for a multihop listener (4784) later.

mod recv;
mod sys;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use libc::c_int;

pub(crate) use recv::Datagram;

/// RFC 5881 §4: single-hop control packets go to this port.
pub(crate) const CONTROL_PORT: u16 = 3784;

/// RFC 5881 §4: the source port range of control packets.
const SRC_PORTS: (u16, u16) = (49152, 65535);

/// Receives every family's control packets for all sessions.
#[derive(Debug)]
pub(crate) struct BfdListener {
    fd: OwnedFd,
}

impl BfdListener {
    /// The socket of one family on `port` (all addresses), IPv6 only for IPv6 so that the
    /// IPv4 socket takes IPv4 whatever `net.ipv6.bindv6only` says.
    pub(crate) fn open(v6: bool, port: u16) -> io::Result<BfdListener> {
        let fd = sys::udp_socket(v6)?;
        if v6 {
            sys::set_int(&fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, "IPV6_V6ONLY", 1)?;
            sys::set_int(
                &fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_RECVHOPLIMIT,
                "IPV6_RECVHOPLIMIT",
                1,
            )?;
            sys::set_int(
                &fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_RECVPKTINFO,
                "IPV6_RECVPKTINFO",
                1,
            )?;
        } else {
            sys::set_int(&fd, libc::IPPROTO_IP, libc::IP_RECVTTL, "IP_RECVTTL", 1)?;
            sys::set_int(&fd, libc::IPPROTO_IP, libc::IP_PKTINFO, "IP_PKTINFO", 1)?;
        }
        let any = if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        sys::bind(&fd, SocketAddr::new(any, port))?;
        Ok(BfdListener { fd })
    }

    /// Reads one datagram into `buf`; `WouldBlock` when the queue is empty.
    pub(crate) fn recv(&self, buf: &mut [u8]) -> io::Result<Datagram> {
        recv::recv(&self.fd, buf)
    }
}

impl AsRawFd for BfdListener {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Sends one session's control packets to its neighbor.
#[derive(Debug)]
pub(crate) struct BfdSender {
    sock: UdpSocket,
    to: SocketAddr,
}

impl BfdSender {
    /// Bound to `source` (any address when none) and to the first free port of the RFC range
    /// from `port_seed` on, so sessions spread over it as keepalived's random pick does.
    /// keepalived binds only when a source is configured and lets the kernel pick the port
    /// otherwise, which may leave the range: binding the wildcard keeps the RFC's range.
    /// `to` is the neighbor and [`CONTROL_PORT`].
    pub(crate) fn open(
        to: SocketAddr,
        source: Option<IpAddr>,
        ttl: u8,
        port_seed: u32,
    ) -> io::Result<BfdSender> {
        let v6 = to.is_ipv6();
        let fd = sys::udp_socket(v6)?;
        let (level, name, what) = if v6 {
            (
                libc::IPPROTO_IPV6,
                libc::IPV6_UNICAST_HOPS,
                "IPV6_UNICAST_HOPS",
            )
        } else {
            (libc::IPPROTO_IP, libc::IP_TTL, "IP_TTL")
        };
        sys::set_int(&fd, level, name, what, c_int::from(ttl))?;
        let local = source.unwrap_or(if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        });
        bind_in_range(&fd, local, port_range(), port_seed)?;
        Ok(BfdSender {
            sock: UdpSocket::from(fd),
            to,
        })
    }

    pub(crate) fn send(&self, pkt: &[u8]) -> io::Result<usize> {
        self.sock.send_to(pkt, self.to)
    }

    /// The source address and port packets leave from.
    #[cfg(test)]
    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock.local_addr()
    }
}

impl AsRawFd for BfdSender {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

/// The RFC range narrowed to the kernel's ephemeral range, as keepalived does, unless that
/// leaves fewer than 1024 ports.
fn port_range() -> (u16, u16) {
    let text =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    narrow(&text)
}

fn narrow(local_range: &str) -> (u16, u16) {
    let mut it = local_range.split_whitespace().map(str::parse::<u32>);
    let (Some(Ok(lo)), Some(Ok(hi))) = (it.next(), it.next()) else {
        return SRC_PORTS;
    };
    let lo = lo.max(u32::from(SRC_PORTS.0));
    let hi = hi.min(u32::from(SRC_PORTS.1));
    if lo + 1023 > hi {
        return SRC_PORTS;
    }
    (lo as u16, hi as u16)
}

fn bind_in_range(fd: &OwnedFd, ip: IpAddr, (lo, hi): (u16, u16), seed: u32) -> io::Result<()> {
    let span = u32::from(hi - lo) + 1;
    let first = seed % span;
    let mut last = io::Error::from(io::ErrorKind::AddrInUse);
    for i in 0..span {
        let port = lo + ((first + i) % span) as u16;
        match sys::bind(fd, SocketAddr::new(ip, port)) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests;
