//! Socket addresses in C form, for the syscalls std does not wrap (raw sockets, sendto,
//! connect with a timeout). Plain values: nothing here allocates.

use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

pub(crate) fn v4(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    // SAFETY: sockaddr_in is plain data; all-zero is a valid value.
    let mut sa: libc::sockaddr_in = unsafe { mem::zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_port = port.to_be();
    sa.sin_addr.s_addr = u32::from_ne_bytes(ip.octets());
    sa
}

pub(crate) fn v6(ip: Ipv6Addr, port: u16, flowinfo: u32, scope_id: u32) -> libc::sockaddr_in6 {
    // SAFETY: sockaddr_in6 is plain data; all-zero is a valid value.
    let mut sa: libc::sockaddr_in6 = unsafe { mem::zeroed() };
    sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    sa.sin6_port = port.to_be();
    sa.sin6_flowinfo = flowinfo;
    sa.sin6_addr.s6_addr = ip.octets();
    sa.sin6_scope_id = scope_id;
    sa
}

/// `a` as a `sockaddr_storage` and the length of the part in use.
pub fn storage(a: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all-zero is a valid value.
    let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let at = (&mut ss as *mut libc::sockaddr_storage).cast::<u8>();
    let len = match a {
        SocketAddr::V4(a) => {
            // SAFETY: sockaddr_storage is large and aligned enough for a sockaddr_in.
            unsafe { at.cast::<libc::sockaddr_in>().write(v4(*a.ip(), a.port())) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sa = v6(*a.ip(), a.port(), a.flowinfo(), a.scope_id());
            // SAFETY: as above, for a sockaddr_in6.
            unsafe { at.cast::<libc::sockaddr_in6>().write(sa) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_holds_family_port_and_address() {
        let (ss, len) = storage(&"10.1.2.3:80".parse().expect("addr"));
        assert_eq!(len as usize, mem::size_of::<libc::sockaddr_in>());
        // SAFETY: the family says sockaddr_in.
        let sin = unsafe { &*(&ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
        assert_eq!(sin.sin_family, libc::AF_INET as libc::sa_family_t);
        assert_eq!(u16::from_be(sin.sin_port), 80);
        assert_eq!(sin.sin_addr.s_addr.to_ne_bytes(), [10, 1, 2, 3]);
        let (ss, len) = storage(&"[fe80::1%7]:443".parse().expect("addr"));
        assert_eq!(len as usize, mem::size_of::<libc::sockaddr_in6>());
        // SAFETY: the family says sockaddr_in6.
        let s6 = unsafe { &*(&ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
        assert_eq!(s6.sin6_family, libc::AF_INET6 as libc::sa_family_t);
        assert_eq!(u16::from_be(s6.sin6_port), 443);
        assert_eq!(s6.sin6_scope_id, 7);
        assert_eq!(s6.sin6_addr.s6_addr[0], 0xfe);
    }
}
