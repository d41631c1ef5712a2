//! The one loop each process runs: mio::Poll over the process's fds, a timerfd armed at the
//! earliest timer, and a signalfd. `run_once` waits, then hands every happening to the caller as
//! an [`Event`]; a child's state machine only ever sees events, never the fds behind them.
//!
//! Steady state allocates nothing: the mio event buffer and the timer slots are reused.

use std::cell::Cell;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use libc::c_int;
use mio::unix::SourceFd;
use mio::{Interest, Poll, Token};

use super::signals::{self, ExitStatus, SignalFd};
use super::time::Micros;
use super::timer::{TimerId, TimerQueue};

const TIMER: usize = usize::MAX;
const SIGNALS: usize = usize::MAX - 1;
/// Tokens at or above this are the loop's own.
const RESERVED_TOKENS: usize = usize::MAX - 1;
/// The events one epoll_wait returns at most.
const EVENTS_PER_WAKE: usize = 64;
/// The most epoll_waits of one wake before its due timers run (4,096 events).
const DRAIN_ROUNDS: usize = 64;
/// A coarse loop's timers fire at the first multiple of 2^GRID_SHIFT µs (4.096 ms) at or after
/// their deadline ([`EventLoop::coarse_timers`]).
const GRID_SHIFT: u32 = 12;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A registered fd is ready (readable and/or writable, or hung up: `closed`).
    Io {
        token: usize,
        readable: bool,
        writable: bool,
        closed: bool,
    },
    /// A timer's deadline passed.
    Timer { id: TimerId, token: usize },
    /// A signal other than SIGCHLD arrived.
    Signal { signo: c_int, pid: u32 },
    /// A child process ended (reaped already).
    ChildExit { pid: i32, status: ExitStatus },
}

pub struct EventLoop {
    poll: Poll,
    /// What one epoll_wait returned.
    ready: [libc::epoll_event; EVENTS_PER_WAKE],
    timerfd: OwnedFd,
    armed: Option<Micros>,
    timers: TimerQueue<usize>,
    signals: SignalFd,
    /// The clock as this wake read it ([`EventLoop::now`]).
    wake: Cell<Wake>,
    /// Timers wait for the next grid point, woken by epoll_wait's timeout ([`EventLoop::coarse_timers`]).
    coarse: bool,
}

#[derive(Clone, Copy)]
enum Wake {
    /// Not in `run_once`: every [`EventLoop::now`] reads the clock.
    Outside,
    /// In `run_once`, the clock not read yet.
    Unread,
    At(Micros),
}

impl EventLoop {
    /// A loop reading the usual keepalived signals (see [`signals::handled`]).
    pub(crate) fn new() -> io::Result<EventLoop> {
        Self::with_signals(&signals::handled())
    }

    pub(crate) fn with_signals(sigs: &[c_int]) -> io::Result<EventLoop> {
        let poll = Poll::new()?;
        // SAFETY: plain syscall; the returned fd is owned below.
        let tfd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if tfd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fresh fd from the kernel, owned by nobody else.
        let timerfd = unsafe { OwnedFd::from_raw_fd(tfd) };
        let signals = SignalFd::new(sigs)?;
        poll.registry().register(
            &mut SourceFd(&timerfd.as_raw_fd()),
            Token(TIMER),
            Interest::READABLE,
        )?;
        poll.registry().register(
            &mut SourceFd(&signals.as_raw_fd()),
            Token(SIGNALS),
            Interest::READABLE,
        )?;
        Ok(EventLoop {
            poll,
            ready: [libc::epoll_event { events: 0, u64: 0 }; EVENTS_PER_WAKE],
            timerfd,
            armed: None,
            timers: TimerQueue::new(),
            signals,
            wake: Cell::new(Wake::Outside),
            coarse: false,
        })
    }

    /// From now on every timer fires at the first point of a 4.096 ms grid at or after its
    /// deadline: never early, at most that late (and epoll_wait's whole milliseconds). The
    /// timers of one grid slot share a wake, and epoll_wait's own timeout wakes the loop: no
    /// timerfd_settime per wake. For the checker child, whose intervals are seconds: at a
    /// thousand TCP checks a second that arming was one syscall in 25. VRRP and BFD keep the
    /// timerfd's microseconds.
    pub(crate) fn coarse_timers(&mut self) {
        self.coarse = true;
    }

    /// Now, as seen by this wake: the clock is read once per wake, by the first handler that
    /// asks and again before the timers run, as keepalived's loop keeps one `time_now` per
    /// wake. A checker child arms two deadlines per check, each a clock read of its own
    /// before; the deadlines of checks started or ended in one wake so count from the same
    /// instant (and share a timer, `check::checkers::run::due`), behind the clock by the work
    /// the wake did before. Outside [`EventLoop::run_once`],
    /// the clock itself.
    pub(crate) fn now(&self) -> Micros {
        match self.wake.get() {
            Wake::At(t) => t,
            Wake::Outside => Micros::now(),
            Wake::Unread => {
                let t = Micros::now();
                self.wake.set(Wake::At(t));
                t
            }
        }
    }

    /// Watches `fd` under `token` (below [`RESERVED_TOKENS`]).
    pub(crate) fn register(
        &mut self,
        fd: RawFd,
        token: usize,
        interest: Interest,
    ) -> io::Result<()> {
        if token >= RESERVED_TOKENS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "reserved token",
            ));
        }
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, interest)
    }

    pub(crate) fn reregister(
        &mut self,
        fd: RawFd,
        token: usize,
        interest: Interest,
    ) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, interest)
    }

    /// epoll_ctl with the events mio's own registration sets (edge-triggered, as every fd
    /// of the loop), made here: mio's path through `Registry` and `SourceFd` was some 70
    /// instructions of a checker's register per check, for one syscall.
    fn ctl(&self, op: c_int, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
        let mut events = libc::EPOLLET;
        if interest.is_readable() {
            events |= libc::EPOLLIN | libc::EPOLLRDHUP;
        }
        if interest.is_writable() {
            events |= libc::EPOLLOUT;
        }
        if interest.is_priority() {
            events |= libc::EPOLLPRI;
        }
        let mut ev = libc::epoll_event {
            events: events as u32,
            // mio reads its Token back from the event's data.
            u64: token as u64,
        };
        // SAFETY: `ev` is a live epoll_event; the poll's fd is open (owned by it).
        if unsafe { libc::epoll_ctl(self.poll.as_raw_fd(), op, fd, &mut ev) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Watches `fd` for its next readable event only (edge-triggered, EPOLLONESHOT): the
    /// kernel reports one event and then holds the fd silent, still in the set, until the
    /// next call (`added`: it is in the set already, registered or watched once before). A
    /// busy VRRP socket read on a timer through a burst is turned off by its burst's first
    /// packet without an epoll_ctl of ours, and back on with one, where a deregister and a
    /// register were two (the second an insert into the set).
    pub(crate) fn watch_once(&mut self, fd: RawFd, token: usize, added: bool) -> io::Result<()> {
        if token >= RESERVED_TOKENS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "reserved token",
            ));
        }
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET | libc::EPOLLONESHOT) as u32,
            // mio reads its Token back from the event's data.
            u64: token as u64,
        };
        let op = if added {
            libc::EPOLL_CTL_MOD
        } else {
            libc::EPOLL_CTL_ADD
        };
        // SAFETY: `ev` is a live epoll_event; both fds are open (the poll's is owned by it).
        if unsafe { libc::epoll_ctl(self.poll.as_raw_fd(), op, fd, &mut ev) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub(crate) fn deregister(&mut self, fd: RawFd) -> io::Result<()> {
        self.poll.registry().deregister(&mut SourceFd(&fd))
    }

    /// Arms a timer at the absolute monotonic `deadline`.
    pub(crate) fn add_timer_at(&mut self, deadline: Micros, token: usize) -> TimerId {
        self.timers.insert(deadline, token)
    }

    /// Arms a timer `after` from now.
    pub(crate) fn add_timer(&mut self, after: Micros, token: usize) -> TimerId {
        self.timers.insert(Micros::now() + after, token)
    }

    pub(crate) fn cancel_timer(&mut self, id: TimerId) -> bool {
        self.timers.cancel(id)
    }

    /// Moves armed timer `id` to the absolute `deadline`, keeping its id (one unlink and one
    /// link, where a cancel and an add also free and take a slot); false, and nothing armed,
    /// when it fired or was cancelled.
    pub(crate) fn move_timer_at(&mut self, id: TimerId, deadline: Micros) -> bool {
        self.timers.reschedule(id, deadline)
    }

    /// Waits for something to happen and calls `handler` for each event: every fd ready by
    /// then (more than one batch if need be), then signals, then the timers due. Returns after
    /// one wait.
    pub(crate) fn run_once<F>(&mut self, handler: F) -> io::Result<()>
    where
        F: FnMut(&mut EventLoop, Event),
    {
        let r = self.wake_once(handler);
        self.wake.set(Wake::Outside);
        r
    }

    fn wake_once<F>(&mut self, mut handler: F) -> io::Result<()>
    where
        F: FnMut(&mut EventLoop, Event),
    {
        let timeout = if self.coarse {
            self.grid_timeout()
        } else {
            self.arm_timerfd()?;
            -1
        };
        let res = self.wait(timeout);
        self.wake.set(Wake::Unread);
        let mut n = match res {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut signalled = false;
        let mut rounds = 0;
        loop {
            for k in 0..n {
                // A copy: the handler gets the whole loop, buffer and all.
                let ev = self.ready[k];
                let (bits, token) = (ev.events as c_int, ev.u64 as usize);
                match token {
                    TIMER => self.timerfd_fired(),
                    SIGNALS => signalled = true,
                    t => handler(
                        self,
                        Event::Io {
                            token: t,
                            readable: bits & (libc::EPOLLIN | libc::EPOLLPRI) != 0,
                            writable: bits & libc::EPOLLOUT != 0,
                            // As mio's is_read_closed || is_write_closed || is_error.
                            closed: bits & (libc::EPOLLHUP | libc::EPOLLERR) != 0
                                || bits & (libc::EPOLLIN | libc::EPOLLRDHUP)
                                    == libc::EPOLLIN | libc::EPOLLRDHUP,
                        },
                    ),
                }
            }
            // A full batch may leave ready fds in the kernel: take them before the timers
            // that fell due in the same wake, or after a pause (a stopped process, a VM
            // stall) a check whose reply is waiting would be failed as a timeout. Bounded,
            // so fds that keep turning ready cannot hold the timers off for ever.
            rounds += 1;
            if n < EVENTS_PER_WAKE || rounds == DRAIN_ROUNDS {
                break;
            }
            n = match self.wait(0) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => break,
                Err(e) => return Err(e),
            };
        }
        if signalled {
            self.dispatch_signals(&mut handler)?;
        }
        self.dispatch_timers(&mut handler);
        Ok(())
    }

    /// epoll_wait on mio's epoll fd into the loop's own buffer, `timeout` in milliseconds (-1:
    /// none). Made here, as `ctl` is: mio's Poll::poll, its Events and the calls that read
    /// each event's flags were some 60 instructions of a checker child's wake and events,
    /// which reads the flags it needs from the event in place.
    fn wait(&mut self, timeout: c_int) -> io::Result<usize> {
        // SAFETY: the buffer is ours and holds EVENTS_PER_WAKE events; the poll's fd is open.
        let n = unsafe {
            libc::epoll_wait(
                self.poll.as_raw_fd(),
                self.ready.as_mut_ptr(),
                EVENTS_PER_WAKE as c_int,
                timeout,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    fn dispatch_timers<F: FnMut(&mut EventLoop, Event)>(&mut self, handler: &mut F) {
        // Read afresh: the fds' work may have taken the clock past more deadlines.
        let now = Micros::now();
        self.wake.set(Wake::At(now));
        // Held through its handler: one that re-arms it moves it back into the wheel
        // instead of taking a new slot.
        while let Some((id, token)) = self.timers.pop_held(now) {
            handler(self, Event::Timer { id, token });
            self.timers.release_held(id);
        }
    }

    fn dispatch_signals<F: FnMut(&mut EventLoop, Event)>(
        &mut self,
        handler: &mut F,
    ) -> io::Result<()> {
        while let Some(si) = self.signals.read()? {
            if si.signo == libc::SIGCHLD {
                while let Some((pid, status)) = signals::reap_one() {
                    handler(self, Event::ChildExit { pid, status });
                }
            } else {
                // A reload or a dump runs code the loop does not: release it afterwards.
                crate::core::alloc::unsettle();
                handler(
                    self,
                    Event::Signal {
                        signo: si.signo,
                        pid: si.pid,
                    },
                );
            }
        }
        Ok(())
    }

    fn timerfd_fired(&mut self) {
        // No read of the expiry count: mio watches the timerfd edge-triggered, so each expiry
        // is an event of its own whether or not the count was read, and the next
        // timerfd_settime clears it. A read per expiry is a syscall per wake of a loop that
        // ticks (a busy VRRP socket is read every millisecond). The expiry consumed the arming.
        self.armed = None;
    }

    /// How long a coarse loop may sleep, in epoll_wait's milliseconds (-1: no timer): to the
    /// grid point at or after the earliest deadline, rounded up.
    fn grid_timeout(&mut self) -> c_int {
        let Some(next) = self.timers.next_deadline() else {
            return -1;
        };
        let at = next.0.div_ceil(1 << GRID_SHIFT) << GRID_SHIFT;
        let ms = at.saturating_sub(Micros::now().0).div_ceil(1000);
        ms.min(c_int::MAX as u64) as c_int
    }

    fn arm_timerfd(&mut self) -> io::Result<()> {
        let next = self.timers.next_deadline();
        // An arming at or before the earliest deadline stays: it fires early once (nothing is
        // due, and it is armed afresh then) instead of a timerfd_settime on every wake, which a
        // BACKUP whose master-down deadline moves on with each advert would pay per advert.
        if let Some(armed) = self.armed {
            if next.is_none_or(|n| n >= armed) {
                return Ok(());
            }
        }
        // SAFETY: itimerspec is plain data.
        let mut spec: libc::itimerspec = unsafe { mem::zeroed() };
        if let Some(d) = next {
            // Zero would disarm; a deadline at 0 is simply in the past.
            let d = d.0.max(1);
            spec.it_value.tv_sec = (d / 1_000_000) as _;
            spec.it_value.tv_nsec = ((d % 1_000_000) * 1_000) as libc::c_long;
        }
        // SAFETY: valid fd and spec; absolute time on the fd's own clock (CLOCK_MONOTONIC).
        let r = unsafe {
            libc::timerfd_settime(
                self.timerfd.as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        self.armed = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    #[test]
    fn timers_fire_in_order_and_fds_dispatch() {
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        let t0 = Micros::now();
        lp.add_timer(Micros::from_millis(30), 2);
        lp.add_timer(Micros::from_millis(10), 1);
        let c = lp.add_timer(Micros::from_millis(20), 3);
        assert!(lp.cancel_timer(c));
        let (a, mut b) = UnixStream::pair().expect("pair");
        a.set_nonblocking(true).expect("nb");
        lp.register(a.as_raw_fd(), 7, Interest::READABLE)
            .expect("register");
        b.write_all(b"x").expect("write");
        let mut seen = Vec::new();
        let deadline = Micros::now() + Micros::from_secs(5);
        while seen
            .iter()
            .filter(|e| matches!(e, Event::Timer { .. }))
            .count()
            < 2
            && Micros::now() < deadline
        {
            lp.run_once(|_, ev| seen.push(ev)).expect("run");
        }
        assert!(seen.iter().any(|e| matches!(
            e,
            Event::Io {
                token: 7,
                readable: true,
                ..
            }
        )));
        let timers: Vec<usize> = seen
            .iter()
            .filter_map(|e| match e {
                Event::Timer { token, .. } => Some(*token),
                _ => None,
            })
            .collect();
        assert_eq!(timers, vec![1, 2]);
        assert!(Micros::now() - t0 >= Micros::from_millis(30));
    }

    #[test]
    fn every_ready_fd_comes_before_a_timer_due_in_the_same_wake() {
        // More fds ready than one epoll_wait returns, as after the process was stopped while
        // its checks' servers answered: each answer must be seen before any timeout.
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        let n = EVENTS_PER_WAKE * 2 + 3;
        let mut pairs = Vec::new();
        for t in 0..n {
            let (a, mut b) = UnixStream::pair().expect("pair");
            a.set_nonblocking(true).expect("nb");
            lp.register(a.as_raw_fd(), t, Interest::READABLE)
                .expect("register");
            b.write_all(b"x").expect("write");
            pairs.push((a, b));
        }
        lp.add_timer_at(Micros::now(), 1000);
        let mut seen = Vec::new();
        let deadline = Micros::now() + Micros::from_secs(5);
        while !seen.iter().any(|e| matches!(e, Event::Timer { .. })) && Micros::now() < deadline {
            lp.run_once(|_, ev| seen.push(ev)).expect("run");
        }
        let before = seen
            .iter()
            .take_while(|e| !matches!(e, Event::Timer { .. }))
            .filter(|e| matches!(e, Event::Io { readable: true, .. }))
            .count();
        assert_eq!(before, n);
    }

    #[test]
    fn a_coarse_loop_fires_timers_of_one_grid_slot_together_never_early() {
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        lp.coarse_timers();
        let grid = 1u64 << GRID_SHIFT;
        // Two deadlines in one slot of the grid, well ahead of now; a third in the next slot.
        let slot = (Micros::now().0 / grid + 3) * grid;
        let (a, b, c) = (slot + 100, slot + grid - 100, slot + 2 * grid - 100);
        lp.add_timer_at(Micros(b), 2);
        lp.add_timer_at(Micros(a), 1);
        lp.add_timer_at(Micros(c), 3);
        let mut wakes: Vec<Vec<(usize, u64)>> = Vec::new();
        let deadline = Micros::now() + Micros::from_secs(5);
        while wakes.iter().map(Vec::len).sum::<usize>() < 3 && Micros::now() < deadline {
            let mut fired = Vec::new();
            lp.run_once(|_, ev| {
                if let Event::Timer { token, .. } = ev {
                    fired.push((token, Micros::now().0));
                }
            })
            .expect("run");
            if !fired.is_empty() {
                wakes.push(fired);
            }
        }
        // 1 and 2 share the wake at their slot's end, in deadline order; none fires before the
        // grid point after its deadline (3 shares their wake only if that came late past it).
        let tokens: Vec<usize> = wakes[0].iter().map(|&(t, _)| t).take(2).collect();
        assert_eq!(tokens, vec![1, 2], "{wakes:?}");
        let fired: Vec<(usize, u64)> = wakes.concat();
        assert_eq!(fired.len(), 3);
        for (t, at) in fired {
            let due = [a, b, c][t - 1];
            assert!(
                at >= due.div_ceil(grid) * grid,
                "timer {t} early: {wakes:?}"
            );
        }
    }

    #[test]
    fn now_is_read_once_per_wake_and_live_outside() {
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        lp.add_timer_at(Micros::now(), 1);
        lp.add_timer_at(Micros::now(), 2);
        let mut seen = Vec::new();
        let deadline = Micros::now() + Micros::from_secs(5);
        while seen.len() < 2 && Micros::now() < deadline {
            lp.run_once(|lp, ev| {
                if let Event::Timer { .. } = ev {
                    let first = lp.now();
                    std::thread::sleep(Duration::from_millis(2));
                    seen.push((first, lp.now()));
                }
            })
            .expect("run");
        }
        assert_eq!(seen.len(), 2);
        // Both timers fell due in one wake: one reading, however long each handler took.
        assert!(seen.iter().all(|&(a, b)| a == b && a == seen[0].0));
        let outside = lp.now();
        std::thread::sleep(Duration::from_millis(2));
        assert!(lp.now() >= outside + Micros::from_millis(2));
    }

    #[test]
    fn a_fd_watched_once_reports_one_event_until_watched_again() {
        let mut lp = EventLoop::with_signals(&[]).unwrap();
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        lp.watch_once(b.as_raw_fd(), 7, false).unwrap();
        let wake = |lp: &mut EventLoop| {
            let mut got = Vec::new();
            lp.add_timer(Micros(20_000), 99);
            while !got.contains(&99) {
                lp.run_once(|_, ev| match ev {
                    Event::Io { token, .. } | Event::Timer { token, .. } => got.push(token),
                    _ => {}
                })
                .unwrap();
            }
            got
        };
        a.send(b"one").unwrap();
        assert_eq!(wake(&mut lp), [7, 99]);
        // Unread and with another packet on top: silent until watched again.
        a.send(b"two").unwrap();
        assert_eq!(wake(&mut lp), [99]);
        lp.watch_once(b.as_raw_fd(), 7, true).unwrap();
        assert_eq!(wake(&mut lp), [7, 99]);
        assert_eq!(wake(&mut lp), [99]);
        // Back to an ordinary registration, and out of the set.
        lp.reregister(b.as_raw_fd(), 7, Interest::READABLE).unwrap();
        lp.deregister(b.as_raw_fd()).unwrap();
        assert!(lp.watch_once(b.as_raw_fd(), usize::MAX, false).is_err());
    }

    #[test]
    fn a_handler_moves_the_timer_that_fired_back_under_its_id() {
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        let first = lp.add_timer(Micros(100), 7);
        let mut fired = Vec::new();
        while fired.len() < 3 {
            lp.run_once(|lp, ev| {
                if let Event::Timer { id, token } = ev {
                    fired.push((id, token));
                    if fired.len() < 3 {
                        assert!(lp.move_timer_at(id, lp.now() + Micros(100)));
                    }
                }
            })
            .expect("run");
        }
        assert!(fired.iter().all(|&f| f == (first, 7)));
        // Not moved by its handler: gone.
        assert!(!lp.move_timer_at(first, Micros::now()));
        assert!(!lp.cancel_timer(first));
    }

    #[test]
    fn handler_can_rearm_from_inside() {
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        lp.add_timer(Micros(100), 0);
        let mut n = 0;
        while n < 5 {
            lp.run_once(|lp, ev| {
                if let Event::Timer { token, .. } = ev {
                    n = token + 1;
                    lp.add_timer(Micros(100), n);
                }
            })
            .expect("run");
        }
        assert_eq!(n, 5);
    }
}
