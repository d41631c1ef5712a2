//! UDP_CHECK's dialog: send the payload; without `require_reply` silence is a pass (only an
//! ICMP unreachable, seen as a socket error, fails); with it, a reply whose length is within
//! bounds and whose bytes match the pattern (X digits are don't-care) is needed.

use super::{Dialog, Failure, Step, Verdict};
use crate::config::checker::UdpCheck;

pub struct UdpDialog {
    payload: Vec<u8>,
    sent: bool,
    require_reply: bool,
    reply: Option<(Vec<u8>, Option<Vec<u8>>)>,
    min_len: usize,
    max_len: usize,
}

impl UdpDialog {
    /// `random` fills the payload when the config gives none (keepalived sends random bytes).
    pub fn new(u: &UdpCheck, random: u64) -> UdpDialog {
        UdpDialog {
            payload: u
                .payload
                .clone()
                .unwrap_or_else(|| random.to_ne_bytes().to_vec()),
            sent: false,
            require_reply: u.require_reply,
            reply: u.reply.clone(),
            min_len: usize::from(u.min_reply_length),
            max_len: usize::from(u.max_reply_length),
        }
    }

    /// True when silence until the timeout is a pass.
    pub fn silence_passes(&self) -> bool {
        !self.require_reply
    }

    fn matches(&self, data: &[u8]) -> bool {
        if data.len() < self.min_len || data.len() > self.max_len {
            return false;
        }
        let Some((want, mask)) = &self.reply else {
            return true;
        };
        // keepalived compares the shorter of the reply and the pattern.
        data.iter().zip(want).enumerate().all(|(i, (got, want))| {
            let care = !mask.as_ref().and_then(|m| m.get(i)).copied().unwrap_or(0);
            (got ^ want) & care == 0
        })
    }
}

impl Dialog for UdpDialog {
    fn reset(&mut self) {
        self.sent = false;
    }
    fn pending(&self) -> &[u8] {
        if self.sent {
            &[]
        } else {
            &self.payload
        }
    }
    fn sent(&mut self, n: usize) {
        // A datagram goes whole or not at all.
        self.sent = n > 0;
    }
    fn received(&mut self, data: &[u8]) -> Step {
        Step::Done(if !self.require_reply || self.matches(data) {
            Verdict::Up
        } else {
            Verdict::Down(Failure::ReplyMismatch)
        })
    }
    fn closed(&mut self) -> Step {
        Step::Done(Verdict::Down(Failure::Failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(reply: Option<(Vec<u8>, Option<Vec<u8>>)>, min: u16, max: u16) -> UdpDialog {
        let u = UdpCheck {
            payload: Some(vec![1, 2]),
            require_reply: true,
            reply,
            min_reply_length: min,
            max_reply_length: max,
        };
        UdpDialog::new(&u, 0)
    }

    #[test]
    fn sends_the_payload_once_per_check() {
        let mut d = check(None, 0, 255);
        d.reset();
        assert_eq!(d.pending(), &[1, 2]);
        d.sent(2);
        assert!(d.pending().is_empty());
        d.reset();
        assert_eq!(d.pending(), &[1, 2]);
    }

    #[test]
    fn replies_must_match_the_pattern_outside_wildcards_and_fit_the_lengths() {
        let mut d = check(Some((vec![0x12, 0x00], Some(vec![0x00, 0x0f]))), 2, 4);
        assert_eq!(d.received(&[0x12, 0x0a]), Step::Done(Verdict::Up));
        assert_eq!(
            d.received(&[0x12, 0x1a]),
            Step::Done(Verdict::Down(Failure::ReplyMismatch))
        );
        assert_eq!(
            d.received(&[0x12]),
            Step::Done(Verdict::Down(Failure::ReplyMismatch))
        );
        assert_eq!(
            d.received(&[0x12, 0, 0, 0, 0]),
            Step::Done(Verdict::Down(Failure::ReplyMismatch))
        );
        assert_eq!(d.closed(), Step::Done(Verdict::Down(Failure::Failed)));
    }
}
