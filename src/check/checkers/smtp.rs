//! SMTP_CHECK: read the 220 banner, say `HELO <helo_name>`, want 250, say `QUIT`, want any
//! line back; as keepalived's check_smtp.c.
//!
//! keepalived reads each reply as the first line it receives and wants exactly three digits
//! followed by a space or nothing. Two differences, both towards real servers: a multi-line
//! reply (`220-...` lines then `220 ...`) is read to its last line, where keepalived fails it,
//! and a bare `220\r\n` passes (keepalived sees the `\r` and fails it).

use super::{Dialog, Failure, Step, Verdict};
use crate::config::checker::SmtpCheck;
use crate::core::smtp::reply_code;

pub const DEFAULT_HELO: &str = "smtpchecker.keepalived.org";
/// keepalived's SMTP_BUFF_MAX: a longer line is cut here (its code is at its start anyway).
const LINE_MAX: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Banner,
    Helo,
    Quit,
    Done,
}

#[derive(Debug)]
pub struct SmtpDialog {
    helo: Vec<u8>,
    state: State,
    sent: usize,
    line: [u8; LINE_MAX],
    line_len: usize,
}

impl SmtpDialog {
    pub fn new(cfg: &SmtpCheck) -> Self {
        let name = cfg.helo_name.as_deref().unwrap_or(DEFAULT_HELO);
        Self {
            helo: format!("HELO {name}\r\n").into_bytes(),
            state: State::Banner,
            sent: 0,
            line: [0; LINE_MAX],
            line_len: 0,
        }
    }

    fn out(&self) -> &[u8] {
        match self.state {
            State::Helo => &self.helo,
            State::Quit => b"QUIT\r\n",
            _ => &[],
        }
    }

    /// One whole reply line arrived (without its line end).
    fn line(&mut self) -> Step {
        let line = &self.line[..self.line_len];
        let code = reply_code(line);
        // "250-..." lines continue the reply; only the last one counts.
        if code.is_some() && line.get(3) == Some(&b'-') {
            return Step::Continue;
        }
        let (want, fail) = match self.state {
            State::Banner => (Some(220), Failure::BadBanner),
            State::Helo => (Some(250), Failure::BadHelo),
            // Any answer to QUIT will do.
            State::Quit => (None, Failure::ReadFailure),
            State::Done => return Step::Continue,
        };
        if want.is_some() && code != want {
            self.state = State::Done;
            return Step::Done(Verdict::Down(fail));
        }
        self.sent = 0;
        self.state = match self.state {
            State::Banner => State::Helo,
            State::Helo => State::Quit,
            _ => {
                self.state = State::Done;
                return Step::Done(Verdict::Up);
            }
        };
        Step::Continue
    }
}

impl Dialog for SmtpDialog {
    fn reset(&mut self) {
        self.state = State::Banner;
        self.sent = 0;
        self.line_len = 0;
    }

    fn pending(&self) -> &[u8] {
        self.out().get(self.sent..).unwrap_or(&[])
    }

    fn sent(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out().len());
    }

    fn received(&mut self, data: &[u8]) -> Step {
        for &b in data {
            if self.state == State::Done {
                break;
            }
            if b == b'\n' {
                let before = self.state;
                let step = self.line();
                self.line_len = 0;
                // As keepalived: what follows the awaited line in the same read is dropped
                // (a server does not answer a command it has not been sent).
                if step != Step::Continue || self.state != before {
                    return step;
                }
            } else if self.line_len < LINE_MAX {
                self.line[self.line_len] = b;
                self.line_len += 1;
            }
        }
        Step::Continue
    }

    fn closed(&mut self) -> Step {
        if self.state == State::Done {
            return Step::Continue;
        }
        self.state = State::Done;
        Step::Done(Verdict::Down(Failure::ReadFailure))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog(helo: Option<&str>) -> SmtpDialog {
        let mut d = SmtpDialog::new(&SmtpCheck {
            helo_name: helo.map(Into::into),
            ..SmtpCheck::default()
        });
        d.reset();
        d
    }

    fn send_all(d: &mut SmtpDialog) -> Vec<u8> {
        let out = d.pending().to_vec();
        d.sent(out.len());
        out
    }

    #[test]
    fn postfix_conversation_is_up() {
        let mut d = dialog(None);
        assert!(d.pending().is_empty(), "the server speaks first");
        let banner = b"220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n";
        assert_eq!(d.received(banner), Step::Continue);
        assert_eq!(send_all(&mut d), b"HELO smtpchecker.keepalived.org\r\n");
        assert_eq!(d.received(b"250 mail.example.org\r\n"), Step::Continue);
        assert_eq!(send_all(&mut d), b"QUIT\r\n");
        assert_eq!(d.received(b"221 2.0.0 Bye\r\n"), Step::Done(Verdict::Up));
    }

    #[test]
    fn helo_name_and_byte_by_byte_input() {
        let mut d = dialog(Some("lb1.example"));
        for b in b"220 x\r\n" {
            assert_eq!(d.received(&[*b]), Step::Continue);
        }
        assert_eq!(send_all(&mut d), b"HELO lb1.example\r\n");
    }

    #[test]
    fn partial_send_keeps_the_rest() {
        let mut d = dialog(None);
        d.received(b"220 x\r\n");
        d.sent(5);
        assert_eq!(d.pending(), b"smtpchecker.keepalived.org\r\n");
    }

    #[test]
    fn bad_banner_and_bad_helo_are_down() {
        let mut d = dialog(None);
        assert_eq!(
            d.received(b"554 go away\r\n"),
            Step::Done(Verdict::Down(Failure::BadBanner))
        );
        let mut d = dialog(None);
        d.received(b"220 x\r\n");
        send_all(&mut d);
        assert_eq!(
            d.received(b"502 no\r\n"),
            Step::Done(Verdict::Down(Failure::BadHelo))
        );
        let mut d = dialog(None);
        assert_eq!(
            d.received(b"2200 x\r\n"),
            Step::Done(Verdict::Down(Failure::BadBanner))
        );
    }

    #[test]
    fn multiline_banner_and_bare_code() {
        let mut d = dialog(None);
        assert_eq!(
            d.received(b"220-mail.example.org hello\r\n220-more\r\n"),
            Step::Continue
        );
        assert!(d.pending().is_empty());
        assert_eq!(d.received(b"220\r\n"), Step::Continue);
        assert!(!d.pending().is_empty());
    }

    #[test]
    fn close_before_the_end_is_down() {
        let mut d = dialog(None);
        d.received(b"220 x\r\n250 y\r\n");
        assert_eq!(d.closed(), Step::Done(Verdict::Down(Failure::ReadFailure)));
        d.reset();
        assert!(d.pending().is_empty());
        assert_eq!(d.received(b"220 x\r\n"), Step::Continue);
    }
}
