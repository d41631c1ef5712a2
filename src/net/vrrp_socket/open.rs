//! Opening the two sides of a [`VrrpSocket`] with keepalived's socket options.

use std::io::Result;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};

use libc::c_int;

use super::{scope_for, sys, Mode, Spec};

/// keepalived's traffic class for adverts: precedence "internetwork control" (CS6).
const TOS_INTERNET_CONTROL: c_int = 0xc0;
/// Multicast adverts must arrive with TTL / hop limit 255 (RFC 5798 §5.1.1.3).
const MULTICAST_HOPS: c_int = 255;
/// Where the VRRP checksum sits in the packet, for IPV6_CHECKSUM.
const VRRP_CHECKSUM_OFFSET: c_int = 6;

fn domain(v6: bool) -> c_int {
    if v6 {
        libc::AF_INET6
    } else {
        libc::AF_INET
    }
}

/// Stops the kernel from queueing multicast for groups other sockets joined. IPv6 gained the
/// option only in Linux 4.20 (keepalived tolerates its absence too), and qemu-user does not
/// emulate the IPv4 one: without it the socket only sees more packets, which the VRID and
/// address checks drop, so its absence is logged, not fatal.
fn multicast_all_off(fd: &OwnedFd, v6: bool) -> Result<()> {
    let (level, opt, name) = if v6 {
        (
            libc::IPPROTO_IPV6,
            sys::IPV6_MULTICAST_ALL,
            "IPV6_MULTICAST_ALL",
        )
    } else {
        (libc::IPPROTO_IP, libc::IP_MULTICAST_ALL, "IP_MULTICAST_ALL")
    };
    match sys::setsockopt_raw(fd, level, opt, &0 as &c_int) {
        Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {
            log::info!("VRRP socket: {name} not supported here ({e}); continuing without it");
            Ok(())
        }
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("setsockopt {name}: {e}"),
        )),
        Ok(()) => Ok(()),
    }
}

fn join(fd: &OwnedFd, group: IpAddr, ifindex: u32) -> Result<()> {
    match group {
        IpAddr::V4(g) => {
            let mreq = libc::ip_mreqn {
                imr_multiaddr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(g.octets()),
                },
                imr_address: libc::in_addr { s_addr: 0 },
                imr_ifindex: ifindex as c_int,
            };
            sys::setsockopt(
                fd,
                libc::IPPROTO_IP,
                libc::IP_ADD_MEMBERSHIP,
                "IP_ADD_MEMBERSHIP",
                &mreq,
            )
        }
        IpAddr::V6(g) => {
            let mreq = libc::ipv6_mreq {
                ipv6mr_multiaddr: libc::in6_addr {
                    s6_addr: g.octets(),
                },
                ipv6mr_interface: ifindex,
            };
            sys::setsockopt(
                fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_ADD_MEMBERSHIP,
                "IPV6_ADD_MEMBERSHIP",
                &mreq,
            )
        }
    }
}

/// The receive socket, and whether the kernel stamps its datagrams with their arrival.
pub(super) fn open_rx(spec: &Spec) -> Result<(OwnedFd, bool)> {
    let addr = spec.mode.addr();
    let v6 = addr.is_ipv6();
    let fd = sys::raw_socket(domain(v6), c_int::from(spec.protocol))?;
    if let Some(n) = spec.rx_buf {
        let n = c_int::try_from(n).unwrap_or(c_int::MAX);
        sys::set_int(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, "SO_RCVBUF", n)?;
    }
    multicast_all_off(&fd, v6)?;
    match spec.mode {
        Mode::Multicast { group } => {
            join(&fd, group, spec.ifindex)?;
            // Bound to the group, the socket misses unicast adverts meant for a unicast socket on
            // the same interface. keepalived goes on without it, and so do we.
            if let Err(e) = sys::bind(&fd, group, spec.ifindex) {
                log::warn!("VRRP receive socket: {e}");
            }
        }
        Mode::Unicast { src } => {
            // The source may be a VIP of another instance, not yet on the interface.
            let (level, opt) = if v6 {
                (libc::IPPROTO_IPV6, libc::IPV6_FREEBIND)
            } else {
                (libc::IPPROTO_IP, libc::IP_FREEBIND)
            };
            sys::set_int(&fd, level, opt, "IP_FREEBIND", 1)?;
            sys::bind(&fd, src, scope_for(src, spec.ifindex))?;
        }
    }
    if v6 {
        let on = 1;
        let l = libc::IPPROTO_IPV6;
        sys::set_int(&fd, l, libc::IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", on)?;
        sys::set_int(&fd, l, libc::IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", on)?;
    }
    // No IP_PKTINFO on IPv4 (keepalived sets none either): the destination and TTL are read
    // from the IP header the raw socket delivers, and nothing checks the interface (the
    // socket is bound to it). It was a control message built and copied out per packet.
    if let Some(name) = spec.ifname {
        sys::bind_to_device(&fd, name)?;
    }
    if v6 {
        checksum_offset(&fd)?;
    }
    // The reader may take a queue's adverts some time after they came (a busy socket is read
    // on a short timer): their master-down timers count from the stamp. Without stamps they
    // count from the read, a little late, never early.
    let stamped = match crate::net::cmsg::stamp_arrivals(fd.as_raw_fd()) {
        Ok(()) => true,
        Err(e) => {
            log::info!("VRRP socket: no receive time stamps ({e}); adverts are timed when read");
            false
        }
    };
    Ok((fd, stamped))
}

fn checksum_offset(fd: &OwnedFd) -> Result<()> {
    sys::set_int(
        fd,
        libc::IPPROTO_IPV6,
        libc::IPV6_CHECKSUM,
        "IPV6_CHECKSUM",
        VRRP_CHECKSUM_OFFSET,
    )
}

pub(super) fn open_tx(spec: &Spec) -> Result<OwnedFd> {
    let v6 = spec.mode.addr().is_ipv6();
    let multicast = matches!(spec.mode, Mode::Multicast { .. });
    let fd = sys::raw_socket(domain(v6), c_int::from(spec.protocol))?;
    sys::set_int(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, "SO_RCVBUF", 0)?;
    multicast_all_off(&fd, v6)?;
    if v6 {
        checksum_offset(&fd)?;
        if multicast {
            sys::set_int(
                &fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_MULTICAST_HOPS,
                "IPV6_MULTICAST_HOPS",
                MULTICAST_HOPS,
            )?;
        }
    } else {
        sys::set_int(&fd, libc::IPPROTO_IP, libc::IP_HDRINCL, "IP_HDRINCL", 1)?;
    }
    if let Some(name) = spec.ifname {
        sys::bind_to_device(&fd, name)?;
        if multicast {
            set_multicast_if(&fd, v6, spec.ifindex)?;
            let (level, opt) = if v6 {
                (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP)
            } else {
                (libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP)
            };
            sys::set_int(&fd, level, opt, "IP_MULTICAST_LOOP", 0)?;
        }
    }
    if v6 {
        sys::set_int(
            &fd,
            libc::IPPROTO_IPV6,
            libc::IPV6_TCLASS,
            "IPV6_TCLASS",
            TOS_INTERNET_CONTROL,
        )?;
    } else {
        sys::set_int(
            &fd,
            libc::IPPROTO_IP,
            libc::IP_TOS,
            "IP_TOS",
            TOS_INTERNET_CONTROL,
        )?;
    }
    sys::no_receive(&fd)?;
    Ok(fd)
}

fn set_multicast_if(fd: &OwnedFd, v6: bool, ifindex: u32) -> Result<()> {
    if v6 {
        return sys::set_int(
            fd,
            libc::IPPROTO_IPV6,
            libc::IPV6_MULTICAST_IF,
            "IPV6_MULTICAST_IF",
            ifindex as c_int,
        );
    }
    let mreq = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as c_int,
    };
    // The socket is bound to its device and sends with MSG_DONTROUTE, so this only restates the
    // interface; qemu-user cannot emulate the ip_mreqn form, and that must not cost the socket.
    if let Err(e) = sys::setsockopt(
        fd,
        libc::IPPROTO_IP,
        libc::IP_MULTICAST_IF,
        "IP_MULTICAST_IF",
        &mreq,
    ) {
        log::info!("VRRP socket: {e}; relying on the device binding");
    }
    Ok(())
}
