//! Every BFD session of the process, sans-IO: what the BFD child runs on its loop. No socket,
//! no clock: the shell hands in datagrams with their addresses and TTL, and the time.
//!
//! Call order, for each wake-up at `now`:
//! 1. each datagram read: [`Sessions::handle_datagram`] (parse, session lookup, TTL check,
//!    every refusal counted in [`Sessions::stats`]);
//! 2. [`Sessions::handle_timeout`] once [`Sessions::poll_at`] has passed;
//! 3. [`Sessions::poll_transmit`] until it returns `None`, sending each packet to the
//!    returned session's neighbor;
//! 4. sleep until [`Sessions::poll_at`].
//!
//! Inputs return [`Report`]s; [`Report::event`] is what the VRRP and checker sides are told.

use std::net::IpAddr;

use super::packet::{Control, Drop, DropCounters, LEN};
use super::rng::Rng;
use super::session::{Outcome, Params, Session};
use crate::config::bfd::{BfdConfig, BfdInstance};
use crate::core::time::Micros;

/// keepalived's `max_hops` value that turns the TTL check off.
const ANY_HOPS: u8 = u8::MAX;

/// How a received datagram reached us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Arrival {
    /// The neighbor's address.
    pub(crate) src: IpAddr,
    /// Our address it was sent to.
    pub(crate) dst: IpAddr,
    /// TTL or hop limit as received; 0 when the kernel gave none (the check is skipped, as
    /// keepalived does).
    pub(crate) ttl: u8,
}

/// A datagram no session took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    Malformed(Drop),
    /// No session has its Your Discriminator, or (when it is 0) its addresses.
    NoSession,
    /// More hops than the session's `max_hops` allows (RFC 5881 §5, GTSM).
    Ttl,
}

/// Refusal counters, for the data dump.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    pub(crate) malformed: DropCounters,
    pub(crate) no_session: u32,
    pub(crate) ttl: u32,
}

/// What an input did to one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Report {
    /// Index into the table ([`Sessions::instance`], [`Sessions::session`]).
    pub(crate) index: usize,
    pub(crate) outcome: Outcome,
}

/// A session came up or fell down, for the sides named in its `vrrp` / `checker` options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) index: usize,
    pub(crate) up: bool,
}

impl Report {
    pub(crate) fn event(&self) -> Option<Event> {
        let c = self.outcome.change.filter(|c| c.tells_clients())?;
        Some(Event {
            index: self.index,
            up: c.to == super::packet::State::Up,
        })
    }
}

struct Slot {
    inst: BfdInstance,
    session: Session,
}

pub(crate) struct Sessions {
    slots: Vec<Slot>,
    rng: Rng,
    stats: Stats,
    /// When a due packet last went out: the batch [`Sessions::poll_transmit`] fills.
    batch: Option<Micros>,
}

impl Sessions {
    /// The usable `bfd_instance`s of the config, each Down.
    pub(crate) fn new(cfg: &BfdConfig, rng: Rng) -> Sessions {
        let mut s = Sessions {
            slots: Vec::new(),
            rng,
            stats: Stats::default(),
            batch: None,
        };
        s.reload(cfg);
        s
    }

    /// A new config: a session whose name, neighbor and source are unchanged keeps its state
    /// (no flap) and takes the new timers; the others are dropped or start Down.
    pub(crate) fn reload(&mut self, cfg: &BfdConfig) {
        let mut old = std::mem::take(&mut self.slots);
        for inst in cfg.sessions() {
            let kept = old.iter().position(|s| same_path(&s.inst, inst));
            let slot = match kept {
                Some(i) => {
                    let mut s = old.swap_remove(i);
                    s.session.set_params(Params::from(inst));
                    s.inst = inst.clone();
                    s
                }
                None => {
                    let discr = self.unique_discriminator(&old);
                    Slot {
                        inst: inst.clone(),
                        session: Session::new(Params::from(inst), discr),
                    }
                }
            };
            self.slots.push(slot);
        }
    }

    /// Random, and unique among the sessions old and new, so a lookup finds one session.
    fn unique_discriminator(&mut self, old: &[Slot]) -> u32 {
        loop {
            let d = self.rng.discriminator();
            let taken = |s: &Slot| s.session.local_discr() == d;
            if !self.slots.iter().any(taken) && !old.iter().any(taken) {
                return d;
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn instance(&self, i: usize) -> &BfdInstance {
        &self.slots[i].inst
    }

    pub(crate) fn session(&self, i: usize) -> &Session {
        &self.slots[i].session
    }

    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// By Your Discriminator; when it is 0, by (neighbor, our address) as keepalived does.
    fn lookup(&self, your_discr: u32, at: &Arrival) -> Option<usize> {
        if your_discr != 0 {
            return self
                .slots
                .iter()
                .position(|s| s.session.local_discr() == your_discr);
        }
        self.slots
            .iter()
            .position(|s| s.inst.neighbor == at.src && s.inst.source.is_none_or(|a| a == at.dst))
    }

    pub(crate) fn handle_datagram(
        &mut self,
        buf: &[u8],
        at: Arrival,
        now: Micros,
    ) -> Result<Report, Refused> {
        let r = self.take_datagram(buf, &at, now);
        match r {
            Err(Refused::Malformed(d)) => self.stats.malformed.count(d),
            Err(Refused::NoSession) => {
                self.stats.no_session = self.stats.no_session.saturating_add(1)
            }
            Err(Refused::Ttl) => self.stats.ttl = self.stats.ttl.saturating_add(1),
            Ok(_) => {}
        }
        r
    }

    fn take_datagram(&mut self, buf: &[u8], at: &Arrival, now: Micros) -> Result<Report, Refused> {
        let c = Control::parse(buf).map_err(Refused::Malformed)?;
        let index = self.lookup(c.your_discr, at).ok_or(Refused::NoSession)?;
        let slot = &mut self.slots[index];
        let (ttl, max_hops) = (slot.inst.ttl, slot.inst.max_hops);
        if at.ttl != 0
            && max_hops != ANY_HOPS
            && u16::from(max_hops) + u16::from(at.ttl) < u16::from(ttl)
        {
            return Err(Refused::Ttl);
        }
        let outcome = slot.session.handle_packet(&c, now, &mut self.rng);
        self.renew_after_fall(index, &outcome);
        Ok(Report { index, outcome })
    }

    /// keepalived draws a new discriminator when an Up session falls, so the neighbor's packets
    /// that still carry the old one (its view of the dead session) no longer match it.
    fn renew_after_fall(&mut self, index: usize, o: &Outcome) {
        let fell = o.change.is_some_and(|c| {
            c.from == super::packet::State::Up && c.to == super::packet::State::Down
        });
        if fell {
            let d = self.unique_discriminator(&[]);
            self.slots[index].session.set_local_discr(d);
        }
    }

    /// Session `i`'s socket can be had (`usable`) or not: AdminDown while not, from Down when
    /// it can be again; no change otherwise.
    pub(crate) fn set_usable(&mut self, index: usize, usable: bool, now: Micros) -> Report {
        let s = &mut self.slots[index].session;
        let outcome = if usable {
            s.admin_up(now)
        } else {
            s.admin_down(now)
        };
        Report { index, outcome }
    }

    /// The earliest deadline of any session.
    pub(crate) fn poll_at(&self) -> Option<Micros> {
        self.slots.iter().filter_map(|s| s.session.poll_at()).min()
    }

    /// Runs the expired timers; `f` hears each session that did something.
    pub(crate) fn handle_timeout(&mut self, now: Micros, mut f: impl FnMut(&Self, Report)) {
        for index in 0..self.slots.len() {
            let outcome = self.slots[index].session.handle_timeout(now);
            self.renew_after_fall(index, &outcome);
            if outcome != Outcome::default() {
                f(self, Report { index, outcome });
            }
        }
    }

    /// The next packet due: written into `buf`, and the session it is for. Once one was due at
    /// `now`, so are the periodic packets due shortly after ([`Session::poll_transmit_early`]):
    /// at 100 sessions of 10 ms the loop wakes for a batch, not for each packet
    /// (tests/bench/bfd_sessions.sh). Only a due packet opens a batch, so the wake-ups stay
    /// at jittered times.
    pub(crate) fn poll_transmit(&mut self, now: Micros, buf: &mut [u8; LEN]) -> Option<usize> {
        let rng = &mut self.rng;
        let due = self.slots.iter_mut().position(|s| {
            s.session.poll_at().is_some_and(|t| t <= now) && s.session.poll_transmit(now, rng, buf)
        });
        if due.is_some() {
            self.batch = Some(now);
            return due;
        }
        if self.batch != Some(now) {
            return None;
        }
        self.slots
            .iter_mut()
            .position(|s| s.session.poll_transmit_early(now, rng, buf))
    }
}

/// Same session across a reload: same name and the same addresses.
fn same_path(a: &BfdInstance, b: &BfdInstance) -> bool {
    a.name == b.name && a.neighbor == b.neighbor && a.source == b.source
}

#[cfg(test)]
mod tests;
