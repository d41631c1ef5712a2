//! recvmsg with ancillary data, shared by the VRRP and BFD sockets: one datagram into the
//! caller's buffer, its source, and what the control messages say (packet info, TTL or hop
//! limit). No allocation; each socket turns the result into its own view.

use std::io::{Error, ErrorKind, Result};
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;

use libc::{c_int, c_void};

/// Room for a packet info and a TTL or hop limit, with headroom.
pub(crate) const ROOM: usize = 128;

/// A control-message buffer aligned for `cmsghdr` (also what senders build theirs in).
#[repr(C, align(8))]
pub(crate) struct CmsgBuf(pub(crate) [u8; ROOM]);

/// One datagram: `buf[..len]` holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Received {
    pub(crate) len: usize,
    /// Longer than the buffer and cut.
    pub(crate) truncated: bool,
    /// As the kernel gave it (an IPv4-mapped IPv6 address stays so).
    pub(crate) src: IpAddr,
    /// The packet's destination from IP_PKTINFO / IPV6_PKTINFO, if reported.
    pub(crate) dst: Option<IpAddr>,
    /// The interface it arrived on, if reported.
    pub(crate) ifindex: Option<u32>,
    /// IP_TTL / IPV6_HOPLIMIT; 0 when not reported.
    pub(crate) ttl: u8,
}

/// Reads one datagram, retrying on EINTR. `InvalidData`: the kernel gave no source address.
pub(crate) fn recv(fd: RawFd, buf: &mut [u8]) -> Result<Received> {
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut from: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut cbuf = CmsgBuf([0; ROOM]);
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
    msg.msg_controllen = ROOM as _;
    let n = loop {
        // SAFETY: every pointer in `msg` refers to a live buffer of the length given.
        let n = unsafe { libc::recvmsg(fd, &mut msg, 0) };
        if n >= 0 {
            break n as usize;
        }
        let e = Error::last_os_error();
        if e.kind() != ErrorKind::Interrupted {
            return Err(e);
        }
    };
    let src = storage_ip(&from)
        .ok_or_else(|| Error::new(ErrorKind::InvalidData, "datagram without a source address"))?;
    let mut r = Received {
        len: n.min(buf.len()),
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        src,
        dst: None,
        ifindex: None,
        ttl: 0,
    };
    // A truncated control buffer loses only what did not fit; what did is still valid.
    read_cmsgs(&msg, &mut r);
    Ok(r)
}

/// The address in a `sockaddr_storage` filled by the kernel.
pub(crate) fn storage_ip(ss: &libc::sockaddr_storage) -> Option<IpAddr> {
    match c_int::from(ss.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in, which it is large and
            // aligned enough for.
            let sa = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(IpAddr::V4(Ipv4Addr::from(sa.sin_addr.s_addr.to_ne_bytes())))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for sockaddr_in6.
            let sa =
                unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(IpAddr::V6(Ipv6Addr::from(sa.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

fn read_cmsgs(msg: &libc::msghdr, r: &mut Received) {
    // SAFETY: `msg` was filled by recvmsg; CMSG_FIRSTHDR/NXTHDR walk only within
    // msg_controllen and each payload is read unaligned after a length check against cmsg_len.
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
                    r.ifindex = Some(p.ipi_ifindex as u32);
                    r.dst = Some(IpAddr::V4(Ipv4Addr::from(p.ipi_addr.s_addr.to_ne_bytes())));
                }
                (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO)
                    if have >= mem::size_of::<libc::in6_pktinfo>() =>
                {
                    let p = std::ptr::read_unaligned(data.cast::<libc::in6_pktinfo>());
                    r.ifindex = Some(p.ipi6_ifindex);
                    r.dst = Some(IpAddr::V6(Ipv6Addr::from(p.ipi6_addr.s6_addr)));
                }
                (libc::IPPROTO_IP, libc::IP_TTL) | (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT)
                    if have >= mem::size_of::<c_int>() =>
                {
                    let t = std::ptr::read_unaligned(data.cast::<c_int>());
                    r.ttl = u8::try_from(t).unwrap_or(0);
                }
                _ => {}
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
}
