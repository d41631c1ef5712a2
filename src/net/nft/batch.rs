//! One nf_tables transaction: BATCH_BEGIN, the messages, BATCH_END, written into a caller's
//! buffer. Each message asks for an acknowledgement and is remembered with a label naming
//! its family and object, so that a refusal can be logged as "ip: elements of set vips: No
//! such file or directory".

use std::fmt::Write as _;

use super::expr::Expr;
use super::*;
use crate::net::netlink::{
    Error, MsgBuilder, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
};

/// The largest batch the firewall writes (IPv6 setup with VMAC and link-local VIPs) has 21.
pub(crate) const MAX_MSGS: usize = 40;

pub(crate) type Label = heapless::String<48>;

/// A named set or map. The key's byte order goes into the user data nft reads to print the
/// elements (addresses big-endian, interface indexes host order).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SetSpec<'a> {
    pub(crate) name: &'a str,
    pub(crate) flags: Option<u32>,
    pub(crate) key_type: u32,
    pub(crate) key_len: u32,
    /// A map's data type and length.
    pub(crate) data: Option<(u32, u32)>,
    pub(crate) id: u32,
    pub(crate) key_big_endian: bool,
}

/// One set element; `data` only in maps.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Elem<'a> {
    pub(crate) key: &'a [u8],
    pub(crate) data: Option<&'a [u8]>,
}

pub struct Batch<'a> {
    buf: &'a mut [u8],
    len: usize,
    seq: u32,
    msgs: heapless::Vec<(u32, Label), MAX_MSGS>,
    overflow: bool,
}

fn be(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

impl<'a> Batch<'a> {
    /// Starts a batch whose first sequence number is `seq`.
    pub(crate) fn new(buf: &'a mut [u8], seq: u32) -> Self {
        let mut b = Batch {
            buf,
            len: 0,
            seq,
            msgs: heapless::Vec::new(),
            overflow: false,
        };
        b.raw(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, &|_| {});
        b
    }

    /// Messages in the batch (not counting begin/end).
    pub(crate) fn count(&self) -> usize {
        self.msgs.len()
    }

    /// Writes one message (a begin/end marker or, through `msg`, an object) and returns its
    /// sequence number; None when the buffer is full.
    fn raw(
        &mut self,
        ty: u16,
        flags: u16,
        family: u8,
        f: &dyn Fn(&mut MsgBuilder<'_>),
    ) -> Option<u32> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let start = self.len;
        let mut m = MsgBuilder::new(&mut self.buf[start..], ty, flags, seq);
        // Begin/end name the subsystem in res_id; object messages carry their family.
        let res = if ty >= 0x100 {
            0u16
        } else {
            NFNL_SUBSYS_NFTABLES
        };
        m.put(&[family, 0, (res >> 8) as u8, res as u8]);
        f(&mut m);
        match m.finish() {
            Ok(bytes) => {
                self.len += crate::net::netlink::align(bytes.len());
                Some(seq)
            }
            Err(_) => {
                self.overflow = true;
                None
            }
        }
    }

    fn msg(
        &mut self,
        ty: u16,
        family: u8,
        flags: u16,
        label: std::fmt::Arguments<'_>,
        // A &dyn: the message framing is one copy for every kind of object.
        f: &dyn Fn(&mut MsgBuilder<'_>),
    ) {
        if self.overflow {
            return;
        }
        let full = (NFNL_SUBSYS_NFTABLES << 8) | ty;
        let Some(seq) = self.raw(full, NLM_F_REQUEST | NLM_F_ACK | flags, family, f) else {
            return;
        };
        let mut l = Label::new();
        let fam = if family == NFPROTO_IPV6 { "ip6" } else { "ip" };
        let _ = write!(l, "{fam}: ");
        let _ = l.write_fmt(label);
        if self.msgs.push((seq, l)).is_err() {
            self.overflow = true;
        }
    }

    pub(crate) fn table(&mut self, family: u8, name: &str) {
        self.msg(
            NFT_MSG_NEWTABLE,
            family,
            NLM_F_CREATE,
            format_args!("creating it"),
            &|m| {
                m.attr_str(1, name);
            },
        );
    }

    pub(crate) fn del_table(&mut self, family: u8, name: &str) {
        self.msg(
            NFT_MSG_DELTABLE,
            family,
            0,
            format_args!("deleting it"),
            &|m| {
                m.attr_str(1, name);
            },
        );
    }

    /// A base chain: type filter, policy accept, on `hook` at `prio`.
    pub(crate) fn base_chain(&mut self, family: u8, table: &str, name: &str, hook: u32, prio: i32) {
        self.msg(
            NFT_MSG_NEWCHAIN,
            family,
            NLM_F_CREATE,
            format_args!("chain {name}"),
            &|m| {
                m.attr_str(1, table).attr_str(3, name);
                let h = m.nest_begin(4);
                m.attr(1, &be(hook)).attr(2, &be(prio as u32));
                m.nest_end(h);
                m.attr(5, &be(NF_ACCEPT)).attr_str(7, "filter");
            },
        );
    }

    /// A regular chain, entered by goto.
    pub(crate) fn chain(&mut self, family: u8, table: &str, name: &str) {
        self.msg(
            NFT_MSG_NEWCHAIN,
            family,
            NLM_F_CREATE,
            format_args!("chain {name}"),
            &|m| {
                m.attr_str(1, table).attr_str(3, name);
            },
        );
    }

    pub(crate) fn set(&mut self, family: u8, table: &str, s: &SetSpec<'_>) {
        self.msg(
            NFT_MSG_NEWSET,
            family,
            NLM_F_CREATE,
            format_args!("set {}", s.name),
            &|m| {
                m.attr_str(1, table).attr_str(2, s.name);
                if let Some(f) = s.flags {
                    m.attr(3, &be(f));
                }
                m.attr(4, &be(s.key_type)).attr(5, &be(s.key_len));
                if let Some((ty, len)) = s.data {
                    m.attr(6, &be(ty)).attr(7, &be(len));
                }
                m.attr(0xa, &be(s.id));
                // nftnl user data TLVs: key byte order (2 big, 1 host), then a map's data's.
                let order: u32 = if s.key_big_endian { 2 } else { 1 };
                let mut ud = [0u8; 12];
                ud[0] = 0;
                ud[1] = 4;
                ud[2..6].copy_from_slice(&order.to_ne_bytes());
                let mut n = 6;
                if s.data.is_some() {
                    ud[6] = 1;
                    ud[7] = 4;
                    ud[8..12].copy_from_slice(&1u32.to_ne_bytes());
                    n = 12;
                }
                m.attr(0xd, &ud[..n]);
            },
        );
    }

    /// Adds (`add`) or deletes elements of `set`. `excl` refuses an element already there.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn elems(
        &mut self,
        add: bool,
        excl: bool,
        family: u8,
        table: &str,
        set: &str,
        set_id: Option<u32>,
        elems: &[Elem<'_>],
    ) {
        let (ty, flags) = match (add, excl) {
            (true, true) => (NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL),
            (true, false) => (NFT_MSG_NEWSETELEM, NLM_F_CREATE),
            (false, _) => (NFT_MSG_DELSETELEM, 0),
        };
        self.msg(
            ty,
            family,
            flags,
            format_args!("elements of set {set}"),
            &|m| {
                m.attr_str(2, set);
                if let Some(id) = set_id {
                    m.attr(4, &be(id));
                }
                m.attr_str(1, table);
                let list = m.nest_begin(3);
                // libnftnl numbers the list's entries from 1 (the kernel ignores the type).
                for (i, e) in elems.iter().enumerate() {
                    let el = m.nest_begin(u16::try_from(i + 1).unwrap_or(u16::MAX));
                    let k = m.nest_begin(1);
                    m.attr(1, e.key);
                    m.nest_end(k);
                    if let Some(d) = e.data {
                        let n = m.nest_begin(2);
                        m.attr(1, d);
                        m.nest_end(n);
                    }
                    m.nest_end(el);
                }
                m.nest_end(list);
            },
        );
    }

    /// Appends a rule to `chain`.
    pub(crate) fn rule(&mut self, family: u8, table: &str, chain: &str, exprs: &[Expr<'_>]) {
        self.msg(
            NFT_MSG_NEWRULE,
            family,
            NLM_F_CREATE | NLM_F_APPEND,
            format_args!("rule in chain {chain}"),
            &|m| {
                m.attr_str(1, table).attr_str(2, chain);
                let n = m.nest_begin(4);
                for e in exprs {
                    e.write(m);
                }
                m.nest_end(n);
            },
        );
    }

    /// Closes the batch: its bytes, the labelled messages, and the next free sequence number.
    #[allow(clippy::type_complexity)]
    pub(crate) fn finish(
        mut self,
    ) -> Result<(&'a [u8], heapless::Vec<(u32, Label), MAX_MSGS>, u32), Error> {
        self.raw(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, &|_| {});
        if self.overflow {
            return Err(Error::NoSpace);
        }
        let buf: &'a [u8] = self.buf;
        Ok((&buf[..self.len], self.msgs, self.seq))
    }
}
