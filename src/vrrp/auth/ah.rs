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

use super::hmac::{hmac_md5_96, ICV_LEN};

/// Length of the AH header on the wire.
pub const AH_LEN: usize = 24;
/// AH payload length field for a 96-bit ICV: (24 / 4) - 2.
pub const AH_PAYLOAD_LEN: u8 = 4;
/// Offset of the ICV inside the AH header.
pub const ICV_AT: usize = 12;

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
        icv.copy_from_slice(&b[ICV_AT..AH_LEN]);
        Some(AhHeader {
            next_header: b[0],
            payload_len: b[1],
            spi: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            seq: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            icv,
        })
    }

    /// Writes the header into the first [`AH_LEN`] bytes of `b` (which must hold them).
    pub fn write(&self, b: &mut [u8; AH_LEN]) {
        b[0] = self.next_header;
        b[1] = self.payload_len;
        b[2] = 0;
        b[3] = 0;
        b[4..8].copy_from_slice(&self.spi.to_be_bytes());
        b[8..12].copy_from_slice(&self.seq.to_be_bytes());
        b[ICV_AT..].copy_from_slice(&self.icv);
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
    if !(20..=MAX_IP_HDR).contains(&ip_hdr.len()) {
        return None;
    }
    let mut ip = [0u8; MAX_IP_HDR];
    let ip = &mut ip[..ip_hdr.len()];
    ip.copy_from_slice(ip_hdr);
    ip[1] = 0;
    ip[6] = 0;
    ip[7] = 0;
    ip[10] = 0;
    ip[11] = 0;
    if zero_ttl {
        ip[8] = 0;
    }
    let mut a = *ah;
    a[ICV_AT..].fill(0);
    Some(hmac_md5_96(key, &[ip, &a, rest]))
}
