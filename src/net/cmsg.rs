//! recvmsg with ancillary data, shared by the VRRP and BFD sockets: one datagram into the
//! caller's buffer, its source, and what the control messages say (packet info, TTL or hop
//! limit, the kernel's receive time stamp). No allocation; each socket turns the result into
//! its own view.

use std::io::{Error, ErrorKind, Result};
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;
use std::time::Duration;

use libc::{c_int, c_void};

/// Room for a packet info, a TTL or hop limit and a time stamp, with headroom.
pub(crate) const ROOM: usize = 128;

/// SO_TIMESTAMPNS as Linux 5.1 added it, a 64-bit `tv_sec` on every architecture; the old one
/// (35, the same option on 64-bit kernels) gives a `struct timespec` of C longs. Both numbers
/// are the same on every architecture we build for (not on alpha, parisc or sparc).
const SO_TIMESTAMPNS_NEW: c_int = 64;
const SO_TIMESTAMPNS_OLD: c_int = 35;

/// Asks the kernel to stamp each datagram with its arrival time ([`Received::waited`]); the
/// new option first, the old one on a kernel without it. An error leaves the socket without
/// stamps, which its reader takes as packets that did not wait.
pub(crate) fn stamp_arrivals(fd: RawFd) -> Result<()> {
    let mut last = Ok(());
    for opt in [SO_TIMESTAMPNS_NEW, SO_TIMESTAMPNS_OLD] {
        let on: c_int = 1;
        // SAFETY: `on` is a live c_int of the length passed.
        let r = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                (&on as *const c_int).cast::<c_void>(),
                mem::size_of::<c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            return Ok(());
        }
        last = Err(Error::last_os_error());
    }
    last
}

/// A control-message buffer aligned for `cmsghdr` (also what senders build theirs in).
#[repr(C, align(8))]
pub(crate) struct CmsgBuf(pub(crate) [u8; ROOM]);

/// One datagram: `buf[..len]` holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Received {
    pub(crate) len: usize,
    /// Where in the caller's buffer it starts ([`recv_many`]; 0 for [`recv`]).
    pub(crate) at: usize,
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
    /// How long it waited between the kernel's receive stamp and the read (both on the real
    /// time clock, so a clock step shows here: the reader bounds it). Zero without a stamp,
    /// or for a stamp after the read.
    pub(crate) waited: Duration,
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
        at: 0,
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        src,
        dst: None,
        ifindex: None,
        ttl: 0,
        waited: Duration::ZERO,
    };
    // A truncated control buffer loses only what did not fit; what did is still valid.
    if let Some(s) = read_cmsgs(&msg, &mut r) {
        r.waited = waited(Some(s), realtime());
    }
    Ok(r)
}

/// Datagrams one [`recv_many`] reads at most: a VRRP socket read on its 1 ms tick at 10,000
/// adverts/s (100 instances at 10 ms) finds 10 to 35 (a master sends its adverts in bursts of
/// a few ms, one every 30-50 µs), one call's worth (16 took two or three calls a tick).
pub(crate) const BATCH: usize = 32;

/// The first bytes of each datagram land in a dense array of these ([`recv_many`]), the rest
/// in the datagram's own slot: an advert with a few addresses (32 bytes for one IPv4 VIP, 60
/// for an IPv4 header with every option) then touches one shared page or two, where a slot
/// per datagram was a page each (a busy socket's batches kept 16 of them resident).
pub(crate) const HEAD: usize = 256;

/// The buffer [`recv_many`] needs for a full batch of `slot`-byte datagrams.
pub(crate) const fn batch_len(slot: usize) -> usize {
    let head = if slot < HEAD { slot } else { HEAD };
    BATCH * (head + slot)
}

/// Reads up to [`BATCH`] datagrams in one recvmmsg into `bufs` (best [`batch_len`]`(slot)`
/// long: the heads' array, then `slot` bytes per datagram), its view into `out[k]` (None: the
/// kernel gave no source). Datagram `k` is then whole at `bufs[out[k].at..][..len]`: in its
/// head if it fits, else copied together in its slot. Returns how many were read: a queue
/// holding fewer returns what it held, an empty one `WouldBlock`.
/// One syscall for a batch instead of one per datagram and one more to find the queue empty.
/// Without `names` the kernel is not asked for the sources (a raw IPv4 socket's datagrams carry
/// theirs in their IP header, which the caller reads): each `src` is then unspecified.
pub(crate) fn recv_many(
    fd: RawFd,
    bufs: &mut [u8],
    slot: usize,
    out: &mut [Option<Received>; BATCH],
    names: bool,
) -> Result<usize> {
    let slot = slot.max(1);
    let head = HEAD.min(slot);
    let slots = (bufs.len().saturating_sub(BATCH * head) / slot).min(BATCH);
    let (heads, rest) = bufs.split_at_mut((BATCH * head).min(bufs.len()));
    // SAFETY: plain data; all-zero is valid.
    let mut from: [libc::sockaddr_storage; BATCH] = unsafe { mem::zeroed() };
    let mut cbufs = [const { CmsgBuf([0; ROOM]) }; BATCH];
    // SAFETY: as above.
    let mut iovs: [[libc::iovec; 2]; BATCH] = unsafe { mem::zeroed() };
    // SAFETY: as above.
    let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { mem::zeroed() };
    let pieces = heads
        .chunks_exact_mut(head)
        .zip(rest.chunks_exact_mut(slot));
    for (k, (h0, tail)) in pieces.take(slots).enumerate() {
        let tail = &mut tail[head..];
        iovs[k] = [
            libc::iovec {
                iov_base: h0.as_mut_ptr().cast::<c_void>(),
                iov_len: h0.len(),
            },
            libc::iovec {
                iov_base: tail.as_mut_ptr().cast::<c_void>(),
                iov_len: tail.len(),
            },
        ];
        let h = &mut hdrs[k].msg_hdr;
        if names {
            h.msg_name = (&mut from[k] as *mut libc::sockaddr_storage).cast::<c_void>();
            h.msg_namelen = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        }
        h.msg_iov = iovs[k].as_mut_ptr();
        h.msg_iovlen = 2;
        h.msg_control = cbufs[k].0.as_mut_ptr().cast::<c_void>();
        h.msg_controllen = ROOM as _;
    }
    let n = loop {
        // SAFETY: the first `slots` headers point to live buffers of the lengths given.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                hdrs.as_mut_ptr(),
                slots as _,
                libc::MSG_DONTWAIT as _,
                std::ptr::null_mut(),
            )
        };
        if n >= 0 {
            break n as usize;
        }
        let e = Error::last_os_error();
        if e.kind() != ErrorKind::Interrupted {
            return Err(e);
        }
    };
    // One clock read for the batch, if it has stamps: every packet in it was queued before
    // the call returned.
    let mut read_at = None;
    for k in 0..n {
        let msg = &hdrs[k].msg_hdr;
        let src = if names {
            storage_ip(&from[k])
        } else {
            Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        };
        out[k] = src.map(|src| {
            let len = (hdrs[k].msg_len as usize).min(slot);
            let mut r = Received {
                len,
                at: k * head,
                truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
                src,
                dst: None,
                ifindex: None,
                ttl: 0,
                waited: Duration::ZERO,
            };
            if let Some(s) = read_cmsgs(msg, &mut r) {
                r.waited = waited(Some(s), *read_at.get_or_insert_with(realtime));
            }
            if len > head {
                // Spilled into its slot: its head goes in front of the rest there.
                r.at = heads.len() + k * slot;
                rest[k * slot..][..head].copy_from_slice(&heads[k * head..][..head]);
            }
            r
        });
    }
    Ok(n)
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

/// Now on the clock the kernel stamps with, in nanoseconds since the epoch.
fn realtime() -> i128 {
    // SAFETY: all zeros is a timespec (as in core::time); clock_gettime writes into the one we
    // own and CLOCK_REALTIME always exists.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts);
        ts
    };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// From a stamp (ns since the epoch) to the read at `now`; zero without one, or for one
/// after `now` (the clock stepped back).
fn waited(stamp: Option<i128>, now: i128) -> Duration {
    let ns = stamp.map_or(0, |s| now - s).clamp(0, i128::from(u64::MAX));
    Duration::from_nanos(ns as u64)
}

/// Fills `r` from the control messages; returns the receive stamp, if any, in ns since the
/// epoch.
fn read_cmsgs(msg: &libc::msghdr, r: &mut Received) -> Option<i128> {
    let mut stamp = None;
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
                (libc::SOL_SOCKET, SO_TIMESTAMPNS_NEW) if have >= 16 => {
                    let t = std::ptr::read_unaligned(data.cast::<[i64; 2]>());
                    stamp = Some(i128::from(t[0]) * 1_000_000_000 + i128::from(t[1]));
                }
                (libc::SOL_SOCKET, SO_TIMESTAMPNS_OLD)
                    if have >= mem::size_of::<[libc::c_long; 2]>() =>
                {
                    let t = std::ptr::read_unaligned(data.cast::<[libc::c_long; 2]>());
                    stamp = Some(i128::from(t[0]) * 1_000_000_000 + i128::from(t[1]));
                }
                _ => {}
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
    stamp
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    #[test]
    fn recv_many_reads_what_is_queued_then_would_block() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        for p in [&b"one"[..], b"two", b"a longer third"] {
            tx.send_to(p, to).unwrap();
        }
        let mut bufs = [0u8; batch_len(8)];
        let mut out = [None; BATCH];
        let n = recv_many(rx.as_raw_fd(), &mut bufs, 8, &mut out, true).unwrap();
        assert_eq!(n, 3);
        let src = tx.local_addr().unwrap().ip();
        let r: Vec<_> = out[..n].iter().map(|r| r.unwrap()).collect();
        assert_eq!((r[0].len, r[0].truncated, r[0].src), (3, false, src));
        assert_eq!(&bufs[8..11], b"two");
        // The third is cut to its slot, and says so.
        assert_eq!((r[2].len, r[2].truncated), (8, true));
        assert_eq!(&bufs[16..24], b"a longer");
        let e = recv_many(rx.as_raw_fd(), &mut bufs, 8, &mut out, true).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WouldBlock);
        // Without names the datagram comes whole, its source left to the caller.
        tx.send_to(b"four", to).unwrap();
        assert_eq!(
            recv_many(rx.as_raw_fd(), &mut bufs, 8, &mut out, false).unwrap(),
            1
        );
        let r = out[0].unwrap();
        assert_eq!((r.len, r.src), (4, IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        assert_eq!(&bufs[..4], b"four");
    }

    #[test]
    fn a_datagram_longer_than_its_head_is_put_together_in_its_slot() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        let long: Vec<u8> = (0..HEAD + 44).map(|i| i as u8).collect();
        let short = [7u8; HEAD];
        for p in [&long[..], &short, &long[..HEAD + 1]] {
            tx.send_to(p, to).unwrap();
        }
        let slot = 512;
        let mut bufs = vec![0u8; batch_len(slot)];
        let mut out = [None; BATCH];
        assert_eq!(
            recv_many(rx.as_raw_fd(), &mut bufs, slot, &mut out, true).unwrap(),
            3
        );
        let got: Vec<_> = out[..3].iter().map(|r| r.unwrap()).collect();
        let bytes = |r: &Received| &bufs[r.at..][..r.len];
        assert_eq!(bytes(&got[0]), &long[..]);
        assert_eq!(bytes(&got[1]), &short[..]);
        assert_eq!(bytes(&got[2]), &long[..HEAD + 1]);
        // One that fits stays in the heads' array, the others in their slots.
        assert_eq!(got[1].at, HEAD);
        assert_eq!(got[0].at, BATCH * HEAD);
        assert_eq!(got[2].at, BATCH * HEAD + 2 * slot);
        assert!(got.iter().all(|r| !r.truncated));
    }

    #[test]
    fn a_stamped_datagram_says_how_long_it_waited_in_the_queue() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        stamp_arrivals(rx.as_raw_fd()).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut bufs = [0u8; batch_len(8)];
        let mut out = [None; BATCH];
        // The kernel turns its stamping on a moment after the first socket asks (a deferred
        // static key): meanwhile a packet is stamped when read, and says it did not wait.
        let mut waits = Vec::new();
        for _ in 0..5 {
            tx.send_to(b"early", rx.local_addr().unwrap()).unwrap();
            std::thread::sleep(Duration::from_millis(30));
            assert_eq!(
                recv_many(rx.as_raw_fd(), &mut bufs, 8, &mut out, true).unwrap(),
                1
            );
            let w = out[0].unwrap().waited;
            waits.push(w);
            if w >= Duration::from_millis(30) {
                break;
            }
        }
        // It was queued for the sleep at least; a clock step in between is the only way out.
        let w = waits.last().copied().unwrap_or_default();
        assert!(w >= Duration::from_millis(30), "{waits:?}");
        assert!(w < Duration::from_secs(30), "{waits:?}");
    }

    #[test]
    fn no_stamp_or_a_stamp_from_the_future_waited_nothing() {
        assert_eq!(waited(None, 5_000), Duration::ZERO);
        assert_eq!(waited(Some(6_000), 5_000), Duration::ZERO);
        assert_eq!(waited(Some(1_000), 5_000), Duration::from_nanos(4_000));
    }
}
