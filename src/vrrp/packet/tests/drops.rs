//! One crafted packet per reason a received advert is dropped.

use std::net::IpAddr;

use super::samples::*;
use crate::config::vrrp::UnicastPeer;
use crate::core::time::Micros;
use crate::vrrp::auth::{AhState, Auth};
use crate::vrrp::packet::{
    check, parse, Checked, DropReason, Local, Rx, V3Checksum, VipCheck, MCAST_GROUP4,
};

/// Parse then check with a fresh AH counter.
pub(super) fn receive(b: &[u8], rx: Rx, local: &Local<'_>) -> Result<Checked, DropReason> {
    let adv = parse(b, rx)?;
    check(&adv, local, &mut AhState::new())
}

#[test]
fn the_samples_are_accepted() {
    assert!(receive(&bytes(V2), Rx::V4, &local_v2()).is_ok());
    let pass = Local {
        auth: Auth::Pass(KEY),
        ..local_v2()
    };
    assert!(receive(&bytes(V2_PASS), Rx::V4, &pass).is_ok());
    let ahl = Local {
        auth: Auth::Ah(KEY),
        ..local_v2()
    };
    assert!(receive(&bytes(V2_AH), Rx::V4, &ahl).is_ok());
    let v3 = local_v3(Micros::from_millis(500));
    assert_eq!(receive(&bytes(V3), Rx::V4, &v3), Ok(Checked::default()));
    let v6 = local_v3(Micros::from_secs(1));
    assert!(receive(&bytes(V3_V6), rx6(), &v6).is_ok());
}

#[test]
fn every_truncation_is_refused() {
    for (hex, rx) in [
        (V2, Rx::V4),
        (V2_PASS, Rx::V4),
        (V2_AH, Rx::V4),
        (V3, Rx::V4),
        (V3_V6, rx6()),
    ] {
        let b = bytes(hex);
        for l in 0..b.len() {
            let r = parse(&b[..l], rx);
            assert!(
                matches!(
                    r,
                    Err(DropReason::Truncated { .. }
                        | DropReason::LengthMismatch { .. }
                        | DropReason::TotLenMismatch { .. })
                ),
                "{hex} cut at {l}: {r:?}"
            );
        }
    }
    let b = bytes(V2);
    assert_eq!(
        parse(&b[..27], Rx::V4).err(),
        Some(DropReason::Truncated { len: 27, need: 28 })
    );
    assert_eq!(
        parse(&b[..39], Rx::V4).err(),
        Some(DropReason::LengthMismatch {
            len: 39,
            expected: 40
        })
    );
}

#[test]
fn ipv4_header_problems() {
    let mut b = bytes(V2);
    b[0] = 0x65;
    assert_eq!(parse(&b, Rx::V4).err(), Some(DropReason::NotIpv4(6)));
    b[0] = 0x44;
    assert_eq!(parse(&b, Rx::V4).err(), Some(DropReason::BadIpHeaderLen(4)));
    let mut b = bytes(V2);
    b[9] = 17;
    assert_eq!(parse(&b, Rx::V4).err(), Some(DropReason::NotVrrp(17)));
    let mut b = bytes(V2);
    b[3] = 41;
    assert_eq!(
        parse(&b, Rx::V4).err(),
        Some(DropReason::TotLenMismatch {
            tot_len: 41,
            len: 40
        })
    );
}

#[test]
fn address_count_must_match_the_length() {
    let mut b = bytes(V2);
    b[23] = 255;
    assert_eq!(
        parse(&b, Rx::V4).err(),
        Some(DropReason::LengthMismatch {
            len: 40,
            expected: 20 + 8 + 255 * 4 + 8
        })
    );
    b[23] = 0;
    assert_eq!(
        parse(&b, Rx::V4).err(),
        Some(DropReason::LengthMismatch {
            len: 40,
            expected: 36
        })
    );
    let mut b = bytes(V3_V6);
    b[3] = 3;
    assert!(matches!(
        parse(&b, rx6()),
        Err(DropReason::LengthMismatch { .. })
    ));
}

#[test]
fn ethernet_padding_is_tolerated() {
    // A 40-byte packet in a minimum frame arrives with 6 bytes of padding.
    let mut b = bytes(V2);
    b.extend_from_slice(&[0; 6]);
    let adv = parse(&b, Rx::V4).unwrap();
    assert_eq!(adv.vrrp_bytes().len(), 20);
    assert!(check(&adv, &local_v2(), &mut AhState::new()).is_ok());
    b.push(0);
    assert!(parse(&b, Rx::V4).is_err());
}

#[test]
fn ttl_254_is_dropped_on_multicast_only() {
    let mut b = bytes(V2);
    b[8] = 254;
    assert_eq!(
        receive(&b, Rx::V4, &local_v2()),
        Err(DropReason::BadTtl(254))
    );
    let mut b = bytes(V2_UNICAST);
    b[8] = 254;
    let uni = Local {
        unicast: true,
        ..local_v2()
    };
    assert!(receive(&b, Rx::V4, &uni).is_ok());
    let mut rx = rx6();
    if let Rx::V6 { hop_limit, .. } = &mut rx {
        *hop_limit = Some(254);
    }
    let v6 = local_v3(Micros::from_secs(1));
    assert_eq!(
        receive(&bytes(V3_V6), rx, &v6),
        Err(DropReason::BadTtl(254))
    );
    // No IPV6_HOPLIMIT control message: keepalived skips the check.
    if let Rx::V6 { hop_limit, .. } = &mut rx {
        *hop_limit = None;
    }
    assert!(receive(&bytes(V3_V6), rx, &v6).is_ok());
}

#[test]
fn version_must_be_ours() {
    assert_eq!(
        receive(&bytes(V3), Rx::V4, &local_v2()),
        Err(DropReason::WrongVersion { got: 3, want: 2 })
    );
    assert_eq!(
        receive(&bytes(V2), Rx::V4, &local_v3(Micros::from_secs(1))),
        Err(DropReason::WrongVersion { got: 2, want: 3 })
    );
}

#[test]
fn type_must_be_advertisement() {
    let mut b = bytes(V2);
    b[20] = 0x22;
    assert_eq!(
        receive(&b, Rx::V4, &local_v2()),
        Err(DropReason::BadType(2))
    );
}

#[test]
fn v2_interval_must_match() {
    let l = Local {
        adver_int: Micros::from_secs(2),
        ..local_v2()
    };
    assert_eq!(
        receive(&bytes(V2), Rx::V4, &l),
        Err(DropReason::IntervalMismatch { got_secs: 1 })
    );
}

#[test]
fn v3_interval_mismatch_is_only_reported() {
    let r = receive(&bytes(V3), Rx::V4, &local_v3(Micros::from_secs(1)));
    assert_eq!(
        r,
        Ok(Checked {
            interval_mismatch: true,
            old_unicast_checksum: false
        })
    );
}

#[test]
fn bad_checksums() {
    let mut b = bytes(V2);
    b[27] ^= 1;
    assert_eq!(
        receive(&b, Rx::V4, &local_v2()),
        Err(DropReason::BadChecksum)
    );
    let mut b = bytes(V3);
    b[27] ^= 1;
    let v3 = local_v3(Micros::from_millis(500));
    assert_eq!(receive(&b, Rx::V4, &v3), Err(DropReason::BadChecksum));
    // v3_checksum_as_v2 ignores the received checksum.
    let as_v2 = Local {
        checksum: V3Checksum::AsV2,
        ..v3
    };
    assert!(receive(&b, Rx::V4, &as_v2).is_ok());
    // IPv6: the kernel verified it; we only report what we compute.
    let mut b = bytes(V3_V6);
    b[7] ^= 1;
    assert!(!parse(&b, rx6()).unwrap().checksum_valid);
}

#[test]
fn cast_must_match_the_instance() {
    let uni = Local {
        unicast: true,
        ..local_v2()
    };
    assert_eq!(
        receive(&bytes(V2), Rx::V4, &uni),
        Err(DropReason::CastMismatch { multicast: true })
    );
    assert_eq!(
        receive(&bytes(V2_UNICAST), Rx::V4, &local_v2()),
        Err(DropReason::CastMismatch { multicast: false })
    );
}

#[test]
fn owner_ignoring_adverts_drops_them() {
    let l = Local {
        owner_ignores: true,
        ..local_v2()
    };
    assert_eq!(
        receive(&bytes(V2), Rx::V4, &l),
        Err(DropReason::OwnerIgnores)
    );
}

#[test]
fn unicast_source_and_ttl_range() {
    let loc = crate::config::diag::Loc::default();
    let peers = [UnicastPeer {
        loc,
        addr: IpAddr::V4(SRC4),
        min_ttl: 250,
        max_ttl: 255,
    }];
    let l = Local {
        unicast: true,
        unicast_src_check: Some(&peers),
        ..local_v2()
    };
    assert!(receive(&bytes(V2_UNICAST), Rx::V4, &l).is_ok());
    let mut b = bytes(V2_UNICAST);
    b[8] = 64;
    assert_eq!(receive(&b, Rx::V4, &l), Err(DropReason::TtlOutOfRange(64)));
    let other = [UnicastPeer {
        addr: IpAddr::V4(PEER4),
        ..peers[0].clone()
    }];
    let l = Local {
        unicast_src_check: Some(&other),
        ..l
    };
    assert_eq!(
        receive(&bytes(V2_UNICAST), Rx::V4, &l),
        Err(DropReason::UnknownUnicastSrc)
    );
}

#[test]
fn vip_differences_are_reported_not_dropped() {
    let b = bytes(V3);
    let adv = parse(&b, Rx::V4).unwrap();
    let vips = [vip4(100), vip4(101), vip4(102)];
    assert_eq!(adv.vip_check(&vips), VipCheck::Match);
    assert_eq!(
        adv.vip_check(&vips[..2]),
        VipCheck::CountMismatch { got: 3, want: 2 }
    );
    assert_eq!(
        adv.vip_check(&[vip4(100), vip4(101), vip4(9)]),
        VipCheck::Missing(vip4(9))
    );
    let b = bytes(V3_V6);
    let adv = parse(&b, rx6()).unwrap();
    assert_eq!(adv.vip_check(&[vip6(0x100), vip6(0x101)]), VipCheck::Match);
    assert_eq!(adv.dst, IpAddr::V6(crate::vrrp::packet::MCAST_GROUP6));
    let _ = MCAST_GROUP4;
}

#[test]
fn checksum_rule_from_instance_settings() {
    let g = MCAST_GROUP4;
    assert_eq!(
        V3Checksum::for_instance(true, Some(true), true, g),
        V3Checksum::AsV2
    );
    assert_eq!(
        V3Checksum::for_instance(false, None, false, g),
        V3Checksum::Standard
    );
    assert_eq!(
        V3Checksum::for_instance(false, None, true, g),
        V3Checksum::Detect(g)
    );
    assert_eq!(
        V3Checksum::for_instance(false, Some(true), true, g),
        V3Checksum::OldUnicast(g)
    );
    assert_eq!(
        V3Checksum::for_instance(false, Some(false), true, g),
        V3Checksum::Standard
    );
}

#[test]
fn drops_count_where_keepalived_counts_them() {
    use crate::vrrp::packet::DropCounter;
    assert_eq!(DropReason::BadTtl(1).counter(), Some(DropCounter::Ttl));
    assert_eq!(DropReason::BadIcv.counter(), Some(DropCounter::AuthFailure));
    assert_eq!(DropReason::BadChecksum.counter(), None);
}
