//! nf_tables over nfnetlink (NETLINK_NETFILTER): a batch writer for the objects the VRRP
//! firewall needs (tables, chains, sets/maps, elements, rules) and the transport that sends a
//! batch and matches the kernel's acknowledgements to the messages.
//!
//! Layout is the kernel ABI (include/uapi/linux/netfilter/nf_tables.h, nfnetlink.h): every
//! message carries a 4-byte `nfgenmsg` (family, version 0, resource id); nf_tables integers
//! inside attributes are big-endian, unlike rtnetlink's. Attribute order follows libnftnl, so
//! our bytes equal keepalived's (src/vrrp/firewall_tests.rs compares them).

mod batch;
mod expr;
mod send;

pub(crate) use batch::{Batch, Elem, SetSpec};
pub(crate) use expr::Expr;
pub(crate) use send::Nft;

pub(crate) const NFPROTO_IPV4: u8 = 2;
pub(crate) const NFPROTO_IPV6: u8 = 10;

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 16;
const NFNL_MSG_BATCH_END: u16 = 17;

const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_GETTABLE: u16 = 1;
pub(crate) const NFT_MSG_DELTABLE: u16 = 2;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
const NFT_MSG_NEWSET: u16 = 9;
pub(crate) const NFT_MSG_NEWSETELEM: u16 = 12;
const NFT_MSG_DELSETELEM: u16 = 14;

pub(crate) const NF_INET_LOCAL_IN: u32 = 1;
pub(crate) const NF_INET_LOCAL_OUT: u32 = 3;
pub(crate) const NF_DROP: u32 = 0;
pub(crate) const NF_ACCEPT: u32 = 1;
const NFT_GOTO: u32 = (-4i32) as u32;

pub(crate) const NFT_SET_CONSTANT: u32 = 0x2;
pub(crate) const NFT_SET_MAP: u32 = 0x8;

/// nft's data type numbers (nftables include/datatype.h), stored in the set so that `nft
/// list` prints the elements as addresses and interfaces.
pub(crate) const TYPE_IPADDR: u32 = 7;
pub(crate) const TYPE_IP6ADDR: u32 = 8;
pub(crate) const TYPE_IFINDEX: u32 = 20;
pub(crate) const TYPE_ICMPV6_TYPE: u32 = 29;
pub(crate) const TYPE_IFNAME: u32 = 41;
/// Concatenated types are packed 6 bits apiece.
pub(crate) const TYPE_BITS: u32 = 6;

const NFT_REG_VERDICT: u32 = 0;
pub(crate) const NFT_REG_1: u32 = 1;
pub(crate) const NFT_REG_2: u32 = 2;

pub(crate) const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
pub(crate) const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;

pub(crate) const NFT_META_IIF: u32 = 4;
pub(crate) const NFT_META_OIF: u32 = 5;
pub(crate) const NFT_META_IIFNAME: u32 = 6;
pub(crate) const NFT_META_OIFNAME: u32 = 7;
pub(crate) const NFT_META_L4PROTO: u32 = 16;
pub(crate) const NFT_META_OIFKIND: u32 = 27;
