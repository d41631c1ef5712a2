//! SIGUSR1's /tmp/keepalived_check.data: the sections and line wording of keepalived 2.2.7's
//! checker dump (check_data.c, check_api.c and each checker's dump) for what this daemon has:
//! the global definitions that concern checkers, SSL, the LVS topology (groups, virtual
//! servers, real servers with their live state) and every health checker with its settings
//! and state. Lines about keepalived internals we do not have (socket fds, reload flags,
//! kernel LVS version, MISC_CHECK run times) are left out rather than faked.

use std::fmt::Write as _;

use log::{info, warn};

use crate::check::checkers::view::{CheckerLive, Live};
use crate::config::checker::Script;
use crate::config::global::dump;
use crate::config::track::split_cmd;
use crate::config::Config;
use crate::core::dump_line as line;
use crate::core::time::Micros;

/// In the dump directory (`core::safe_file::in_tmp_dir`: `$TMPDIR` or /tmp, as keepalived).
pub const DATA_FILE: &str = "keepalived_check.data";

/// The most IPVS accepts as a weight (keepalived's IPVS_WEIGHT_MAX).
const WEIGHT_MAX: i64 = 65_535;

/// Writes the data file; its allocations are the caller's to leave out of any count.
pub fn write(cfg: &Config, live: &dyn Live) {
    info!(
        "Printing checker data for process({}) on signal",
        std::process::id()
    );
    let path = crate::core::safe_file::in_tmp_dir(DATA_FILE);
    if let Err(e) = crate::core::safe_file::write(path, text(cfg, live)) {
        warn!("cannot write {DATA_FILE}: {e}");
    }
}

/// `-d`: the data file's lines in the log, once at start, as keepalived's checker child does.
pub fn log_text(cfg: &Config, live: &dyn Live) {
    for line in text(cfg, live).lines() {
        info!("{line}");
    }
}

/// The whole data file.
pub fn text(cfg: &Config, live: &dyn Live) -> String {
    let mut s = String::new();
    global_section(cfg, &mut s);
    if let Some(ssl) = &cfg.lvs.ssl {
        s.push_str("------< SSL definitions >------\n");
        let given = [
            (" Password : ", &ssl.password),
            (" CA-file : ", &ssl.ca),
            (" Certificate file : ", &ssl.certificate),
            (" Key file : ", &ssl.key),
        ];
        if given.iter().all(|(_, v)| v.is_none()) {
            s.push_str(" Using autogen SSL context\n");
        }
        for (label, v) in given {
            if let Some(v) = v {
                line::text(&mut s, label, v);
            }
        }
    }
    if !cfg.lvs.virtual_servers.is_empty() {
        s.push_str("------< LVS Topology >------\n");
        for g in &cfg.lvs.groups {
            topology::group_section(g, &mut s);
        }
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            topology::vs_section(cfg, v, vs, live, &mut s);
        }
    }
    checkers::checkers_section(cfg, live, &mut s);
    checkers::track_files_section(cfg, live, &mut s);
    checkers::track_bfds_section(cfg, &mut s);
    s
}

fn global_section(cfg: &Config, s: &mut String) {
    dump::head(cfg, s);
    dump::lvs_flush(cfg, s);
    dump::script_security(cfg, s);
}

/// `key` and keepalived's format_decimal(value, 6): seconds with six decimals.
fn secs6(s: &mut String, key: &str, t: Micros) {
    s.push_str(key);
    line::push_secs6(s, t.0);
    s.push('\n');
}

/// `, weight W[ reverse]` and the line's end, as the track file lists word it.
fn weight_line(s: &mut String, w: i64, reverse: bool) {
    s.push_str(", weight ");
    line::push_int(s, w);
    line::text(s, if reverse { " reverse" } else { "" }, "");
}

fn on_off(b: bool) -> &'static str {
    if b {
        "ON"
    } else {
        "OFF"
    }
}

fn abled(b: bool) -> &'static str {
    if b {
        "enabled"
    } else {
        "disabled"
    }
}

fn smtp_alert(cfg: &Config, own: Option<bool>) -> Option<bool> {
    let e = &cfg.global.email;
    own.or(e.smtp_alert_checker).or(e.smtp_alert)
}

/// keepalived's cmd_str: each word in single quotes, but for a leading redirection.
pub(crate) fn cmd_str(sc: &Script) -> String {
    let mut out = String::new();
    for (i, w) in split_cmd(&sc.cmd).iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i == 0 && (w.starts_with('<') || w.starts_with('>')) {
            out.push_str(w);
        } else {
            let _ = write!(out, "'{w}'");
        }
    }
    out
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

mod checkers;
mod topology;

#[cfg(test)]
mod tests;
