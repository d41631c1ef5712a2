//! The checksums VRRP uses: the Internet checksum with the VRRP protocol in the pseudo-header.

use std::net::{Ipv4Addr, Ipv6Addr};

pub use crate::net::checksum::Sum;

use super::IPPROTO_VRRP;

/// IPv4 pseudo-header for VRRPv3: {src, dst, 0, 112, vrrp length}.
pub fn ipv4_pseudo(src: Ipv4Addr, dst: Ipv4Addr, len: usize) -> Sum {
    crate::net::checksum::ipv4_pseudo(src, dst, IPPROTO_VRRP, len)
}

/// IPv6 pseudo-header with next header 112.
pub fn ipv6_pseudo(src: Ipv6Addr, dst: Ipv6Addr, len: usize) -> Sum {
    crate::net::checksum::ipv6_pseudo(src, dst, IPPROTO_VRRP, len)
}
