//! When a VRRP socket is read, as a NIC moderates its interrupts: at once, on each readable
//! event, while adverts trickle in (one instance at 1 s, a takeover: nothing waits); while they
//! pour in (100 instances at 10 ms are 10,000 adverts/s, and a wake per packet or two was most
//! of the child's CPU), the event that starts a burst is read at once and the rest of the burst
//! on a short timer, whole batches at a time, until a read finds the socket quiet: it is then
//! watched again, so the gaps between a master's bursts cost no wake (a tick every [`TICK`]
//! through them was most of what was left).
//!
//! What the delay could cost is kept out of the protocol: each advert is timed by its arrival
//! (the kernel's receive stamp, [`arrival`]), and a BACKUP's master-down timer drains its
//! socket before it fires (`rx.rs`), so a queued advert is heard first. What is left is up to
//! [`TICK`] (plus the timer's own latency) before a MASTER acts on a higher priority.
//!
//! A socket whose instances are all BACKUP can wait longer ([`tick`]): whatever it hears, a
//! BACKUP acts only when a deadline counted from the advert's arrival runs out, and reading
//! late moves none of them, but for a priority 0, whose Skew_Time may end before the read. Half
//! the shortest Skew_Time of the socket's instances is then the tick, up to [`MAX_TICK`]: at
//! 10 ms adverts and priority 100, 3 ms, so that a keepalived master's burst of 100 adverts
//! (2.6 ms long) is read in one tick after its first event, not three.

use crate::core::time::Micros;
use crate::vrrp::fsm::State;

/// How often a busy socket is read when a MASTER shares it (and the shortest [`tick`]). At
/// most a tenth of the shortest advert interval there is: VRRPv3 counts it in centiseconds,
/// so no interval is below 10 ms (VRRPv2's, in seconds, is 1 s or more).
pub(super) const TICK: Micros = Micros(1_000);
/// The longest tick: within [`MAX_WAIT`] with room for a late timer, so a stamp is believed.
const MAX_TICK: Micros = Micros(3_000);
/// The span over which the packet rate is judged.
const WINDOW: Micros = Micros(10_000);
/// A socket turns to the timer at 1,000 packets/s or more (a read per tick finds one or more)
/// and back to events below 500/s, so a rate near the line does not make it flap.
const BUSY: u64 = 10;
const QUIET: u64 = 5;
/// The longest wait a receive stamp may claim. A longer one is a step of the real time clock
/// (or a loop that stalled): the advert is then timed later than it came, never earlier by
/// more than this, a fraction of the 30 ms or more of a master-down interval.
const MAX_WAIT: Micros = Micros(5_000);
/// A tick's read whose newest packet waited this long found the end of a burst: a master's
/// adverts in one burst come tens of µs apart, 10,000 spread evenly over a second 100 µs.
const QUIET_GAP: Micros = Micros(250);

/// How one socket is read, and the packet count behind that choice.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Pace {
    timed: bool,
    /// A read left packets queued (a batch's worth was read): read again soon.
    pub(super) more: bool,
    window_at: Micros,
    count: u64,
    /// When the last read began (zero: never read).
    last_read: Micros,
}

/// How a read came about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Woken {
    /// The loop watched the socket and it turned readable.
    Event,
    /// The rx timer (a busy socket's burst, or a batch that left packets queued).
    Tick,
}

impl Pace {
    /// Read on the timer rather than on events.
    pub(super) fn timed(&self) -> bool {
        self.timed
    }

    /// When the last read began (zero: never), the floor of the next one's arrivals.
    pub(super) fn last_read(&self) -> Micros {
        self.last_read
    }

    /// A read that began at `now` found `n` packets.
    pub(super) fn read(&mut self, now: Micros, n: usize) {
        self.last_read = now;
        self.count += n as u64;
        let span = now - self.window_at;
        if span < WINDOW {
            return;
        }
        // Packets per WINDOW over however long the span was (a quiet socket's spans are long).
        let rate = self.count * WINDOW.0 / span.0;
        (self.window_at, self.count) = (now, 0);
        match (self.timed, rate) {
            (false, r) if r >= BUSY => self.timed = true,
            (true, r) if r < QUIET => self.timed = false,
            _ => {}
        }
    }

    /// Whether the loop watches the socket after a read (`woken` by what) that found `n`
    /// packets, the newest of which had `newest_wait` (zero without stamps). A busy socket
    /// whose event read the start of a burst waits for the tick to read the rest; one a tick
    /// found quiet (nothing, or nothing new for [`QUIET_GAP`]) waits for the next burst's
    /// first packet. Guessing quiet wrongly costs one more event and tick; never a packet.
    pub(super) fn watched_after(&self, woken: Woken, n: usize, newest_wait: Micros) -> bool {
        if !self.timed {
            return true;
        }
        if self.more {
            return false;
        }
        woken == Woken::Tick && (n == 0 || newest_wait >= QUIET_GAP)
    }
}

/// How often a busy socket is read: [`TICK`], or for one whose instances (their state and
/// Skew_Time) are all BACKUP, half the shortest Skew_Time, from [`TICK`] to [`MAX_TICK`]. Only
/// [`TICK`] without receive stamps (`stamped`): adverts are then timed when read.
pub(super) fn tick(stamped: bool, insts: impl IntoIterator<Item = (State, Micros)>) -> Micros {
    if !stamped {
        return TICK;
    }
    let mut t = MAX_TICK;
    for (state, skew) in insts {
        match state {
            State::Backup => t = t.min(Micros(skew.0 / 2)),
            State::Master => return TICK,
            // Adverts change nothing for them.
            State::Init | State::Fault | State::Stop => {}
        }
    }
    t.max(TICK)
}

/// When a packet read at `now` came: `waited` before, by its receive stamp, but never before
/// the previous read of its socket (`last_read`; what came before it was read then) nor more
/// than [`MAX_WAIT`] before, both of which only a clock step can claim.
pub(super) fn arrival(now: Micros, waited: Micros, last_read: Micros) -> Micros {
    let floor = if last_read.0 == 0 { now } else { last_read };
    (now - waited.min(MAX_WAIT)).max(floor).min(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads every `gap` µs from `from` for `span` µs, each finding `per_read` packets; the
    /// turns it took (true: to the timer, false: back to events).
    fn drive(p: &mut Pace, from: u64, span: u64, gap: u64, per_read: usize) -> Vec<bool> {
        let mut turns = Vec::new();
        let mut t = from;
        while t < from + span {
            let was = p.timed();
            p.read(Micros(t), per_read);
            if p.timed() != was {
                turns.push(p.timed());
            }
            t += gap;
        }
        turns
    }

    #[test]
    fn one_instance_at_one_second_is_read_on_every_event() {
        let mut p = Pace::default();
        assert!(drive(&mut p, 1_000_000, 60_000_000, 1_000_000, 1).is_empty());
        // A takeover's burst: a priority 0 and our own first adverts.
        assert!(drive(&mut p, 61_000_000, 30_000, 10_000, 1).is_empty());
        assert!(!p.timed());
    }

    #[test]
    fn ten_thousand_adverts_a_second_turn_to_the_timer_within_a_window_or_two() {
        let mut p = Pace::default();
        // Woken per packet or two: a read every 150 µs finding 1.5 on average.
        let turns = drive(&mut p, 1_000_000, 25_000, 150, 2);
        assert_eq!(turns, [true]);
        assert!(p.timed());
        // On the timer, each tick finds ~10: it stays there.
        assert!(drive(&mut p, 1_025_000, 1_000_000, TICK.0, 10).is_empty());
    }

    #[test]
    fn a_socket_that_goes_quiet_returns_to_events_within_two_windows() {
        let mut p = Pace::default();
        drive(&mut p, 1_000_000, 30_000, 100, 1);
        assert!(p.timed());
        // The master stopped: ticks find nothing.
        let turns = drive(&mut p, 1_030_000, 2 * WINDOW.0 + TICK.0, TICK.0, 0);
        assert_eq!(turns, [false]);
        assert!(!p.timed());
    }

    #[test]
    fn a_rate_between_the_two_lines_keeps_the_way_it_is_read() {
        // 700 packets/s: one every ~1.4 ms.
        let mut p = Pace::default();
        assert!(drive(&mut p, 1_000_000, 1_000_000, 1_400, 1).is_empty());
        let mut q = Pace::default();
        drive(&mut q, 1_000_000, 30_000, 100, 1);
        assert!(q.timed());
        // On the timer 700/s is 0.7 a tick: 7 a window, over the line back.
        assert!(drive(&mut q, 1_030_000, 1_000_000, 10 * TICK.0, 7).is_empty());
        assert!(q.timed());
    }

    #[test]
    fn a_busy_socket_is_read_on_the_timer_through_a_burst_and_watched_between_bursts() {
        let mut p = Pace::default();
        // A quiet socket is always watched, whatever a read found.
        assert!(p.watched_after(Woken::Event, 1, Micros(0)));
        assert!(p.watched_after(Woken::Tick, 16, Micros(0)));
        drive(&mut p, 1_000_000, 30_000, 100, 1);
        assert!(p.timed());
        // A burst's first packet: the rest of it on the tick.
        assert!(!p.watched_after(Woken::Event, 1, Micros(10)));
        // Mid-burst, the newest packet a few µs old: the next tick reads on.
        assert!(!p.watched_after(Woken::Tick, 35, Micros(20)));
        // 10,000 adverts/s spread evenly: never quiet long enough to watch.
        assert!(!p.watched_after(Woken::Tick, 10, Micros(100)));
        // The burst ended a while before the tick, or the tick found nothing: watched.
        assert!(p.watched_after(Woken::Tick, 29, QUIET_GAP));
        assert!(p.watched_after(Woken::Tick, 0, Micros(0)));
        // A batch that left packets queued is read again on the timer at once.
        p.more = true;
        assert!(!p.watched_after(Woken::Tick, 0, Micros(0)));
        assert!(!p.watched_after(Woken::Tick, 256, QUIET_GAP));
    }

    #[test]
    fn a_socket_of_backups_is_read_within_half_their_shortest_skew_time() {
        // VRRPv3 Skew_Times at 10 ms adverts, by priority (fsm::timers).
        let b = |prio| {
            let skew = match prio {
                100 => 6_093,
                200 => 2_187,
                _ => 234,
            };
            (State::Backup, Micros(skew))
        };
        // Priority 100: Skew_Time 6.09 ms, so 3 ms (the most).
        assert_eq!(tick(true, [b(100), b(100)]), Micros(3_000));
        // Priority 200: 2.19 ms, so 1.09 ms; 250 (234 µs): the 1 ms floor.
        assert_eq!(tick(true, [b(100), b(200)]), Micros(1_093));
        assert_eq!(tick(true, [b(250), b(100)]), TICK);
        // A MASTER on the socket must hear a higher priority at once.
        assert_eq!(tick(true, [b(100), (State::Master, Micros(6_093))]), TICK);
        // Instances that ignore adverts do not shorten it.
        let fault = (State::Fault, Micros(0));
        assert_eq!(tick(true, [fault, b(100)]), MAX_TICK);
        // Unstamped adverts are timed when read: no longer than TICK.
        assert_eq!(tick(false, [b(100)]), TICK);
        // The longest tick is read with room to spare before a stamp is doubted.
        assert!(MAX_TICK + TICK < MAX_WAIT + Micros(1));
    }

    #[test]
    fn an_advert_is_timed_by_its_stamp_within_the_bounds() {
        let (now, last) = (Micros(10_000_000), Micros(9_990_000));
        // Queued 800 µs before the tick read it.
        assert_eq!(arrival(now, Micros(800), last), Micros(9_999_200));
        // No stamp.
        assert_eq!(arrival(now, Micros(0), last), now);
        // A clock stepped forward claims an hour: MAX_WAIT at most.
        assert_eq!(arrival(now, Micros::from_secs(3600), last), now - MAX_WAIT);
        // Nor before the previous read, which took what had come by then.
        assert_eq!(
            arrival(now, Micros(4_000), Micros(9_998_000)),
            Micros(9_998_000)
        );
        // A socket's first read has no floor but now.
        assert_eq!(arrival(now, Micros(800), Micros(0)), now);
    }
}
