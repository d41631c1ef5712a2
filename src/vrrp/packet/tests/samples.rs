//! First adverts of the shared captures of keepalived 2.2.7 (Ethernet header removed; for
//! IPv6 the IPv6 header too, as a raw socket delivers them), so unit tests need no files.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::core::time::Micros;
use crate::vrrp::auth::Auth;
use crate::vrrp::packet::{Local, Rx, V3Checksum, MCAST_GROUP6};

/// v2, 192.168.77.1 → 224.0.0.18, VRID 51, priority 150, 1 s, VIP 192.168.77.100.
pub const V2: &str =
    "45c0002800010000ff70cce8c0a84d01e00000122133960100013abdc0a84d640000000000000000";
/// The same with `auth_type PASS`, `auth_pass secret12`.
pub const V2_PASS: &str =
    "45c0002800010000ff70cce8c0a84d01e0000012213396010101cc3ec0a84d647365637265743132";
/// `auth_type AH`, `auth_pass secret12`, VIPs .100 and .101, sequence 1.
pub const V2_AH: &str = "45c0004400010000ff33cd09c0a84d01e000001270040000c0a84d010000000122b3b635903d4463fc9919ac2133960202012aaec0a84d64c0a84d650000000000000000";
/// Unicast to 192.168.77.2.
pub const V2_UNICAST: &str =
    "45c0002800010000ff709f50c0a84d01c0a84d022133960100013abdc0a84d640000000000000000";
/// v3, VRID 52, priority 200, 50 cs, VIPs .100 .101 .102.
pub const V3: &str =
    "45c0002800010000ff70cce8c0a84d01e00000123134c8030032ee2ac0a84d64c0a84d65c0a84d66";
/// v3 over IPv6 from fe80::ff:fe00:1 to ff02::12, VRID 53, priority 120, 100 cs.
pub const V3_V6: &str =
    "3135780200645d32fd000000000000000000000000000100fd000000000000000000000000000101";

pub const KEY: [u8; 8] = *b"secret12";
pub const SRC4: Ipv4Addr = Ipv4Addr::new(192, 168, 77, 1);
pub const PEER4: Ipv4Addr = Ipv4Addr::new(192, 168, 77, 2);

pub fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

pub fn rx6() -> Rx {
    Rx::V6 {
        src: "fe80::ff:fe00:1".parse().unwrap(),
        dst: MCAST_GROUP6,
        hop_limit: Some(255),
    }
}

pub fn vip4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 168, 77, last))
}

pub fn vip6(last: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, last))
}

/// A multicast v2 instance without authentication, 1 s interval.
pub fn local_v2() -> Local<'static> {
    Local {
        version: 2,
        auth: Auth::None,
        adver_int: Micros::from_secs(1),
        unicast: false,
        checksum: V3Checksum::Standard,
        backup: true,
        owner_ignores: false,
        unicast_src_check: None,
    }
}

pub fn local_v3(adver_int: Micros) -> Local<'static> {
    Local {
        version: 3,
        adver_int,
        ..local_v2()
    }
}

/// Recorded the same way (keepalived 2.2.7 in a network namespace) for paths the shared
/// captures lack. VRRPv3 unicast from 192.168.77.1 to 192.168.77.2 (second peer .3), VRID 54,
/// priority 150, 100 cs, VIP .100: the pseudo-header holds the peer.
pub const V3_UNICAST: &str = "45c0002000010000ff709f58c0a84d01c0a84d023136960100640e86c0a84d64";
/// VRRPv2 AH unicast to 192.168.77.2, VRID 55, priority 255, `auth_pass secret12`, VIP .100:
/// first advert (sequence 1) and the priority-0 one at shutdown (sequence 6).
pub const V2_AH_UNICAST: &str = "45c0004000010000ff339f75c0a84d01c0a84d0270040000c0a84d0100000001306ea7a5cffa67e6733827522137ff010201cfb8c0a84d640000000000000000";
pub const V2_AH_UNICAST_LAST: &str = "45c0004000060000ff339f70c0a84d01c0a84d0270040000c0a84d0100000006beb147e19daa186ea87feb84213700010201ceb9c0a84d640000000000000000";
