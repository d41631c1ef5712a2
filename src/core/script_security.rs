//! `enable_script_security`: the checks keepalived 2.2.7 makes on every script before the
//! first run (lib/notify.c check_script_secure / check_security), with its log wording.
//!
//! A script run as root (or set-uid/gid root) must not be changeable by anyone else: the file
//! and every directory on its path must be owned by root and not writable by a non-root
//! group or by others (a directory with the sticky bit may be group/world writable). With
//! script security on, such a script is refused; without it, it runs, and the daemon says
//! that scripts run without script security.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use log::info;

mod shown;
pub(crate) use shown::shown;

/// What the checks found, as keepalived's SC_* flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// A real file that will be executed (counts towards the SECURITY VIOLATION line).
    pub(crate) is_script: bool,
    /// Executable by the user it runs as.
    executable: bool,
    /// Not found or not accessible.
    not_found: bool,
    /// Writable by someone other than root on the way to it.
    pub(crate) insecure: bool,
    /// Must not run.
    inhibit: bool,
    /// `</path`: a file-exists check, never executed.
    system: bool,
}

impl Verdict {
    /// A notify script runs only when found, executable and not inhibited
    /// (check_notify_script_secure).
    pub(crate) fn may_run(&self) -> bool {
        !self.inhibit && !self.not_found && self.executable
    }

    /// Whether keepalived disables a vrrp_script with this verdict (check_track_script_secure),
    /// and the line it logs then (None: disabled without a word).
    pub(crate) fn track_disabled(&self, name: &str) -> Option<Option<String>> {
        if self.inhibit {
            Some(Some(format!(
                "Disabling track script {name} due to insecure"
            )))
        } else if self.not_found {
            Some(Some(format!(
                "Disabling track script {name} since not found/accessible"
            )))
        } else if !(self.executable || self.system) {
            Some(None)
        } else {
            None
        }
    }

    pub(crate) fn merge(&mut self, o: Verdict) {
        self.is_script |= o.is_script;
        self.insecure |= o.insecure;
    }
}

const S_ISVTX: u32 = 0o1000;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;

/// Finds `prog` in PATH, as keepalived's find_path does for a bare name.
pub(crate) fn find_in_path(prog: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(prog))
        .find(|c| {
            c.metadata()
                .is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
        })
}

/// keepalived's is_executable.
fn is_executable(mode: u32, fuid: u32, fgid: u32, uid: u32, gid: u32) -> bool {
    (uid == 0 && mode & 0o111 != 0)
        || (uid == fuid && mode & 0o100 != 0)
        || (uid != fuid
            && ((gid == fgid && mode & 0o010 != 0) || (gid != fgid && mode & 0o001 != 0)))
}

fn lstat(p: &Path) -> std::io::Result<std::fs::Metadata> {
    std::fs::symlink_metadata(p)
}

/// keepalived's check_security: every component of `file`'s path.
fn check_path(file: &str, security: bool) -> Verdict {
    let mut v = Verdict::default();
    let mut prefixes: Vec<&str> = Vec::new();
    if file.starts_with('/') {
        prefixes.push("/");
    }
    for (i, _) in file.match_indices('/').filter(|&(i, _)| i > 0) {
        prefixes.push(&file[..i]);
    }
    let n = prefixes.len();
    for (k, p) in prefixes
        .into_iter()
        .chain(std::iter::once(file))
        .enumerate()
    {
        let last = k == n;
        let md = match lstat(Path::new(p)) {
            Ok(m) => m,
            Err(e) => {
                match e.raw_os_error() {
                    Some(libc::EACCES | libc::ELOOP | libc::ENOENT | libc::ENOTDIR) => {
                        info!("check_script_secure could not find script '{file}' - disabling")
                    }
                    Some(errno) => info!(
                        "check_script_secure('{file}') returned errno {errno} - {e} - disabling"
                    ),
                    None => {}
                }
                v.not_found = true;
                return v;
            }
        };
        let ft = md.file_type();
        if (!last && !ft.is_dir()) || (last && !ft.is_file() && !ft.is_symlink()) {
            info!("Wrong file type found in script path '{file}'.");
            v.inhibit = true;
            return v;
        }
        let mode = md.mode();
        let checked = (ft.is_dir() && mode & S_ISVTX == 0) || ft.is_file();
        let writable = (md.gid() != 0 && mode & 0o020 != 0) || mode & 0o002 != 0;
        if md.uid() != 0 || (checked && writable) {
            info!(
                "Unsafe permissions found for script '{file}'{}.",
                if security { " - disabling" } else { "" }
            );
            v.insecure = true;
            v.inhibit = security;
            return v;
        }
    }
    v
}

fn realpath(p: &str) -> std::io::Result<PathBuf> {
    // NUL cannot reach here from the config; refuse it like a missing file.
    CString::new(p).map_err(|_| std::io::Error::from_raw_os_error(libc::ENOENT))?;
    std::fs::canonicalize(p)
}

/// The path keepalived runs (and shows) the program at path `given` by: its real path, keeping
/// the file name it was given when that names the same file (some programs act on their name:
/// a busybox applet stays `/bin/true`, not `/bin/busybox`); and then the file it is, for the
/// checks that follow links.
pub(crate) fn run_path(given: &str) -> std::io::Result<(String, Option<PathBuf>)> {
    let real = realpath(given)?;
    if real.as_os_str().as_bytes() == given.as_bytes() {
        return Ok((given.to_string(), None));
    }
    let given_name = Path::new(given).file_name();
    let same_name = given_name
        .filter(|n| Some(*n) != real.file_name())
        .map(|n| real.with_file_name(n))
        .filter(
            |cand| match (std::fs::metadata(&real), std::fs::metadata(cand)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            },
        );
    Ok(match same_name {
        Some(cand) => (cand.to_string_lossy().into_owned(), Some(real)),
        None => (real.to_string_lossy().into_owned(), None),
    })
}

/// Checks the script whose argv[0] is `argv0`, to be run as `uid`:`gid`. A bare name is looked
/// up in PATH, and symbolic links resolved; the path found replaces `argv0`, as keepalived
/// does.
pub(crate) fn check_script(argv0: &mut String, uid: u32, gid: u32, security: bool) -> Verdict {
    let mut v = Verdict::default();
    if let Some(rest) = argv0.strip_prefix('<') {
        if rest.trim_start_matches([' ', '\t']).starts_with('/') {
            v.system = true;
            return v;
        }
    }
    if !argv0.contains('/') {
        match find_in_path(argv0) {
            Some(p) => {
                let found = p.to_string_lossy().into_owned();
                info!("WARNING - script `{argv0}` resolved by path search to `{found}`. Please specify full path.");
                *argv0 = found;
            }
            None => {
                info!("Cannot find script {argv0} in path - disabling");
                v.not_found = true;
                return v;
            }
        }
    }
    let real_file = match run_path(argv0) {
        Ok((path, real_file)) => {
            *argv0 = path;
            real_file
        }
        Err(e) => {
            info!("Script {argv0} cannot be accessed - {e}");
            v.not_found = true;
            return v;
        }
    };
    let md = match std::fs::metadata(real_file.as_deref().unwrap_or(Path::new(argv0.as_str()))) {
        Ok(m) => m,
        Err(_) => {
            info!("Unable to access script `{argv0}` - disabling");
            v.not_found = true;
            return v;
        }
    };
    v.is_script = true;
    let mode = md.mode();
    let mut protect = false;
    if is_executable(mode, md.uid(), md.gid(), uid, gid) {
        v.executable = true;
        protect = uid == 0
            || gid == 0
            || (md.uid() == 0 && mode & 0o100 != 0 && mode & S_ISUID != 0)
            || (md.gid() == 0 && mode & 0o010 != 0 && mode & S_ISGID != 0);
    } else {
        info!("WARNING - script '{argv0}' is not executable for uid:gid {uid}:{gid} - disabling.");
    }
    if !protect {
        return v;
    }
    let p = check_path(argv0, security);
    let q = match &real_file {
        Some(r) => check_path(&r.to_string_lossy(), security),
        None => Verdict::default(),
    };
    v.not_found |= p.not_found || q.not_found;
    v.insecure |= p.insecure || q.insecure;
    v.inhibit |= p.inhibit || q.inhibit;
    v
}

/// The line keepalived logs when scripts run without `enable_script_security`.
pub(crate) fn violation_line(insecure: bool) -> String {
    format!(
        "SECURITY VIOLATION - scripts are being executed but script_security not enabled.{}",
        if insecure {
            " There are insecure scripts."
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ka-sec-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("tmp dir");
        d
    }

    fn script(dir: &Path, mode: u32) -> String {
        let p = dir.join("s.sh");
        std::fs::write(&p, "#!/bin/sh\n").expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn root_owned_system_script_is_secure() {
        let mut s = "/bin/true".to_string();
        let v = check_script(&mut s, 0, 0, true);
        assert!(v.may_run() && v.is_script && !v.insecure, "{v:?}");
    }

    #[test]
    fn bare_name_is_found_in_path() {
        let mut s = "true".to_string();
        let v = check_script(&mut s, 0, 0, true);
        assert!(v.may_run(), "{v:?}");
        assert!(s.ends_with("/true") && s.starts_with('/'), "{s}");
        let mut s = "no-such-script-ka".to_string();
        assert!(check_script(&mut s, 0, 0, true).not_found);
    }

    #[test]
    fn world_writable_script_is_refused_only_with_security() {
        // The temp dir is sticky and world writable (allowed); the file itself is not.
        let d = tmpdir("ww");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let mut s = script(&d, 0o757);
        let on = check_script(&mut s, 0, 0, true);
        assert!(on.insecure && on.inhibit && !on.may_run(), "{on:?}");
        let off = check_script(&mut s, 0, 0, false);
        assert!(off.insecure && !off.inhibit && off.may_run(), "{off:?}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn group_writable_directory_without_sticky_bit_is_unsafe() {
        let d = tmpdir("gw");
        let mut s = script(&d, 0o755);
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        // Owned by whoever runs the test: unsafe unless root owns it and nobody else writes.
        let v = check_script(&mut s, 0, 0, true);
        assert!(v.inhibit, "{v:?}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn not_executable_script_does_not_run() {
        let d = tmpdir("nx");
        let mut s = script(&d, 0o644);
        let v = check_script(&mut s, 1000, 1000, true);
        assert!(v.is_script && !v.executable && !v.may_run(), "{v:?}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn file_checks_are_not_scripts() {
        let mut s = "</etc/passwd".to_string();
        let v = check_script(&mut s, 0, 0, true);
        assert!(v.system && !v.is_script);
    }
}
