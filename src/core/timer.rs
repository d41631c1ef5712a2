//! A timer queue on the monotonic clock, in microseconds.
//!
//! A hashed timing wheel: timers are filed by deadline tick ([`TICK_SHIFT`], 4.096 ms) in
//! [`BUCKETS`] buckets (2.1 s around), each a circular list linked through the timer slab and
//! kept in deadline order, latest at its head, so cancelling is a few stores and arming or
//! moving a timer ([`TimerQueue::reschedule`]) is too when it is the latest or earliest of its
//! bucket (as a checker's next run and connect timeout are); else it walks its bucket. The
//! earliest timer is the tail of the first bucket from the cursor (the earliest tick filed)
//! that holds one of this round's timers, and kept until the timers change: popping it makes
//! its bucket's next one the earliest when that is of the same tick, without a walk (a walk
//! over each popped timer's bucket was the largest part of a checker child's timer work: a
//! thousand checks a second put a dozen timers in each bucket). Deadlines stay exact to the
//! microsecond; the buckets only sort. (The checker child once filed two timers per check: with
//! a heap, the pop's walk down its levels was the costliest part of a check's user time. Its
//! slots now share a timer per instant, `check::checkers::run::due`.) Slots are reused, so a
//! loop that re-arms the same timers allocates nothing once warmed up.

use super::time::Micros;

/// Names one inserted timer, for cancelling or moving it. Stays unique when its slot is reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    slot: u32,
    gen: u32,
}

/// A bucket spans 2^TICK_SHIFT µs.
const TICK_SHIFT: u32 = 12;
const BUCKETS: usize = 512;
const WORDS: usize = BUCKETS / 64;
/// No slot: the end of a bucket's list.
const NIL: u32 = u32::MAX;

#[derive(Debug)]
struct Slot<T> {
    gen: u32,
    /// In its bucket's circular list: the next later timer (the head's: the tail).
    prev: u32,
    /// The next earlier timer (the tail's: the head).
    next: u32,
    /// The tick the timer is filed under: its deadline's, or the cursor's if that was later.
    tick: u64,
    deadline: u64,
    /// The arming order: FIFO among equal deadlines.
    seq: u64,
    /// Some while armed.
    token: Option<T>,
}

impl<T> Slot<T> {
    #[inline(always)]
    fn before(&self, o: &Slot<T>) -> bool {
        self.deadline < o.deadline || (self.deadline == o.deadline && self.seq < o.seq)
    }
}

/// Timers carrying a caller-chosen token `T` (what to do when it fires).
#[derive(Debug)]
pub(crate) struct TimerQueue<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    heads: Vec<u32>,
    /// A bit per bucket whose list is not empty: the walk to the next timer skips the rest
    /// a word at a time (a VRRP child's few timers leave most buckets empty).
    filled: [u64; WORDS],
    seq: u64,
    len: usize,
    /// No timer is filed under an earlier tick.
    cursor: u64,
    /// The earliest timer's slot (NIL: none armed), when `known`.
    first: u32,
    known: bool,
}

impl<T: Copy> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> TimerQueue<T> {
    pub(crate) fn new() -> Self {
        TimerQueue {
            slots: Vec::new(),
            free: Vec::new(),
            heads: vec![NIL; BUCKETS],
            filled: [0; WORDS],
            seq: 0,
            len: 0,
            cursor: 0,
            first: NIL,
            known: true,
        }
    }

    /// Number of armed timers.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn insert(&mut self, deadline: Micros, token: T) -> TimerId {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot {
                    gen: 0,
                    prev: NIL,
                    next: NIL,
                    tick: 0,
                    deadline: 0,
                    seq: 0,
                    token: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let s = &mut self.slots.as_mut_slice()[slot as usize];
        s.gen = s.gen.wrapping_add(1);
        s.token = Some(token);
        let gen = s.gen;
        self.len += 1;
        self.file(slot, deadline.0);
        TimerId { slot, gen }
    }

    /// Disarms `id`; false when it already fired or was cancelled.
    pub(crate) fn cancel(&mut self, id: TimerId) -> bool {
        if !self.is_live(id) {
            return false;
        }
        if self.is_held(id.slot) {
            self.free_slot(id.slot);
        } else {
            self.unlink(id.slot);
            self.release(id.slot);
        }
        true
    }

    /// Moves armed timer `id` to `deadline`, keeping its id and token, as if cancelled and
    /// inserted afresh (it fires after timers already armed for the same deadline); false
    /// (and nothing done) when it already fired or was cancelled.
    pub(crate) fn reschedule(&mut self, id: TimerId, deadline: Micros) -> bool {
        if !self.is_live(id) {
            return false;
        }
        if self.is_held(id.slot) {
            self.len += 1;
        } else {
            self.unlink(id.slot);
        }
        self.file(id.slot, deadline.0);
        true
    }

    /// Whether `id` is still armed.
    #[cfg(test)]
    fn is_armed(&self, id: TimerId) -> bool {
        self.is_live(id)
    }

    /// The earliest deadline of an armed timer.
    pub(crate) fn next_deadline(&mut self) -> Option<Micros> {
        let i = self.earliest()?;
        Some(Micros(self.slots.as_slice()[i as usize].deadline))
    }

    /// Removes and returns one timer whose deadline is at or before `now`, earliest first.
    #[cfg(test)]
    fn pop_expired(&mut self, now: Micros) -> Option<(TimerId, T)> {
        let (id, token) = self.pop_held(now)?;
        self.release_held(id);
        Some((id, token))
    }

    /// As [`TimerQueue::pop_expired`], but the timer stays armed out of the wheel ("held")
    /// until [`TimerQueue::release_held`]: moving it in between ([`TimerQueue::reschedule`])
    /// files it again under the same id, where an insert would take a slot just freed.
    pub(crate) fn pop_held(&mut self, now: Micros) -> Option<(TimerId, T)> {
        let i = self.earliest()?;
        let s = &self.slots.as_slice()[i as usize];
        if s.deadline > now.0 {
            return None;
        }
        let (gen, token) = (s.gen, s.token?);
        self.unlink(i);
        let s = &mut self.slots.as_mut_slice()[i as usize];
        s.prev = NIL;
        s.next = NIL;
        self.len -= 1;
        Some((TimerId { slot: i, gen }, token))
    }

    /// Ends the hold of a timer [`TimerQueue::pop_held`] returned: its slot is free again
    /// unless it was moved (armed anew) or cancelled meanwhile.
    pub(crate) fn release_held(&mut self, id: TimerId) {
        if self.is_live(id) && self.is_held(id.slot) {
            self.free_slot(id.slot);
        }
    }

    /// A live slot out of every list: popped and held. (A filed one is in a circular list.)
    #[inline(always)]
    fn is_held(&self, i: u32) -> bool {
        self.slots.as_slice()[i as usize].prev == NIL
    }

    #[inline(always)]
    fn free_slot(&mut self, i: u32) {
        self.slots.as_mut_slice()[i as usize].token = None;
        self.free.push(i);
    }

    fn is_live(&self, id: TimerId) -> bool {
        matches!(self.slots.get(id.slot as usize), Some(s) if s.gen == id.gen && s.token.is_some())
    }

    // The list code indexes slices, not the Vecs: a slice index is inline code, a Vec's is a
    // call of its own at opt-level z.

    /// Gives slot `i` (armed, unlinked) its deadline and its place in its bucket's list: after
    /// (nearer the head than) every timer of an earlier or equal deadline, as the newest arming.
    fn file(&mut self, i: u32, deadline: u64) {
        self.seq += 1;
        let tick = (deadline >> TICK_SHIFT).max(self.cursor);
        let b = (tick % BUCKETS as u64) as usize;
        let (slots, heads) = (self.slots.as_mut_slice(), self.heads.as_mut_slice());
        let head = heads[b];
        let s = &mut slots[i as usize];
        s.deadline = deadline;
        s.seq = self.seq;
        s.tick = tick;
        if head == NIL {
            s.prev = i;
            s.next = i;
            self.filled[b / 64] |= 1 << (b % 64);
            heads[b] = i;
        } else {
            // The first timer from the head not later than `deadline`: `i` goes in before it;
            // none (all later): in before the head, as the new tail.
            let tail = slots[head as usize].prev;
            let mut at = head;
            if slots[tail as usize].deadline <= deadline {
                while slots[at as usize].deadline > deadline {
                    at = slots[at as usize].next;
                }
            }
            let prev = slots[at as usize].prev;
            slots[i as usize].prev = prev;
            slots[i as usize].next = at;
            slots[prev as usize].next = i;
            slots[at as usize].prev = i;
            if at == head && slots[head as usize].deadline <= deadline {
                heads[b] = i;
            }
        }
        // The newest arming is the latest among equal deadlines: earlier only if sooner.
        if self.known && (self.first == NIL || deadline < slots[self.first as usize].deadline) {
            self.first = i;
        }
    }

    /// Takes slot `i` out of its bucket's list.
    fn unlink(&mut self, i: u32) {
        let (slots, heads) = (self.slots.as_mut_slice(), self.heads.as_mut_slice());
        let s = &slots[i as usize];
        let (prev, next, tick) = (s.prev, s.next, s.tick);
        let b = (tick % BUCKETS as u64) as usize;
        let mut tail = NIL;
        if next == i {
            heads[b] = NIL;
            self.filled[b / 64] &= !(1 << (b % 64));
        } else {
            slots[prev as usize].next = next;
            slots[next as usize].prev = prev;
            if heads[b] == i {
                heads[b] = next;
            }
            tail = slots[heads[b] as usize].prev;
        }
        if self.first == i {
            // The earliest's tick is the earliest filed: the next timer of that tick, if
            // any, is its bucket's new tail and the earliest now.
            if tail != NIL && slots[tail as usize].tick == tick {
                self.first = tail;
            } else {
                self.known = false;
            }
        }
    }

    fn release(&mut self, i: u32) {
        self.free_slot(i);
        self.len -= 1;
    }

    /// The earliest armed timer's slot.
    fn earliest(&mut self) -> Option<u32> {
        if !self.known {
            self.first = self.find_earliest();
            self.known = true;
        }
        (self.first != NIL).then_some(self.first)
    }

    fn find_earliest(&mut self) -> u32 {
        if self.len == 0 {
            return NIL;
        }
        let (slots, heads) = (self.slots.as_slice(), self.heads.as_slice());
        // This round's timers in the first bucket that has any are the earliest: a later
        // bucket's ticks, and so its deadlines, are later.
        let start = (self.cursor % BUCKETS as u64) as usize;
        let (mut from, mut wrapped) = (start, false);
        loop {
            let b = match next_filled(&self.filled, from) {
                Some(b) if !wrapped || b < start => b,
                _ if !wrapped => {
                    (from, wrapped) = (0, true);
                    continue;
                }
                _ => break,
            };
            let ahead = if b >= start {
                b - start
            } else {
                BUCKETS - start + b
            };
            let tick = self.cursor + ahead as u64;
            // The tail is the bucket's earliest; a later round's timers are later still.
            let tail = slots[heads[b] as usize].prev;
            if slots[tail as usize].tick == tick {
                self.cursor = tick;
                return tail;
            }
            from = b + 1;
        }
        // Every timer is a round or more ahead: look at all, and move the cursor to it.
        let mut best = NIL;
        for &head in heads {
            if head == NIL {
                continue;
            }
            let i = slots[head as usize].prev;
            if best == NIL || slots[i as usize].before(&slots[best as usize]) {
                best = i;
            }
        }
        if best != NIL {
            self.cursor = slots[best as usize].tick;
        }
        best
    }
}

/// The first bucket at or after `from` (no wrapping) whose list is not empty.
fn next_filled(filled: &[u64; WORDS], from: usize) -> Option<usize> {
    let mut w = from / 64;
    let mut bits = *filled.get(w)? & (!0u64 << (from % 64));
    loop {
        if bits != 0 {
            return Some(w * 64 + bits.trailing_zeros() as usize);
        }
        w += 1;
        bits = *filled.get(w)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Micros {
        Micros(n)
    }

    #[test]
    fn pops_in_deadline_order_only_when_expired() {
        let mut q = TimerQueue::new();
        q.insert(us(300), 'c');
        q.insert(us(100), 'a');
        q.insert(us(200), 'b');
        assert_eq!(q.next_deadline(), Some(us(100)));
        assert_eq!(q.pop_expired(us(99)), None);
        assert_eq!(q.pop_expired(us(100)).map(|x| x.1), Some('a'));
        assert_eq!(q.pop_expired(us(250)).map(|x| x.1), Some('b'));
        assert_eq!(q.pop_expired(us(250)), None);
        assert_eq!(q.next_deadline(), Some(us(300)));
        assert_eq!(q.pop_expired(us(1_000)).map(|x| x.1), Some('c'));
        assert!(q.is_empty());
        assert_eq!(q.next_deadline(), None);
    }

    #[test]
    fn equal_deadlines_fire_in_insertion_order() {
        let mut q = TimerQueue::new();
        for i in 0..10 {
            q.insert(us(5), i);
        }
        let got: Vec<i32> = std::iter::from_fn(|| q.pop_expired(us(5)).map(|x| x.1)).collect();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn cancel_skips_and_reused_slot_is_not_cancelled_by_old_id() {
        let mut q = TimerQueue::new();
        let a = q.insert(us(10), 1);
        assert!(q.cancel(a));
        assert!(!q.cancel(a));
        let b = q.insert(us(20), 2); // reuses a's slot
        assert!(!q.cancel(a));
        assert!(q.is_armed(b));
        assert_eq!(q.next_deadline(), Some(us(20)));
        assert_eq!(q.pop_expired(us(20)), Some((b, 2)));
        assert!(!q.is_armed(b));
        assert!(!q.cancel(b));
    }

    #[test]
    fn microsecond_resolution() {
        let mut q = TimerQueue::new();
        q.insert(Micros::from_secs(1) + us(1), 'x');
        assert_eq!(q.pop_expired(Micros::from_secs(1)), None);
        assert!(q.pop_expired(Micros::from_secs(1) + us(1)).is_some());
    }

    #[test]
    fn steady_rearm_keeps_storage_bounded() {
        let mut q = TimerQueue::new();
        let mut now = us(0);
        let mut ids = Vec::new();
        for i in 0..8 {
            ids.push(q.insert(now + us(1_000 + i), i));
        }
        for _ in 0..10_000 {
            // cancel and re-arm one (like an advert timer reset on every packet), fire the rest as due
            let id = ids.remove(0);
            q.cancel(id);
            ids.push(q.insert(now + us(5_000), 99));
            now = now + us(100);
            while let Some((id, _)) = q.pop_expired(now) {
                ids.retain(|x| *x != id);
                ids.push(q.insert(now + us(1_000), 7));
            }
        }
        assert!(q.slots.len() <= 32, "slots grew to {}", q.slots.len());
        assert_eq!(q.len(), ids.len());
        q.assert_sound();
    }

    impl<T: Copy> TimerQueue<T> {
        /// Every armed slot in the circular list of its bucket, linked both ways, latest
        /// first, filed at or after the cursor; the cached earliest is the earliest.
        fn assert_sound(&mut self) {
            let mut n = 0;
            for b in 0..BUCKETS {
                let filled = self.filled[b / 64] & (1 << (b % 64)) != 0;
                let head = self.heads[b];
                assert_eq!(filled, head != NIL, "bucket {b}");
                if head == NIL {
                    continue;
                }
                let mut i = head;
                loop {
                    let s = &self.slots[i as usize];
                    assert!(s.token.is_some());
                    assert_eq!(self.slots[s.next as usize].prev, i);
                    assert_eq!(s.tick as usize % BUCKETS, b);
                    assert!(s.tick >= self.cursor);
                    n += 1;
                    i = s.next;
                    if i == head {
                        break;
                    }
                    assert!(self.slots[i as usize].before(s), "bucket {b} out of order");
                }
            }
            assert_eq!(n, self.len);
            let want = self
                .slots
                .iter()
                .filter(|s| s.token.is_some())
                .map(|s| (s.deadline, s.seq))
                .min();
            let got = self.earliest().map(|i| {
                let s = &self.slots[i as usize];
                (s.deadline, s.seq)
            });
            assert_eq!(got, want);
        }
    }

    #[test]
    fn cancelled_timers_leave_at_once() {
        let mut q = TimerQueue::new();
        let ids: Vec<_> = (0..50).map(|i| q.insert(us(1_000 + i), i)).collect();
        for id in ids.iter().step_by(2) {
            assert!(q.cancel(*id));
            q.assert_sound();
        }
        assert_eq!(q.len(), 25);
        assert_eq!(q.next_deadline(), Some(us(1_001)));
        let got: Vec<u64> = std::iter::from_fn(|| q.pop_expired(us(2_000)).map(|x| x.1)).collect();
        assert_eq!(got, (0..50).filter(|i| i % 2 == 1).collect::<Vec<_>>());
    }

    #[test]
    fn rescheduled_timer_fires_at_its_new_deadline_earlier_or_later() {
        let mut q = TimerQueue::new();
        let a = q.insert(us(100), 'a');
        let b = q.insert(us(200), 'b');
        let c = q.insert(us(300), 'c');
        assert!(q.reschedule(c, us(50)));
        assert_eq!(q.next_deadline(), Some(us(50)));
        assert!(q.reschedule(a, us(400)));
        q.assert_sound();
        assert_eq!(q.pop_expired(us(60)), Some((c, 'c')));
        assert_eq!(q.pop_expired(us(399)), Some((b, 'b')));
        assert_eq!(q.pop_expired(us(399)), None);
        assert_eq!(q.pop_expired(us(400)), Some((a, 'a')));
        assert!(q.is_empty());
    }

    #[test]
    fn a_timer_moved_to_an_equal_deadline_fires_after_those_armed_before() {
        let mut q = TimerQueue::new();
        let a = q.insert(us(10), 'a');
        q.insert(us(10), 'b');
        q.insert(us(20), 'c');
        let d = q.insert(us(5), 'd');
        assert!(q.reschedule(a, us(10)));
        assert!(q.reschedule(d, us(10)));
        let got: Vec<char> = std::iter::from_fn(|| q.pop_expired(us(20)).map(|x| x.1)).collect();
        assert_eq!(got, vec!['b', 'a', 'd', 'c']);
    }

    #[test]
    fn a_held_timer_moved_keeps_its_id_and_slot_else_its_release_frees_it() {
        let mut q = TimerQueue::new();
        let a = q.insert(us(10), 'a');
        q.insert(us(30), 'b');
        let (id, tok) = q.pop_held(us(10)).expect("due");
        assert_eq!((id, tok), (a, 'a'));
        assert_eq!(q.len(), 1);
        assert!(q.is_armed(a));
        // Moved while held: filed again under its id, the release leaves it armed.
        assert!(q.reschedule(a, us(20)));
        q.release_held(a);
        assert_eq!(q.len(), 2);
        q.assert_sound();
        assert_eq!(q.next_deadline(), Some(us(20)));
        assert_eq!(q.slots.len(), 2);
        // Not moved: the release frees it, and an insert takes its slot under a new id.
        assert_eq!(q.pop_held(us(25)).map(|x| x.0), Some(a));
        q.release_held(a);
        assert!(!q.is_armed(a) && !q.reschedule(a, us(40)));
        let c = q.insert(us(50), 'c');
        assert_ne!(c, a);
        assert_eq!(q.slots.len(), 2);
        // Cancelled while held: freed once, not again by the release.
        let (b, _) = q.pop_held(us(30)).expect("due");
        assert!(q.cancel(b));
        q.release_held(b);
        assert_eq!(q.free.len(), 1);
        assert_eq!(q.len(), 1);
        q.assert_sound();
    }

    #[test]
    fn fired_or_cancelled_timer_cannot_be_moved() {
        let mut q = TimerQueue::new();
        let a = q.insert(us(10), 1);
        let b = q.insert(us(20), 2);
        assert_eq!(q.pop_expired(us(10)), Some((a, 1)));
        assert!(!q.reschedule(a, us(30)));
        assert!(q.cancel(b));
        assert!(!q.reschedule(b, us(30)));
        let c = q.insert(us(40), 3); // reuses a slot: the old ids still name nothing
        assert!(!q.reschedule(a, us(1)) && !q.reschedule(b, us(1)));
        assert_eq!(q.next_deadline(), Some(us(40)));
        assert!(q.is_armed(c));
    }

    #[test]
    fn matches_a_sorted_list_under_random_inserts_moves_cancels_and_pops() {
        // within one bucket, over a few buckets, over rounds of the wheel
        for scale in [1, 100, 8_000] {
            random_against_model(scale);
        }
    }

    /// Deadlines up to 200 × `scale` µs ahead (some already past), time moving by up to
    /// 30 × `scale` µs a step.
    fn random_against_model(scale: u64) {
        // xorshift: deterministic, no dependency
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut q = TimerQueue::new();
        // the model: (deadline, arming order, id, token), fired smallest first
        let mut model: Vec<(u64, u64, TimerId, u32)> = Vec::new();
        let mut order = 0;
        let mut now = 0;
        for step in 0..20_000u32 {
            order += 1;
            match rnd(10) {
                0..=3 => {
                    let d = (now + rnd(200) * scale).saturating_sub(rnd(20) * scale);
                    let id = q.insert(us(d), step);
                    model.push((d, order, id, step));
                }
                4..=5 if !model.is_empty() => {
                    let k = rnd(model.len() as u64) as usize;
                    let d = (now + rnd(200) * scale).saturating_sub(rnd(20) * scale);
                    assert!(q.reschedule(model[k].2, us(d)));
                    model[k].0 = d;
                    model[k].1 = order;
                }
                6 if !model.is_empty() => {
                    let k = rnd(model.len() as u64) as usize;
                    assert!(q.cancel(model.swap_remove(k).2));
                }
                _ => {
                    now += rnd(30) * scale;
                    model.sort_by_key(|m| (m.0, m.1));
                    while let Some((id, tok)) = q.pop_expired(us(now)) {
                        let (d, _, mid, mtok) = model.remove(0);
                        assert!(d <= now);
                        assert_eq!((id, tok), (mid, mtok));
                    }
                    assert!(model.first().is_none_or(|m| m.0 > now));
                }
            }
            if step % 97 == 0 {
                q.assert_sound();
                assert_eq!(q.next_deadline(), model.iter().map(|m| us(m.0)).min());
            }
            assert_eq!(q.len(), model.len());
        }
    }
}
