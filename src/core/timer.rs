//! A timer queue on the monotonic clock, in microseconds.
//!
//! A binary heap ordered by deadline, over a slab of live timers. Cancelling only empties the
//! slab slot; the heap entry goes stale and is skipped when it reaches the top (a generation
//! number tells a reused slot from the one the heap entry was made for). Slots and heap space are
//! reused, so a loop that re-arms the same timers allocates nothing once warmed up.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::Micros;

/// Names one inserted timer, for cancelling it. Stays unique when its slot is reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    slot: u32,
    gen: u32,
}

#[derive(Debug)]
struct Slot<T> {
    gen: u32,
    live: Option<(Micros, T)>,
}

/// A heap entry: the deadline over the insertion sequence (FIFO among equal deadlines) in one
/// integer, ordered reversed (the heap's top is the earliest). One compare of a u128, inlined:
/// a checker child pushes and pops two entries per check, and the tuple's generic compare,
/// left out of line at opt-level z, was half its user time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    key: u128,
    slot: u32,
    gen: u32,
}

impl Entry {
    fn deadline(&self) -> Micros {
        Micros((self.key >> 64) as u64)
    }
}

impl Ord for Entry {
    #[inline(always)]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

impl PartialOrd for Entry {
    #[inline(always)]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }

    #[inline(always)]
    fn le(&self, other: &Self) -> bool {
        other.key <= self.key
    }
}

/// Timers carrying a caller-chosen token `T` (what to do when it fires).
#[derive(Debug)]
pub(crate) struct TimerQueue<T> {
    heap: BinaryHeap<Entry>,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    seq: u64,
    live: usize,
}

impl<T: Copy> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> TimerQueue<T> {
    pub(crate) fn new() -> Self {
        TimerQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
            live: 0,
        }
    }

    /// Number of armed timers.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.live
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub(crate) fn insert(&mut self, deadline: Micros, token: T) -> TimerId {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot { gen: 0, live: None });
                (self.slots.len() - 1) as u32
            }
        };
        let s = &mut self.slots[slot as usize];
        s.gen = s.gen.wrapping_add(1);
        s.live = Some((deadline, token));
        let gen = s.gen;
        self.seq += 1;
        self.heap.push(Entry {
            key: (u128::from(deadline.0) << 64) | u128::from(self.seq),
            slot,
            gen,
        });
        self.live += 1;
        self.compact_if_stale();
        TimerId { slot, gen }
    }

    /// Disarms `id`; false when it already fired or was cancelled.
    pub(crate) fn cancel(&mut self, id: TimerId) -> bool {
        match self.slots.get_mut(id.slot as usize) {
            Some(s) if s.gen == id.gen && s.live.is_some() => {
                s.live = None;
                self.free.push(id.slot);
                self.live -= 1;
                true
            }
            _ => false,
        }
    }

    /// Whether `id` is still armed.
    #[cfg(test)]
    fn is_armed(&self, id: TimerId) -> bool {
        matches!(self.slots.get(id.slot as usize), Some(s) if s.gen == id.gen && s.live.is_some())
    }

    /// The earliest deadline of an armed timer.
    pub(crate) fn next_deadline(&mut self) -> Option<Micros> {
        self.drop_stale_head();
        self.heap.peek().map(Entry::deadline)
    }

    /// Removes and returns one timer whose deadline is at or before `now`, earliest first.
    pub(crate) fn pop_expired(&mut self, now: Micros) -> Option<(TimerId, T)> {
        self.drop_stale_head();
        let e = *self.heap.peek()?;
        let (slot, gen) = (e.slot, e.gen);
        if e.deadline() > now {
            return None;
        }
        self.heap.pop();
        let s = &mut self.slots[slot as usize];
        let (_, token) = s.live.take()?;
        self.free.push(slot);
        self.live -= 1;
        Some((TimerId { slot, gen }, token))
    }

    fn is_current(&self, slot: u32, gen: u32) -> bool {
        let s = &self.slots[slot as usize];
        s.gen == gen && s.live.is_some()
    }

    fn drop_stale_head(&mut self) {
        while let Some(&e) = self.heap.peek() {
            if self.is_current(e.slot, e.gen) {
                break;
            }
            self.heap.pop();
        }
    }

    // Timers cancelled long before their deadline would otherwise pile up in the heap.
    fn compact_if_stale(&mut self) {
        if self.heap.len() > 2 * self.live + 64 {
            let slots = &self.slots;
            self.heap.retain(|e| {
                let s = &slots[e.slot as usize];
                s.gen == e.gen && s.live.is_some()
            });
        }
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
        assert!(q.heap.len() <= 2 * q.len() + 64 + 1);
    }
}
