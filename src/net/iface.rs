//! Interface lookups by name in the current network namespace.

use std::ffi::CString;

/// The interface's index, or None when there is no such interface (or the name cannot be one).
pub fn index(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call; the function only reads it.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

/// Whether the interface exists now.
pub fn exists(name: &str) -> bool {
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
