//! The frames must equal keepalived 2.2.7's, taken from the shared captures.

use super::*;
use std::path::PathBuf;

/// The shared test data: `$KEEPALIVED_SHARED`, else `../shared` beside the crate.
fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("KEEPALIVED_SHARED") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    dir.is_dir().then_some(dir)
}

fn u32_at(b: &[u8], at: usize, le: bool) -> Option<u32> {
    let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(w)
    } else {
        u32::from_be_bytes(w)
    })
}

/// The link-layer frames of a classic pcap or a pcapng file (the captures are pcapng).
fn frames(file: &[u8]) -> Option<Vec<Vec<u8>>> {
    let magic = u32_at(file, 0, true)?;
    let mut out = Vec::new();
    if magic == 0x0a0d_0d0a {
        // pcapng: blocks of (type, total length, body, total length); byte order from the SHB.
        let le = u32_at(file, 8, true)? == 0x1a2b_3c4d;
        let mut at = 0;
        while at + 12 <= file.len() {
            let kind = u32_at(file, at, le)?;
            let len = u32_at(file, at + 4, le)? as usize;
            if len < 12 || at + len > file.len() {
                return None;
            }
            // Enhanced packet block: interface, timestamp (2 words), captured and original length.
            if kind == 6 {
                let cap = u32_at(file, at + 20, le)? as usize;
                out.push(file.get(at + 28..at + 28 + cap)?.to_vec());
            }
            at += len;
        }
        return Some(out);
    }
    let le = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        _ => return None,
    };
    let mut at = 24;
    while at + 16 <= file.len() {
        let cap = u32_at(file, at + 8, le)? as usize;
        out.push(file.get(at + 16..at + 16 + cap)?.to_vec());
        at += 16 + cap;
    }
    Some(out)
}

/// Frames of `name` in the shared captures, or None (SKIPPED) when the data is not here.
fn capture(name: &str) -> Option<Vec<Vec<u8>>> {
    let Some(dir) = shared_dir() else {
        eprintln!("SKIPPED: shared captures not found (set KEEPALIVED_SHARED)");
        return None;
    };
    let path = dir.join("captures").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(frames(&bytes).unwrap_or_else(|| panic!("{}: not a pcap file", path.display())))
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

#[test]
fn pcap_reader_reads_classic_files() {
    let mut file = Vec::new();
    file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    file.extend_from_slice(&[0; 20]);
    for frame in [&[1u8, 2, 3][..], &[4, 5][..]] {
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        file.extend_from_slice(frame);
    }
    assert_eq!(frames(&file), Some(vec![vec![1, 2, 3], vec![4, 5]]));
    assert_eq!(frames(b"nonsense"), None);
}
