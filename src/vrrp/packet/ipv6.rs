//! The IPv6 header (RFC 8200). The kernel strips it from what a raw socket delivers and
//! writes it on send, so only its size matters to us (how many addresses fit an MTU); the
//! source, destination and hop limit come from the socket's ancillary data.
//!
//! ```text
//! +-------+---------------+---------------------------------------+
//! |Version| Traffic Class |              Flow Label               |
//! +-------+---------------+-------+---------------+---------------+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-------------------------------+---------------+---------------+
//! |                 Source Address (16 bytes)                     |
//! |              Destination Address (16 bytes)                   |
//! +---------------------------------------------------------------+
//! ```

// The whole header is named, though the kernel writes all of it but the destination we read.
#[allow(dead_code)]
pub mod field {
    use super::super::field::Field;

    pub const VER_TC_FLOW: Field = 0..4;
    pub const LENGTH: Field = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
}

pub const HEADER_LEN: usize = field::DST_ADDR.end;
