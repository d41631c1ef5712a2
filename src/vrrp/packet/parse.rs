//! Reading an advert from raw-socket bytes: what can be checked without knowing the instance
//! (keepalived's `vrrp_get_header` and the length checks of `vrrp_check_packet`).

use std::net::{IpAddr, Ipv4Addr};

use super::checksum::{ipv4_pseudo, ipv6_pseudo, Sum};
use super::{Advert, DropReason, Rx, HDR_LEN, IPPROTO_AH, IPPROTO_VRRP, IPV4_HDR_LEN};
use crate::config::vrrp::Family;
use crate::vrrp::auth::{AhHeader, AH_LEN, AUTH_DATA_LEN};

/// Ethernet pads frames to 60 bytes; after its 14-byte header that leaves 46 for IP.
const ETH_MIN_PAYLOAD: usize = 46;
const VLAN_TAG: usize = 4;

/// keepalived's tolerance for Ethernet padding: `got` may exceed `want` when the frame was
/// short, by an amount that is the minimum-frame padding modulo a VLAN tag.
fn padded(want: usize, got: usize, limit_ok: bool) -> bool {
    let residue = (VLAN_TAG - ETH_MIN_PAYLOAD % VLAN_TAG) % VLAN_TAG;
    limit_ok && want < got && (got - want) % VLAN_TAG == residue
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Length of the VRRP part a header announces (keepalived's `expected_vrrp_pkt_len`): the
/// auth data exists only for version 2 over IPv4.
fn vrrp_len(hd: &[u8], family: Family) -> usize {
    let count = usize::from(hd[3]);
    match family {
        Family::V4 if hd[0] >> 4 == 2 => HDR_LEN + count * 4 + AUTH_DATA_LEN,
        Family::V4 => HDR_LEN + count * 4,
        Family::V6 => HDR_LEN + count * 16,
    }
}

/// Parses the bytes of one received packet. Over IPv4 `buf` starts with the IP header;
/// over IPv6 it is the VRRP payload and `rx` gives the addresses and hop limit.
pub fn parse(buf: &[u8], rx: Rx) -> Result<Advert<'_>, DropReason> {
    match rx {
        Rx::V4 => parse_v4(buf),
        Rx::V6 {
            src,
            dst,
            hop_limit,
        } => {
            if buf.len() < HDR_LEN {
                return Err(DropReason::Truncated {
                    len: buf.len(),
                    need: HDR_LEN,
                });
            }
            let want = vrrp_len(buf, Family::V6);
            check_len(buf.len(), want)?;
            let vrrp = &buf[..want];
            let sum = ipv6_pseudo(src, dst, want).feed(vrrp);
            Ok(fill(
                Family::V6,
                vrrp,
                Header {
                    src: src.into(),
                    dst: dst.into(),
                    ttl: hop_limit,
                    ip_id: 0,
                    ip: &[],
                    ah: None,
                    ah_bytes: &[],
                    after_ah: buf,
                },
                sum.verifies(),
            ))
        }
    }
}

fn check_len(len: usize, expected: usize) -> Result<(), DropReason> {
    if len == expected || padded(expected, len, expected < ETH_MIN_PAYLOAD) {
        Ok(())
    } else {
        Err(DropReason::LengthMismatch { len, expected })
    }
}

fn parse_v4(buf: &[u8]) -> Result<Advert<'_>, DropReason> {
    let len = buf.len();
    if len < IPV4_HDR_LEN {
        return Err(DropReason::Truncated {
            len,
            need: IPV4_HDR_LEN,
        });
    }
    if buf[0] >> 4 != 4 {
        return Err(DropReason::NotIpv4(buf[0] >> 4));
    }
    let ihl = usize::from(buf[0] & 0x0f) * 4;
    if ihl < IPV4_HDR_LEN {
        return Err(DropReason::BadIpHeaderLen(buf[0] & 0x0f));
    }
    let off = match buf[9] {
        IPPROTO_VRRP => ihl,
        IPPROTO_AH => ihl + AH_LEN,
        p => return Err(DropReason::NotVrrp(p)),
    };
    if len < off + HDR_LEN {
        return Err(DropReason::Truncated {
            len,
            need: off + HDR_LEN,
        });
    }
    let ah = if off > ihl {
        let ah = AhHeader::read(&buf[ihl..off]);
        if let Some(h) = ah.filter(|h| h.next_header != IPPROTO_VRRP) {
            return Err(DropReason::AhNotVrrp(h.next_header));
        }
        ah
    } else {
        None
    };
    let hd = &buf[off..];
    let want = vrrp_len(hd, Family::V4);
    check_len(len, off + want)?;
    let tot_len = be16(buf, 2);
    let tot = usize::from(tot_len);
    if tot != len && !padded(tot, len, len <= ETH_MIN_PAYLOAD) {
        return Err(DropReason::TotLenMismatch { tot_len, len });
    }
    let src = Ipv4Addr::new(buf[12], buf[13], buf[14], buf[15]);
    let dst = Ipv4Addr::new(buf[16], buf[17], buf[18], buf[19]);
    let vrrp = &hd[..want];
    let sum = if hd[0] >> 4 == 2 {
        Sum::new()
    } else {
        ipv4_pseudo(src, dst, want)
    };
    Ok(fill(
        Family::V4,
        vrrp,
        Header {
            src: src.into(),
            dst: dst.into(),
            ttl: Some(buf[8]),
            ip_id: be16(buf, 4),
            ip: &buf[..ihl],
            ah,
            ah_bytes: &buf[ihl..off],
            after_ah: hd,
        },
        sum.feed(vrrp).verifies(),
    ))
}

/// What surrounds the VRRP part.
struct Header<'a> {
    src: IpAddr,
    dst: IpAddr,
    ttl: Option<u8>,
    ip_id: u16,
    ip: &'a [u8],
    ah: Option<AhHeader>,
    ah_bytes: &'a [u8],
    after_ah: &'a [u8],
}

/// Builds the view; `vrrp` is at least [`HDR_LEN`] long and exactly as long as it announces.
fn fill<'a>(family: Family, vrrp: &'a [u8], h: Header<'a>, checksum_valid: bool) -> Advert<'a> {
    let version = vrrp[0] >> 4;
    let v2 = version == 2;
    let (auth_type, interval) = if v2 {
        (vrrp[4], u16::from(vrrp[5]))
    } else {
        (0, be16(vrrp, 4) & 0x0fff)
    };
    let auth_data = if v2 && family == Family::V4 {
        vrrp.get(vrrp.len() - AUTH_DATA_LEN..)
    } else {
        None
    };
    Advert {
        family,
        version,
        kind: vrrp[0] & 0x0f,
        vrid: vrrp[1],
        priority: vrrp[2],
        count: vrrp[3],
        auth_type,
        interval,
        checksum: be16(vrrp, 6),
        checksum_valid,
        src: h.src,
        dst: h.dst,
        ttl: h.ttl,
        ip_id: h.ip_id,
        ah: h.ah,
        auth_data,
        ip_header: h.ip,
        ah_bytes: h.ah_bytes,
        vrrp,
        after_ah: h.after_ah,
    }
}
