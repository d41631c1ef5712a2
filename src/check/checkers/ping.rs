//! PING_CHECK's dialog over a ping socket: one echo request per check, passed by the echo
//! reply carrying its sequence number. The kernel sets the identifier and the checksum.

use super::{Dialog, Failure, Step, Verdict};

const ECHO_REQUEST_V4: u8 = 8;
const ECHO_REPLY_V4: u8 = 0;
const ECHO_REQUEST_V6: u8 = 128;
const ECHO_REPLY_V6: u8 = 129;
const LEN: usize = 8 + 8;

pub struct PingDialog {
    v6: bool,
    seq: u16,
    packet: [u8; LEN],
    sent: bool,
}

impl PingDialog {
    pub fn new(v6: bool) -> PingDialog {
        PingDialog {
            v6,
            seq: 0,
            packet: [0; LEN],
            sent: false,
        }
    }
}

impl Dialog for PingDialog {
    fn reset(&mut self) {
        self.seq = self.seq.wrapping_add(1);
        self.packet = [0; LEN];
        self.packet[0] = if self.v6 {
            ECHO_REQUEST_V6
        } else {
            ECHO_REQUEST_V4
        };
        self.packet[6..8].copy_from_slice(&self.seq.to_be_bytes());
        self.packet[8..].copy_from_slice(b"keepaliv");
        self.sent = false;
    }
    fn pending(&self) -> &[u8] {
        if self.sent {
            &[]
        } else {
            &self.packet
        }
    }
    fn sent(&mut self, n: usize) {
        self.sent = n > 0;
    }
    fn received(&mut self, data: &[u8]) -> Step {
        let reply = if self.v6 {
            ECHO_REPLY_V6
        } else {
            ECHO_REPLY_V4
        };
        if data.len() < 8 || data[0] != reply {
            return Step::Continue;
        }
        if u16::from_be_bytes([data[6], data[7]]) != self.seq {
            // A late reply to an earlier check.
            return Step::Continue;
        }
        Step::Done(Verdict::Up)
    }
    fn closed(&mut self) -> Step {
        Step::Done(Verdict::Down(Failure::Failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_reply_to_this_checks_request_passes() {
        let mut d = PingDialog::new(false);
        d.reset();
        d.reset();
        assert_eq!(d.pending()[0], 8);
        assert_eq!(&d.pending()[6..8], &[0, 2]);
        let mut reply = [0u8; 16];
        reply[7] = 1;
        assert_eq!(d.received(&reply), Step::Continue);
        reply[7] = 2;
        assert_eq!(d.received(&reply), Step::Done(Verdict::Up));
        reply[0] = 3;
        assert_eq!(d.received(&reply), Step::Continue);
        let mut d6 = PingDialog::new(true);
        d6.reset();
        assert_eq!(d6.pending()[0], 128);
    }
}
