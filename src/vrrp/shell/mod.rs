//! The VRRP child's I/O shell: sockets, netlink and timers around the instance state machines.
