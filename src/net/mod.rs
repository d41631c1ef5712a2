//! Kernel interfaces: rtnetlink (addresses, links, the reflector), raw and packet sockets.
//! The only place besides `core` that talks to the kernel directly.

pub(crate) mod bfd_socket;
pub(crate) mod checksum;
pub(crate) mod cmsg;
pub mod garp;
pub(crate) mod iface;
pub mod netlink;
pub(crate) mod nft;
pub(crate) mod page_buf;
pub(crate) mod proc_events;
pub mod rtnl;
pub(crate) mod sockaddr;
pub(crate) mod sockopt;
pub(crate) mod sysctl;
pub mod vrrp_socket;
