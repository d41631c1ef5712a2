//! Reading an advert from raw-socket bytes: what can be checked without knowing the instance
//! (keepalived's `vrrp_get_header` and the length checks of `vrrp_check_packet`).

use std::net::IpAddr;

use super::ah::{AhHeader, AH_LEN};
use super::checksum::{ipv4_pseudo, ipv6_pseudo, Sum};
use super::header::{self, HDR_LEN};
use super::{ipv4, Advert, DropReason, Rx, IPPROTO_AH, IPPROTO_VRRP};
use crate::config::vrrp::Family;
use crate::vrrp::auth::AUTH_DATA_LEN;

/// Ethernet pads frames to 60 bytes; after its 14-byte header that leaves 46 for IP.
const ETH_MIN_PAYLOAD: usize = 46;
const VLAN_TAG: usize = 4;

/// A packet [`receive`] refused, and the VRID it carried if the bytes reached that far
/// (keepalived counts a bad length against the instance of that VRID).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub reason: DropReason,
    pub vrid: Option<u8>,
}

impl From<DropReason> for Refused {
    fn from(reason: DropReason) -> Refused {
        Refused { reason, vrid: None }
    }
}

/// keepalived's tolerance for Ethernet padding: `got` may exceed `want` when the frame was
/// short, by an amount that is the minimum-frame padding modulo a VLAN tag.
fn padded(want: usize, got: usize, limit_ok: bool) -> bool {
    let residue = (VLAN_TAG - ETH_MIN_PAYLOAD % VLAN_TAG) % VLAN_TAG;
    limit_ok && want < got && (got - want) % VLAN_TAG == residue
}

/// Length of the VRRP part a header announces (keepalived's `expected_vrrp_pkt_len`): the
/// auth data exists only for version 2 over IPv4.
fn vrrp_len(hd: &header::Header<'_>, family: Family) -> usize {
    let count = usize::from(hd.count());
    match family {
        Family::V4 if hd.version() == 2 => HDR_LEN + count * 4 + AUTH_DATA_LEN,
        Family::V4 => HDR_LEN + count * 4,
        Family::V6 => HDR_LEN + count * 16,
    }
}

/// [`receive`] without the VRID of a refused packet.
#[cfg(test)]
pub fn parse(buf: &[u8], rx: Rx) -> Result<Advert<'_>, DropReason> {
    receive(buf, rx).map_err(|r| r.reason)
}

/// Parses the bytes of one received packet. Over IPv4 `buf` starts with the IP header;
/// over IPv6 it is the VRRP payload and `rx` gives the addresses and hop limit.
pub fn receive(buf: &[u8], rx: Rx) -> Result<Advert<'_>, Refused> {
    match rx {
        Rx::V4 => parse_v4(buf),
        Rx::V6 {
            src,
            dst,
            hop_limit,
        } => {
            let hd = header::Header::new_checked(buf)?;
            let want = vrrp_len(&hd, Family::V6);
            check_len(buf.len(), want).map_err(|reason| Refused {
                reason,
                vrid: Some(hd.vrid()),
            })?;
            let vrrp = &buf[..want];
            let sum = ipv6_pseudo(src, dst, want).feed(vrrp);
            Ok(fill(
                Family::V6,
                hd,
                vrrp,
                Around {
                    src: src.into(),
                    dst: dst.into(),
                    ttl: hop_limit,
                    #[cfg(test)]
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

fn parse_v4(buf: &[u8]) -> Result<Advert<'_>, Refused> {
    let len = buf.len();
    let ip = ipv4::Header::new_checked(buf)?;
    let ihl = ip.header_len();
    let off = match ip.protocol() {
        IPPROTO_VRRP => ihl,
        IPPROTO_AH => ihl + AH_LEN,
        p => return Err(DropReason::NotVrrp(p).into()),
    };
    if len < off + HDR_LEN {
        return Err(DropReason::Truncated {
            len,
            need: off + HDR_LEN,
        }
        .into());
    }
    let ah = if off > ihl {
        let ah = AhHeader::read(&buf[ihl..off]);
        if let Some(h) = ah.filter(|h| h.next_header != IPPROTO_VRRP) {
            return Err(DropReason::AhNotVrrp(h.next_header).into());
        }
        ah
    } else {
        None
    };
    let hd = header::Header::new_checked(&buf[off..])?;
    let refuse = |reason| Refused {
        reason,
        vrid: Some(hd.vrid()),
    };
    let want = vrrp_len(&hd, Family::V4);
    check_len(len, off + want).map_err(refuse)?;
    let tot_len = ip.total_len();
    let tot = usize::from(tot_len);
    if tot != len && !padded(tot, len, len <= ETH_MIN_PAYLOAD) {
        return Err(refuse(DropReason::TotLenMismatch { tot_len, len }));
    }
    let (src, dst) = (ip.src(), ip.dst());
    let vrrp = &hd.bytes()[..want];
    let sum = if hd.version() == 2 {
        Sum::new()
    } else {
        ipv4_pseudo(src, dst, want)
    };
    Ok(fill(
        Family::V4,
        hd,
        vrrp,
        Around {
            src: src.into(),
            dst: dst.into(),
            ttl: Some(ip.ttl()),
            #[cfg(test)]
            ip_id: ip.ident(),
            ip: ip.bytes(),
            ah,
            ah_bytes: &buf[ihl..off],
            after_ah: hd.bytes(),
        },
        sum.feed(vrrp).verifies(),
    ))
}

/// What surrounds the VRRP part.
struct Around<'a> {
    src: IpAddr,
    dst: IpAddr,
    ttl: Option<u8>,
    #[cfg(test)]
    ip_id: u16,
    ip: &'a [u8],
    ah: Option<AhHeader>,
    ah_bytes: &'a [u8],
    after_ah: &'a [u8],
}

/// Builds the view; `vrrp` is `hd`'s packet cut to the length it announces.
fn fill<'a>(
    family: Family,
    hd: header::Header<'a>,
    vrrp: &'a [u8],
    h: Around<'a>,
    checksum_valid: bool,
) -> Advert<'a> {
    let version = hd.version();
    let v2 = version == 2;
    let (auth_type, interval) = if v2 {
        (hd.auth_type(), u16::from(hd.adver_int()))
    } else {
        (0, hd.max_adver_int())
    };
    let auth_data = if v2 && family == Family::V4 {
        vrrp.get(vrrp.len() - AUTH_DATA_LEN..)
    } else {
        None
    };
    Advert {
        family,
        version,
        kind: hd.kind(),
        vrid: hd.vrid(),
        priority: hd.priority(),
        count: hd.count(),
        auth_type,
        interval,
        checksum_valid,
        src: h.src,
        dst: h.dst,
        ttl: h.ttl,
        #[cfg(test)]
        ip_id: h.ip_id,
        ah: h.ah,
        auth_data,
        ip_header: h.ip,
        ah_bytes: h.ah_bytes,
        vrrp,
        after_ah: h.after_ah,
    }
}
