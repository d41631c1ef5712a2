//! Byte-level tests. Vectors marked "captured" were read from Linux 6.18 replies to
//! iproute2 6.1 (strace -e read=); the others follow include/uapi/linux/netlink.h.

use super::*;

/// Test helper: hex text (whitespace ignored) to bytes.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd hex length");
    digits
        .chunks(2)
        .map(|p| {
            let t = std::str::from_utf8(p).unwrap_or("zz");
            u8::from_str_radix(t, 16).unwrap_or_else(|_| panic!("bad hex {t}"))
        })
        .collect()
}

/// Captured: the kernel refusing an IPv6 address already present (EEXIST) with an
/// extended-ack message; the request is echoed in full (no NETLINK_CAP_ACK).
pub(crate) const EEXIST_REPLY: &str = "
    80000000 0200 0002 1e0a076b f55f0000
    efffffff
    48000000 1400 0506 1e0a076b 00000000 0a400000 03000000
    1400 0200 20010db8000000000000000000000010
    0800 0800 02020000
    1400 0100 20010db8000000000000000000000010
    2300 0100 697076363a206164647265737320616c72656164792061737369676e6564 00 00";

/// Captured: an acknowledgement (errno 0, request capped to its header).
const ACK_REPLY: &str = "24000000 0200 0001 1e0a076b f95f0000 00000000
    28000000 1400 0506 1e0a076b 00000000";

#[test]
fn alignment() {
    assert_eq!([0, 1, 3, 4, 5, 8].map(align), [0, 4, 4, 4, 8, 8]);
}

#[test]
fn header_and_fixed_part() {
    let mut buf = [0xAAu8; 64];
    let mut b = MsgBuilder::new(&mut buf, 22, NLM_F_REQUEST | NLM_F_DUMP, 7);
    b.put(&[10, 0, 0]); // 3 bytes: padded with a zero
    let m = b.finish().ok().unwrap_or_default();
    assert_eq!(m, hex("14000000 1600 0103 07000000 00000000 0a000000"));
}

#[test]
fn string_attributes_are_terminated_and_padded() {
    let mut buf = [0xAAu8; 64];
    let mut b = MsgBuilder::new(&mut buf, 16, 0, 1);
    b.attr_str(3, "va")
        .attr_str(3, "eth0")
        .attr_u8(9, 5)
        .attr_u16(10, 0x102);
    let m = b.finish().ok().unwrap_or_default();
    let attrs_hex = "0700 0300 766100 00   0900 0300 65746830 00 000000
                     0500 0900 05 000000   0600 0a00 0201 0000";
    assert_eq!(&m[16..], hex(attrs_hex));
    assert_eq!(m.len(), 16 + 8 + 12 + 8 + 8);
    let got: Vec<_> = attrs(&m[16..]).map(|a| a.ok()).collect();
    assert_eq!(got[0].and_then(|a| a.str()), Some("va"));
    assert_eq!(got[1].and_then(|a| a.str()), Some("eth0"));
    assert_eq!(got[2].and_then(|a| a.u8()), Some(5));
    assert_eq!(got[3].and_then(|a| a.u16()), Some(0x102));
}

#[test]
fn nested_attributes_round_trip() {
    let mut buf = [0u8; 128];
    let mut b = MsgBuilder::new(&mut buf, 16, 0, 1);
    let outer = b.nest_begin(18);
    b.attr_str(1, "veth");
    let inner = b.nest_begin(2);
    b.attr_u32(1, 42);
    b.nest_end(inner);
    b.nest_end(outer);
    b.attr_u32(4, 1500);
    let m = b.finish().ok().unwrap_or_default();
    let msg = messages(m).next().and_then(|r| r.ok());
    let Some(msg) = msg else { panic!("no message") };
    let top: Vec<_> = msg.attrs(0).into_iter().flatten().flatten().collect();
    assert_eq!(top.len(), 2);
    assert!(top[0].nested);
    assert_eq!(top[0].ty, 18);
    // outer = 4 + (4 + 8 "veth\0"+pad) + (4 + 8) = 28
    assert_eq!(top[0].payload.len(), 24);
    let kind = top[0].attrs().find(1).and_then(|a| a.str());
    assert_eq!(kind, Some("veth"));
    let data = top[0].attrs().find(2);
    assert_eq!(data.map(|a| a.nested), Some(true));
    assert_eq!(
        data.and_then(|d| d.attrs().find(1)).and_then(|a| a.u32()),
        Some(42)
    );
    assert_eq!(top[1].u32(), Some(1500));
}

#[test]
fn running_out_of_room_is_reported_once_at_finish() {
    let mut buf = [0u8; 24];
    let mut b = MsgBuilder::new(&mut buf, 16, 0, 1);
    b.attr_u32(1, 1); // 24 bytes: exactly full
    assert_eq!(b.len(), 24);
    b.attr_u32(2, 2);
    let n = b.nest_begin(3);
    b.nest_end(n);
    assert!(matches!(b.finish(), Err(Error::NoSpace)));

    let mut big = vec![0u8; 70_000];
    let payload = vec![1u8; 65_535];
    let mut b = MsgBuilder::new(&mut big, 16, 0, 1);
    b.attr(1, &payload); // an attribute length is 16 bits
    assert!(matches!(b.finish(), Err(Error::NoSpace)));
}

#[test]
fn datagram_with_several_messages() {
    let d = hex(concat!(
        "14000000 1000 0200 05000000 00000000 0a000000",
        "15000000 1000 0200 05000000 00000000 01000000 ff000000", // 21 bytes, padded to 24
        "14000000 0300 0200 05000000 00000000 00000000"
    ));
    let ms: Vec<_> = messages(&d).collect();
    assert_eq!(ms.len(), 3);
    let ms: Vec<Msg> = ms.into_iter().flatten().collect();
    assert_eq!(
        ms.iter().map(|m| m.ty).collect::<Vec<_>>(),
        [16, 16, NLMSG_DONE]
    );
    assert!(ms.iter().all(|m| m.flags == NLM_F_MULTI && m.seq == 5));
    assert_eq!(ms[1].payload, [1, 0, 0, 0, 0xff]);
}

#[test]
fn bad_lengths_stop_the_iterators() {
    for bad in [
        "0f000000 1000 0000 00000000 00000000",
        "40000000 1000 0000 00000000 00000000",
    ] {
        let d = hex(bad);
        let mut it = messages(&d);
        assert!(matches!(it.next(), Some(Err(Error::Malformed(_)))), "{bad}");
        assert!(it.next().is_none());
    }
    // An attribute claiming more than is left, after a good one.
    let a = hex("0800 0100 01000000 0c00 0200 0000");
    let got: Vec<_> = attrs(&a).collect();
    assert_eq!(got.len(), 2);
    assert!(got[0].is_ok() && got[1].is_err());
    // Fewer than 4 trailing bytes are padding, not an error.
    let a = hex("0500 0100 07 000000 0000");
    let got: Vec<_> = attrs(&a).collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_ref().ok().and_then(|a| a.u8()), Some(7));
    // Wrong-size payloads are not read as integers.
    let a = hex("0600 0100 0102 0000");
    let at = attrs(&a).find(1);
    assert_eq!(at.and_then(|a| a.u32()), None);
    assert_eq!(at.and_then(|a| a.u8()), None);
    assert_eq!(at.and_then(|a| a.ip()), None);
}

#[test]
fn captured_error_with_extended_ack() {
    let d = hex(EEXIST_REPLY);
    let Some(Ok(m)) = messages(&d).next() else {
        panic!("no message")
    };
    assert_eq!(m.ty, NLMSG_ERROR);
    let e = parse_error(&m).ok();
    assert_eq!(
        e,
        Some(ErrorMsg {
            errno: libc::EEXIST,
            orig_ty: 20,
            orig_seq: 0x6b07_0a1e,
            ext_msg: Some("ipv6: address already assigned"),
        })
    );
    let err = e.map(|e| e.into_result());
    let text = match err {
        Some(Err(e)) => {
            assert_eq!(e.errno(), Some(libc::EEXIST));
            e.to_string()
        }
        _ => panic!("expected a kernel error"),
    };
    assert!(text.contains("File exists"), "{text}");
    assert!(text.ends_with(": ipv6: address already assigned"), "{text}");
}

#[test]
fn captured_ack() {
    let d = hex(ACK_REPLY);
    let Some(Ok(m)) = messages(&d).next() else {
        panic!("no message")
    };
    assert_eq!(m.flags, NLM_F_CAPPED);
    let e = parse_error(&m).ok();
    assert_eq!(
        e.map(|e| (e.errno, e.orig_seq, e.ext_msg)),
        Some((0, 0x6b07_0a1e, None))
    );
    assert!(e.is_some_and(|e| e.into_result().is_ok()));
}

#[test]
fn capped_error_with_offset_and_message() {
    // What a socket with NETLINK_CAP_ACK gets: header only, then the attributes.
    let d = hex("34000000 0200 0003 09000000 01000000 eaffffff
         28000000 1400 0506 09000000 00000000
         0800 0200 18000000
         0800 0100 62616400");
    let Some(Ok(m)) = messages(&d).next() else {
        panic!("no message")
    };
    let e = parse_error(&m).ok();
    assert_eq!(
        e.map(|e| (e.errno, e.ext_msg)),
        Some((libc::EINVAL, Some("bad")))
    );
    let short = hex("14000000 0200 0000 09000000 01000000 eaffffff");
    let Some(Ok(m)) = messages(&short).next() else {
        panic!("no message")
    };
    assert!(matches!(parse_error(&m), Err(Error::Malformed(_))));
}

#[test]
fn sequence_numbers_skip_zero() {
    let mut s = SeqGen::new(u32::MAX - 1);
    assert_eq!([s.next(), s.next(), s.next()], [u32::MAX, 1, 2]);
}

#[test]
fn kernel_error_text_is_bounded() {
    let long = "x".repeat(500);
    let e = Error::kernel(libc::ENODEV, Some(&long));
    let t = e.to_string();
    assert!(t.starts_with("No such device"), "{t}");
    assert!(t.len() < 200);
}
