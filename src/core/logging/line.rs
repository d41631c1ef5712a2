//! Log line text and per-process log file names.

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Appends `Wed Nov 25 15:58:41 2026: msg\n` (local time, keepalived's console form), or
/// just `msg\n` without `timestamps`.
pub(crate) fn format_line(buf: &mut String, timestamps: bool, msg: &std::fmt::Arguments<'_>) {
    if timestamps {
        push_ctime(buf);
        buf.push_str(": ");
    }
    let _ = buf.write_fmt(*msg);
    buf.push('\n');
}

fn push_ctime(buf: &mut String) {
    // SAFETY: time(NULL) only returns the time.
    push_ctime_at(buf, unsafe { libc::time(std::ptr::null_mut()) });
}

/// Appends `secs` since the epoch as C's ctime() without its newline (dumps stamp times so).
pub(crate) fn push_ctime_at(buf: &mut String, secs: libc::time_t) {
    push_time_at(buf, secs, false, c"%a %b %e %H:%M:%S %Y");
}

/// Appends the syslog datagram keepalived's users see in their syslog: RFC 3164's
/// `<PRI>Mmm dd hh:mm:ss NAME[PID]: msg` with a UTC stamp, byte for byte what the syslog
/// crate's `Formatter3164` (no hostname) wrote before we formatted it here, without the
/// `time` crate and its per-line format parsing and allocations.
pub(crate) fn format_syslog(
    buf: &mut String,
    pri: u8,
    name: &str,
    pid: u32,
    msg: &std::fmt::Arguments<'_>,
) {
    let _ = write!(buf, "<{pri}>");
    push_time(buf, true, c"%b %d %H:%M:%S");
    let _ = write!(buf, " {name}[{pid}]: {msg}");
}

/// `now` through strftime's `fmt`, in UTC or local time.
fn push_time(buf: &mut String, utc: bool, fmt: &std::ffi::CStr) {
    // SAFETY: time(NULL) only returns the time.
    push_time_at(buf, unsafe { libc::time(std::ptr::null_mut()) }, utc, fmt);
}

fn push_time_at(buf: &mut String, now: libc::time_t, utc: bool, fmt: &std::ffi::CStr) {
    // SAFETY: gmtime_r/localtime_r into a zeroed tm, strftime into a stack buffer whose
    // length it is given; all results are checked.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let r = if utc {
            libc::gmtime_r(&now, &mut tm)
        } else {
            libc::localtime_r(&now, &mut tm)
        };
        if r.is_null() {
            return;
        }
        let mut out = [0u8; 64];
        let n = libc::strftime(out.as_mut_ptr().cast(), out.len(), fmt.as_ptr(), &tm);
        if let Ok(s) = std::str::from_utf8(&out[..n]) {
            buf.push_str(s);
        }
    }
}

/// The log file for process `name`: the parent uses `base`; a child inserts its suffix
/// (`Keepalived_vrrp` → `_vrrp`) before the last '.' of the file name, or at its end.
pub(crate) fn child_log_file(base: &Path, name: &str, parent: &str) -> PathBuf {
    let suffix = name.strip_prefix(parent).unwrap_or(name);
    if suffix.is_empty() {
        return base.to_path_buf();
    }
    let Some(file) = base.file_name().and_then(|f| f.to_str()) else {
        return base.to_path_buf();
    };
    let new = match file.rfind('.') {
        Some(dot) if dot > 0 => format!("{}{suffix}{}", &file[..dot], &file[dot..]),
        _ => format!("{file}{suffix}"),
    };
    base.with_file_name(new)
}
