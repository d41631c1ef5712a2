//! The session's source of randomness (transmit jitter, discriminators), injected so tests
//! and the fuzzer replay exactly. xorshift64*: not for secrets, only spreading.

#[derive(Clone, Copy, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// Any seed; zero (xorshift's fixed point) is replaced.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }

    /// Uniform enough in `lo..=hi` (`lo <= hi`).
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        let span = hi.saturating_sub(lo).saturating_add(1);
        let r = (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32());
        lo + r % span
    }

    /// A discriminator: never 0, which means "unknown" on the wire.
    pub(crate) fn discriminator(&mut self) -> u32 {
        loop {
            let d = self.next_u32();
            if d != 0 {
                return d;
            }
        }
    }
}
