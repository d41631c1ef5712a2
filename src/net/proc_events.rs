//! The kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC): fork, exec, name
//! change and exit of every process, as keepalived's vrrp_track_process uses it. Only the
//! initial network namespace has the connector; elsewhere subscribing fails with
//! ECONNREFUSED and the caller falls back to scanning /proc.

use std::io;
use std::os::fd::{AsRawFd, RawFd};

use netlink_sys::{Socket, SocketAddr};

const NETLINK_CONNECTOR: isize = 11;
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
const PROC_CN_MCAST_LISTEN: u32 = 1;
const NLMSG_HDR: usize = 16;
const CN_MSG: usize = 20;
/// Where a proc_event's data (after what, cpu, timestamp) starts in a datagram.
const EV_DATA: usize = NLMSG_HDR + CN_MSG + 16;

const PROC_EVENT_FORK: u32 = 0x1;
const PROC_EVENT_EXEC: u32 = 0x2;
const PROC_EVENT_COMM: u32 = 0x200;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// A process (thread group leader) event; threads' events are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProcEvent {
    /// A new process (it runs its parent's program until it execs).
    Fork(u32),
    Exec(u32),
    /// The process renamed itself.
    Comm(u32),
    Exit(u32),
    /// Events were lost (receive queue overflow): rescan.
    Overrun,
}

pub(crate) struct ProcEvents {
    sock: Socket,
    buf: [u8; 256],
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

/// Decodes one datagram; None for what is not a process event we follow.
fn decode(b: &[u8]) -> Option<ProcEvent> {
    if u32_at(b, NLMSG_HDR)? != CN_IDX_PROC || u32_at(b, NLMSG_HDR + 4)? != CN_VAL_PROC {
        return None;
    }
    let what = u32_at(b, NLMSG_HDR + CN_MSG)?;
    let (pid, tgid) = match what {
        PROC_EVENT_FORK => (u32_at(b, EV_DATA + 8)?, u32_at(b, EV_DATA + 12)?),
        PROC_EVENT_EXEC | PROC_EVENT_COMM | PROC_EVENT_EXIT => {
            (u32_at(b, EV_DATA)?, u32_at(b, EV_DATA + 4)?)
        }
        _ => return None,
    };
    if pid != tgid {
        return None;
    }
    Some(match what {
        PROC_EVENT_FORK => ProcEvent::Fork(pid),
        PROC_EVENT_EXEC => ProcEvent::Exec(pid),
        PROC_EVENT_COMM => ProcEvent::Comm(pid),
        _ => ProcEvent::Exit(pid),
    })
}

impl ProcEvents {
    /// Subscribes to process events (needs CAP_NET_ADMIN and the initial network namespace).
    pub(crate) fn open() -> io::Result<ProcEvents> {
        let mut sock = Socket::new(NETLINK_CONNECTOR)?;
        sock.bind(&SocketAddr::new(0, CN_IDX_PROC))?;
        let mut msg = [0u8; NLMSG_HDR + CN_MSG + 4];
        let len = msg.len() as u32;
        msg[0..4].copy_from_slice(&len.to_ne_bytes());
        msg[4..6].copy_from_slice(&(libc::NLMSG_DONE as u16).to_ne_bytes());
        msg[12..16].copy_from_slice(&std::process::id().to_ne_bytes());
        msg[16..20].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
        msg[20..24].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
        msg[32..34].copy_from_slice(&4u16.to_ne_bytes());
        msg[36..40].copy_from_slice(&PROC_CN_MCAST_LISTEN.to_ne_bytes());
        sock.send(&msg, 0)?;
        sock.set_non_blocking(true)?;
        Ok(ProcEvents {
            sock,
            buf: [0; 256],
        })
    }

    /// The next followed event, or Ok(None) when nothing is queued.
    pub(crate) fn next_event(&mut self) -> io::Result<Option<ProcEvent>> {
        loop {
            let mut slice: &mut [u8] = &mut self.buf[..];
            match self.sock.recv(&mut slice, 0) {
                Ok(n) => {
                    if let Some(ev) = decode(&self.buf[..n.min(self.buf.len())]) {
                        return Ok(Some(ev));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    return Ok(Some(ProcEvent::Overrun))
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl AsRawFd for ProcEvents {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datagram(what: u32, a: u32, b: u32, c: u32, d: u32) -> Vec<u8> {
        let mut v = vec![0u8; EV_DATA + 16];
        v[NLMSG_HDR..NLMSG_HDR + 4].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
        v[NLMSG_HDR + 4..NLMSG_HDR + 8].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
        v[NLMSG_HDR + CN_MSG..NLMSG_HDR + CN_MSG + 4].copy_from_slice(&what.to_ne_bytes());
        for (i, x) in [a, b, c, d].iter().enumerate() {
            v[EV_DATA + 4 * i..EV_DATA + 4 * i + 4].copy_from_slice(&x.to_ne_bytes());
        }
        v
    }

    #[test]
    fn events_of_processes_decode_and_threads_are_dropped() {
        assert_eq!(
            decode(&datagram(PROC_EVENT_EXEC, 42, 42, 0, 0)),
            Some(ProcEvent::Exec(42))
        );
        assert_eq!(decode(&datagram(PROC_EVENT_EXEC, 43, 42, 0, 0)), None);
        assert_eq!(
            decode(&datagram(PROC_EVENT_FORK, 1, 1, 77, 77)),
            Some(ProcEvent::Fork(77))
        );
        assert_eq!(decode(&datagram(PROC_EVENT_FORK, 1, 1, 78, 77)), None);
        assert_eq!(
            decode(&datagram(PROC_EVENT_EXIT, 9, 9, 0, 0)),
            Some(ProcEvent::Exit(9))
        );
        assert_eq!(
            decode(&datagram(PROC_EVENT_COMM, 9, 9, 0, 0)),
            Some(ProcEvent::Comm(9))
        );
        assert_eq!(decode(&datagram(0x4, 9, 9, 0, 0)), None);
        assert_eq!(
            decode(&datagram(PROC_EVENT_EXEC, 42, 42, 0, 0)[..EV_DATA]),
            None
        );
    }

    /// Root in the initial network namespace only; elsewhere the kernel refuses the
    /// subscription, which is what the caller's fallback is for.
    #[test]
    fn an_exec_is_reported_with_its_pid() {
        let mut ev = match ProcEvents::open() {
            Ok(e) => e,
            // CI runs as root in the initial namespace: there the connector must work.
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("{e}"),
            Err(e) => {
                eprintln!("SKIPPED: no process events connector here: {e}");
                return;
            }
        };
        let mut child = std::process::Command::new("/bin/true")
            .spawn()
            .expect("spawn");
        let pid = child.id();
        let _ = child.wait();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut seen = Vec::new();
        while std::time::Instant::now() < deadline {
            match ev.next_event() {
                Ok(Some(e)) => seen.push(e),
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),
                Err(e) => panic!("{e}"),
            }
            if seen.contains(&ProcEvent::Exec(pid)) && seen.contains(&ProcEvent::Exit(pid)) {
                return;
            }
        }
        panic!("no exec/exit of {pid} among {} events", seen.len());
    }
}
