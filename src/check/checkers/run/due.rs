//! The slots' deadlines, grouped by instant: one loop timer per group of slots due together,
//! not one per slot.
//!
//! A check arms two deadlines (its connect timeout, then its next run), and the checks that
//! start or end in one wake share them: a timeout counts from the wake's `now`, a next run
//! lands on the [`RUN_TICK`](super::RUN_TICK) grid. Filing, moving and popping a wheel timer
//! per check was 40 % of a TCP check's instructions (callgrind, 1,000 checks a second); a
//! slot joins or leaves a group in a few stores, and the wheel sees a timer per group.

use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;

/// No slot, no group.
const NIL: u32 = u32::MAX;

/// A slot's place: its group and its neighbours in the group's circular list.
#[derive(Clone, Copy)]
struct Link {
    group: u32,
    /// The slot armed before it (the oldest's: the newest).
    prev: u32,
    next: u32,
}

const UNSET: Link = Link {
    group: NIL,
    prev: NIL,
    next: NIL,
};

/// The slots due at `at`, oldest arming first (`head`; NIL: none), and the loop timer that
/// fires them (None: a free entry).
struct Group {
    at: Micros,
    head: u32,
    timer: Option<TimerId>,
}

pub(super) struct Dues {
    links: Box<[Link]>,
    groups: Vec<Group>,
    free: Vec<u32>,
    /// The groups last joined: the next arming is at one of their instants, nearly always.
    recent: [u32; 2],
    /// The group being fired: it stays while it empties, for the slots that rejoin it.
    firing: u32,
    /// A group's timer token is `token + g`.
    token: usize,
}

impl Dues {
    pub(super) fn new(slots: usize, token: usize) -> Dues {
        Dues {
            links: vec![UNSET; slots].into_boxed_slice(),
            groups: Vec::new(),
            free: Vec::new(),
            recent: [NIL; 2],
            firing: NIL,
            token,
        }
    }

    /// Slot `i` is due at `at`, and at no other time: after the slots already due then.
    pub(super) fn set(&mut self, lp: &mut EventLoop, i: usize, at: Micros) {
        self.clear(lp, i);
        let groups = self.groups.as_slice();
        let hit = |g: u32| groups.get(g as usize).is_some_and(|x| x.at == at);
        let g = match self.recent {
            [g, _] if hit(g) => g,
            [_, g] if hit(g) => g,
            _ => self.open(lp, at),
        };
        let links = &mut self.links[..];
        let group = &mut self.groups.as_mut_slice()[g as usize];
        let me = i as u32;
        if group.head == NIL {
            links[i] = Link {
                group: g,
                prev: me,
                next: me,
            };
            group.head = me;
        } else {
            let (head, tail) = (group.head, links[group.head as usize].prev);
            links[i] = Link {
                group: g,
                prev: tail,
                next: head,
            };
            links[tail as usize].next = me;
            links[head as usize].prev = me;
        }
    }

    /// Slot `i` is due at no time.
    pub(super) fn clear(&mut self, lp: &mut EventLoop, i: usize) {
        let g = self.unlink(i);
        // A group that fires stays until it is done (`next`): its slots may rejoin it.
        if g == NIL || g == self.firing {
            return;
        }
        if let Some(t) = self.groups.as_mut_slice()[g as usize].timer.take() {
            lp.cancel_timer(t);
        }
        self.release(g);
    }

    /// Takes slot `i` out of its group's list; returns the group when that left it empty.
    fn unlink(&mut self, i: usize) -> u32 {
        let links = &mut self.links[..];
        let Link { group, prev, next } = links[i];
        if group == NIL {
            return NIL;
        }
        links[i] = UNSET;
        let me = i as u32;
        let g = &mut self.groups.as_mut_slice()[group as usize];
        if next == me {
            g.head = NIL;
            return group;
        }
        links[prev as usize].next = next;
        links[next as usize].prev = prev;
        if g.head == me {
            g.head = next;
        }
        NIL
    }

    /// Whether slot `i` is due at some time.
    #[cfg(test)]
    pub(super) fn is_set(&self, i: usize) -> bool {
        self.links.get(i).is_some_and(|l| l.group != NIL)
    }

    /// Loop timer `id` fired with `token`: true when it was a group's; its slots then come
    /// from [`Dues::next`] until None, each due no more.
    pub(super) fn fire(&mut self, token: usize, id: TimerId) -> bool {
        let Some(g) = token.checked_sub(self.token) else {
            return false;
        };
        match self.groups.get(g) {
            Some(Group {
                timer: Some(t),
                head,
                ..
            }) if *t == id && *head != NIL => {
                self.firing = g as u32;
                true
            }
            _ => false,
        }
    }

    /// The next slot of the group firing; None ends the firing (the group is gone).
    pub(super) fn next(&mut self) -> Option<usize> {
        let g = self.firing;
        let head = self.groups.get(g as usize)?.head;
        if head == NIL {
            // The loop drops the timer that fired: the group only goes back to the free list.
            self.firing = NIL;
            self.groups.as_mut_slice()[g as usize].timer = None;
            self.release(g);
            return None;
        }
        self.unlink(head as usize);
        Some(head as usize)
    }

    /// Nothing is due: every group's timer cancelled.
    pub(super) fn clear_all(&mut self, lp: &mut EventLoop) {
        for g in &mut self.groups {
            if let Some(t) = g.timer.take() {
                lp.cancel_timer(t);
            }
        }
        self.groups.clear();
        self.free.clear();
        self.links.fill(UNSET);
        self.recent = [NIL; 2];
        self.firing = NIL;
    }

    /// A new group due at `at`, with its loop timer.
    fn open(&mut self, lp: &mut EventLoop, at: Micros) -> u32 {
        let g = match self.free.pop() {
            Some(g) => g,
            None => {
                self.groups.push(Group {
                    at,
                    head: NIL,
                    timer: None,
                });
                (self.groups.len() - 1) as u32
            }
        };
        let timer = lp.add_timer_at(at, self.token + g as usize);
        self.groups.as_mut_slice()[g as usize] = Group {
            at,
            head: NIL,
            timer: Some(timer),
        };
        self.recent = [g, self.recent[0]];
        g
    }

    fn release(&mut self, g: u32) {
        self.groups.as_mut_slice()[g as usize].at = Micros(u64::MAX);
        for r in &mut self.recent {
            if *r == g {
                *r = NIL;
            }
        }
        self.free.push(g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event_loop::Event;

    /// Runs the loop until `until`, firing groups: each slot fired, in order, with the loop
    /// time it fired at; `then` sees each as it fires (and how many fired so far).
    fn fired_then(
        lp: &mut EventLoop,
        d: &mut Dues,
        until: Micros,
        mut then: impl FnMut(&mut EventLoop, &mut Dues, usize, usize),
    ) -> Vec<(usize, Micros)> {
        let mut out = Vec::new();
        // A foreign timer wakes the loop at the end, with no group left.
        lp.add_timer_at(until, 7);
        while Micros::now() < until {
            lp.run_once(|lp, ev| {
                if let Event::Timer { id, token } = ev {
                    if d.fire(token, id) {
                        while let Some(i) = d.next() {
                            out.push((i, lp.now()));
                            then(lp, d, i, out.len());
                        }
                    }
                }
            })
            .unwrap();
        }
        out
    }

    fn fired(lp: &mut EventLoop, d: &mut Dues, until: Micros) -> Vec<(usize, Micros)> {
        fired_then(lp, d, until, |_, _, _, _| {})
    }

    #[test]
    fn slots_due_at_one_instant_share_a_timer_and_fire_in_arming_order_never_early() {
        let mut lp = EventLoop::new().unwrap();
        let mut d = Dues::new(4, 100);
        let t0 = Micros::now();
        let (a, b) = (t0 + Micros::from_millis(20), t0 + Micros::from_millis(40));
        d.set(&mut lp, 2, a);
        d.set(&mut lp, 0, a);
        d.set(&mut lp, 1, b);
        d.set(&mut lp, 3, a);
        assert_eq!(d.groups.len(), 2, "one group per instant");
        // Moved away and back: last of its instant now.
        d.set(&mut lp, 0, b);
        d.set(&mut lp, 0, a);
        d.clear(&mut lp, 3);
        let got = fired(&mut lp, &mut d, t0 + Micros::from_millis(60));
        let order: Vec<usize> = got.iter().map(|g| g.0).collect();
        assert_eq!(order, [2, 0, 1]);
        assert!(
            got[..2].iter().all(|g| g.1 >= a) && got[2].1 >= b,
            "{got:?}"
        );
        assert!((0..4).all(|i| !d.is_set(i)));
        assert_eq!(
            d.free.len(),
            d.groups.len(),
            "every group back on the free list"
        );
    }

    #[test]
    fn a_group_left_empty_cancels_its_timer_and_is_reused() {
        let mut lp = EventLoop::new().unwrap();
        let mut d = Dues::new(2, 100);
        let at = Micros::now() + Micros::from_millis(10);
        d.set(&mut lp, 0, at);
        d.set(&mut lp, 1, at);
        d.clear(&mut lp, 0);
        d.clear(&mut lp, 1);
        assert_eq!(d.free, [0]);
        let until = at + Micros::from_millis(15);
        assert!(
            fired(&mut lp, &mut d, until).is_empty(),
            "its timer was cancelled"
        );
        d.set(&mut lp, 1, until + Micros::from_millis(5));
        assert_eq!(
            (d.groups.len(), d.free.len()),
            (1, 0),
            "the free group taken again"
        );
        let got = fired(&mut lp, &mut d, until + Micros::from_millis(20));
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn a_slot_fired_may_rejoin_the_group_firing_or_another() {
        let mut lp = EventLoop::new().unwrap();
        let mut d = Dues::new(3, 100);
        let t0 = Micros::now();
        let at = t0 + Micros::from_millis(10);
        for i in 0..3 {
            d.set(&mut lp, i, at);
        }
        let later = at + Micros::from_millis(10);
        // The first slot once more at the same instant; the second later.
        let got = fired_then(
            &mut lp,
            &mut d,
            later + Micros::from_millis(10),
            |lp, d, i, n| match (i, n) {
                (0, 1) => d.set(lp, 0, at),
                (1, 2) => d.set(lp, 1, later),
                _ => {}
            },
        );
        let seen: Vec<usize> = got.iter().map(|g| g.0).collect();
        assert_eq!(seen, [0, 1, 2, 0, 1]);
        assert_eq!(d.free.len(), d.groups.len());
    }

    #[test]
    fn a_stale_or_foreign_timer_fires_nothing() {
        let mut lp = EventLoop::new().unwrap();
        let mut d = Dues::new(1, 100);
        d.set(&mut lp, 0, Micros::now() + Micros::from_secs(5));
        let stale = lp.add_timer_at(Micros(1), 100);
        assert!(!d.fire(100, stale));
        assert!(!d.fire(99, stale));
        assert!(!d.fire(101, stale));
        d.clear_all(&mut lp);
        assert!(!d.is_set(0));
    }
}
