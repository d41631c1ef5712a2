use super::*;
use crate::snmp::agentx::pdu::{vtype, Reader, Writer, HEADER_LEN};
use crate::snmp::agentx::testmib::Table;
use crate::snmp::mib::Oid;

const GLOBAL: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 1];
const VRRP: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 2];
const SID: u32 = 42;

fn tables() -> (Table, Table) {
    (
        Table::new(GLOBAL, &[(&[2, 0], Value::OctetString(b"lab_r1"))]),
        Table::new(VRRP, &[(&[1, 0], Value::Integer(1))]),
    )
}

fn s(secs: u64) -> Micros {
    Micros(secs * 1_000_000)
}

/// The master's side: what the subagent sent, PDU by PDU; answers in little-endian, as
/// net-snmp's snmpd on x86 writes them.
struct Master {
    sent: Vec<u8>,
}

impl Master {
    fn new() -> Master {
        Master { sent: Vec::new() }
    }

    /// Takes what the session has pending; returns the PDUs' headers and payloads.
    fn drain(&mut self, sess: &mut Session) -> Vec<(Header, Vec<u8>)> {
        self.sent.extend_from_slice(sess.pending());
        let n = sess.pending().len();
        sess.sent(n);
        let mut out = Vec::new();
        while let Ok(Some(len)) = pdu::frame_len(&self.sent, 1 << 20) {
            if len > self.sent.len() {
                break;
            }
            let h = Header::parse(&self.sent).unwrap();
            out.push((h, self.sent[HEADER_LEN..len].to_vec()));
            self.sent.drain(..len);
        }
        out
    }

    fn feed(sess: &mut Session, now: Micros, bytes: &[u8], mibs: &[&dyn Mib]) {
        for chunk in bytes.chunks(7) {
            let buf = sess.read_buf();
            buf[..chunk.len()].copy_from_slice(chunk);
            sess.filled(now, chunk.len(), mibs);
        }
    }

    fn response(to: &Header, sid: u32, error: u16) -> Vec<u8> {
        let mut buf = vec![0u8; 64];
        let h = Header {
            ty: Type::Response,
            flags: 0,
            session_id: sid,
            transaction_id: to.transaction_id,
            packet_id: to.packet_id,
            payload_len: 0,
        };
        let mut w = Writer::new(&mut buf, &h).unwrap();
        w.u32(0x228).unwrap();
        w.u16(error).unwrap();
        w.u16(0).unwrap();
        let n = w.finish();
        buf.truncate(n);
        buf
    }

    fn get(packet: u32, oid: &[u32]) -> Vec<u8> {
        let mut buf = vec![0u8; 256];
        let h = Header {
            ty: Type::Get,
            flags: 0,
            session_id: SID,
            transaction_id: 3,
            packet_id: packet,
            payload_len: 0,
        };
        let mut w = Writer::new(&mut buf, &h).unwrap();
        w.oid(oid, false).unwrap();
        w.oid(&[], false).unwrap();
        let n = w.finish();
        buf.truncate(n);
        buf
    }
}

/// Connects at `now` and answers Open and each Register with no error.
fn open_and_register(sess: &mut Session, m: &mut Master, now: Micros, mibs: &[&dyn Mib]) {
    assert!(sess.connect_due(now));
    sess.connected(now);
    let pdus = m.drain(sess);
    assert_eq!(pdus.len(), 1);
    assert_eq!(pdus[0].0.ty, Type::Open);
    Master::feed(sess, now, &Master::response(&pdus[0].0, SID, 0), mibs);
    for mib in mibs {
        let pdus = m.drain(sess);
        assert_eq!(pdus.len(), 1);
        let (h, payload) = &pdus[0];
        assert_eq!((h.ty, h.session_id), (Type::Register, SID));
        let mut r = Reader::new(payload, h.big_endian());
        assert_eq!(r.u8().unwrap(), 0, "timeout");
        assert_eq!(r.u8().unwrap(), 127, "priority");
        r.u16().unwrap();
        let mut root = Oid::new();
        r.oid(&mut root).unwrap();
        assert_eq!(root.as_slice(), mib.root());
        Master::feed(sess, now, &Master::response(h, SID, 0), mibs);
    }
    assert!(sess.is_ready());
}

#[test]
fn opens_registers_every_table_then_serves_gets() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, s(0), &mibs);
    assert_eq!(sess.take_notes().as_slice(), &[Note::Connected]);
    let oid = [GLOBAL, &[2, 0]].concat();
    Master::feed(&mut sess, s(1), &Master::get(900, &oid), &mibs);
    let pdus = m.drain(&mut sess);
    assert_eq!(pdus.len(), 1);
    let (h, payload) = &pdus[0];
    assert_eq!(
        (h.ty, h.session_id, h.packet_id),
        (Type::Response, SID, 900)
    );
    // Answered in the request's byte order.
    assert!(!h.big_endian());
    let mut r = Reader::new(payload, false);
    r.u32().unwrap();
    assert_eq!((r.u16().unwrap(), r.u16().unwrap()), (0, 0));
    let mut name = Oid::new();
    let vb = r.varbind(&mut name).unwrap();
    assert_eq!(
        (name.as_slice(), vb.ty, vb.data),
        (&oid[..], vtype::OCTET_STRING, &b"lab_r1"[..])
    );
}

#[test]
fn a_refused_registration_is_noted_and_the_others_go_on() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    sess.connected(s(0));
    let open = m.drain(&mut sess).remove(0).0;
    Master::feed(&mut sess, s(0), &Master::response(&open, SID, 0), &mibs);
    let reg = m.drain(&mut sess).remove(0).0;
    // duplicateRegistration
    Master::feed(&mut sess, s(0), &Master::response(&reg, SID, 263), &mibs);
    let reg = m.drain(&mut sess).remove(0).0;
    assert_eq!(reg.ty, Type::Register);
    Master::feed(&mut sess, s(0), &Master::response(&reg, SID, 0), &mibs);
    assert!(sess.is_ready());
    assert_eq!(
        sess.take_notes().as_slice(),
        &[Note::Connected, Note::RegisterFailed { k: 0, error: 263 }]
    );
}

#[test]
fn pings_when_idle_and_a_silent_master_ends_the_session() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, s(0), &mibs);
    assert_eq!(sess.poll_at(), Some(PING_EVERY));
    sess.on_timer(PING_EVERY);
    let ping = m.drain(&mut sess).remove(0).0;
    assert_eq!(ping.ty, Type::Ping);
    assert_eq!(sess.poll_at(), Some(PING_EVERY + TIMEOUT));
    // Answered: the next one two minutes on.
    let t = PING_EVERY + s(1);
    Master::feed(&mut sess, t, &Master::response(&ping, SID, 0), &mibs);
    assert_eq!(sess.poll_at(), Some(t + PING_EVERY));
    sess.on_timer(t + PING_EVERY);
    assert_eq!(m.drain(&mut sess)[0].0.ty, Type::Ping);
    // Not answered: the session must go, and comes back after the back-off.
    sess.on_timer(t + PING_EVERY + TIMEOUT);
    assert!(sess.must_close());
    let down_at = t + PING_EVERY + TIMEOUT;
    sess.disconnected(down_at);
    assert!(!sess.connect_due(down_at));
    assert!(sess.connect_due(down_at + BACKOFF_MIN));
    sess.take_notes();
    open_and_register(&mut sess, &mut m, down_at + BACKOFF_MIN, &mibs);
}

#[test]
fn reconnects_back_off_doubling_to_a_ceiling_and_reset_once_registered() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut now = s(0);
    let mut waits = Vec::new();
    for _ in 0..9 {
        assert!(sess.connect_due(now));
        // The connect fails (no snmpd listening yet).
        sess.disconnected(now);
        let next = sess.poll_at().unwrap();
        waits.push((next - now).as_secs());
        now = next;
    }
    assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, now, &mibs);
    // The master restarts: EOF; the first retry is a second away again.
    sess.disconnected(now + s(3));
    assert_eq!(sess.poll_at(), Some(now + s(4)));
    assert_eq!(
        sess.take_notes().as_slice(),
        &[Note::Connected, Note::MasterClosed(0)]
    );
}

#[test]
fn an_open_unanswered_or_refused_ends_the_session() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    sess.connected(s(0));
    m.drain(&mut sess);
    sess.on_timer(s(1));
    assert!(!sess.must_close());
    sess.on_timer(TIMEOUT);
    assert!(sess.must_close());
    sess.disconnected(TIMEOUT);
    let t = TIMEOUT + BACKOFF_MIN;
    sess.connected(t);
    let open = m.drain(&mut sess).remove(0).0;
    // openFailed
    Master::feed(&mut sess, t, &Master::response(&open, 0, 256), &mibs);
    assert!(sess.must_close());
    assert_eq!(
        sess.take_notes().as_slice(),
        &[Note::Timeout, Note::OpenFailed(256)]
    );
}

#[test]
fn the_masters_close_and_garbage_end_the_session() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, s(0), &mibs);
    sess.take_notes();
    let mut close = vec![0u8; 32];
    let n = pdu::close(&mut close, SID, 5, CloseReason::Shutdown).unwrap();
    Master::feed(&mut sess, s(1), &close[..n], &mibs);
    assert!(sess.must_close());
    assert_eq!(sess.take_notes().as_slice(), &[Note::MasterClosed(5)]);
    sess.disconnected(s(1));
    open_and_register(&mut sess, &mut m, s(2), &mibs);
    sess.take_notes();
    // Version 2: the stream cannot be followed; Close (parseError) goes first.
    let mut bad = Master::get(1, GLOBAL);
    bad[0] = 2;
    Master::feed(&mut sess, s(3), &bad, &mibs);
    assert!(sess.must_close());
    assert_eq!(
        sess.take_notes().as_slice(),
        &[Note::Malformed(Error::Version(2))]
    );
    let pdus = m.drain(&mut sess);
    assert_eq!(pdus[0].0.ty, Type::Close);
    assert_eq!(pdus[0].1[0], CloseReason::ParseError as u8);
}

#[test]
fn a_pdu_larger_than_the_input_buffer_ends_the_session() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, s(0), &mibs);
    let mut big = Master::get(1, GLOBAL);
    big[16..20].copy_from_slice(&(IN_LEN as u32).to_le_bytes());
    Master::feed(&mut sess, s(1), &big, &mibs);
    assert!(sess.must_close());
}

#[test]
fn answers_wait_for_room_when_the_master_does_not_read() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, s(0), &mibs);
    let get = Master::get(7, &[GLOBAL, &[2, 0]].concat());
    // Far more requests than the output holds, none of the answers taken.
    let mut answered = 0;
    for _ in 0..200 {
        let buf = sess.read_buf();
        if buf.len() < get.len() {
            break;
        }
        buf[..get.len()].copy_from_slice(&get);
        sess.filled(s(1), get.len(), &mibs);
    }
    assert!(!sess.must_close());
    loop {
        let n = m.drain(&mut sess).len();
        if n == 0 {
            break;
        }
        answered += n;
        sess.resume(s(1), &mibs);
    }
    let held = IN_LEN / get.len();
    assert!(
        answered >= held,
        "{answered} answers for at least {held} requests"
    );
}

#[test]
fn a_steady_session_allocates_nothing() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, s(0), &mibs);
    let get = Master::get(7, &[GLOBAL, &[2, 0]].concat());
    let scope = crate::core::alloc::Scope::new();
    for k in 0..50 {
        let buf = sess.read_buf();
        buf[..get.len()].copy_from_slice(&get);
        sess.filled(s(1 + k), get.len(), &mibs);
        let n = sess.pending().len();
        sess.sent(n);
        sess.on_timer(s(1 + k));
    }
    assert_eq!(scope.allocs(), 0);
}

#[test]
fn notifications_go_only_on_a_ready_session() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    let trap_oid = [1u32, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
    let trap = [1u32, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 0, 1];
    let vbs = [(&trap_oid[..], Value::ObjectId(&trap))];
    assert!(!sess.notify(&vbs));
    let mut m = Master::new();
    open_and_register(&mut sess, &mut m, s(0), &mibs);
    assert!(sess.notify(&vbs));
    let pdus = m.drain(&mut sess);
    assert_eq!((pdus[0].0.ty, pdus[0].0.session_id), (Type::Notify, SID));
    // The master's answer to it changes nothing.
    Master::feed(
        &mut sess,
        s(1),
        &Master::response(&pdus[0].0, SID, 0),
        &mibs,
    );
    assert!(sess.is_ready());
    sess.close();
    assert!(sess.must_close());
    assert_eq!(m.drain(&mut sess)[0].0.ty, Type::Close);
}

#[test]
fn a_connect_under_way_has_a_deadline_and_never_a_past_one() {
    let (g, v) = tables();
    let mibs: [&dyn Mib; 2] = [&g, &v];
    let mut sess = Session::new(s(0));
    assert!(sess.connect_due(s(0)));
    // A TCP connect in progress: the next deadline is its timeout, not the due retry (a
    // past deadline would have the loop fire the timer again and again).
    sess.connecting(s(0));
    assert!(!sess.connect_due(s(0)));
    assert_eq!(sess.poll_at(), Some(TIMEOUT));
    sess.on_timer(s(1));
    assert!(!sess.must_close());
    sess.on_timer(TIMEOUT);
    assert!(sess.must_close());
    sess.disconnected(TIMEOUT);
    assert_eq!(sess.poll_at(), Some(TIMEOUT + BACKOFF_MIN));
    assert_eq!(sess.take_notes().as_slice(), &[Note::ConnectTimeout]);
    // The next one finishes: Open goes as with a unix socket.
    let t = TIMEOUT + BACKOFF_MIN;
    sess.connecting(t);
    let mut m = Master::new();
    sess.connected(t);
    let open = m.drain(&mut sess).remove(0).0;
    assert_eq!(open.ty, Type::Open);
    Master::feed(&mut sess, t, &Master::response(&open, SID, 0), &mibs);
    assert!(sess.poll_at().is_some_and(|d| d > t));
}
