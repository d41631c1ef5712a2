//! KEEPALIVED-MIB's check subtree walked through the trait over tests/snmp/conf/check.conf in
//! the state keepalived 2.2.7 had when tests/snmp_checker_vm.rs walked it (127.0.0.2:8082
//! down, the rest up), compared line by line with that walk.

use std::path::Path;

use super::keepalived_check::{KeepalivedCheck, Texts, ROOT};
use crate::check::checkers::view::{CheckerLive, Live, RsLive};
use crate::check::CheckerId;
use crate::config::{load, Config, LoadOptions};
use crate::core::alloc::Scope;
use crate::snmp::mib::{Mib, Oid, Value};
use crate::snmp::walk_text::{recorded, walk};

const WALK: &str = include_str!("../../../tests/snmp/walks/check.keepalived.walk");

fn config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snmp/conf/check.conf");
    let mut opts = LoadOptions::default();
    opts.seen_interfaces = vec!["lo".into()];
    let (cfg, d) = load(&path, &opts);
    assert!(!d.has_errors(), "{d}");
    cfg
}

/// Real server 3 of the second virtual server (127.0.0.2:8082) is down; quorums are up.
struct Lab;

impl Live for Lab {
    fn checker(&self, _: CheckerId) -> Option<CheckerLive> {
        None
    }

    fn real_server(&self, vs: usize, rs: usize) -> RsLive {
        let down = (vs, rs) == (1, 1);
        RsLive {
            alive: !down,
            failed: u32::from(down),
            notify_users: [(0, 0); 2],
        }
    }

    fn quorum_up(&self, _: usize) -> bool {
        true
    }
}

#[test]
fn walk_is_keepalived_s() {
    let cfg = config();
    let texts = Texts::new(&cfg);
    let mib = KeepalivedCheck::new(&cfg, &Lab, &texts);
    let ours = walk(&mib, true);
    let theirs = recorded(WALK, &[]);
    for (k, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(o, t, "line {k} differs");
    }
    assert_eq!(ours.len(), theirs.len());
}

#[test]
fn missing_instances_of_registered_columns_are_no_such_instance() {
    let cfg = config();
    let texts = Texts::new(&cfg);
    let mib = KeepalivedCheck::new(&cfg, &Lab, &texts);
    let oid = |sub: &[u32]| [ROOT, sub].concat();
    // The sorry server (row 2.1) has no weight; keepalived registered the column.
    assert_eq!(mib.get(&oid(&[4, 1, 7, 2, 1]), &mut [0; 64]), None);
    assert_eq!(mib.has_object(&oid(&[4, 1, 7, 2, 1])), Some(true));
    assert_eq!(
        mib.get(&oid(&[4, 1, 7, 2, 2]), &mut [0; 64]),
        Some(Value::Integer(2))
    );
    // Column 72 of the virtual server table and table 5 (traps) are not objects.
    assert_eq!(mib.has_object(&oid(&[3, 1, 72, 1])), Some(false));
    assert_eq!(mib.has_object(&oid(&[5, 0, 1])), Some(false));
    assert_eq!(
        mib.get(&oid(&[7, 1, 0]), &mut [0; 64]),
        Some(Value::Integer(900))
    );
}

#[test]
fn walking_allocates_nothing() {
    let probe = Scope::new();
    drop(std::hint::black_box(vec![0u8; 16]));
    let counting = probe.allocs() > 0;
    let cfg = config();
    let texts = Texts::new(&cfg);
    let mib = KeepalivedCheck::new(&cfg, &Lab, &texts);
    let (mut at, mut found) = (Oid::from_slice(ROOT).unwrap_or_default(), Oid::new());
    let mut scratch = [0u8; 256];
    let mut n = 0;
    let s = Scope::new();
    while mib.next(&at, &mut found, &mut scratch).is_some() {
        at.clone_from(&found);
        n += 1;
    }
    let allocs = s.allocs();
    assert_eq!(n, recorded(WALK, &[]).len());
    if counting {
        assert_eq!(allocs, 0);
    } else {
        println!("SKIPPED allocation count: this test binary has no counting allocator");
    }
}
