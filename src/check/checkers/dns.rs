//! DNS_CHECK: one UDP query (RD set, class IN, the configured type and name) and a wait for
//! its answer; up when the answer carries our ID, QR set and RCODE 0, as keepalived's
//! check_dns.c (records in the answer are not required). Other datagrams are ignored.
//!
//! The query is built once; each check only draws a new ID.

use super::{Dialog, Failure, Step, Verdict};
use crate::config::checker::{DnsCheck, DnsType};

const HEADER: usize = 12;
/// Header, a name of at most 255 bytes, type and class.
const QUERY_MAX: usize = HEADER + 255 + 4;

pub fn type_code(t: DnsType) -> u16 {
    match t {
        DnsType::A => 1,
        DnsType::Ns => 2,
        DnsType::Cname => 5,
        DnsType::Soa => 6,
        DnsType::Mx => 15,
        DnsType::Txt => 16,
        DnsType::Aaaa => 28,
        DnsType::Rrsig => 46,
        DnsType::Dnskey => 48,
    }
}

#[derive(Debug)]
pub struct DnsDialog {
    query: [u8; QUERY_MAX],
    len: usize,
    sent: bool,
    done: bool,
    rng: u64,
}

impl DnsDialog {
    /// The name was checked by the config parser (labels of 1..=63 bytes, at most 253 in all).
    pub fn new(cfg: &DnsCheck) -> Self {
        let mut q = [0u8; QUERY_MAX];
        // flags: RD; one question.
        q[2..4].copy_from_slice(&0x0100u16.to_be_bytes());
        q[4..6].copy_from_slice(&1u16.to_be_bytes());
        let mut p = HEADER;
        for label in cfg.name.split('.').filter(|l| !l.is_empty()) {
            let l = &label.as_bytes()[..label.len().min(63)];
            if p + 1 + l.len() + 5 > QUERY_MAX {
                break;
            }
            q[p] = l.len() as u8;
            q[p + 1..p + 1 + l.len()].copy_from_slice(l);
            p += 1 + l.len();
        }
        q[p] = 0;
        p += 1;
        q[p..p + 2].copy_from_slice(&type_code(cfg.qtype).to_be_bytes());
        q[p + 2..p + 4].copy_from_slice(&1u16.to_be_bytes());
        // One seed per checker: no syscall per check.
        let seed = crate::core::random::u64();
        let mut d = Self {
            query: q,
            len: p + 4,
            sent: false,
            done: false,
            rng: seed | 1,
        };
        d.reset();
        d
    }

    /// The ID of the current query.
    pub fn id(&self) -> u16 {
        u16::from_be_bytes([self.query[0], self.query[1]])
    }

    /// Tests: a known ID.
    pub fn set_id(&mut self, id: u16) {
        self.query[..2].copy_from_slice(&id.to_be_bytes());
    }

    fn next_id(&mut self) -> u16 {
        // xorshift64*: unpredictable enough for a health check's query ID.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 48) as u16
    }
}

impl Dialog for DnsDialog {
    fn reset(&mut self) {
        let id = self.next_id();
        self.set_id(id);
        self.sent = false;
        self.done = false;
    }

    fn pending(&self) -> &[u8] {
        if self.sent {
            &[]
        } else {
            &self.query[..self.len]
        }
    }

    /// A datagram goes whole or not at all.
    fn sent(&mut self, n: usize) {
        if n >= self.len {
            self.sent = true;
        }
    }

    fn received(&mut self, data: &[u8]) -> Step {
        if self.done || data.len() < HEADER || data[..2] != self.query[..2] {
            return Step::Continue;
        }
        let flags = u16::from_be_bytes([data[2], data[3]]);
        if flags & 0x8000 == 0 {
            // A query, not an answer.
            return Step::Continue;
        }
        self.done = true;
        match flags & 0xf {
            0 => Step::Done(Verdict::Up),
            rc => Step::Done(Verdict::Down(Failure::Rcode(rc as u8))),
        }
    }

    fn closed(&mut self) -> Step {
        if self.done {
            return Step::Continue;
        }
        self.done = true;
        Step::Done(Verdict::Down(Failure::DnsReadFailed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog(t: DnsType, name: &str) -> DnsDialog {
        DnsDialog::new(&DnsCheck {
            qtype: t,
            name: name.into(),
        })
    }

    #[test]
    fn default_query_is_soa_of_the_root() {
        let mut d = dialog(DnsType::Soa, "");
        d.set_id(0x1234);
        assert_eq!(
            d.pending(),
            &[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]
        );
    }

    #[test]
    fn query_for_a_name_matches_dig() {
        // dig +noedns +noad -t A www.example.org, ID 0xabcd.
        let mut d = dialog(DnsType::A, "www.example.org");
        d.set_id(0xabcd);
        let want: &[u8] = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\
            \x03www\x07example\x03org\x00\x00\x01\x00\x01";
        assert_eq!(d.pending(), want);
        d.sent(want.len());
        assert!(d.pending().is_empty());
    }

    #[test]
    fn ids_change_between_checks() {
        let mut d = dialog(DnsType::A, "a");
        let ids: Vec<u16> = (0..8)
            .map(|_| {
                d.reset();
                d.id()
            })
            .collect();
        let mut uniq = ids.clone();
        uniq.sort();
        uniq.dedup();
        assert!(uniq.len() >= 7, "{ids:?}");
    }

    /// An answer as unbound sends it: ID, QR RD RA, RCODE, one question, no answers.
    fn answer(id: u16, rcode: u8) -> Vec<u8> {
        let mut a = id.to_be_bytes().to_vec();
        a.extend_from_slice(&[0x81, 0x80 | rcode, 0, 1, 0, 0, 0, 0, 0, 0]);
        a.extend_from_slice(b"\x00\x00\x06\x00\x01");
        a
    }

    #[test]
    fn answer_with_our_id_and_no_error_is_up() {
        let mut d = dialog(DnsType::Soa, "");
        let id = d.id();
        assert_eq!(d.received(&answer(id, 0)), Step::Done(Verdict::Up));
    }

    #[test]
    fn stray_datagrams_are_ignored() {
        let mut d = dialog(DnsType::Soa, "");
        let id = d.id();
        assert_eq!(d.received(&answer(id.wrapping_add(1), 0)), Step::Continue);
        assert_eq!(d.received(&answer(id, 0)[..11]), Step::Continue);
        let mut query = answer(id, 0);
        query[2] = 0x01;
        assert_eq!(d.received(&query), Step::Continue);
        assert_eq!(
            d.received(&answer(id, 3)),
            Step::Done(Verdict::Down(Failure::Rcode(3)))
        );
    }
}
