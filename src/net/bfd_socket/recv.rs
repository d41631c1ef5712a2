//! recvmsg for the BFD listener: the datagram, its source, the address it was sent to and
//! its TTL or hop limit, over the caller's buffer.

use std::io::Result;
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};

use crate::net::cmsg;

/// One datagram: `buf[..len]` holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Datagram {
    pub(crate) len: usize,
    /// Longer than the buffer and cut: a BFD packet never is, keepalived drops it.
    pub(crate) truncated: bool,
    pub(crate) src: IpAddr,
    /// Our address it was sent to; None if the kernel did not say.
    pub(crate) dst: Option<IpAddr>,
    /// 0 when the kernel did not report it (the TTL check is then skipped, as keepalived).
    pub(crate) ttl: u8,
}

pub(super) fn recv(fd: &OwnedFd, buf: &mut [u8]) -> Result<Datagram> {
    let r = cmsg::recv(fd.as_raw_fd(), buf)?;
    let unmap = |a: IpAddr| match a {
        IpAddr::V6(v6) => unmapped(v6),
        v4 => v4,
    };
    Ok(Datagram {
        len: r.len,
        truncated: r.truncated,
        src: unmap(r.src),
        dst: r.dst.map(unmap),
        ttl: r.ttl,
    })
}

/// An IPv4-mapped address is the IPv4 neighbor (keepalived converts it too).
fn unmapped(a: Ipv6Addr) -> IpAddr {
    match a.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(a),
    }
}
