//! One BFD session (RFC 5880 §6), sans-IO on a virtual clock in µs, as keepalived runs it:
//! asynchronous mode, no echo, no authentication, no demand mode of our own.
//!
//! The caller owns the socket and the clock. Call order, for each wake-up at `now`:
//! 1. a datagram for this session: [`Control::parse`](super::packet::Control::parse) it
//!    (counting drops), check its TTL against `max_hops`, then [`Session::handle_packet`];
//! 2. when [`Session::poll_at`] has passed: [`Session::handle_timeout`];
//! 3. [`Session::poll_transmit`] while it writes a packet (at most one is due at a time;
//!    [`Session::poll_transmit_early`] also sends the periodic one early, within its jitter);
//! 4. sleep until [`Session::poll_at`].
//!
//! Each input returns an [`Outcome`]: a state change (with the diagnostic and whether the
//! VRRP and checker sides are told), the detection time's change, an expiry's lateness. None of
//! it allocates; the RNG is the caller's (jitter in 75-100 % of the interval, 75-90 % with a
//! detect multiplier of 1, §6.8.7).

use super::packet::{Control, Diag, State, LEN};
use super::rng::Rng;
use crate::config::bfd::BfdInstance;
use crate::core::time::Micros;

/// What the session is configured with (keepalived's `bfd_instance` timers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    /// bfd.RequiredMinRxInterval.
    pub(crate) min_rx: Micros,
    /// bfd.DesiredMinTxInterval while Up...
    pub(crate) min_tx: Micros,
    /// ... and while not (RFC 5880 §6.8.3 wants at least 1 s there; keepalived's idle_tx).
    pub(crate) idle_tx: Micros,
    pub(crate) multiplier: u8,
    /// Sends nothing until the neighbor has spoken.
    pub(crate) passive: bool,
}

impl From<&BfdInstance> for Params {
    fn from(b: &BfdInstance) -> Params {
        Params {
            min_rx: b.min_rx,
            min_tx: b.min_tx,
            idle_tx: b.idle_tx,
            multiplier: b.multiplier,
            passive: b.passive,
        }
    }
}

/// A change of bfd.SessionState.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) from: State,
    pub(crate) to: State,
    /// Our diagnostic after the change (what we now send).
    pub(crate) diag: Diag,
    /// The neighbor's state as last heard.
    pub(crate) remote: State,
}

impl Change {
    /// Whether the VRRP and checker sides hear of it: keepalived tells them when a session
    /// comes Up and when an Up session falls Down, unless the neighbor said it was AdminDown
    /// (a planned shutdown is not a path failure, RFC 5882 §3.2); our own AdminDown neither.
    pub(crate) fn tells_clients(&self) -> bool {
        self.to == State::Up
            || (self.from == State::Up && self.to == State::Down && self.remote != State::AdminDown)
    }
}

/// What one input did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) change: Option<Change>,
    /// The detection time moved: (new, old), which keepalived logs.
    pub(crate) detect_time: Option<(Micros, Micros)>,
    /// The detection time ran out: how long the neighbor had been silent.
    pub(crate) expired_after: Option<Micros>,
}

#[derive(Clone, Debug)]
pub(crate) struct Session {
    p: Params,
    state: State,
    diag: Diag,
    local_discr: u32,
    remote_discr: u32,
    remote_state: State,
    remote_diag: Diag,
    remote_min_rx: Micros,
    remote_min_tx: Micros,
    remote_mult: u8,
    remote_demand: bool,
    /// A Poll Sequence of ours is running (§6.5).
    poll: bool,
    /// The next packet answers a Poll.
    final_: bool,
    /// The interval we transmit at (before jitter).
    tx_interval: Micros,
    /// How long the neighbor may stay silent.
    detect_time: Micros,
    last_rx: Option<Micros>,
    /// The timers: next periodic packet, detection expiry, and the reset of a Down session's
    /// remote view one detection time after the fall (keepalived's reset).
    next_tx: Option<Micros>,
    /// The earliest the periodic packet may leave (75 % of the interval after it was
    /// scheduled): from then on the caller may send it with another session's, one wake-up
    /// for both ([`Session::poll_transmit_early`]).
    tx_open: Option<Micros>,
    send_now: bool,
    detect_at: Option<Micros>,
    reset_at: Option<Micros>,
}

impl Session {
    /// A session in Down; an active one sends its first packet at once.
    pub(crate) fn new(p: Params, local_discr: u32) -> Session {
        Session {
            p,
            state: State::Down,
            diag: Diag::None,
            local_discr,
            remote_discr: 0,
            remote_state: State::Down,
            remote_diag: Diag::None,
            remote_min_rx: Micros(1),
            remote_min_tx: Micros::ZERO,
            remote_mult: 0,
            remote_demand: false,
            poll: false,
            final_: false,
            tx_interval: p.idle_tx,
            detect_time: Micros::ZERO,
            last_rx: None,
            next_tx: None,
            tx_open: None,
            send_now: !p.passive,
            detect_at: None,
            reset_at: None,
        }
    }

    pub(crate) fn state(&self) -> State {
        self.state
    }

    pub(crate) fn diag(&self) -> Diag {
        self.diag
    }

    pub(crate) fn local_discr(&self) -> u32 {
        self.local_discr
    }

    /// A new My Discriminator (the table picks one after a fall from Up, as keepalived does).
    pub(crate) fn set_local_discr(&mut self, d: u32) {
        self.local_discr = d;
    }

    pub(crate) fn remote_discr(&self) -> u32 {
        self.remote_discr
    }

    pub(crate) fn remote_state(&self) -> State {
        self.remote_state
    }

    /// The neighbor's last diagnostic (keepalived logs it beside ours on a fall).
    pub(crate) fn remote_diag(&self) -> Diag {
        self.remote_diag
    }

    /// The neighbor's Desired Min TX, Required Min RX and Detect Mult as last heard.
    pub(crate) fn remote_timers(&self) -> (Micros, Micros, u8) {
        (self.remote_min_tx, self.remote_min_rx, self.remote_mult)
    }

    pub(crate) fn remote_demand(&self) -> bool {
        self.remote_demand
    }

    /// A Poll Sequence of ours is running; the next packet answers one.
    pub(crate) fn poll_final(&self) -> (bool, bool) {
        (self.poll, self.final_)
    }

    /// When the neighbor's last packet was taken.
    pub(crate) fn last_rx(&self) -> Option<Micros> {
        self.last_rx
    }

    /// The negotiated transmit interval, before jitter.
    pub(crate) fn tx_interval(&self) -> Micros {
        self.tx_interval
    }

    pub(crate) fn detect_time(&self) -> Micros {
        self.detect_time
    }

    /// When the session next needs the caller: a packet to send or a timer.
    pub(crate) fn poll_at(&self) -> Option<Micros> {
        if self.send_now {
            return Some(Micros::ZERO);
        }
        Micros::earliest(&[self.next_tx, self.detect_at, self.reset_at])
    }

    /// A valid packet from the neighbor (RFC 5880 §6.8.6 after the checks of `Control::parse`).
    pub(crate) fn handle_packet(&mut self, c: &Control, now: Micros, rng: &mut Rng) -> Outcome {
        let mut out = Outcome::default();
        // An AdminDown session stays so until the caller brings it back.
        if self.state == State::AdminDown {
            return out;
        }
        let old_tx = self.tx_interval;
        let old_detect = self.detect_time;
        self.remote_discr = c.my_discr;
        self.remote_state = c.state;
        self.remote_diag = c.diag;
        self.remote_min_rx = c.required_min_rx;
        self.remote_min_tx = c.desired_min_tx;
        self.remote_demand = c.demand;
        self.remote_mult = c.detect_mult;
        if c.final_ {
            self.poll = false;
        }
        // Up, the rates change only through a Poll Sequence (§6.8.3); otherwise at once.
        if self.state != State::Up || c.poll || c.final_ {
            let fast =
                self.remote_state == State::Up && matches!(self.state, State::Init | State::Up);
            self.tx_interval = self.local_tx(fast);
            self.detect_time =
                Micros(u64::from(self.remote_mult) * self.p.min_rx.max(self.remote_min_tx).0);
        }
        if self.detect_time != old_detect {
            out.detect_time = Some((self.detect_time, old_detect));
        }
        if self.tx_interval < old_tx {
            if let (Some(t), Some(o)) = (self.next_tx, self.tx_open) {
                self.next_tx = Some(t.min(now + self.jittered(rng)));
                self.tx_open = Some(o.min(now + self.jitter_floor()));
            }
        }
        let next = if self.remote_state == State::AdminDown {
            (self.state != State::Down).then_some((State::Down, Diag::NeighborDown))
        } else {
            match (self.state, self.remote_state) {
                (State::Down, State::Down) => Some((State::Init, Diag::None)),
                (State::Down, State::Init) => Some((State::Up, Diag::None)),
                (State::Init, State::Init | State::Up) => Some((State::Up, Diag::None)),
                (State::Up, State::Down) => Some((State::Down, Diag::NeighborDown)),
                _ => None,
            }
        };
        if let Some((to, diag)) = next {
            out.change = Some(self.enter(to, diag, now));
        }
        self.last_rx = Some(now);
        let quiet = self.remote_demand && self.state == State::Up && self.remote_state == State::Up;
        if quiet {
            self.next_tx = None;
        } else if self.next_tx.is_none() && self.may_transmit() {
            self.schedule_tx(now, rng);
        }
        if c.poll {
            self.final_ = true;
            self.send_now = true;
        }
        if matches!(self.state, State::Init | State::Up) {
            self.detect_at = Some(now + self.detect_time);
        }
        out
    }

    /// Runs the timers due at `now`: detection expiry (to Down, diag 1) and the reset of a
    /// Down session's view of the neighbor.
    pub(crate) fn handle_timeout(&mut self, now: Micros) -> Outcome {
        let mut out = Outcome::default();
        if self.detect_at.is_some_and(|t| t <= now) {
            self.detect_at = None;
            if matches!(self.state, State::Init | State::Up) {
                out.expired_after = self.last_rx.map(|t| now - t);
                // §6.8.1: a detection time without packets forgets the neighbor's discriminator.
                self.remote_discr = 0;
                out.change = Some(self.enter(State::Down, Diag::Expired, now));
            }
        }
        if self.reset_at.is_some_and(|t| t <= now) {
            self.reset_at = None;
            if self.state == State::Down {
                self.remote_state = State::Down;
                self.remote_discr = 0;
                self.remote_diag = Diag::None;
                self.remote_demand = false;
                self.poll = false;
                self.final_ = false;
                self.tx_interval = self.local_tx(false);
            }
        }
        out
    }

    /// Writes the packet due at `now`, if any, into `buf` and schedules the next one.
    pub(crate) fn poll_transmit(
        &mut self,
        now: Micros,
        rng: &mut Rng,
        buf: &mut [u8; LEN],
    ) -> bool {
        let periodic = self.next_tx.is_some_and(|t| t <= now);
        self.transmit(now, rng, buf, periodic)
    }

    /// As [`Session::poll_transmit`], and the periodic packet goes early if it is due within
    /// 1/16 of the interval and its jitter window is open: the caller sends it with a packet
    /// that is due and saves a wake-up. The small lead keeps the gaps random (a packet sent at
    /// the window's opening would make every gap of a busy process 75 %).
    pub(crate) fn poll_transmit_early(
        &mut self,
        now: Micros,
        rng: &mut Rng,
        buf: &mut [u8; LEN],
    ) -> bool {
        let lead = Micros(self.tx_interval.0 / 16);
        let periodic =
            self.next_tx.is_some_and(|t| t <= now + lead) && self.tx_open.is_some_and(|t| t <= now);
        self.transmit(now, rng, buf, periodic)
    }

    fn transmit(
        &mut self,
        now: Micros,
        rng: &mut Rng,
        buf: &mut [u8; LEN],
        periodic: bool,
    ) -> bool {
        if !self.send_now && !periodic {
            return false;
        }
        self.send_now = false;
        // An answer to a Poll carries our parameters too: no Poll of our own with it.
        if self.final_ {
            self.poll = false;
        }
        let desired_min_tx = if self.state == State::Up {
            self.p.min_tx
        } else {
            self.p.idle_tx
        };
        Control {
            diag: self.diag,
            state: self.state,
            poll: self.poll,
            final_: self.final_,
            cpi: false,
            demand: false,
            detect_mult: self.p.multiplier,
            my_discr: self.local_discr,
            your_discr: self.remote_discr,
            desired_min_tx,
            required_min_rx: self.p.min_rx,
            required_min_echo_rx: Micros::ZERO,
        }
        .emit(buf);
        self.final_ = false;
        if self.state == State::AdminDown {
            self.next_tx = None;
        } else if periodic || self.next_tx.is_none() {
            self.next_tx = None;
            if self.may_transmit() {
                self.schedule_tx(now, rng);
            }
        }
        true
    }

    /// New timers on reload: the session goes on; while Up the change is negotiated with a
    /// Poll Sequence and takes effect at its Final (§6.8.3).
    pub(crate) fn set_params(&mut self, p: Params) {
        let changed = p.min_rx != self.p.min_rx || p.min_tx != self.p.min_tx;
        self.p = p;
        if changed && self.state == State::Up {
            self.start_poll();
        }
        if self.state != State::Up {
            self.tx_interval = self.local_tx(false);
        }
    }

    /// Stops the session: one AdminDown packet tells the neighbor it is not a failure, then
    /// silence. keepalived's BFD process does this only to a session whose socket cannot be
    /// had (so the packet has nowhere to go); it sends nothing as it stops (bfd_daemon.c).
    pub(crate) fn admin_down(&mut self, now: Micros) -> Outcome {
        if self.state == State::AdminDown {
            return Outcome::default();
        }
        let change = self.enter(State::AdminDown, Diag::AdminDown, now);
        self.send_now = true;
        Outcome {
            change: Some(change),
            ..Outcome::default()
        }
    }

    /// Back from AdminDown to Down.
    pub(crate) fn admin_up(&mut self, now: Micros) -> Outcome {
        if self.state != State::AdminDown {
            return Outcome::default();
        }
        let change = self.enter(State::Down, Diag::None, now);
        self.reset_at = None;
        self.send_now = !self.p.passive;
        Outcome {
            change: Some(change),
            ..Outcome::default()
        }
    }

    fn enter(&mut self, to: State, diag: Diag, now: Micros) -> Change {
        let from = self.state;
        self.state = to;
        self.diag = diag;
        match to {
            State::Up => {
                self.reset_at = None;
                // Up at the idle rate: move to the fast one through a Poll (keepalived too).
                if self.p.idle_tx != self.p.min_tx {
                    self.start_poll();
                }
            }
            State::Init => self.reset_at = None,
            State::Down | State::AdminDown => {
                self.tx_interval = self.local_tx(false);
                self.detect_at = None;
                if to == State::Down {
                    self.reset_at = Some(now + self.detect_time);
                    if self.p.passive {
                        self.next_tx = None;
                    }
                } else {
                    self.next_tx = None;
                }
            }
        }
        Change {
            from,
            to,
            diag,
            remote: self.remote_state,
        }
    }

    fn start_poll(&mut self) {
        // Parameters go out with a pending Final anyway (§6.5).
        if !self.final_ {
            self.poll = true;
        }
    }

    /// max(our desired min TX for the state, the neighbor's required min RX) (§6.8.7).
    fn local_tx(&self, fast: bool) -> Micros {
        let ours = if fast { self.p.min_tx } else { self.p.idle_tx };
        ours.max(self.remote_min_rx)
    }

    /// A neighbor that asks for no packets (Required Min RX 0) gets none (§6.8.7), nor does a
    /// passive session that has heard nothing.
    fn may_transmit(&self) -> bool {
        self.remote_min_rx != Micros::ZERO
            && self.state != State::AdminDown
            && !(self.p.passive && self.state == State::Down && self.last_rx.is_none())
    }

    fn schedule_tx(&mut self, now: Micros, rng: &mut Rng) {
        self.tx_open = Some(now + self.jitter_floor());
        self.next_tx = Some(now + self.jittered(rng));
    }

    /// The shortest periodic gap §6.8.7 allows: 75 % of the interval.
    fn jitter_floor(&self) -> Micros {
        Micros(self.tx_interval.0 * 3 / 4)
    }

    /// The next periodic gap: 75-100 % of the interval, at most 90 % with a multiplier of 1.
    fn jittered(&self, rng: &mut Rng) -> Micros {
        let t = self.tx_interval.0;
        let hi = if self.p.multiplier == 1 {
            t * 9 / 10
        } else {
            t
        };
        Micros(rng.between(self.jitter_floor().0, hi))
    }
}

#[cfg(test)]
mod tests;
