//! Attribute (`nlattr` / `rtattr`) decoding.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{align, get_u16, Error, NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK};

/// One attribute; `ty` has the nested and byte-order flag bits removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Attr<'a> {
    pub(crate) ty: u16,
    pub(crate) nested: bool,
    pub(crate) payload: &'a [u8],
}

impl<'a> Attr<'a> {
    pub(crate) fn u8(&self) -> Option<u8> {
        match *self.payload {
            [v] => Some(v),
            _ => None,
        }
    }

    pub(crate) fn u16(&self) -> Option<u16> {
        let b: [u8; 2] = self.payload.try_into().ok()?;
        Some(u16::from_ne_bytes(b))
    }

    pub(crate) fn u32(&self) -> Option<u32> {
        let b: [u8; 4] = self.payload.try_into().ok()?;
        Some(u32::from_ne_bytes(b))
    }

    /// A string attribute, without its NUL terminator (and anything after it).
    pub(crate) fn str(&self) -> Option<&'a str> {
        let end = self
            .payload
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(self.payload.len());
        std::str::from_utf8(&self.payload[..end]).ok()
    }

    /// An address attribute: 4 bytes are IPv4, 16 are IPv6.
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        if let Ok(b) = <[u8; 4]>::try_from(self.payload) {
            Some(IpAddr::V4(Ipv4Addr::from(b)))
        } else if let Ok(b) = <[u8; 16]>::try_from(self.payload) {
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        } else {
            None
        }
    }

    /// The attributes inside this one. Older kernels do not set the nested flag, so this does
    /// not require it.
    pub(crate) fn attrs(&self) -> AttrIter<'a> {
        attrs(self.payload)
    }
}

/// Iterates over packed attributes; yields one error and stops on a bad length.
pub(crate) fn attrs(bytes: &[u8]) -> AttrIter<'_> {
    AttrIter { rest: bytes }
}

#[derive(Clone)]
pub(crate) struct AttrIter<'a> {
    rest: &'a [u8],
}

impl<'a> AttrIter<'a> {
    /// The first attribute of type `ty`, ignoring malformed trailing bytes.
    pub(crate) fn find(mut self, ty: u16) -> Option<Attr<'a>> {
        self.by_ref().map_while(Result::ok).find(|a| a.ty == ty)
    }
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<Attr<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        // Fewer bytes than a header is padding the kernel may leave; not an error.
        if self.rest.len() < NLA_HDRLEN {
            self.rest = &[];
            return None;
        }
        let b = self.rest;
        let len = get_u16(b, 0).map_or(0, usize::from);
        let raw_ty = get_u16(b, 2).unwrap_or(0);
        if len < NLA_HDRLEN || len > b.len() {
            self.rest = &[];
            return Some(Err(Error::Malformed("attribute length")));
        }
        self.rest = &b[align(len).min(b.len())..];
        Some(Ok(Attr {
            ty: raw_ty & NLA_TYPE_MASK,
            nested: raw_ty & NLA_F_NESTED != 0,
            payload: &b[NLA_HDRLEN..len],
        }))
    }
}
