//! Hand-built IPv4 packets sent from inside a lab namespace: a raw socket (IP header included)
//! out of its `eth0`, and the Internet checksum to build them with. Nothing here comes from the
//! crate under test, so a packet's bytes are the test's own word.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A raw IPv4 socket (`IPPROTO_RAW`, so the caller writes the IP header) bound to `eth0` of a
/// lab namespace.
pub struct RawSender {
    fd: OwnedFd,
}

impl RawSender {
    /// Opens it in namespace `ns_full` (the full name, [`crate::lab::Lab::ns`]); panics when the
    /// lab cannot (plumbing must not fail quietly).
    pub fn open(ns_full: &str) -> RawSender {
        let path = format!("/run/netns/{ns_full}");
        let t = std::thread::spawn(move || {
            let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            // SAFETY: setns on a descriptor we hold; it moves only this short-lived thread.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
            // SAFETY: plain socket(2); IPPROTO_RAW implies IP_HDRINCL.
            let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW) };
            assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
            // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let dev = b"eth0\0";
            // SAFETY: the option value is a NUL-terminated name of the given length.
            let rc = unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_BINDTODEVICE,
                    dev.as_ptr().cast(),
                    dev.len() as libc::socklen_t,
                )
            };
            assert_eq!(
                rc,
                0,
                "SO_BINDTODEVICE: {}",
                std::io::Error::last_os_error()
            );
            fd
        });
        let fd = t.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        RawSender { fd }
    }

    /// Sends one datagram (`bytes`, IP header first) to `dst`: how many bytes left, or why none
    /// did (a flood meets ENOBUFS when the device queue is full).
    pub fn try_send(&self, bytes: &[u8], dst: [u8; 4]) -> std::io::Result<usize> {
        // SAFETY: sockaddr_in is plain data; all-zero is a valid value.
        let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        sa.sin_family = libc::AF_INET as libc::sa_family_t;
        sa.sin_addr.s_addr = u32::from_ne_bytes(dst);
        // SAFETY: buffer and address are valid for the given lengths for the whole call.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                (&sa as *const libc::sockaddr_in).cast(),
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            )
        };
        usize::try_from(n).map_err(|_| std::io::Error::last_os_error())
    }

    /// As [`RawSender::try_send`]; panics unless the whole datagram left.
    pub fn send(&self, bytes: &[u8], dst: [u8; 4]) {
        let sent = self.try_send(bytes, dst);
        assert!(
            matches!(sent, Ok(n) if n == bytes.len()),
            "sendto {bytes:02x?}: {sent:?}"
        );
    }
}

/// The Internet checksum (RFC 1071) over `parts` taken as one run of bytes.
pub fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum = 0u32;
    let mut odd: Option<u8> = None;
    for b in parts.iter().flat_map(|p| p.iter()) {
        match odd.take() {
            Some(hi) => sum += u32::from(u16::from_be_bytes([hi, *b])),
            None => odd = Some(*b),
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn checksum_runs_across_parts_and_pads_an_odd_end() {
        // RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        let whole = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&[&whole]), !0xddf2);
        assert_eq!(checksum(&[&whole[..3], &whole[3..]]), !0xddf2);
        assert_eq!(checksum(&[&[0xab]]), !0xab00);
    }
}
