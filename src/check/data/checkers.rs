//! The Health checkers section (each checker's settings and state, as check_api.c and each
//! checker's dump word them) and the Checker track files section.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::{cmd_str, yes_no, CheckerLive, Live};
use crate::check::checkers::names;
use crate::check::CheckerId;
use crate::config::checker::{Checker, CheckerCommon, CheckerKind, HttpCheck, HttpProtocol, Url};
use crate::config::lvs::{checker_timing, RealServer, VirtualServer};
use crate::config::Config;
use crate::core::time::Micros;

/// The `bfd_instance`s the checker side hears of, with the real servers whose BFD_CHECK
/// watches each.
pub(super) fn track_bfds_section(cfg: &Config, s: &mut String) {
    let mut header = false;
    for b in cfg.bfd.instances.iter().filter(|b| b.to_checker) {
        if !std::mem::replace(&mut header, true) {
            s.push_str("------< Checker track BFDs >------\n");
        }
        let _ = writeln!(s, " Checker Track BFD = {}\n   Tracking RS :", b.name);
        for vs in &cfg.lvs.virtual_servers {
            for rs in &vs.real_servers {
                let watches = rs
                    .checkers
                    .iter()
                    .any(|c| matches!(&c.kind, CheckerKind::Bfd(x) if x.name == b.name));
                if watches {
                    let _ = writeln!(s, "   {}", names::rs_name(vs, rs));
                }
            }
        }
    }
}

/// The track_file blocks the FILE_CHECKs use, with the value last read and who uses them.
pub(super) fn track_files_section(cfg: &Config, live: &dyn Live, s: &mut String) {
    let mut header = false;
    for tf in &cfg.vrrp.trackers.files {
        let mut users = Vec::new();
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            for (r, rs) in vs.real_servers.iter().enumerate() {
                for (k, c) in rs.checkers.iter().enumerate() {
                    if let CheckerKind::File(f) = &c.kind {
                        if f.track_file == tf.name {
                            users.push((
                                vs,
                                rs,
                                f,
                                live.checker(CheckerId {
                                    vs: v,
                                    rs: r,
                                    ck: k,
                                }),
                            ));
                        }
                    }
                }
            }
        }
        if users.is_empty() {
            continue;
        }
        if !header {
            s.push_str("------< Checker track files >------\n");
            header = true;
        }
        let status = users
            .iter()
            .find_map(|u| u.3.and_then(|c| c.file_value))
            .unwrap_or(0);
        let _ = writeln!(
            s,
            " Track file = {}\n   File = {}\n   Status = {status}\n   Weight = {}{}\n   \
             Tracking instances :",
            tf.name,
            tf.file,
            tf.weight.weight,
            if tf.weight.reverse { " reverse" } else { "" }
        );
        for (vs, rs, f, _) in users {
            let _ = writeln!(
                s,
                "     {} -> {}, weight {}{}",
                names::vs_name(vs),
                names::rs_name(vs, rs),
                f.weight,
                if f.reverse { " reverse" } else { "" }
            );
        }
    }
}

/// Every checker, in keepalived's queue order: FILE_CHECKs are queued once the whole
/// config is read, so they come after the others.
pub(super) fn checkers_section(cfg: &Config, live: &dyn Live, s: &mut String) {
    let mut header = false;
    for files in [false, true] {
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            for (r, rs) in vs.real_servers.iter().enumerate() {
                for (k, c) in rs.checkers.iter().enumerate() {
                    if matches!(c.kind, CheckerKind::File(_)) != files {
                        continue;
                    }
                    let id = CheckerId {
                        vs: v,
                        rs: r,
                        ck: k,
                    };
                    let Some(st) = live.checker(id) else {
                        continue;
                    };
                    if !header {
                        s.push_str("------< Health checkers >------\n");
                        header = true;
                    }
                    checker_section(vs, rs, c, &st, s);
                }
            }
        }
    }
}

fn checker_section(
    vs: &VirtualServer,
    rs: &RealServer,
    c: &Checker,
    st: &CheckerLive,
    s: &mut String,
) {
    let t = checker_timing(vs, rs, c);
    let iweight = i64::from(rs.weight.unwrap_or(vs.weight));
    let _ = writeln!(
        s,
        " {} -> {}\n   Enabled = {}\n   Up = {}\n   Has run = {}\n   Current weight = {}",
        names::vs_name(vs),
        names::rs_name(vs, rs),
        yes_no(st.enabled),
        yes_no(st.up),
        yes_no(st.has_run),
        st.weight.map_or(0, |w| w - iweight)
    );
    let file = matches!(c.kind, CheckerKind::File(_));
    if !file {
        let _ = writeln!(
            s,
            "   Alpha = {}\n   Delay loop = {} us\n   Warmup = {} us\n   Retries = {}",
            yes_no(t.alpha),
            t.delay_loop.0,
            t.warmup.0,
            t.retry
        );
        if t.retry > 0 {
            let _ = writeln!(
                s,
                "   Delay before retry = {} us\n   Retries iterations = {}",
                t.delay_before_retry.0,
                // keepalived counts retries only while the checker is still up.
                if st.up { st.retry_it } else { 0 }
            );
        }
        let default_dbr = match c.kind {
            CheckerKind::Http(_) | CheckerKind::Ssl(_) => 3,
            _ => 1,
        };
        let _ = writeln!(
            s,
            "   Default delay before retry = {} us",
            Micros::from_secs(default_dbr).0
        );
    }
    // A checker's own log_all_failures, else the global one.
    let log_all = c.common.log_all_failures.unwrap_or(false);
    let _ = writeln!(s, "   Log all failures = {}", yes_no(log_all));
    let connects = !matches!(
        c.kind,
        CheckerKind::Misc(_) | CheckerKind::File(_) | CheckerKind::Bfd(_)
    );
    if connects {
        connection_lines(
            &c.common,
            rs.ip,
            names::check_port(vs, rs),
            t.connect_timeout,
            s,
        );
    }
    kind_lines(c, st, t.alpha, s);
}

fn connection_lines(k: &CheckerCommon, ip: IpAddr, port: u16, timeout: Micros, s: &mut String) {
    let _ = writeln!(
        s,
        "   Connection\n     Dest = [{}]:{}",
        k.connect_ip.unwrap_or(ip),
        k.connect_port.unwrap_or(port)
    );
    if let Some(b) = k.bindto {
        let _ = writeln!(s, "     Bind to = [{b}]:{}", k.bind_port.unwrap_or(0));
    }
    if let Some(i) = &k.bind_if {
        let _ = writeln!(s, "     Bind i/f = {i}");
    }
    if let Some(m) = k.fwmark.filter(|&m| m != 0) {
        let _ = writeln!(s, "     Mark = {m}");
    }
    let _ = writeln!(s, "     Timeout = {:.6}", timeout.0 as f64 / 1e6);
}

fn kind_lines(c: &Checker, st: &CheckerLive, alpha: bool, s: &mut String) {
    match &c.kind {
        CheckerKind::Tcp => s.push_str("   Keepalive method = TCP_CHECK\n"),
        CheckerKind::Http(h) => http_lines("HTTP", h, st, s),
        CheckerKind::Ssl(h) => http_lines("SSL", h, st, s),
        CheckerKind::Misc(m) => {
            let _ = writeln!(
                s,
                "   Keepalive method = MISC_CHECK\n   script = {}\n   timeout = {}\n   \
                 dynamic = {}\n   uid:gid = {}:{}",
                m.path.as_ref().map(cmd_str).unwrap_or_default(),
                m.timeout.map_or(0, |t| t.0 / 1_000_000),
                if m.dynamic { "YES" } else { "NO" },
                st.script_user.0,
                st.script_user.1
            );
        }
        CheckerKind::Smtp(m) => {
            let _ = writeln!(
                s,
                "   Keepalive method = SMTP_CHECK\n   helo = {}",
                m.helo_name
                    .as_deref()
                    .unwrap_or("smtpchecker.keepalived.org")
            );
        }
        CheckerKind::Dns(d) => {
            let _ = writeln!(
                s,
                "   Keepalive method = DNS_CHECK\n   Type = {}\n   Name = {}",
                d.qtype.name(),
                d.name
            );
        }
        CheckerKind::Udp(u) => {
            s.push_str("   Keepalive method = UDP_CHECK\n");
            match &u.payload {
                Some(p) => {
                    let _ = writeln!(s, "   Payload len = {}", p.len());
                }
                None => s.push_str("   Payload specified = no\n"),
            }
            let _ = writeln!(s, "   Require reply = {}", yes_no(u.require_reply));
            if u.require_reply {
                let _ = writeln!(
                    s,
                    "     Min reply length = {}\n     Max reply length = {}\n     \
                     Reply data len = {}",
                    u.min_reply_length,
                    u.max_reply_length,
                    u.reply.as_ref().map_or(0, |r| r.0.len())
                );
                if let Some((_, mask)) = &u.reply {
                    let _ = writeln!(s, "     Reply data mask = {}", yes_no(mask.is_some()));
                }
            }
        }
        CheckerKind::Ping => s.push_str("   Keepalive method = PING_CHECK\n"),
        CheckerKind::File(f) => {
            let _ = writeln!(
                s,
                "   Keepalive method = FILE_CHECK\n     Tracked file = {}",
                f.track_file
            );
        }
        CheckerKind::Bfd(b) => {
            let _ = writeln!(
                s,
                "   Keepalive method = BFD_CHECK\n   Name = {}\n   Alpha is {}",
                b.name,
                if alpha { "ON" } else { "OFF" }
            );
        }
    }
}

fn http_lines(what: &str, h: &HttpCheck, st: &CheckerLive, s: &mut String) {
    let proto = match h.http_protocol {
        HttpProtocol::V10 => "1.0",
        HttpProtocol::V10Close => "1.0C",
        HttpProtocol::V11 => "1.1",
    };
    let _ = writeln!(s, "   Keepalive method = {what}_GET, http protocol {proto}");
    if let Some(v) = &h.virtualhost {
        let _ = writeln!(s, "   Virtualhost = {v}");
    }
    let set = |b: bool| if b { "set" } else { "unset" };
    let _ = writeln!(s, "   Enable SNI {}", set(h.enable_sni));
    let _ = writeln!(s, "   Fast recovery {}", set(h.fast_recovery));
    for u in &h.urls {
        url_lines(u, s);
    }
    if let Some(u) = st.failed_url.and_then(|i| h.urls.get(i)) {
        let _ = writeln!(s, "   Failed URL = {}", u.path);
    }
}

/// The first and last HTTP status codes keepalived's bitmap holds.
const STATUS_MIN: u16 = 100;
const STATUS_MAX: u16 = 599;

fn url_lines(u: &Url, s: &mut String) {
    let _ = writeln!(s, "   Checked url = {}", u.path);
    if let Some(d) = &u.digest {
        s.push_str("     digest = ");
        for b in d {
            let _ = write!(s, "{b:02x}");
        }
        s.push('\n');
    }
    s.push_str("     HTTP Status Code(s)\n");
    let wanted = |code: u16| {
        if u.status_codes.is_empty() {
            (200..300).contains(&code)
        } else {
            u.status_codes.iter().any(|&(a, b)| (a..=b).contains(&code))
        }
    };
    // Runs of accepted codes, as keepalived prints its bitmap.
    let mut start = None;
    for code in STATUS_MIN..=STATUS_MAX + 1 {
        let on = code <= STATUS_MAX && wanted(code);
        match (on, start) {
            (true, None) => start = Some(code),
            (false, Some(a)) => {
                let _ = if a == code - 1 {
                    writeln!(s, "       {a}")
                } else {
                    writeln!(s, "       {a}-{}", code - 1)
                };
                start = None;
            }
            _ => {}
        }
    }
    if let Some(v) = &u.virtualhost {
        let _ = writeln!(s, "     Virtual host = {v}");
    }
    if let Some(r) = &u.regex {
        let _ = writeln!(s, "     Regex = \"{r}\"");
        if u.regex_no_match {
            s.push_str("     Regex no match\n");
        }
    }
}
