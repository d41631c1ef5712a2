//! The parent–child channel: a SOCK_SEQPACKET socketpair. The parent sends a hello every
//! period (`supervisor::hello` picks it); the child echoes it from its loop. A child whose loop is stuck stops echoing, and
//! the parent kills it. One datagram is one message, so there is no framing to get wrong.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A hello (parent → child) and its echo (child → parent): tag and sequence number.
const HELLO_TAG: [u8; 4] = *b"KAhi";
const MSG_LEN: usize = 8;

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
        if let Some(seq) = decode(&buf[..n as usize]) {
            return Ok(Recv::Hello(seq));
        }
    }
}

/// Parent side: sends hello `seq`.
pub(crate) fn send_hello(fd: RawFd, seq: u32) -> io::Result<()> {
    send(fd, &encode(seq))
}

/// Child side: answers every pending hello. Returns false when the parent has gone.
pub(crate) fn answer_hellos(fd: &OwnedFd) -> io::Result<bool> {
    loop {
        match recv(fd.as_raw_fd())? {
            Recv::Hello(seq) => send(fd.as_raw_fd(), &encode(seq))?,
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
        assert!(answer_hellos(&c).expect("answer"));
        assert_eq!(recv(p.as_raw_fd()).expect("r"), Recv::Hello(7));
        assert_eq!(recv(p.as_raw_fd()).expect("r"), Recv::Hello(8));
        assert_eq!(recv(p.as_raw_fd()).expect("r"), Recv::Empty);
        drop(p);
        assert!(!answer_hellos(&c).expect("answer"));
    }
}
