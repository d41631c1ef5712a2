//! Netlink errors: the kernel's NLMSG_ERROR (with errno and extended-ack text) and our own.

use std::fmt;
use std::io;

use super::{
    attrs, get_i32, get_u16, get_u32, Msg, NLMSGERR_ATTR_MSG, NLMSG_HDRLEN, NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
};

/// Room kept for the kernel's extended-ack message ("IFA_LOCAL is required" and the like).
const EXT_MSG_LEN: usize = 96;

#[derive(Debug)]
pub enum Error {
    /// The kernel refused a request. `errno` is positive.
    Kernel {
        errno: i32,
        msg: heapless::String<EXT_MSG_LEN>,
    },
    Io(io::Error),
    /// The request does not fit the buffer it is built in.
    NoSpace,
    /// A received datagram was larger than the receive buffer.
    Truncated,
    /// A dump changed while it was read (NLM_F_DUMP_INTR); reading it again gives a
    /// consistent view.
    DumpInterrupted,
    Malformed(&'static str),
}

impl Error {
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Kernel { errno, .. } => Some(*errno),
            Error::Io(e) => e.raw_os_error(),
            _ => None,
        }
    }

    pub(crate) fn kernel(errno: i32, ext_msg: Option<&str>) -> Self {
        let mut msg = heapless::String::new();
        for c in ext_msg.unwrap_or("").chars() {
            if msg.push(c).is_err() {
                break;
            }
        }
        Error::Kernel { errno, msg }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kernel { errno, msg } => {
                write!(f, "{}", io::Error::from_raw_os_error(*errno))?;
                if !msg.is_empty() {
                    write!(f, ": {msg}")?;
                }
                Ok(())
            }
            Error::Io(e) => write!(f, "netlink socket: {e}"),
            Error::NoSpace => f.write_str("netlink request too large for its buffer"),
            Error::Truncated => f.write_str("netlink reply larger than the receive buffer"),
            Error::DumpInterrupted => f.write_str("netlink dump interrupted by a change"),
            Error::Malformed(what) => write!(f, "malformed netlink reply ({what})"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// The body of an NLMSG_ERROR message. `errno` 0 is an acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorMsg<'a> {
    pub(crate) errno: i32,
    pub(crate) orig_ty: u16,
    pub(crate) orig_seq: u32,
    pub(crate) ext_msg: Option<&'a str>,
}

impl ErrorMsg<'_> {
    pub(crate) fn into_result(self) -> Result<(), Error> {
        if self.errno == 0 {
            Ok(())
        } else {
            Err(Error::kernel(self.errno, self.ext_msg))
        }
    }
}

/// Decodes `struct nlmsgerr` (negative errno, then the request's header, then its payload
/// unless NLM_F_CAPPED) and the extended-ack attributes when NLM_F_ACK_TLVS is set.
pub fn parse_error<'a>(m: &Msg<'a>) -> Result<ErrorMsg<'a>, Error> {
    let p = m.payload;
    let bad = || Error::Malformed("NLMSG_ERROR");
    let error = get_i32(p, 0).ok_or_else(bad)?;
    let orig = p.get(4..4 + NLMSG_HDRLEN).ok_or_else(bad)?;
    let orig_len = get_u32(orig, 0).ok_or_else(bad)? as usize;
    let orig_ty = get_u16(orig, 4).ok_or_else(bad)?;
    let orig_seq = get_u32(orig, 8).ok_or_else(bad)?;
    let mut ext_msg = None;
    if m.flags & NLM_F_ACK_TLVS != 0 {
        let echoed = if m.flags & NLM_F_CAPPED != 0 || error == 0 {
            NLMSG_HDRLEN
        } else {
            super::align(orig_len.max(NLMSG_HDRLEN))
        };
        if let Some(tlvs) = p.get(4 + echoed..) {
            ext_msg = attrs(tlvs).find(NLMSGERR_ATTR_MSG).and_then(|a| a.str());
        }
    }
    Ok(ErrorMsg {
        errno: error.saturating_neg(),
        orig_ty,
        orig_seq,
        ext_msg,
    })
}
