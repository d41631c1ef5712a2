//! Built traps against those keepalived 2.2.7 sent for tests/snmp/traps/a.conf (recorded by
//! tests/snmp/record-traps.sh): router A's interface is index 2, its address 10.30.0.1, the
//! peer's 10.30.0.2.

use std::net::Ipv4Addr;

use super::*;
use crate::snmp::walk_text::{line, recorded_traps};

const RECORDED: &str = include_str!("../../../tests/snmp/traps/failover.traps");
const ID: &str = "trap-a";
const A: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 2);

fn recorded() -> Vec<Vec<String>> {
    recorded_traps(RECORDED)
}

fn lines(t: &Trap<'_>) -> Vec<String> {
    t.with(|vbs| vbs.iter().map(|(n, v)| line(n, *v)).collect())
}

fn instance(name: &str, state: State, initial: State) -> Vec<String> {
    lines(&instance_change(
        name,
        instance_state(state, None),
        initial,
        ID,
    ))
}

fn group(state: State) -> Vec<String> {
    lines(&group_change("G1", state, ID))
}

fn v2_master(vrid: u8) -> Vec<String> {
    lines(&new_master(2, vrid, A))
}

fn v3_master(vrid: u8, why: Reason) -> Vec<String> {
    let reason = master_reason(why).unwrap_or(0);
    lines(&v3_new_master(2, vrid, IpAddr::V4(A), reason))
}

#[test]
fn start_then_failover_send_keepalived_traps_in_its_order() {
    use State::{Backup, Master};
    let want = vec![
        group(Backup),
        instance("VI_1", Backup, Backup),
        instance("VI_2", Backup, Backup),
        instance("VI_3", Backup, Master),
        // The peer left with priority 0: VRRPv2 instances send all three MASTER traps (the
        // v3 MIB shows v2 instances), VRRPv3 ones no VRRP-MIB trap.
        instance("VI_1", Master, Backup),
        v2_master(51),
        v3_master(51, Reason::Priority0),
        group(Master),
        instance("VI_2", Master, Backup),
        v2_master(52),
        v3_master(52, Reason::Priority0),
        instance("VI_3", Master, Master),
        v3_master(53, Reason::Priority0),
    ];
    let got = recorded();
    assert_eq!(got[..want.len()], want[..]);
}

#[test]
fn refused_adverts_send_auth_failure_and_proto_error_traps() {
    let wrong_password = auth_error(&DropReason::BadPassword).unwrap_or(0);
    let no_auth = DropReason::AuthTypeMismatch { got: 0, want: 1 };
    let no_auth = auth_error(&no_auth).unwrap_or(0);
    let v2_at_v3 = proto_error(&DropReason::WrongVersion { got: 2, want: 3 }).unwrap_or(0);
    let want = [
        lines(&auth_failure(2, 51, B, wrong_password)),
        lines(&auth_failure(2, 52, B, no_auth)),
        lines(&v3_proto_error(2, 53, false, v2_at_v3)),
    ];
    let got = recorded();
    // Between the failover (13) and the stop (4): one per refused advert, each kind seen.
    let refused = &got[13..got.len() - 4];
    for t in refused {
        assert!(want.contains(t), "no trap of ours is {t:#?}");
    }
    for w in &want {
        assert!(refused.contains(w), "keepalived never sent {w:#?}");
    }
}

#[test]
fn stopping_sends_stop_five_for_instances_then_group() {
    use State::{Backup, Master, Stop};
    let want = [
        instance("VI_1", Stop, Backup),
        instance("VI_2", Stop, Backup),
        instance("VI_3", Stop, Master),
        group(Stop),
    ];
    let got = recorded();
    assert_eq!(got[got.len() - 4..], want[..]);
}

#[test]
fn deleted_instances_say_six_with_notify_deleted_else_fault() {
    assert_eq!(instance_state(State::Stop, Some(true)), 6);
    assert_eq!(instance_state(State::Stop, Some(false)), 3);
    assert_eq!(instance_state(State::Fault, None), 3);
    assert_eq!(instance_state(State::Init, None), 0);
}

#[test]
fn ipv6_new_master_and_proto_error_index_by_address_type_two() {
    let ll: std::net::Ipv6Addr = "fe80::1".parse().unwrap_or(std::net::Ipv6Addr::LOCALHOST);
    let got = lines(&v3_new_master(7, 60, IpAddr::V6(ll), 3));
    assert_eq!(
        got[1],
        ".1.3.6.1.2.1.207.1.1.1.1.3.7.60.2 = Hex-STRING: FE 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 "
    );
    assert_eq!(got[2], ".1.3.6.1.2.1.207.1.2.5.1.2.7.60.2 = INTEGER: 3");
    let got = lines(&v3_proto_error(9, 60, true, 1));
    assert_eq!(got[1], ".1.3.6.1.2.1.207.1.2.5.1.6.9.60.2 = INTEGER: 1");
}

#[test]
fn reasons_map_to_rfc_6527_numbers() {
    assert_eq!(master_reason(Reason::Priority0), Some(1));
    assert_eq!(master_reason(Reason::Preempted), Some(2));
    assert_eq!(master_reason(Reason::MasterNoResponse), Some(3));
    assert_eq!(master_reason(Reason::SyncGroup), None);
    assert_eq!(proto_error(&DropReason::BadTtl(64)), Some(1));
    assert_eq!(proto_error(&DropReason::BadChecksum), Some(3));
    assert_eq!(proto_error(&DropReason::BadPassword), None);
    assert_eq!(auth_error(&DropReason::InvalidAuthType(7)), Some(1));
    assert_eq!(auth_error(&DropReason::BadIcv), Some(3));
    assert_eq!(auth_error(&DropReason::BadTtl(1)), None);
}
