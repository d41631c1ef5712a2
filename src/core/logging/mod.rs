//! The `log` crate backend: syslog (unless `-G`), the console (`-l`, stderr) and a file
//! (`-g`), as keepalived logs. Console and file lines carry keepalived's ctime-style stamp:
//! `Wed Nov 25 15:58:41 2026: message`.
//!
//! After fork a child calls [`set_process_name`]: syslog reconnects under the child's ident and
//! the log file becomes the child's own (`/tmp/keepalived_vrrp.log`).

mod line;
mod strerror;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use syslog::LoggerBackend;

use crate::core::safe_file;

pub(crate) use line::{
    broken_down, child_log_file, format_line, format_syslog, push_ctime_at, push_tm,
};
pub(crate) use strerror::strerror;

/// The parent's name in syslog; the children add `_vrrp`, `_healthcheckers`.
const PARENT_NAME: &str = "Keepalived";

/// The crate finds and connects the socket; the line is ours (see [`format_syslog`]), so its
/// formatter slot keeps only what our line needs from connect time.
type Syslog = syslog::Logger<LoggerBackend, Ident>;

/// The pid syslog lines carry: the process's at connect time, as the syslog crate's formatter
/// took it (a forked script's line before exec still names its parent).
#[derive(Clone, Copy)]
struct Ident {
    pid: u32,
}

struct State {
    name: &'static str,
    console: bool,
    /// `-t` writes bare messages, as keepalived's config test does.
    timestamps: bool,
    use_syslog: bool,
    /// The syslog facility code, already shifted into place in the priority.
    facility: u8,
    syslog: Option<Syslog>,
    file_base: Option<PathBuf>,
    file_mode: u32,
    file: Option<File>,
    /// Reused for every line so logging does not allocate once warm.
    buf: String,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);
static LOGGER: Logger = Logger;

struct Logger;

/// The settings, even if a panic while logging poisoned the lock: logging must go on.
fn state() -> std::sync::MutexGuard<'static, Option<State>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The syslog facility (`-S`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Facility {
    #[default]
    Daemon,
    User,
    /// LOG_LOCAL0..7
    Local(u8),
}

/// How to log; the command line decides (`cli::Options::log_settings`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Lines on stderr too.
    pub(crate) console: bool,
    /// keepalived's ctime-style stamp on console and file lines (not on `-t`'s messages).
    pub(crate) timestamps: bool,
    pub(crate) syslog: bool,
    pub(crate) facility: Facility,
    /// The parent's log file; each child writes its own beside it.
    pub(crate) file: Option<PathBuf>,
    /// Its mode, set at each open whatever the process umask then (the parent opens its file
    /// before it sets its own): keepalived's 0666 less its umask, so 0600 unless `-u`.
    pub(crate) file_mode: u32,
    pub(crate) level: LevelFilter,
}

/// Installs the logger. Calling it again replaces the settings.
pub fn init(set: &Settings) {
    let mut st = State {
        name: PARENT_NAME,
        console: set.console,
        timestamps: set.timestamps,
        use_syslog: set.syslog,
        facility: syslog_facility(set.facility),
        syslog: None,
        file_base: set.file.clone(),
        file_mode: set.file_mode,
        file: None,
        buf: String::with_capacity(256),
    };
    open_sinks(&mut st);
    *state() = Some(st);
    // Only the first call can register; later calls just change the settings above.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(set.level);
}

/// The name this process logs as (Keepalived, Keepalived_vrrp, Keepalived_healthcheckers);
/// called after fork.
pub(crate) fn set_process_name(name: &'static str) {
    if let Some(st) = state().as_mut() {
        st.name = name;
        open_sinks(st);
    }
}

fn syslog_facility(f: Facility) -> u8 {
    match f {
        Facility::Daemon => libc::LOG_DAEMON as u8,
        Facility::User => libc::LOG_USER as u8,
        Facility::Local(n) => (libc::LOG_LOCAL0 as u8) + (n.min(7) << 3),
    }
}

/// (Re)opens syslog under the current name and pid, and the file for this process.
fn open_sinks(st: &mut State) {
    st.syslog = if st.use_syslog {
        connect_syslog()
    } else {
        None
    };
    st.file = st.file_base.as_deref().and_then(|base| {
        let path = child_log_file(base, st.name, PARENT_NAME);
        open_log_file(&path, st.file_mode)
    });
}

/// The local syslog socket, found as the syslog crate's `unix()` finds it (the first of its
/// paths that exists; a stream socket where the path is one), but connected here: `unix()` boxes
/// its errors as `dyn Error`, which keeps `<io::Error as Debug>` and the Unicode escape tables in
/// the router binaries (cross/README.md). No socket (containers, tests) means no syslog output.
fn connect_syslog() -> Option<Syslog> {
    for path in ["/dev/log", "/var/run/syslog", "/var/run/log"] {
        let sock = UnixDatagram::unbound().ok()?;
        let backend = match sock.connect(path) {
            Ok(()) => LoggerBackend::Unix(sock),
            Err(e) if e.raw_os_error() == Some(libc::EPROTOTYPE) => {
                LoggerBackend::UnixStream(BufWriter::new(UnixStream::connect(path).ok()?))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return None,
        };
        let formatter = Ident {
            pid: std::process::id(),
        };
        return Some(Syslog { formatter, backend });
    }
    None
}

fn open_log_file(path: &Path, mode: u32) -> Option<File> {
    match safe_file::open_append(path, safe_file::Mode::Exact(mode)) {
        Ok(f) => Some(f),
        Err(e) => {
            eprintln!("Unable to open log file {}: {e}", path.display());
            None
        }
    }
}

fn send_syslog(st: &mut State, buf: &mut String, record: &Record) -> bool {
    let Some(sl) = st.syslog.as_mut() else {
        return false;
    };
    buf.clear();
    let pri = st.facility | severity(record.level());
    format_syslog(buf, pri, st.name, sl.formatter.pid, record.args());
    sl.backend.write(buf.as_bytes()).is_ok()
}

fn severity(level: Level) -> u8 {
    (match level {
        Level::Error => libc::LOG_ERR,
        Level::Warn => libc::LOG_WARNING,
        Level::Info => libc::LOG_INFO,
        Level::Debug | Level::Trace => libc::LOG_DEBUG,
    }) as u8
}

impl Log for Logger {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let mut g = state();
        let Some(st) = g.as_mut() else { return };
        let mut buf = std::mem::take(&mut st.buf);
        if st.console || st.file.is_some() {
            buf.clear();
            format_line(&mut buf, st.timestamps, record.args());
            if st.console {
                let _ = std::io::stderr().write_all(buf.as_bytes());
            }
            if let Some(f) = st.file.as_mut() {
                let _ = f.write_all(buf.as_bytes());
            }
        }
        if st.syslog.is_some() && !send_syslog(st, &mut buf, record) {
            // syslogd restarted: reconnect once and retry.
            st.syslog = connect_syslog();
            send_syslog(st, &mut buf, record);
        }
        st.buf = buf;
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests;
