//! recvmsg for the BFD listener: the datagram, its source, the address it was sent to and
//! its TTL or hop limit, over the caller's buffer.

use std::io::{Error, ErrorKind, Result};
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};

use libc::{c_int, c_void};

/// Room for a pktinfo and a TTL or hop limit, with headroom.
const CMSG_ROOM: usize = 128;

#[repr(C, align(8))]
struct CmsgBuf([u8; CMSG_ROOM]);

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
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut from: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut cbuf = CmsgBuf([0; CMSG_ROOM]);
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast::<c_void>(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; all-zero is valid.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = (&mut from as *mut libc::sockaddr_storage).cast::<c_void>();
    msg.msg_namelen = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.0.as_mut_ptr().cast::<c_void>();
    msg.msg_controllen = CMSG_ROOM as _;
    let n = loop {
        // SAFETY: every pointer in `msg` refers to a live buffer of the length given.
        let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, 0) };
        if n >= 0 {
            break n as usize;
        }
        let e = Error::last_os_error();
        if e.kind() != ErrorKind::Interrupted {
            return Err(e);
        }
    };
    let src = source(&from)
        .ok_or_else(|| Error::new(ErrorKind::InvalidData, "datagram without a source address"))?;
    let mut d = Datagram {
        len: n.min(buf.len()),
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        src,
        dst: None,
        ttl: 0,
    };
    read_cmsgs(&msg, &mut d);
    Ok(d)
}

fn source(ss: &libc::sockaddr_storage) -> Option<IpAddr> {
    match c_int::from(ss.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in, which fits in it.
            let sa = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(IpAddr::V4(Ipv4Addr::from(sa.sin_addr.s_addr.to_ne_bytes())))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for sockaddr_in6.
            let sa =
                unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(unmapped(Ipv6Addr::from(sa.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

/// An IPv4-mapped address is the IPv4 neighbor (keepalived converts it too).
fn unmapped(a: Ipv6Addr) -> IpAddr {
    match a.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(a),
    }
}

fn read_cmsgs(msg: &libc::msghdr, d: &mut Datagram) {
    // SAFETY: `msg` was filled by recvmsg; CMSG_FIRSTHDR/NXTHDR walk only within msg_controllen
    // and each payload is read unaligned after a length check against cmsg_len.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            let data = libc::CMSG_DATA(c);
            let have = ((*c).cmsg_len as usize).saturating_sub(data.offset_from(c.cast()) as usize);
            match ((*c).cmsg_level, (*c).cmsg_type) {
                (libc::IPPROTO_IP, libc::IP_PKTINFO)
                    if have >= mem::size_of::<libc::in_pktinfo>() =>
                {
                    let p = std::ptr::read_unaligned(data.cast::<libc::in_pktinfo>());
                    d.dst = Some(IpAddr::V4(Ipv4Addr::from(p.ipi_addr.s_addr.to_ne_bytes())));
                }
                (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO)
                    if have >= mem::size_of::<libc::in6_pktinfo>() =>
                {
                    let p = std::ptr::read_unaligned(data.cast::<libc::in6_pktinfo>());
                    d.dst = Some(unmapped(Ipv6Addr::from(p.ipi6_addr.s6_addr)));
                }
                (libc::IPPROTO_IP, libc::IP_TTL) | (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT)
                    if have >= mem::size_of::<c_int>() =>
                {
                    let t = std::ptr::read_unaligned(data.cast::<c_int>());
                    d.ttl = u8::try_from(t).unwrap_or(0);
                }
                _ => {}
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
}
