//! The nfnetlink socket: sends a batch and matches each acknowledgement or refusal to the
//! message it answers.

use netlink_sys::protocols::NETLINK_NETFILTER;

use super::batch::{Batch, Label, MAX_MSGS};
use super::{NFNL_SUBSYS_NFTABLES, NFT_MSG_GETTABLE, NFT_MSG_NEWTABLE};
use crate::net::netlink::{
    messages, parse_error, Conn, Error, MsgBuilder, NLMSG_ERROR, NLM_F_ACK, NLM_F_REQUEST,
};

/// Room for the largest batch (the IPv6 setup is about 3 KiB).
const BATCH_BUF_LEN: usize = 16 * 1024;

/// A message of a batch the kernel refused, named by its object.
#[derive(Debug)]
pub struct Failure {
    pub what: Label,
    pub err: Error,
}

pub struct Nft {
    conn: Conn,
    buf: Box<[u8]>,
    /// Batches use a run of numbers each, so the count is kept here rather than in `conn`.
    seq: u32,
}

impl Nft {
    pub fn open() -> Result<Self, Error> {
        let mut conn = Conn::open(NETLINK_NETFILTER)?;
        let seq = conn.next_seq();
        Ok(Nft {
            conn,
            seq,
            buf: vec![0u8; BATCH_BUF_LEN].into_boxed_slice(),
        })
    }

    /// Writes a batch with `fill` and carries it out; nothing is sent when `fill` wrote no
    /// message. Returns the messages the kernel refused.
    pub fn run(
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
    pub fn table_exists(&mut self, family: u8, name: &str) -> Result<bool, Error> {
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
            for m in messages(dg) {
                let m = m?;
                if m.ty != NLMSG_ERROR {
                    continue;
                }
                let Some((_, what)) = msgs.iter().find(|(s, _)| *s == m.seq) else {
                    continue;
                };
                left = left.saturating_sub(1);
                if let Err(err) = parse_error(&m)?.into_result() {
                    let _ = fails.push(Failure {
                        what: what.clone(),
                        err,
                    });
                }
            }
        }
        Ok(fails)
    }
}
