//! Request/acknowledge and dump transport on a netlink socket, with one receive buffer
//! allocated when the connection opens.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use netlink_sys::Socket;

use crate::net::page_buf::PageBuf;

use super::{
    get_u16, get_u32, messages, parse_error, Error, Msg, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP,
    NLMSG_OVERRUN, NLM_F_ACK, NLM_F_DUMP_INTR, NLM_F_MULTI,
};

/// The kernel never sends a dump datagram larger than 32 KiB (netlink_recvmsg caps its
/// allocation hint there), so a buffer this size is never truncated by a dump.
pub(crate) const RECV_BUF_LEN: usize = 32 * 1024;

/// Replies to a request are queued before the send returns; the timeout only guards against
/// a kernel that never answers, so the daemon cannot hang on it.
const RECV_TIMEOUT: Duration = Duration::from_secs(2);

/// Sequence numbers for requests. 0 is skipped: kernel notifications carry seq 0.
#[derive(Clone, Debug)]
pub(crate) struct SeqGen(u32);

impl SeqGen {
    pub(crate) fn new(start: u32) -> Self {
        SeqGen(start)
    }

    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(1);
        if self.0 == 0 {
            self.0 = 1;
        }
        self.0
    }
}

pub(crate) struct Conn {
    sock: Socket,
    seq: SeqGen,
    buf: PageBuf,
}

impl Conn {
    /// Opens a blocking socket for `protocol` (e.g. `netlink_sys::protocols::NETLINK_ROUTE`).
    pub(crate) fn open(protocol: isize) -> Result<Self, Error> {
        let mut sock = Socket::new(protocol)?;
        sock.bind_auto()?;
        // Both only improve error replies (text, shorter echo); older kernels lack them.
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_cap_ack(true);
        set_recv_timeout(sock.as_raw_fd(), RECV_TIMEOUT)?;
        // Starting from the clock keeps a restarted daemon from matching stale replies.
        let start = (crate::core::time::real_now().as_secs() as u32).max(1);
        Ok(Conn {
            sock,
            seq: SeqGen::new(start),
            buf: PageBuf::new(RECV_BUF_LEN)?,
        })
    }

    pub(crate) fn next_seq(&mut self) -> u32 {
        self.seq.next()
    }

    pub(crate) fn send(&self, msg: &[u8]) -> Result<(), Error> {
        loop {
            match self.sock.send(msg, 0) {
                Ok(n) if n == msg.len() => return Ok(()),
                Ok(_) => return Err(Error::Malformed("short netlink send")),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn recv(&mut self) -> Result<usize, Error> {
        loop {
            let mut slice: &mut [u8] = &mut self.buf[..];
            match self.sock.recv(&mut slice, libc::MSG_TRUNC) {
                Ok(n) if n > self.buf.len() => return Err(Error::Truncated),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Waits for the next datagram (up to the receive timeout) and returns it, for callers
    /// that match replies themselves (an nfnetlink batch answers each message separately).
    pub(crate) fn recv_datagram(&mut self) -> Result<&[u8], Error> {
        let n = self.recv()?;
        Ok(&self.buf[..n])
    }

    /// Sends a request that carries NLM_F_ACK and waits for its acknowledgement; a refusal
    /// comes back as [`Error::Kernel`].
    pub(crate) fn request(&mut self, msg: &[u8]) -> Result<(), Error> {
        let seq = get_u32(msg, 8).ok_or(Error::Malformed("request without header"))?;
        // Without NLM_F_ACK a successful request gets no reply and this would wait for the
        // receive timeout.
        if get_u16(msg, 6).is_none_or(|f| f & NLM_F_ACK == 0) {
            return Err(Error::Malformed("request without NLM_F_ACK"));
        }
        self.send(msg)?;
        loop {
            let n = self.recv()?;
            for m in messages(&self.buf[..n]) {
                let m = m?;
                if m.seq != seq || m.ty != NLMSG_ERROR {
                    continue;
                }
                return parse_error(&m)?.into_result();
            }
        }
    }

    /// Sends a dump request and hands each reply message to `f` until NLMSG_DONE. The whole
    /// dump is always read, so that the socket is clean for the next request; the first
    /// error (from the kernel or from `f`) is returned.
    pub(crate) fn dump(
        &mut self,
        msg: &[u8],
        mut f: impl FnMut(&Msg<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let seq = get_u32(msg, 8).ok_or(Error::Malformed("request without header"))?;
        self.send(msg)?;
        let mut first_err = None;
        let mut interrupted = false;
        loop {
            let n = self.recv()?;
            let mut done = false;
            for m in messages(&self.buf[..n]) {
                let m = match m {
                    Ok(m) => m,
                    Err(e) => {
                        first_err.get_or_insert(e);
                        break;
                    }
                };
                if m.seq != seq {
                    continue;
                }
                interrupted |= m.flags & NLM_F_DUMP_INTR != 0;
                match m.ty {
                    NLMSG_DONE => done = true,
                    NLMSG_ERROR => {
                        // An error ends the dump; an ack (errno 0) only follows DONE.
                        match parse_error(&m).and_then(|e| e.into_result()) {
                            Ok(()) => {}
                            Err(e) => {
                                first_err.get_or_insert(e);
                                done = true;
                            }
                        }
                    }
                    NLMSG_NOOP | NLMSG_OVERRUN => {}
                    _ => {
                        if first_err.is_none() {
                            if let Err(e) = f(&m) {
                                first_err = Some(e);
                            }
                        }
                        done |= m.flags & NLM_F_MULTI == 0;
                    }
                }
            }
            if done {
                break;
            }
        }
        match first_err {
            Some(e) => Err(e),
            None if interrupted => Err(Error::DumpInterrupted),
            None => Ok(()),
        }
    }
}

impl AsRawFd for Conn {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

fn set_recv_timeout(fd: RawFd, d: Duration) -> io::Result<()> {
    let tv = libc::timeval {
        tv_sec: d.as_secs() as _,
        tv_usec: d.subsec_micros() as _,
    };
    // SAFETY: fd is an open socket we own; tv lives across the call and its size is passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
