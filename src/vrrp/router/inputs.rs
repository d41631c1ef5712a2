//! The router's inputs other than adverts: start and stop, its timers, its links, its
//! trackers and its interface address. Each returns the state machine's actions for the
//! caller to carry out (and, where keepalived logs something, the events to word).

use std::net::IpAddr;

use super::rx::{push, Event, Outcome};
use super::Router;
use crate::core::time::Micros;
use crate::vrrp::fsm::{Action, Actions, State};
use crate::vrrp::track::Effect;

impl Router {
    /// Starts the router at `now`, BACKUP down timers counted from `now + delay`
    /// (`vrrp_startup_delay`, zero on reload). With `link_down`, its link is marked down
    /// first, so it starts in FAULT.
    pub fn start(&mut self, now: Micros, delay: Micros, link_down: bool) -> Actions {
        if link_down {
            let _ = self.fsm.link_down(now);
        }
        self.fsm.start_delayed(now, delay)
    }

    /// Starts a router a reload added. Unlike at process start, addresses already on the
    /// interface stay: keepalived 2.2.7 clears leftovers only at startup, and here they may
    /// belong to a running instance.
    pub fn start_added(&mut self, now: Micros, link_down: bool) -> Actions {
        let mut acts = self.start(now, Micros(0), link_down);
        acts.retain(|a| *a != Action::RemoveVips);
        acts
    }

    /// Stops the router (priority 0 from a master, VIPs removed).
    pub fn stop(&mut self, now: Micros) -> Actions {
        self.fsm.stop(now)
    }

    /// Stops the router on daemon stop with `-V` (dont_release_vrrp): a MASTER neither sends
    /// priority 0 nor removes its VIPs (nor, so, its routes and rules).
    pub fn stop_leaving_vips(&mut self, now: Micros) -> Outcome {
        let mut out = Outcome::default();
        let acts = self.fsm.stop(now);
        if acts.contains(&Action::RemoveVips) {
            push(&mut out.events, Event::VipsLeftInPlace);
        }
        out.acts = acts
            .iter()
            .filter(|a| !matches!(a, Action::SendAdvert { .. } | Action::RemoveVips))
            .cloned()
            .collect();
        out
    }

    /// Its timer fired (see [`Router::next_deadline`]).
    pub fn on_timer(&mut self, now: Micros) -> Actions {
        self.fsm.on_timer(now)
    }

    /// When the caller's timer for this router must fire next.
    pub fn next_deadline(&self) -> Option<Micros> {
        self.fsm.next_deadline()
    }

    /// Its links (interface, and VMAC if any) are all up again.
    pub fn link_up(&mut self, now: Micros) -> Actions {
        self.fsm.link_up(now)
    }

    /// One of its links went down.
    pub fn link_down(&mut self, now: Micros) -> Actions {
        self.fsm.link_down(now)
    }

    /// The interface's address it sends from changed (None: it has none now).
    pub fn set_interface_addr(&mut self, addr: Option<IpAddr>) {
        self.fsm.set_interface_addr(addr);
    }

    /// What its trackers do to it now, read back from the state machine (None before it
    /// starts): a reload rebuilding the trackers applies only the difference. The offset from
    /// the configured priority is the clamped weight, which gives the same effective priority.
    pub fn track_effect(&self) -> Option<Effect> {
        let f = &self.fsm;
        (f.state() != State::Init).then(|| Effect {
            delta: i32::from(f.effective_priority()) - i32::from(f.base_priority()),
            faults: f.tracker_faults(),
        })
    }

    /// One step of a change of its tracking effect (see [`track_inputs`]).
    pub fn track_input(&mut self, now: Micros, input: TrackInput) -> Outcome {
        match input {
            TrackInput::Fault => Outcome {
                acts: self.fsm.tracker_fault(now),
                ..Outcome::default()
            },
            TrackInput::Delta(delta) => self.set_track_delta(now, delta),
            TrackInput::Recovered => Outcome {
                acts: self.fsm.tracker_recovered(now),
                ..Outcome::default()
            },
        }
    }

    /// Its trackers' weights now add up to `delta` over the configured priority.
    pub fn set_track_delta(&mut self, now: Micros, delta: i32) -> Outcome {
        let mut out = Outcome::default();
        let from = self.fsm.effective_priority();
        let total = i32::from(self.fsm.base_priority()) + delta;
        out.acts = self.fsm.set_effective_priority(now, total);
        let to = self.fsm.effective_priority();
        if from != to {
            push(&mut out.events, Event::PriorityChanged { from, to });
        }
        out
    }

    /// A MASTER lost one of its tracked virtual routes or rules: it gives up MASTER.
    pub fn tracked_object_lost(&mut self, now: Micros) -> Actions {
        self.fsm.tracked_object_lost(now)
    }
}

/// One input to a router from its tracking effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackInput {
    /// One more of its weight-0 trackers is down.
    Fault,
    /// Its trackers' weights now add up to this over the configured priority.
    Delta(i32),
    /// One of its down weight-0 trackers came back.
    Recovered,
}

/// The inputs that take a router from tracking effect `old` to `new`: new faults first, then
/// the priority, then cleared faults, so that an instance leaving FAULT does so at its new
/// priority.
pub fn track_inputs(old: Effect, new: Effect) -> impl Iterator<Item = TrackInput> {
    let faults = (old.faults..new.faults).map(|_| TrackInput::Fault);
    let delta = (old.delta != new.delta).then_some(TrackInput::Delta(new.delta));
    let cleared = (new.faults..old.faults).map(|_| TrackInput::Recovered);
    faults.chain(delta).chain(cleared)
}
