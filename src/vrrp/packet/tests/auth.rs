//! Authentication drops: auth type, PASS password, AH presence, ICV, SPI and replay.

use super::drops::receive;
use super::samples::*;
use crate::vrrp::auth::{AhState, Auth};
use crate::vrrp::packet::ah::{self, AH_LEN};
use crate::vrrp::packet::{check, parse, DropReason, Local, Rx};

#[test]
fn auth_type_and_password() {
    let mut b = bytes(V2);
    b[24] = 3;
    assert_eq!(
        receive(&b, Rx::V4, &local_v2()),
        Err(DropReason::InvalidAuthType(3))
    );
    assert_eq!(
        receive(&bytes(V2_PASS), Rx::V4, &local_v2()),
        Err(DropReason::AuthTypeMismatch { got: 1, want: 0 })
    );
    let pass = Local {
        auth: Auth::Pass(KEY),
        ..local_v2()
    };
    assert_eq!(
        receive(&bytes(V2), Rx::V4, &pass),
        Err(DropReason::AuthTypeMismatch { got: 0, want: 1 })
    );
    let wrong = Local {
        auth: Auth::Pass(*b"secret13"),
        ..local_v2()
    };
    assert_eq!(
        receive(&bytes(V2_PASS), Rx::V4, &wrong),
        Err(DropReason::BadPassword)
    );
}

fn local_ah() -> Local<'static> {
    Local {
        auth: Auth::Ah(KEY),
        ..local_v2()
    }
}

#[test]
fn ah_must_be_present_exactly_when_configured() {
    assert_eq!(
        receive(&bytes(V2_AH), Rx::V4, &local_v2()),
        Err(DropReason::AhPresence { has_ah: true })
    );
    assert_eq!(
        receive(&bytes(V2), Rx::V4, &local_ah()),
        Err(DropReason::AhPresence { has_ah: false })
    );
    let mut b = bytes(V2_AH);
    b[20] = 6;
    assert_eq!(parse(&b, Rx::V4).err(), Some(DropReason::AhNotVrrp(6)));
}

#[test]
fn ah_icv_covers_key_and_packet_but_not_mutable_fields() {
    let wrong = Local {
        auth: Auth::Ah(*b"secret13"),
        ..local_v2()
    };
    assert_eq!(
        receive(&bytes(V2_AH), Rx::V4, &wrong),
        Err(DropReason::BadIcv)
    );
    // Priority is covered (and so is the checksum we leave as it was).
    let mut b = bytes(V2_AH);
    b[46] = 200;
    assert_eq!(receive(&b, Rx::V4, &local_ah()), Err(DropReason::BadIcv));
    // TOS, fragment offset and the IP checksum are not.
    let mut b = bytes(V2_AH);
    b[1] = 0;
    b[6] = 0x40;
    b[10] = 0;
    assert!(receive(&b, Rx::V4, &local_ah()).is_ok());
    // A multicast sender hashes its TTL; a unicast receiver zeroes it, so they disagree.
    let uni = Local {
        unicast: true,
        ..local_ah()
    };
    let b = bytes(V2_AH);
    let adv = parse(&b, Rx::V4).unwrap();
    assert_eq!(
        check(&adv, &uni, &mut AhState::new()),
        Err(DropReason::BadIcv)
    );
    let mut st = AhState::new();
    let _ = check(&adv, &uni, &mut st);
    assert_eq!(st.seq(), 0, "the ICV failed before the sequence was taken");
}

#[test]
fn ah_spi_must_be_the_source() {
    let mut b = bytes(V2_AH);
    b[24..28].copy_from_slice(&[10, 0, 0, 1]);
    // Re-sign so only the SPI is wrong.
    let (ip, rest) = b.split_at_mut(20);
    let (ahb, vrrp) = rest.split_at_mut(AH_LEN);
    let ahb: &mut [u8; AH_LEN] = ahb.try_into().unwrap();
    let icv = ah::icv(&KEY, ip, ahb, vrrp, false).unwrap();
    ahb[12..].copy_from_slice(&icv);
    assert_eq!(
        receive(&b, Rx::V4, &local_ah()),
        Err(DropReason::BadSpi { spi: 0x0a00_0001 })
    );
}

#[test]
fn ah_replay_is_refused() {
    let b = bytes(V2_AH);
    let adv = parse(&b, Rx::V4).unwrap();
    let mut st = AhState::new();
    assert!(check(&adv, &local_ah(), &mut st).is_ok());
    assert_eq!(st.seq(), 1);
    assert_eq!(
        check(&adv, &local_ah(), &mut st),
        Err(DropReason::Replay { seq: 1, last: 1 })
    );
}
