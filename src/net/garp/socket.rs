//! The AF_PACKET socket GARPs and NAs leave by: one per process, for every interface.

use std::io::{Error, ErrorKind, Result};
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use libc::c_void;
use std::net::IpAddr;

use super::{build_garp, build_unsolicited_na, Mac, GARP_FRAME_LEN, NA_FRAME_LEN};

/// A send-only packet socket. Opened with protocol 0, so the kernel queues nothing to it.
#[derive(Debug)]
pub struct GarpSocket {
    fd: OwnedFd,
}

impl GarpSocket {
    /// Needs CAP_NET_RAW.
    pub fn open() -> Result<GarpSocket> {
        // SAFETY: plain syscall; the fd is owned below.
        let fd = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            )
        };
        if fd < 0 {
            return Err(Error::last_os_error());
        }
        // SAFETY: a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(GarpSocket { fd })
    }

    /// Announces `addr` as held by `mac` on interface `ifindex` (named `ifname`): a
    /// gratuitous ARP for IPv4, an unsolicited neighbour advert for IPv6 (with the Router
    /// flag when the interface forwards IPv6).
    pub fn announce(&self, ifindex: u32, ifname: &str, mac: Mac, addr: IpAddr) -> Result<usize> {
        match addr {
            IpAddr::V4(ip) => {
                let mut buf = [0u8; GARP_FRAME_LEN];
                self.send(ifindex, build_garp(&mut buf, mac, ip))
            }
            IpAddr::V6(ip) => {
                let mut buf = [0u8; NA_FRAME_LEN];
                let router = ipv6_forwarding(ifname);
                self.send(ifindex, build_unsolicited_na(&mut buf, mac, ip, router))
            }
        }
    }

    /// Sends a whole Ethernet `frame` (from [`super::build_garp`] or
    /// [`super::build_unsolicited_na`]) out of interface `ifindex`.
    pub fn send(&self, ifindex: u32, frame: &[u8]) -> Result<usize> {
        if frame.len() < super::ETH_HLEN {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "frame shorter than Ethernet header",
            ));
        }
        // SAFETY: sockaddr_ll is plain data; all-zero is valid.
        let mut sll: libc::sockaddr_ll = unsafe { mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        // Already in network order in the frame.
        sll.sll_protocol = u16::from_ne_bytes([frame[12], frame[13]]);
        sll.sll_ifindex = ifindex as i32;
        sll.sll_halen = 6;
        sll.sll_addr[..6].copy_from_slice(&frame[..6]);
        loop {
            // SAFETY: `frame` and `sll` are live for the call, with the lengths passed.
            let n = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    frame.as_ptr().cast::<c_void>(),
                    frame.len(),
                    0,
                    (&sll as *const libc::sockaddr_ll).cast(),
                    mem::size_of_val(&sll) as libc::socklen_t,
                )
            };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = Error::last_os_error();
            if e.kind() != ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

/// Whether `ifname` forwards IPv6, which sets the Router flag in its NAs. keepalived reads it at
/// most every 5 s per interface; callers should cache it likewise. Unreadable means no.
pub fn ipv6_forwarding(ifname: &str) -> bool {
    if ifname.is_empty() || ifname.contains('/') || ifname.starts_with('.') {
        return false;
    }
    let path = format!("/proc/sys/net/ipv6/conf/{ifname}/forwarding");
    std::fs::read(path).is_ok_and(|v| v.first().is_some_and(|&c| c != b'0'))
}
