//! FILE_CHECK: a number in a file (a top-level `track_file`) decides the checker, re-read
//! whenever the file is closed after writing, moved or deleted (inotify on its directory, as
//! keepalived). With weight 0 a non-zero number is down (`reverse`: zero is); otherwise the
//! number times the weight (negated by `reverse`) is added to the real server's weight.

use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use log::warn;

use crate::core::inotify::{self, Inotify};
pub use crate::core::track_value::read_value;

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

/// One inotify instance watching the directories of the tracked files.
pub struct Watcher {
    ino: Inotify,
    /// (watch descriptor, directory)
    dirs: Vec<(i32, PathBuf)>,
}

impl Watcher {
    pub fn new() -> io::Result<Watcher> {
        Ok(Watcher {
            ino: Inotify::new()?,
            dirs: Vec::new(),
        })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.ino.as_raw_fd()
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
        let wd = self.ino.watch_dir(dir)?;
        self.dirs.push((wd, dir.to_path_buf()));
        Ok(())
    }

    /// Drains the pending events, calling `changed` with each file path they name.
    pub fn drain(&mut self, mut changed: impl FnMut(&Path)) {
        let mut buf = [0u8; inotify::BUF_LEN];
        loop {
            let n = match self.ino.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => n,
                Err(e) => {
                    warn!("inotify read() returned error {e}");
                    return;
                }
            };
            for ev in inotify::events(&buf[..n]) {
                if let Some((_, dir)) = self.dirs.iter().find(|(w, _)| *w == ev.wd) {
                    changed(&dir.join(OsStr::from_bytes(ev.name)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
