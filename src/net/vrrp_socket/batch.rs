//! Adverts queued for one `sendmmsg`: a MASTER of many instances at a short advert interval
//! sends about as many adverts per wake as it has instances, and one syscall for them all costs
//! a fraction of one each. When to flush (what must reach the wire in order) is the caller's
//! call; this packs the packets, sends them, and says which ones the socket refused.
//!
//! Packets are built in place, one after the other, in a buffer sized for [`SEND_BATCH`] of the
//! largest: only the bytes of the packets queued are ever touched.

use std::io::{Error, ErrorKind, Result};
use std::mem;
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::AsRawFd;

use libc::c_void;

use super::msg::{dont_route, v6_control};
use super::{invalid, scope_for, VrrpSocket};
use crate::net::cmsg::{CmsgBuf, ROOM};
use crate::net::sockaddr;

/// Packets one flush sends at most.
pub const SEND_BATCH: usize = 32;

#[derive(Clone, Copy)]
struct Queued<T> {
    at: usize,
    len: usize,
    dst: IpAddr,
    /// IPv6: the source and the hop limit to ask for.
    v6: Option<(Ipv6Addr, Option<u8>)>,
    tag: T,
}

/// Packets waiting for one socket; `T` is what the caller needs to report one that failed.
pub struct SendBatch<T> {
    /// Reserved whole at the start, but its length grows only as far as packets have been
    /// built: the pages past the busiest batch are never written, so they cost no memory
    /// (zeroed up front, the 32 × 4 KiB room was all resident in every VRRP child).
    bytes: Vec<u8>,
    max_packet: usize,
    used: usize,
    queued: heapless::Vec<Queued<T>, SEND_BATCH>,
}

impl<T: Copy> SendBatch<T> {
    /// A batch of packets of at most `max_packet` bytes each.
    pub fn new(max_packet: usize) -> SendBatch<T> {
        SendBatch {
            bytes: Vec::with_capacity(max_packet * SEND_BATCH),
            max_packet,
            used: 0,
            queued: heapless::Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }

    /// How many more packets fit.
    pub fn free(&self) -> usize {
        SEND_BATCH - self.queued.len()
    }

    /// Where to build the next packet (`max_packet` bytes); None when the batch is full.
    pub fn room(&mut self) -> Option<&mut [u8]> {
        if self.free() == 0 {
            return None;
        }
        let end = self.used + self.max_packet;
        if self.bytes.len() < end && end <= self.bytes.capacity() {
            self.bytes.resize(end, 0);
        }
        self.bytes.get_mut(self.used..end)
    }

    /// Queues the first `len` bytes of [`SendBatch::room`] for `dst`; for IPv6 with `v6`'s
    /// source and hop limit. False (nothing queued) when full or `len` is beyond the room.
    pub fn push(
        &mut self,
        len: usize,
        dst: IpAddr,
        v6: Option<(Ipv6Addr, Option<u8>)>,
        tag: T,
    ) -> bool {
        if len > self.max_packet {
            return false;
        }
        let q = Queued {
            at: self.used,
            len,
            dst,
            v6,
            tag,
        };
        if self.queued.push(q).is_err() {
            return false;
        }
        self.used += len;
        true
    }

    /// Drops what is queued, unsent.
    pub fn clear(&mut self) {
        self.queued.clear();
        self.used = 0;
    }

    /// Sends every queued packet on `sock`, in order, with as few `sendmmsg` as their flags
    /// allow (multicast ones go MSG_DONTROUTE), and empties the batch. `failed` hears of each
    /// packet the socket refused, with the error a single send would have returned: a
    /// `sendmmsg` that stops short is called again from the packet it stopped at, which then
    /// fails alone and is skipped. Packets that cannot be addressed on `sock` (the other
    /// family) are reported first, before anything is sent.
    pub fn flush(&mut self, sock: &VrrpSocket, mut failed: impl FnMut(T, IpAddr, &Error)) {
        // SAFETY: plain data; all-zero is valid.
        let mut names: [libc::sockaddr_in6; SEND_BATCH] = unsafe { mem::zeroed() };
        // SAFETY: as above.
        let mut iovs: [libc::iovec; SEND_BATCH] = unsafe { mem::zeroed() };
        // SAFETY: as above.
        let mut hdrs: [libc::mmsghdr; SEND_BATCH] = unsafe { mem::zeroed() };
        let mut cbufs = [const { CmsgBuf([0; ROOM]) }; SEND_BATCH];
        // Which queued packet each header carries: those that cannot be sent have none.
        let mut which = [0usize; SEND_BATCH];
        let mut m = 0;
        for (k, q) in self.queued.iter().enumerate() {
            let h = &mut hdrs[m].msg_hdr;
            let name = &mut names[m];
            let namelen = match (q.dst, q.v6, sock.v6) {
                (IpAddr::V4(d), None, false) => {
                    // SAFETY: a sockaddr_in is smaller than, and aligned as, a sockaddr_in6.
                    unsafe {
                        (name as *mut libc::sockaddr_in6)
                            .cast::<libc::sockaddr_in>()
                            .write(sockaddr::v4(d, 0))
                    };
                    mem::size_of::<libc::sockaddr_in>()
                }
                (IpAddr::V6(d), Some((src, hop_limit)), true) => {
                    *name = sockaddr::v6(d, 0, 0, scope_for(q.dst, sock.ifindex));
                    if let Err(e) = v6_control(h, &mut cbufs[m], src, sock.ifindex, hop_limit) {
                        failed(q.tag, q.dst, &e);
                        continue;
                    }
                    mem::size_of::<libc::sockaddr_in6>()
                }
                _ => {
                    failed(q.tag, q.dst, &invalid("advert of the other family"));
                    continue;
                }
            };
            iovs[m] = libc::iovec {
                iov_base: self.bytes[q.at..].as_mut_ptr().cast::<c_void>(),
                iov_len: q.len,
            };
            h.msg_name = (name as *mut libc::sockaddr_in6).cast::<c_void>();
            h.msg_namelen = namelen as libc::socklen_t;
            h.msg_iov = &mut iovs[m];
            h.msg_iovlen = 1;
            which[m] = k;
            m += 1;
        }
        let mut start = 0;
        while start < m {
            let flags = dont_route(self.queued[which[start]].dst);
            let run = which[start..m]
                .iter()
                .take_while(|&&k| dont_route(self.queued[k].dst) == flags)
                .count();
            match send_run(sock, &mut hdrs[start..start + run], flags) {
                Ok(sent) => start += sent,
                Err(e) => {
                    let q = &self.queued[which[start]];
                    failed(q.tag, q.dst, &e);
                    start += 1;
                }
            }
        }
        self.clear();
    }
}

/// One `sendmmsg` of `hdrs` (not empty); how many went, at least one. EINTR: again.
fn send_run(sock: &VrrpSocket, hdrs: &mut [libc::mmsghdr], flags: libc::c_int) -> Result<usize> {
    loop {
        // SAFETY: every header points to a name, an iovec over live bytes and, for IPv6, a
        // control buffer, all of which outlive the call, with the lengths given.
        let n = unsafe {
            libc::sendmmsg(
                sock.tx.as_raw_fd(),
                hdrs.as_mut_ptr(),
                hdrs.len() as _,
                flags as _,
            )
        };
        if n > 0 {
            return Ok(n as usize);
        }
        if n == 0 {
            return Err(Error::new(ErrorKind::WriteZero, "sendmmsg sent nothing"));
        }
        let e = Error::last_os_error();
        if e.kind() != ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SendBatch, SEND_BATCH};
    use std::net::{IpAddr, Ipv4Addr};

    #[test]
    fn only_the_room_packets_were_built_in_is_ever_written() {
        let max = 4096;
        let mut b = SendBatch::<u8>::new(max);
        let reserved = b.bytes.capacity();
        assert!(reserved >= max * SEND_BATCH);
        assert_eq!(b.bytes.len(), 0, "nothing written before the first packet");
        let dst = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
        for round in 0..3 {
            for k in 0..SEND_BATCH {
                let room = b.room().expect("room");
                assert_eq!(room.len(), max);
                room[..60].fill(k as u8);
                assert!(b.push(60, dst, None, round));
            }
            assert!(b.room().is_none(), "full at {SEND_BATCH}");
            b.clear();
        }
        // Packed packets: the written part is the busiest batch plus one room, not 32 rooms,
        // and it never moved (no allocation after the first).
        assert!(b.bytes.len() <= 60 * SEND_BATCH + max, "{}", b.bytes.len());
        assert_eq!(b.bytes.capacity(), reserved);
    }
}
