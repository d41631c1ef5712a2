//! Daemon plumbing: pidfiles, going to the background, the umask, process names.

use std::ffi::CString;
use std::fs;
use std::io;
use std::path::Path;

use log::info;

use crate::core::safe_file::{self, Mode, SafeFileError};

/// What a pidfile says about the process it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PidfileState {
    /// No file, or a stale one (removed).
    Free,
    /// It names a live keepalived process.
    Running(i32),
}

fn read_pid(path: &Path) -> Option<Result<i32, ()>> {
    let text = fs::read_to_string(path).ok()?;
    Some(
        text.split_whitespace()
            .next()
            .and_then(|w| w.parse::<i32>().ok())
            .filter(|p| *p > 0)
            .ok_or(()),
    )
}

/// Whether `pid` is alive and looks like a keepalived (ours or the C one): a pid reused by an
/// unrelated process after a crash must not keep us from starting.
fn is_keepalived(pid: i32) -> bool {
    // SAFETY: signal 0 only checks existence and permission.
    if unsafe { libc::kill(pid, 0) } != 0
        && io::Error::last_os_error().raw_os_error() != Some(libc::EPERM)
    {
        return false;
    }
    let exe_matches = match (
        fs::read_link(format!("/proc/{pid}/exe")),
        std::env::current_exe(),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if exe_matches {
        return true;
    }
    match fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmd) => {
            let argv0 = cmd.split(|b| *b == 0).next().unwrap_or_default();
            let base = argv0.rsplit(|b| *b == b'/').next().unwrap_or_default();
            String::from_utf8_lossy(base)
                .to_ascii_lowercase()
                .contains("keepalived")
        }
        // No /proc to tell: trust the pidfile, as keepalived does.
        Err(_) => true,
    }
}

/// keepalived's start check for one pidfile: unreadable content or a dead process removes the
/// file ("Remove a zombie pid file"), a live keepalived means we must not start.
pub(crate) fn check_pidfile(path: &Path) -> PidfileState {
    match read_pid(path) {
        None => PidfileState::Free,
        Some(Err(())) => {
            info!("Error reading pid file {}", path.display());
            remove_pidfile(path);
            PidfileState::Free
        }
        Some(Ok(pid)) if is_keepalived(pid) && pid != std::process::id() as i32 => {
            PidfileState::Running(pid)
        }
        Some(Ok(_)) => {
            info!("Remove a zombie pid file {}", path.display());
            remove_pidfile(path);
            PidfileState::Free
        }
    }
}

/// Writes `pid` to `path` (mode 0644 whatever the umask, as keepalived). keepalived truncates
/// the file in place (O_NOFOLLOW); we replace it, so that a pidfile another user made in a
/// shared directory (`-p /tmp/...`) is not left theirs to rewrite with a pid we would trust.
pub(crate) fn write_pidfile(path: &Path, pid: u32) -> Result<(), SafeFileError> {
    safe_file::replace(path, format!("{pid}\n").as_bytes(), Mode::Exact(0o644))
}

pub(crate) fn remove_pidfile(path: &Path) {
    let _ = fs::remove_file(path);
}

/// Removes `path` only if it still names `pid` (a respawned child may have rewritten it).
pub(crate) fn remove_pidfile_if(path: &Path, pid: i32) {
    if let Some(Ok(p)) = read_pid(path) {
        if p == pid {
            remove_pidfile(path);
        }
    }
}

/// `-u MASK`
pub(crate) fn set_umask(mask: u32) {
    // SAFETY: plain syscall.
    unsafe { libc::umask(mask as libc::mode_t) };
}

/// fork(2): `Some(child pid)` in the parent, `None` in the child. The design has no threads, so
/// the child may go on with anything the parent could do.
pub(crate) fn fork() -> io::Result<Option<libc::pid_t>> {
    // SAFETY: this process is single-threaded; the child continues with a copy of our memory.
    match unsafe { libc::fork() } {
        pid if pid < 0 => Err(io::Error::last_os_error()),
        0 => Ok(None),
        pid => Ok(Some(pid)),
    }
}

/// Goes to the background: fork (the caller exits 0 when this returns true), setsid, chdir /,
/// stdin/stdout/stderr on /dev/null.
pub(crate) fn daemonize() -> io::Result<bool> {
    if fork()?.is_some() {
        return Ok(true);
    }
    // SAFETY: plain syscalls in the new process.
    unsafe {
        if libc::setsid() < 0 {
            info!("xdaemon: setsid error");
        }
        if libc::chdir(c"/".as_ptr()) < 0 {
            info!("xdaemon: chdir error");
        }
    }
    null_stdio();
    Ok(false)
}

/// The pointers of `strs` and a null after them: an argv or envp for execve.
pub(crate) fn pointers(strs: &[CString]) -> Vec<*const libc::c_char> {
    let mut p = Vec::with_capacity(strs.len() + 1);
    for s in strs {
        p.push(s.as_ptr());
    }
    p.push(std::ptr::null());
    p
}

/// Runs `argv` (argv[0] a path) with our stdio and environment and waits for it: a helper run
/// once at start (the kernel's modprobe), without std's process machinery, whose spawn and
/// environment map cost ~8 KB of every router binary for this one call. Returns how it ended as
/// std's `ExitStatus` shows it (`exit status: 1`, `signal: 9`), Ok(None) on success.
pub(crate) fn run_and_wait(argv: &[&str]) -> io::Result<Option<String>> {
    // Loops, not map/collect chains: measured smaller.
    let mut args = Vec::with_capacity(argv.len());
    for a in argv {
        args.push(CString::new(*a).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?);
    }
    let ptrs = pointers(&args);
    let Some(prog) = args.first() else {
        return Err(io::ErrorKind::InvalidInput.into());
    };
    // What std's spawn reports (no such file, not executable) rather than an exit status 127.
    // SAFETY: a NUL-terminated path.
    if unsafe { libc::access(prog.as_ptr(), libc::X_OK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let Some(pid) = fork()? else {
        crate::core::signals::reset_for_exec();
        // SAFETY: exec of NUL-terminated strings prepared before fork, or _exit.
        unsafe {
            libc::execv(prog.as_ptr(), ptrs.as_ptr());
            libc::_exit(127);
        }
    };
    let mut status = 0;
    // SAFETY: waiting for the child just forked, into a local.
    while unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(match (libc::WIFEXITED(status), libc::WEXITSTATUS(status)) {
        (true, 0) => None,
        (true, code) => Some(format!("exit status: {code}")),
        _ => Some(format!("signal: {}", libc::WTERMSIG(status))),
    })
}

/// Points fds 0, 1 and 2 at /dev/null. Only async-signal-safe calls on a static string, so a
/// forked child may use it before exec.
pub(crate) fn null_stdio() {
    // SAFETY: opening /dev/null and dup'ing it onto the std fds we own.
    unsafe {
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if fd >= 0 {
            libc::dup2(fd, 0);
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
}

/// Sets the kernel's name for this process (`comm`, 15 bytes, shown by ps and top).
pub(crate) fn set_comm(name: &str) {
    if let Ok(c) = CString::new(name) {
        // SAFETY: PR_SET_NAME reads a NUL-terminated string (the kernel truncates at 15 bytes).
        unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr() as libc::c_ulong, 0, 0, 0) };
    }
}

/// Asks the kernel to send us `sig` when our parent dies.
pub(crate) fn set_parent_death_signal(sig: libc::c_int) {
    // SAFETY: plain prctl.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The modprobe helper's outcomes, worded as std's `ExitStatus` words them.
    #[test]
    fn a_helper_run_says_how_it_ended() {
        assert_eq!(run_and_wait(&["/bin/true"]).ok(), Some(None));
        let failed = run_and_wait(&["/bin/sh", "-c", "exit 3"]).ok().flatten();
        assert_eq!(failed.as_deref(), Some("exit status: 3"));
        let killed = run_and_wait(&["/bin/sh", "-c", "kill -9 $$"])
            .ok()
            .flatten();
        assert_eq!(killed.as_deref(), Some("signal: 9"));
        let missing = run_and_wait(&["/nonexistent/modprobe", "-s", "ip_vs"]).map_err(|e| e.kind());
        assert_eq!(missing, Err(io::ErrorKind::NotFound));
    }

    fn tmp(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("ka-daemon-{}-{name}", std::process::id()));
        let _ = fs::create_dir_all(&d);
        d.join("x.pid")
    }

    #[test]
    fn pidfile_write_check_remove() {
        let p = tmp("own");
        write_pidfile(&p, 4242).expect("write");
        assert_eq!(fs::read_to_string(&p).unwrap_or_default(), "4242\n");
        remove_pidfile_if(&p, 1);
        assert!(p.exists());
        remove_pidfile_if(&p, 4242);
        assert!(!p.exists());
        assert_eq!(check_pidfile(&p), PidfileState::Free);
    }

    #[test]
    fn stale_and_garbage_pidfiles_are_removed() {
        let p = tmp("stale");
        // A pid that cannot exist (above pid_max's ceiling).
        fs::write(&p, "99999999\n").expect("w");
        assert_eq!(check_pidfile(&p), PidfileState::Free);
        assert!(!p.exists());
        fs::write(&p, "garbage\n").expect("w");
        assert_eq!(check_pidfile(&p), PidfileState::Free);
        assert!(!p.exists());
    }

    #[test]
    fn live_non_keepalived_process_is_not_running() {
        let p = tmp("other");
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        fs::write(&p, format!("{}\n", child.id())).expect("w");
        assert_eq!(check_pidfile(&p), PidfileState::Free);
        let _ = child.kill();
        let _ = child.wait();
    }

    #[test]
    fn live_keepalived_process_is_running() {
        let p = tmp("ours");
        // Our own test binary is "keepalived-<hash>": a copy of ourselves counts as keepalived.
        let exe = std::env::current_exe().expect("exe");
        let mut child = std::process::Command::new(&exe)
            .arg("--ignored")
            .arg("--exact")
            .arg("core::daemon::tests::sleeper")
            .spawn()
            .expect("spawn");
        fs::write(&p, format!("{}\n", child.id())).expect("w");
        assert_eq!(check_pidfile(&p), PidfileState::Running(child.id() as i32));
        let _ = child.kill();
        let _ = child.wait();
    }

    #[test]
    #[ignore]
    fn sleeper() {
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
}
