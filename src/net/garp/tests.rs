//! The frames must equal keepalived 2.2.7's, taken from the shared captures.

use super::*;

/// Frames of `name` in the shared captures, or None (SKIPPED) when the data is not here.
fn capture(name: &str) -> Option<Vec<Vec<u8>>> {
    let bytes = crate::testdata::pcap::capture(name)?;
    Some(
        crate::testdata::pcap::frames(&bytes)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect(),
    )
}

/// ARP with sender IP equal to target IP: the kernel's own resolution requests are not gratuitous.
fn is_garp(f: &[u8]) -> bool {
    f.len() >= GARP_FRAME_LEN && f[12..14] == ETHERTYPE_ARP.to_be_bytes() && f[28..32] == f[38..42]
}

fn is_na(f: &[u8]) -> bool {
    f.len() >= NA_FRAME_LEN
        && f[12..14] == ETHERTYPE_IPV6.to_be_bytes()
        && f[ETH_HLEN + 6] == IPPROTO_ICMPV6
        && f[ETH_HLEN + 40] == ND_NEIGHBOR_ADVERT
}

fn mac_of(f: &[u8]) -> Mac {
    let mut m = [0; 6];
    m.copy_from_slice(&f[6..12]);
    m
}

#[test]
fn garp_is_byte_for_byte_keepalived_s() {
    for name in ["v2_ipv4.pcap", "v3_ipv4.pcap", "v2_ipv4_unicast.pcap"] {
        let Some(frames) = capture(name) else { return };
        let garps: Vec<_> = frames.iter().filter(|f| is_garp(f)).collect();
        assert!(
            !garps.is_empty(),
            "{name}: no gratuitous ARP in the capture"
        );
        for f in garps {
            let a = &f[ETH_HLEN..];
            let vip = Ipv4Addr::new(a[14], a[15], a[16], a[17]);
            let mut buf = [0; GARP_FRAME_LEN];
            let ours = build_garp(&mut buf, mac_of(f), vip);
            assert_eq!(ours, &f[..GARP_FRAME_LEN], "{name}: GARP for {vip}");
        }
    }
}

#[test]
fn unsolicited_na_is_byte_for_byte_keepalived_s() {
    let Some(frames) = capture("v3_ipv6.pcap") else {
        return;
    };
    let nas: Vec<_> = frames.iter().filter(|f| is_na(f)).collect();
    assert!(nas.len() >= 2, "no neighbour advertisements in the capture");
    for f in nas {
        let mut vip = [0u8; 16];
        vip.copy_from_slice(&f[ETH_HLEN + 8..ETH_HLEN + 24]);
        let vip = Ipv6Addr::from(vip);
        let router = f[ETH_HLEN + 44] & NA_FLAG_ROUTER != 0;
        let mut buf = [0; NA_FRAME_LEN];
        let ours = build_unsolicited_na(&mut buf, mac_of(f), vip, router);
        assert_eq!(ours, &f[..NA_FRAME_LEN], "NA for {vip}");
    }
}

#[test]
fn na_router_flag_changes_only_flags_and_checksum() {
    let mac = [2, 0, 0, 0, 0, 1];
    let vip: Ipv6Addr = "fd00::100".parse().unwrap();
    let mut a = [0; NA_FRAME_LEN];
    let mut b = [0; NA_FRAME_LEN];
    build_unsolicited_na(&mut a, mac, vip, false);
    build_unsolicited_na(&mut b, mac, vip, true);
    let differ: Vec<usize> = (0..NA_FRAME_LEN).filter(|&i| a[i] != b[i]).collect();
    assert_eq!(differ, vec![56, 57, 58]);
    assert_eq!(b[58], NA_FLAG_ROUTER | NA_FLAG_OVERRIDE);
    // A correct checksum sums the message with the pseudo-header to zero.
    assert_eq!(icmpv6_checksum(vip, ALL_NODES, &b[ETH_HLEN + 40..]), 0);
}

#[test]
fn garp_fields() {
    let mut buf = [0; GARP_FRAME_LEN];
    let f = build_garp(&mut buf, [2, 0, 0, 0, 0, 9], Ipv4Addr::new(10, 0, 0, 1));
    assert_eq!(&f[0..6], &[0xff; 6]);
    assert_eq!(&f[6..12], &[2, 0, 0, 0, 0, 9]);
    assert_eq!(&f[20..22], &[0, 1], "op request");
    assert_eq!(&f[32..38], &[0xff; 6], "target MAC broadcast");
    assert_eq!(&f[28..32], &f[38..42], "sender IP is target IP");
}
