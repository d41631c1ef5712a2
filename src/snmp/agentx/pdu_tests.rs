use super::*;

/// net-snmp's subagent (keepalived 2.2.7 -x on x86_64) opening its session: host (little
/// endian) byte order, timeout 1, id 1.3.6.1.4.1.8072.3.2.10. From `strace -x` of the VRRP
/// child talking to Debian's snmpd 5.9.3.
pub(crate) const NETSNMP_OPEN: &[u8] = b"\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf5\x90\x6e\x56\x3c\x00\x00\x00\x01\x00\x00\x00\x05\x04\x00\x00\x01\x00\x00\x00\x88\x1f\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x0a\x00\x00\x00\x19\x00\x00\x00Net-SNMP AgentX sub-agent\x00\x00\x00";

/// snmpd's Get of KEEPALIVED-MIB::version.0 to that subagent: NON_DEFAULT_CONTEXT with an
/// empty context, one search range with a null end.
pub(crate) const SNMPD_GET_VERSION: &[u8] = b"\x01\x05\x08\x00\x05\x00\x00\x00\x4c\x00\x00\x00\x4d\x00\x00\x00\x28\x00\x00\x00\x00\x00\x00\x00\x07\x04\x00\x00\x01\x00\x00\x00\x72\x25\x00\x00\x64\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

/// keepalived's answer to it: net-snmp echoes NON_DEFAULT_CONTEXT and puts the empty
/// context before sysUpTime (RFC 2741's Response has no context field).
pub(crate) const KEEPALIVED_VERSION_RESPONSE: &[u8] = b"\x01\x12\x08\x00\x05\x00\x00\x00\x4c\x00\x00\x00\x4d\x00\x00\x00\x54\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x07\x04\x00\x00\x01\x00\x00\x00\x72\x25\x00\x00\x64\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00Keepalived v2.2.7 (01/16,2022)\x00\x00";

/// snmpd's answer to a Register: session 5, sysUpTime 0x228, no error.
const SNMPD_REGISTER_RESPONSE: &[u8] = b"\x01\x12\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\xf6\x90\x6e\x56\x28\x00\x00\x00\x28\x02\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x06\x04\x00\x00\x01\x00\x00\x00\x72\x25\x00\x00\x64\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00";

const VERSION_OID: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 1, 1, 0];

fn oid(v: &[u32]) -> Oid {
    let mut o = Oid::new();
    o.extend_from_slice(v).unwrap();
    o
}

#[test]
fn netsnmp_open_parses_in_its_host_byte_order() {
    let h = Header::parse(NETSNMP_OPEN).unwrap();
    assert_eq!(h.ty, Type::Open);
    assert!(!h.big_endian());
    assert_eq!(h.packet_id, 0x566e_90f5);
    assert_eq!(h.pdu_len(), NETSNMP_OPEN.len());
    let mut r = Reader::new(&NETSNMP_OPEN[HEADER_LEN..], false);
    assert_eq!(r.u8().unwrap(), 1);
    r.u8().unwrap();
    r.u16().unwrap();
    let mut id = Oid::new();
    assert!(!r.oid(&mut id).unwrap());
    assert_eq!(id.as_slice(), &[1, 3, 6, 1, 4, 1, 8072, 3, 2, 10]);
    assert_eq!(r.octets().unwrap(), b"Net-SNMP AgentX sub-agent");
    r.finish().unwrap();
}

#[test]
fn an_open_written_in_little_endian_is_netsnmps_bytes() {
    let h = Header::parse(NETSNMP_OPEN).unwrap();
    let mut buf = [0u8; 128];
    let mut w = Writer::new(&mut buf, &h).unwrap();
    w.put(&[1, 0, 0, 0]).unwrap();
    w.oid(&[1, 3, 6, 1, 4, 1, 8072, 3, 2, 10], false).unwrap();
    w.octets(b"Net-SNMP AgentX sub-agent").unwrap();
    let n = w.finish();
    assert_eq!(&buf[..n], NETSNMP_OPEN);
}

#[test]
fn snmpds_get_carries_an_empty_context_and_one_range() {
    let h = Header::parse(SNMPD_GET_VERSION).unwrap();
    assert_eq!(h.ty, Type::Get);
    let mut r = Reader::new(&SNMPD_GET_VERSION[HEADER_LEN..], h.big_endian());
    assert_eq!(r.context(&h).unwrap(), b"");
    let (mut a, mut b) = (Oid::new(), Oid::new());
    assert!(!r.range(&mut a, &mut b).unwrap());
    assert_eq!(a.as_slice(), VERSION_OID);
    assert!(b.is_empty());
    r.finish().unwrap();
}

#[test]
fn a_response_reads_its_error_and_uptime() {
    let h = Header::parse(SNMPD_REGISTER_RESPONSE).unwrap();
    assert_eq!((h.ty, h.session_id), (Type::Response, 5));
    let r = Response::parse(&h, &SNMPD_REGISTER_RESPONSE[HEADER_LEN..]).unwrap();
    assert_eq!((r.sys_uptime, r.error, r.index), (0x228, 0, 0));
}

#[test]
fn a_response_keeps_the_requests_ids_and_byte_order() {
    let req = Header::parse(SNMPD_GET_VERSION).unwrap();
    let mut buf = [0u8; 256];
    let mut w = start_response(&mut buf, &req, 0, 0).unwrap();
    w.varbind(
        VERSION_OID,
        &Value::OctetString(b"Keepalived v2.2.7 (01/16,2022)"),
    )
    .unwrap();
    let n = w.finish();
    // The same but for the context net-snmp adds: no flag, no 4 bytes, a shorter payload.
    let mut theirs = KEEPALIVED_VERSION_RESPONSE.to_vec();
    theirs[2] = 0;
    theirs.drain(20..24);
    theirs[16] -= 4;
    assert_eq!(&buf[..n], &theirs[..]);
}

#[test]
fn network_byte_order_is_honoured_on_receive() {
    let mut buf = [0u8; 64];
    let n = register(&mut buf, 7, 9, 127, &[1, 3, 6, 1, 4, 1, 9586, 100, 5]).unwrap();
    let h = Header::parse(&buf[..n]).unwrap();
    assert!(h.big_endian());
    assert_eq!((h.ty, h.session_id, h.packet_id), (Type::Register, 7, 9));
    // The prefix byte stands for 1.3.6.1.4: four sub-identifiers are left.
    assert_eq!(h.payload_len, 4 + 4 + 4 * 4);
    // The header's words in network order.
    assert_eq!(&buf[4..8], &[0, 0, 0, 7]);
    let mut r = Reader::new(&buf[HEADER_LEN..n], true);
    assert_eq!(r.u8().unwrap(), 0);
    assert_eq!(r.u8().unwrap(), 127);
    r.u16().unwrap();
    let mut root = Oid::new();
    r.oid(&mut root).unwrap();
    assert_eq!(root.as_slice(), &[1, 3, 6, 1, 4, 1, 9586, 100, 5]);
    r.finish().unwrap();
}

#[test]
fn bad_headers_are_typed_errors() {
    let mut b = NETSNMP_OPEN.to_vec();
    b[0] = 2;
    assert_eq!(Header::parse(&b), Err(Error::Version(2)));
    b[0] = 1;
    for t in [0u8, 19, 255] {
        b[1] = t;
        assert_eq!(Header::parse(&b), Err(Error::Type(t)));
    }
    b[1] = 1;
    b[16] = 0x3d;
    assert_eq!(Header::parse(&b), Err(Error::PayloadLength(0x3d)));
    for n in 0..HEADER_LEN {
        assert_eq!(Header::parse(&NETSNMP_OPEN[..n]), Err(Error::Truncated));
    }
}

#[test]
fn frame_len_waits_for_the_header_and_bounds_the_payload() {
    assert_eq!(frame_len(&NETSNMP_OPEN[..19], 1024), Ok(None));
    assert_eq!(frame_len(&NETSNMP_OPEN[..20], 1024), Ok(Some(80)));
    assert_eq!(frame_len(NETSNMP_OPEN, 79), Err(Error::PayloadLength(0x3c)));
}

#[test]
fn every_truncation_of_a_payload_is_an_error() {
    let payload = &SNMPD_GET_VERSION[HEADER_LEN..];
    let h = Header::parse(SNMPD_GET_VERSION).unwrap();
    for n in 0..payload.len() {
        let mut r = Reader::new(&payload[..n], false);
        let (mut a, mut b) = (Oid::new(), Oid::new());
        let res = r
            .context(&h)
            .and_then(|_| r.range(&mut a, &mut b).map(|_| ()));
        assert!(res.is_err(), "{n} bytes read as a whole range");
    }
    let open = &NETSNMP_OPEN[HEADER_LEN..];
    for n in 0..open.len() {
        let mut r = Reader::new(&open[..n], false);
        let mut id = Oid::new();
        let res = r
            .u32()
            .and_then(|_| r.oid(&mut id))
            .and_then(|_| r.octets());
        assert!(res.is_err(), "{n} bytes read as a whole Open");
    }
}

#[test]
fn oids_take_the_internet_prefix_only_where_it_fits() {
    let mut buf = [0u8; 1024];
    let h = our_header(Type::Ping, 0, 0);
    for o in [
        &[1u32, 3, 6, 1, 4, 1, 9586][..],
        &[1, 3, 6, 1],
        &[1, 3, 6, 1, 256, 7],
        &[1, 3, 6, 2, 4],
        &[],
        &[0, 0],
    ] {
        let mut w = Writer::new(&mut buf, &h).unwrap();
        w.oid(o, true).unwrap();
        let n = w.len();
        let prefixed = matches!(o, [1, 3, 6, 1, p, ..] if (1..=255).contains(p));
        assert_eq!(buf[HEADER_LEN + 1] != 0, prefixed, "{o:?}");
        let mut r = Reader::new(&buf[HEADER_LEN..n], true);
        let mut back = Oid::new();
        assert!(r.oid(&mut back).unwrap());
        assert_eq!(back.as_slice(), o);
        r.finish().unwrap();
    }
}

#[test]
fn oids_longer_than_128_are_refused_both_ways() {
    let mut buf = [0u8; 1024];
    let h = our_header(Type::Ping, 0, 0);
    let long = [2u32; OID_MAX + 1];
    let mut w = Writer::new(&mut buf, &h).unwrap();
    assert_eq!(w.oid(&long, false), Err(Error::OidTooLong));
    // 124 sub-identifiers after the prefix make 129.
    let mut wire = vec![124u8, 4, 0, 0];
    wire.extend(std::iter::repeat_n([0u8, 0, 0, 1], 124).flatten());
    let mut o = Oid::new();
    assert_eq!(Reader::new(&wire, true).oid(&mut o), Err(Error::OidTooLong));
    wire[0] = 123;
    wire.truncate(4 + 123 * 4);
    Reader::new(&wire, true).oid(&mut o).unwrap();
    assert_eq!(o.len(), OID_MAX);
}

#[test]
fn octet_strings_are_padded_to_four() {
    let mut buf = [0xffu8; 64];
    let h = our_header(Type::Ping, 0, 0);
    for (s, wire) in [(&b""[..], 4), (b"a", 8), (b"abcd", 8), (b"abcde", 12)] {
        let mut w = Writer::new(&mut buf, &h).unwrap();
        w.octets(s).unwrap();
        assert_eq!(w.len() - HEADER_LEN, wire);
        let pad = &buf[HEADER_LEN + 4 + s.len()..HEADER_LEN + wire];
        assert!(pad.iter().all(|&b| b == 0));
        let mut r = Reader::new(&buf[HEADER_LEN..HEADER_LEN + wire], true);
        assert_eq!(r.octets().unwrap(), s);
        r.finish().unwrap();
    }
    // A length running past the payload, or near usize::MAX.
    assert_eq!(
        Reader::new(&[0, 0, 0, 5, b'a'], true).octets(),
        Err(Error::Truncated)
    );
    assert_eq!(
        Reader::new(&[0xff; 4], true).octets(),
        Err(Error::Truncated)
    );
}

#[test]
fn varbinds_of_every_type_read_back() {
    let sub = [1u32, 3, 6, 1, 4, 1, 9586];
    let values = [
        Value::Integer(-2),
        Value::OctetString(b"lab_r1"),
        Value::Null,
        Value::ObjectId(&sub),
        Value::IpAddress([127, 0, 0, 1]),
        Value::Counter32(7),
        Value::Gauge32(2525),
        Value::TimeTicks(100),
        Value::Counter64(0x1_0000_0002),
    ];
    for be in [true, false] {
        for v in values {
            let mut buf = [0u8; 256];
            let mut h = our_header(Type::Response, 0, 0);
            if !be {
                h.flags = 0;
            }
            let mut w = Writer::new(&mut buf, &h).unwrap();
            w.varbind(VERSION_OID, &v).unwrap();
            let n = w.finish();
            let mut r = Reader::new(&buf[HEADER_LEN..n], be);
            let mut name = Oid::new();
            let vb = r.varbind(&mut name).unwrap();
            r.finish().unwrap();
            assert_eq!(name.as_slice(), VERSION_OID);
            match v {
                Value::Integer(i) => assert_eq!(vb.number(), Some(u64::from(i as u32))),
                Value::Counter32(x) | Value::Gauge32(x) | Value::TimeTicks(x) => {
                    assert_eq!(vb.number(), Some(u64::from(x)))
                }
                Value::Counter64(x) => assert_eq!(vb.number(), Some(x)),
                Value::OctetString(s) => assert_eq!(vb.data, s),
                Value::IpAddress(a) => assert_eq!(vb.data, a),
                Value::ObjectId(o) => {
                    let mut back = Oid::new();
                    vb.oid(&mut back).unwrap();
                    assert_eq!(back.as_slice(), o);
                }
                Value::Null => assert_eq!((vb.ty, vb.data), (vtype::NULL, &[][..])),
            }
        }
    }
}

#[test]
fn counter64_sends_its_high_word_first_in_network_order() {
    let mut buf = [0u8; 64];
    let mut w = Writer::new(&mut buf, &our_header(Type::Response, 0, 0)).unwrap();
    w.u64(0x0102_0304_0506_0708).unwrap();
    assert_eq!(&buf[HEADER_LEN..HEADER_LEN + 8], &[1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn malformed_varbinds_are_typed_errors() {
    let mut name = Oid::new();
    // An unknown type.
    let wire = [0, 3, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        Reader::new(&wire, true).varbind(&mut name),
        Err(Error::VarBindType(3))
    );
    // An IpAddress of 5 bytes.
    let wire = [0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0];
    assert_eq!(
        Reader::new(&wire, true).varbind(&mut name),
        Err(Error::VarBindType(64))
    );
    // An Integer cut short.
    let wire = [0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        Reader::new(&wire, true).varbind(&mut name),
        Err(Error::Truncated)
    );
}

#[test]
fn writing_past_the_buffer_is_no_room_not_a_panic() {
    let mut buf = [0u8; 40];
    let n = open(&mut buf, 1, &[1, 3, 6, 1, 4, 1, 9586, 100, 5], b"x");
    assert_eq!(n, Err(Error::NoRoom));
    let mut small = [0u8; 10];
    assert!(Writer::new(&mut small, &our_header(Type::Ping, 0, 0)).is_err());
    let mut buf = [0u8; 24];
    let n = ping(&mut buf, 3, 4).unwrap();
    assert_eq!(n, HEADER_LEN);
    assert_eq!(Header::parse(&buf[..n]).unwrap().payload_len, 0);
}

#[test]
fn our_pdus_parse_back() {
    let mut buf = [0u8; 256];
    let n = close(&mut buf, 5, 6, CloseReason::Shutdown).unwrap();
    let h = Header::parse(&buf[..n]).unwrap();
    assert_eq!((h.ty, h.pdu_len()), (Type::Close, n));
    assert_eq!(buf[HEADER_LEN], 5);
    let trap = [1u32, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 0, 1];
    let vbs = [(
        &[1u32, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0][..],
        Value::ObjectId(&trap),
    )];
    let n = notify(&mut buf, 5, 7, &vbs).unwrap();
    let h = Header::parse(&buf[..n]).unwrap();
    assert_eq!(h.ty, Type::Notify);
    let mut r = Reader::new(&buf[HEADER_LEN..n], true);
    let mut name = Oid::new();
    let vb = r.varbind(&mut name).unwrap();
    let mut o = Oid::new();
    vb.oid(&mut o).unwrap();
    assert_eq!(o.as_slice(), &trap);
    r.finish().unwrap();
    let n = open(&mut buf, 1, &[1, 3, 6, 1, 4, 1, 9586, 100, 5], b"ka").unwrap();
    assert_eq!(Header::parse(&buf[..n]).unwrap().pdu_len(), n);
    let _ = oid(&[]);
}

/// The log line's words are the variant as written, with or without `-Zfmt-debug`.
#[test]
fn errors_read_as_their_variants() {
    for e in [
        Error::Truncated,
        Error::Version(2),
        Error::Type(19),
        Error::PayloadLength(7),
        Error::OidTooLong,
        Error::VarBindType(9),
        Error::Trailing,
        Error::NoRoom,
    ] {
        assert_eq!(e.to_string(), format!("{e:?}"));
    }
}
