//! One AgentX session with the master agent, sans-IO (no socket, no clock): connect → Open →
//! Register each table's subtree → serve the master's requests → Ping when idle; when the
//! master goes away, back off and start over.
//!
//! The shell's part, in order:
//! 1. when [`Session::connect_due`], connect; then [`Session::connected`] once it is up
//!    ([`Session::connecting`] while it is under way), or [`Session::disconnected`] when it
//!    failed;
//! 2. read into [`Session::read_buf`] and report with [`Session::filled`]; at EOF or a read
//!    error, [`Session::disconnected`];
//! 3. write [`Session::pending`] and report with [`Session::sent`]; when everything went,
//!    [`Session::resume`] serves requests held back for room;
//! 4. at [`Session::poll_at`], [`Session::on_timer`];
//! 5. when [`Session::must_close`], write what is pending if it can, close, and
//!    [`Session::disconnected`];
//! 6. log [`Session::take_notes`].
//!
//! Buffers are allocated once with the session: a request allocates nothing.

use super::pdu::{self, CloseReason, Error, Header, Response, Type};
use super::serve::{self, Space};
use crate::core::time::Micros;
use crate::snmp::mib::{Mib, Value, KEEPALIVED};

/// The largest PDU we take from the master; a larger one ends the session.
pub(crate) const IN_LEN: usize = 8192;
/// The largest answer we build; a Get or GetNext answer beyond it is tooBig.
pub(crate) const RESPONSE_MAX: usize = 8192;
/// Room for answers not yet written to the socket.
const OUT_LEN: usize = 2 * RESPONSE_MAX;
/// How long the master has to answer our Open, Register or Ping.
pub(crate) const TIMEOUT: Micros = Micros(5_000_000);
/// keepalived has net-snmp ping the master every 2 minutes.
pub(crate) const PING_EVERY: Micros = Micros(120_000_000);
/// Reconnect back-off: doubled after each failed attempt, from the first to the last.
pub(crate) const BACKOFF_MIN: Micros = Micros(1_000_000);
pub(crate) const BACKOFF_MAX: Micros = Micros(60_000_000);
/// Registration priority: net-snmp's default, which keepalived keeps.
const PRIORITY: u8 = 127;
const DESCR: &[u8] = b"Keepalived SNMP subagent";

/// Something the shell logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// The master accepted our Open.
    Connected,
    /// The master refused our Open (its res.error).
    OpenFailed(u16),
    /// The master refused the registration of table `k`'s subtree.
    RegisterFailed { k: usize, error: u16 },
    /// The master closed the session (its Close reason, 0 for a plain EOF).
    MasterClosed(u8),
    /// The master did not answer within [`TIMEOUT`].
    Timeout,
    /// A connect did not finish within [`TIMEOUT`].
    ConnectTimeout,
    /// The master sent bytes that are not an AgentX PDU.
    Malformed(Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No connection: the next attempt is due at `retry_at`.
    Down { retry_at: Micros },
    /// A connect under way, given up at `deadline`.
    Connecting { deadline: Micros },
    /// Open sent as `packet`.
    Opening { packet: u32, deadline: Micros },
    /// Register of table `k` sent as `packet`.
    Registering {
        k: usize,
        packet: u32,
        deadline: Micros,
    },
    /// Serving; a Ping goes at `ping_at`, or one is out waiting.
    Ready {
        ping_at: Micros,
        ping: Option<(u32, Micros)>,
    },
    /// The connection must go (the shell closes it).
    Closing,
}

pub(crate) struct Session {
    state: State,
    backoff: Micros,
    session_id: u32,
    packet_id: u32,
    inbuf: Box<[u8; IN_LEN]>,
    in_len: usize,
    out: Box<[u8; OUT_LEN]>,
    out_start: usize,
    out_end: usize,
    space: Space,
    notes: heapless::Vec<Note, 8>,
}

impl Session {
    /// A session whose first connect is due at `now`.
    pub(crate) fn new(now: Micros) -> Session {
        Session {
            state: State::Down { retry_at: now },
            backoff: BACKOFF_MIN,
            session_id: 0,
            packet_id: 0,
            inbuf: Box::new([0; IN_LEN]),
            in_len: 0,
            out: Box::new([0; OUT_LEN]),
            out_start: 0,
            out_end: 0,
            space: Space::new(),
            notes: heapless::Vec::new(),
        }
    }

    pub(crate) fn connect_due(&self, now: Micros) -> bool {
        matches!(self.state, State::Down { retry_at } if now >= retry_at)
    }

    /// Whether the session is open and its tables registered.
    pub(crate) fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready { .. })
    }

    pub(crate) fn must_close(&self) -> bool {
        self.state == State::Closing
    }

    /// A connect has started and not finished (TCP): it has [`TIMEOUT`] to.
    pub(crate) fn connecting(&mut self, now: Micros) {
        self.state = State::Connecting {
            deadline: now + TIMEOUT,
        };
    }

    /// The connection is up: Open goes.
    pub(crate) fn connected(&mut self, now: Micros) {
        self.in_len = 0;
        self.out_start = 0;
        self.out_end = 0;
        self.session_id = 0;
        let packet = self.next_packet();
        let done = self.emit(|b| pdu::open(b, packet, KEEPALIVED, DESCR));
        self.state = if done {
            State::Opening {
                packet,
                deadline: now + TIMEOUT,
            }
        } else {
            State::Closing
        };
    }

    /// The connection is gone (or never came): the next attempt after the back-off.
    pub(crate) fn disconnected(&mut self, now: Micros) {
        if !matches!(
            self.state,
            State::Down { .. } | State::Connecting { .. } | State::Closing
        ) {
            self.note(Note::MasterClosed(0));
        }
        self.state = State::Down {
            retry_at: now + self.backoff,
        };
        self.backoff = Micros(self.backoff.0.saturating_mul(2).min(BACKOFF_MAX.0));
        self.in_len = 0;
        self.out_start = 0;
        self.out_end = 0;
    }

    /// Ends the session ourselves (the daemon stops): Close goes, then the shell closes.
    pub(crate) fn close(&mut self) {
        if matches!(self.state, State::Down { .. } | State::Closing) {
            return;
        }
        if matches!(self.state, State::Connecting { .. }) {
            self.state = State::Closing;
            return;
        }
        let (sid, packet) = (self.session_id, self.next_packet());
        self.emit(|b| pdu::close(b, sid, packet, CloseReason::Shutdown));
        self.state = State::Closing;
    }

    /// Where the shell reads the master's bytes to.
    pub(crate) fn read_buf(&mut self) -> &mut [u8] {
        &mut self.inbuf[self.in_len..]
    }

    /// `n` bytes were read into [`Session::read_buf`].
    pub(crate) fn filled(&mut self, now: Micros, n: usize, mibs: &[&dyn Mib]) {
        self.in_len = (self.in_len + n).min(IN_LEN);
        self.resume(now, mibs);
    }

    /// Handles every whole PDU received, while there is room for its answer.
    pub(crate) fn resume(&mut self, now: Micros, mibs: &[&dyn Mib]) {
        let mut used = 0;
        while self.state != State::Closing && self.room() {
            let buf = &self.inbuf[used..self.in_len];
            let len = match pdu::frame_len(buf, IN_LEN) {
                Ok(Some(len)) if len <= buf.len() => len,
                Ok(_) => break,
                Err(e) => {
                    self.protocol_error(e);
                    break;
                }
            };
            self.handle(now, used, len, mibs);
            used += len;
        }
        self.inbuf.copy_within(used..self.in_len, 0);
        self.in_len -= used;
    }

    /// Bytes waiting for the socket.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.out[self.out_start..self.out_end]
    }

    pub(crate) fn sent(&mut self, n: usize) {
        self.out_start = (self.out_start + n).min(self.out_end);
        if self.out_start == self.out_end {
            self.out_start = 0;
            self.out_end = 0;
        }
    }

    /// The next deadline: a connect attempt, an answer awaited, or the next Ping.
    pub(crate) fn poll_at(&self) -> Option<Micros> {
        match self.state {
            State::Down { retry_at } => Some(retry_at),
            State::Connecting { deadline }
            | State::Opening { deadline, .. }
            | State::Registering { deadline, .. } => Some(deadline),
            State::Ready {
                ping: Some((_, d)), ..
            } => Some(d),
            State::Ready { ping_at, .. } => Some(ping_at),
            State::Closing => None,
        }
    }

    pub(crate) fn on_timer(&mut self, now: Micros) {
        match self.state {
            State::Connecting { deadline } if now >= deadline => {
                self.note(Note::ConnectTimeout);
                self.state = State::Closing;
            }
            State::Opening { deadline, .. } | State::Registering { deadline, .. }
                if now >= deadline =>
            {
                self.timed_out()
            }
            State::Ready {
                ping: Some((_, d)), ..
            } if now >= d => self.timed_out(),
            State::Ready {
                ping_at,
                ping: None,
            } if now >= ping_at => {
                let (sid, packet) = (self.session_id, self.next_packet());
                if self.emit(|b| pdu::ping(b, sid, packet)) {
                    self.state = State::Ready {
                        ping_at,
                        ping: Some((packet, now + TIMEOUT)),
                    };
                }
            }
            _ => {}
        }
    }

    /// Sends a notification (a trap) when the session is ready; false when it cannot go.
    pub(crate) fn notify(&mut self, vbs: &[(&[u32], Value<'_>)]) -> bool {
        if !self.is_ready() || !self.room() {
            return false;
        }
        let (sid, packet) = (self.session_id, self.next_packet());
        self.emit(|b| pdu::notify(b, sid, packet, vbs))
    }

    /// What happened since the last call, oldest first.
    pub(crate) fn take_notes(&mut self) -> heapless::Vec<Note, 8> {
        std::mem::take(&mut self.notes)
    }

    fn note(&mut self, n: Note) {
        // Beyond 8 between two looks the rest is dropped: the first ones say what matters.
        let _ = self.notes.push(n);
    }

    fn next_packet(&mut self) -> u32 {
        self.packet_id = self.packet_id.wrapping_add(1);
        self.packet_id
    }

    /// Whether the largest answer still fits behind what is pending.
    fn room(&mut self) -> bool {
        if OUT_LEN - self.out_end < RESPONSE_MAX && self.out_start > 0 {
            self.out.copy_within(self.out_start..self.out_end, 0);
            self.out_end -= self.out_start;
            self.out_start = 0;
        }
        OUT_LEN - self.out_end >= RESPONSE_MAX
    }

    /// Builds a PDU behind what is pending; false when it did not fit.
    fn emit(&mut self, f: impl FnOnce(&mut [u8]) -> Result<usize, Error>) -> bool {
        if !self.room() {
            return false;
        }
        let end = self.out_end + RESPONSE_MAX;
        match f(&mut self.out[self.out_end..end]) {
            Ok(n) => {
                self.out_end += n;
                true
            }
            Err(_) => false,
        }
    }

    fn timed_out(&mut self) {
        self.note(Note::Timeout);
        self.state = State::Closing;
    }

    /// The stream cannot be followed any more: Close (parseError) goes and the session ends.
    fn protocol_error(&mut self, e: Error) {
        self.note(Note::Malformed(e));
        let (sid, packet) = (self.session_id, self.next_packet());
        self.emit(|b| pdu::close(b, sid, packet, CloseReason::ParseError));
        self.state = State::Closing;
    }

    /// The PDU at `inbuf[at..at + len]` (whole, its header valid).
    fn handle(&mut self, now: Micros, at: usize, len: usize, mibs: &[&dyn Mib]) {
        let (h, payload) = {
            let pdu = &self.inbuf[at..at + len];
            match Header::parse(pdu) {
                Ok(h) => (h, at + pdu::HEADER_LEN..at + len),
                Err(e) => return self.protocol_error(e),
            }
        };
        match h.ty {
            Type::Response => {
                match Response::parse(&h, &self.inbuf[payload]) {
                    Ok(r) => self.on_response(now, &h, r, mibs),
                    Err(e) => self.protocol_error(e),
                }
                return;
            }
            Type::Close => {
                let reason = self.inbuf.get(payload.start).copied().unwrap_or(0);
                self.note(Note::MasterClosed(reason));
                self.state = State::Closing;
                return;
            }
            _ => {}
        }
        let end = self.out_end + RESPONSE_MAX;
        let (inbuf, out, space) = (&self.inbuf, &mut self.out, &mut self.space);
        match serve::answer(
            &h,
            &inbuf[payload],
            mibs,
            space,
            &mut out[self.out_end..end],
        ) {
            Ok(Some(n)) => self.out_end += n,
            Ok(None) => {}
            Err(e) => self.protocol_error(e),
        }
    }

    fn on_response(&mut self, now: Micros, h: &Header, r: Response, mibs: &[&dyn Mib]) {
        match self.state {
            State::Opening { packet, .. } if packet == h.packet_id => {
                if r.error != pdu::res::NO_ERROR {
                    self.note(Note::OpenFailed(r.error));
                    self.state = State::Closing;
                    return;
                }
                self.session_id = h.session_id;
                self.note(Note::Connected);
                self.register(now, 0, mibs);
            }
            State::Registering { k, packet, .. } if packet == h.packet_id => {
                if r.error != pdu::res::NO_ERROR {
                    self.note(Note::RegisterFailed { k, error: r.error });
                }
                self.register(now, k + 1, mibs);
            }
            State::Ready {
                ping: Some((packet, _)),
                ..
            } if packet == h.packet_id => {
                self.state = State::Ready {
                    ping_at: now + PING_EVERY,
                    ping: None,
                };
            }
            // Answers to notifications, or late ones: nothing waits for them.
            _ => {}
        }
    }

    /// Registers table `k`'s subtree, or, past the last one, starts serving.
    fn register(&mut self, now: Micros, k: usize, mibs: &[&dyn Mib]) {
        let Some(m) = mibs.get(k) else {
            self.backoff = BACKOFF_MIN;
            self.state = State::Ready {
                ping_at: now + PING_EVERY,
                ping: None,
            };
            return;
        };
        let (sid, packet) = (self.session_id, self.next_packet());
        if self.emit(|b| pdu::register(b, sid, packet, PRIORITY, m.root())) {
            self.state = State::Registering {
                k,
                packet,
                deadline: now + TIMEOUT,
            };
        } else {
            self.state = State::Closing;
        }
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
