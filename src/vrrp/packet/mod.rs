//! VRRPv2/v3 adverts over IPv4/IPv6: parse and emit over fixed buffers. PLACEHOLDER.
