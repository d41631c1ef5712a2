//! Built traps against those keepalived 2.2.7 sent for tests/snmp/traps/check.conf in the IPVS
//! VM (tests/snmp_checker_traps_vm.rs): start, 127.0.0.1:8081 down and up, a reload that
//! removes it, stop.

use std::path::Path;

use super::*;
use crate::config::{load, LoadOptions};
use crate::core::alloc::Scope;
use crate::snmp::walk_text::{line, recorded_traps};

const RECORDED: &str = include_str!("../../../tests/snmp/traps/check.traps");
const ID: &str = "trapvm";

fn config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snmp/traps/check.conf");
    let (cfg, d) = load(&path, &LoadOptions::default());
    assert!(!d.has_errors(), "{d}");
    cfg
}

/// The reload's config: 127.0.0.1:8081 leaves 10.9.0.1:80 (as the lab writes it).
pub(crate) fn reloaded_config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snmp/traps/check.conf");
    let text = std::fs::read_to_string(&path).expect("check.conf");
    let gone = "    real_server 127.0.0.1 8081 {\n        TCP_CHECK {\n            connect_timeout 1\n            retry 0\n        }\n    }\n";
    let text2 = text.replace(gone, "");
    assert_ne!(text, text2);
    let tmp = std::env::temp_dir().join(format!("cktraps-reload-{}.conf", std::process::id()));
    std::fs::write(&tmp, text2).expect("write");
    let (cfg, d) = load(&tmp, &LoadOptions::default());
    let _ = std::fs::remove_file(&tmp);
    assert!(!d.has_errors(), "{d}");
    cfg
}

fn recorded() -> Vec<Vec<String>> {
    recorded_traps(RECORDED)
}

fn lines(t: &Trap<'_>) -> Vec<String> {
    t.with(|vbs| {
        vbs.iter()
            .map(|(n, v)| line(n, *v).trim_end().to_string())
            .collect()
    })
}

fn rs(vs: usize, rs: usize, alive: bool, up: u32) -> Event {
    let what = What::Rs { rs, alive };
    Event { vs, what, up }
}

fn quorum(vs: usize, q: Quorum, up: u32) -> Event {
    let what = What::Quorum(q);
    Event { vs, what, up }
}

/// The run's events, in keepalived's order: services 0 (group G), 1 (10.9.0.1:80, quorum 2,
/// sorry server) and 2 (fwmark 7, alpha); true for those named in the reloaded config.
fn run() -> Vec<(bool, Event)> {
    let before = [
        // Start: G and 10.9.0.1 start with their quorum; the fwmark's server passes its
        // first check and brings its quorum.
        quorum(0, Quorum::Up, 1),
        quorum(1, Quorum::Up, 2),
        rs(2, 0, true, 1),
        quorum(2, Quorum::Up, 1),
        // 8081 down, quorum lost; 8081 up, quorum back.
        rs(1, 1, false, 1),
        quorum(1, Quorum::Down, 1),
        rs(1, 1, true, 2),
        quorum(1, Quorum::Up, 2),
        // The reload removes 8081: its trap and the quorum its going loses, in the old
        // config (2 servers, quorum 2; the new one has 1 and keepalived lowers quorum to 1).
        rs(1, 1, false, 1),
        quorum(1, Quorum::Down, 1),
    ];
    let after = [
        // Stop: each service's alive servers, then its quorum as 3.
        rs(0, 0, false, 0),
        quorum(0, Quorum::Stopping, 0),
        rs(1, 0, false, 0),
        quorum(1, Quorum::Stopping, 0),
        rs(2, 0, false, 0),
        quorum(2, Quorum::Stopping, 0),
    ];
    let b = before.into_iter().map(|e| (false, e));
    b.chain(after.into_iter().map(|e| (true, e))).collect()
}

#[test]
fn traps_are_keepalived_s_varbind_for_varbind() {
    let (cfg, cfg2) = (config(), reloaded_config());
    let theirs = recorded();
    let events = run();
    assert_eq!(theirs.len(), events.len());
    for (k, ((after, ev), t)) in events.iter().zip(&theirs).enumerate() {
        let c = if *after { &cfg2 } else { &cfg };
        let ours = build(c, ev, ID).map(|t| lines(&t));
        assert_eq!(ours.as_ref(), Some(t), "trap {k} ({ev:?}) differs");
    }
}

#[test]
fn an_ipv6_service_s_addresses_are_16_octets_and_type_2() {
    let path = std::env::temp_dir().join(format!("cktraps-{}.conf", std::process::id()));
    std::fs::write(
        &path,
        "virtual_server 2001:db8::1 443 {\n protocol TCP\n real_server 2001:db8::2 8443 {\n \
         TCP_CHECK {\n }\n }\n}\n",
    )
    .expect("write");
    let (cfg, d) = load(&path, &LoadOptions::default());
    let _ = std::fs::remove_file(&path);
    assert!(!d.has_errors(), "{d}");
    let t = build(&cfg, &rs(0, 0, true, 1), ID).map(|t| lines(&t));
    let t = t.expect("built");
    assert_eq!(t[1], ".1.3.6.1.4.1.9586.100.5.3.4.1.3 = INTEGER: 2");
    assert!(
        t[2].contains("20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 02"),
        "{t:?}"
    );
    assert_eq!(t[3], ".1.3.6.1.4.1.9586.100.5.3.4.1.5 = Gauge32: 8443");
    assert_eq!(t[6], ".1.3.6.1.4.1.9586.100.5.3.3.1.5 = INTEGER: 2");
    assert_eq!(t.len(), 13, "the longest trap fits");
}

#[test]
fn an_event_for_a_server_the_config_no_longer_has_builds_nothing() {
    let cfg = config();
    assert!(build(&cfg, &rs(1, 7, true, 1), ID).is_none());
    assert!(build(&cfg, &quorum(9, Quorum::Up, 1), ID).is_none());
}

#[test]
fn building_a_trap_allocates_nothing() {
    let probe = Scope::new();
    drop(std::hint::black_box(vec![0u8; 16]));
    let counting = probe.allocs() > 0;
    let cfg = config();
    let events = run();
    let s = Scope::new();
    let mut n = 0;
    for (_, ev) in &events {
        if let Some(t) = build(&cfg, ev, ID) {
            n += t.with(|vbs| vbs.len());
        }
    }
    let allocs = s.allocs();
    assert_eq!(n, recorded().iter().map(Vec::len).sum::<usize>());
    if counting {
        assert_eq!(allocs, 0);
    } else {
        println!("SKIPPED allocation count: this test binary has no counting allocator");
    }
}
