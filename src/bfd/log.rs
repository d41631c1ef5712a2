//! Every line the BFD child logs about its sessions, worded as keepalived's BFD process
//! words them (its state and diagnostic names), so a reader of either log sees the same.

use log::{info, warn};

use super::packet::{Diag, State};
use super::session::Change;
use crate::core::time::Micros;

pub(super) fn state_name(s: State) -> &'static str {
    match s {
        State::AdminDown => "AdminDown",
        State::Down => "Down",
        State::Init => "Init",
        State::Up => "Up",
    }
}

pub(super) fn diag_name(d: Diag) -> &'static str {
    match d {
        Diag::None => "No Diagnostic",
        Diag::Expired => "Control Detection Time Expired",
        Diag::EchoFailed => "Echo Function Failed",
        Diag::NeighborDown => "Neighbor Signaled Session Down",
        Diag::ForwardingReset => "Forwarding Plane Reset",
        Diag::PathDown => "Path Down",
        Diag::ConcatPathDown => "Concatenated Path Down",
        Diag::AdminDown => "Administratively Down",
        Diag::ReverseConcatPathDown => "Reverse Concatenated Path Down",
    }
}

/// keepalived logs Up, a fall from Up and AdminDown; Init and Down from Down only with -D -D.
pub(crate) fn change(name: &str, c: &Change, remote_diag: Diag) {
    match c.to {
        State::Up => info!("({name}) Entering {} state", state_name(c.to)),
        State::AdminDown => warn!("({name}) Entering {} state", state_name(c.to)),
        State::Down if c.from == State::Up => warn!(
            "({name}) Entering {} state (Local diagnostic - {}, Remote diagnostic - {})",
            state_name(c.to),
            diag_name(c.diag),
            diag_name(remote_diag)
        ),
        State::Down | State::Init => {}
    }
}

/// The neighbor fell silent for `silent` against a detection time of `detect`.
pub(crate) fn expired(name: &str, silent: Micros, detect: Micros) {
    warn!(
        "({name}) Expired after {} ms ({} usec overdue)",
        silent.as_millis(),
        silent.0.saturating_sub(detect.0)
    );
}

/// Indented under the instance name, as keepalived aligns it with its parameter dump.
pub(crate) fn detect_time(name: &str, new: Micros, old: Micros) {
    info!(
        "{:w$} Detection time is {} us (was {} us)",
        "",
        new.0,
        old.0,
        w = name.len() + 2
    );
}

/// After the reason a session's socket could not be had: keepalived turns the session off.
pub(crate) fn disabling(name: &str) {
    log::error!("({name}) Unable to open output socket, disabling instance");
}

pub(crate) fn send_error(name: &str) {
    log::error!("({name}) Error sending packet");
}

pub(crate) fn no_listener() {
    log::error!("Unable to open listening socket");
}

pub(crate) fn socket_error(name: &str, e: &std::io::Error) {
    log::error!("({name}) Unable to open output socket: {e}");
}

/// The heap counters since start, for a reader comparing two of these lines.
pub(crate) fn allocations(s: &crate::core::alloc::Stats) {
    info!(
        "Allocations: {} frees {} live bytes {}",
        s.allocs, s.frees, s.live_bytes
    );
}
