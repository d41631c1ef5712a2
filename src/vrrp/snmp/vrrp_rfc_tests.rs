//! VRRP-MIB and VRRPV3-MIB walked through the trait over the views of tests/snmp's recorded
//! states, compared with keepalived 2.2.7's walks of the same states.

use super::keepalived_vrrp_tests::{extras, v2v4, v3v6};
use super::vrrp_rfcv2::{up_time, VrrpRfcv2};
use super::vrrp_rfcv3::VrrpRfcv3;
use crate::core::time::Micros;
use crate::snmp::mib::{Mib, Value};
use crate::snmp::walk_text::{recorded, walk};
use crate::vrrp::fsm::State;

/// Values of the moment (tests/snmp/README.md): up times (the v3 one has its own test below);
/// received adverts depend on when the walk ran.
const RUN_TIME: &[&str] = &[
    ".1.3.6.1.2.1.68.1.3.1.13.",
    ".1.3.6.1.2.1.207.1.1.1.1.12.",
    ".1.3.6.1.2.1.207.1.2.5.1.3.",
];

fn compare(m: &dyn Mib, get_agrees: bool, walk_file: &str) {
    let ours: Vec<String> = walk(m, get_agrees)
        .into_iter()
        .filter(|l| !RUN_TIME.iter().any(|p| l.starts_with(p)))
        .collect();
    let theirs = recorded(walk_file, RUN_TIME);
    for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "line {} differs", k + 1);
    }
    assert_eq!(ours.len(), theirs.len(), "ours: {ours:#?}");
}

#[test]
fn rfc2787_shows_v2_ipv4_instances_and_only_the_first_row_of_its_instance_tables() {
    let (lab, devs) = v2v4();
    let view = lab.view(&devs);
    let mib = VrrpRfcv2::new(&view);
    compare(
        &mib,
        false,
        include_str!("../../../tests/snmp/walks/v2v4.rfcv2.walk"),
    );
    // As in keepalived, a get of an instance row finds nothing; the address table answers.
    let mut scratch = [0u8; 64];
    assert_eq!(
        mib.get(&[1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 2, 51], &mut scratch),
        None
    );
    let vip = [1, 3, 6, 1, 2, 1, 68, 1, 4, 1, 2, 2, 52, 10, 20, 0, 102];
    assert!(mib.get(&vip, &mut scratch).is_some());
}

#[test]
fn rfc2787_without_v2_instances_has_only_its_scalars() {
    let (lab, devs) = v3v6();
    let view = lab.view(&devs);
    compare(
        &VrrpRfcv2::new(&view),
        true,
        include_str!("../../../tests/snmp/walks/v3v6.rfcv2.walk"),
    );
}

#[test]
fn rfc6527_shows_v2_instances_too_with_centisecond_intervals() {
    let (lab, devs) = v2v4();
    let view = lab.view(&devs);
    compare(
        &VrrpRfcv3::new(&view),
        true,
        include_str!("../../../tests/snmp/walks/v2v4.rfcv3.walk"),
    );
}

#[test]
fn rfc6527_over_ipv6_indexes_addresses_by_their_sixteen_octets() {
    let (lab, devs) = v3v6();
    let view = lab.view(&devs);
    compare(
        &VrrpRfcv3::new(&view),
        true,
        include_str!("../../../tests/snmp/walks/v3v6.rfcv3.walk"),
    );
}

#[test]
fn the_rfc_mibs_skip_an_instance_without_vips_and_show_fault_as_initialize() {
    let (lab, devs) = extras();
    let view = lab.view(&devs);
    compare(
        &VrrpRfcv2::new(&view),
        false,
        include_str!("../../../tests/snmp/walks/extras.rfcv2.walk"),
    );
    compare(
        &VrrpRfcv3::new(&view),
        true,
        include_str!("../../../tests/snmp/walks/extras.rfcv3.walk"),
    );
}

/// keepalived's vrrpv3OperationsUpTime counts from the instance's start while it is backup or
/// master, and is 0 in FAULT: the recorded walk, taken 8.40 s after the start, shows both.
#[test]
fn rfc6527_up_time_counts_from_the_start_and_is_zero_in_fault() {
    let (lab, devs) = extras();
    let mut view = lab.view(&devs);
    if let crate::vrrp::dump::Insts::Listed(l) = &mut view.insts {
        for (inst, _) in l {
            inst.up = crate::core::time::Micros(8_404_000);
        }
    }
    let column = ".1.3.6.1.2.1.207.1.1.1.1.12.";
    let ours: Vec<String> = walk(&VrrpRfcv3::new(&view), true)
        .into_iter()
        .filter(|l| l.starts_with(column))
        .collect();
    let theirs: Vec<String> = recorded(
        include_str!("../../../tests/snmp/walks/extras.rfcv3.walk"),
        &[],
    )
    .into_iter()
    .filter(|l| l.starts_with(column))
    .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 2, "{ours:?}");
}

/// keepalived's vrrpOperVirtualRouterUpTime is the time from its SNMP start to the instance's
/// start, frozen: the recorded walk shows 2 cs for an instance that started 20 ms after the
/// subagent, whatever the time of the walk.
#[test]
fn rfc2787_up_time_is_the_instance_s_start_after_the_subagent_s() {
    let (lab, devs) = v2v4();
    let mut view = lab.view(&devs);
    if let crate::vrrp::dump::Insts::Listed(l) = &mut view.insts {
        for (inst, _) in l {
            inst.up = Micros(60_000_000);
        }
    }
    let column = ".1.3.6.1.2.1.68.1.3.1.13.";
    let ours: Vec<String> = walk(&VrrpRfcv2::new(&view).snmp_up(Micros(60_020_000)), false)
        .into_iter()
        .filter(|l| l.starts_with(column))
        .collect();
    let theirs: Vec<String> = recorded(
        include_str!("../../../tests/snmp/walks/v2v4.rfcv2.walk"),
        &[],
    )
    .into_iter()
    .filter(|l| l.starts_with(column))
    .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 1, "{ours:?}");
}

#[test]
fn rfc2787_up_time_is_0_unless_backup_or_master_and_never_negative() {
    let t = |s, snmp: u64, up: u64| up_time(s, Micros(snmp), Micros(up));
    assert_eq!(t(State::Master, 95_000, 5_000), Value::TimeTicks(9));
    assert_eq!(t(State::Backup, 95_000, 5_000), Value::TimeTicks(9));
    assert_eq!(t(State::Fault, 95_000, 5_000), Value::TimeTicks(0));
    // An instance a reload kept started before the subagent's new start.
    assert_eq!(t(State::Master, 1_000, 5_000_000), Value::TimeTicks(0));
}
