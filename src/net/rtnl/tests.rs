//! rtnetlink layouts against captured kernel messages (Linux 6.18, read with strace from
//! iproute2 6.1 in a scratch namespace: veth `va` at index 3) and iproute2's own requests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::net::netlink::tests::hex;
use crate::net::netlink::{messages, Msg, NLMSG_DONE};

/// Captured: RTM_NEWLINK for `va` (UP, RUNNING, LOWER_UP; mtu 1500; 06:be:56:87:f1:cb), with
/// statistics, nested IFLA_LINKINFO / IFLA_AF_SPEC and every other attribute a veth has.
const LINK_VA: &str = "
    64040000100000001e0a076bed5f000000000100030000004310010000000000070003007661000008000d00e8030000
    05001000060000000500110000000000050043000000000008000400dc050000080032004400000008003300ffff0000
    08001b000000000008001e000000000008003d000000000008001f000200000008002800ffff00000800290000000100
    08003a000000010008003f0000000100080040000000010008003b00f8ff070008003c00ffff00000800420000000000
    08002000020000000500210001000000080023000200000008002f000100000008003000010000000600440000000000
    060045000000000005002700000000000a00010006be5687f1cb00000a000200ffffffffffff0000cc0017000b000000
    000000000e000000000000006203000000000000e8040000000000000000000000000000000000000000000000000000
    000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000640007000b0000000e00000062030000e8040000000000000000000000000000000000000000000000000000
    000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000c002b0005000200000000001000120009000100766574680000000008000500020000000c000600
    6e6f717565756500c0011a008c0002008800010000000000000000000000000001000000010000000100000001000000
    000000000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    0000000000000000000000000000000000000000000000000000000010270000e8030000000000000000000000000000
    000000000100000030010a00080001001000008014000500ffff000043f50100bc6c0000e8030000f400020000000000
    40000000dc05000001000000010000000100000001000000ffffffffa00f0000e803000000000000803a090080510100
    0300000058020000100000000000000001000000010000000100000060ea000000000000000000000000000000000000
    000000000000000001000000000000000000000010270000e80300000100000000000000000000000100000000000000
    00000000010000000000000000000000000000000000000080ee36000000000000000000010000000000000000000000
    0000000000000000000000000004000000000000ffff0000ffffffff0100000000000000000000000000000014000700
    00000000000000000000000000000000050008000000000024000e000000000000000000000000000000000000000000
    00000000000000000000000004003e8004004180
";

/// Captured: dump reply for `ip -4 addr show dev va`: 192.0.2.10/24 brd 192.0.2.255 label va:vip.
const ADDR_V4: &str = "58000000 1400 0022 1f0a076b ed5f0000 02 18 80 00 03000000
    0800 0100 c000020a  0800 0200 c000020a  0800 0400 c00002ff  0b00 0300 76613a76697000 00
    0800 0800 80000000  1400 0600 ffffffff ffffffff f73e0200 f73e0200";

/// Captured: dump reply for `ip -6 addr show dev va`: 2001:db8::10/64 nodad noprefixroute,
/// fe80::4be:56ff:fe87:f1cb/64 scope link, then NLMSG_DONE.
const ADDR_V6: &str = "
    48000000 1400 0022 1f0a076b f15f0000 0a 40 82 00 03000000
    1400 0100 20010db8000000000000000000000010
    1400 0600 ffffffff ffffffff 47f50100 47f50100  0800 0800 82020000
    50000000 1400 0022 1f0a076b f15f0000 0a 40 80 fd 03000000
    1400 0100 fe80000000000000 04be56fffe87f1cb
    1400 0600 ffffffff ffffffff 43f50100 43f50100  0800 0800 80000000  0500 0b00 03 000000
    14000000 0300 0022 1f0a076b f15f0000 00000000";

fn first(d: &[u8]) -> Msg<'_> {
    match messages(d).next() {
        Some(Ok(m)) => m,
        other => panic!("no message: {other:?}"),
    }
}

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap_or(Ipv4Addr::UNSPECIFIED))
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap_or(Ipv6Addr::UNSPECIFIED))
}

#[test]
fn add_ipv4_matches_iproute2() {
    // ip addr add 192.0.2.10/24 brd 192.0.2.255 scope link label va:vip dev va
    let mut spec = AddrSpec::new(3, v4("192.0.2.10"), 24);
    spec.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
    spec.scope = RT_SCOPE_LINK;
    spec.label = Some("va:vip");
    let mut buf = [0u8; 256];
    let got = encode_addr(&mut buf, 0x6b07_0a1e, &spec, false)
        .ok()
        .unwrap_or_default();
    let want = hex("3c000000 1400 0506 1e0a076b 00000000 02 18 00 fd 03000000
         0800 0200 c000020a  0800 0400 c00002ff  0b00 0300 76613a76697000 00
         0800 0100 c000020a");
    assert_eq!(got, want);
}

#[test]
fn add_ipv6_matches_iproute2() {
    // ip addr add 2001:db8::10/64 dev va nodad noprefixroute; iproute2's request is the one
    // the kernel echoed in the captured EEXIST reply.
    let mut spec = AddrSpec::new(3, v6("2001:db8::10"), 64);
    spec.flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
    let mut buf = [0u8; 256];
    let got = encode_addr(&mut buf, 0x6b07_0a1e, &spec, false)
        .ok()
        .unwrap_or_default();
    let reply = hex(crate::net::netlink::tests::EEXIST_REPLY);
    assert_eq!(got, &reply[20..20 + 72]);
}

#[test]
fn delete_matches_iproute2() {
    // ip addr del 192.0.2.10/24 dev va (label and broadcast are not sent on delete)
    let mut spec = AddrSpec::new(3, v4("192.0.2.10"), 24);
    spec.label = Some("va:vip");
    spec.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
    let mut buf = [0u8; 256];
    let got = encode_addr(&mut buf, 9, &spec, true)
        .ok()
        .unwrap_or_default();
    let want = hex("28000000 1500 0500 09000000 00000000 02 18 00 00 03000000
         0800 0200 c000020a  0800 0100 c000020a");
    assert_eq!(got, want);
}

#[test]
fn small_flags_peer_and_lifetimes() {
    // A flag that fits the header byte stays there; a peer goes in IFA_ADDRESS; preferred 0
    // (keepalived's deprecated IPv6 VIP) with the valid lifetime left infinite.
    let mut spec = AddrSpec::new(7, v6("2001:db8::1"), 128);
    spec.flags = IFA_F_NODAD;
    spec.peer = Some(v6("2001:db8::2"));
    spec.preferred_lft = Some(0);
    let mut buf = [0u8; 256];
    let got = encode_addr(&mut buf, 1, &spec, false)
        .ok()
        .unwrap_or_default();
    let m = first(got);
    assert_eq!(&m.payload[..8], [10, 128, 2, 0, 7, 0, 0, 0]);
    let attrs = m.attrs(IFADDRMSG_LEN);
    let find = |t| attrs.clone().and_then(|a| a.find(t));
    assert_eq!(
        find(IFA_LOCAL).and_then(|a| a.ip()),
        Some(v6("2001:db8::1"))
    );
    assert_eq!(
        find(IFA_ADDRESS).and_then(|a| a.ip()),
        Some(v6("2001:db8::2"))
    );
    assert!(find(IFA_FLAGS).is_none());
    let ci = find(IFA_CACHEINFO)
        .map(|a| a.payload.to_vec())
        .unwrap_or_default();
    assert_eq!(ci, hex("00000000 ffffffff 00000000 00000000"));
}

#[test]
fn impossible_requests_are_refused_before_sending() {
    let mut buf = [0u8; 256];
    let spec = AddrSpec::new(3, v4("192.0.2.1"), 33);
    assert_eq!(
        encode_addr(&mut buf, 1, &spec, false)
            .err()
            .and_then(|e| e.errno()),
        Some(libc::EINVAL)
    );
    let mut spec = AddrSpec::new(3, v4("192.0.2.1"), 32);
    spec.peer = Some(v6("::1"));
    assert!(encode_addr(&mut buf, 1, &spec, false).is_err());
    let mut small = [0u8; 40];
    let spec = AddrSpec::new(3, v6("2001:db8::1"), 64);
    assert!(encode_addr(&mut small, 1, &spec, false).is_err());
}

#[test]
fn dump_requests() {
    let mut buf = [0u8; 64];
    let got = encode_link_dump(&mut buf, 5).ok().unwrap_or_default();
    let want = hex(
        "28000000 1200 0103 05000000 00000000 00000000 00000000 00000000 00000000
                    0800 1d00 08000000",
    );
    assert_eq!(got, want);
    let got = encode_addr_dump(&mut buf, 6).ok().unwrap_or_default();
    assert_eq!(
        got,
        hex("18000000 1600 0103 06000000 00000000 00000000 00000000")
    );
}

#[test]
fn captured_link() {
    let d = hex(LINK_VA);
    assert_eq!(d.len(), 1124);
    let m = first(&d);
    assert_eq!(m.ty, RTM_NEWLINK);
    let l = decode_link(&m).ok();
    let Some(l) = l else {
        panic!("link not decoded")
    };
    assert_eq!((l.ifindex, l.name.as_str(), l.mtu), (3, "va", 1500));
    assert_eq!(l.flags, 0x11043);
    assert!(l.is_up() && l.is_admin_up() && l.is_running());
    assert_eq!(
        l.hwaddr.map(|h| h.to_string()).unwrap_or_default(),
        "06:be:56:87:f1:cb"
    );
    // Every attribute, nested ones included, parses.
    let all: Vec<_> = m.attrs(IFINFOMSG_LEN).into_iter().flatten().collect();
    assert!(all.len() > 30 && all.iter().all(|a| a.is_ok()));
    for a in all.into_iter().flatten().filter(|a| a.nested) {
        assert!(a.attrs().all(|x| x.is_ok()), "nested attribute {}", a.ty);
    }
}

#[test]
fn captured_ipv4_address() {
    let d = hex(ADDR_V4);
    let a = decode_addr(&first(&d)).ok();
    let want = AddrInfo {
        ifindex: 3,
        addr: v4("192.0.2.10"),
        prefix: 24,
        peer: None,
        broadcast: Some(Ipv4Addr::new(192, 0, 2, 255)),
        scope: RT_SCOPE_UNIVERSE,
        flags: IFA_F_PERMANENT,
        label: Some(ifname("va:vip")),
    };
    assert_eq!(a, Some(want));
}

#[test]
fn captured_ipv6_addresses() {
    let d = hex(ADDR_V6);
    let ms: Vec<Msg> = messages(&d).flatten().collect();
    assert_eq!(
        ms.iter().map(|m| m.ty).collect::<Vec<_>>(),
        [RTM_NEWADDR, RTM_NEWADDR, NLMSG_DONE]
    );
    let a: Vec<_> = ms[..2].iter().filter_map(|m| decode_addr(m).ok()).collect();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].addr, a[0].prefix, a[0].scope),
        (v6("2001:db8::10"), 64, RT_SCOPE_UNIVERSE)
    );
    // The full flags come from IFA_FLAGS, not the header byte.
    assert_eq!(
        a[0].flags,
        IFA_F_PERMANENT | IFA_F_NODAD | IFA_F_NOPREFIXROUTE
    );
    assert_eq!(
        (a[1].addr, a[1].scope),
        (v6("fe80::4be:56ff:fe87:f1cb"), RT_SCOPE_LINK)
    );
    assert_eq!(a[1].label, None);
}

#[test]
fn events_from_captured_messages() {
    let mut d = hex(LINK_VA);
    let ev = |d: &[u8]| event_from(&first(d)).ok().flatten();
    let va = ifname("va");
    assert_eq!(
        ev(&d),
        Some(Event::LinkUp {
            ifindex: 3,
            name: va.clone()
        })
    );
    // ifi_flags is at byte 24: clear IFF_RUNNING (no carrier) -> down.
    d[24] &= !(IFF_RUNNING as u8);
    assert_eq!(
        ev(&d),
        Some(Event::LinkDown {
            ifindex: 3,
            name: va.clone()
        })
    );
    d[4] = RTM_DELLINK as u8;
    assert_eq!(
        ev(&d),
        Some(Event::LinkRemoved {
            ifindex: 3,
            name: va
        })
    );
    // The same link seen as a bridge port (ifi_family AF_BRIDGE) is not a second event.
    d[16] = libc::AF_BRIDGE as u8;
    assert_eq!(ev(&d), None);

    let mut d = hex(ADDR_V4);
    let added = Event::AddrAdded {
        ifindex: 3,
        addr: v4("192.0.2.10"),
        prefix: 24,
    };
    assert_eq!(ev(&d), Some(added));
    d[4] = RTM_DELADDR as u8;
    let removed = Event::AddrRemoved {
        ifindex: 3,
        addr: v4("192.0.2.10"),
        prefix: 24,
    };
    assert_eq!(ev(&d), Some(removed));
    // Other notifications (here NLMSG_DONE) are not events.
    let d = hex("14000000 0300 0000 00000000 00000000 00000000");
    assert_eq!(event_from(&first(&d)).ok(), Some(None));
    // A truncated address message is an error, not a panic.
    let d = hex("14000000 1400 0000 00000000 00000000 02180000");
    assert!(event_from(&first(&d)).is_err());
}

#[test]
fn names_and_indexes() {
    assert_eq!(if_nametoindex("lo"), Some(1));
    assert_eq!(if_indextoname(1).as_deref(), Some("lo"));
    for bad in ["", "a-name-far-too-long", "l\0o", "no-such-if-xyz"] {
        assert_eq!(if_nametoindex(bad), None, "{bad:?}");
    }
    assert_eq!(if_indextoname(0), None);
    assert_eq!(HwAddr::new(&[0; 33]), None);
    assert_eq!(
        HwAddr::new(&[1, 2, 0xab]).map(|h| h.to_string()).as_deref(),
        Some("01:02:ab")
    );
}

#[test]
fn a_malformed_attribute_after_the_name_keeps_the_link() {
    // A captured link with one attribute header near the end byte-swapped, as qemu-user leaves
    // types it does not know for a big-endian guest.
    let mut d = hex(LINK_VA);
    let base = d.as_ptr() as usize;
    let last = first(&d)
        .attrs(IFINFOMSG_LEN)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .last()
        .map(|a| a.payload.as_ptr() as usize - base - 4);
    let Some(at) = last else {
        panic!("no attributes")
    };
    d[at..at + 2].copy_from_slice(&0xff00u16.to_le_bytes());
    let m = first(&d);
    assert!(m
        .attrs(IFINFOMSG_LEN)
        .into_iter()
        .flatten()
        .any(|a| a.is_err()));
    let l = decode_link(&m).ok();
    assert_eq!(
        l.map(|l| (l.ifindex, l.name.to_string())),
        Some((3, "va".to_string()))
    );
    // Broken before the name: nothing usable.
    let mut d = hex(LINK_VA);
    d[16 + 16..16 + 16 + 2].copy_from_slice(&0xffffu16.to_le_bytes());
    assert!(decode_link(&first(&d)).is_err());
}

/// Rule log lines show the action as they always have, with or without `-Zfmt-debug`.
#[test]
fn rule_actions_read_as_their_variants() {
    use super::spec::RuleAction;
    for a in [
        RuleAction::Table(100),
        RuleAction::Goto(5),
        RuleAction::Nop,
        RuleAction::Blackhole,
        RuleAction::Unreachable,
        RuleAction::Prohibit,
        RuleAction::L3mdev,
    ] {
        assert_eq!(a.to_string(), format!("{a:?}"));
    }
}
