//! Two sessions on a virtual wire, in µs (quinn's `Pair`): each step jumps to the next
//! deadline, a transmit timer or a packet arriving.

use super::*;

const MS: u64 = 1_000;
/// One-way delay of the wire.
const DELAY: Micros = Micros(100);
/// Two idle intervals and the wire: the longest a handshake takes (Down, Init, Up packets go
/// out at the idle rate, RFC 5880 §6.8.7).
const IDLE2: Micros = Micros(2_000 * MS + 2 * 100);

fn params(min: u64, mult: u8, passive: bool) -> Params {
    Params {
        min_rx: Micros(min * MS),
        min_tx: Micros(min * MS),
        idle_tx: Micros(1_000 * MS),
        multiplier: mult,
        passive,
    }
}

struct Side {
    s: Session,
    rng: Rng,
    /// Packets on their way to this side: (arrival, bytes).
    inbox: Vec<(Micros, [u8; LEN])>,
    /// What this side sent: (time, packet).
    sent: Vec<(Micros, Control)>,
    changes: Vec<(Micros, Change)>,
    outcomes: Vec<(Micros, Outcome)>,
    /// Its packets are lost (the neighbor died or the link broke).
    mute: bool,
}

struct Pair {
    now: Micros,
    a: Side,
    b: Side,
}

impl Side {
    fn new(p: Params, discr: u32, seed: u64) -> Side {
        Side {
            s: Session::new(p, discr),
            rng: Rng::new(seed),
            inbox: Vec::new(),
            sent: Vec::new(),
            changes: Vec::new(),
            outcomes: Vec::new(),
            mute: false,
        }
    }

    fn next(&self) -> Option<Micros> {
        let arrivals = self.inbox.iter().map(|(t, _)| *t).min();
        [self.s.poll_at(), arrivals].into_iter().flatten().min()
    }

    fn record(&mut self, now: Micros, o: Outcome) {
        if let Some(c) = o.change {
            self.changes.push((now, c));
        }
        if o != Outcome::default() {
            self.outcomes.push((now, o));
        }
    }

    /// Everything due at `now`; returns what it sends.
    fn run(&mut self, now: Micros) -> Vec<[u8; LEN]> {
        while let Some(i) = self.inbox.iter().position(|(t, _)| *t <= now) {
            let (_, bytes) = self.inbox.remove(i);
            let c = Control::parse(&bytes).expect("our packets pass the receive checks");
            let o = self.s.handle_packet(&c, now, &mut self.rng);
            self.record(now, o);
        }
        if self.s.poll_at().is_some_and(|t| t <= now) {
            let o = self.s.handle_timeout(now);
            self.record(now, o);
        }
        let mut out = Vec::new();
        let mut buf = [0u8; LEN];
        while self.s.poll_transmit(now, &mut self.rng, &mut buf) {
            self.sent.push((now, Control::parse(&buf).unwrap()));
            if !self.mute {
                out.push(buf);
            }
        }
        out
    }

    fn states(&self) -> Vec<State> {
        self.changes.iter().map(|(_, c)| c.to).collect()
    }
}

impl Pair {
    fn new(pa: Params, pb: Params) -> Pair {
        Pair {
            now: Micros::ZERO,
            a: Side::new(pa, 0xa, 1),
            b: Side::new(pb, 0xb, 2),
        }
    }

    /// Steps until `until` (absolute).
    fn run_until(&mut self, until: Micros) {
        loop {
            let next = [self.a.next(), self.b.next()].into_iter().flatten().min();
            let Some(t) = next.filter(|t| *t <= until) else {
                self.now = until;
                return;
            };
            self.now = self.now.max(t);
            let now = self.now;
            for p in self.a.run(now) {
                self.b.inbox.push((now + DELAY, p));
            }
            for p in self.b.run(now) {
                self.a.inbox.push((now + DELAY, p));
            }
        }
    }

    fn run_for(&mut self, d: Micros) {
        self.run_until(self.now + d);
    }

    /// Runs until both sides are Up, at most `limit`; returns when that was.
    fn until_up(&mut self, limit: Micros) -> Micros {
        let end = self.now + limit;
        while self.now < end {
            if self.a.s.state() == State::Up && self.b.s.state() == State::Up {
                return self.now;
            }
            self.run_for(Micros(MS));
        }
        panic!(
            "not Up after {limit:?}: {:?} {:?}",
            self.a.changes, self.b.changes
        );
    }

    /// A pair Up at the fast rate (the handshake runs at the idle rate: up to two idle
    /// intervals, then the Poll Sequence).
    fn up(min: u64, mult: u8) -> Pair {
        let mut p = Pair::new(params(min, mult, false), params(min, mult, false));
        p.until_up(IDLE2);
        p.run_for(Micros(100 * MS));
        p
    }
}

fn gaps(sent: &[(Micros, Control)], from: Micros) -> Vec<u64> {
    let t: Vec<u64> = sent
        .iter()
        .filter(|(t, c)| *t >= from && !c.final_)
        .map(|(t, _)| t.0)
        .collect();
    t.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn handshake_brings_both_active_sides_up_then_fast() {
    let mut p = Pair::new(params(10, 3, false), params(10, 3, false));
    p.until_up(IDLE2);
    // Both send Down at once, each sees Down and goes Init, then Init makes the other Up.
    assert_eq!(p.a.states(), [State::Init, State::Up]);
    assert_eq!(p.b.states(), [State::Init, State::Up]);
    assert!(p.a.changes.iter().all(|(_, c)| c.diag == Diag::None));
    assert!(p.a.changes[1].1.tells_clients() && !p.a.changes[0].1.tells_clients());
    assert_eq!((p.a.s.remote_discr(), p.b.s.remote_discr()), (0xb, 0xa));
    // The first packets went out at once, at the idle rate, with no discriminator of the peer.
    let (t, first) = p.a.sent[0];
    assert_eq!(
        (t, first.state, first.your_discr),
        (Micros::ZERO, State::Down, 0)
    );
    assert_eq!(first.desired_min_tx, Micros(1_000 * MS));
    // Up, a Poll Sequence moves both to 10 ms within a round trip of the next packet.
    p.run_for(Micros(1_100 * MS));
    let poll = p.a.sent.iter().find(|(_, c)| c.poll).unwrap();
    assert_eq!(poll.1.state, State::Up);
    assert!(poll.0 >= p.a.changes[1].0, "sent Up, not before");
    assert!(p.b.sent.iter().any(|(_, c)| c.final_));
    assert_eq!(p.a.s.tx_interval(), Micros(10 * MS));
    assert_eq!(p.a.s.detect_time(), Micros(30 * MS));
    let g = gaps(&p.a.sent, p.now - Micros(100 * MS));
    assert!(
        g.len() > 3 && g.iter().all(|&g| (7_500..=10_000).contains(&g)),
        "{g:?}"
    );
}

#[test]
fn neighbor_silence_takes_the_session_down_after_the_detection_time_with_diag_1() {
    let mut p = Pair::up(10, 3);
    p.b.mute = true;
    let cut = p.now;
    p.run_for(Micros(100 * MS));
    let (at, c) = *p.a.changes.last().unwrap();
    assert_eq!(
        (c.from, c.to, c.diag),
        (State::Up, State::Down, Diag::Expired)
    );
    assert!(c.tells_clients());
    let heard = p.b.sent.iter().rfind(|(t, _)| *t < cut).unwrap().0 + DELAY;
    assert_eq!(
        at - heard,
        Micros(30 * MS),
        "3 x 10 ms after the last packet"
    );
    let o =
        p.a.outcomes
            .iter()
            .rfind(|(_, o)| o.expired_after.is_some())
            .unwrap()
            .1;
    assert_eq!(o.expired_after, Some(Micros(30 * MS)));
    // Down, we forget the neighbor's discriminator and fall back to the idle rate.
    assert_eq!(p.a.s.remote_discr(), 0);
    assert_eq!(p.a.s.tx_interval(), Micros(1_000 * MS));
    let last = p.a.sent.last().unwrap().1;
    assert_eq!(
        (last.state, last.diag, last.your_discr),
        (State::Down, Diag::Expired, 0)
    );
}

#[test]
fn the_session_comes_back_when_the_neighbor_does() {
    let mut p = Pair::up(10, 3);
    p.b.mute = true;
    p.run_for(Micros(100 * MS));
    assert_eq!(p.a.s.state(), State::Down);
    p.b.mute = false;
    // B still thinks Up until A's Down reaches it; within an idle interval both are Up again.
    p.until_up(IDLE2 + IDLE2);
    p.run_for(Micros(1_100 * MS));
    assert_eq!(p.a.s.tx_interval(), Micros(10 * MS));
}

#[test]
fn a_timer_change_while_up_waits_for_the_final() {
    let mut p = Pair::up(10, 3);
    let mut slow = params(10, 3, false);
    slow.min_tx = Micros(50 * MS);
    slow.min_rx = Micros(40 * MS);
    p.a.s.set_params(slow);
    let t0 = p.now;
    // Still 10 ms until the neighbor's Final.
    assert_eq!(p.a.s.tx_interval(), Micros(10 * MS));
    p.run_for(Micros(20 * MS));
    let poll = p.a.sent.iter().find(|(t, c)| *t >= t0 && c.poll).unwrap();
    assert_eq!(poll.1.desired_min_tx, Micros(50 * MS));
    let fin = p.b.sent.iter().find(|(t, c)| *t >= t0 && c.final_).unwrap();
    assert!(
        fin.0 >= poll.0 + DELAY,
        "the Final answers the Poll at once"
    );
    // B adopted the new rates on the Poll: it sends at A's 40 ms and waits 3 x 50 ms.
    assert_eq!(p.b.s.tx_interval(), Micros(40 * MS));
    assert_eq!(p.b.s.detect_time(), Micros(150 * MS));
    assert_eq!(p.a.s.tx_interval(), Micros(50 * MS));
    assert_eq!(p.a.s.detect_time(), Micros(120 * MS));
    // The sequence is over: no more Polls.
    p.run_for(Micros(500 * MS));
    assert!(p.a.sent.iter().rev().take(5).all(|(_, c)| !c.poll));
    assert_eq!(p.a.s.state(), State::Up);
}

#[test]
fn a_passive_session_never_speaks_first() {
    let mut p = Pair::new(params(10, 3, true), params(10, 3, true));
    p.run_for(Micros(5_000 * MS));
    assert!(p.a.sent.is_empty() && p.b.sent.is_empty());
    assert_eq!(p.a.s.poll_at(), None);
    // One active side is enough: the passive one answers and both come Up.
    let mut p = Pair::new(params(10, 3, false), params(10, 3, true));
    p.until_up(IDLE2);
    let (first_b, _) = p.b.sent[0];
    assert!(first_b >= p.a.sent[0].0 + DELAY);
    assert_eq!((p.a.s.state(), p.b.s.state()), (State::Up, State::Up));
    // Falling to Down, the passive side goes quiet again.
    p.a.mute = true;
    p.run_for(Micros(100 * MS));
    assert_eq!(p.b.s.state(), State::Down);
    let quiet = p.b.sent.len();
    p.run_for(Micros(5_000 * MS));
    assert_eq!(p.b.sent.len(), quiet);
}

#[test]
fn a_neighbor_going_admin_down_is_not_a_failure() {
    let mut p = Pair::up(10, 3);
    let o = p.b.s.admin_down(p.now);
    assert!(!o.change.unwrap().tells_clients());
    p.run_for(Micros(5 * MS));
    let (_, c) = *p.a.changes.last().unwrap();
    assert_eq!(
        (c.from, c.to, c.diag, c.remote),
        (State::Up, State::Down, Diag::NeighborDown, State::AdminDown)
    );
    assert!(
        !c.tells_clients(),
        "keepalived tells no one of a planned shutdown"
    );
    assert_eq!(p.a.s.remote_state(), State::AdminDown);
    // B said it once and is silent since; A stays Down and does not expire.
    let said =
        p.b.sent
            .iter()
            .filter(|(_, c)| c.state == State::AdminDown)
            .count();
    p.run_for(Micros(3_000 * MS));
    assert_eq!(said, 1);
    assert_eq!(p.b.sent.last().unwrap().1.diag, Diag::AdminDown);
    assert_eq!(p.a.s.state(), State::Down);
    // Back from AdminDown, the handshake runs again.
    p.b.s.admin_up(p.now);
    p.until_up(IDLE2 + IDLE2);
}

#[test]
fn a_neighbor_signalling_down_takes_an_up_session_down_with_diag_3() {
    let mut p = Pair::up(10, 3);
    // B's detection time runs out first when A's packets are lost: B tells A it is Down.
    p.a.mute = true;
    p.run_for(Micros(31 * MS) + DELAY);
    assert_eq!(p.b.s.state(), State::Down);
    p.a.mute = false;
    p.run_for(Micros(10 * MS) + DELAY);
    let down =
        p.a.changes
            .iter()
            .find(|(_, c)| c.to == State::Down)
            .unwrap()
            .1;
    assert_eq!(down.diag, Diag::NeighborDown);
    assert!(down.tells_clients());
    assert_eq!(p.a.s.remote_diag(), Diag::Expired);
}

#[test]
fn jitter_is_75_to_100_percent_and_at_most_90_with_multiplier_1() {
    for (mult, hi) in [(3u8, 10_000u64), (1, 9_000)] {
        let mut s = Session::new(params(10, mult, false), 1);
        s.tx_interval = Micros(10 * MS);
        let mut rng = Rng::new(7);
        let draws: Vec<u64> = (0..10_000).map(|_| s.jittered(&mut rng).0).collect();
        let (lo_seen, hi_seen) = (*draws.iter().min().unwrap(), *draws.iter().max().unwrap());
        assert!(
            lo_seen >= 7_500 && hi_seen <= hi,
            "{mult}: {lo_seen}..{hi_seen}"
        );
        // And spread over the whole range.
        assert!(
            lo_seen < 7_550 && hi_seen > hi - 50,
            "{mult}: {lo_seen}..{hi_seen}"
        );
    }
}

#[test]
fn down_sessions_send_at_the_idle_rate() {
    let mut p = Pair::new(params(10, 3, false), params(10, 3, false));
    p.b.mute = true;
    p.run_for(Micros(10_000 * MS));
    assert_eq!(p.a.s.state(), State::Down);
    let g = gaps(&p.a.sent, Micros::ZERO);
    assert!(
        g.len() >= 9 && g.iter().all(|&g| (750_000..=1_000_000).contains(&g)),
        "{g:?}"
    );
    assert!(p
        .a
        .sent
        .iter()
        .all(|(_, c)| c.desired_min_tx == Micros(1_000 * MS)));
}

#[test]
fn a_neighbor_asking_for_no_packets_gets_none() {
    let mut s = Session::new(params(10, 3, false), 1);
    let mut rng = Rng::new(3);
    let mut buf = [0u8; LEN];
    assert!(s.poll_transmit(Micros::ZERO, &mut rng, &mut buf));
    let c = Control {
        diag: Diag::None,
        state: State::Down,
        poll: false,
        final_: false,
        cpi: false,
        demand: false,
        detect_mult: 3,
        my_discr: 9,
        your_discr: 0,
        desired_min_tx: Micros(1_000 * MS),
        required_min_rx: Micros::ZERO,
        required_min_echo_rx: Micros::ZERO,
    };
    s.next_tx = None;
    s.handle_packet(&c, Micros(1), &mut rng);
    assert_eq!(s.state(), State::Init);
    assert_eq!(s.next_tx, None);
}

#[test]
fn an_admin_down_session_ignores_packets() {
    let mut p = Pair::up(10, 3);
    p.a.s.admin_down(p.now);
    p.run_for(Micros(3_000 * MS));
    assert_eq!(p.a.s.state(), State::AdminDown);
    assert_eq!(p.a.s.diag(), Diag::AdminDown);
    assert_eq!(p.a.s.local_discr(), 0xa);
    assert_eq!(
        (p.b.s.state(), p.b.s.diag()),
        (State::Down, Diag::NeighborDown)
    );
}

#[test]
fn discriminators_are_never_zero_and_seeds_replay() {
    let mut r = Rng::new(0);
    assert!((0..10_000).all(|_| r.discriminator() != 0));
    let (mut x, mut y) = (Rng::new(42), Rng::new(42));
    assert!((0..100).all(|_| x.next_u32() == y.next_u32()));
}
