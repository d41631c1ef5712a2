//! Link requests for VMACs (include/uapi/linux/if_link.h): create a private-mode macvlan with
//! a given name and MAC on a parent, stop the kernel giving it an IPv6 link-local address,
//! bring it up, and delete it.

use crate::net::netlink::{Error, MsgBuilder, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST};

use super::kind::{IFLA_LINK, IFLA_LINKINFO};
use super::{
    IFF_UP, IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_GROUP, IFLA_IFNAME, RTM_DELLINK, RTM_NEWLINK,
};

const IFLA_AF_SPEC: u16 = 26;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_MACVLAN_MODE: u16 = 1;
const MACVLAN_MODE_PRIVATE: u32 = 1;
const IFLA_INET6_ADDR_GEN_MODE: u16 = 8;
const IN6_ADDR_GEN_MODE_NONE: u8 = 1;

pub(crate) const LINK_REQ_LEN: usize = 256;

fn ifinfomsg(ifindex: u32, flags: u32, change: u32) -> [u8; IFINFOMSG_LEN] {
    let mut h = [0u8; IFINFOMSG_LEN];
    h[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    h[8..12].copy_from_slice(&flags.to_ne_bytes());
    h[12..16].copy_from_slice(&change.to_ne_bytes());
    h
}

/// `ip link add NAME link PARENT address MAC [group GROUP] type macvlan mode private`. The
/// parent's device group is copied (as keepalived does since 2.3, so firewall rules matching
/// the group keep working with use_vmac); 0 is the kernel's default and is left out.
pub(crate) fn encode_macvlan_create<'b>(
    buf: &'b mut [u8],
    seq: u32,
    name: &str,
    parent: u32,
    mac: &[u8; 6],
    group: u32,
) -> Result<&'b [u8], Error> {
    let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    let mut b = MsgBuilder::new(buf, RTM_NEWLINK, flags, seq);
    b.put(&ifinfomsg(0, 0, 0));
    b.attr(IFLA_ADDRESS, mac);
    b.attr_u32(IFLA_LINK, parent);
    b.attr_str(IFLA_IFNAME, name);
    if group != 0 {
        b.attr_u32(IFLA_GROUP, group);
    }
    let info = b.nest_begin(IFLA_LINKINFO);
    b.attr(IFLA_INFO_KIND, b"macvlan");
    let data = b.nest_begin(IFLA_INFO_DATA);
    b.attr_u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE);
    b.nest_end(data);
    b.nest_end(info);
    b.finish()
}

/// `ip link set IF addrgenmode none`: no automatic link-local address, so an IPv4 VMAC sends
/// no IPv6 traffic of its own and an IPv6 one gets only the address we give it.
pub(crate) fn encode_addr_gen_none(buf: &mut [u8], seq: u32, ifindex: u32) -> Result<&[u8], Error> {
    let mut b = MsgBuilder::new(buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
    b.put(&ifinfomsg(ifindex, 0, 0));
    let spec = b.nest_begin(IFLA_AF_SPEC);
    let v6 = b.nest_begin(libc::AF_INET6 as u16);
    b.attr_u8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
    b.nest_end(v6);
    b.nest_end(spec);
    b.finish()
}

/// `ip link set IF up` (or down).
pub(crate) fn encode_link_updown(
    buf: &mut [u8],
    seq: u32,
    ifindex: u32,
    up: bool,
) -> Result<&[u8], Error> {
    let mut b = MsgBuilder::new(buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
    b.put(&ifinfomsg(ifindex, if up { IFF_UP } else { 0 }, IFF_UP));
    b.finish()
}

/// `ip link del IF`.
pub(crate) fn encode_link_del(buf: &mut [u8], seq: u32, ifindex: u32) -> Result<&[u8], Error> {
    let mut b = MsgBuilder::new(buf, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
    b.put(&ifinfomsg(ifindex, 0, 0));
    b.finish()
}

/// Vectors from iproute2 6.1 (`strace -e write=all`), the parent being ifindex 3 and the
/// macvlan ifindex 4; compared as header plus sorted attributes.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::rtnl::route::tests::{hex, norm};

    fn same(ours: &[u8], vector: &str) {
        let nested = [IFLA_LINKINFO, IFLA_AF_SPEC];
        assert_eq!(
            norm(ours, IFINFOMSG_LEN, &nested),
            norm(&hex(vector), IFINFOMSG_LEN, &nested)
        );
    }

    #[test]
    fn macvlan_create_matches_ip_link_add() {
        let mut buf = [0u8; LINK_REQ_LEN];
        let m =
            encode_macvlan_create(&mut buf, 1, "vrrp.51", 3, &[0, 0, 0x5e, 0, 1, 0x33], 0).unwrap();
        same(m, "5c 00 00 00 10 00 05 06 45 f2 0c 6b 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0a 00 01 00 00 00 5e 00 01 33 00 00 08 00 05 00 03 00 00 00 0c 00 03 00 76 72 72 70 2e 35 31 00 1c 00 12 00 0b 00 01 00 6d 61 63 76 6c 61 6e 00 0c 00 02 00 08 00 01 00 01 00 00 00");
    }

    #[test]
    fn macvlan_create_copies_the_parent_group() {
        let mut buf = [0u8; LINK_REQ_LEN];
        let m =
            encode_macvlan_create(&mut buf, 1, "vrrp.51", 3, &[0, 0, 0x5e, 0, 1, 0x33], 5).unwrap();
        // The vector above plus IFLA_GROUP 5 (`... group 5 type macvlan`).
        same(m, "64 00 00 00 10 00 05 06 45 f2 0c 6b 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0a 00 01 00 00 00 5e 00 01 33 00 00 08 00 05 00 03 00 00 00 0c 00 03 00 76 72 72 70 2e 35 31 00 08 00 1b 00 05 00 00 00 1c 00 12 00 0b 00 01 00 6d 61 63 76 6c 61 6e 00 0c 00 02 00 08 00 01 00 01 00 00 00");
    }

    #[test]
    fn addrgenmode_up_and_delete_match_ip_link() {
        let mut buf = [0u8; LINK_REQ_LEN];
        same(
            encode_addr_gen_none(&mut buf, 1, 4).unwrap(),
            "30 00 00 00 10 00 05 00 45 f2 0c 6b 00 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00 10 00 1a 00 0c 00 0a 00 05 00 08 00 01 00 00 00",
        );
        same(
            encode_link_updown(&mut buf, 1, 4, true).unwrap(),
            "20 00 00 00 10 00 05 00 45 f2 0c 6b 00 00 00 00 00 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00",
        );
        same(
            encode_link_del(&mut buf, 1, 4).unwrap(),
            "20 00 00 00 11 00 05 00 45 f2 0c 6b 00 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00",
        );
    }
}
