//! The checkers' sockets: non-blocking, created per check with the connection options of
//! keepalived's `conn_opts` (bindto, bind_port, bind_if, fwmark as SO_MARK).

use std::ffi::CString;
use std::io;
use std::mem;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::core::logging::strerror;

/// Where and how a checker connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnOpts {
    pub dst: SocketAddr,
    pub mark: Option<u32>,
    /// Boxed apart: few checkers set them, and every checker keeps its options for life.
    pub local: Option<Box<Local>>,
}

/// Where a checker's socket is bound: `bindto` and `bind_port`, `bind_if`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Local {
    pub bind: Option<SocketAddr>,
    pub bind_if: Option<CString>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Tcp,
    Udp,
    /// An ICMP or ICMPv6 datagram ("ping") socket.
    Icmp,
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A socket address in C form.
pub use crate::net::sockaddr::storage as sockaddr;

fn setopt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, v: &T) -> io::Result<()> {
    // SAFETY: `v` is valid for size_of::<T>() bytes.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            v as *const T as *const libc::c_void,
            mem::size_of::<T>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// Why a socket could not be opened and connected, sorted as keepalived sorts it: a
/// connect refused or unreachable at once is a failed check; a socket that cannot even be
/// made or set up (bind, device, mark, other connect errors) is no verdict at all, and
/// keepalived tries again after delay_loop (layer4.c socket_bind_connect).
#[derive(Debug)]
pub enum OpenError {
    /// socket(2) itself failed.
    Socket,
    /// Setting the socket up failed; the text is keepalived's log line for it.
    Setup(String),
    /// connect(2) failed at once with an error that means "no server there".
    Connect,
}

/// connect(2) errors keepalived counts as a failed check rather than a setup problem.
const CONNECT_FAILS: [i32; 8] = [
    libc::ENETUNREACH,
    libc::EHOSTUNREACH,
    libc::ECONNREFUSED,
    libc::EHOSTDOWN,
    libc::ENETDOWN,
    libc::ECONNRESET,
    libc::ECONNABORTED,
    libc::ETIMEDOUT,
];

/// Opens a socket of `kind` to `o.dst` and starts connecting. For TCP the connect is usually
/// still in progress (wait for writable, then read [`so_error`]); datagram sockets are
/// connected on return.
pub fn open(kind: Kind, o: &ConnOpts) -> Result<OwnedFd, OpenError> {
    let fd = socket(kind, o)?;
    start_connect(fd.as_raw_fd(), &o.dst)?;
    Ok(fd)
}

/// A socket of `kind` for `o.dst`, set up (linger, mark, device, bind) but not connected.
fn socket(kind: Kind, o: &ConnOpts) -> Result<OwnedFd, OpenError> {
    let family = if o.dst.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let (ty, proto) = match kind {
        Kind::Tcp => (libc::SOCK_STREAM, libc::IPPROTO_TCP),
        Kind::Udp => (libc::SOCK_DGRAM, libc::IPPROTO_UDP),
        Kind::Icmp if o.dst.is_ipv4() => (libc::SOCK_DGRAM, libc::IPPROTO_ICMP),
        Kind::Icmp => (libc::SOCK_DGRAM, libc::IPPROTO_ICMPV6),
    };
    // SAFETY: plain syscall; the fd is owned at once.
    let fd =
        cvt(unsafe { libc::socket(family, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, proto) })
            .map_err(|_| OpenError::Socket)?;
    // SAFETY: a fresh fd nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let raw = fd.as_raw_fd();
    if kind == Kind::Tcp {
        // Reset on close: a checker that connects every second must not fill TIME_WAIT.
        let li = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        setopt(raw, libc::SOL_SOCKET, libc::SO_LINGER, &li)
            .map_err(|e| OpenError::Setup(format!("Failed to set SO_LINGER: {e}")))?;
    }
    if let Some(m) = o.mark {
        setopt(raw, libc::SOL_SOCKET, libc::SO_MARK, &m).map_err(|e| {
            OpenError::Setup(format!(
                "Error setting fwmark {m} to socket: {}",
                strerror(&e)
            ))
        })?;
    }
    let local = o.local.as_deref();
    if let Some(dev) = local.and_then(|l| l.bind_if.as_ref()) {
        let b = dev.as_bytes_with_nul();
        // SAFETY: the name is valid for its length.
        cvt(unsafe {
            libc::setsockopt(
                raw,
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                b.as_ptr() as *const libc::c_void,
                b.len() as libc::socklen_t,
            )
        })
        .map_err(|e| {
            OpenError::Setup(format!(
                "Checker can't bind to device {}: {}",
                dev.to_string_lossy(),
                strerror(&e)
            ))
        })?;
    }
    if let Some(b) = local.and_then(|l| l.bind.as_ref()) {
        let (ss, len) = sockaddr(b);
        // SAFETY: ss holds a valid address of `len` bytes.
        cvt(unsafe { libc::bind(raw, &ss as *const _ as *const libc::sockaddr, len) })
            .map_err(|e| OpenError::Setup(format!("Checker bind failed: {}", strerror(&e))))?;
    }
    Ok(fd)
}

/// Starts connecting `fd` to `dst`: Ok while in progress (or done), else how it failed.
pub fn start_connect(fd: RawFd, dst: &SocketAddr) -> Result<(), OpenError> {
    if connect(fd, dst) < 0 {
        // errno read as it is: an io::Error made and taken apart again for the
        // EINPROGRESS of every check was a few dozen instructions.
        // SAFETY: errno is this thread's, and readable.
        let n = unsafe { *libc::__errno_location() };
        match n {
            libc::EINPROGRESS => {}
            n if CONNECT_FAILS.contains(&n) => return Err(OpenError::Connect),
            n => {
                let e = io::Error::from_raw_os_error(n);
                return Err(OpenError::Setup(format!("socket connect error - {e}")));
            }
        }
    }
    Ok(())
}

/// Ends a TCP socket's connection or attempt and leaves it ready to connect again, as a
/// fresh socket, with its options and binding: connect(2) to AF_UNSPEC, which resets an
/// established connection (as close with a zero linger does) and clears a failed one. The
/// error it leaves pending is cleared by the next connect (tcp_connect_init).
pub fn reset(fd: RawFd) -> bool {
    // SAFETY: a zeroed sockaddr with family AF_UNSPEC, of its own size.
    unsafe {
        let mut sa: libc::sockaddr = mem::zeroed();
        sa.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
        libc::connect(fd, &sa, mem::size_of::<libc::sockaddr>() as libc::socklen_t) == 0
    }
}

/// connect(2) to `dst` from a sockaddr_in or sockaddr_in6 made on the stack: the
/// sockaddr_storage of [`sockaddr`] is 128 bytes to zero and move on every check.
fn connect(fd: RawFd, dst: &SocketAddr) -> libc::c_int {
    use crate::net::sockaddr::{v4, v6};
    match dst {
        SocketAddr::V4(a) => {
            let sa = v4(*a.ip(), a.port());
            // SAFETY: sa is a valid sockaddr_in of the length given.
            unsafe {
                libc::connect(
                    fd,
                    (&sa as *const libc::sockaddr_in).cast(),
                    mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
        }
        SocketAddr::V6(a) => {
            let sa = v6(*a.ip(), a.port(), a.flowinfo(), a.scope_id());
            // SAFETY: sa is a valid sockaddr_in6 of the length given.
            unsafe {
                libc::connect(
                    fd,
                    (&sa as *const libc::sockaddr_in6).cast(),
                    mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    }
}

/// The pending error of a socket (0: none): how a non-blocking connect ended.
pub fn so_error(fd: RawFd) -> i32 {
    let mut e: libc::c_int = 0;
    let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: e and len are valid for writing.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            &mut e as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    if r < 0 {
        return io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
    }
    e
}

pub fn send(fd: RawFd, data: &[u8]) -> io::Result<usize> {
    // SAFETY: data is valid for its length.
    let r = unsafe {
        libc::send(
            fd,
            data.as_ptr() as *const libc::c_void,
            data.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

pub fn recv(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: buf is valid for writing its length.
    let r = unsafe { libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// Ping sockets are only open to the groups in `ping_group_range`; like keepalived, widen it
/// to include ours when it does not (the kernel default "1 0" admits nobody).
pub fn allow_ping() {
    const PATH: &str = "/proc/sys/net/ipv4/ping_group_range";
    let Ok(text) = std::fs::read_to_string(PATH) else {
        return;
    };
    let mut it = text.split_whitespace().map(|w| w.parse::<u64>().ok());
    let (Some(Some(lo)), Some(Some(hi))) = (it.next(), it.next()) else {
        return;
    };
    // SAFETY: getgid cannot fail.
    let gid = u64::from(unsafe { libc::getgid() });
    if lo <= gid && gid <= hi {
        return;
    }
    let hi = hi.max(gid);
    log::info!(
        "Warning: {PATH} being expanded from {lo} {lo_hi} to 0 {hi}",
        lo_hi = text.split_whitespace().nth(1).unwrap_or("")
    );
    if let Err(e) = std::fs::write(PATH, format!("0 {hi}")) {
        log::info!("Write {PATH} failed - {e}");
    }
}

/// Whether `ip` is one of this host's addresses (ha_suspend): binding a datagram socket to it
/// only succeeds then (unless ip_nonlocal_bind is set).
pub fn is_local(ip: IpAddr) -> bool {
    let Ok(fd) = open_unconnected(ip) else {
        return false;
    };
    let (ss, len) = sockaddr(&SocketAddr::new(ip, 0));
    // SAFETY: ss holds a valid address of `len` bytes.
    unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &ss as *const _ as *const libc::sockaddr,
            len,
        ) == 0
    }
}

fn open_unconnected(ip: IpAddr) -> io::Result<OwnedFd> {
    let family = if ip.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain syscall; the fd is owned at once.
    let fd = cvt(unsafe { libc::socket(family, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: a fresh fd nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_local_and_a_documentation_address_is_not() {
        assert!(is_local(
            "127.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
        ));
        assert!(!is_local(
            "192.0.2.77".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
        ));
    }
}
