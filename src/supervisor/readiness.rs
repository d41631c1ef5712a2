//! The parent's side of systemd's notify protocol: the notifier (`core::sd_notify`) and the
//! socket its notes go to. Never fatal: a note that cannot be sent is logged once and dropped.

use std::ffi::OsString;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

use log::warn;

use crate::core::sd_notify::{self, Note, Notifier, Target, CHILDREN};

const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";
const WATCHDOG_USEC: &str = "WATCHDOG_USEC";
const WATCHDOG_PID: &str = "WATCHDOG_PID";

/// What systemd left in our environment.
pub(super) struct SdEnv {
    socket: OsString,
    watchdog_usec: Option<OsString>,
    watchdog_pid: Option<OsString>,
}

/// Reads the notify variables and removes them from this process, as sd_notify(3)'s
/// unset_environment does. Done first thing in the parent, with no thread running: every
/// process and exec after it (children, notify and track scripts, helpers) inherits an
/// environment without them, so no script can speak for the service, and no code path that
/// builds a script's environment has to remember to filter them.
pub(super) fn take_env() -> Option<SdEnv> {
    let socket = std::env::var_os(NOTIFY_SOCKET);
    let watchdog_usec = std::env::var_os(WATCHDOG_USEC);
    let watchdog_pid = std::env::var_os(WATCHDOG_PID);
    for v in [c"NOTIFY_SOCKET", c"WATCHDOG_USEC", c"WATCHDOG_PID"] {
        // SAFETY: no other thread exists to read the environment meanwhile (std's remove_var
        // would take its lock for that, at a cost in size that buys nothing here).
        unsafe { libc::unsetenv(v.as_ptr()) };
    }
    Some(SdEnv {
        socket: socket?,
        watchdog_usec,
        watchdog_pid,
    })
}

pub(super) struct Readiness {
    pub(super) notifier: Notifier,
    sock: UnixDatagram,
    to: SocketAddr,
    warned: bool,
}

impl Readiness {
    /// For this process (after any daemonizing fork, so MAINPID and WATCHDOG_PID are ours).
    pub(super) fn new(env: SdEnv, names: [&'static str; CHILDREN]) -> Option<Readiness> {
        let to = match Target::parse(&env.socket) {
            Some(Target::Path(p)) => SocketAddr::from_pathname(p),
            Some(Target::Abstract(n)) => SocketAddr::from_abstract_name(n),
            None => Err(io::ErrorKind::InvalidInput.into()),
        };
        let opened = to.and_then(|to| {
            let sock = UnixDatagram::unbound()?;
            sock.set_nonblocking(true)?;
            Ok((sock, to))
        });
        let (sock, to) = match opened {
            Ok(o) => o,
            Err(e) => {
                cannot_notify(&e);
                return None;
            }
        };
        let pid = std::process::id();
        let watchdog = sd_notify::watchdog_period(
            env.watchdog_usec.as_deref(),
            env.watchdog_pid.as_deref(),
            pid,
        );
        Some(Readiness {
            notifier: Notifier::new(pid, names, watchdog),
            sock,
            to,
            warned: false,
        })
    }

    pub(super) fn send(&mut self, note: Option<Note>) {
        let Some(note) = note else { return };
        if let Err(e) = self.sock.send_to_addr(note.text().as_bytes(), &self.to) {
            if !std::mem::replace(&mut self.warned, true) {
                cannot_notify(&e);
            }
        }
    }
}

/// Once: at start when NOTIFY_SOCKET cannot be used, or at the first note that cannot be sent.
#[cold]
fn cannot_notify(e: &io::Error) {
    warn!("cannot notify systemd at NOTIFY_SOCKET: {e}");
}
