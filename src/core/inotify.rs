//! A non-blocking inotify instance: watches directories and yields (watch, mask, name) events
//! parsed from a fixed buffer. Used for track files, which keepalived also follows by watching
//! the directory (so a file that is replaced by rename, created or deleted is seen).

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub(crate) use libc::{IN_ISDIR, IN_MOVED_FROM, IN_Q_OVERFLOW};

/// Header of one event: wd, mask, cookie, len.
const HDR: usize = 16;
/// Room for several events with names up to NAME_MAX.
pub(crate) const BUF_LEN: usize = 4096;

pub(crate) struct Inotify {
    fd: OwnedFd,
}

/// One event: the watch it is for, what happened, and the name in the watched directory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InEvent<'a> {
    pub(crate) wd: i32,
    pub(crate) mask: u32,
    pub(crate) name: &'a [u8],
}

impl Inotify {
    pub(crate) fn new() -> io::Result<Inotify> {
        // SAFETY: plain syscall; the fd is owned below.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh fd owned by nobody else.
        Ok(Inotify {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Watches `dir` for files closed after writing, deleted, or moved in or out.
    pub(crate) fn watch_dir(&self, dir: &Path) -> io::Result<i32> {
        let c = CString::new(dir.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
        let mask = libc::IN_CLOSE_WRITE | libc::IN_DELETE | libc::IN_MOVE;
        // SAFETY: valid fd and NUL-terminated path.
        let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), c.as_ptr(), mask) };
        if wd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(wd)
    }

    /// Reads what is queued into `buf`; Ok(0) when nothing is (the fd is drained).
    pub(crate) fn read(&self, buf: &mut [u8; BUF_LEN]) -> io::Result<usize> {
        loop {
            // SAFETY: reading into our buffer of its own length.
            let n = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                )
            };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(0),
                _ => return Err(e),
            }
        }
    }
}

impl AsRawFd for Inotify {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// The events in the first `len` bytes of a read; a truncated tail is ignored.
pub(crate) fn events(buf: &[u8]) -> impl Iterator<Item = InEvent<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let hdr = buf.get(at..at + HDR)?;
        let word = |i: usize| [hdr[i], hdr[i + 1], hdr[i + 2], hdr[i + 3]];
        let wd = i32::from_ne_bytes(word(0));
        let mask = u32::from_ne_bytes(word(4));
        let len = u32::from_ne_bytes(word(12)) as usize;
        let name = buf.get(at + HDR..at + HDR + len)?;
        at += HDR + len;
        // The name is NUL padded.
        let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
        Some(InEvent {
            wd,
            mask,
            name: &name[..end],
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use libc::{IN_CLOSE_WRITE, IN_DELETE, IN_MOVED_TO};

    #[test]
    fn writes_renames_and_deletes_in_a_watched_directory_are_reported() {
        let dir = std::env::temp_dir().join(format!("ka-inotify-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let ino = Inotify::new().expect("inotify");
        let wd = ino.watch_dir(&dir).expect("watch");
        std::fs::write(dir.join("a"), "1").expect("write");
        std::fs::write(dir.join("b.tmp"), "2").expect("write");
        std::fs::rename(dir.join("b.tmp"), dir.join("b")).expect("rename");
        std::fs::remove_file(dir.join("a")).expect("rm");
        let mut buf = [0u8; BUF_LEN];
        let n = ino.read(&mut buf).expect("read");
        let seen: Vec<(String, u32)> = events(&buf[..n])
            .filter(|e| e.wd == wd)
            .map(|e| (String::from_utf8_lossy(e.name).into_owned(), e.mask))
            .collect();
        let has = |name: &str, bit: u32| seen.iter().any(|(n, m)| n == name && m & bit != 0);
        assert!(has("a", IN_CLOSE_WRITE), "{seen:?}");
        assert!(has("b", IN_MOVED_TO), "{seen:?}");
        assert!(has("a", IN_DELETE), "{seen:?}");
        assert_eq!(ino.read(&mut buf).expect("drained"), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
