//! recvmsg/sendmsg for [`VrrpSocket`] with the ancillary data VRRP needs, over caller buffers.

use std::io::{Error, ErrorKind, Result};
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;

use libc::{c_int, c_void};

use super::{invalid, scope_for, VrrpSocket};
use crate::net::cmsg::{self, CmsgBuf};
use crate::net::sockaddr;

/// One received packet: `buf[..len]` holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// Bytes stored in the caller's buffer.
    pub len: usize,
    /// Where they start in it (0 from `recv`; see `cmsg::recv_many` for a batch).
    pub at: usize,
    /// The packet was longer than the buffer and was cut (keepalived drops such packets).
    pub truncated: bool,
    /// IPv4: the packet starts with its IP header of this many bytes (AH, if any, follows it).
    /// IPv6: 0, the buffer starts at the VRRP header.
    pub ip_header_len: usize,
    pub src: IpAddr,
    /// The destination (the group, or our unicast address); None if the kernel did not say.
    pub dst: Option<IpAddr>,
    /// The interface the packet arrived on.
    pub ifindex: u32,
    /// TTL (IPv4) or hop limit (IPv6); 0 when the kernel did not report it, which fails the
    /// multicast check for 255 as it should.
    pub ttl: u8,
    /// How long it waited in the socket's queue, by the kernel's receive stamp (zero without
    /// one); see `cmsg::Received::waited`.
    pub waited: std::time::Duration,
}

fn retry_eintr(mut f: impl FnMut() -> isize) -> Result<usize> {
    loop {
        let n = f();
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = Error::last_os_error();
        if e.kind() != ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

impl VrrpSocket {
    /// Reads one packet into `buf`. `WouldBlock` means the queue is empty (the socket is
    /// non-blocking; poll it again). `InvalidData` means a packet the kernel should never hand
    /// a raw socket (no IPv4 header); skip it and read on.
    pub fn recv(&self, buf: &mut [u8]) -> Result<Received> {
        let r = cmsg::recv(self.rx.as_raw_fd(), buf)?;
        let mut rx = Received {
            len: r.len,
            at: 0,
            truncated: r.truncated,
            ip_header_len: 0,
            src: r.src,
            dst: r.dst,
            ifindex: r.ifindex.unwrap_or(self.ifindex),
            ttl: r.ttl,
            waited: r.waited,
        };
        if !self.v6 {
            read_ipv4_header(&buf[..rx.len], &mut rx)?;
        }
        Ok(rx)
    }

    /// Reads up to [`cmsg::BATCH`] packets in one call into `bufs` (`cmsg::batch_len(slot)`
    /// long), packet `k` whole at `bufs[out[k].at..]`, its view into `out[k]` (None: one to skip, as `recv`'s `InvalidData`). Returns how many
    /// slots were filled; `WouldBlock` when the queue is empty.
    pub fn recv_many(
        &self,
        bufs: &mut [u8],
        slot: usize,
        out: &mut [Option<Received>; cmsg::BATCH],
    ) -> Result<usize> {
        let mut raw = [None; cmsg::BATCH];
        // An IPv4 datagram's source is read from its header: no address copied out per packet.
        let n = cmsg::recv_many(self.rx.as_raw_fd(), bufs, slot, &mut raw, self.v6)?;
        for (k, r) in raw.iter().take(n).enumerate() {
            out[k] = r.and_then(|r| {
                let mut rx = Received {
                    len: r.len,
                    at: r.at,
                    truncated: r.truncated,
                    ip_header_len: 0,
                    src: r.src,
                    dst: r.dst,
                    ifindex: r.ifindex.unwrap_or(self.ifindex),
                    ttl: r.ttl,
                    waited: r.waited,
                };
                let pkt = &bufs[r.at..][..rx.len];
                (self.v6 || read_ipv4_header(pkt, &mut rx).is_ok()).then_some(rx)
            });
        }
        Ok(n)
    }

    /// Sends a complete IPv4 packet (header included, IP_HDRINCL) to `dst`: the group, or a
    /// unicast peer. The kernel fills in the header checksum, and the ID and source when zero.
    pub fn send_v4(&self, packet: &[u8], dst: Ipv4Addr) -> Result<usize> {
        if self.v6 {
            return Err(invalid("IPv4 send on an IPv6 VRRP socket"));
        }
        let sa = sockaddr::v4(dst, 0);
        let flags = dont_route(IpAddr::V4(dst));
        retry_eintr(|| {
            // SAFETY: `packet` and `sa` are live for the call, with the lengths passed.
            unsafe {
                libc::sendto(
                    self.tx.as_raw_fd(),
                    packet.as_ptr().cast::<c_void>(),
                    packet.len(),
                    flags,
                    (&sa as *const libc::sockaddr_in).cast(),
                    mem::size_of_val(&sa) as libc::socklen_t,
                )
            }
        })
    }

    /// Sends a VRRP payload over IPv6 from `src` (the interface's link-local address unless
    /// configured) to `dst`. The kernel builds the IPv6 header and computes the checksum.
    /// `hop_limit` overrides the socket's (255 for multicast, the kernel default for unicast);
    /// keepalived passes `unicast_ttl` this way.
    pub fn send_v6(
        &self,
        payload: &[u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: Option<u8>,
    ) -> Result<usize> {
        if !self.v6 {
            return Err(invalid("IPv6 send on an IPv4 VRRP socket"));
        }
        let sa = sockaddr::v6(dst, 0, 0, scope_for(IpAddr::V6(dst), self.ifindex));
        let mut cbuf = CmsgBuf([0; cmsg::ROOM]);
        let mut iov = libc::iovec {
            iov_base: payload.as_ptr() as *mut c_void,
            iov_len: payload.len(),
        };
        // SAFETY: msghdr is plain data; all-zero is valid.
        let mut msg: libc::msghdr = unsafe { mem::zeroed() };
        msg.msg_name = (&sa as *const libc::sockaddr_in6) as *mut c_void;
        msg.msg_namelen = mem::size_of_val(&sa) as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        v6_control(&mut msg, &mut cbuf, src, self.ifindex, hop_limit)?;
        let flags = dont_route(IpAddr::V6(dst));
        retry_eintr(|| {
            // SAFETY: every pointer in `msg` refers to a live buffer of the length given.
            unsafe { libc::sendmsg(self.tx.as_raw_fd(), &msg, flags) }
        })
    }
}

/// Points `msg` at IPV6_PKTINFO (from `src` on `ifindex`) and, if given, IPV6_HOPLIMIT, built
/// in `cbuf`, which must outlive the send.
pub(super) fn v6_control(
    msg: &mut libc::msghdr,
    cbuf: &mut CmsgBuf,
    src: Ipv6Addr,
    ifindex: u32,
    hop_limit: Option<u8>,
) -> Result<()> {
    let info = libc::in6_pktinfo {
        ipi6_addr: libc::in6_addr {
            s6_addr: src.octets(),
        },
        ipi6_ifindex: ifindex,
    };
    msg.msg_control = cbuf.0.as_mut_ptr().cast::<c_void>();
    // SAFETY: CMSG_SPACE is arithmetic.
    let mut room = unsafe { libc::CMSG_SPACE(mem::size_of_val(&info) as u32) } as usize;
    if hop_limit.is_some() {
        // SAFETY: as above.
        room += unsafe { libc::CMSG_SPACE(mem::size_of::<c_int>() as u32) } as usize;
    }
    msg.msg_controllen = room as _;
    // SAFETY: the control buffer is cmsg::ROOM bytes, zeroed and aligned, and `room` fits in it
    // (two small cmsgs); CMSG_FIRSTHDR/NXTHDR stay inside msg_controllen.
    unsafe {
        let c = libc::CMSG_FIRSTHDR(msg);
        if c.is_null() {
            return Err(invalid("no room for IPV6_PKTINFO"));
        }
        (*c).cmsg_level = libc::IPPROTO_IPV6;
        (*c).cmsg_type = libc::IPV6_PKTINFO;
        (*c).cmsg_len = libc::CMSG_LEN(mem::size_of_val(&info) as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<libc::in6_pktinfo>(), info);
        if let Some(h) = hop_limit {
            let c = libc::CMSG_NXTHDR(msg, c);
            if c.is_null() {
                return Err(invalid("no room for IPV6_HOPLIMIT"));
            }
            (*c).cmsg_level = libc::IPPROTO_IPV6;
            (*c).cmsg_type = libc::IPV6_HOPLIMIT;
            (*c).cmsg_len = libc::CMSG_LEN(mem::size_of::<c_int>() as u32) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<c_int>(), c_int::from(h));
        }
    }
    Ok(())
}

/// keepalived keeps multicast adverts on the link (MSG_DONTROUTE); unicast may be routed.
pub(super) fn dont_route(dst: IpAddr) -> c_int {
    if dst.is_multicast() {
        libc::MSG_DONTROUTE
    } else {
        0
    }
}

/// Raw IPv4 sockets deliver the IP header; TTL, source and destination come from it.
fn read_ipv4_header(pkt: &[u8], rx: &mut Received) -> Result<()> {
    let bad = || Error::new(ErrorKind::InvalidData, "packet without an IPv4 header");
    let first = *pkt.first().ok_or_else(bad)?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || pkt.len() < ihl {
        return Err(bad());
    }
    rx.ip_header_len = ihl;
    rx.ttl = pkt[8];
    // What the kernel puts in a raw socket's source address: the header's.
    rx.src = IpAddr::V4(Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]));
    rx.dst = Some(IpAddr::V4(Ipv4Addr::new(
        pkt[16], pkt[17], pkt[18], pkt[19],
    )));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> Received {
        Received {
            len: 0,
            at: 0,
            truncated: false,
            ip_header_len: 0,
            src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            dst: None,
            ifindex: 0,
            ttl: 0,
            waited: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn ipv4_header_gives_ttl_source_destination_and_length() {
        let mut pkt = [0u8; 28];
        pkt[0] = 0x45;
        pkt[8] = 255;
        pkt[9] = 112;
        pkt[12..16].copy_from_slice(&[10, 9, 8, 1]);
        pkt[16..20].copy_from_slice(&[224, 0, 0, 18]);
        let mut rx = blank();
        read_ipv4_header(&pkt, &mut rx).unwrap();
        assert_eq!(rx.ttl, 255);
        assert_eq!(rx.ip_header_len, 20);
        assert_eq!(rx.src, IpAddr::V4(Ipv4Addr::new(10, 9, 8, 1)));
        assert_eq!(rx.dst, Some(IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18))));
    }

    #[test]
    fn short_or_foreign_headers_are_invalid_data() {
        let mut rx = blank();
        for pkt in [&[][..], &[0x45; 19][..], &[0x65; 40][..], &[0x44; 40][..]] {
            let e = read_ipv4_header(pkt, &mut rx).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidData, "{pkt:?}");
        }
        // IHL of 6 words needs 24 bytes.
        let e = read_ipv4_header(&[0x46; 23], &mut rx).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData);
    }
}
