//! FILE_CHECK: a number in a file (a top-level `track_file`) decides the checker, re-read
//! whenever the file is closed after writing, moved or deleted (inotify on its directory, as
//! keepalived). With weight 0 a non-zero number is down (`reverse`: zero is); otherwise the
//! number times the weight (negated by `reverse`) is added to the real server's weight.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use log::info;

/// The lowest value keepalived's weights take: reaching it is down.
const WEIGHT_FAULT: i64 = i32::MIN as i64;

/// What a file value means for the checker: None is down, Some(w) is up with `w` added to
/// the real server's weight.
pub fn effect(value: i64, weight: i32, reverse: bool) -> Option<i64> {
    if weight == 0 {
        return ((value != 0) == reverse).then_some(0);
    }
    let mult = if reverse { -1 } else { 1 };
    let w = (value * i64::from(weight) * mult).clamp(WEIGHT_FAULT, i64::from(i32::MAX));
    (w > WEIGHT_FAULT).then_some(w)
}

/// The number at the start of `text` as C's strtol with base 0 reads it (0x hex, 0 octal,
/// else decimal; no digits is 0). None when outside what keepalived accepts.
pub fn parse_value(text: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(text).unwrap_or("");
    let s = s.trim_start();
    let (neg, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        if h.starts_with(|c: char| c.is_ascii_hexdigit()) {
            (16, h)
        } else {
            (10, "0")
        }
    } else if s.starts_with('0') {
        (8, s)
    } else {
        (10, s)
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let mut v: i64 = 0;
    for c in digits[..end].chars() {
        v = v
            .checked_mul(i64::from(radix))?
            .checked_add(i64::from(c.to_digit(radix)?))?;
    }
    let v = if neg { -v } else { v };
    (i64::from(i32::MIN)..=i64::from(i32::MAX) + 1)
        .contains(&v)
        .then_some(v)
}

/// Reads the file's value as keepalived does: missing or empty is 0; None (logged) when the
/// number is out of range and the last value stands.
pub fn read_value(path: &Path) -> Option<i64> {
    let mut buf = [0u8; 127];
    let n = match std::fs::File::open(path) {
        Ok(mut f) => io::Read::read(&mut f, &mut buf).unwrap_or(0),
        Err(_) => 0,
    };
    let v = parse_value(&buf[..n]);
    if v.is_none() {
        info!("Invalid number read from {} - ignoring", path.display());
    }
    v
}

/// One inotify instance watching the directories of the tracked files.
pub struct Watcher {
    fd: OwnedFd,
    /// (watch descriptor, directory)
    dirs: Vec<(i32, PathBuf)>,
}

impl Watcher {
    pub fn new() -> io::Result<Watcher> {
        // SAFETY: plain syscall; the fd is owned at once.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Watcher {
            // SAFETY: fresh fd from the kernel.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            dirs: Vec::new(),
        })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Watches the directory of `file`.
    pub fn watch(&mut self, file: &Path) -> io::Result<()> {
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if self.dirs.iter().any(|(_, d)| d == dir) {
            return Ok(());
        }
        let c = CString::new(dir.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
        let mask = libc::IN_CLOSE_WRITE | libc::IN_DELETE | libc::IN_MOVE;
        // SAFETY: valid fd and NUL-terminated path.
        let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), c.as_ptr(), mask) };
        if wd < 0 {
            return Err(io::Error::last_os_error());
        }
        self.dirs.push((wd, dir.to_path_buf()));
        Ok(())
    }

    /// Drains the pending events, calling `changed` with each file path they name.
    pub fn drain(&mut self, mut changed: impl FnMut(&Path)) {
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: reading into our buffer.
            let n = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                )
            };
            if n <= 0 {
                return;
            }
            let mut off = 0usize;
            let n = n as usize;
            // struct inotify_event: wd, mask, cookie, len, then `len` bytes of name.
            while off + 16 <= n {
                let wd = i32::from_ne_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]]);
                let len = u32::from_ne_bytes([
                    buf[off + 12],
                    buf[off + 13],
                    buf[off + 14],
                    buf[off + 15],
                ]) as usize;
                let name_end = (off + 16 + len).min(n);
                let name = &buf[off + 16..name_end];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if let Some((_, dir)) = self.dirs.iter().find(|(w, _)| *w == wd) {
                    changed(&dir.join(std::ffi::OsStr::from_bytes(name)));
                }
                off = name_end;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_like_strtol_base_0() {
        assert_eq!(parse_value(b"12\n"), Some(12));
        assert_eq!(parse_value(b"  -7 apples"), Some(-7));
        assert_eq!(parse_value(b"0x1f"), Some(31));
        assert_eq!(parse_value(b"010"), Some(8));
        assert_eq!(parse_value(b""), Some(0));
        assert_eq!(parse_value(b"abc"), Some(0));
        assert_eq!(parse_value(b"2147483648"), Some(2_147_483_648));
        assert_eq!(parse_value(b"2147483649"), None);
    }

    #[test]
    fn weight_zero_is_up_or_down_and_other_weights_scale() {
        assert_eq!(effect(0, 0, false), Some(0));
        assert_eq!(effect(3, 0, false), None);
        assert_eq!(effect(0, 0, true), None);
        assert_eq!(effect(3, 0, true), Some(0));
        assert_eq!(effect(3, 2, false), Some(6));
        assert_eq!(effect(3, 2, true), Some(-6));
        assert_eq!(effect(i64::from(i32::MIN), 1, false), None);
    }

    #[test]
    fn a_rewritten_file_is_reported() {
        let dir = std::env::temp_dir().join(format!("ka-file-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let f = dir.join("v");
        let mut w = Watcher::new().expect("inotify");
        w.watch(&f).expect("watch");
        std::fs::write(&f, "5").expect("write");
        let mut seen = Vec::new();
        w.drain(|p| seen.push(p.to_path_buf()));
        assert!(seen.contains(&f), "{seen:?}");
        assert_eq!(read_value(&f), Some(5));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
