//! Emit: byte-exact against keepalived samples, round trips, AH sequencing and errors.

use std::net::{IpAddr, Ipv4Addr};

use super::samples::*;
use crate::core::alloc::Scope;
use crate::core::time::Micros;
use crate::vrrp::auth::{AhState, Auth};
use crate::vrrp::packet::{
    check, emit, parse, Checked, DropReason, EmitError, IpId, Local, Rx, Tx, V3Checksum,
    MAX_ADVERT_LEN, MCAST_GROUP4, MCAST_GROUP6,
};

const VIPS1: [IpAddr; 1] = [IpAddr::V4(Ipv4Addr::new(192, 168, 77, 100))];
const VIPS2: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::new(192, 168, 77, 100)),
    IpAddr::V4(Ipv4Addr::new(192, 168, 77, 101)),
];

fn tx_v2<'a>(vips: &'a [IpAddr], auth: Auth) -> Tx<'a> {
    Tx {
        version: 2,
        vrid: 51,
        priority: 150,
        adver_int: Micros::from_secs(1),
        src: IpAddr::V4(SRC4),
        dst: IpAddr::V4(MCAST_GROUP4),
        vips,
        auth,
        ah_seq: 1,
        ip_id: 1,
        ttl: 255,
        unicast: false,
        checksum: V3Checksum::Standard,
    }
}

fn out(tx: &Tx<'_>) -> Vec<u8> {
    let mut b = [0u8; MAX_ADVERT_LEN];
    let n = emit(tx, &mut b).unwrap();
    b[..n].to_vec()
}

#[test]
fn emit_matches_keepalived_samples() {
    assert_eq!(out(&tx_v2(&VIPS1, Auth::None)), bytes(V2));
    assert_eq!(out(&tx_v2(&VIPS1, Auth::Pass(KEY))), bytes(V2_PASS));
    assert_eq!(out(&tx_v2(&VIPS2, Auth::Ah(KEY))), bytes(V2_AH));
    let uni = Tx {
        dst: IpAddr::V4(PEER4),
        unicast: true,
        ..tx_v2(&VIPS1, Auth::None)
    };
    assert_eq!(out(&uni), bytes(V2_UNICAST));
    let vips3 = [vip4(100), vip4(101), vip4(102)];
    let v3 = Tx {
        version: 3,
        vrid: 52,
        priority: 200,
        adver_int: Micros::from_millis(500),
        vips: &vips3,
        ..tx_v2(&VIPS1, Auth::None)
    };
    assert_eq!(out(&v3), bytes(V3));
    let vips6 = [vip6(0x100), vip6(0x101)];
    let v6 = Tx {
        version: 3,
        vrid: 53,
        priority: 120,
        src: "fe80::ff:fe00:1".parse().unwrap(),
        dst: IpAddr::V6(MCAST_GROUP6),
        vips: &vips6,
        ..tx_v2(&VIPS1, Auth::None)
    };
    assert_eq!(out(&v6), bytes(V3_V6));
}

#[test]
fn ah_icv_depends_only_on_what_changed() {
    let a1 = out(&tx_v2(&VIPS2, Auth::Ah(KEY)));
    assert_eq!(a1, out(&tx_v2(&VIPS2, Auth::Ah(KEY))));
    let a2 = out(&Tx {
        ah_seq: 2,
        ..tx_v2(&VIPS2, Auth::Ah(KEY))
    });
    let differ: Vec<usize> = (0..a1.len()).filter(|&i| a1[i] != a2[i]).collect();
    assert!(differ.iter().all(|&i| (28..44).contains(&i)), "{differ:?}");
    assert!(
        differ.iter().any(|&i| i >= 32),
        "the ICV changes with the sequence"
    );
}

#[test]
fn unicast_ah_hashes_a_zero_ttl() {
    let tx = Tx {
        dst: IpAddr::V4(PEER4),
        unicast: true,
        ttl: 64,
        ah_seq: 7,
        ..tx_v2(&VIPS2, Auth::Ah(KEY))
    };
    let mut b = out(&tx);
    let l = Local {
        unicast: true,
        auth: Auth::Ah(KEY),
        ..local_v2()
    };
    // A router on the way lowers the TTL: still valid.
    b[8] = 60;
    let adv = parse(&b, Rx::V4).unwrap();
    let mut st = AhState::new();
    assert_eq!(check(&adv, &l, &mut st), Ok(Checked::default()));
    assert_eq!(st.seq(), 7);
}

#[test]
fn v3_unicast_checksum_per_peer_and_old_compat() {
    let tx = Tx {
        version: 3,
        dst: IpAddr::V4(PEER4),
        unicast: true,
        ..tx_v2(&VIPS1, Auth::None)
    };
    let new = out(&tx);
    let other = out(&Tx {
        dst: IpAddr::V4(Ipv4Addr::new(192, 168, 77, 3)),
        ..tx
    });
    assert_ne!(
        new[26..28],
        other[26..28],
        "the pseudo-header holds the peer"
    );
    let old = out(&Tx {
        checksum: V3Checksum::OldUnicast(MCAST_GROUP4),
        ..tx
    });
    let uni = Local {
        unicast: true,
        ..local_v3(Micros::from_secs(1))
    };
    assert!(check(&parse(&new, Rx::V4).unwrap(), &uni, &mut AhState::new()).is_ok());
    let oldp = parse(&old, Rx::V4).unwrap();
    assert!(!oldp.checksum_valid);
    assert_eq!(
        check(&oldp, &uni, &mut AhState::new()),
        Err(DropReason::BadChecksum)
    );
    let detect = Local {
        checksum: V3Checksum::Detect(MCAST_GROUP4),
        ..uni
    };
    assert_eq!(
        check(&oldp, &detect, &mut AhState::new()),
        Ok(Checked {
            interval_mismatch: false,
            old_unicast_checksum: true
        })
    );
    let configured_old = Local {
        checksum: V3Checksum::OldUnicast(MCAST_GROUP4),
        ..uni
    };
    assert!(check(&oldp, &configured_old, &mut AhState::new()).is_ok());
}

#[test]
fn round_trips() {
    let vips6 = [vip6(1), vip6(2), vip6(3)];
    let cases = [
        tx_v2(&VIPS2, Auth::Pass(KEY)),
        Tx {
            version: 3,
            adver_int: Micros::from_centis(4095),
            checksum: V3Checksum::AsV2,
            ..tx_v2(&VIPS2, Auth::None)
        },
        // VRRPv2 over IPv6 (keepalived allows it outside strict mode): no auth data.
        Tx {
            src: "fe80::1".parse().unwrap(),
            dst: IpAddr::V6(MCAST_GROUP6),
            vips: &vips6,
            ..tx_v2(&VIPS1, Auth::None)
        },
        Tx {
            priority: 0,
            vips: &[],
            ..tx_v2(&VIPS1, Auth::None)
        },
    ];
    for tx in cases {
        let b = out(&tx);
        let rx = match (tx.src, tx.dst) {
            (IpAddr::V6(src), IpAddr::V6(dst)) => Rx::V6 {
                src,
                dst,
                hop_limit: Some(255),
            },
            _ => Rx::V4,
        };
        let adv = parse(&b, rx).unwrap();
        assert_eq!(adv.version, tx.version);
        assert_eq!(adv.vrid, tx.vrid);
        assert_eq!(adv.priority, tx.priority);
        assert_eq!(adv.advert_int(), tx.adver_int);
        assert_eq!(adv.addrs().collect::<Vec<_>>(), tx.vips);
        assert_eq!(adv.addrs().len(), tx.vips.len());
        assert_eq!(adv.src, tx.src);
        assert_eq!(
            adv.auth_type,
            if tx.version == 2 {
                tx.auth.wire_type()
            } else {
                0
            }
        );
        assert!(adv.checksum_valid_with(tx.checksum));
        if let Auth::Pass(p) = tx.auth {
            assert_eq!(adv.auth_data, Some(&p[..]));
        }
    }
}

#[test]
fn emit_errors() {
    let tx = tx_v2(&VIPS2, Auth::Ah(KEY));
    let need = bytes(V2_AH).len();
    for n in 0..need {
        let mut b = vec![0u8; n];
        assert_eq!(emit(&tx, &mut b), Err(EmitError::BufferTooSmall { need }));
    }
    let many = [vip4(1); 256];
    assert_eq!(
        emit(&tx_v2(&many, Auth::None), &mut [0; MAX_ADVERT_LEN]),
        Err(EmitError::TooManyAddrs(256))
    );
    let mixed = [vip4(1), vip6(1)];
    assert_eq!(
        emit(&tx_v2(&mixed, Auth::None), &mut [0; MAX_ADVERT_LEN]),
        Err(EmitError::FamilyMismatch)
    );
    let v3 = Tx {
        version: 3,
        ..tx_v2(&VIPS1, Auth::Pass(KEY))
    };
    assert_eq!(
        emit(&v3, &mut [0; MAX_ADVERT_LEN]),
        Err(EmitError::AuthNotSupported)
    );
    // The largest advert fits MAX_ADVERT_LEN.
    let all6 = [vip6(1); 255];
    let big = Tx {
        version: 3,
        src: "fe80::1".parse().unwrap(),
        dst: IpAddr::V6(MCAST_GROUP6),
        vips: &all6,
        ..tx_v2(&VIPS1, Auth::None)
    };
    assert_eq!(emit(&big, &mut [0; MAX_ADVERT_LEN]), Ok(MAX_ADVERT_LEN));
}

#[test]
fn ip_id_is_never_zero() {
    let mut id = IpId(u16::MAX - 1);
    assert_eq!(id.advance(), u16::MAX);
    assert_eq!(id.advance(), 1);
}

#[test]
fn parse_check_and_emit_allocate_nothing() {
    let probe = Scope::new();
    drop(std::hint::black_box(vec![0u8; 16]));
    let counting = probe.allocs() > 0;

    let ah_bytes = bytes(V2_AH);
    let v6_bytes = bytes(V3_V6);
    let local = Local {
        auth: Auth::Ah(KEY),
        ..local_v2()
    };
    let v6_local = local_v3(Micros::from_secs(1));
    let tx = tx_v2(&VIPS2, Auth::Ah(KEY));
    let rx6 = rx6();
    let mut buf = [0u8; MAX_ADVERT_LEN];
    let mut st = AhState::new();

    let s = Scope::new();
    let adv = parse(&ah_bytes, Rx::V4).unwrap();
    let ok = check(&adv, &local, &mut st).is_ok();
    let n = adv.addrs().count();
    let adv6 = parse(&v6_bytes, rx6).unwrap();
    let ok6 = check(&adv6, &v6_local, &mut st).is_ok();
    let len = emit(&tx, &mut buf).unwrap_or(0);
    let allocs = s.allocs();

    assert!(ok && ok6 && n == 2 && len == ah_bytes.len());
    if counting {
        assert_eq!(allocs, 0);
    } else {
        println!("SKIPPED allocation count: this test binary has no counting allocator");
    }
}

#[test]
fn unicast_v3_and_unicast_ah_match_keepalived() {
    let uni = Tx {
        version: 3,
        vrid: 54,
        dst: IpAddr::V4(PEER4),
        unicast: true,
        ..tx_v2(&VIPS1, Auth::None)
    };
    assert_eq!(out(&uni), bytes(V3_UNICAST));
    let l3 = Local {
        unicast: true,
        checksum: V3Checksum::Detect(MCAST_GROUP4),
        ..local_v3(Micros::from_secs(1))
    };
    let b = bytes(V3_UNICAST);
    assert_eq!(
        check(&parse(&b, Rx::V4).unwrap(), &l3, &mut AhState::new()),
        Ok(Checked::default())
    );

    let ah = Tx {
        vrid: 55,
        priority: 255,
        dst: IpAddr::V4(PEER4),
        unicast: true,
        ..tx_v2(&VIPS1, Auth::Ah(KEY))
    };
    assert_eq!(out(&ah), bytes(V2_AH_UNICAST));
    let last = Tx {
        priority: 0,
        ip_id: 6,
        ah_seq: 6,
        ..ah
    };
    assert_eq!(out(&last), bytes(V2_AH_UNICAST_LAST));

    let lah = Local {
        unicast: true,
        auth: Auth::Ah(KEY),
        ..local_v2()
    };
    let mut st = AhState::new();
    for hex in [V2_AH_UNICAST, V2_AH_UNICAST_LAST] {
        let b = bytes(hex);
        assert!(check(&parse(&b, Rx::V4).unwrap(), &lah, &mut st).is_ok());
    }
    assert_eq!(st.seq(), 6);
}

#[test]
fn addresses_that_fit_an_mtu() {
    use crate::config::vrrp::Family;
    use crate::vrrp::packet::max_addrs;
    // (1500 - 14 - 20 - 8 - 8) / 4 = 362, capped at 255.
    assert_eq!(max_addrs(None, Family::V4, 2, false), 255);
    assert_eq!(
        max_addrs(Some(576), Family::V4, 2, true),
        (576 - 14 - 20 - 8 - 8 - 24) / 4
    );
    assert_eq!(
        max_addrs(Some(576), Family::V4, 3, true),
        (576 - 14 - 20 - 8) / 4
    );
    assert_eq!(
        max_addrs(None, Family::V6, 3, false),
        (1500 - 14 - 40 - 8) / 16
    );
    assert_eq!(max_addrs(Some(10), Family::V6, 3, false), 0);
}

/// The log line's words are the variant as written, with or without `-Zfmt-debug`.
#[test]
fn emit_errors_read_as_their_variants() {
    for e in [
        EmitError::BufferTooSmall { need: 60 },
        EmitError::TooManyAddrs(256),
        EmitError::FamilyMismatch,
        EmitError::AuthNotSupported,
    ] {
        assert_eq!(e.to_string(), format!("{e:?}"));
    }
}
