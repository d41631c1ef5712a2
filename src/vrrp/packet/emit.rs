//! Building an advert as keepalived does (vrrp.c `vrrp_build_*`, `vrrp_update_pkt`).
//! Over IPv4 keepalived writes the IP header itself (IP_HDRINCL), so we do too: TOS 0xc0,
//! no DF, an ID that is never 0, protocol 51 when AH is used. Over IPv6 only the VRRP part is
//! built; its checksum is filled in here although the kernel (IPV6_CHECKSUM) recomputes it.

use std::net::IpAddr;

use super::ah::{self, AhHeader, AH_LEN};
use super::checksum::{ipv4_pseudo, ipv6_pseudo, Sum};
use super::header::{field as vrrp_field, MAX_ADVER_INT_MASK};
use super::ipv4::{self, field as ip_field};
use super::{V3Checksum, HDR_LEN, IPPROTO_AH, IPPROTO_VRRP, IPV4_HDR_LEN, TOS, TYPE_ADVERT};
use crate::core::time::Micros;
use crate::vrrp::auth::{Auth, AUTH_DATA_LEN, ICV_LEN};

/// One advert to send. With several unicast peers keepalived sends the same advert (same IP
/// ID, same AH sequence) to each: call [`emit`] once per peer with only `dst` changed.
#[derive(Clone, Copy, Debug)]
pub struct Tx<'a> {
    pub version: u8,
    pub vrid: u8,
    pub priority: u8,
    pub adver_int: Micros,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub vips: &'a [IpAddr],
    /// VRRPv2 over IPv4 only.
    pub auth: Auth,
    /// AH sequence number ([`AhState::next_tx`](crate::vrrp::auth::AhState::next_tx)).
    pub ah_seq: u32,
    /// IPv4 identification ([`IpId::advance`]).
    pub ip_id: u16,
    /// IPv4 TTL: 255, or `unicast_ttl`.
    pub ttl: u8,
    /// Unicast instance: the AH ICV is computed with the TTL zeroed.
    pub unicast: bool,
    pub checksum: V3Checksum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// The buffer is smaller than the advert (`need` bytes).
    BufferTooSmall { need: usize },
    /// More than 255 addresses.
    TooManyAddrs(usize),
    /// Source, destination and addresses are not all of one family.
    FamilyMismatch,
    /// Authentication exists only for VRRPv2 over IPv4.
    AuthNotSupported,
}

/// The words of the "cannot build an advert" log line (the variant as written here).
impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::BufferTooSmall { need } => write!(f, "BufferTooSmall {{ need: {need} }}"),
            EmitError::TooManyAddrs(n) => write!(f, "TooManyAddrs({n})"),
            EmitError::FamilyMismatch => f.write_str("FamilyMismatch"),
            EmitError::AuthNotSupported => f.write_str("AuthNotSupported"),
        }
    }
}

/// keepalived's IPv4 identification counter: incremented before each advert, skipping 0
/// (which would let the kernel pick one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpId(pub u16);

impl IpId {
    pub fn advance(&mut self) -> u16 {
        self.0 = self.0.wrapping_add(1);
        if self.0 == 0 {
            self.0 = 1;
        }
        self.0
    }
}

/// Writes the advert into `out` and returns its length: IPv4 header (+ AH) + VRRP for IPv4,
/// the VRRP part alone for IPv6.
pub fn emit(tx: &Tx<'_>, out: &mut [u8]) -> Result<usize, EmitError> {
    let v4 = tx.src.is_ipv4();
    if tx.dst.is_ipv4() != v4 || tx.vips.iter().any(|a| a.is_ipv4() != v4) {
        return Err(EmitError::FamilyMismatch);
    }
    let count = u8::try_from(tx.vips.len()).map_err(|_| EmitError::TooManyAddrs(tx.vips.len()))?;
    let v2 = tx.version == 2;
    let authed = !matches!(tx.auth, Auth::None);
    if authed && !(v2 && v4) {
        return Err(EmitError::AuthNotSupported);
    }
    let addr_len = if v4 { 4 } else { 16 };
    let auth_len = if v2 && v4 { AUTH_DATA_LEN } else { 0 };
    let vrrp_len = HDR_LEN + tx.vips.len() * addr_len + auth_len;
    let with_ah = matches!(tx.auth, Auth::Ah(_));
    let off = match (v4, with_ah) {
        (false, _) => 0,
        (true, false) => IPV4_HDR_LEN,
        (true, true) => IPV4_HDR_LEN + AH_LEN,
    };
    let total = off + vrrp_len;
    let out = out
        .get_mut(..total)
        .ok_or(EmitError::BufferTooSmall { need: total })?;
    out.fill(0);

    let (ip_part, vrrp) = out.split_at_mut(off);
    write_vrrp(tx, count, vrrp);
    let c = vrrp_checksum(tx, vrrp);
    vrrp[vrrp_field::CHECKSUM].copy_from_slice(&c.to_be_bytes());

    if let (IpAddr::V4(src), IpAddr::V4(dst)) = (tx.src, tx.dst) {
        let (ip, ah_part) = ip_part.split_at_mut(IPV4_HDR_LEN);
        ip[ip_field::VER_IHL] = ipv4::VER_IHL_PLAIN;
        ip[ip_field::TOS] = TOS;
        ip[ip_field::LENGTH].copy_from_slice(&(total as u16).to_be_bytes());
        ip[ip_field::IDENT].copy_from_slice(&tx.ip_id.to_be_bytes());
        ip[ip_field::TTL] = tx.ttl;
        ip[ip_field::PROTOCOL] = if with_ah { IPPROTO_AH } else { IPPROTO_VRRP };
        ip[ip_field::SRC_ADDR].copy_from_slice(&src.octets());
        ip[ip_field::DST_ADDR].copy_from_slice(&dst.octets());
        if let (Auth::Ah(key), Ok(ah_buf)) = (tx.auth, <&mut [u8; AH_LEN]>::try_from(ah_part)) {
            let mut hdr = AhHeader {
                next_header: IPPROTO_VRRP,
                payload_len: ah::AH_PAYLOAD_LEN,
                spi: u32::from(src),
                seq: tx.ah_seq,
                icv: [0; ICV_LEN],
            };
            hdr.write(ah_buf);
            // The IP checksum is still 0 here, as in keepalived's buffer when it hashes.
            if let Some(icv) = ah::icv(&key, ip, ah_buf, vrrp, tx.unicast) {
                hdr.icv = icv;
                hdr.write(ah_buf);
            }
        }
        let c = Sum::new().feed(ip).finish();
        ip[ip_field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
    }
    Ok(total)
}

/// Header, addresses and auth data; the checksum stays 0.
fn write_vrrp(tx: &Tx<'_>, count: u8, b: &mut [u8]) {
    b[vrrp_field::VER_TYPE] = (tx.version << 4) | TYPE_ADVERT;
    b[vrrp_field::VRID] = tx.vrid;
    b[vrrp_field::PRIORITY] = tx.priority;
    b[vrrp_field::COUNT] = count;
    if tx.version == 2 {
        b[vrrp_field::AUTH_TYPE] = tx.auth.wire_type();
        b[vrrp_field::ADVER_INT] = tx.adver_int.as_secs().min(255) as u8;
    } else {
        let cs = (tx.adver_int.0 / 10_000) as u16 & MAX_ADVER_INT_MASK;
        b[vrrp_field::MAX_ADVER_INT].copy_from_slice(&cs.to_be_bytes());
    }
    let mut at = vrrp_field::ADDRS;
    for a in tx.vips {
        match a {
            IpAddr::V4(a) => {
                b[at..at + 4].copy_from_slice(&a.octets());
                at += 4;
            }
            IpAddr::V6(a) => {
                b[at..at + 16].copy_from_slice(&a.octets());
                at += 16;
            }
        }
    }
    if let Auth::Pass(pw) = tx.auth {
        b[at..at + AUTH_DATA_LEN].copy_from_slice(&pw);
    }
}

fn vrrp_checksum(tx: &Tx<'_>, vrrp: &[u8]) -> u16 {
    let base = match (tx.src, tx.dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => ipv6_pseudo(s, d, vrrp.len()),
        (IpAddr::V4(_), _) if tx.version == 2 => Sum::new(),
        (IpAddr::V4(s), IpAddr::V4(d)) => match tx.checksum {
            V3Checksum::AsV2 => Sum::new(),
            V3Checksum::OldUnicast(g) => ipv4_pseudo(s, g, vrrp.len()),
            V3Checksum::Standard | V3Checksum::Detect(_) => ipv4_pseudo(s, d, vrrp.len()),
        },
        _ => Sum::new(),
    };
    base.feed(vrrp).finish()
}
