//! The nfnetlink socket: sends a batch and matches each acknowledgement or refusal to the
//! message it answers.

use netlink_sys::protocols::NETLINK_NETFILTER;

use super::batch::{Batch, Label, MAX_MSGS};
use super::{NFNL_SUBSYS_NFTABLES, NFT_MSG_GETTABLE, NFT_MSG_NEWTABLE};
use crate::net::netlink::{
    messages, parse_error, Conn, Error, MsgBuilder, NLMSG_ERROR, NLM_F_ACK, NLM_F_REQUEST,
};
use crate::net::page_buf::PageBuf;

/// Room for the largest batch (the IPv6 setup is about 3 KiB).
const BATCH_BUF_LEN: usize = 16 * 1024;

/// A message of a batch the kernel refused, named by its object.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) what: Label,
    pub(crate) err: Error,
}

pub(crate) struct Nft {
    conn: Conn,
    buf: PageBuf,
    /// Batches use a run of numbers each, so the count is kept here rather than in `conn`.
    seq: u32,
}

impl Nft {
    pub(crate) fn open() -> Result<Self, Error> {
        let mut conn = Conn::open(NETLINK_NETFILTER)?;
        let seq = conn.next_seq();
        Ok(Nft {
            conn,
            seq,
            buf: PageBuf::new(BATCH_BUF_LEN)?,
        })
    }

    /// Writes a batch with `fill` and carries it out; nothing is sent when `fill` wrote no
    /// message. Returns the messages the kernel refused.
    pub(crate) fn run(
        &mut self,
        fill: impl FnOnce(&mut Batch<'_>),
    ) -> Result<heapless::Vec<Failure, 4>, Error> {
        let mut b = Batch::new(&mut self.buf[..], self.seq);
        fill(&mut b);
        if b.count() == 0 {
            return Ok(heapless::Vec::new());
        }
        let (bytes, msgs, next) = b.finish()?;
        let len = bytes.len();
        self.seq = next;
        self.exchange(len, &msgs)
    }

    /// Whether table `name` of `family` exists (a leftover of an earlier run).
    pub(crate) fn table_exists(&mut self, family: u8, name: &str) -> Result<bool, Error> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let mut tmp = [0u8; 64];
        let mut m = MsgBuilder::new(
            &mut tmp,
            (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
            NLM_F_REQUEST | NLM_F_ACK,
            seq,
        );
        m.put(&[family, 0, 0, 0]);
        m.attr_str(1, name);
        let msg = m.finish()?;
        self.conn.send(msg)?;
        let mut found = false;
        loop {
            let dg = self.conn.recv_datagram()?;
            for m in messages(dg) {
                let m = m?;
                if m.seq != seq {
                    continue;
                }
                if m.ty == (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE {
                    found = true;
                } else if m.ty == NLMSG_ERROR {
                    return match parse_error(&m)?.errno {
                        0 => Ok(found),
                        libc::ENOENT => Ok(false),
                        e => Err(Error::kernel(e, None)),
                    };
                }
            }
        }
    }

    /// Sends the batch written in `nft`'s buffer (`len` bytes, `msgs` its labelled messages) and
    /// waits for every answer. The kernel applies a batch whole or not at all; the refused
    /// messages come back, the rest of a failed batch is acknowledged but undone.
    fn exchange(
        &mut self,
        len: usize,
        msgs: &heapless::Vec<(u32, Label), MAX_MSGS>,
    ) -> Result<heapless::Vec<Failure, 4>, Error> {
        self.conn.send(&self.buf[..len])?;
        let mut fails = heapless::Vec::new();
        let mut left = msgs.len();
        while left > 0 {
            let dg = self.conn.recv_datagram()?;
            left -= answers(dg, msgs, &mut fails)?.min(left);
        }
        Ok(fails)
    }
}

/// Matches the acknowledgements and refusals in datagram `dg` to `msgs`; refusals go into
/// `fails` (the first few). Returns how many of `msgs` were answered.
fn answers(
    dg: &[u8],
    msgs: &[(u32, Label)],
    fails: &mut heapless::Vec<Failure, 4>,
) -> Result<usize, Error> {
    let mut n = 0;
    for m in messages(dg) {
        let m = m?;
        if m.ty != NLMSG_ERROR {
            continue;
        }
        let Some((_, what)) = msgs.iter().find(|(s, _)| *s == m.seq) else {
            continue;
        };
        n += 1;
        if let Err(err) = parse_error(&m)?.into_result() {
            let _ = fails.push(Failure {
                what: what.clone(),
                err,
            });
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::netlink::NLM_F_ACK_TLVS;

    /// An NLMSG_ERROR answering `seq` with `errno` (0: an ack), header-only echo, and an
    /// extended-ack text as the kernel adds to nf_tables refusals.
    fn answer(buf: &mut Vec<u8>, seq: u32, errno: i32, text: Option<&str>) {
        let mut b = [0u8; 128];
        let flags = 0x100 | if text.is_some() { NLM_F_ACK_TLVS } else { 0 };
        let mut m = MsgBuilder::new(&mut b, NLMSG_ERROR, flags, seq);
        m.put(&(-errno).to_ne_bytes());
        let mut echo = [0u8; 16];
        echo[0..4].copy_from_slice(&20u32.to_ne_bytes());
        echo[8..12].copy_from_slice(&seq.to_ne_bytes());
        m.put(&echo);
        if let Some(t) = text {
            m.attr_str(1, t);
        }
        buf.extend_from_slice(m.finish().expect("fits"));
    }

    fn label(s: &str) -> Label {
        let mut l = Label::new();
        l.push_str(s).expect("short");
        l
    }

    #[test]
    fn refusals_are_named_by_their_object_and_acks_counted() {
        let msgs = [(7, label("set vips")), (8, label("rule in chain in"))];
        let mut dg = Vec::new();
        answer(&mut dg, 7, 0, None);
        answer(&mut dg, 99, 0, None); // not ours: another request's
        answer(&mut dg, 8, libc::ENOENT, Some("No such table"));
        let mut fails = heapless::Vec::new();
        assert_eq!(answers(&dg, &msgs, &mut fails).expect("well formed"), 2);
        assert_eq!(fails.len(), 1);
        assert_eq!(fails[0].what.as_str(), "rule in chain in");
        assert_eq!(fails[0].err.errno(), Some(libc::ENOENT));
        assert!(fails[0].err.to_string().contains("No such table"));
    }

    #[test]
    fn a_garbled_answer_is_an_error_not_a_hang() {
        let msgs = [(7, label("set vips"))];
        let mut fails = heapless::Vec::new();
        assert!(answers(&[0xff; 20], &msgs, &mut fails).is_err());
        let mut dg = Vec::new();
        answer(&mut dg, 7, 0, None);
        dg[0] = 200; // longer than the datagram
        assert!(answers(&dg, &msgs, &mut fails).is_err());
    }
}
