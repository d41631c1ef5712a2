//! keepalived's per-instance checks of a received advert (`vrrp_check_packet`), in its order
//! (keepalived-facts §2.5). Length checks already happened in [`parse`](super::parse).

use std::net::{IpAddr, Ipv4Addr};

use super::ah;
use super::{Advert, DropReason, V3Checksum, TYPE_ADVERT, VRRP_TTL};
use crate::config::vrrp::{Family, UnicastPeer, VrrpInstance};
use crate::core::time::Micros;
use crate::vrrp::auth::{self, pass_matches, AhState, Auth, AUTH_AH, AUTH_PASS};

/// What the receiving instance expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Local<'a> {
    pub version: u8,
    pub auth: Auth,
    /// The configured advert interval.
    pub adver_int: Micros,
    /// Unicast instance: no TTL-255 rule, unicast destinations only; zeroes the TTL in the AH ICV.
    pub unicast: bool,
    pub checksum: V3Checksum,
    /// The instance is BACKUP (an accepted AH advert then clears a cycled counter).
    pub backup: bool,
    /// Drop everything: the instance owns the addresses and has `owner_ignore_adverts`.
    pub owner_ignores: bool,
    /// With `check_unicast_src` (or a peer with min_ttl/max_ttl): the allowed sources.
    pub unicast_src_check: Option<&'a [UnicastPeer]>,
}

impl<'a> Local<'a> {
    /// The expectations of a configured instance (its `resolved` values must be filled in).
    /// It starts as a BACKUP that does not ignore adverts; the state machine updates
    /// `backup` and `owner_ignores`. `global_check_unicast_src` is global_defs'
    /// `vrrp_check_unicast_src`; `group4` the IPv4 multicast group (the old unicast checksum
    /// names it).
    pub fn for_instance(
        inst: &'a VrrpInstance,
        global_check_unicast_src: bool,
        group4: Ipv4Addr,
    ) -> Local<'a> {
        let r = &inst.resolved;
        // keepalived turns the source check on for any peer given min_ttl or max_ttl.
        let ttl_limits = inst
            .unicast_peers
            .iter()
            .any(|p| p.min_ttl != 0 || p.max_ttl != 255);
        let src_check =
            r.unicast && (global_check_unicast_src || inst.check_unicast_src || ttl_limits);
        Local {
            version: r.version,
            auth: Auth::from_config(inst.auth.as_ref()),
            adver_int: r.advert_int,
            unicast: r.unicast,
            checksum: V3Checksum::for_instance(
                inst.v3_checksum_as_v2,
                inst.old_unicast_checksum,
                r.unicast,
                group4,
            ),
            backup: true,
            owner_ignores: false,
            unicast_src_check: src_check.then_some(&inst.unicast_peers[..]),
        }
    }
}

/// An accepted advert's remarks, which keepalived only logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// VRRPv3 interval differs from ours (the sender's is adopted by the state machine).
    pub interval_mismatch: bool,
    /// The unicast VRRPv3 checksum used the group address: switch to the old checksum.
    pub old_unicast_checksum: bool,
}

/// Runs keepalived's checks; a valid AH advert advances `ah_state` even when a later check
/// drops it, as in keepalived.
pub fn check(
    adv: &Advert<'_>,
    local: &Local<'_>,
    ah_state: &mut AhState,
) -> Result<Checked, DropReason> {
    let mut out = Checked::default();
    let want_ah = matches!(local.auth, Auth::Ah(_));
    if adv.family == Family::V4 && adv.ah.is_some() != want_ah {
        return Err(DropReason::AhPresence {
            has_ah: adv.ah.is_some(),
        });
    }
    if !local.unicast {
        if let Some(ttl) = adv.ttl.filter(|&t| t != VRRP_TTL) {
            return Err(DropReason::BadTtl(ttl));
        }
    }
    if adv.version != local.version {
        return Err(DropReason::WrongVersion {
            got: adv.version,
            want: local.version,
        });
    }
    if adv.version == 2 {
        check_v2_auth(adv, local, ah_state)?;
        if local.adver_int != Micros::from_secs(u64::from(adv.interval)) {
            return Err(DropReason::IntervalMismatch {
                got_secs: adv.interval as u8,
            });
        }
    }
    if adv.kind != TYPE_ADVERT {
        return Err(DropReason::BadType(adv.kind));
    }
    if adv.version == 3 && local.adver_int != adv.advert_int() {
        out.interval_mismatch = true;
    }
    if adv.family == Family::V4 {
        check_v4_checksum(adv, local, &mut out)?;
    }
    if adv.is_multicast() == local.unicast {
        return Err(DropReason::CastMismatch {
            multicast: adv.is_multicast(),
        });
    }
    if local.owner_ignores {
        return Err(DropReason::OwnerIgnores);
    }
    if let Some(peers) = local.unicast_src_check {
        check_unicast_src(adv, peers)?;
    }
    Ok(out)
}

fn check_v2_auth(
    adv: &Advert<'_>,
    local: &Local<'_>,
    ah_state: &mut AhState,
) -> Result<(), DropReason> {
    if adv.auth_type > AUTH_AH {
        return Err(DropReason::InvalidAuthType(adv.auth_type));
    }
    let want = local.auth.wire_type();
    if adv.auth_type != want {
        return Err(DropReason::AuthTypeMismatch {
            got: adv.auth_type,
            want,
        });
    }
    match local.auth {
        Auth::None => Ok(()),
        Auth::Pass(pw) => {
            debug_assert_eq!(want, AUTH_PASS);
            match adv.auth_data {
                Some(d) if pass_matches(&pw, d) => Ok(()),
                _ => Err(DropReason::BadPassword),
            }
        }
        Auth::Ah(key) => {
            let hdr = adv.ah.ok_or(DropReason::AhPresence { has_ah: false })?;
            let ah_bytes = <&[u8; ah::AH_LEN]>::try_from(adv.ah_bytes)
                .map_err(|_| DropReason::AhPresence { has_ah: false })?;
            let icv = ah::icv(&key, adv.ip_header, ah_bytes, adv.after_ah, local.unicast)
                .ok_or(DropReason::BadIcv)?;
            if !pass_matches_12(&icv, &hdr.icv) {
                return Err(DropReason::BadIcv);
            }
            let src = match adv.src {
                IpAddr::V4(a) => u32::from(a),
                IpAddr::V6(_) => 0,
            };
            if hdr.spi != src {
                return Err(DropReason::BadSpi { spi: hdr.spi });
            }
            let last = ah_state.seq();
            if !ah_state.accept_rx(hdr.seq) {
                return Err(DropReason::Replay { seq: hdr.seq, last });
            }
            if local.backup {
                ah_state.backup_accepted(hdr.seq);
            }
            Ok(())
        }
    }
}

/// Constant-time comparison of two ICVs.
fn pass_matches_12(a: &[u8; auth::ICV_LEN], b: &[u8; auth::ICV_LEN]) -> bool {
    a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn check_v4_checksum(
    adv: &Advert<'_>,
    local: &Local<'_>,
    out: &mut Checked,
) -> Result<(), DropReason> {
    if adv.version == 2 {
        return if adv.checksum_valid {
            Ok(())
        } else {
            Err(DropReason::BadChecksum)
        };
    }
    match local.checksum {
        V3Checksum::AsV2 => Ok(()),
        // `parse` verified it with the packet's own destination already.
        V3Checksum::Standard if adv.checksum_valid => Ok(()),
        V3Checksum::Standard => Err(DropReason::BadChecksum),
        V3Checksum::OldUnicast(_) => {
            if adv.checksum_valid_with(local.checksum) {
                Ok(())
            } else {
                Err(DropReason::BadChecksum)
            }
        }
        V3Checksum::Detect(group) => {
            if adv.checksum_valid {
                Ok(())
            } else if local.unicast
                && adv.dst != IpAddr::V4(group)
                && adv.checksum_valid_with(V3Checksum::OldUnicast(group))
            {
                out.old_unicast_checksum = true;
                Ok(())
            } else {
                Err(DropReason::BadChecksum)
            }
        }
    }
}

fn check_unicast_src(adv: &Advert<'_>, peers: &[UnicastPeer]) -> Result<(), DropReason> {
    let peer = peers
        .iter()
        .find(|p| p.addr == adv.src)
        .ok_or(DropReason::UnknownUnicastSrc)?;
    match adv.ttl {
        Some(t) if t < peer.min_ttl || t > peer.max_ttl => Err(DropReason::TtlOutOfRange(t)),
        _ => Ok(()),
    }
}

/// How an advert's address list compares with the instance's VIPs (keepalived only logs a
/// difference and still accepts the advert).
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VipCheck {
    Match,
    CountMismatch {
        got: u8,
        want: usize,
    },
    /// One of our VIPs is not in the advert.
    Missing(IpAddr),
}

#[cfg(test)]
impl Advert<'_> {
    /// Compares the advertised addresses with `vips` as keepalived does: the count first,
    /// then that each VIP appears.
    pub fn vip_check(&self, vips: &[IpAddr]) -> VipCheck {
        if usize::from(self.count) != vips.len() {
            return VipCheck::CountMismatch {
                got: self.count,
                want: vips.len(),
            };
        }
        match vips.iter().find(|v| !self.addrs().any(|a| a == **v)) {
            Some(v) => VipCheck::Missing(*v),
            None => VipCheck::Match,
        }
    }
}
