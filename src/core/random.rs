//! Unpredictable numbers for what needs no more than that (DNS query IDs, checker start
//! jitter, temporary file names), read from the kernel with getrandom(2). std's RandomState
//! reads the same source but wraps it in SipHash and per-thread keys: 1.5 KB of MIPS code.

/// 64 random bits. Early at boot the kernel's pool may not be ready yet (the call would
/// block, `GRND_NONBLOCK` makes it fail instead): the clock and the pid then stand in.
pub(crate) fn u64() -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: writes at most 8 bytes into our buffer.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), 8, libc::GRND_NONBLOCK) };
    if n == 8 {
        return u64::from_ne_bytes(b);
    }
    let nanos = crate::core::time::real_now().as_nanos() as u64;
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_draws_differ() {
        assert_ne!(super::u64(), super::u64());
    }
}
