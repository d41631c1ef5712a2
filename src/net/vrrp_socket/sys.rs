//! Thin libc wrappers for the VRRP sockets: creation, socket options, socket addresses.
//! Everything here runs at setup time except the address conversions, which allocate nothing.

use std::io;
use std::mem;
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use libc::{c_int, c_void, socklen_t};

use crate::net::sockaddr;
pub(super) use crate::net::sockopt::{set_int, setsockopt, setsockopt_raw};

/// Linux `IPV6_MULTICAST_ALL` (include/uapi/linux/in6.h); not every libc release names it.
pub(super) const IPV6_MULTICAST_ALL: c_int = 29;

/// A raw socket, non-blocking and close-on-exec from the start.
pub(super) fn raw_socket(domain: c_int, protocol: c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall; the fd is owned below.
    let fd = unsafe {
        libc::socket(
            domain,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            protocol,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// SO_BINDTODEVICE: only packets arriving on this interface reach the socket, and sends leave by it.
pub(super) fn bind_to_device(fd: &OwnedFd, ifname: &str) -> io::Result<()> {
    let mut name = [0u8; libc::IFNAMSIZ];
    let bytes = ifname.as_bytes();
    if bytes.is_empty() || bytes.len() >= name.len() || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad interface name \"{ifname}\""),
        ));
    }
    name[..bytes.len()].copy_from_slice(bytes);
    // SAFETY: `name` is a NUL-terminated buffer of the length passed.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_ptr().cast::<c_void>(),
            (bytes.len() + 1) as socklen_t,
        )
    };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(
            e.kind(),
            format!("SO_BINDTODEVICE {ifname}: {e}"),
        ));
    }
    Ok(())
}

/// A one-instruction classic BPF filter that drops everything: a send-only raw socket otherwise
/// gets a copy of every matching packet and its queue fills for nothing.
pub(super) fn no_receive(fd: &OwnedFd) -> io::Result<()> {
    let mut code = [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: 0,
    }];
    let prog = libc::sock_fprog {
        len: 1,
        filter: code.as_mut_ptr(),
    };
    setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_ATTACH_FILTER,
        "SO_ATTACH_FILTER",
        &prog,
    )
}

/// Binds to `ip`; link-local and multicast IPv6 addresses need the interface as scope.
pub(super) fn bind(fd: &OwnedFd, ip: IpAddr, scope_id: u32) -> io::Result<()> {
    let rc = match ip {
        IpAddr::V4(a) => {
            let sa = sockaddr::v4(a, 0);
            // SAFETY: `sa` is a valid sockaddr_in of the length passed.
            unsafe {
                libc::bind(
                    fd.as_raw_fd(),
                    (&sa as *const libc::sockaddr_in).cast(),
                    mem::size_of_val(&sa) as socklen_t,
                )
            }
        }
        IpAddr::V6(a) => {
            let sa = sockaddr::v6(a, 0, 0, scope_id);
            // SAFETY: `sa` is a valid sockaddr_in6 of the length passed.
            unsafe {
                libc::bind(
                    fd.as_raw_fd(),
                    (&sa as *const libc::sockaddr_in6).cast(),
                    mem::size_of_val(&sa) as socklen_t,
                )
            }
        }
    };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("bind {ip}: {e}")));
    }
    Ok(())
}

/// The index of interface `name` in the caller's network namespace.
pub fn ifindex(name: &str) -> io::Result<u32> {
    crate::net::iface::index(name)
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no interface {name}")))
}

/// The first IPv6 link-local address of `ifname` in the caller's namespace: the default source
/// of IPv6 adverts (keepalived-facts §2.1). rtnetlink tracks addresses as they change; this is a
/// one-shot lookup for setup and tests. It cannot tell a tentative address (still in DAD), which
/// the kernel refuses as a source until DAD ends.
pub fn link_local_v6(ifname: &str) -> std::io::Result<Option<Ipv6Addr>> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list`, freed below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut found = None;
    let mut cur = list;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, alive until freeifaddrs.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        let name = unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) };
        // SAFETY: ifa_addr points to a sockaddr whose family says how long it is.
        let family = c_int::from(unsafe { (*ifa.ifa_addr).sa_family });
        if name.to_bytes() != ifname.as_bytes() || family != libc::AF_INET6 {
            continue;
        }
        // SAFETY: the family is AF_INET6, so the address is a sockaddr_in6.
        let sa = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in6>() };
        let ip = Ipv6Addr::from(sa.sin6_addr.s6_addr);
        if ip.segments()[0] & 0xffc0 == 0xfe80 {
            found = Some(ip);
            break;
        }
    }
    // SAFETY: `list` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    Ok(found)
}
