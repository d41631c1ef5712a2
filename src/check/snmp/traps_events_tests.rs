//! The manager driven through tests/snmp_checker_traps_vm.rs's run (start, 127.0.0.1:8081 down
//! and up, a reload that removes it, stop) gives the events whose traps are keepalived's
//! recorded ones, in its order.

use std::path::Path;

use super::*;
use crate::check::ipvs::plan::plan;
use crate::check::snmp::traps::build;
use crate::check::CheckerId;
use crate::config::{load, Config, LoadOptions};
use crate::snmp::walk_text::line;

const RECORDED: &str = include_str!("../../../tests/snmp/traps/check.traps");

fn config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snmp/traps/check.conf");
    let (cfg, d) = load(&path, &LoadOptions::default());
    assert!(!d.has_errors(), "{d}");
    cfg
}

/// The recorded traps, each as its varbinds after sysUpTime.0, tab-joined.
fn recorded() -> Vec<String> {
    RECORDED
        .split("\n\n")
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.lines().skip(1).collect::<Vec<_>>().join("\t"))
        .collect()
}

/// A checker's result, and the events its notices give.
fn check(mgr: &mut Manager, vs: usize, rs: usize, up: bool, out: &mut Vec<Event>) {
    mgr.checker_changed(CheckerId { vs, rs, ck: 0 }, up);
    let notices: Vec<Notice> = mgr.take_notices().collect();
    out.extend(notices.iter().filter_map(|n| noticed(n, mgr, true)));
}

#[test]
fn the_lab_s_run_gives_keepalived_s_traps_in_its_order() {
    let cfg = config();
    let mut mgr = Manager::new(plan(&cfg.lvs));
    // Nothing the manager notices at start is a trap keepalived sends then: at_start says it.
    let start: Vec<Notice> = mgr.take_notices().collect();
    assert!(start.iter().all(|n| !matches!(n, Notice::Rs { .. })));
    let mut evs = Vec::new();
    at_start(&mgr, &mut evs);
    check(&mut mgr, 2, 0, true, &mut evs); // the alpha fwmark service's first check
    check(&mut mgr, 1, 1, false, &mut evs); // 8081 down
    check(&mut mgr, 1, 1, true, &mut evs); // 8081 up
    let cfg2 = crate::check::snmp::traps::tests::reloaded_config();
    let new = Manager::reloaded(plan(&cfg2.lvs), &mgr);
    let mut old = Vec::new();
    for n in mgr.gone_in(&new) {
        let ev = gone(&n, &mgr, &old).expect("a trap");
        old.push(ev);
    }
    let n_old = evs.len() + old.len();
    evs.extend(old);
    let mut mgr = new;
    let notices: Vec<Notice> = mgr.take_notices().collect();
    evs.extend(notices.iter().filter_map(|n| noticed(n, &mgr, true)));
    at_stop(&mgr, false, &mut evs);
    let ours: Vec<String> = evs
        .iter()
        .enumerate()
        .map(|(k, ev)| {
            let c = if k < n_old { &cfg } else { &cfg2 };
            let t = build(c, ev, "trapvm").expect("built");
            t.with(|vbs| {
                let l: Vec<String> = vbs
                    .iter()
                    .map(|(n, v)| line(n, *v).trim_end().to_string())
                    .collect();
                l.join("\t")
            })
        })
        .collect();
    assert_eq!(ours, recorded());
}

#[test]
fn a_stop_with_the_sorry_server_serving_counts_the_alive_servers_but_traps_none() {
    let cfg = config();
    let mut mgr = Manager::new(plan(&cfg.lvs));
    let mut evs = Vec::new();
    check(&mut mgr, 1, 1, false, &mut evs);
    assert!(!mgr.quorum_up(1));
    evs.clear();
    at_stop(&mgr, false, &mut evs);
    let vs1: Vec<&Event> = evs.iter().filter(|e| e.vs == 1).collect();
    assert_eq!(vs1.len(), 1);
    assert_eq!(vs1[0].what, What::Quorum(Quorum::Stopping));
    assert_eq!(vs1[0].up, 1);
    evs.clear();
    at_stop(&mgr, true, &mut evs);
    assert!(evs
        .iter()
        .all(|e| matches!(e.what, What::Quorum(Quorum::Stopping))));
    assert_eq!(evs.len(), 3);
}

#[test]
fn a_reload_s_removed_servers_count_down_then_their_quorum() {
    let cfg = config();
    let mgr = Manager::new(plan(&cfg.lvs));
    let (mut before, vs) = (Vec::new(), 1);
    for n in [
        Notice::Rs {
            vs,
            rs: 0,
            alive: false,
            by: By::Gone,
        },
        Notice::Rs {
            vs,
            rs: 1,
            alive: false,
            by: By::Gone,
        },
        Notice::Quorum {
            vs,
            up: false,
            init: false,
            sum: 0,
            thr: 1,
            reload: false,
            swap: false,
        },
    ] {
        let ev = gone(&n, &mgr, &before).expect("a trap");
        before.push(ev);
    }
    let ups: Vec<u32> = before.iter().map(|e| e.up).collect();
    assert_eq!(ups, [1, 0, 0]);
    assert_eq!(before[2].what, What::Quorum(Quorum::Down));
}
