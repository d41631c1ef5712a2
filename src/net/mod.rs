//! Kernel interfaces: rtnetlink (addresses, links, the reflector), raw and packet sockets.
//! The only place besides `core` that talks to the kernel directly.

pub mod checksum;
pub mod garp;
pub mod iface;
pub mod netlink;
pub mod nft;
pub mod proc_events;
pub mod rtnl;
pub mod sockaddr;
pub mod sysctl;
pub mod vrrp_socket;
