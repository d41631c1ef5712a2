//! Interface lookups by name in the current network namespace.

/// The interface's index, or None when there is no such interface (or the name cannot be one).
/// No allocation: the lookup runs on every reload and every link event.
pub fn index(name: &str) -> Option<u32> {
    let mut c = [0u8; libc::IF_NAMESIZE + 1];
    if name.is_empty() || name.len() >= c.len() || name.contains('\0') {
        return None;
    }
    c[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: c is NUL-terminated (it is longer than name and zero-filled); the call only reads it.
    let i = unsafe { libc::if_nametoindex(c.as_ptr().cast()) };
    (i != 0).then_some(i)
}

/// Whether the interface exists now.
pub(crate) fn exists(name: &str) -> bool {
    index(name).is_some()
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_exists_and_nonsense_does_not() {
        assert_eq!(super::index("lo"), Some(1));
        assert!(!super::exists("no-such-if0"));
        assert!(!super::exists("bad\0name"));
    }
}
