//! The `log` crate backend: syslog (unless `-G`), the console (`-l`, stderr) and a file
//! (`-g`), as keepalived logs. Console and file lines carry keepalived's ctime-style stamp:
//! `Wed Nov 25 15:58:41 2026: message`.
//!
//! After fork a child calls [`set_process_name`]: syslog reconnects under the child's ident and
//! the log file becomes the child's own (`/tmp/keepalived_vrrp.log`).

mod line;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use syslog::{Formatter3164, LoggerBackend};

use crate::core::safe_file;

pub(crate) use line::{child_log_file, format_line};

/// The parent's name in syslog; the children add `_vrrp`, `_healthcheckers`.
const PARENT_NAME: &str = "Keepalived";

type Syslog = syslog::Logger<LoggerBackend, Formatter3164>;

struct State {
    name: &'static str,
    console: bool,
    /// `-t` writes bare messages, as keepalived's config test does.
    timestamps: bool,
    use_syslog: bool,
    facility: syslog::Facility,
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

fn syslog_facility(f: Facility) -> syslog::Facility {
    use syslog::Facility as F;
    match f {
        Facility::Daemon => F::LOG_DAEMON,
        Facility::User => F::LOG_USER,
        Facility::Local(n) => match n {
            0 => F::LOG_LOCAL0,
            1 => F::LOG_LOCAL1,
            2 => F::LOG_LOCAL2,
            3 => F::LOG_LOCAL3,
            4 => F::LOG_LOCAL4,
            5 => F::LOG_LOCAL5,
            6 => F::LOG_LOCAL6,
            _ => F::LOG_LOCAL7,
        },
    }
}

/// (Re)opens syslog under the current name and pid, and the file for this process.
fn open_sinks(st: &mut State) {
    st.syslog = if st.use_syslog {
        connect_syslog(st)
    } else {
        None
    };
    st.file = st.file_base.as_deref().and_then(|base| {
        let path = child_log_file(base, st.name, PARENT_NAME);
        open_log_file(&path, st.file_mode)
    });
}

fn connect_syslog(st: &State) -> Option<Syslog> {
    let fmt = Formatter3164 {
        facility: st.facility,
        hostname: None,
        process: st.name.to_string(),
        pid: std::process::id(),
    };
    // No syslog socket (containers, tests) just means no syslog output.
    syslog::unix(fmt).ok()
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

fn send_syslog(sl: &mut Syslog, level: Level, msg: &std::fmt::Arguments<'_>) -> bool {
    let r = match level {
        Level::Error => sl.err(msg),
        Level::Warn => sl.warning(msg),
        Level::Info => sl.info(msg),
        Level::Debug | Level::Trace => sl.debug(msg),
    };
    r.is_ok()
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
        if st.console || st.file.is_some() {
            let mut buf = std::mem::take(&mut st.buf);
            buf.clear();
            format_line(&mut buf, st.timestamps, record.args());
            if st.console {
                let _ = std::io::stderr().write_all(buf.as_bytes());
            }
            if let Some(f) = st.file.as_mut() {
                let _ = f.write_all(buf.as_bytes());
            }
            st.buf = buf;
        }
        if let Some(sl) = st.syslog.as_mut() {
            if !send_syslog(sl, record.level(), record.args()) {
                // syslogd restarted: reconnect once and retry.
                st.syslog = connect_syslog(st);
                if let Some(sl) = st.syslog.as_mut() {
                    send_syslog(sl, record.level(), record.args());
                }
            }
        }
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests;
