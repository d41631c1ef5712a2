//! keepalived.conf bytes read as a file by the real reader (definitions, sequences,
//! conditionals, blocks), then the whole build: typed sections and their checks, each VRRP
//! instance's plan and router, the reload pairing, the IPVS plan. Runs in its own network
//! namespace (the runner's `unshare -n`): `smtp_server` names are resolved.
#![no_main]

mod common;

/// Bigger inputs only make `~SEQ`/`$NAME` expansion slower.
const MAX_LEN: usize = 16 * 1024;
/// `$NAME` chains that double at each step blow up exponentially; a few stay cheap.
const MAX_DOLLARS: usize = 16;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // An include would read files outside the scratch directory.
    if data.len() > MAX_LEN || data.windows(4).any(|w| w == b"lude") {
        return;
    }
    // Expansion is not bounded in time yet: a `~SEQ` met through a `$NAME` definition ran for
    // minutes (reported; its bound is being written in the reader). Until then, skip what can
    // blow up.
    let dollars = data.iter().filter(|b| **b == b'$').count();
    if dollars > MAX_DOLLARS || (dollars > 0 && data.contains(&b'~')) {
        return;
    }
    let path = common::write("keepalived.conf", data);
    keepalived::fuzzing::config(&path);
});
