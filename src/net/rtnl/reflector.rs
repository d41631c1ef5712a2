//! The reflector: kernel link and address notifications turned into typed events.
//!
//! One non-blocking socket joined to the link and address groups, read into one buffer
//! allocated at open; events are decoded in place and returned by value, so nothing is
//! allocated per message. The socket's fd is meant for the event loop's poller: when it is
//! readable, call [`Reflector::next_event`] until it returns `Ok(None)`.

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, RawFd};

use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use super::wire::{
    decode_addr, decode_link, flags_up, msg_family, IfName, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR,
    RTMGRP_LINK, RTM_DELADDR, RTM_DELLINK, RTM_NEWADDR, RTM_NEWLINK,
};
use crate::net::netlink::{messages, Error, Msg, RECV_BUF_LEN};
use crate::net::page_buf::PageBuf;

/// The monitor socket's receive buffer when the config sets none: keepalived's (the kernel
/// doubles it), so both daemons ride out the same bursts before an overrun.
pub const MONITOR_RCVBUF: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The link is administratively up and running. Sent on every link change notification,
    /// not only on transitions: the consumer compares with what it knew.
    LinkUp {
        ifindex: u32,
        name: IfName,
    },
    LinkDown {
        ifindex: u32,
        name: IfName,
    },
    /// The interface is gone.
    LinkRemoved {
        ifindex: u32,
        name: IfName,
    },
    AddrAdded {
        ifindex: u32,
        addr: IpAddr,
        prefix: u8,
    },
    AddrRemoved {
        ifindex: u32,
        addr: IpAddr,
        prefix: u8,
    },
    /// The socket's queue overflowed and notifications were lost: dump links and addresses
    /// again to resynchronise.
    Overrun,
}

/// Translates one notification; `None` for messages that are not link or address changes.
pub fn event_from(m: &Msg<'_>) -> Result<Option<Event>, Error> {
    Ok(Some(match m.ty {
        // Bridge port notifications (AF_BRIDGE) repeat a link's state; only the generic
        // ones (AF_UNSPEC) are events, as a link dump returns.
        RTM_NEWLINK | RTM_DELLINK if msg_family(m) != Some(libc::AF_UNSPEC as u8) => {
            return Ok(None)
        }
        RTM_NEWLINK | RTM_DELLINK => {
            let l = decode_link(m)?;
            let (ifindex, name) = (l.ifindex, l.name);
            if m.ty == RTM_DELLINK {
                Event::LinkRemoved { ifindex, name }
            } else if flags_up(l.flags) {
                Event::LinkUp { ifindex, name }
            } else {
                Event::LinkDown { ifindex, name }
            }
        }
        RTM_NEWADDR | RTM_DELADDR => {
            let a = decode_addr(m)?;
            let (ifindex, addr, prefix) = (a.ifindex, a.addr, a.prefix);
            if m.ty == RTM_NEWADDR {
                Event::AddrAdded {
                    ifindex,
                    addr,
                    prefix,
                }
            } else {
                Event::AddrRemoved {
                    ifindex,
                    addr,
                    prefix,
                }
            }
        }
        _ => return Ok(None),
    }))
}

pub struct Reflector {
    sock: Socket,
    buf: PageBuf,
    /// Bytes of the current datagram in `buf`, and where the next message starts.
    len: usize,
    pos: usize,
}

impl Reflector {
    /// Joins the link, IPv4 address and IPv6 address groups.
    pub fn open() -> Result<Self, Error> {
        Self::with_groups(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR)
    }

    /// Joins `groups` (RTMGRP_* bits).
    fn with_groups(groups: u32) -> Result<Self, Error> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind(&SocketAddr::new(0, groups))?;
        sock.set_non_blocking(true)?;
        Ok(Reflector {
            sock,
            buf: PageBuf::new(RECV_BUF_LEN)?,
            len: 0,
            pos: 0,
        })
    }

    /// Sets the socket receive buffer (bytes), for hosts with bursts of changes. `force`
    /// (SO_RCVBUFFORCE, needs CAP_NET_ADMIN) goes past the net.core.rmem_max limit.
    pub fn set_rcvbuf(&self, bytes: usize, force: bool) -> Result<(), Error> {
        let opt = if force {
            libc::SO_RCVBUFFORCE
        } else {
            libc::SO_RCVBUF
        };
        let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        // SAFETY: an int option on our own open socket; the size passed is the int's.
        let rc = unsafe {
            libc::setsockopt(
                self.sock.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error().into())
        }
    }

    /// The next event, or `Ok(None)` when nothing is queued. Malformed messages and
    /// unrelated notifications are skipped.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            while self.pos < self.len {
                let rest = &self.buf[self.pos..self.len];
                let mut it = messages(rest);
                let Some(Ok(m)) = it.next() else {
                    // A bad length leaves no way to find the next message in this datagram.
                    self.pos = self.len;
                    break;
                };
                let used = rest.len() - it.remaining();
                let ev = event_from(&m);
                self.pos += used;
                match ev {
                    Ok(Some(ev)) => return Ok(Some(ev)),
                    Ok(None) => {}
                    Err(e) => log::debug!("reflector: skipping notification: {e}"),
                }
            }
            match self.fill() {
                Ok(Fill::Data) => {}
                Ok(Fill::Empty) => return Ok(None),
                Ok(Fill::Lost) => return Ok(Some(Event::Overrun)),
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    return Ok(Some(Event::Overrun))
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn fill(&mut self) -> io::Result<Fill> {
        self.len = 0;
        self.pos = 0;
        loop {
            let mut slice: &mut [u8] = &mut self.buf[..];
            match self.sock.recv(&mut slice, libc::MSG_TRUNC) {
                // The kernel has consumed a datagram too large to decode; what it said is
                // lost, as with a queue overflow.
                Ok(n) if n > self.buf.len() => return Ok(Fill::Lost),
                Ok(n) => {
                    self.len = n;
                    return Ok(Fill::Data);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Fill::Empty),
                Err(e) => return Err(e),
            }
        }
    }
}

enum Fill {
    Data,
    Empty,
    Lost,
}

impl AsRawFd for Reflector {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}
