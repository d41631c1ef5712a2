//! The VRRP child's notifications as keepalived 2.2.7 sends them (its vrrp_snmp.c; recorded
//! under snmptrapd in tests/snmp/traps/): each builder returns a trap's varbinds, snmpTrapOID.0
//! first, in keepalived's order, with its odd ones kept:
//! - KEEPALIVED-MIB's two traps name their objects without an index (`vrrpInstanceName`,
//!   not `vrrpInstanceName.1`) and end with the global `routerId.0`; the instance state is 5
//!   for STOP and 6 for DELETED, where the MIB table shows 4;
//! - VRRP-MIB's vrrpTrapNewMaster carries `vrrpOperMasterIpAddr` of the new master (our own
//!   source address), indexed by the base interface; vrrpTrapAuthFailure carries the
//!   notification-only scalars `vrrpTrapPacketSrc` and `vrrpTrapAuthErrorType` with an
//!   index appended, the instance's own interface (a VMAC's, not its base);
//! - VRRPV3-MIB's notifications index by interface, VRID and address type, the master address
//!   as raw octets; vrrpv3NewMaster uses the base interface and vrrpv3ProtoError the
//!   instance's own (as keepalived does).
//!
//! The recorded traps carry snmpd's up time, not the subagent's (crate::snmp::trap).

use std::net::{IpAddr, Ipv4Addr};

use crate::snmp::mib::{KEEPALIVED, VRRPV3_MIB, VRRP_MIB};
use crate::snmp::trap::Held;
pub(crate) use crate::snmp::trap::Trap;
use crate::vrrp::fsm::{Reason, State};
use crate::vrrp::packet::DropReason;

/// KEEPALIVED-MIB::vrrp (keepalived.2).
const KV: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 2];
/// vrrpSyncGroupStateChange, vrrpInstanceStateChange (vrrpNotifications 1, 2).
const GROUP_CHANGE: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 10, 0, 1];
const INSTANCE_CHANGE: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 10, 0, 2];
/// vrrpTrapNewMaster, vrrpTrapAuthFailure (vrrpNotifications 1, 2).
const NEW_MASTER: &[u32] = &[1, 3, 6, 1, 2, 1, 68, 0, 1];
const AUTH_FAILURE: &[u32] = &[1, 3, 6, 1, 2, 1, 68, 0, 2];
/// vrrpv3NewMaster, vrrpv3ProtoError (vrrpv3Notifications 1, 2).
const V3_NEW_MASTER: &[u32] = &[1, 3, 6, 1, 2, 1, 207, 0, 1];
const V3_PROTO_ERROR: &[u32] = &[1, 3, 6, 1, 2, 1, 207, 0, 2];

/// An instance's state as its trap says it: 0–3 as the MIB, then 5 for STOP and 6 for
/// DELETED (an instance a reload removed, with `notify_deleted`; without it keepalived
/// reports FAULT, 3).
pub(crate) fn instance_state(s: State, deleted: Option<bool>) -> i32 {
    match (s, deleted) {
        (_, Some(true)) => 6,
        (_, Some(false)) => 3,
        (State::Init, _) => 0,
        (State::Backup, _) => 1,
        (State::Master, _) => 2,
        (State::Fault, _) => 3,
        (State::Stop, _) => 5,
    }
}

/// KEEPALIVED-MIB vrrpInstanceStateChange: name, state, initial (configured) state, router id.
pub(crate) fn instance_change<'a>(
    name: &'a str,
    state: i32,
    initial: State,
    router_id: &'a str,
) -> Trap<'a> {
    let mut t = Trap::new(INSTANCE_CHANGE);
    t.push(&[KV, &[3, 1, 2]], Held::Text(name.as_bytes()));
    t.push(&[KV, &[3, 1, 4]], Held::Int(state));
    t.push(&[KV, &[3, 1, 5]], Held::Int(instance_state(initial, None)));
    t.push(&[KEEPALIVED, &[1, 2, 0]], Held::Text(router_id.as_bytes()));
    t
}

/// KEEPALIVED-MIB vrrpSyncGroupStateChange: name, state (STOP is 5), router id.
pub(crate) fn group_change<'a>(name: &'a str, state: State, router_id: &'a str) -> Trap<'a> {
    let mut t = Trap::new(GROUP_CHANGE);
    t.push(&[KV, &[1, 1, 2]], Held::Text(name.as_bytes()));
    t.push(&[KV, &[1, 1, 3]], Held::Int(instance_state(state, None)));
    t.push(&[KEEPALIVED, &[1, 2, 0]], Held::Text(router_id.as_bytes()));
    t
}

/// VRRP-MIB vrrpTrapNewMaster: vrrpOperMasterIpAddr.IFINDEX.VRID, our source address.
pub(crate) fn new_master(base_ifindex: u32, vrid: u8, src: Ipv4Addr) -> Trap<'static> {
    let mut t = Trap::new(NEW_MASTER);
    let index = [base_ifindex, vrid.into()];
    t.push(&[VRRP_MIB, &[1, 3, 1, 7], &index], Held::Ip(src.octets()));
    t
}

/// vrrpTrapAuthErrorType: invalidAuthType(1), authTypeMismatch(2), authFailure(3).
pub(crate) fn auth_error(why: &DropReason) -> Option<i32> {
    Some(match why {
        DropReason::InvalidAuthType(_) => 1,
        DropReason::AhPresence { .. } | DropReason::AuthTypeMismatch { .. } => 2,
        DropReason::BadPassword
        | DropReason::BadIcv
        | DropReason::BadSpi { .. }
        | DropReason::Replay { .. } => 3,
        _ => return None,
    })
}

/// VRRP-MIB vrrpTrapAuthFailure: vrrpTrapPacketSrc and vrrpTrapAuthErrorType, each with the
/// instance's interface index and VRID appended.
pub(crate) fn auth_failure(ifindex: u32, vrid: u8, src: Ipv4Addr, error: i32) -> Trap<'static> {
    let mut t = Trap::new(AUTH_FAILURE);
    let index = [ifindex, vrid.into()];
    t.push(&[VRRP_MIB, &[1, 5], &index], Held::Ip(src.octets()));
    t.push(&[VRRP_MIB, &[1, 6], &index], Held::Int(error));
    t
}

/// vrrpv3StatisticsNewMasterReason for a change to MASTER: priority(1) after the master's
/// priority 0, preempted(2) over a lower master or as the owner, masterNoResponse(3) else.
/// None for a sync group's move, which takes the reason of the member that led it.
pub(crate) fn master_reason(r: Reason) -> Option<i32> {
    match r {
        Reason::Priority0 => Some(1),
        Reason::Preempted | Reason::Startup | Reason::FaultCleared => Some(2),
        Reason::SyncGroup => None,
        _ => Some(3),
    }
}

fn v3_index(ifindex: u32, vrid: u8, v6: bool) -> [u32; 3] {
    [ifindex, vrid.into(), if v6 { 2 } else { 1 }]
}

/// VRRPV3-MIB vrrpv3NewMaster: vrrpv3OperationsMasterIpAddr (our source address, raw
/// octets) and vrrpv3StatisticsNewMasterReason.
pub(crate) fn v3_new_master(
    base_ifindex: u32,
    vrid: u8,
    src: IpAddr,
    reason: i32,
) -> Trap<'static> {
    let mut t = Trap::new(V3_NEW_MASTER);
    let index = v3_index(base_ifindex, vrid, src.is_ipv6());
    let mut b = [0u8; 16];
    let n = match src {
        IpAddr::V4(a) => {
            b[..4].copy_from_slice(&a.octets());
            4
        }
        IpAddr::V6(a) => {
            b.copy_from_slice(&a.octets());
            16
        }
    };
    t.push(&[VRRPV3_MIB, &[1, 1, 1, 1, 3], &index], Held::Octets(b, n));
    t.push(&[VRRPV3_MIB, &[1, 2, 5, 1, 2], &index], Held::Int(reason));
    t
}

/// vrrpv3StatisticsProtoErrReason: ipTtlError(1), versionError(2), checksumError(3).
pub(crate) fn proto_error(why: &DropReason) -> Option<i32> {
    Some(match why {
        DropReason::BadTtl(_) | DropReason::TtlOutOfRange(_) => 1,
        DropReason::WrongVersion { .. } => 2,
        DropReason::BadChecksum => 3,
        _ => return None,
    })
}

/// VRRPV3-MIB vrrpv3ProtoError: vrrpv3StatisticsProtoErrReason.
pub(crate) fn v3_proto_error(ifindex: u32, vrid: u8, v6: bool, error: i32) -> Trap<'static> {
    let mut t = Trap::new(V3_PROTO_ERROR);
    let index = v3_index(ifindex, vrid, v6);
    t.push(&[VRRPV3_MIB, &[1, 2, 5, 1, 6], &index], Held::Int(error));
    t
}

#[cfg(test)]
#[path = "traps_tests.rs"]
mod tests;
