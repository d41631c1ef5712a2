//! BFD session changes the parent passes on (from the BFD child): each changes the level of
//! the tracked session of that name, and every instance tracking it hears of it at once,
//! with keepalived's line before its priority moves or it goes to or leaves FAULT
//! (vrrp_scheduler.c, vrrp_handle_bfd_event).

use std::os::fd::{AsRawFd, OwnedFd};

use log::info;

use super::Shell;
use crate::core::event_loop::EventLoop;
use crate::core::watchdog::link::{self, BfdEvent, Recv};
use crate::vrrp::track::{BfdStates, Level};

impl Shell<'_> {
    /// What the parent said of a BFD session.
    pub(super) fn on_bfd(&mut self, lp: &mut EventLoop, ev: BfdEvent) {
        if self.opts.log_detail {
            ev.log_received(crate::core::time::Micros::now());
        }
        if !self.bfd.set(ev) {
            return;
        }
        let Some(obj) = self.track.core().find_bfd(ev.name()) else {
            return;
        };
        let level = if ev.up { Level::Up } else { Level::Down };
        if !self.track.set_level(obj, level) {
            return;
        }
        let word = if ev.up { "UP" } else { "DOWN" };
        for i in 0..self.insts.len().min(self.track.core().instances()) {
            if self.track.core().tracks(i, obj) {
                info!(
                    "VRRP_Instance({}) Tracked BFD instance {} is {word}",
                    self.insts[i].name,
                    ev.name()
                );
                self.track_apply(lp, i);
            }
        }
    }
}

/// Reads what the parent queued before this child ran: the BFD sessions' states into
/// `states`, and the hellos (returned, to be echoed later). None when the parent has gone.
pub(super) fn replayed(chan: &OwnedFd, states: &mut BfdStates) -> Option<heapless::Vec<u32, 4>> {
    let mut hellos = heapless::Vec::new();
    loop {
        match link::recv(chan.as_raw_fd()) {
            Ok(Recv::Bfd(ev)) => {
                states.set(ev);
            }
            // Only the readiness probe comes this early; a later one is answered by the loop.
            Ok(Recv::Hello(seq)) => {
                let _ = hellos.push(seq);
            }
            Ok(Recv::Closed) => return None,
            Ok(Recv::Empty) | Err(_) => return Some(hellos),
        }
    }
}
