//! Large socket buffers in an anonymous mapping of their own rather than on the heap.
//!
//! A netlink receive buffer must hold the largest datagram the kernel may send (32 KiB), yet
//! most datagrams fill a page or two of it. On the heap the whole buffer became resident and
//! private at once: the allocator clears a reused block (a VRRP child's heap holds what its
//! parent freed after reading the config) and a small allocation beside it dirties its pages.
//! In a mapping of its own a page is resident only once the kernel has written into it, and
//! it belongs to the one process that opened the socket.

use std::io;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// A zeroed, fixed-size byte buffer backed by its own private anonymous mapping.
pub(crate) struct PageBuf {
    ptr: NonNull<u8>,
    len: usize,
}

impl PageBuf {
    /// Maps `len` (> 0) zeroed bytes; nothing is resident until written.
    pub(crate) fn new(len: usize) -> io::Result<PageBuf> {
        // SAFETY: a fresh anonymous private mapping, no file and no address hint; the result
        // is checked before use.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap gave null"))?;
        Ok(PageBuf { ptr, len })
    }
}

// SAFETY: PageBuf owns its mapping alone, as a Box<[u8]> owns its block: moving it to another
// thread moves the only handle, and shared access is read-only through &self.
unsafe impl Send for PageBuf {}
// SAFETY: as Send; &PageBuf gives only &[u8].
unsafe impl Sync for PageBuf {}

impl Deref for PageBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: ptr maps len readable bytes for as long as self lives.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for PageBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as deref, writable, and &mut self makes this the only view.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for PageBuf {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping new made; no view outlives self.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_zeroed_and_keeps_what_is_written() {
        let mut b = PageBuf::new(32 * 1024).expect("mmap");
        assert_eq!(b.len(), 32 * 1024);
        assert!(b.iter().all(|&x| x == 0));
        b[0] = 1;
        b[32 * 1024 - 1] = 2;
        assert_eq!((b[0], b[32 * 1024 - 1], b[4096]), (1, 2, 0));
    }

    #[test]
    fn allocates_nothing_on_the_heap() {
        let s = crate::core::alloc::Scope::new();
        let b = PageBuf::new(16 * 1024).expect("mmap");
        drop(b);
        assert_eq!(s.allocs(), 0);
    }
}
