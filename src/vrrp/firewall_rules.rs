//! The firewall's rules, expression by expression as keepalived 2.2.7 writes them (its
//! vrrp_nftables.c), so that `nft list ruleset` prints the same statements. `counters` is
//! `nftables_counters`: a counter before each verdict.

use crate::net::nft::{
    Expr, NFT_META_IIF, NFT_META_IIFNAME, NFT_META_L4PROTO, NFT_META_OIF, NFT_META_OIFKIND,
    NFT_META_OIFNAME, NFT_PAYLOAD_NETWORK_HEADER as NH, NFT_PAYLOAD_TRANSPORT_HEADER as TH,
    NFT_REG_1, NFT_REG_2, NF_ACCEPT, NF_DROP,
};

pub const VIPS: &str = "vips";
pub const ND_SET: &str = "neighbor-discovery";
pub const LL_SET: &str = "vips_link_local";
pub const LL_NAME_SET: &str = "vips_link_local_name";
pub const VMAC_MAP: &str = "vmac_map";
pub const VMAC_SET: &str = "vmac_set";

const IPPROTO_IGMP: u8 = 2;
const IPPROTO_ICMPV6: u8 = 58;
const MLD2_REPORT: u8 = 143;
const ND_ROUTER_SOLICIT: u8 = 133;
pub const ND_NEIGHBOR_SOLICIT: u8 = 135;
pub const ND_NEIGHBOR_ADVERT: u8 = 136;
/// `meta oifkind` compares a 16-byte, NUL-padded kind name.
const MACVLAN: [u8; 16] = *b"macvlan\0\0\0\0\0\0\0\0\0";
/// keepalived's rules name the VMAC map/set by id 1 whatever id the set got.
const VMAC_LOOKUP_ID: Option<u32> = Some(1);
/// fe80::/10.
const LL_MASK: [u8; 16] = [0xff, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const LL_PREFIX: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

fn with_verdict(
    mut x: Vec<Expr<'static>>,
    verdict: Expr<'static>,
    counters: bool,
) -> Vec<Expr<'static>> {
    if counters {
        x.push(Expr::Counter);
    }
    x.push(verdict);
    x
}

fn payload(base: u32, offset: u32, len: u32) -> Expr<'static> {
    Expr::Payload {
        base,
        offset,
        len,
        dreg: NFT_REG_1,
    }
}

fn lookup(set: &'static str) -> Expr<'static> {
    Expr::Lookup {
        sreg: NFT_REG_1,
        dreg: None,
        set,
        set_id: None,
    }
}

fn eq(sreg: u32, data: &'static [u8]) -> Expr<'static> {
    Expr::CmpEq { sreg, data }
}

/// Offset of the source (`saddr`) or destination address in the IP header.
fn addr_offset(v6: bool, saddr: bool) -> u32 {
    match (v6, saddr) {
        (false, true) => 12,
        (false, false) => 16,
        (true, true) => 8,
        (true, false) => 24,
    }
}

/// `ip[6] saddr|daddr @vips drop`.
pub fn vips_drop(v6: bool, saddr: bool, counters: bool) -> Vec<Expr<'static>> {
    let len = if v6 { 16 } else { 4 };
    let x = vec![payload(NH, addr_offset(v6, saddr), len), lookup(VIPS)];
    with_verdict(x, Expr::Verdict(NF_DROP), counters)
}

/// `icmpv6 type @neighbor-discovery accept`: a no_accept VIP still resolves.
pub fn nd_accept(counters: bool) -> Vec<Expr<'static>> {
    let x = vec![
        payload(NH, 6, 1),
        eq(NFT_REG_1, &[IPPROTO_ICMPV6]),
        payload(TH, 0, 1),
        lookup(ND_SET),
    ];
    with_verdict(x, Expr::Verdict(NF_ACCEPT), counters)
}

/// `ip6 saddr|daddr fe80::/10 goto out_link_local|in_link_local`.
pub fn link_local_goto(saddr: bool, counters: bool) -> Vec<Expr<'static>> {
    let x = vec![
        payload(NH, addr_offset(true, saddr), 16),
        Expr::Bitwise {
            sreg: NFT_REG_1,
            dreg: NFT_REG_1,
            mask: &LL_MASK,
            xor: &[0; 16],
        },
        eq(NFT_REG_1, &LL_PREFIX),
    ];
    let to = if saddr {
        "out_link_local"
    } else {
        "in_link_local"
    };
    with_verdict(x, Expr::Goto(to), counters)
}

/// `ip6 saddr . oif @vips_link_local drop` and the like (by name: `oifname`, the name set).
pub fn link_local_drop(by_name: bool, saddr: bool, counters: bool) -> Vec<Expr<'static>> {
    let (dev, set) = match (saddr, by_name) {
        (true, false) => (NFT_META_OIF, LL_SET),
        (false, false) => (NFT_META_IIF, LL_SET),
        (true, true) => (NFT_META_OIFNAME, LL_NAME_SET),
        (false, true) => (NFT_META_IIFNAME, LL_NAME_SET),
    };
    let x = vec![
        payload(NH, addr_offset(true, saddr), 16),
        Expr::Meta {
            key: dev,
            dreg: NFT_REG_2,
        },
        lookup(set),
    ];
    with_verdict(x, Expr::Verdict(NF_DROP), counters)
}

/// `meta oifkind "macvlan" oif` into register 2.
fn on_a_macvlan() -> [Expr<'static>; 3] {
    [
        Expr::Meta {
            key: NFT_META_OIFKIND,
            dreg: NFT_REG_2,
        },
        eq(NFT_REG_2, &MACVLAN),
        Expr::Meta {
            key: NFT_META_OIF,
            dreg: NFT_REG_2,
        },
    ]
}

/// `ip protocol igmp` / `icmpv6 type mld2-listener-report` leaving a VMAC: `dup to <its
/// destination> device <the parent> ... drop`.
pub fn igmp_dup(v6: bool, counters: bool) -> Vec<Expr<'static>> {
    let mut x = if v6 {
        vec![
            Expr::Meta {
                key: NFT_META_L4PROTO,
                dreg: NFT_REG_1,
            },
            eq(NFT_REG_1, &[IPPROTO_ICMPV6]),
            payload(TH, 0, 1),
            eq(NFT_REG_1, &[MLD2_REPORT]),
            payload(NH, 24, 16),
        ]
    } else {
        vec![
            payload(NH, 9, 1),
            eq(NFT_REG_1, &[IPPROTO_IGMP]),
            payload(NH, 16, 4),
        ]
    };
    x.extend(on_a_macvlan());
    x.push(Expr::Lookup {
        sreg: NFT_REG_2,
        dreg: Some(NFT_REG_2),
        set: VMAC_MAP,
        set_id: VMAC_LOOKUP_ID,
    });
    x.push(Expr::Dup {
        sreg_addr: NFT_REG_1,
        sreg_dev: NFT_REG_2,
    });
    with_verdict(x, Expr::Verdict(NF_DROP), counters)
}

/// `icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop`.
pub fn router_solicit_drop(counters: bool) -> Vec<Expr<'static>> {
    let mut x = vec![
        Expr::Meta {
            key: NFT_META_L4PROTO,
            dreg: NFT_REG_1,
        },
        eq(NFT_REG_1, &[IPPROTO_ICMPV6]),
        payload(TH, 0, 1),
        eq(NFT_REG_1, &[ND_ROUTER_SOLICIT]),
    ];
    x.extend(on_a_macvlan());
    x.push(Expr::Lookup {
        sreg: NFT_REG_2,
        dreg: None,
        set: VMAC_SET,
        set_id: VMAC_LOOKUP_ID,
    });
    with_verdict(x, Expr::Verdict(NF_DROP), counters)
}
