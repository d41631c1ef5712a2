//! Whole messages: a builder writing into a slice and an iterator over a received datagram.

use super::{
    align, attrs, get_u16, get_u32, AttrIter, Error, NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN,
};

/// Writes one netlink message into a caller's buffer.
///
/// Running out of room is remembered rather than reported at each call, so a request can be
/// written as a straight sequence of calls and checked once in [`MsgBuilder::finish`].
pub(crate) struct MsgBuilder<'a> {
    buf: &'a mut [u8],
    len: usize,
    overflow: bool,
}

/// An open nested attribute; close it with [`MsgBuilder::nest_end`].
#[must_use]
#[derive(Debug)]
pub(crate) struct Nest(usize);

impl<'a> MsgBuilder<'a> {
    /// Starts a message with the port id left 0: the kernel fills in the sender.
    pub(crate) fn new(buf: &'a mut [u8], ty: u16, flags: u16, seq: u32) -> Self {
        let mut b = MsgBuilder {
            buf,
            len: 0,
            overflow: false,
        };
        let mut hdr = [0u8; NLMSG_HDRLEN];
        hdr[4..6].copy_from_slice(&ty.to_ne_bytes());
        hdr[6..8].copy_from_slice(&flags.to_ne_bytes());
        hdr[8..12].copy_from_slice(&seq.to_ne_bytes());
        b.put(&hdr);
        b
    }

    /// Appends raw bytes (a family header such as `ifaddrmsg`), zero-padded to alignment.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> &mut Self {
        let end = self.len + align(bytes.len());
        if self.overflow || end > self.buf.len() {
            self.overflow = true;
            return self;
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.buf[self.len + bytes.len()..end].fill(0);
        self.len = end;
        self
    }

    fn attr_header(&mut self, ty: u16, payload_len: usize) -> bool {
        let total = NLA_HDRLEN + payload_len;
        let Ok(len16) = u16::try_from(total) else {
            self.overflow = true;
            return false;
        };
        let mut h = [0u8; NLA_HDRLEN];
        h[0..2].copy_from_slice(&len16.to_ne_bytes());
        h[2..4].copy_from_slice(&ty.to_ne_bytes());
        if self.overflow || self.len + align(total) > self.buf.len() {
            self.overflow = true;
            return false;
        }
        self.put(&h);
        true
    }

    pub(crate) fn attr(&mut self, ty: u16, payload: &[u8]) -> &mut Self {
        if self.attr_header(ty, payload.len()) {
            self.put(payload);
        }
        self
    }

    pub(crate) fn attr_u8(&mut self, ty: u16, v: u8) -> &mut Self {
        self.attr(ty, &[v])
    }

    pub(crate) fn attr_u16(&mut self, ty: u16, v: u16) -> &mut Self {
        self.attr(ty, &v.to_ne_bytes())
    }

    pub(crate) fn attr_u32(&mut self, ty: u16, v: u32) -> &mut Self {
        self.attr(ty, &v.to_ne_bytes())
    }

    /// A string attribute, NUL-terminated as the kernel expects for names and labels.
    pub(crate) fn attr_str(&mut self, ty: u16, s: &str) -> &mut Self {
        if self.attr_header(ty, s.len() + 1) {
            let start = self.len;
            self.put(s.as_bytes());
            // put() padded the string; the terminator is one of those zeros unless the
            // string length was already aligned, in which case it needs its own word.
            if s.len().is_multiple_of(4) {
                self.put(&[0]);
            }
            debug_assert!(self.overflow || self.len == start + align(s.len() + 1));
        }
        self
    }

    /// Opens a nested attribute; attributes added until `nest_end` go inside it.
    pub(crate) fn nest_begin(&mut self, ty: u16) -> Nest {
        let at = self.len;
        self.attr_header(ty | NLA_F_NESTED, 0);
        Nest(at)
    }

    /// Appends a fixed header whose first two bytes are its length word (`struct rtnexthop`),
    /// to be closed with [`MsgBuilder::nest_end`] once what follows it is written.
    pub(crate) fn raw_begin(&mut self, header: &[u8]) -> Nest {
        let at = self.len;
        self.put(header);
        Nest(at)
    }

    pub(crate) fn nest_end(&mut self, n: Nest) -> &mut Self {
        if !self.overflow {
            match u16::try_from(self.len - n.0) {
                Ok(l) => self.buf[n.0..n.0 + 2].copy_from_slice(&l.to_ne_bytes()),
                Err(_) => self.overflow = true,
            }
        }
        self
    }

    /// Bytes written so far (header included).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Writes the total length into the header and returns the message.
    pub(crate) fn finish(self) -> Result<&'a [u8], Error> {
        if self.overflow {
            return Err(Error::NoSpace);
        }
        let len = u32::try_from(self.len).map_err(|_| Error::NoSpace)?;
        let buf = self.buf;
        buf[0..4].copy_from_slice(&len.to_ne_bytes());
        Ok(&buf[..self.len])
    }
}

/// One received message; `payload` is everything after the 16-byte header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg<'a> {
    pub(crate) ty: u16,
    pub(crate) flags: u16,
    pub(crate) seq: u32,
    pid: u32,
    pub(crate) payload: &'a [u8],
}

impl<'a> Msg<'a> {
    /// The attributes that follow a family header of `fixed_len` bytes, or `None` when the
    /// payload is shorter than that header.
    pub(crate) fn attrs(&self, fixed_len: usize) -> Option<AttrIter<'a>> {
        if self.payload.len() < fixed_len {
            return None;
        }
        // A family header whose size is not a multiple of 4 may end the message unpadded.
        Some(attrs(self.payload.get(align(fixed_len)..).unwrap_or(&[])))
    }
}

/// Splits a datagram into messages; yields one error and stops on a bad length.
pub(crate) fn messages(datagram: &[u8]) -> MsgIter<'_> {
    MsgIter { rest: datagram }
}

pub(crate) struct MsgIter<'a> {
    rest: &'a [u8],
}

impl MsgIter<'_> {
    /// Bytes not yet consumed.
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }
}

impl<'a> Iterator for MsgIter<'a> {
    type Item = Result<Msg<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let b = self.rest;
        let parsed = (|| {
            let len = get_u32(b, 0)? as usize;
            if len < NLMSG_HDRLEN || len > b.len() {
                return None;
            }
            let m = Msg {
                ty: get_u16(b, 4)?,
                flags: get_u16(b, 6)?,
                seq: get_u32(b, 8)?,
                pid: get_u32(b, 12)?,
                payload: &b[NLMSG_HDRLEN..len],
            };
            Some((m, align(len).min(b.len())))
        })();
        match parsed {
            Some((m, step)) => {
                self.rest = &b[step..];
                Some(Ok(m))
            }
            None => {
                self.rest = &[];
                Some(Err(Error::Malformed("netlink message length")))
            }
        }
    }
}
