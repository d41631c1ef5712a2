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

/// C's time_t as the libc crate declares it. On musl the crate marks it deprecated (its width is
/// to follow musl 1.2's 64 bits); the calls we make take it as the crate declares it, so one
/// allowance here rather than a warning at each use.
#[allow(deprecated)]
pub(crate) type TimeT = libc::time_t;

fn push_ctime(buf: &mut String) {
    // SAFETY: time(NULL) only returns the time.
    push_ctime_at(buf, unsafe { libc::time(std::ptr::null_mut()) });
}

/// Appends `secs` since the epoch as C's ctime() without its newline (dumps stamp times so).
pub(crate) fn push_ctime_at(buf: &mut String, secs: TimeT) {
    push_time_at(buf, secs, false, "%a %b %e %H:%M:%S %Y");
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
    push_time(buf, true, "%b %d %H:%M:%S");
    let _ = write!(buf, " {name}[{pid}]: {msg}");
}

/// `now` through strftime's `fmt` ([`push_tm`]), in UTC or local time.
fn push_time(buf: &mut String, utc: bool, fmt: &str) {
    // SAFETY: time(NULL) only returns the time.
    push_time_at(buf, unsafe { libc::time(std::ptr::null_mut()) }, utc, fmt);
}

fn push_time_at(buf: &mut String, now: TimeT, utc: bool, fmt: &str) {
    if let Some(tm) = broken_down(now, utc) {
        push_tm(buf, &tm, fmt);
    }
}

/// `now` in UTC or local time.
pub(crate) fn broken_down(now: TimeT, utc: bool) -> Option<libc::tm> {
    // SAFETY: gmtime_r/localtime_r into a zeroed tm we own; the result is checked.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let r = if utc {
            libc::gmtime_r(&now, &mut tm)
        } else {
            libc::localtime_r(&now, &mut tm)
        };
        (!r.is_null()).then_some(tm)
    }
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends `tm` as C's strftime in the C locale would, for the conversions our stamps use
/// (`%a %b %d %e %H %M %S %Y %z`; any other is left out). Not libc's strftime: musl's formats
/// numbers with snprintf, and that call alone keeps printf's ~10 KB in every binary.
pub(crate) fn push_tm(buf: &mut String, tm: &libc::tm, fmt: &str) {
    let mut conv = false;
    for c in fmt.chars() {
        if !conv {
            if c == '%' {
                conv = true;
            } else {
                buf.push(c);
            }
            continue;
        }
        conv = false;
        match c {
            'a' => buf.push_str(name(&DAYS, tm.tm_wday)),
            'b' => buf.push_str(name(&MONTHS, tm.tm_mon)),
            'd' => push2(buf, tm.tm_mday, '0'),
            'e' => push2(buf, tm.tm_mday, ' '),
            'H' => push2(buf, tm.tm_hour, '0'),
            'M' => push2(buf, tm.tm_min, '0'),
            'S' => push2(buf, tm.tm_sec, '0'),
            'Y' => {
                let _ = write!(buf, "{}", i64::from(tm.tm_year) + 1900);
            }
            'z' => {
                let mins = tm.tm_gmtoff / 60;
                buf.push(if mins < 0 { '-' } else { '+' });
                let mins = mins.unsigned_abs();
                push2(buf, (mins / 60 % 100) as i32, '0');
                push2(buf, (mins % 60) as i32, '0');
            }
            _ => {}
        }
    }
}

fn name(names: &[&'static str], i: libc::c_int) -> &'static str {
    usize::try_from(i)
        .ok()
        .and_then(|i| names.get(i))
        .map_or("?", |n| n)
}

/// Two digits, the first `pad` below 10.
fn push2(buf: &mut String, v: libc::c_int, pad: char) {
    let v = v.rem_euclid(100) as u8;
    buf.push(if v < 10 {
        pad
    } else {
        char::from(b'0' + v / 10)
    });
    buf.push(char::from(b'0' + v % 10));
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
