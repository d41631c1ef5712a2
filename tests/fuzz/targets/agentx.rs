//! The AgentX session under a master agent that sends anything: requests served from the
//! global MIB group, every PDU we send parsing back.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keepalived::fuzzing::agentx(data));
