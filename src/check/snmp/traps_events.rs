//! Which of the real servers' side's notices keepalived 2.2.7 sends a checker trap for, and the
//! traps its start and stop bring that our manager does not notice, with realServersUp as
//! keepalived counts it when each goes (sans-IO, over the manager's state; ipwrapper.c is the
//! spec):
//! - a real server's state change by a check, and an alpha checker's first failure (its notify
//!   again), send realServerStateChange; a quorum gained or lost, virtualServerQuorumStateChange
//!   (not a reload's first look, which changes nothing);
//! - at start, each service that starts with its quorum says so (keepalived looks at quorum
//!   before any server is alive, so it "gains" it), and one that starts without it but with a
//!   sorry server says it is down;
//! - a reload that removes an alive server sends its trap, then the quorum its going loses,
//!   both named in the old config;
//! - at a stop, each alive server in the kernel's table goes down (the count falling with
//!   each), then every service's quorum says 3; with lvs_flush_on_stop, only the quorums.

use super::traps::{Event, Quorum, What};
use crate::check::ipvs::manager::{By, Manager, Notice};
use crate::check::Why;

/// realServersUp of virtual server `vs`.
pub(crate) fn alive_count(mgr: &Manager, vs: usize) -> u32 {
    let n = mgr.plans().nth(vs).map_or(0, |p| p.real_servers.len());
    (0..n).filter(|&r| mgr.rs_alive(vs, r)).count() as u32
}

/// The trap for `n`, a notice `mgr` just gave (`ipvs`: the child drives IPVS, where quorum
/// counts).
pub(crate) fn noticed(n: &Notice, mgr: &Manager, ipvs: bool) -> Option<Event> {
    let (vs, what) = match *n {
        Notice::Rs {
            vs,
            rs,
            alive,
            by: By::Checker(Why::Checked),
        }
        | Notice::Renotify { vs, rs, alive } => (vs, What::Rs { rs, alive }),
        Notice::Quorum {
            vs,
            up,
            init: false,
            ..
        } if ipvs => (vs, What::Quorum(if up { Quorum::Up } else { Quorum::Down })),
        _ => return None,
    };
    Some(Event {
        vs,
        what,
        up: alive_count(mgr, vs),
    })
}

/// The trap for `n`, something a reload took from `old` (`before`: the reload's earlier
/// ones), counting the servers left.
pub(crate) fn gone(n: &Notice, old: &Manager, before: &[Event]) -> Option<Event> {
    let (vs, what) = match *n {
        Notice::Rs { vs, rs, .. } => (vs, What::Rs { rs, alive: false }),
        Notice::Quorum { vs, .. } => (vs, What::Quorum(Quorum::Down)),
        _ => return None,
    };
    let rs = |e: &&Event| e.vs == vs && matches!(e.what, What::Rs { .. });
    let mut gone = before.iter().filter(rs).count() as u32;
    if matches!(what, What::Rs { .. }) {
        gone += 1;
    }
    let up = alive_count(old, vs).saturating_sub(gone);
    Some(Event { vs, what, up })
}

/// The start's traps.
pub(crate) fn at_start(mgr: &Manager, out: &mut Vec<Event>) {
    for (vs, p) in mgr.plans().enumerate() {
        let q = match (mgr.quorum_up(vs), p.sorry.is_some()) {
            (true, _) => Quorum::Up,
            (false, true) => Quorum::Down,
            (false, false) => continue,
        };
        let up = alive_count(mgr, vs);
        out.push(Event {
            vs,
            what: What::Quorum(q),
            up,
        });
    }
}

/// A stop's traps (`flush`: lvs_flush_on_stop).
pub(crate) fn at_stop(mgr: &Manager, flush: bool, out: &mut Vec<Event>) {
    for (vs, p) in mgr.plans().enumerate() {
        let mut up = alive_count(mgr, vs);
        // With quorum down a sorry server serves and the alive ones are out of the table.
        let sorry = !mgr.quorum_up(vs) && p.sorry.is_some();
        for rs in 0..p.real_servers.len() {
            if flush || sorry || !mgr.rs_alive(vs, rs) {
                continue;
            }
            up = up.saturating_sub(1);
            let what = What::Rs { rs, alive: false };
            out.push(Event { vs, what, up });
        }
        let what = What::Quorum(Quorum::Stopping);
        out.push(Event { vs, what, up });
    }
}

#[cfg(test)]
#[path = "traps_events_tests.rs"]
mod tests;
