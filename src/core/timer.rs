//! A timer queue on the monotonic clock, in microseconds.
//!
//! An indexed 4-ary min-heap ordered by deadline, over a slab of timers. Each slot knows where
//! its entry sits in the heap, so a cancelled timer leaves the heap at once and a moved deadline
//! ([`TimerQueue::reschedule`]) is re-sorted from where it is: the heap holds armed timers only.
//! A checker does per check one fire, one insert (its connect timeout) and one move (that
//! timeout becomes its next run), where a heap that kept cancelled entries to skip later did
//! two inserts and two pops over twice the entries. Four children per node halve the depth, and
//! so the entry moves and slot updates of each sift. Slots and heap space are reused, so a loop
//! that re-arms the same timers allocates nothing once warmed up.

use super::time::Micros;

/// Names one inserted timer, for cancelling or moving it. Stays unique when its slot is reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    slot: u32,
    gen: u32,
}

/// A slot's `pos` while its timer is not armed.
const UNARMED: u32 = u32::MAX;
const ARITY: usize = 4;

#[derive(Debug)]
struct Slot<T> {
    gen: u32,
    /// The index of the slot's entry in the heap, or [`UNARMED`].
    pos: u32,
    token: Option<T>,
}

/// A heap entry: the deadline, then the arming sequence (FIFO among equal deadlines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    deadline: u64,
    seq: u64,
    slot: u32,
}

impl Entry {
    // Written out and inlined: the tuple's generic compare, left out of line at opt-level z,
    // costs a call per step of each sift.
    #[inline(always)]
    fn before(&self, o: &Entry) -> bool {
        self.deadline < o.deadline || (self.deadline == o.deadline && self.seq < o.seq)
    }
}

/// Timers carrying a caller-chosen token `T` (what to do when it fires).
#[derive(Debug)]
pub(crate) struct TimerQueue<T> {
    heap: Vec<Entry>,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    seq: u64,
}

impl<T: Copy> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> TimerQueue<T> {
    pub(crate) fn new() -> Self {
        TimerQueue {
            heap: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }

    /// Number of armed timers.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.heap.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub(crate) fn insert(&mut self, deadline: Micros, token: T) -> TimerId {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot {
                    gen: 0,
                    pos: UNARMED,
                    token: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let s = &mut self.slots[slot as usize];
        s.gen = s.gen.wrapping_add(1);
        s.token = Some(token);
        let gen = s.gen;
        self.seq += 1;
        self.heap.push(Entry {
            deadline: deadline.0,
            seq: self.seq,
            slot,
        });
        self.sift_up(self.heap.len() - 1);
        TimerId { slot, gen }
    }

    /// Disarms `id`; false when it already fired or was cancelled.
    pub(crate) fn cancel(&mut self, id: TimerId) -> bool {
        let Some(pos) = self.armed_at(id) else {
            return false;
        };
        self.remove_at(pos);
        self.release(id.slot);
        true
    }

    /// Moves armed timer `id` to `deadline`, keeping its id and token, as if cancelled and
    /// inserted afresh (it fires after timers already armed for the same deadline); false
    /// (and nothing done) when it already fired or was cancelled.
    pub(crate) fn reschedule(&mut self, id: TimerId, deadline: Micros) -> bool {
        let Some(pos) = self.armed_at(id) else {
            return false;
        };
        self.seq += 1;
        let e = &mut self.heap[pos];
        let later = deadline.0 >= e.deadline;
        e.deadline = deadline.0;
        e.seq = self.seq;
        if later {
            self.sift_down(pos);
        } else {
            self.sift_up(pos);
        }
        true
    }

    /// Whether `id` is still armed.
    #[cfg(test)]
    fn is_armed(&self, id: TimerId) -> bool {
        self.armed_at(id).is_some()
    }

    /// The earliest deadline of an armed timer.
    pub(crate) fn next_deadline(&self) -> Option<Micros> {
        self.heap.first().map(|e| Micros(e.deadline))
    }

    /// Removes and returns one timer whose deadline is at or before `now`, earliest first.
    pub(crate) fn pop_expired(&mut self, now: Micros) -> Option<(TimerId, T)> {
        let e = *self.heap.first()?;
        if e.deadline > now.0 {
            return None;
        }
        self.remove_at(0);
        let s = &mut self.slots[e.slot as usize];
        let gen = s.gen;
        let token = s.token.take()?;
        self.release(e.slot);
        Some((TimerId { slot: e.slot, gen }, token))
    }

    fn armed_at(&self, id: TimerId) -> Option<usize> {
        match self.slots.get(id.slot as usize) {
            Some(s) if s.gen == id.gen && s.pos != UNARMED => Some(s.pos as usize),
            _ => None,
        }
    }

    fn release(&mut self, slot: u32) {
        let s = &mut self.slots[slot as usize];
        s.pos = UNARMED;
        s.token = None;
        self.free.push(slot);
    }

    /// Takes the entry at `pos` out of the heap (its slot is the caller's to release).
    fn remove_at(&mut self, pos: usize) {
        let Some(last) = self.heap.pop() else {
            return;
        };
        if pos < self.heap.len() {
            // Floyd's way: the hole goes down to a leaf by the earliest children (one compare
            // less per level than sifting `last`, which comes from a leaf and mostly belongs
            // near one), then `last` goes up from there.
            let hole = self.hole_to_leaf(pos);
            self.heap[hole] = last;
            self.sift_up(hole);
        }
    }

    /// Moves the hole at `i` down to a leaf, filling it with its earliest child at each level.
    fn hole_to_leaf(&mut self, mut i: usize) -> usize {
        let (heap, slots) = (self.heap.as_mut_slice(), self.slots.as_mut_slice());
        let n = heap.len();
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                return i;
            }
            let c = earliest_child(heap, first);
            heap[i] = heap[c];
            slots[heap[i].slot as usize].pos = i as u32;
            i = c;
        }
    }

    // The sifts index slices, not the Vecs: a slice index is inline code, a Vec's is a call of
    // its own at opt-level z, several per level.
    fn sift_up(&mut self, mut i: usize) {
        let (heap, slots) = (self.heap.as_mut_slice(), self.slots.as_mut_slice());
        let e = heap[i];
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let p = heap[parent];
            if !e.before(&p) {
                break;
            }
            heap[i] = p;
            slots[p.slot as usize].pos = i as u32;
            i = parent;
        }
        heap[i] = e;
        slots[e.slot as usize].pos = i as u32;
    }

    fn sift_down(&mut self, mut i: usize) {
        let (heap, slots) = (self.heap.as_mut_slice(), self.slots.as_mut_slice());
        let e = heap[i];
        let n = heap.len();
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let c = earliest_child(heap, first);
            let child = heap[c];
            if !child.before(&e) {
                break;
            }
            heap[i] = child;
            slots[child.slot as usize].pos = i as u32;
            i = c;
        }
        heap[i] = e;
        slots[e.slot as usize].pos = i as u32;
    }
}

/// The index of the earliest of the children starting at `first` (which exists).
#[inline(always)]
fn earliest_child(heap: &[Entry], first: usize) -> usize {
    let end = (first + ARITY).min(heap.len());
    let mut c = first;
    let mut k = first + 1;
    while k < end {
        if heap[k].before(&heap[c]) {
            c = k;
        }
        k += 1;
    }
    c
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
        assert_eq!(q.heap.len(), ids.len());
        q.assert_sound();
    }

    impl<T: Copy> TimerQueue<T> {
        /// Every entry after its parent, every armed slot pointing at its entry.
        fn assert_sound(&self) {
            for (i, e) in self.heap.iter().enumerate() {
                if i > 0 {
                    assert!(
                        !e.before(&self.heap[(i - 1) / ARITY]),
                        "entry {i} before its parent"
                    );
                }
                assert_eq!(self.slots[e.slot as usize].pos as usize, i);
            }
            let armed = self.slots.iter().filter(|s| s.pos != UNARMED).count();
            assert_eq!(armed, self.heap.len());
        }
    }

    #[test]
    fn cancelled_timers_leave_the_heap_at_once() {
        let mut q = TimerQueue::new();
        let ids: Vec<_> = (0..50).map(|i| q.insert(us(1_000 + i), i)).collect();
        for id in ids.iter().step_by(2) {
            assert!(q.cancel(*id));
            q.assert_sound();
        }
        assert_eq!(q.heap.len(), 25);
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
                    let d = now + rnd(200);
                    let id = q.insert(us(d), step);
                    model.push((d, order, id, step));
                }
                4..=5 if !model.is_empty() => {
                    let k = rnd(model.len() as u64) as usize;
                    let d = now + rnd(200);
                    assert!(q.reschedule(model[k].2, us(d)));
                    model[k].0 = d;
                    model[k].1 = order;
                }
                6 if !model.is_empty() => {
                    let k = rnd(model.len() as u64) as usize;
                    assert!(q.cancel(model.swap_remove(k).2));
                }
                _ => {
                    now += rnd(30);
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
            }
            assert_eq!(q.len(), model.len());
        }
    }
}
