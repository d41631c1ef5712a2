//! KEEPALIVED-MIB's check subtree walked through the trait over tests/snmp/conf/check.conf in
//! the state keepalived 2.2.7 had when tests/snmp_checker_vm.rs walked it (127.0.0.2:8082
//! down, the rest up), compared line by line with that walk.

use std::path::Path;

use super::keepalived_check::{Counted, KeepalivedCheck, Texts, ROOT};
use crate::check::checkers::view::{CheckerLive, Live, RsLive};
use crate::check::ipvs::stats::Counters;
use crate::check::CheckerId;
use crate::config::lvs::LvsConfig;
use crate::config::{load, Config, LoadOptions};
use crate::core::alloc::Scope;
use crate::snmp::mib::{Mib, Value};
use crate::snmp::walk_text::{count_walk, recorded, walk};

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
    let (n, allocs) = count_walk(&mib);
    assert_eq!(n, recorded(WALK, &[]).len());
    if counting {
        assert_eq!(allocs, 0);
    } else {
        println!("SKIPPED allocation count: this test binary has no counting allocator");
    }
}

/// Counts as the kernel would give them: virtual server 2 (10.9.0.1:80) has passed 4 G
/// packets out; its sorry server and first real server have their own.
struct Kernel {
    high: [std::cell::Cell<u32>; 2],
}

impl Counted for Kernel {
    fn vs(&self, _: &LvsConfig, vs: usize) -> Counters {
        let mut c = Counters::default();
        if vs == 1 {
            c.0[..10].copy_from_slice(&[
                7,
                (1 << 32) + 5,
                (3 << 32) + 9,
                6 << 32,
                8,
                2,
                3,
                4,
                5,
                6,
            ]);
        }
        c
    }

    fn server(&self, _: &LvsConfig, vs: usize, slot: usize) -> Counters {
        let mut c = Counters::default();
        if vs == 1 {
            c.0 = [slot as u64 + 1; 13];
            c.0[12] = 40 + slot as u64;
        }
        c
    }

    fn last_high(&self) -> &[std::cell::Cell<u32>; 2] {
        &self.high
    }
}

#[test]
fn statistics_columns_are_the_kernel_s_with_keepalived_s_types() {
    let cfg = config();
    let texts = Texts::new(&cfg);
    let k = Kernel {
        high: Default::default(),
    };
    let mib = KeepalivedCheck::new(&cfg, &Lab, &texts).with_counters(&k);
    // Values as text: a value borrows the request's scratch buffer.
    let get = |sub: &[u32]| format!("{:?}", mib.get(&[ROOT, sub].concat(), &mut [0; 64]));
    let vs = |col: u32| get(&[3, 1, col, 2]);
    assert_eq!(vs(27), format!("{:?}", Some(Value::Gauge32(7))));
    // Counter32 columns: the low 32 bits.
    assert_eq!(vs(28), format!("{:?}", Some(Value::Counter32(5))));
    assert_eq!(vs(29), format!("{:?}", Some(Value::Counter32(9))));
    assert_eq!(vs(30), format!("{:?}", Some(Value::Counter64(6 << 32))));
    assert_eq!(vs(32), format!("{:?}", Some(Value::Gauge32(2))));
    assert_eq!(vs(36), format!("{:?}", Some(Value::Gauge32(6))));
    assert_eq!(
        vs(40),
        format!("{:?}", Some(Value::Counter64((3 << 32) + 9)))
    );
    // A rate's Low column answers the high word of the last Counter64 served (3, from
    // column 40), its High column the rate's own high word.
    assert_eq!(vs(41), format!("{:?}", Some(Value::Gauge32(3))));
    assert_eq!(vs(42), format!("{:?}", Some(Value::Gauge32(0))));
    assert_eq!(
        vs(39),
        format!("{:?}", Some(Value::Counter64((1 << 32) + 5)))
    );
    assert_eq!(vs(49), format!("{:?}", Some(Value::Gauge32(1))));
    // The other virtual servers are not in the kernel: 0.
    assert_eq!(
        get(&[3, 1, 27, 1]),
        format!("{:?}", Some(Value::Gauge32(0)))
    );
    // Real server rows: the sorry server (2.1) then the real servers.
    let rs = |col: u32, b: u32| get(&[4, 1, col, 2, b]);
    assert_eq!(rs(14, 1), format!("{:?}", Some(Value::Gauge32(1))));
    assert_eq!(rs(17, 1), format!("{:?}", Some(Value::Gauge32(40))));
    assert_eq!(rs(15, 2), format!("{:?}", Some(Value::Gauge32(2))));
    assert_eq!(rs(17, 3), format!("{:?}", Some(Value::Gauge32(42))));
    assert_eq!(rs(18, 2), format!("{:?}", Some(Value::Counter32(2))));
    assert_eq!(rs(21, 2), format!("{:?}", Some(Value::Counter64(2))));
    assert_eq!(rs(26, 2), format!("{:?}", Some(Value::Gauge32(2))));
    assert_eq!(rs(29, 2), format!("{:?}", Some(Value::Counter64(2))));
    assert_eq!(rs(30, 2), format!("{:?}", Some(Value::Gauge32(0))));
    assert_eq!(rs(39, 2), format!("{:?}", Some(Value::Gauge32(0))));
    // Each table keeps its own last Counter64.
    assert_eq!(vs(43), format!("{:?}", Some(Value::Gauge32(1))));
}
