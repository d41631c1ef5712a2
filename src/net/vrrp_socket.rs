//! Raw IP protocol 112 sockets for VRRP adverts, IPv4 and IPv6. PLACEHOLDER.
