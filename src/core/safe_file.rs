//! Files the daemon writes as root where others may write too (/tmp above all): the signal
//! dumps, pidfiles, track files, log files. A local user can plant a symlink, a hard link or a
//! file of their own at the name beforehand; writing through it would hand them our data or
//! let them aim root's write at any file (keepalived's CVE-2018-19044/19045/19046). So a file
//! is never written through a name that may not be ours: a new file is made under a temporary
//! name in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC) and renamed over the name,
//! which replaces whatever was there without touching what it pointed to. Log files, which
//! keep their lines, are appended to only when the file at the name is already ours alone.
//!
//! Public for the binary's `-t FILE`; everything else that writes is in this crate.
use std::fmt;
use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The permissions of a file made here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// These bits less the process umask, as open(2) makes them: keepalived's dump, track and
    /// log files (0666 under its umask, 0177 unless `-u` says otherwise, so 0600).
    Umask(u32),
    /// Exactly these bits whatever the umask: keepalived's pidfiles (0644).
    Exact(u32),
}

impl Mode {
    /// The bits to create with: an exact mode is set after creation, whatever the umask, and
    /// until then the file is its owner's only.
    fn at_creation(self) -> u32 {
        match self {
            Self::Umask(m) => m,
            Self::Exact(m) => m & 0o600,
        }
    }
}

/// Why a file could not be written; the caller names the file in its log line.
#[derive(Debug)]
pub enum SafeFileError {
    /// No file name in the path (`/`, `..`).
    NoName,
    /// The temporary file could not be made (no such directory, read-only file system...).
    Create(PathBuf, io::Error),
    /// Writing or setting the mode of the temporary file failed.
    Write(PathBuf, io::Error),
    /// The temporary file could not take the name (a directory in the way...).
    Rename(PathBuf, io::Error),
}

impl fmt::Display for SafeFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoName => write!(f, "no file name"),
            Self::Create(t, e) => write!(f, "cannot create {}: {e}", t.display()),
            Self::Write(t, e) => write!(f, "cannot write {}: {e}", t.display()),
            Self::Rename(t, e) => write!(f, "cannot rename {} over it: {e}", t.display()),
        }
    }
}

impl std::error::Error for SafeFileError {}

/// `name` in keepalived's directory for dumps: `$TMPDIR` when that is an absolute path, else
/// /tmp (its set_tmp_dir). Read at each use, so no allocation is kept for a rare dump.
pub(crate) fn in_tmp_dir(name: &str) -> PathBuf {
    tmp_dir(std::env::var_os("TMPDIR")).join(name)
}

fn tmp_dir(env: Option<std::ffi::OsString>) -> PathBuf {
    env.map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// `std::fs::write` for files in shared directories: replaces `path` with a new file of ours,
/// mode 0666 less the umask as keepalived's `fopen_safe` (so 0600 under its default umask).
pub(crate) fn write(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> Result<(), SafeFileError> {
    replace(path.as_ref(), bytes.as_ref(), Mode::Umask(0o666))
}

/// Replaces `path` with a new file of ours holding `bytes`. On error the name keeps what it
/// had and no temporary file is left. No fsync: these files are diagnostics and pidfiles in
/// tmpfs-backed directories on routers, and an fsync on slow flash would stall the one loop.
pub(crate) fn replace(path: &Path, bytes: &[u8], mode: Mode) -> Result<(), SafeFileError> {
    let (mut file, tmp) = create_temp(path, mode, false)?;
    if let Err(e) = file.write_all(bytes) {
        return Err(discard_with(tmp, e, SafeFileError::Write));
    }
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| discard_with(tmp, e, SafeFileError::Rename))
}

/// Opens `path` for appending (log files, `-t FILE`), keeping earlier lines when the file is
/// already ours. Anything else at the name (a symlink, a file another user owns or could read
/// through a second hard link, a FIFO) is replaced by a new empty file rather than written to.
pub fn open_append(path: &Path, mode: Mode) -> Result<File, SafeFileError> {
    let opened = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(mode.at_creation())
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    if let Ok(f) = opened {
        if f.metadata().is_ok_and(|m| is_ours_alone(&m)) {
            if let Mode::Exact(m) = mode {
                f.set_permissions(Permissions::from_mode(m))
                    .map_err(|e| SafeFileError::Write(path.to_path_buf(), e))?;
            }
            return Ok(f);
        }
    }
    let (file, tmp) = create_temp(path, mode, true)?;
    std::fs::rename(&tmp, path).map_err(|e| discard_with(tmp, e, SafeFileError::Rename))?;
    Ok(file)
}

/// A regular file of this user with no other name.
fn is_ours_alone(m: &std::fs::Metadata) -> bool {
    // SAFETY: geteuid cannot fail.
    let euid = unsafe { libc::geteuid() };
    m.file_type().is_file() && m.uid() == euid && m.nlink() == 1
}

/// Makes a new, empty file in `path`'s directory under an unused hidden name; `append` for
/// log files, which a `copytruncate` rotation may truncate under us.
fn create_temp(path: &Path, mode: Mode, append: bool) -> Result<(File, PathBuf), SafeFileError> {
    let name = path.file_name().ok_or(SafeFileError::NoName)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Room for ".", "." and 16 hex digits within NAME_MAX (255).
    let stem = &name.as_bytes()[..name.len().min(200)];
    let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
    for _ in 0..8 {
        // From the kernel's random source: a name nobody can plant first, so O_EXCL fails
        // only by chance and the next try succeeds.
        let mut t = Vec::with_capacity(stem.len() + 18);
        t.push(b'.');
        t.extend_from_slice(stem);
        t.extend_from_slice(format!(".{:016x}", crate::core::random::u64()).as_bytes());
        let tmp = dir.join(std::ffi::OsStr::from_bytes(&t));
        let made = OpenOptions::new()
            .write(true)
            .append(append)
            .create_new(true)
            .mode(mode.at_creation())
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp);
        match made {
            Ok(f) => {
                if let Mode::Exact(m) = mode {
                    if let Err(e) = f.set_permissions(Permissions::from_mode(m)) {
                        return Err(discard_with(tmp, e, SafeFileError::Write));
                    }
                }
                return Ok((f, tmp));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(SafeFileError::Create(tmp, e)),
        }
    }
    Err(SafeFileError::Create(dir.to_path_buf(), last))
}

/// Removes the temporary file after a failure and returns the error.
fn discard_with(
    tmp: PathBuf,
    e: io::Error,
    kind: fn(PathBuf, io::Error) -> SafeFileError,
) -> SafeFileError {
    let _ = std::fs::remove_file(&tmp);
    kind(tmp, e)
}

#[cfg(test)]
mod tests;
