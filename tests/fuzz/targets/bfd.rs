//! A BFD Control datagram through the receive checks of RFC 5880 §6.8.6, and what is accepted
//! written back.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keepalived::fuzzing::bfd(data));
