//! VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798) adverts over IPv4 and IPv6, as keepalived sends
//! and checks them. Nothing here allocates: [`parse`] borrows the received bytes and
//! [`emit`] writes into the caller's buffer.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  |     VRID      |   Priority    | Count IPvX    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! v2: | Auth Type | Adver Int (s) |          Checksum             |
//! v3: |Rsvd |  Max Adver Int (cs) |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Count IPvX addresses (4 or 16 bytes each)     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   v2 over IPv4 only: 8 bytes of authentication data           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Receiving happens in two steps, so the caller can find the instance in between:
//! [`receive`] (or [`parse`]) checks what the bytes alone can tell (lengths, headers) and
//! yields an [`Advert`]; [`check`] then applies keepalived's per-instance rules in keepalived's
//! order. Untrusted bytes are read only through the checked views ([`ipv4::Header`],
//! [`header::Header`], [`AhHeader::read`](crate::vrrp::packet::ah::AhHeader::read)): once built, none
//! of their accessors can panic. Every offset is a named range (`mod field` in each).
//! Over IPv4 the buffer starts with the IP header (raw sockets deliver it); over IPv6 the
//! kernel strips it, so the source, destination and hop limit come from the caller.
//! One difference from keepalived's order: the length checks (its steps 2 and 8) run in
//! `parse`, before the AH-presence check (its step 1); a packet failing both is dropped
//! either way, only the reason named differs.

pub mod ah;
pub mod checksum;
mod emit;
pub mod field;
pub mod header;
pub mod ipv4;
pub mod ipv6;
mod parse;
mod rules;

#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::vrrp::Family;
use crate::core::time::Micros;
use ah::AhHeader;

pub use emit::{emit, EmitError, IpId, Tx};
pub use header::HDR_LEN;
#[cfg(test)]
pub use parse::parse;
pub use parse::{receive, Refused};
pub use rules::{check, Local};
#[cfg(test)]
pub use rules::{Checked, VipCheck};

pub const IPPROTO_VRRP: u8 = 112;
pub const IPPROTO_AH: u8 = 51;
/// The only VRRP packet type.
pub const TYPE_ADVERT: u8 = 1;
/// TTL / hop limit adverts are sent with and must arrive with (multicast).
pub const VRRP_TTL: u8 = 255;
/// keepalived's IPv4 TOS / IPv6 traffic class: internetwork control.
pub const TOS: u8 = 0xc0;
#[cfg(test)]
pub use crate::net::vrrp_socket::{VRRP_GROUP_V4 as MCAST_GROUP4, VRRP_GROUP_V6 as MCAST_GROUP6};

pub const IPV4_HDR_LEN: usize = ipv4::HEADER_LEN;
/// The largest advert keepalived can build: IPv4 + AH + header + 255 addresses + auth data,
/// or 255 IPv6 addresses. A buffer of this size always suffices for [`emit`].
pub const MAX_ADVERT_LEN: usize = HDR_LEN + 255 * 16;

/// keepalived's MTU when an instance has no interface.
pub const DEFAULT_MTU: usize = 1500;

/// How many addresses an advert may carry on a link of `mtu` (None: [`DEFAULT_MTU`]); the
/// others become eVIPs, kept but not advertised. keepalived counts an Ethernet header into
/// the MTU, so we do too; the AH header only counts for VRRPv2 over IPv4.
pub fn max_addrs(mtu: Option<usize>, family: Family, version: u8, ah: bool) -> usize {
    const ETH_HDR: usize = 14;
    let (hdr, addr) = match family {
        Family::V4 if version == 2 => (
            IPV4_HDR_LEN
                + HDR_LEN
                + crate::vrrp::auth::AUTH_DATA_LEN
                + if ah {
                    crate::vrrp::packet::ah::AH_LEN
                } else {
                    0
                },
            4,
        ),
        Family::V4 => (IPV4_HDR_LEN + HDR_LEN, 4),
        Family::V6 => (ipv6::HEADER_LEN + HDR_LEN, 16),
    };
    (mtu.unwrap_or(DEFAULT_MTU).saturating_sub(ETH_HDR + hdr) / addr).min(255)
}

/// What the raw socket told about a received packet besides its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rx {
    /// IPv4: everything is in the IP header at the start of the buffer.
    V4,
    /// IPv6: source from the socket address, destination from IPV6_PKTINFO, hop limit from
    /// IPV6_HOPLIMIT (None when that control message was missing; the TTL check is skipped then).
    V6 {
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: Option<u8>,
    },
}

/// How a VRRPv3 IPv4 checksum is computed (keepalived-facts §2.2). VRRPv2 never uses a
/// pseudo-header; IPv6 always does (the kernel's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum V3Checksum {
    /// RFC 5798: pseudo-header with the packet's real destination.
    #[default]
    Standard,
    /// `v3_checksum_as_v2`: no pseudo-header; on receipt the checksum is not checked at all.
    AsV2,
    /// keepalived ≤ 1.3.6 unicast: the pseudo-header names the multicast group, not the peer.
    OldUnicast(Ipv4Addr),
    /// Standard, but a received unicast advert that only verifies with the group in the
    /// pseudo-header is accepted and [`Checked::old_unicast_checksum`] says to switch (the
    /// default of a unicast instance without `old_unicast_checksum never`).
    Detect(Ipv4Addr),
}

impl V3Checksum {
    /// The rule of an instance from its settings: `v3_checksum_as_v2`, `old_unicast_checksum`
    /// (Some(true) given, Some(false) given as `never`), whether it is unicast, and the IPv4
    /// multicast group. After [`Checked::old_unicast_checksum`] the caller switches to
    /// `OldUnicast(group)` for sending and receiving, as keepalived does.
    pub fn for_instance(
        as_v2: bool,
        old_unicast: Option<bool>,
        unicast: bool,
        group: Ipv4Addr,
    ) -> V3Checksum {
        match (as_v2, old_unicast, unicast) {
            (true, _, _) => V3Checksum::AsV2,
            (false, _, false) | (false, Some(false), true) => V3Checksum::Standard,
            (false, Some(true), true) => V3Checksum::OldUnicast(group),
            (false, None, true) => V3Checksum::Detect(group),
        }
    }
}

/// The statistics counters keepalived keeps per instance (its SIGUSR2 stats file) that a
/// drop is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropCounter {
    /// "Packet Errors: Length".
    Length,
    /// "Packet Errors: TTL".
    Ttl,
    /// "Packet Errors: Invalid Type".
    InvalidType,
    /// "Packet Errors: Address List".
    AddressList,
    /// "Authentication Errors: Invalid Type".
    InvalidAuthType,
    /// "Authentication Errors: Type Mismatch".
    AuthTypeMismatch,
    /// "Authentication Errors: Failure".
    AuthFailure,
}

/// Why a received packet is not taken, one variant per reason keepalived logs or counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Fewer bytes than the headers (IP, AH, VRRP) or the addresses need.
    Truncated {
        len: usize,
        need: usize,
    },
    /// IPv4 header whose version nibble is not 4.
    NotIpv4(u8),
    /// IPv4 header length below 20 bytes.
    BadIpHeaderLen(u8),
    /// IPv4 protocol neither VRRP nor AH.
    NotVrrp(u8),
    /// AH header protecting something other than VRRP.
    AhNotVrrp(u8),
    /// The length is not header + count × address (+ auth data) (+ AH), beyond Ethernet padding.
    LengthMismatch {
        len: usize,
        expected: usize,
    },
    /// The IPv4 total length disagrees with what was received (beyond Ethernet padding).
    TotLenMismatch {
        tot_len: u16,
        len: usize,
    },
    /// AH present on a non-AH instance, or missing on an AH one.
    AhPresence {
        has_ah: bool,
    },
    /// Multicast advert whose TTL / hop limit is not 255.
    BadTtl(u8),
    WrongVersion {
        got: u8,
        want: u8,
    },
    /// VRRPv2 auth type other than 0, 1, 2.
    InvalidAuthType(u8),
    AuthTypeMismatch {
        got: u8,
        want: u8,
    },
    BadPassword,
    /// AH ICV does not verify (wrong key, or the packet was changed).
    BadIcv,
    /// AH SPI is not the IPv4 source address.
    BadSpi {
        spi: u32,
    },
    /// AH sequence number not above the last accepted one.
    Replay {
        seq: u32,
        last: u32,
    },
    /// VRRPv2 interval differs from ours (keepalived drops these to avoid two masters).
    IntervalMismatch {
        got_secs: u8,
    },
    BadType(u8),
    BadChecksum,
    /// A multicast advert on a unicast instance, or a unicast one on a multicast instance
    /// (keepalived counts it over IPv4; over IPv6 it discards it silently before its checks).
    CastMismatch {
        multicast: bool,
    },
    /// We own the addresses and `owner_ignore_adverts` is set.
    OwnerIgnores,
    /// Unicast source not among the configured peers (with `check_unicast_src`).
    UnknownUnicastSrc,
    /// TTL / hop limit outside the peer's `min_ttl`..`max_ttl`.
    TtlOutOfRange(u8),
    /// The advert lists another number of addresses than the instance has VIPs.
    AddressCount,
}

impl DropReason {
    /// The stats counter keepalived increments for this drop, if any.
    pub fn counter(&self) -> Option<DropCounter> {
        use DropReason::*;
        match self {
            LengthMismatch { .. } | TotLenMismatch { .. } => Some(DropCounter::Length),
            BadTtl(_) | TtlOutOfRange(_) => Some(DropCounter::Ttl),
            BadType(_) => Some(DropCounter::InvalidType),
            CastMismatch { .. } | AddressCount => Some(DropCounter::AddressList),
            InvalidAuthType(_) => Some(DropCounter::InvalidAuthType),
            AhPresence { .. } | AuthTypeMismatch { .. } => Some(DropCounter::AuthTypeMismatch),
            BadPassword | BadIcv | BadSpi { .. } | Replay { .. } => Some(DropCounter::AuthFailure),
            Truncated { .. }
            | NotIpv4(_)
            | BadIpHeaderLen(_)
            | NotVrrp(_)
            | AhNotVrrp(_)
            | WrongVersion { .. }
            | IntervalMismatch { .. }
            | BadChecksum
            | OwnerIgnores
            | UnknownUnicastSrc => None,
        }
    }
}

/// A received advert that passed [`parse`]: a view over the bytes. All accessors are total.
#[derive(Clone, Copy, Debug)]
pub struct Advert<'a> {
    pub family: Family,
    pub version: u8,
    /// The type nibble (1 for an advert; [`check`] refuses others).
    pub kind: u8,
    pub vrid: u8,
    pub priority: u8,
    pub count: u8,
    /// VRRPv2 auth type; 0 for other versions (which have no such field).
    pub auth_type: u8,
    /// Advertisement interval as sent: seconds for v2, centiseconds (12 bits) otherwise.
    pub interval: u16,
    /// The checksum verifies with the standard rule for its version and family (v2: plain;
    /// v3 IPv4: pseudo-header with the packet's destination; IPv6: the kernel's pseudo-header).
    pub checksum_valid: bool,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6) if known.
    pub ttl: Option<u8>,
    /// The IPv4 identification field (what tests compare; VRRP itself ignores it).
    #[cfg(test)]
    pub ip_id: u16,
    pub ah: Option<AhHeader>,
    /// VRRPv2/IPv4 authentication data (the password for PASS, zeros otherwise).
    pub auth_data: Option<&'a [u8]>,
    /// The IPv4 header (IHL bytes); empty for IPv6.
    ip_header: &'a [u8],
    /// The AH header bytes; empty without AH.
    ah_bytes: &'a [u8],
    /// The VRRP part, exactly as long as its count says (no Ethernet padding).
    vrrp: &'a [u8],
    /// From the VRRP header to the end of the buffer, padding included (what the AH ICV covers).
    after_ah: &'a [u8],
}

impl<'a> Advert<'a> {
    /// The addresses the advert carries, in order.
    pub fn addrs(&self) -> Addrs<'a> {
        let len = match self.family {
            Family::V4 => 4,
            Family::V6 => 16,
        };
        let end = HDR_LEN + usize::from(self.count) * len;
        Addrs {
            bytes: self.vrrp.get(HDR_LEN..end).unwrap_or(&[]),
            len,
        }
    }

    /// The interval in microseconds (v2 seconds, v3 centiseconds).
    pub fn advert_int(&self) -> Micros {
        if self.version == 2 {
            Micros::from_secs(u64::from(self.interval))
        } else {
            Micros::from_centis(u64::from(self.interval))
        }
    }

    /// The destination was a multicast group.
    pub fn is_multicast(&self) -> bool {
        self.dst.is_multicast()
    }

    /// The VRRP part (header, addresses, auth data), without padding.
    #[cfg(test)]
    pub fn vrrp_bytes(&self) -> &'a [u8] {
        self.vrrp
    }

    /// Does the checksum verify under `rule` (only VRRPv3 over IPv4 has a choice)?
    pub fn checksum_valid_with(&self, rule: V3Checksum) -> bool {
        match (self.src, self.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) if self.version != 2 => {
                let base = match rule {
                    V3Checksum::AsV2 => checksum::Sum::new(),
                    V3Checksum::OldUnicast(group) => {
                        checksum::ipv4_pseudo(src, group, self.vrrp.len())
                    }
                    V3Checksum::Standard | V3Checksum::Detect(_) => {
                        checksum::ipv4_pseudo(src, dst, self.vrrp.len())
                    }
                };
                base.feed(self.vrrp).verifies()
            }
            _ => self.checksum_valid,
        }
    }
}

/// Iterator over an advert's addresses.
#[derive(Clone, Debug)]
pub struct Addrs<'a> {
    bytes: &'a [u8],
    len: usize,
}

impl Iterator for Addrs<'_> {
    type Item = IpAddr;

    fn next(&mut self) -> Option<IpAddr> {
        if self.bytes.len() < self.len {
            return None;
        }
        let (a, rest) = self.bytes.split_at(self.len);
        self.bytes = rest;
        if let Ok(b) = <[u8; 4]>::try_from(a) {
            Some(IpAddr::from(b))
        } else {
            <[u8; 16]>::try_from(a).ok().map(IpAddr::from)
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bytes.len() / self.len;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Addrs<'_> {}
