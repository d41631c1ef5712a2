//! KEEPALIVED-MIB's BFD and process tables (vrrp 17 to 22) as keepalived 2.2.7 serves them:
//! a tracked BFD or process row shows the object's own weight and reverse, not the ones
//! the instance or group gave it; vrrpBfdResult is 1 up, 0 otherwise (a session the BFD
//! child never spoke of reads 0), not a TruthValue; vrrpProcessParamMatch counts 0 none, 1
//! exact, 2 initial, 3 partial; vrrpProcessQuorumMax is the unsigned maximum read as
//! Integer32 (-1 when unset); the delays are in microseconds.

use super::keepalived_vrrp_values::{copy, gauge, gauge32, text, truth};
use crate::config::track::{ParamMatch, TrackProcess, TrackRef, TrackedBfd};
use crate::snmp::mib::Value;
use crate::vrrp::dump::View;
use crate::vrrp::track::{Key, Level};

fn bfd<'v>(v: &View<'v>, name: &str) -> Option<&'v TrackedBfd> {
    v.cfg.vrrp.trackers.bfds.iter().find(|b| b.name == name)
}

fn process<'v>(v: &View<'v>, name: &str) -> Option<&'v TrackProcess> {
    v.cfg
        .vrrp
        .trackers
        .processes
        .iter()
        .find(|p| p.name == name)
}

/// A row of vrrpTrackedBfdTable or syncGroupTrackedBfdTable: tracked BFD `r`.
pub(super) fn tracked_bfd<'a>(v: &View<'_>, r: &'a TrackRef, col: u32) -> Option<Value<'a>> {
    let w = bfd(v, &r.name)?.weight;
    tracked_cols(&r.name, w.weight, w.reverse, col)
}

/// A row of vrrpTrackedProcessTable or syncGroupTrackedProcessTable: tracked process `r`.
pub(super) fn tracked_process<'a>(v: &View<'_>, r: &'a TrackRef, col: u32) -> Option<Value<'a>> {
    let w = process(v, &r.name)?.weight;
    tracked_cols(&r.name, w.weight, w.reverse, col)
}

fn tracked_cols(name: &str, weight: i32, reverse: bool, col: u32) -> Option<Value<'_>> {
    match col {
        2 => Some(text(name)),
        3 => Some(Value::Integer(weight)),
        4 => Some(truth(reverse)),
        _ => None,
    }
}

/// A row of vrrpBfdTable: the `a`th bfd_instance.
pub(super) fn bfd_row<'a>(v: &'a View<'_>, a: usize, col: u32) -> Option<Value<'a>> {
    let b = v.cfg.vrrp.trackers.bfds.get(a)?;
    Some(match col {
        2 => text(&b.name),
        3 => Value::Integer(i32::from(v.bfds.up(&b.name))),
        4 => Value::Integer(b.weight.weight),
        5 => truth(b.weight.reverse),
        _ => return None,
    })
}

/// A row of vrrpProcessTable: the `a`th vrrp_track_process.
pub(super) fn process_row<'a>(
    v: &'a View<'_>,
    a: usize,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let p = v.cfg.vrrp.trackers.processes.get(a)?;
    let micros = |d: Option<crate::core::time::Micros>| gauge(d.map_or(0, |d| d.0));
    Some(match col {
        2 => text(&p.name),
        3 => text(&p.process),
        4 => {
            // keepalived keeps the words NUL-separated and shows them joined by spaces.
            let mut n = 0;
            for (k, w) in p.params.iter().enumerate() {
                if k > 0 {
                    n += copy(b" ", &mut scratch[n..]);
                }
                n += copy(w.as_bytes(), &mut scratch[n..]);
            }
            Value::OctetString(&scratch[..n])
        }
        5 => Value::Integer(match p.param_match {
            ParamMatch::None => 0,
            ParamMatch::Exact => 1,
            ParamMatch::Initial => 2,
            ParamMatch::Partial => 3,
        }),
        6 => Value::Integer(p.weight.weight),
        7 => truth(p.weight.reverse),
        8 => gauge32(p.quorum),
        // keepalived hands its unsigned maximum to an Integer32 column: unset (u32::MAX) is -1.
        9 => Value::Integer(p.quorum_max as i32),
        10 => micros(p.fork_delay),
        11 => micros(p.terminate_delay),
        12 => truth(p.full_command),
        13 => Value::Integer(
            v.process_count(&p.name)
                .map_or(0, |n| i32::try_from(n).unwrap_or(i32::MAX)),
        ),
        14 => truth(have_quorum(v, &p.name)),
        _ => return None,
    })
}

/// The quorum as the tracking core last heard it (not yet counted: not had).
fn have_quorum(v: &View<'_>, name: &str) -> bool {
    v.tracking
        .objs
        .iter()
        .any(|o| matches!(&o.key, Key::Process(n) if n == name) && o.level == Level::Up)
}
