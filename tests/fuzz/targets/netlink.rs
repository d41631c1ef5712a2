//! A netlink datagram through every reply parser: rtnetlink links, addresses and the
//! reflector's events, IPVS generic netlink, and the acknowledgements nftables and every
//! request read.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keepalived::fuzzing::netlink(data));
