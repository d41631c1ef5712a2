//! RTM_NEWRULE / RTM_DELRULE requests (include/uapi/linux/fib_rules.h) built from a
//! configured rule line, as `ip rule add` / `ip rule del` build them.

use super::spec::{PortRange, RouteDest, RuleAction, RuleSpec};
use crate::net::netlink::{Error, MsgBuilder, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST};

use super::route::{af, put_ip};

const RTM_NEWRULE: u16 = 32;
pub(crate) const RTM_DELRULE: u16 = 33;

/// `struct fib_rule_hdr`.
pub(crate) const FIB_RULE_HDR_LEN: usize = 12;

const FRA_DST: u16 = 1;
const FRA_SRC: u16 = 2;
const FRA_IIFNAME: u16 = 3;
const FRA_GOTO: u16 = 4;
const FRA_PRIORITY: u16 = 6;
const FRA_FWMARK: u16 = 10;
const FRA_FLOW: u16 = 11;
const FRA_TUN_ID: u16 = 12;
const FRA_SUPPRESS_IFGROUP: u16 = 13;
const FRA_SUPPRESS_PREFIXLEN: u16 = 14;
const FRA_TABLE: u16 = 15;
const FRA_FWMASK: u16 = 16;
const FRA_OIFNAME: u16 = 17;
const FRA_L3MDEV: u16 = 19;
const FRA_UID_RANGE: u16 = 20;
pub(crate) const FRA_PROTOCOL: u16 = 21;
const FRA_IP_PROTO: u16 = 22;
const FRA_SPORT_RANGE: u16 = 23;
const FRA_DPORT_RANGE: u16 = 24;

const FR_ACT_TO_TBL: u8 = 1;
const FR_ACT_GOTO: u8 = 2;
const FR_ACT_NOP: u8 = 3;
const FR_ACT_BLACKHOLE: u8 = 6;
const FR_ACT_UNREACHABLE: u8 = 7;
const FR_ACT_PROHIBIT: u8 = 8;
const FIB_RULE_INVERT: u32 = 2;

pub(crate) const RULE_REQ_LEN: usize = 256;

fn dest(d: &Option<RouteDest>) -> Option<(std::net::IpAddr, u8)> {
    match d {
        Some(RouteDest::Prefix(a, l)) => Some((*a, *l)),
        _ => None,
    }
}

fn range(b: &mut MsgBuilder<'_>, ty: u16, p: Option<PortRange>) {
    if let Some(p) = p {
        let mut v = [0u8; 4];
        v[..2].copy_from_slice(&p.start.to_ne_bytes());
        v[2..].copy_from_slice(&p.end.to_ne_bytes());
        b.attr(ty, &v);
    }
}

/// Builds the request adding (or with `delete`, removing) rule `r`.
pub(crate) fn encode_rule<'b, 'r>(
    buf: &'b mut [u8],
    seq: u32,
    r: impl Into<RuleSpec<'r>>,
    delete: bool,
) -> Result<&'b [u8], Error> {
    let r = &r.into();
    let (ty, flags) = if delete {
        (RTM_DELRULE, NLM_F_REQUEST | NLM_F_ACK)
    } else {
        (
            RTM_NEWRULE,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
    };
    let (action, table) = match r.action {
        RuleAction::Table(t) => (FR_ACT_TO_TBL, Some(t)),
        RuleAction::L3mdev => (FR_ACT_TO_TBL, None),
        RuleAction::Goto(_) => (FR_ACT_GOTO, None),
        RuleAction::Nop => (FR_ACT_NOP, None),
        RuleAction::Blackhole => (FR_ACT_BLACKHOLE, None),
        RuleAction::Unreachable => (FR_ACT_UNREACHABLE, None),
        RuleAction::Prohibit => (FR_ACT_PROHIBIT, None),
    };
    let (src, dst) = (dest(&r.from), dest(&r.to));
    let mut h = [0u8; FIB_RULE_HDR_LEN];
    h[0] = af(r.family);
    h[1] = dst.map_or(0, |d| d.1);
    h[2] = src.map_or(0, |s| s.1);
    h[3] = r.tos.unwrap_or(0);
    h[4] = table.and_then(|t| u8::try_from(t).ok()).unwrap_or(0);
    h[7] = action;
    let fl = if r.invert { FIB_RULE_INVERT } else { 0 };
    h[8..12].copy_from_slice(&fl.to_ne_bytes());
    let mut b = MsgBuilder::new(buf, ty, flags, seq);
    b.put(&h);
    if let Some(p) = r.priority {
        b.attr_u32(FRA_PRIORITY, p);
    }
    if let Some((a, _)) = dst {
        put_ip(&mut b, FRA_DST, &a);
    }
    if let Some((a, _)) = src {
        put_ip(&mut b, FRA_SRC, &a);
    }
    if let Some((mark, mask)) = r.fwmark {
        b.attr_u32(FRA_FWMARK, mark);
        if let Some(m) = mask {
            b.attr_u32(FRA_FWMASK, m);
        }
    }
    if let Some(f) = r.realms {
        b.attr_u32(FRA_FLOW, f);
    }
    if let Some(t) = table.filter(|t| *t > 255) {
        b.attr_u32(FRA_TABLE, t);
    }
    if let Some(n) = r.suppress_prefixlen {
        b.attr_u32(FRA_SUPPRESS_PREFIXLEN, n);
    }
    if let Some(g) = r.suppress_ifgroup {
        b.attr_u32(FRA_SUPPRESS_IFGROUP, g);
    }
    if let Some(i) = r.iif {
        b.attr_str(FRA_IIFNAME, i);
    }
    if let Some(o) = r.oif {
        b.attr_str(FRA_OIFNAME, o);
    }
    if r.action == RuleAction::L3mdev {
        b.attr_u8(FRA_L3MDEV, 1);
    }
    if let RuleAction::Goto(t) = r.action {
        b.attr_u32(FRA_GOTO, t);
    }
    if let Some(id) = r.tunnel_id {
        b.attr(FRA_TUN_ID, &id.to_be_bytes());
    }
    if let Some((start, end)) = r.uidrange {
        let mut v = [0u8; 8];
        v[..4].copy_from_slice(&start.to_ne_bytes());
        v[4..].copy_from_slice(&end.to_ne_bytes());
        b.attr(FRA_UID_RANGE, &v);
    }
    if let Some(p) = r.protocol {
        b.attr_u8(FRA_PROTOCOL, p);
    }
    if let Some(p) = r.ip_proto {
        b.attr_u8(FRA_IP_PROTO, p);
    }
    range(&mut b, FRA_SPORT_RANGE, r.sport);
    range(&mut b, FRA_DPORT_RANGE, r.dport);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::super::route::tests::{hex, norm, rule};
    use super::*;
    use crate::config::iproute::Rule;

    fn same_as_ip(r: &Rule, delete: bool, vector: &str) {
        let mut buf = [0u8; RULE_REQ_LEN];
        let ours = encode_rule(&mut buf, 7, r, delete).unwrap();
        assert_eq!(
            norm(ours, FIB_RULE_HDR_LEN, &[]),
            norm(&hex(vector), FIB_RULE_HDR_LEN, &[])
        );
    }

    #[test]
    fn ipv4_rule_with_every_selector() {
        let r = rule("from 192.168.28.0/24 to 192.168.29.0/26 table 5 iif d0 oif d0 tos 0x10 fwmark 24/12 preference 39");
        same_as_ip(&r, false, "5c 00 00 00 20 00 05 06 08 f1 0c 6b 00 00 00 00 02 1a 18 10 05 00 00 01 00 00 00 00 08 00 02 00 c0 a8 1c 00 08 00 01 00 c0 a8 1d 00 07 00 03 00 64 30 00 00 07 00 11 00 64 30 00 00 08 00 0a 00 18 00 00 00 08 00 10 00 0c 00 00 00 08 00 06 00 27 00 00 00 05 00 15 00 12 00 00 00");
    }

    #[test]
    fn delete_matches_ip_rule_del_but_for_the_action() {
        // `ip rule del` leaves the action unset (match any); keepalived and we name it.
        let r = rule("from 192.168.28.0/24 to 192.168.29.0/26 table 5 iif d0 oif d0 tos 0x10 fwmark 24/12 preference 39");
        let mut v = hex("5c 00 00 00 21 00 05 00 08 f1 0c 6b 00 00 00 00 02 1a 18 10 05 00 00 00 00 00 00 00 08 00 02 00 c0 a8 1c 00 08 00 01 00 c0 a8 1d 00 07 00 03 00 64 30 00 00 07 00 11 00 64 30 00 00 08 00 0a 00 18 00 00 00 08 00 10 00 0c 00 00 00 08 00 06 00 27 00 00 00 05 00 15 00 12 00 00 00");
        v[16 + 7] = FR_ACT_TO_TBL;
        let mut buf = [0u8; RULE_REQ_LEN];
        let ours = encode_rule(&mut buf, 7, &r, true).unwrap();
        assert_eq!(
            norm(ours, FIB_RULE_HDR_LEN, &[]),
            norm(&v, FIB_RULE_HDR_LEN, &[])
        );
    }

    #[test]
    fn ipv6_rule_with_ports_uids_and_a_big_table() {
        let r = rule("to 2001:db8:1::/64 priority 5 ipproto udp sport 10-20 dport 20-30 table 1000 uidrange 100-200");
        same_as_ip(&r, false, "6c 00 00 00 20 00 05 06 08 f1 0c 6b 00 00 00 00 0a 40 00 00 00 00 00 01 00 00 00 00 14 00 01 00 20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 00 08 00 06 00 05 00 00 00 05 00 16 00 11 00 00 00 08 00 17 00 0a 00 14 00 08 00 18 00 14 00 1e 00 08 00 0f 00 e8 03 00 00 0c 00 14 00 64 00 00 00 c8 00 00 00 05 00 15 00 12 00 00 00");
    }

    #[test]
    fn inverted_unreachable_and_goto() {
        let r = rule("not from 10.0.0.0/8 priority 16 unreachable");
        same_as_ip(&r, false, "34 00 00 00 20 00 05 06 08 f1 0c 6b 00 00 00 00 02 00 08 00 00 00 00 07 02 00 00 00 08 00 02 00 0a 00 00 00 08 00 06 00 10 00 00 00 05 00 15 00 12 00 00 00");
        // ip sends `from all` as an empty FRA_SRC (4 bytes, dropped here); a missing
        // one means the same to the kernel.
        let r = rule("from all priority 10 goto 20");
        same_as_ip(&r, false, "34 00 00 00 20 00 05 06 08 f1 0c 6b 00 00 00 00 02 00 00 00 00 00 00 02 00 00 00 00 08 00 06 00 0a 00 00 00 08 00 04 00 14 00 00 00 05 00 15 00 12 00 00 00");
    }
}
