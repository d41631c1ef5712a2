//! Netlink message and attribute encoding over fixed buffers. PLACEHOLDER.
