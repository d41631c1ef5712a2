//! One alert's SMTP dialog, sans-IO: keepalived's smtp.c stages on a virtual clock.
//!
//! Call order: [`Session::new`] when the connect starts; [`Session::connected`] or
//! [`Session::connect_failed`] when it ends; then [`Session::received`] with what the socket
//! gave, [`Session::pending`] / [`Session::sent`] for what to write, and
//! [`Session::on_deadline`] once [`Session::poll_at`] has passed. Every reply must come
//! within the timeout (smtp_connect_timeout) of the command before it; a late one sends QUIT
//! and waits as long again, a reply with the wrong code logs and sends QUIT, as keepalived.

use super::{message, reply_code, Mail, Note, Settings};
use crate::core::time::Micros;

/// keepalived's read buffer: a reply line longer than this ends the dialog.
const LINE_MAX: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Connecting,
    Banner,
    Helo,
    Mail,
    /// Waiting for the answer to the RCPT TO of recipient `k`.
    Rcpt(usize),
    Data,
    Body,
    Quit,
    Done,
}

impl Stage {
    /// The code the stage waits for and keepalived's name for its command.
    fn wants(self) -> (u16, &'static str) {
        match self {
            Stage::Banner => (220, "(E)SMTP"),
            Stage::Helo => (250, "HELO"),
            Stage::Mail => (250, "MAIL"),
            Stage::Rcpt(_) => (250, "RCPT"),
            Stage::Data => (354, "DATA"),
            Stage::Body => (250, "BODY"),
            _ => (221, "QUIT"),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Session {
    stage: Stage,
    deadline: Micros,
    timeout: Micros,
    /// The Date header's text, taken when the alert was raised.
    date: String,
    out: Vec<u8>,
    sent: usize,
    line: [u8; LINE_MAX],
    line_len: usize,
}

impl Session {
    /// A session whose connect started at `now`.
    pub(crate) fn new(now: Micros, timeout: Micros, date: String) -> Session {
        Session {
            stage: Stage::Connecting,
            deadline: now + timeout,
            timeout,
            date,
            out: Vec::new(),
            sent: 0,
            line: [0; LINE_MAX],
            line_len: 0,
        }
    }

    pub(crate) fn is_connecting(&self) -> bool {
        self.stage == Stage::Connecting
    }

    pub(crate) fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// When [`Session::on_deadline`] wants calling (None once done).
    pub(crate) fn poll_at(&self) -> Option<Micros> {
        (!self.is_done()).then_some(self.deadline)
    }

    /// The bytes still to write.
    pub(crate) fn pending(&self) -> &[u8] {
        self.out.get(self.sent..).unwrap_or(&[])
    }

    pub(crate) fn sent(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
    }

    /// The connect completed: now the banner.
    pub(crate) fn connected(&mut self, now: Micros) -> Note {
        self.stage = Stage::Banner;
        self.deadline = now + self.timeout;
        Note::Connected
    }

    pub(crate) fn connect_failed(&mut self) -> Note {
        self.stage = Stage::Done;
        Note::ConnectError
    }

    /// Writing failed: keepalived gives up at once.
    pub(crate) fn send_failed(&mut self) -> Note {
        self.stage = Stage::Done;
        Note::SendError
    }

    /// The server closed its side.
    pub(crate) fn closed(&mut self) -> Option<Note> {
        if self.is_done() {
            return None;
        }
        self.stage = Stage::Done;
        Some(Note::Closed)
    }

    /// Reading failed (not EAGAIN): QUIT, as keepalived.
    pub(crate) fn read_failed(&mut self, now: Micros) -> Note {
        self.quit(now);
        Note::ReadError
    }

    pub(crate) fn on_deadline(&mut self, now: Micros) -> Option<Note> {
        if self.is_done() || now < self.deadline {
            return None;
        }
        match self.stage {
            Stage::Connecting => {
                self.stage = Stage::Done;
                Some(Note::ConnectTimeout)
            }
            Stage::Quit => {
                self.stage = Stage::Done;
                Some(Note::ReadTimeout)
            }
            _ => {
                self.quit(now);
                Some(Note::ReadTimeout)
            }
        }
    }

    /// Bytes from the server. Only the first whole reply in them is acted on (a server
    /// answers one command at a time); its note, if keepalived has a line for it, comes back.
    pub(crate) fn received(
        &mut self,
        now: Micros,
        data: &[u8],
        s: &Settings,
        mail: &Mail,
    ) -> Option<Note> {
        if matches!(self.stage, Stage::Connecting | Stage::Done) {
            return None;
        }
        self.deadline = now + self.timeout;
        for &b in data {
            if b != b'\n' {
                if self.line_len == LINE_MAX {
                    self.line_len = 0;
                    self.quit(now);
                    return Some(Note::Overflow);
                }
                self.line[self.line_len] = b;
                self.line_len += 1;
                continue;
            }
            let len = std::mem::take(&mut self.line_len);
            let line = &self.line[..len];
            let code = reply_code(line);
            // "250-..." lines go before the reply's last line, the one that counts.
            if code.is_some() && line.get(3) == Some(&b'-') {
                continue;
            }
            return self.reply(now, code.unwrap_or(0), s, mail);
        }
        None
    }

    /// The reply to the stage's command came with `code`.
    fn reply(&mut self, now: Micros, code: u16, s: &Settings, mail: &Mail) -> Option<Note> {
        let (want, cmd) = self.stage.wants();
        if self.stage == Stage::Quit {
            self.stage = Stage::Done;
            return (code != want).then_some(Note::BadCode(cmd, code));
        }
        if code != want {
            self.quit(now);
            return Some(Note::BadCode(cmd, code));
        }
        let mut note = None;
        let next = match self.stage {
            Stage::Banner => {
                self.command(now, &["HELO ", &s.helo]);
                Stage::Helo
            }
            Stage::Helo => {
                self.command(now, &["MAIL FROM:<", &s.from, ">"]);
                Stage::Mail
            }
            Stage::Mail => self.rcpt(now, s, 0),
            Stage::Rcpt(k) if k + 1 < s.to.len() => self.rcpt(now, s, k + 1),
            Stage::Rcpt(_) => {
                self.command(now, &["DATA"]);
                Stage::Data
            }
            Stage::Data => {
                self.out.clear();
                self.sent = 0;
                message::data(&mut self.out, &self.date, s, mail);
                self.deadline = now + self.timeout;
                Stage::Body
            }
            _ => {
                note = Some(Note::Sent);
                self.command(now, &["QUIT"]);
                Stage::Quit
            }
        };
        self.stage = next;
        note
    }

    fn rcpt(&mut self, now: Micros, s: &Settings, k: usize) -> Stage {
        let to = s.to.get(k).map_or("", String::as_str);
        self.command(now, &["RCPT TO:<", to, ">"]);
        Stage::Rcpt(k)
    }

    fn quit(&mut self, now: Micros) {
        self.command(now, &["QUIT"]);
        self.stage = Stage::Quit;
    }

    /// Replaces what is to be written with one command line.
    fn command(&mut self, now: Micros, parts: &[&str]) {
        self.out.clear();
        self.sent = 0;
        for p in parts {
            self.out.extend_from_slice(p.as_bytes());
        }
        self.out.extend_from_slice(b"\r\n");
        self.deadline = now + self.timeout;
    }
}

#[cfg(test)]
mod tests;
