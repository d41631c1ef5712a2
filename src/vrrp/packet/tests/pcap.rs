//! Ethernet, IPv4 and IPv6 just far enough to pull the VRRP packets out of capture frames.

use std::net::Ipv6Addr;

use crate::vrrp::packet::{Rx, IPPROTO_AH, IPPROTO_VRRP};

/// A VRRP (or AH) packet as a raw socket would deliver it.
pub struct Received<'a> {
    pub bytes: &'a [u8],
    pub rx: Rx,
}

/// The VRRP packets among Ethernet frames: IPv4 protocol 112/51 trimmed to the IP total
/// length (as the kernel does), IPv6 next header 112 reduced to its payload.
pub fn vrrp_packets<'a>(frames: &[&'a [u8]]) -> Vec<Received<'a>> {
    let mut out = Vec::new();
    for f in frames {
        let mut at = 12;
        let mut ethertype = u16::from_be_bytes([f[at], f[at + 1]]);
        while ethertype == 0x8100 {
            at += 4;
            ethertype = u16::from_be_bytes([f[at], f[at + 1]]);
        }
        let ip = &f[at + 2..];
        match ethertype {
            0x0800 if ip[9] == IPPROTO_VRRP || ip[9] == IPPROTO_AH => {
                let tot = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
                out.push(Received {
                    bytes: &ip[..tot],
                    rx: Rx::V4,
                });
            }
            0x86dd if ip[6] == IPPROTO_VRRP => {
                let plen = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
                let addr = |o: usize| {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(&ip[o..o + 16]);
                    Ipv6Addr::from(a)
                };
                out.push(Received {
                    bytes: &ip[40..40 + plen],
                    rx: Rx::V6 {
                        src: addr(8),
                        dst: addr(24),
                        hop_limit: Some(ip[7]),
                    },
                });
            }
            _ => {}
        }
    }
    out
}
