//! Just enough of the pcap and pcapng formats (and Ethernet, IPv4, IPv6) to pull the VRRP
//! packets out of the captures of real keepalived traffic in the shared directory.

use std::net::Ipv6Addr;
use std::path::PathBuf;

use crate::vrrp::packet::{Rx, IPPROTO_AH, IPPROTO_VRRP};

/// The shared directory holding `captures/`: $KEEPALIVED_SHARED, else ../shared beside the
/// crate. None (the caller prints SKIPPED) when it does not exist.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("KEEPALIVED_SHARED") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    dir.join("captures").is_dir().then_some(dir)
}

/// The frames of a capture file: classic pcap (either byte order, µs or ns timestamps) or
/// pcapng (what tshark/dumpcap write; the shared captures are pcapng). Ethernet only.
pub fn frames(file: &[u8]) -> Vec<&[u8]> {
    assert!(file.len() >= 24, "capture too short");
    match file[..4] {
        [0x0a, 0x0d, 0x0d, 0x0a] => pcapng_frames(file),
        _ => classic_frames(file),
    }
}

fn reader(file: &[u8], le: bool) -> impl Fn(usize) -> u32 + '_ {
    move |at: usize| {
        let b = [file[at], file[at + 1], file[at + 2], file[at + 3]];
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    }
}

fn classic_frames(file: &[u8]) -> Vec<&[u8]> {
    let le = match file[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("neither pcap nor pcapng"),
    };
    let u32_at = reader(file, le);
    assert_eq!(u32_at(20), 1, "only Ethernet captures are read");
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= file.len() {
        let incl = u32_at(at + 8) as usize;
        let start = at + 16;
        assert!(start + incl <= file.len(), "truncated pcap record");
        out.push(&file[start..start + incl]);
        at = start + incl;
    }
    out
}

/// pcapng: blocks of {type, total length, body, total length}; the section header's magic
/// gives the byte order; packets are in enhanced (6) or simple (3) packet blocks.
fn pcapng_frames(file: &[u8]) -> Vec<&[u8]> {
    let le = match file[8..12] {
        [0x4d, 0x3c, 0x2b, 0x1a] => true,
        [0x1a, 0x2b, 0x3c, 0x4d] => false,
        _ => panic!("bad pcapng byte-order magic"),
    };
    let u32_at = reader(file, le);
    let mut out = Vec::new();
    let mut at = 0;
    while at + 12 <= file.len() {
        let kind = u32_at(at);
        let total = u32_at(at + 4) as usize;
        assert!(
            total >= 12 && at + total <= file.len(),
            "truncated pcapng block"
        );
        let body = &file[at + 8..at + total - 4];
        match kind {
            1 => {
                let link = if le {
                    u16::from_le_bytes([body[0], body[1]])
                } else {
                    u16::from_be_bytes([body[0], body[1]])
                };
                assert_eq!(link, 1, "only Ethernet captures are read");
            }
            6 => {
                let caplen = u32_at(at + 8 + 12) as usize;
                out.push(&body[20..20 + caplen]);
            }
            3 => {
                let len = (u32_at(at + 8) as usize).min(body.len() - 4);
                out.push(&body[4..4 + len]);
            }
            _ => {}
        }
        at += total;
    }
    out
}

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
