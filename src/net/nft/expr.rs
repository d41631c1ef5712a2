//! Rule expressions, each written as libnftnl writes it (same attribute order).

use crate::net::netlink::MsgBuilder;

/// The expressions the VRRP firewall's rules are made of. Registers and verdicts are the
/// kernel's numbers (`NFT_REG_*`, `NF_DROP`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expr<'a> {
    Payload {
        base: u32,
        offset: u32,
        len: u32,
        dreg: u32,
    },
    Meta {
        key: u32,
        dreg: u32,
    },
    /// Equality with `data` (the only comparison the firewall needs).
    CmpEq {
        sreg: u32,
        data: &'a [u8],
    },
    Bitwise {
        sreg: u32,
        dreg: u32,
        mask: &'a [u8],
        xor: &'a [u8],
    },
    Lookup {
        sreg: u32,
        dreg: Option<u32>,
        set: &'a str,
        set_id: Option<u32>,
    },
    Dup {
        sreg_addr: u32,
        sreg_dev: u32,
    },
    Counter,
    Verdict(u32),
    Goto(&'a str),
}

const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
const NFTA_DATA_VALUE: u16 = 1;
const NFTA_DATA_VERDICT: u16 = 2;

fn be(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

fn value(b: &mut MsgBuilder<'_>, ty: u16, data: &[u8]) {
    let n = b.nest_begin(ty);
    b.attr(NFTA_DATA_VALUE, data);
    b.nest_end(n);
}

impl Expr<'_> {
    fn name(&self) -> &'static str {
        match self {
            Expr::Payload { .. } => "payload",
            Expr::Meta { .. } => "meta",
            Expr::CmpEq { .. } => "cmp",
            Expr::Bitwise { .. } => "bitwise",
            Expr::Lookup { .. } => "lookup",
            Expr::Dup { .. } => "dup",
            Expr::Counter => "counter",
            Expr::Verdict(_) | Expr::Goto(_) => "immediate",
        }
    }

    /// Appends this expression as one element of NFTA_RULE_EXPRESSIONS.
    pub(crate) fn write(&self, b: &mut MsgBuilder<'_>) {
        let elem = b.nest_begin(NFTA_LIST_ELEM);
        b.attr_str(NFTA_EXPR_NAME, self.name());
        let data = b.nest_begin(NFTA_EXPR_DATA);
        match *self {
            Expr::Payload {
                base,
                offset,
                len,
                dreg,
            } => {
                b.attr(1, &be(dreg))
                    .attr(2, &be(base))
                    .attr(3, &be(offset))
                    .attr(4, &be(len));
            }
            Expr::Meta { key, dreg } => {
                b.attr(2, &be(key)).attr(1, &be(dreg));
            }
            Expr::CmpEq { sreg, data } => {
                b.attr(1, &be(sreg)).attr(2, &be(0));
                value(b, 3, data);
            }
            Expr::Bitwise {
                sreg,
                dreg,
                mask,
                xor,
            } => {
                b.attr(1, &be(sreg))
                    .attr(2, &be(dreg))
                    .attr(3, &be(mask.len() as u32));
                value(b, 4, mask);
                value(b, 5, xor);
            }
            Expr::Lookup {
                sreg,
                dreg,
                set,
                set_id,
            } => {
                b.attr(2, &be(sreg));
                if let Some(d) = dreg {
                    b.attr(3, &be(d));
                }
                b.attr_str(1, set);
                if let Some(id) = set_id {
                    b.attr(4, &be(id));
                }
            }
            Expr::Dup {
                sreg_addr,
                sreg_dev,
            } => {
                b.attr(1, &be(sreg_addr)).attr(2, &be(sreg_dev));
            }
            Expr::Counter => {}
            Expr::Verdict(code) => verdict(b, code, None),
            Expr::Goto(chain) => verdict(b, super::NFT_GOTO, Some(chain)),
        }
        b.nest_end(data);
        b.nest_end(elem);
    }
}

fn verdict(b: &mut MsgBuilder<'_>, code: u32, chain: Option<&str>) {
    b.attr(1, &be(super::NFT_REG_VERDICT));
    let d = b.nest_begin(2);
    let v = b.nest_begin(NFTA_DATA_VERDICT);
    b.attr(1, &be(code));
    if let Some(c) = chain {
        b.attr_str(2, c);
    }
    b.nest_end(v);
    b.nest_end(d);
}
