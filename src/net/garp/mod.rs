//! Gratuitous ARP and unsolicited neighbour advertisements, the frames a new master sends so
//! that hosts and switches move the VIPs to its MAC (keepalived-facts §2.9).
//!
//! Both are whole Ethernet frames written into fixed buffers by pure functions, byte for byte
//! what keepalived 2.2.7 sends, and sent from one AF_PACKET socket ([`GarpSocket`]). keepalived
//! sends its NAs from a packet socket too: the source is the VIP itself, which a raw ICMPv6
//! socket would refuse while the VIP is still tentative or not yet on the interface.
//! Ethernet only (keepalived also handles InfiniBand; routers rarely need it).

mod socket;

use std::net::{Ipv4Addr, Ipv6Addr};

pub use socket::{ipv6_forwarding, GarpSocket};

/// An Ethernet MAC address.
pub(crate) type Mac = [u8; 6];

const BROADCAST: Mac = [0xff; 6];
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETH_HLEN: usize = 14;

/// Ethernet header + ARP for IPv4 over Ethernet.
pub const GARP_FRAME_LEN: usize = ETH_HLEN + 28;
/// Ethernet + IPv6 header + NA (24) + target link-layer address option (8).
pub const NA_FRAME_LEN: usize = ETH_HLEN + 40 + 24 + 8;

const ARPHRD_ETHER: u16 = 1;
const ARPOP_REQUEST: u16 = 1;
const IPPROTO_ICMPV6: u8 = 58;
const ND_NEIGHBOR_ADVERT: u8 = 136;
const ND_OPT_TARGET_LINKADDR: u8 = 2;
const NA_FLAG_ROUTER: u8 = 0x80;
const NA_FLAG_OVERRIDE: u8 = 0x20;
/// Neighbour discovery messages must carry hop limit 255 (RFC 4861 §7.1.2).
const NDISC_HOPLIMIT: u8 = 255;
/// ff02::1, all nodes.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// ff02::1 mapped to Ethernet (RFC 2464 §7).
const ALL_NODES_MAC: Mac = [0x33, 0x33, 0, 0, 0, 1];

fn ethernet(buf: &mut [u8], dst: Mac, src: Mac, ethertype: u16) {
    buf[0..6].copy_from_slice(&dst);
    buf[6..12].copy_from_slice(&src);
    buf[12..14].copy_from_slice(&ethertype.to_be_bytes());
}

/// A gratuitous ARP for `vip` from `mac`: an ARP request, broadcast, with sender and target IP
/// both the VIP and target MAC the broadcast address, as keepalived sends it.
pub fn build_garp(buf: &mut [u8; GARP_FRAME_LEN], mac: Mac, vip: Ipv4Addr) -> &[u8] {
    ethernet(buf, BROADCAST, mac, ETHERTYPE_ARP);
    let arp = &mut buf[ETH_HLEN..];
    arp[0..2].copy_from_slice(&ARPHRD_ETHER.to_be_bytes());
    arp[2..4].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    arp[4] = 6;
    arp[5] = 4;
    arp[6..8].copy_from_slice(&ARPOP_REQUEST.to_be_bytes());
    arp[8..14].copy_from_slice(&mac);
    arp[14..18].copy_from_slice(&vip.octets());
    arp[18..24].copy_from_slice(&BROADCAST);
    arp[24..28].copy_from_slice(&vip.octets());
    &buf[..]
}

/// An unsolicited neighbour advertisement for `vip` from `mac`, to all nodes, with the VIP as
/// source address, Override set, Router set when the interface forwards IPv6 (see
/// [`ipv6_forwarding`]), and a target link-layer address option.
pub fn build_unsolicited_na(
    buf: &mut [u8; NA_FRAME_LEN],
    mac: Mac,
    vip: Ipv6Addr,
    router: bool,
) -> &[u8] {
    const ICMP_LEN: usize = 24 + 8;
    ethernet(buf, ALL_NODES_MAC, mac, ETHERTYPE_IPV6);
    let ip = &mut buf[ETH_HLEN..ETH_HLEN + 40];
    ip[0..4].copy_from_slice(&[0x60, 0, 0, 0]);
    ip[4..6].copy_from_slice(&(ICMP_LEN as u16).to_be_bytes());
    ip[6] = IPPROTO_ICMPV6;
    ip[7] = NDISC_HOPLIMIT;
    ip[8..24].copy_from_slice(&vip.octets());
    ip[24..40].copy_from_slice(&ALL_NODES.octets());
    let icmp = &mut buf[ETH_HLEN + 40..];
    icmp[0] = ND_NEIGHBOR_ADVERT;
    icmp[1] = 0;
    icmp[2..4].fill(0);
    icmp[4] = NA_FLAG_OVERRIDE | if router { NA_FLAG_ROUTER } else { 0 };
    icmp[5..8].fill(0);
    icmp[8..24].copy_from_slice(&vip.octets());
    icmp[24] = ND_OPT_TARGET_LINKADDR;
    icmp[25] = 1;
    icmp[26..32].copy_from_slice(&mac);
    let sum = icmpv6_checksum(vip, ALL_NODES, icmp);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    &buf[..]
}

/// The ICMPv6 checksum of `msg` (its checksum field zero) with the RFC 8200 §8.1 pseudo-header.
fn icmpv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, msg: &[u8]) -> u16 {
    super::checksum::ipv6_pseudo(src, dst, IPPROTO_ICMPV6, msg.len())
        .feed(msg)
        .finish()
}

#[cfg(test)]
mod tests;
