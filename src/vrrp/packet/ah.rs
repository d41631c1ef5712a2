//! The IPsec AH header keepalived puts between the IPv4 header and a VRRPv2 advert
//! (RFC 2402 layout, keepalived's own keying: see keepalived-facts §2.11).
//!
//! ```text
//!  0               1               2               3
//! +---------------+---------------+-------------------------------+
//! |  Next Header  |  Payload Len  |           Reserved            |
//! +---------------+---------------+-------------------------------+
//! |          SPI = the sender's IPv4 source address               |
//! +---------------------------------------------------------------+
//! |                       Sequence number                         |
//! +---------------------------------------------------------------+
//! |             ICV: HMAC-MD5-96, 12 bytes                        |
//! +---------------------------------------------------------------+
//! ```

use super::field::be32;
use super::ipv4;
use crate::vrrp::auth::hmac::{hmac_md5_96, ICV_LEN};

pub mod field {
    use super::super::field::Field;

    pub const NEXT_HEADER: usize = 0;
    pub const PAYLOAD_LEN: usize = 1;
    pub const RESERVED: Field = 2..4;
    pub const SPI: Field = 4..8;
    pub const SEQ: Field = 8..12;
    pub const ICV: Field = 12..24;
}

/// Length of the AH header on the wire.
pub const AH_LEN: usize = field::ICV.end;
/// AH payload length field for a 96-bit ICV: (24 / 4) - 2.
pub const AH_PAYLOAD_LEN: u8 = (AH_LEN / 4 - 2) as u8;

/// The decoded fields of an AH header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AhHeader {
    pub next_header: u8,
    pub payload_len: u8,
    pub spi: u32,
    pub seq: u32,
    pub icv: [u8; ICV_LEN],
}

impl AhHeader {
    /// Reads the header from the first [`AH_LEN`] bytes; None when fewer are given.
    pub fn read(b: &[u8]) -> Option<AhHeader> {
        let b = b.get(..AH_LEN)?;
        let mut icv = [0u8; ICV_LEN];
        icv.copy_from_slice(&b[field::ICV]);
        Some(AhHeader {
            next_header: b[field::NEXT_HEADER],
            payload_len: b[field::PAYLOAD_LEN],
            spi: be32(b, field::SPI),
            seq: be32(b, field::SEQ),
            icv,
        })
    }

    /// Writes the header into the first [`AH_LEN`] bytes of `b` (which must hold them).
    pub fn write(&self, b: &mut [u8; AH_LEN]) {
        b[field::NEXT_HEADER] = self.next_header;
        b[field::PAYLOAD_LEN] = self.payload_len;
        b[field::RESERVED].fill(0);
        b[field::SPI].copy_from_slice(&self.spi.to_be_bytes());
        b[field::SEQ].copy_from_slice(&self.seq.to_be_bytes());
        b[field::ICV].copy_from_slice(&self.icv);
    }
}

/// The largest IPv4 header (IHL 15).
const MAX_IP_HDR: usize = 60;

/// The ICV keepalived computes over an AH-protected advert: the IPv4 header with its mutable
/// fields zeroed (TOS, fragment offset, header checksum, and the TTL for unicast instances),
/// then the AH header with the ICV zeroed, then everything after it. `key` is the 8-byte
/// zero-padded `auth_pass`. None when the IP header is not 20 to 60 bytes.
pub fn icv(
    key: &[u8; 8],
    ip_hdr: &[u8],
    ah: &[u8; AH_LEN],
    rest: &[u8],
    zero_ttl: bool,
) -> Option<[u8; ICV_LEN]> {
    if !(ipv4::HEADER_LEN..=MAX_IP_HDR).contains(&ip_hdr.len()) {
        return None;
    }
    let mut ip = [0u8; MAX_IP_HDR];
    let ip = &mut ip[..ip_hdr.len()];
    ip.copy_from_slice(ip_hdr);
    ip[ipv4::field::TOS] = 0;
    ip[ipv4::field::FLG_OFF].fill(0);
    ip[ipv4::field::CHECKSUM].fill(0);
    if zero_ttl {
        ip[ipv4::field::TTL] = 0;
    }
    let mut a = *ah;
    a[field::ICV].fill(0);
    Some(hmac_md5_96(key, &[ip, &a, rest]))
}
