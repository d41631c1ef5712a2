//! The fixed VRRP header (the diagram is in the module doc of [`super`]).

use super::field::be16;
use super::DropReason;

pub mod field {
    use super::super::field::Field;

    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    /// VRRPv2: the auth type and the interval in seconds.
    pub const AUTH_TYPE: usize = 4;
    pub const ADVER_INT: usize = 5;
    /// VRRPv3: 4 reserved bits, then the interval in centiseconds.
    pub const MAX_ADVER_INT: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
    /// Where the addresses start.
    pub const ADDRS: usize = CHECKSUM.end;
}

/// The fixed VRRP header.
pub const HDR_LEN: usize = field::ADDRS;
/// The 12 bits of a VRRPv3 interval.
pub const MAX_ADVER_INT_MASK: u16 = 0x0fff;

/// A received VRRP header. After [`Header::new_checked`] no accessor panics.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    /// At least [`HDR_LEN`] bytes.
    buf: &'a [u8],
}

impl<'a> Header<'a> {
    /// Checks that `buf` starts with a whole VRRP header.
    pub fn new_checked(buf: &'a [u8]) -> Result<Header<'a>, DropReason> {
        if buf.len() < HDR_LEN {
            return Err(DropReason::Truncated {
                len: buf.len(),
                need: HDR_LEN,
            });
        }
        Ok(Header { buf })
    }

    pub fn version(&self) -> u8 {
        self.buf[field::VER_TYPE] >> 4
    }

    pub fn kind(&self) -> u8 {
        self.buf[field::VER_TYPE] & 0x0f
    }

    pub fn vrid(&self) -> u8 {
        self.buf[field::VRID]
    }

    pub fn priority(&self) -> u8 {
        self.buf[field::PRIORITY]
    }

    pub fn count(&self) -> u8 {
        self.buf[field::COUNT]
    }

    /// VRRPv2 only.
    pub fn auth_type(&self) -> u8 {
        self.buf[field::AUTH_TYPE]
    }

    /// VRRPv2: seconds.
    pub fn adver_int(&self) -> u8 {
        self.buf[field::ADVER_INT]
    }

    /// VRRPv3: centiseconds.
    pub fn max_adver_int(&self) -> u16 {
        be16(self.buf, field::MAX_ADVER_INT) & MAX_ADVER_INT_MASK
    }

    #[cfg(test)]
    pub fn checksum(&self) -> u16 {
        be16(self.buf, field::CHECKSUM)
    }

    /// The header and everything after it.
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }
}
