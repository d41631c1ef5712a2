//! Netlink messages and attributes over caller-provided buffers, and a request/acknowledge
//! transport on a `netlink_sys::Socket`.
//!
//! Layout is the kernel ABI (include/uapi/linux/netlink.h): a 16-byte `nlmsghdr`, a family
//! header, then attributes (`nlattr`: u16 length, u16 type, payload), every item padded to
//! 4 bytes; integers are in host byte order. Nothing here allocates: building writes into a
//! slice, parsing borrows from one.

mod attr;
mod conn;
mod error;
mod msg;
#[cfg(test)]
pub(crate) mod tests;

pub(crate) use attr::{attrs, Attr, AttrIter};
#[cfg(test)]
use conn::SeqGen;
pub(crate) use conn::{Conn, RECV_BUF_LEN};
pub use error::{parse_error, Error, ErrorMsg};
pub(crate) use msg::{messages, Msg, MsgBuilder};

const NLMSG_HDRLEN: usize = 16;
const NLA_HDRLEN: usize = 4;

const NLMSG_NOOP: u16 = 1;
pub(crate) const NLMSG_ERROR: u16 = 2;
pub(crate) const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;

pub(crate) const NLM_F_REQUEST: u16 = 0x01;
const NLM_F_MULTI: u16 = 0x02;
pub(crate) const NLM_F_ACK: u16 = 0x04;
const NLM_F_DUMP_INTR: u16 = 0x10;
const NLM_F_ROOT: u16 = 0x100;
const NLM_F_MATCH: u16 = 0x200;
pub(crate) const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
pub(crate) const NLM_F_EXCL: u16 = 0x200;
pub(crate) const NLM_F_CREATE: u16 = 0x400;
pub(crate) const NLM_F_APPEND: u16 = 0x800;
/// On NLMSG_ERROR: the echoed request was cut to its header.
const NLM_F_CAPPED: u16 = 0x100;
/// On NLMSG_ERROR: extended-ack attributes follow the echoed request.
pub(crate) const NLM_F_ACK_TLVS: u16 = 0x200;

pub(crate) const NLA_F_NESTED: u16 = 0x8000;
const NLA_F_NET_BYTEORDER: u16 = 0x4000;
pub(crate) const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

const NLMSGERR_ATTR_MSG: u16 = 1;

/// Rounds up to the 4-byte netlink alignment.
pub(crate) const fn align(len: usize) -> usize {
    (len + 3) & !3
}

fn get_u16(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_ne_bytes([s[0], s[1]]))
}

pub(crate) fn get_u32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

fn get_i32(b: &[u8], off: usize) -> Option<i32> {
    get_u32(b, off).map(|v| v as i32)
}
