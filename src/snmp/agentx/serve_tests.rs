use super::*;
use crate::snmp::agentx::pdu::{our_header, HEADER_LEN, NON_DEFAULT_CONTEXT};
use crate::snmp::agentx::testmib::Table;
use crate::snmp::mib::{Value, KEEPALIVED};

const GLOBAL: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 1];
const OTHER: &[u32] = &[1, 3, 6, 1, 2, 1, 68];

fn global() -> Table {
    Table::new(
        GLOBAL,
        &[
            (
                &[1, 0],
                Value::OctetString(b"Keepalived v2.2.7 (01/16,2022)"),
            ),
            (&[2, 0], Value::OctetString(b"lab_r1")),
            (&[3, 5, 1, 2, 1], Value::OctetString(b"root@example.com")),
            (&[3, 5, 1, 2, 2], Value::OctetString(b"ops@example.org")),
            (&[3, 6, 0], Value::Gauge32(2525)),
        ],
    )
}

fn other() -> Table {
    Table::new(OTHER, &[(&[1, 1, 0], Value::Integer(2))])
}

fn o(tail: &[u32]) -> Vec<u32> {
    [GLOBAL, tail].concat()
}

/// A request from the master: `ranges` are (start, include, end).
fn request(
    ty: Type,
    bulk: Option<(u16, u16)>,
    ctx: Option<&[u8]>,
    ranges: &[(&[u32], bool, &[u32])],
) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut h = our_header(ty, 5, 77);
    h.transaction_id = 9;
    if ctx.is_some() {
        h.flags |= NON_DEFAULT_CONTEXT;
    }
    let mut w = Writer::new(&mut buf, &h).unwrap();
    if let Some(c) = ctx {
        w.octets(c).unwrap();
    }
    if let Some((n, m)) = bulk {
        w.u16(n).unwrap();
        w.u16(m).unwrap();
    }
    for (s, inc, e) in ranges {
        w.oid(s, *inc).unwrap();
        w.oid(e, false).unwrap();
    }
    let n = w.finish();
    buf.truncate(n);
    buf
}

#[derive(Debug, PartialEq)]
struct Answer {
    error: u16,
    index: u16,
    vbs: Vec<(Vec<u32>, u16, Vec<u8>)>,
}

fn serve_into(req: &[u8], mibs: &[&dyn Mib], out: &mut [u8]) -> Option<Answer> {
    let h = Header::parse(req).unwrap();
    let mut space = Space::new();
    let n = answer(&h, &req[HEADER_LEN..], mibs, &mut space, out).unwrap()?;
    let rh = Header::parse(&out[..n]).unwrap();
    assert_eq!(
        (
            rh.ty,
            rh.session_id,
            rh.transaction_id,
            rh.packet_id,
            rh.pdu_len()
        ),
        (Type::Response, 5, 9, 77, n)
    );
    let mut r = Reader::new(&out[HEADER_LEN..n], rh.big_endian());
    r.u32().unwrap();
    let (error, index) = (r.u16().unwrap(), r.u16().unwrap());
    let mut vbs = Vec::new();
    while !r.is_empty() {
        let mut name = Oid::new();
        let vb = r.varbind(&mut name).unwrap();
        vbs.push((name.to_vec(), vb.ty, vb.data.to_vec()));
    }
    Some(Answer { error, index, vbs })
}

fn serve(req: &[u8], mibs: &[&dyn Mib]) -> Option<Answer> {
    serve_into(req, mibs, &mut [0u8; 4096])
}

fn names(a: &Answer) -> Vec<(Vec<u32>, u16)> {
    a.vbs.iter().map(|v| (v.0.clone(), v.1)).collect()
}

#[test]
fn snmpds_get_of_the_version_is_answered_as_keepalived_answers_it() {
    use super::super::pdu::tests::{KEEPALIVED_VERSION_RESPONSE, SNMPD_GET_VERSION};
    let g = global();
    let h = Header::parse(SNMPD_GET_VERSION).unwrap();
    let mut out = [0u8; 512];
    let n = answer(
        &h,
        &SNMPD_GET_VERSION[HEADER_LEN..],
        &[&g],
        &mut Space::new(),
        &mut out,
    )
    .unwrap()
    .unwrap();
    // Byte for byte but for the empty context net-snmp adds (see the pdu tests).
    let mut theirs = KEEPALIVED_VERSION_RESPONSE.to_vec();
    theirs[2] = 0;
    theirs.drain(20..24);
    theirs[16] -= 4;
    assert_eq!(&out[..n], &theirs[..]);
}

#[test]
fn get_tells_a_missing_instance_from_a_missing_object() {
    let g = global();
    let req = request(
        Type::Get,
        None,
        None,
        &[
            (&o(&[2, 0]), false, &[]),
            (&o(&[2, 5]), false, &[]),
            (&o(&[99, 0]), false, &[]),
            (&o(&[3, 5, 1, 2, 9]), false, &[]),
            (&[1, 3, 6, 1, 9], false, &[]),
        ],
    );
    let a = serve(&req, &[&g]).unwrap();
    assert_eq!((a.error, a.index), (0, 0));
    assert_eq!(
        names(&a),
        vec![
            (o(&[2, 0]), vtype::OCTET_STRING),
            (o(&[2, 5]), vtype::NO_SUCH_INSTANCE),
            (o(&[99, 0]), vtype::NO_SUCH_OBJECT),
            (o(&[3, 5, 1, 2, 9]), vtype::NO_SUCH_INSTANCE),
            (vec![1, 3, 6, 1, 9], vtype::NO_SUCH_OBJECT),
        ]
    );
    assert_eq!(a.vbs[0].2, b"lab_r1");
}

#[test]
fn getnext_walks_in_oid_order_across_tables_and_stops_at_the_end_bound() {
    let (g, x) = (global(), other());
    // Given in any order, the tables are walked in OID order.
    let mibs: [&dyn Mib; 2] = [&g, &x];
    let req = request(
        Type::GetNext,
        None,
        None,
        &[
            (&[1, 3, 6, 1], false, &[]),
            (&o(&[1, 0]), true, &[]),
            (&o(&[1, 0]), false, &[]),
            (&o(&[3]), false, &o(&[3, 6])),
            (&o(&[3, 6]), false, &o(&[3, 7])),
            (&o(&[3, 6, 0]), false, &[]),
        ],
    );
    let a = serve(&req, &mibs).unwrap();
    assert_eq!(
        names(&a),
        vec![
            (vec![1, 3, 6, 1, 2, 1, 68, 1, 1, 0], vtype::INTEGER),
            (o(&[1, 0]), vtype::OCTET_STRING),
            (o(&[2, 0]), vtype::OCTET_STRING),
            (o(&[3, 5, 1, 2, 1]), vtype::OCTET_STRING),
            (o(&[3, 6, 0]), vtype::GAUGE32),
            (o(&[3, 6, 0]), vtype::END_OF_MIB_VIEW),
        ]
    );
    assert_eq!(a.vbs[4].2, 2525u32.to_be_bytes());
    // The end bound is exclusive.
    let req = request(
        Type::GetNext,
        None,
        None,
        &[(&o(&[2, 0]), false, &o(&[3, 5, 1, 2, 1]))],
    );
    let a = serve(&req, &mibs).unwrap();
    assert_eq!(names(&a), vec![(o(&[2, 0]), vtype::END_OF_MIB_VIEW)]);
}

#[test]
fn getbulk_repeats_from_where_each_walk_ended() {
    let g = global();
    let req = request(
        Type::GetBulk,
        Some((1, 3)),
        None,
        &[
            (&o(&[]), false, &[]),
            (&o(&[2]), false, &[]),
            (&o(&[3, 5, 1, 2, 2]), false, &[]),
        ],
    );
    let a = serve(&req, &[&g]).unwrap();
    assert_eq!(
        names(&a),
        vec![
            // The non-repeater, once.
            (o(&[1, 0]), vtype::OCTET_STRING),
            // Repetition 1, 2, 3 of the two repeaters; an ended one stays ended.
            (o(&[2, 0]), vtype::OCTET_STRING),
            (o(&[3, 6, 0]), vtype::GAUGE32),
            (o(&[3, 5, 1, 2, 1]), vtype::OCTET_STRING),
            (o(&[3, 6, 0]), vtype::END_OF_MIB_VIEW),
            (o(&[3, 5, 1, 2, 2]), vtype::OCTET_STRING),
            (o(&[3, 6, 0]), vtype::END_OF_MIB_VIEW),
        ]
    );
}

#[test]
fn getbulk_stops_at_the_response_buffer_and_a_get_that_cannot_fit_is_toobig() {
    let g = global();
    let req = request(Type::GetBulk, Some((0, 50)), None, &[(&o(&[]), false, &[])]);
    let whole = serve(&req, &[&g]).unwrap();
    assert_eq!(whole.vbs.len(), 6, "five objects then endOfMibView");
    // Room for the header and two varbinds: the third repetition is left out.
    let mut out = [0u8; HEADER_LEN + 8 + 2 * 72];
    let a = serve_into(&req, &[&g], &mut out).unwrap();
    assert_eq!(a.error, 0);
    assert_eq!(a.vbs.len(), 2);
    assert_eq!(a.vbs[..], whole.vbs[..2]);
    // A Get whose one answer does not fit.
    let req = request(Type::Get, None, None, &[(&o(&[1, 0]), false, &[])]);
    let mut out = [0u8; HEADER_LEN + 8 + 40];
    let a = serve_into(&req, &[&g], &mut out).unwrap();
    assert_eq!((a.error, a.vbs.len()), (res::TOO_BIG, 0));
}

#[test]
fn sets_are_refused_and_cleanup_takes_no_answer() {
    let g = global();
    let mut buf = vec![0u8; 256];
    let mut w = Writer::new(&mut buf, &our_header(Type::TestSet, 5, 77)).unwrap();
    w.varbind(&o(&[2, 0]), &Value::OctetString(b"x")).unwrap();
    let n = w.finish();
    let mut req = buf[..n].to_vec();
    req[8..12].copy_from_slice(&9u32.to_be_bytes());
    let a = serve(&req, &[&g]).unwrap();
    assert_eq!((a.error, a.index), (res::NOT_WRITABLE, 1));
    for (ty, err) in [
        (Type::CommitSet, res::COMMIT_FAILED),
        (Type::UndoSet, res::UNDO_FAILED),
    ] {
        let req = request(ty, None, None, &[]);
        assert_eq!(serve(&req, &[&g]).unwrap().error, err);
    }
    assert_eq!(
        serve(&request(Type::CleanupSet, None, None, &[]), &[&g]),
        None
    );
}

#[test]
fn contexts_other_than_the_default_are_unsupported() {
    let g = global();
    let req = request(Type::Get, None, Some(b""), &[(&o(&[2, 0]), false, &[])]);
    assert_eq!(serve(&req, &[&g]).unwrap().vbs.len(), 1);
    let req = request(Type::Get, None, Some(b"vrf1"), &[(&o(&[2, 0]), false, &[])]);
    let a = serve(&req, &[&g]).unwrap();
    assert_eq!((a.error, a.vbs.len()), (res::UNSUPPORTED_CONTEXT, 0));
}

#[test]
fn a_malformed_range_list_is_a_parse_error_with_nothing_answered() {
    let g = global();
    let mut req = request(
        Type::GetNext,
        None,
        None,
        &[(&o(&[1, 0]), false, &[]), (&o(&[2, 0]), false, &[])],
    );
    // The second range's end announces one sub-identifier it does not carry.
    let end = req.len() - 4;
    req[end] = 1;
    let a = serve(&req, &[&g]).unwrap();
    assert_eq!((a.error, a.vbs.len()), (res::PARSE_ERROR, 0));
}

#[test]
fn serving_allocates_nothing() {
    let g = global();
    let mibs: [&dyn Mib; 1] = [&g];
    let req = request(
        Type::GetBulk,
        Some((1, 10)),
        None,
        &[(&o(&[]), false, &[]), (KEEPALIVED, false, &[])],
    );
    let h = Header::parse(&req).unwrap();
    let mut space = Space::new();
    let mut out = [0u8; 4096];
    let s = crate::core::alloc::Scope::new();
    for _ in 0..10 {
        answer(&h, &req[HEADER_LEN..], &mibs, &mut space, &mut out).unwrap();
    }
    assert_eq!(s.allocs(), 0);
}
