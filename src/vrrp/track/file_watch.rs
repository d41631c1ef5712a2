//! track_file: which watched files an inotify event on their directories concerns (a file
//! written, renamed in, created, deleted or renamed away, as keepalived follows them), and
//! the `init_file` rule. The shell watches, reads and writes the files.

use std::path::PathBuf;

use crate::config::track::TrackFile;
use crate::core::inotify::{InEvent, IN_ISDIR, IN_MOVED_FROM, IN_Q_OVERFLOW};

/// A tracked file and the inotify watch on its directory.
pub(crate) struct FileWatch {
    pub(crate) name: String,
    pub(crate) obj: usize,
    /// The resolved path (its directory exists; the file need not).
    pub(crate) path: PathBuf,
    pub(crate) wd: i32,
}

/// What an event asks for one watched file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Read it again.
    Read,
    /// It is gone: it counts as 0.
    Gone,
}

/// The watched files `ev` concerns and what to do about each: all of them read again when
/// the kernel's queue overflowed (events were lost).
pub(crate) fn touched<'a>(
    files: &'a [FileWatch],
    ev: &InEvent<'a>,
) -> impl Iterator<Item = (&'a FileWatch, Reading)> {
    let overflow = ev.mask & IN_Q_OVERFLOW != 0;
    let dir = ev.mask & IN_ISDIR != 0;
    let gone = ev.mask & (IN_MOVED_FROM | libc::IN_DELETE) != 0;
    let (wd, name) = (ev.wd, ev.name);
    files.iter().filter_map(move |f| {
        if overflow {
            return Some((f, Reading::Read));
        }
        let ours =
            !dir && f.wd == wd && f.path.file_name().map(|x| x.as_encoded_bytes()) == Some(name);
        ours.then_some((f, if gone { Reading::Gone } else { Reading::Read }))
    })
}

/// The value to write to a tracked file before watching it, if any: its `init_file` value,
/// unless the file exists and `overwrite` is not given.
pub(crate) fn init_value(f: &TrackFile, exists: bool) -> Option<i64> {
    f.init_file.filter(|_| f.init_overwrite || !exists)
}
