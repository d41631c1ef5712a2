//! The parent–child channel: a SOCK_SEQPACKET socketpair. The parent sends a hello every
//! period (`supervisor::hello` picks it); the child echoes it from its loop. A child whose loop is stuck stops echoing, and
//! the parent kills it. One datagram is one message, so there is no framing to get wrong.
//!
//! BFD session changes travel the same channels: the BFD child sends each to the parent, which
//! keeps the latest state per session and passes it on to the VRRP and checker children (and
//! replays them all to a child it has just started), as keepalived's BFD event pipes do.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::core::time::Micros;

/// A hello (parent → child) and its echo (child → parent): tag and sequence number.
const HELLO_TAG: [u8; 4] = *b"KAhi";
const MSG_LEN: usize = 8;
/// A BFD session change: tag, up (1) or down (0), name length, when it was sent (monotonic
/// µs, big-endian), the name.
const BFD_TAG: [u8; 4] = *b"KAbf";
/// keepalived's limit on a `bfd_instance` name (BFD_INAME_MAX less its NUL).
pub(crate) const BFD_NAME_MAX: usize = 31;
const BFD_HEAD: usize = 14;

/// One BFD session's new state, by its `bfd_instance` name, and when it was sent (for `-D`'s
/// delivery time, as keepalived's event carries it). Two events are equal when they say the
/// same of the same session, whenever sent.
#[derive(Clone, Copy, Eq)]
pub(crate) struct BfdEvent {
    name: [u8; BFD_NAME_MAX],
    len: u8,
    pub(crate) up: bool,
    sent: Micros,
}

impl PartialEq for BfdEvent {
    fn eq(&self, o: &BfdEvent) -> bool {
        self.name() == o.name() && self.up == o.up
    }
}

impl BfdEvent {
    /// Sent now. None when the name is longer than keepalived allows (the config drops such
    /// instances).
    pub(crate) fn new(name: &str, up: bool) -> Option<BfdEvent> {
        let b = name.as_bytes();
        if b.len() > BFD_NAME_MAX {
            return None;
        }
        let mut ev = BfdEvent {
            name: [0; BFD_NAME_MAX],
            len: b.len() as u8,
            up,
            sent: Micros::now(),
        };
        ev.name[..b.len()].copy_from_slice(b);
        Some(ev)
    }

    /// keepalived's `-D` line for an event heard at `now`.
    pub(crate) fn log_received(&self, now: Micros) {
        let took = now.0.saturating_sub(self.sent.0);
        let state = if self.up { "Up" } else { "Down" };
        log::info!(
            "Received BFD event: instance {} is in state {state} (delivered in {took} usec)",
            self.name()
        );
    }

    pub(crate) fn name(&self) -> &str {
        // Built from a &str or checked in decode_bfd: always UTF-8.
        std::str::from_utf8(&self.name[..self.len as usize]).unwrap_or("")
    }

    fn encode(&self, m: &mut [u8; BFD_HEAD + BFD_NAME_MAX]) -> usize {
        m[..4].copy_from_slice(&BFD_TAG);
        m[4] = u8::from(self.up);
        m[5] = self.len;
        m[6..BFD_HEAD].copy_from_slice(&self.sent.0.to_be_bytes());
        let n = self.len as usize;
        m[BFD_HEAD..BFD_HEAD + n].copy_from_slice(&self.name[..n]);
        BFD_HEAD + n
    }
}

impl std::fmt::Debug for BfdEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BfdEvent({} {})",
            self.name(),
            if self.up { "up" } else { "down" }
        )
    }
}

fn decode_bfd(m: &[u8]) -> Option<BfdEvent> {
    if m.len() < BFD_HEAD || m[..4] != BFD_TAG || m[4] > 1 {
        return None;
    }
    let name = &m[BFD_HEAD..];
    if name.len() != m[5] as usize || name.len() > BFD_NAME_MAX {
        return None;
    }
    let name = std::str::from_utf8(name).ok()?;
    let mut sent = [0u8; 8];
    sent.copy_from_slice(&m[6..BFD_HEAD]);
    let mut ev = BfdEvent::new(name, m[4] == 1)?;
    ev.sent = Micros(u64::from_be_bytes(sent));
    Some(ev)
}

/// Makes the pair: (parent end, child end). Both non-blocking and close-on-exec (scripts the
/// children exec must not inherit them).
pub(crate) fn pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair writes two fds into our array.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds are fresh from the kernel and owned only here.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn encode(seq: u32) -> [u8; MSG_LEN] {
    let mut m = [0u8; MSG_LEN];
    m[..4].copy_from_slice(&HELLO_TAG);
    m[4..].copy_from_slice(&seq.to_be_bytes());
    m
}

fn decode(m: &[u8]) -> Option<u32> {
    if m.len() != MSG_LEN || m[..4] != HELLO_TAG {
        return None;
    }
    let mut s = [0u8; 4];
    s.copy_from_slice(&m[4..]);
    Some(u32::from_be_bytes(s))
}

fn send(fd: RawFd, m: &[u8]) -> io::Result<()> {
    // SAFETY: sending from a buffer we own; MSG_NOSIGNAL so a dead peer is EPIPE, not SIGPIPE.
    let n = unsafe {
        libc::send(
            fd,
            m.as_ptr() as *const libc::c_void,
            m.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// What reading the channel gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recv {
    Hello(u32),
    Bfd(BfdEvent),
    /// Nothing more to read now.
    Empty,
    /// The other end is closed.
    Closed,
}

/// Reads one message (non-blocking). Unknown messages are skipped.
pub(crate) fn recv(fd: RawFd) -> io::Result<Recv> {
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: reading into our buffer.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0) };
        if n == 0 {
            return Ok(Recv::Closed);
        }
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => Ok(Recv::Empty),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => Ok(Recv::Closed),
                _ => Err(e),
            };
        }
        let m = &buf[..n as usize];
        if let Some(seq) = decode(m) {
            return Ok(Recv::Hello(seq));
        }
        if let Some(ev) = decode_bfd(m) {
            return Ok(Recv::Bfd(ev));
        }
    }
}

/// Parent side: sends hello `seq`.
pub(crate) fn send_hello(fd: RawFd, seq: u32) -> io::Result<()> {
    send(fd, &encode(seq))
}

/// Either side: sends one BFD session change (BFD child → parent → VRRP and checker children).
pub(crate) fn send_bfd(fd: RawFd, ev: &BfdEvent) -> io::Result<()> {
    let mut m = [0u8; BFD_HEAD + BFD_NAME_MAX];
    let n = ev.encode(&mut m);
    send(fd, &m[..n])
}

/// Child side: answers every pending hello and hands each BFD session change to `on_bfd`.
/// Returns false when the parent has gone.
pub(crate) fn answer_hellos(fd: &OwnedFd, mut on_bfd: impl FnMut(BfdEvent)) -> io::Result<bool> {
    loop {
        match recv(fd.as_raw_fd())? {
            Recv::Hello(seq) => send(fd.as_raw_fd(), &encode(seq))?,
            Recv::Bfd(ev) => on_bfd(ev),
            Recv::Empty => return Ok(true),
            Recv::Closed => return Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trip_and_close() {
        let (p, c) = pair().expect("pair");
        assert_eq!(recv(c.as_raw_fd()).expect("r"), Recv::Empty);
        send_hello(p.as_raw_fd(), 7).expect("send");
        send_hello(p.as_raw_fd(), 8).expect("send");
        assert!(answer_hellos(&c, |_| {}).expect("answer"));
        assert_eq!(recv(p.as_raw_fd()).expect("r"), Recv::Hello(7));
        assert_eq!(recv(p.as_raw_fd()).expect("r"), Recv::Hello(8));
        assert_eq!(recv(p.as_raw_fd()).expect("r"), Recv::Empty);
        drop(p);
        assert!(!answer_hellos(&c, |_| {}).expect("answer"));
    }

    #[test]
    fn bfd_events_pass_between_hellos_in_order() {
        let (p, c) = pair().expect("pair");
        let up = BfdEvent::new("upstream", true).expect("name");
        let long = "x".repeat(BFD_NAME_MAX);
        let down = BfdEvent::new(&long, false).expect("name");
        assert!(BfdEvent::new(&format!("{long}y"), true).is_none());
        send_bfd(p.as_raw_fd(), &up).expect("send");
        send_hello(p.as_raw_fd(), 3).expect("send");
        send_bfd(p.as_raw_fd(), &down).expect("send");
        let mut seen = Vec::new();
        assert!(answer_hellos(&c, |ev| seen.push(ev)).expect("answer"));
        assert_eq!(seen, [up, down]);
        assert_eq!(
            seen[0].sent, up.sent,
            "the send time travels with the event"
        );
        assert_eq!(seen[0].name(), "upstream");
        assert!(seen[0].up && !seen[1].up);
        assert_eq!(recv(p.as_raw_fd()).expect("r"), Recv::Hello(3));
    }

    #[test]
    fn malformed_bfd_messages_are_skipped() {
        let (p, c) = pair().expect("pair");
        for bad in [
            // A state that is neither down nor up; a name shorter than said; no room for
            // the time; a name that is not UTF-8.
            &b"KAbf\x02\x01\0\0\0\0\0\0\0\x01a"[..],
            b"KAbf\x01\x02\0\0\0\0\0\0\0\x01a",
            b"KAbf\x01\x01\0\0\0a",
            b"KAbf\x01\x02\0\0\0\0\0\0\0\x01\xff\xfe",
        ] {
            send(p.as_raw_fd(), bad).expect("send");
        }
        let mut seen = 0;
        assert!(answer_hellos(&c, |_| seen += 1).expect("answer"));
        assert_eq!(seen, 0);
    }
}
