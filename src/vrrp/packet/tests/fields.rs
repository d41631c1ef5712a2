//! The named byte ranges read what the samples hold, and a refused packet names its VRID.

use super::samples::*;
use crate::vrrp::packet::ah::{self, AhHeader};
use crate::vrrp::packet::{header, ipv4, receive, DropReason, Refused, Rx};

#[test]
fn ipv4_view_reads_the_v2_sample() {
    let b = bytes(V2);
    let ip = ipv4::Header::new_checked(&b).unwrap();
    assert_eq!(ip.version(), 4);
    assert_eq!(ip.header_len(), ipv4::HEADER_LEN);
    assert_eq!(ip.total_len(), 40);
    assert_eq!(ip.ident(), 1);
    assert_eq!(ip.ttl(), 255);
    assert_eq!(ip.protocol(), 112);
    assert_eq!(ip.src(), SRC4);
    assert_eq!(ip.dst().octets(), [224, 0, 0, 18]);
    assert_eq!(ip.payload().len(), 20);
}

#[test]
fn ipv4_view_refuses_what_it_cannot_read() {
    let b = bytes(V2);
    for l in 0..ipv4::HEADER_LEN {
        assert!(ipv4::Header::new_checked(&b[..l]).is_err(), "cut at {l}");
    }
    let mut b = bytes(V2);
    b[ipv4::field::VER_IHL] = 0x4f;
    assert_eq!(
        ipv4::Header::new_checked(&b).err(),
        Some(DropReason::Truncated { len: 40, need: 60 })
    );
}

#[test]
fn vrrp_view_reads_both_versions() {
    let v2 = bytes(V2);
    let h = header::Header::new_checked(&v2[ipv4::HEADER_LEN..]).unwrap();
    let got = (h.version(), h.kind(), h.vrid(), h.priority(), h.count());
    assert_eq!(got, (2, 1, 51, 150, 1));
    assert_eq!((h.auth_type(), h.adver_int(), h.checksum()), (0, 1, 0x3abd));
    let v3 = bytes(V3);
    let h = header::Header::new_checked(&v3[ipv4::HEADER_LEN..]).unwrap();
    assert_eq!((h.version(), h.vrid(), h.max_adver_int()), (3, 52, 50));
    for l in 0..header::HDR_LEN {
        let vrrp = &v3[ipv4::HEADER_LEN..ipv4::HEADER_LEN + l];
        assert!(header::Header::new_checked(vrrp).is_err(), "cut at {l}");
    }
}

#[test]
fn ah_fields_round_trip() {
    let b = bytes(V2_AH);
    let ah = &b[ipv4::HEADER_LEN..ipv4::HEADER_LEN + ah::AH_LEN];
    let h = AhHeader::read(ah).unwrap();
    assert_eq!((h.next_header, h.payload_len, h.seq), (112, 4, 1));
    assert_eq!(h.spi, u32::from(SRC4));
    let mut out = [0xffu8; ah::AH_LEN];
    h.write(&mut out);
    assert_eq!(&out[..], ah);
}

#[test]
fn a_refused_length_names_the_vrid() {
    let b = bytes(V2);
    assert_eq!(
        receive(&b[..39], Rx::V4).err(),
        Some(Refused {
            reason: DropReason::LengthMismatch {
                len: 39,
                expected: 40
            },
            vrid: Some(51)
        })
    );
    let mut b = bytes(V2);
    b[3] = 41;
    assert_eq!(receive(&b, Rx::V4).err().and_then(|r| r.vrid), Some(51));
    let mut b = bytes(V3_V6);
    b[3] = 3;
    assert_eq!(receive(&b, rx6()).err().and_then(|r| r.vrid), Some(53));
    // Before the VRRP header there is no VRID to name.
    assert_eq!(
        receive(&bytes(V2)[..27], Rx::V4).err().and_then(|r| r.vrid),
        None
    );
}
