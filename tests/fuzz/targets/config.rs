//! keepalived.conf bytes read as a file by the real reader (definitions, sequences,
//! conditionals, blocks), then the whole build: typed sections and their checks, each VRRP
//! instance's plan and router, the reload pairing, the IPVS plan. Runs in its own network
//! namespace (the runner's `unshare -n`): `smtp_server` names are resolved.
#![no_main]

mod common;

/// Bigger inputs only make each run slower (the reader bounds what `~SEQ`/`$NAME` expand to).
const MAX_LEN: usize = 16 * 1024;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // An include would read files outside the scratch directory.
    if data.len() > MAX_LEN || data.windows(4).any(|w| w == b"lude") {
        return;
    }
    let path = common::write("keepalived.conf", data);
    keepalived::fuzzing::config(&path);
});
