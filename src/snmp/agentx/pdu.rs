//! AgentX PDUs (RFC 2741 §6) over byte slices: the 20-byte header, the encodings a PDU is made
//! of (OIDs with the internet-prefix compression, padded octet strings, varbinds, search
//! ranges), the requests a master agent sends and the PDUs a subagent builds.
//!
//! ```text
//!  0        1        2        3
//! +--------+--------+--------+--------+
//! | version|  type  | flags  |reserved|
//! +--------+--------+--------+--------+
//! |            session id             |
//! |          transaction id           |
//! |             packet id             |
//! |          payload length           |
//! +-----------------------------------+
//! ```
//!
//! Integers are in the byte order the header's NETWORK_BYTE_ORDER flag names: a received PDU
//! is read in its sender's order and answered in it (§6.1: "the same byte order as the
//! request"); the PDUs we start are sent in network byte order with the flag set.
//! Untrusted bytes only go through [`Header::parse`] and [`Reader`]: every length is checked
//! against what is left, and a short or inconsistent PDU is an [`Error`], never a panic.

use crate::snmp::mib::{Oid, Value, OID_MAX};

pub(crate) const HEADER_LEN: usize = 20;
pub(crate) const VERSION: u8 = 1;

/// Header flag bits (§6.1).
pub(crate) const INSTANCE_REGISTRATION: u8 = 0x01;
pub(crate) const NON_DEFAULT_CONTEXT: u8 = 0x08;
pub(crate) const NETWORK_BYTE_ORDER: u8 = 0x10;

/// The internet prefix an OID's `prefix` byte stands for (1.3.6.1.<prefix>).
const INTERNET: [u32; 4] = [1, 3, 6, 1];

/// PDU types (§6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Type {
    Open = 1,
    Close = 2,
    Register = 3,
    Unregister = 4,
    Get = 5,
    GetNext = 6,
    GetBulk = 7,
    TestSet = 8,
    CommitSet = 9,
    UndoSet = 10,
    CleanupSet = 11,
    Notify = 12,
    Ping = 13,
    IndexAllocate = 14,
    IndexDeallocate = 15,
    AddAgentCaps = 16,
    RemoveAgentCaps = 17,
    Response = 18,
}

impl Type {
    fn from_u8(v: u8) -> Option<Type> {
        use Type::*;
        const ALL: [Type; 18] = [
            Open,
            Close,
            Register,
            Unregister,
            Get,
            GetNext,
            GetBulk,
            TestSet,
            CommitSet,
            UndoSet,
            CleanupSet,
            Notify,
            Ping,
            IndexAllocate,
            IndexDeallocate,
            AddAgentCaps,
            RemoveAgentCaps,
            Response,
        ];
        ALL.get(usize::from(v).wrapping_sub(1)).copied()
    }
}

/// Varbind type codes (§5.4).
pub(crate) mod vtype {
    pub(crate) const INTEGER: u16 = 2;
    pub(crate) const OCTET_STRING: u16 = 4;
    pub(crate) const NULL: u16 = 5;
    pub(crate) const OBJECT_ID: u16 = 6;
    pub(crate) const IP_ADDRESS: u16 = 64;
    pub(crate) const COUNTER32: u16 = 65;
    pub(crate) const GAUGE32: u16 = 66;
    pub(crate) const TIME_TICKS: u16 = 67;
    pub(crate) const OPAQUE: u16 = 68;
    pub(crate) const COUNTER64: u16 = 70;
    pub(crate) const NO_SUCH_OBJECT: u16 = 128;
    pub(crate) const NO_SUCH_INSTANCE: u16 = 129;
    pub(crate) const END_OF_MIB_VIEW: u16 = 130;
}

/// `res.error` values a subagent sends or reads (§6.2.16, RFC 3416's error-status).
pub(crate) mod res {
    pub(crate) const NO_ERROR: u16 = 0;
    pub(crate) const TOO_BIG: u16 = 1;
    pub(crate) const GEN_ERR: u16 = 5;
    pub(crate) const COMMIT_FAILED: u16 = 14;
    pub(crate) const UNDO_FAILED: u16 = 15;
    pub(crate) const NOT_WRITABLE: u16 = 17;
    pub(crate) const UNSUPPORTED_CONTEXT: u16 = 262;
    pub(crate) const PARSE_ERROR: u16 = 266;
}

/// Close reasons (§6.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CloseReason {
    Other = 1,
    ParseError = 2,
    ProtocolError = 3,
    Timeouts = 4,
    Shutdown = 5,
    ByManager = 6,
}

/// Why bytes are not a well-formed PDU (or do not fit the buffer being written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Error {
    /// Fewer bytes than the header or a field inside the payload needs.
    Truncated,
    /// `h.version` other than 1.
    Version(u8),
    /// A `h.type` outside 1..=18.
    Type(u8),
    /// A payload length that is not a multiple of 4, or larger than we accept.
    PayloadLength(u32),
    /// An OID of more than 128 sub-identifiers (prefix included).
    OidTooLong,
    /// A varbind type outside §5.4, or a value of the wrong size for its type.
    VarBindType(u16),
    /// Bytes left over after the last field of a fixed-shape PDU.
    Trailing,
    /// What is being written does not fit the buffer.
    NoRoom,
}

/// The words of the "unreadable PDU" log line (the variant as written here).
impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (name, n) = match *self {
            Error::Truncated => ("Truncated", None),
            Error::Version(v) => ("Version", Some(u32::from(v))),
            Error::Type(t) => ("Type", Some(u32::from(t))),
            Error::PayloadLength(l) => ("PayloadLength", Some(l)),
            Error::OidTooLong => ("OidTooLong", None),
            Error::VarBindType(t) => ("VarBindType", Some(u32::from(t))),
            Error::Trailing => ("Trailing", None),
            Error::NoRoom => ("NoRoom", None),
        };
        match n {
            Some(n) => write!(f, "{name}({n})"),
            None => f.write_str(name),
        }
    }
}

/// The header of one PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) ty: Type,
    pub(crate) flags: u8,
    pub(crate) session_id: u32,
    pub(crate) transaction_id: u32,
    pub(crate) packet_id: u32,
    pub(crate) payload_len: u32,
}

impl Header {
    /// Reads the header at the front of `buf` (the payload need not be there yet).
    pub(crate) fn parse(buf: &[u8]) -> Result<Header, Error> {
        let h = buf.get(..HEADER_LEN).ok_or(Error::Truncated)?;
        if h[0] != VERSION {
            return Err(Error::Version(h[0]));
        }
        let ty = Type::from_u8(h[1]).ok_or(Error::Type(h[1]))?;
        let be = h[2] & NETWORK_BYTE_ORDER != 0;
        let word = |at: usize| {
            let b = [h[at], h[at + 1], h[at + 2], h[at + 3]];
            if be {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let payload_len = word(16);
        if payload_len % 4 != 0 {
            return Err(Error::PayloadLength(payload_len));
        }
        Ok(Header {
            ty,
            flags: h[2],
            session_id: word(4),
            transaction_id: word(8),
            packet_id: word(12),
            payload_len,
        })
    }

    pub(crate) fn big_endian(&self) -> bool {
        self.flags & NETWORK_BYTE_ORDER != 0
    }

    /// Header plus payload, in bytes.
    pub(crate) fn pdu_len(&self) -> usize {
        HEADER_LEN + self.payload_len as usize
    }
}

/// The length of the PDU at the front of a stream buffer: None while its header is not all
/// there; an error when the header is bad or announces more than `max` bytes.
pub(crate) fn frame_len(buf: &[u8], max: usize) -> Result<Option<usize>, Error> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let h = Header::parse(buf)?;
    if h.pdu_len() > max {
        return Err(Error::PayloadLength(h.payload_len));
    }
    Ok(Some(h.pdu_len()))
}

/// Reads a payload's fields in its PDU's byte order.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    be: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(payload: &'a [u8], big_endian: bool) -> Reader<'a> {
        Reader {
            buf: payload,
            be: big_endian,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// What is left to read.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf
    }

    pub(crate) fn big_endian(&self) -> bool {
        self.be
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.buf.len() < n {
            return Err(Error::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        let b = self.take(2)?;
        let b = [b[0], b[1]];
        Ok(if self.be {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        let b = self.take(4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Ok(if self.be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Error> {
        let hi_lo = (self.u32()?, self.u32()?);
        // §5.1: the most significant word first in network order, last in little-endian.
        Ok(if self.be {
            u64::from(hi_lo.0) << 32 | u64::from(hi_lo.1)
        } else {
            u64::from(hi_lo.1) << 32 | u64::from(hi_lo.0)
        })
    }

    /// An OID (§5.1) into `out`; returns its `include` byte.
    pub(crate) fn oid(&mut self, out: &mut Oid) -> Result<bool, Error> {
        let n = usize::from(self.u8()?);
        let prefix = self.u8()?;
        let include = self.u8()? != 0;
        self.u8()?;
        out.clear();
        if prefix != 0 {
            if n + INTERNET.len() + 1 > OID_MAX {
                return Err(Error::OidTooLong);
            }
            // Fits: checked just above against the capacity.
            let _ = out.extend_from_slice(&INTERNET);
            let _ = out.push(u32::from(prefix));
        } else if n > OID_MAX {
            return Err(Error::OidTooLong);
        }
        if self.buf.len() < n * 4 {
            return Err(Error::Truncated);
        }
        for _ in 0..n {
            let v = self.u32()?;
            out.push(v).map_err(|_| Error::OidTooLong)?;
        }
        Ok(include)
    }

    /// An octet string (§5.3): its bytes, the padding to 4 skipped.
    pub(crate) fn octets(&mut self) -> Result<&'a [u8], Error> {
        let n = self.u32()? as usize;
        let padded = n.checked_add(3).ok_or(Error::Truncated)? & !3;
        let b = self.take(padded)?;
        Ok(&b[..n])
    }

    /// The context a NON_DEFAULT_CONTEXT header announces (empty when absent).
    pub(crate) fn context(&mut self, h: &Header) -> Result<&'a [u8], Error> {
        if h.flags & NON_DEFAULT_CONTEXT != 0 {
            self.octets()
        } else {
            Ok(&[])
        }
    }

    /// One varbind (§5.4), its value's bytes checked against its type.
    pub(crate) fn varbind(&mut self, name: &mut Oid) -> Result<VarBind<'a>, Error> {
        let ty = self.u16()?;
        self.u16()?;
        self.oid(name)?;
        let be = self.be;
        let data = match ty {
            vtype::INTEGER | vtype::COUNTER32 | vtype::GAUGE32 | vtype::TIME_TICKS => {
                self.take(4)?
            }
            vtype::COUNTER64 => self.take(8)?,
            vtype::OCTET_STRING | vtype::OPAQUE => self.octets()?,
            vtype::IP_ADDRESS => {
                let b = self.octets()?;
                if b.len() != 4 {
                    return Err(Error::VarBindType(ty));
                }
                b
            }
            vtype::OBJECT_ID => {
                let start = self.buf;
                let mut scratch = Oid::new();
                self.oid(&mut scratch)?;
                &start[..start.len() - self.buf.len()]
            }
            vtype::NULL
            | vtype::NO_SUCH_OBJECT
            | vtype::NO_SUCH_INSTANCE
            | vtype::END_OF_MIB_VIEW => &[],
            _ => return Err(Error::VarBindType(ty)),
        };
        Ok(VarBind { ty, data, be })
    }

    /// One search range (§5.2): the start (with its include flag) into `start`, the end
    /// into `end` (empty: no bound).
    pub(crate) fn range(&mut self, start: &mut Oid, end: &mut Oid) -> Result<bool, Error> {
        let include = self.oid(start)?;
        self.oid(end)?;
        Ok(include)
    }

    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Error::Trailing)
        }
    }
}

/// A varbind's type and its value's bytes as they came (already checked for size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VarBind<'a> {
    pub(crate) ty: u16,
    pub(crate) data: &'a [u8],
    be: bool,
}

impl VarBind<'_> {
    /// The value as a number, for the integer types (Counter64 whole).
    pub(crate) fn number(&self) -> Option<u64> {
        let mut r = Reader::new(self.data, self.be);
        match self.ty {
            vtype::INTEGER | vtype::COUNTER32 | vtype::GAUGE32 | vtype::TIME_TICKS => {
                r.u32().ok().map(u64::from)
            }
            vtype::COUNTER64 => r.u64().ok(),
            _ => None,
        }
    }

    /// An OBJECT IDENTIFIER value.
    pub(crate) fn oid(&self, out: &mut Oid) -> Option<()> {
        if self.ty != vtype::OBJECT_ID {
            return None;
        }
        Reader::new(self.data, self.be).oid(out).ok().map(|_| ())
    }
}

/// Writes a PDU into a fixed buffer: the header first (its length filled in by `finish`).
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
    be: bool,
}

impl<'a> Writer<'a> {
    /// Starts a PDU; `NETWORK_BYTE_ORDER` in `h.flags` chooses the byte order of all of it.
    pub(crate) fn new(buf: &'a mut [u8], h: &Header) -> Result<Writer<'a>, Error> {
        let mut w = Writer {
            buf,
            len: 0,
            be: h.big_endian(),
        };
        w.put(&[VERSION, h.ty as u8, h.flags, 0])?;
        w.u32(h.session_id)?;
        w.u32(h.transaction_id)?;
        w.u32(h.packet_id)?;
        w.u32(0)?;
        Ok(w)
    }

    /// Bytes written so far (header included).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Forgets what was written after `len` (a varbind that did not fit, a GetBulk
    /// repetition cut short).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len.max(HEADER_LEN));
    }

    fn put(&mut self, b: &[u8]) -> Result<(), Error> {
        let end = self.len + b.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(Error::NoRoom)?;
        dst.copy_from_slice(b);
        self.len = end;
        Ok(())
    }

    pub(crate) fn u8(&mut self, v: u8) -> Result<(), Error> {
        self.put(&[v])
    }

    pub(crate) fn u16(&mut self, v: u16) -> Result<(), Error> {
        self.put(&if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        })
    }

    pub(crate) fn u32(&mut self, v: u32) -> Result<(), Error> {
        self.put(&if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        })
    }

    fn u64(&mut self, v: u64) -> Result<(), Error> {
        let (hi, lo) = ((v >> 32) as u32, v as u32);
        if self.be {
            self.u32(hi)?;
            self.u32(lo)
        } else {
            self.u32(lo)?;
            self.u32(hi)
        }
    }

    /// An OID, shortened by the internet prefix where it has one (as net-snmp sends them).
    pub(crate) fn oid(&mut self, oid: &[u32], include: bool) -> Result<(), Error> {
        let (prefix, rest) = match oid {
            [1, 3, 6, 1, p @ 1..=255, rest @ ..] => (*p as u8, rest),
            _ => (0, oid),
        };
        let n = u8::try_from(rest.len()).map_err(|_| Error::OidTooLong)?;
        if oid.len() > OID_MAX {
            return Err(Error::OidTooLong);
        }
        self.put(&[n, prefix, u8::from(include), 0])?;
        for &v in rest {
            self.u32(v)?;
        }
        Ok(())
    }

    /// An octet string, padded to a multiple of 4 with zeros.
    pub(crate) fn octets(&mut self, b: &[u8]) -> Result<(), Error> {
        let n = u32::try_from(b.len()).map_err(|_| Error::NoRoom)?;
        self.u32(n)?;
        self.put(b)?;
        let pad = (4 - b.len() % 4) % 4;
        self.put(&[0; 3][..pad])
    }

    /// A varbind holding `value`.
    pub(crate) fn varbind(&mut self, name: &[u32], value: &Value<'_>) -> Result<(), Error> {
        let ty = match value {
            Value::Integer(_) => vtype::INTEGER,
            Value::OctetString(_) => vtype::OCTET_STRING,
            Value::Null => vtype::NULL,
            Value::ObjectId(_) => vtype::OBJECT_ID,
            Value::IpAddress(_) => vtype::IP_ADDRESS,
            Value::Counter32(_) => vtype::COUNTER32,
            Value::Gauge32(_) => vtype::GAUGE32,
            Value::TimeTicks(_) => vtype::TIME_TICKS,
            Value::Counter64(_) => vtype::COUNTER64,
        };
        self.u16(ty)?;
        self.u16(0)?;
        self.oid(name, false)?;
        match *value {
            Value::Integer(v) => self.u32(v as u32),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => self.u32(v),
            Value::Counter64(v) => self.u64(v),
            Value::OctetString(b) => self.octets(b),
            Value::IpAddress(a) => self.octets(&a),
            Value::ObjectId(o) => self.oid(o, false),
            Value::Null => Ok(()),
        }
    }

    /// A varbind with no value: noSuchObject, noSuchInstance or endOfMibView.
    pub(crate) fn exception(&mut self, name: &[u32], ty: u16) -> Result<(), Error> {
        self.u16(ty)?;
        self.u16(0)?;
        self.oid(name, false)
    }

    /// Fills in the payload length; the PDU is `buf[..n]`.
    pub(crate) fn finish(self) -> usize {
        let payload = (self.len - HEADER_LEN) as u32;
        let b = if self.be {
            payload.to_be_bytes()
        } else {
            payload.to_le_bytes()
        };
        self.buf[16..HEADER_LEN].copy_from_slice(&b);
        self.len
    }
}

/// The Response header answering `req`, in its byte order, with `sysUpTime` 0 as net-snmp's
/// subagent sends it (the master fills in its own).
pub(crate) fn response_header(req: &Header) -> Header {
    Header {
        ty: Type::Response,
        flags: req.flags & NETWORK_BYTE_ORDER,
        payload_len: 0,
        ..*req
    }
}

/// Starts a Response to `req`: header, sysUpTime, error and index (the varbinds follow).
pub(crate) fn start_response<'a>(
    buf: &'a mut [u8],
    req: &Header,
    error: u16,
    index: u16,
) -> Result<Writer<'a>, Error> {
    let mut w = Writer::new(buf, &response_header(req))?;
    w.u32(0)?;
    w.u16(error)?;
    w.u16(index)?;
    Ok(w)
}

/// The header of a PDU we start: network byte order.
pub(crate) fn our_header(ty: Type, session_id: u32, packet_id: u32) -> Header {
    Header {
        ty,
        flags: NETWORK_BYTE_ORDER,
        session_id,
        transaction_id: 0,
        packet_id,
        payload_len: 0,
    }
}

/// agentx-Open-PDU: our default timeout (0: the master's), our id and description.
pub(crate) fn open(
    buf: &mut [u8],
    packet_id: u32,
    id: &[u32],
    descr: &[u8],
) -> Result<usize, Error> {
    let mut w = Writer::new(buf, &our_header(Type::Open, 0, packet_id))?;
    w.put(&[0, 0, 0, 0])?;
    w.oid(id, false)?;
    w.octets(descr)?;
    Ok(w.finish())
}

/// agentx-Register-PDU for the subtree `root` in the default context, at `priority`
/// (lower wins; net-snmp's default, which keepalived keeps, is 127).
pub(crate) fn register(
    buf: &mut [u8],
    session_id: u32,
    packet_id: u32,
    priority: u8,
    root: &[u32],
) -> Result<usize, Error> {
    let mut w = Writer::new(buf, &our_header(Type::Register, session_id, packet_id))?;
    w.put(&[0, priority, 0, 0])?;
    w.oid(root, false)?;
    Ok(w.finish())
}

/// agentx-Ping-PDU.
pub(crate) fn ping(buf: &mut [u8], session_id: u32, packet_id: u32) -> Result<usize, Error> {
    let w = Writer::new(buf, &our_header(Type::Ping, session_id, packet_id))?;
    Ok(w.finish())
}

/// agentx-Close-PDU.
pub(crate) fn close(
    buf: &mut [u8],
    session_id: u32,
    packet_id: u32,
    reason: CloseReason,
) -> Result<usize, Error> {
    let mut w = Writer::new(buf, &our_header(Type::Close, session_id, packet_id))?;
    w.put(&[reason as u8, 0, 0, 0])?;
    Ok(w.finish())
}

/// agentx-Notify-PDU carrying `vbs` (snmpTrapOID.0 first, or sysUpTime.0 then it).
pub(crate) fn notify(
    buf: &mut [u8],
    session_id: u32,
    packet_id: u32,
    vbs: &[(&[u32], Value<'_>)],
) -> Result<usize, Error> {
    let mut w = Writer::new(buf, &our_header(Type::Notify, session_id, packet_id))?;
    for (name, v) in vbs {
        w.varbind(name, v)?;
    }
    Ok(w.finish())
}

/// A Response the master sent us (to Open, Register, Ping, Notify, Close).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Response {
    pub(crate) sys_uptime: u32,
    pub(crate) error: u16,
    pub(crate) index: u16,
}

impl Response {
    /// The fixed part of a Response payload; the varbinds after it are left unread. The
    /// context net-snmp puts first when NON_DEFAULT_CONTEXT is set is skipped.
    pub(crate) fn parse(h: &Header, payload: &[u8]) -> Result<Response, Error> {
        let mut r = Reader::new(payload, h.big_endian());
        r.context(h)?;
        Ok(Response {
            sys_uptime: r.u32()?,
            error: r.u16()?,
            index: r.u16()?,
        })
    }
}

#[cfg(test)]
#[path = "pdu_tests.rs"]
pub(super) mod tests;
