//! Signals as events: the signals we handle are blocked and read from a signalfd, so they arrive
//! in the loop like any other readable fd and never interrupt code half-way.
//! Children exits are collected with waitpid(WNOHANG) when SIGCHLD is read (signalfd merges
//! several SIGCHLDs into one, so every pending child is reaped each time).

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use libc::c_int;

/// The JSON dump signal (`--signum=JSON`).
fn sigjson() -> c_int {
    libc::SIGRTMIN() + 2
}

/// The signals every keepalived process reads from its loop.
pub(crate) fn handled() -> [c_int; 8] {
    [
        libc::SIGHUP,
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGCHLD,
        libc::SIGUSR1,
        libc::SIGUSR2,
        sigjson(),
        libc::SIGRTMAX() - 1,
    ]
}

fn sigset(signals: &[c_int]) -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set we own; sigaddset only fails for invalid numbers.
    unsafe {
        let mut set: libc::sigset_t = mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in signals {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// Blocks `signals` for this process (and, by inheritance, for children until they reset it).
fn block(signals: &[c_int]) -> io::Result<()> {
    let set = sigset(signals);
    // SAFETY: plain syscall on a set we built.
    let r = unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Restores an empty mask and default dispositions: called in a forked process before exec, since
/// both the mask and ignored signals survive exec.
pub(crate) fn reset_for_exec() {
    let empty = sigset(&[]);
    // SAFETY: async-signal-safe calls, between fork and exec in a single-threaded process.
    unsafe {
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// One signal read from the signalfd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SigInfo {
    pub(crate) signo: c_int,
    /// The sender's pid (the child's for SIGCHLD).
    pub(crate) pid: u32,
}

/// A signalfd receiving a set of blocked signals.
#[derive(Debug)]
pub(crate) struct SignalFd {
    fd: OwnedFd,
}

impl SignalFd {
    /// Blocks `signals` and opens a non-blocking signalfd for them.
    pub(crate) fn new(signals: &[c_int]) -> io::Result<SignalFd> {
        block(signals)?;
        let set = sigset(signals);
        // SAFETY: -1 asks for a new fd; flags are valid.
        let fd = unsafe { libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just returned to us by the kernel and is owned by nobody else.
        Ok(SignalFd {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// The next pending signal, or None when there is none.
    pub(crate) fn read(&self) -> io::Result<Option<SigInfo>> {
        // SAFETY: signalfd_siginfo is plain data; the kernel writes whole records.
        let mut info: libc::signalfd_siginfo = unsafe { mem::zeroed() };
        let size = mem::size_of::<libc::signalfd_siginfo>();
        loop {
            // SAFETY: reading into a buffer of exactly `size` bytes we own.
            let n = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    &mut info as *mut _ as *mut libc::c_void,
                    size,
                )
            };
            if n == size as isize {
                return Ok(Some(SigInfo {
                    signo: info.ssi_signo as c_int,
                    pid: info.ssi_pid,
                }));
            }
            if n < 0 {
                let e = io::Error::last_os_error();
                match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => return Ok(None),
                    _ => return Err(e),
                }
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "short read from signalfd",
            ));
        }
    }
}

impl AsRawFd for SignalFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// How a child ended, from its wait status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Exited(i32),
    Signaled(i32),
}

impl ExitStatus {
    pub(crate) fn from_wait(status: c_int) -> ExitStatus {
        if libc::WIFSIGNALED(status) {
            ExitStatus::Signaled(libc::WTERMSIG(status))
        } else {
            ExitStatus::Exited(libc::WEXITSTATUS(status))
        }
    }
}

/// Collects one exited child without blocking; None when no child is waiting to be reaped.
pub(crate) fn reap_one() -> Option<(i32, ExitStatus)> {
    let mut status: c_int = 0;
    loop {
        // SAFETY: waitpid writes the status into our integer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid > 0 {
            return Some((pid, ExitStatus::from_wait(status)));
        }
        if pid < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return None;
    }
}

/// The C library's name for a signal ("Killed", "Terminated").
pub(crate) fn describe(sig: c_int) -> String {
    // SAFETY: strsignal returns a pointer to a static or thread-local NUL-terminated string.
    let p = unsafe { libc::strsignal(sig) };
    if p.is_null() {
        return format!("signal {sig}");
    }
    // SAFETY: non-null, NUL-terminated, valid until the next strsignal call; copied at once.
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .into_owned()
}

/// Sends `sig` to `pid`; false if the process is gone.
pub(crate) fn kill(pid: i32, sig: c_int) -> bool {
    // SAFETY: plain syscall.
    pid > 0 && unsafe { libc::kill(pid, sig) } == 0
}
