//! One word through the config's value parsers (booleans, timers, addresses and prefixes,
//! interface names, routing table names and numbers, schedulers, signal names).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keepalived::fuzzing::values(data));
