//! Track file I/O: the directory of each file is watched with inotify, and the number read
//! from it is the file's level; which files an event concerns is [`touched`]'s.

use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use log::warn;
use mio::Interest;

use super::{TrackShell, INOTIFY_TOKEN};
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::inotify::{self, Inotify};
use crate::core::track_value::read_value;
use crate::vrrp::track::{init_value, touched, FileWatch, Key, Level, Reading};

/// keepalived's realpath handling: the directory must exist; the file need not.
fn resolve_file(path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    if let Ok(r) = std::fs::canonicalize(p) {
        return Some(r);
    }
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let d = std::fs::canonicalize(dir).ok().filter(|d| d.is_dir())?;
    Some(d.join(p.file_name()?))
}

/// What one read of the inotify fd found: (object, value) of the files that changed.
pub(crate) type FileChanges = heapless::Vec<(usize, i64), 16>;

impl TrackShell {
    /// Watches the tracked files of `cfg` (writing their `init_file` value first) and takes
    /// their first values.
    pub(super) fn files_setup(&mut self, cfg: &Config, lp: &mut EventLoop) {
        for (obj, name) in self.core.named(Key::File) {
            let Some(f) = cfg.vrrp.trackers.files.iter().find(|f| f.name == name) else {
                continue;
            };
            let Some(path) = resolve_file(&f.file) else {
                warn!("Track file directory for {name} does not exist - removing");
                continue;
            };
            if let Some(v) = init_value(f, path.exists()) {
                if let Err(e) = crate::core::safe_file::write(&path, format!("{v}\n")) {
                    warn!("track_file {name}: cannot write {}: {e}", path.display());
                }
            }
            let Some(ino) = self.inotify_open(lp) else {
                return;
            };
            let dir = path.parent().unwrap_or(Path::new("/"));
            let wd = match ino.watch_dir(dir) {
                Ok(wd) => wd,
                Err(e) => {
                    warn!("track_file {name}: cannot watch {}: {e}", dir.display());
                    continue;
                }
            };
            if let Some(v) = read_value(&path) {
                self.core.set_level(obj, Level::Value(v));
            }
            self.files.push(FileWatch {
                name,
                obj,
                path,
                wd,
            });
        }
    }

    /// The inotify instance, opened and registered on first use.
    fn inotify_open(&mut self, lp: &mut EventLoop) -> Option<&Inotify> {
        if self.inotify.is_none() {
            let ino = Inotify::new()
                .and_then(|ino| {
                    lp.register(ino.as_raw_fd(), INOTIFY_TOKEN, Interest::READABLE)
                        .map(|()| ino)
                })
                .map_err(|e| warn!("Unable to monitor track files: {e}"))
                .ok()?;
            self.inotify = Some(ino);
        }
        self.inotify.as_ref()
    }

    /// One read of the readable inotify fd: the track files that were written, moved in,
    /// deleted or moved away, re-read (a missing file reads as 0). None once nothing is left
    /// to read; the caller hands each change to the instances, then reads again.
    pub(crate) fn read_files(&mut self) -> Option<FileChanges> {
        let mut buf = [0u8; inotify::BUF_LEN];
        let ino = self.inotify.as_ref()?;
        let n = match ino.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(e) => {
                warn!("inotify read() returned error {e}");
                return None;
            }
        };
        let mut changed = FileChanges::new();
        for ev in inotify::events(&buf[..n]) {
            for (f, r) in touched(&self.files, &ev) {
                let v = match r {
                    Reading::Gone => Some(0),
                    Reading::Read => read_value(&f.path),
                };
                if let Some(v) = v {
                    if changed.push((f.obj, v)).is_err() {
                        warn!("track_file {}: too many changes at once", f.name);
                    }
                }
            }
        }
        Some(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_track_file_may_be_missing_but_not_its_directory() {
        let dir = std::env::temp_dir().join(format!("ka-trackfile-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let f = dir.join("absent");
        let resolved = resolve_file(&f.to_string_lossy()).expect("directory exists");
        assert_eq!(resolved.file_name(), f.file_name());
        assert_eq!(read_value(&resolved), Some(0));
        std::fs::write(&f, "0x20\n").expect("write");
        assert_eq!(read_value(&f), Some(32));
        assert!(resolve_file(&dir.join("nodir/x").to_string_lossy()).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
