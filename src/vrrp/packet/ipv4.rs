//! The IPv4 header (RFC 791) a raw socket hands over with each advert, and that we write
//! ourselves (IP_HDRINCL).
//!
//! ```text
//!  0                   1                   2                   3
//! +-------+-------+---------------+-------------------------------+
//! |Version|  IHL  |      TOS      |          Total Length         |
//! +-------+-------+---------------+-----+-------------------------+
//! |        Identification         |Flags|     Fragment Offset     |
//! +---------------+---------------+-----+-------------------------+
//! |      TTL      |   Protocol    |        Header Checksum        |
//! +---------------+---------------+-------------------------------+
//! |                        Source Address                         |
//! +---------------------------------------------------------------+
//! |                      Destination Address                      |
//! +---------------------------------------------------------------+
//! |                    Options (IHL > 5)                          |
//! ```

use std::net::Ipv4Addr;

use super::field::be16;
use super::DropReason;

pub mod field {
    use super::super::field::Field;

    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const IDENT: Field = 4..6;
    pub const FLG_OFF: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC_ADDR: Field = 12..16;
    pub const DST_ADDR: Field = 16..20;
}

/// The header without options.
pub const HEADER_LEN: usize = field::DST_ADDR.end;
/// Version 4, IHL 5: what we send.
pub const VER_IHL_PLAIN: u8 = 0x40 | (HEADER_LEN / 4) as u8;

/// A received IPv4 header, options included. After [`Header::new_checked`] no accessor panics.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    /// The whole packet; at least `header_len()` long.
    buf: &'a [u8],
}

impl<'a> Header<'a> {
    /// Checks, in keepalived's order, that `buf` starts with a whole IPv4 header.
    pub fn new_checked(buf: &'a [u8]) -> Result<Header<'a>, DropReason> {
        let len = buf.len();
        if len < HEADER_LEN {
            return Err(DropReason::Truncated {
                len,
                need: HEADER_LEN,
            });
        }
        let h = Header { buf };
        if h.version() != 4 {
            return Err(DropReason::NotIpv4(h.version()));
        }
        if h.header_len() < HEADER_LEN {
            return Err(DropReason::BadIpHeaderLen(buf[field::VER_IHL] & 0x0f));
        }
        if h.header_len() > len {
            return Err(DropReason::Truncated {
                len,
                need: h.header_len(),
            });
        }
        Ok(h)
    }

    pub fn version(&self) -> u8 {
        self.buf[field::VER_IHL] >> 4
    }

    /// IHL in bytes.
    pub fn header_len(&self) -> usize {
        usize::from(self.buf[field::VER_IHL] & 0x0f) * 4
    }

    pub fn total_len(&self) -> u16 {
        be16(self.buf, field::LENGTH)
    }

    #[cfg(test)]
    pub fn ident(&self) -> u16 {
        be16(self.buf, field::IDENT)
    }

    pub fn ttl(&self) -> u8 {
        self.buf[field::TTL]
    }

    pub fn protocol(&self) -> u8 {
        self.buf[field::PROTOCOL]
    }

    pub fn src(&self) -> Ipv4Addr {
        addr(&self.buf[field::SRC_ADDR])
    }

    pub fn dst(&self) -> Ipv4Addr {
        addr(&self.buf[field::DST_ADDR])
    }

    /// The header bytes, options included.
    pub fn bytes(&self) -> &'a [u8] {
        &self.buf[..self.header_len()]
    }

    /// Everything after the header.
    #[cfg(test)]
    pub fn payload(&self) -> &'a [u8] {
        &self.buf[self.header_len()..]
    }
}

fn addr(b: &[u8]) -> Ipv4Addr {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    Ipv4Addr::from(a)
}
