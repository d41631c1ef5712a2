//! keepalived's timer formulas (vrrp.h VRRP_TIMER_SKEW, VRRP_MS_DOWN_TIMER) and the queue of
//! delayed GARP sets.

use crate::core::time::Micros;

const HZ: u64 = 1_000_000;
const CENTI_HZ: u64 = 10_000;

/// Skew_Time for priority `prio` (the effective priority; the owner's is 255).
/// v2 (RFC 3768): (256 - prio) / 256 s, whatever the interval.
/// v3 (RFC 5798): (256 - prio) × Master_Adver_Interval / 256, computed in keepalived's order
/// (centiseconds × 625 / 16) so the truncation matches to the µs.
pub fn skew_time(version: u8, prio: u8, master_adver_int: Micros) -> Micros {
    let p = 256 - prio as u64;
    if version == 3 {
        Micros(p * (master_adver_int.0 / CENTI_HZ) * 625 / 16)
    } else {
        Micros(p * HZ / 256)
    }
}

/// Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time.
pub fn master_down_interval(
    version: u8,
    prio: u8,
    master_adver_int: Micros,
    down_timer_adverts: u32,
) -> Micros {
    Micros(down_timer_adverts as u64 * master_adver_int.0)
        + skew_time(version, prio, master_adver_int)
}

/// Delayed GARP sets waiting to fire. keepalived starts one timer per trigger and never
/// cancels them; each fires once. When full, a new set is merged into the latest one (it then
/// fires a little early, with more rounds) rather than lost.
#[derive(Clone, Copy, Debug)]
pub(super) struct GarpQueue {
    /// (deadline, how many sets fire then), deadline order.
    slots: [(Micros, u32); GarpQueue::CAP],
    len: usize,
}

impl GarpQueue {
    pub const CAP: usize = 8;

    pub const fn new() -> Self {
        GarpQueue {
            slots: [(Micros::ZERO, 0); GarpQueue::CAP],
            len: 0,
        }
    }

    pub fn push(&mut self, at: Micros) {
        // Deadlines come from `now + constant delay`, so pushes arrive in order.
        if self.len > 0 && self.slots[self.len - 1].0 == at {
            self.slots[self.len - 1].1 += 1;
        } else if self.len < Self::CAP {
            self.slots[self.len] = (at, 1);
            self.len += 1;
        } else {
            self.slots[Self::CAP - 1].1 += 1;
        }
    }

    pub fn next(&self) -> Option<Micros> {
        (self.len > 0).then(|| self.slots[0].0)
    }

    /// Removes every set due at `now`; returns how many sets fire.
    pub fn take_due(&mut self, now: Micros) -> u32 {
        let due = self.slots[..self.len]
            .iter()
            .take_while(|s| s.0 <= now)
            .count();
        let sets = self.slots[..due].iter().map(|s| s.1).sum();
        self.slots.copy_within(due..self.len, 0);
        self.len -= due;
        sets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_and_down_interval_as_keepalived_computes_them() {
        let s = Micros::from_secs(1);
        assert_eq!(skew_time(2, 100, s), Micros(609_375));
        assert_eq!(master_down_interval(2, 100, s, 3), Micros(3_609_375));
        // v2 skew ignores the interval.
        assert_eq!(skew_time(2, 100, Micros::from_secs(5)), Micros(609_375));
        assert_eq!(skew_time(2, 255, s), Micros(3_906));
        assert_eq!(skew_time(3, 100, s), Micros(609_375));
        // v3, 10 ms: 156 × 1 × 625 / 16 = 6093.75 → 6093.
        assert_eq!(skew_time(3, 100, Micros::from_centis(1)), Micros(6_093));
        assert_eq!(
            master_down_interval(3, 100, Micros::from_centis(1), 3),
            Micros(36_093)
        );
        assert_eq!(
            skew_time(3, 1, Micros::from_centis(4095)),
            Micros(40_790_039)
        );
    }

    #[test]
    fn garp_queue_fires_in_order_and_merges_when_full() {
        let mut q = GarpQueue::new();
        assert_eq!(q.next(), None);
        for i in 0..10 {
            q.push(Micros(100 + i));
        }
        assert_eq!(q.next(), Some(Micros(100)));
        assert_eq!(q.take_due(Micros(101)), 2);
        assert_eq!(q.next(), Some(Micros(102)));
        assert_eq!(q.take_due(Micros(1000)), 8);
        assert_eq!(q.next(), None);
    }
}
