//! The Health checkers section (each checker's settings and state, as check_api.c and each
//! checker's dump word them) and the Checker track files section.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::{cmd_str, weight_line, yes_no, CheckerLive, Live};
use crate::check::checkers::names;
use crate::check::CheckerId;
use crate::config::checker::{Checker, CheckerCommon, CheckerKind, HttpCheck, HttpProtocol, Url};
use crate::config::lvs::{checker_timing, RealServer, VirtualServer};
use crate::config::Config;
use crate::core::dump_line as line;
use crate::core::time::Micros;

/// The `bfd_instance`s the checker side hears of, with the real servers whose BFD_CHECK
/// watches each.
pub(super) fn track_bfds_section(cfg: &Config, s: &mut String) {
    let mut header = false;
    for b in cfg.bfd.instances.iter().filter(|b| b.to_checker) {
        if !std::mem::replace(&mut header, true) {
            s.push_str("------< Checker track BFDs >------\n");
        }
        line::text(s, " Checker Track BFD = ", &b.name);
        s.push_str("   Tracking RS :\n");
        for vs in &cfg.lvs.virtual_servers {
            for rs in &vs.real_servers {
                let watches = rs
                    .checkers
                    .iter()
                    .any(|c| matches!(&c.kind, CheckerKind::Bfd(x) if x.name == b.name));
                if watches {
                    line::text(s, "   ", &names::rs_name(vs, rs));
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
        line::text(s, " Track file = ", &tf.name);
        line::text(s, "   File = ", &tf.file);
        line::int(s, "   Status = ", status);
        s.push_str("   Weight = ");
        line::push_int(s, tf.weight.weight.into());
        line::text(s, if tf.weight.reverse { " reverse" } else { "" }, "");
        s.push_str("   Tracking instances :\n");
        for (vs, rs, f, _) in users {
            s.push_str("     ");
            s.push_str(&names::vs_name(vs));
            s.push_str(" -> ");
            s.push_str(&names::rs_name(vs, rs));
            weight_line(s, f.weight.into(), f.reverse);
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

#[inline(never)] // One per item: see core::dump_line.
fn checker_section(
    vs: &VirtualServer,
    rs: &RealServer,
    c: &Checker,
    st: &CheckerLive,
    s: &mut String,
) {
    let t = checker_timing(vs, rs, c);
    let iweight = i64::from(rs.weight.unwrap_or(vs.weight));
    s.push(' ');
    s.push_str(&names::vs_name(vs));
    line::text(s, " -> ", &names::rs_name(vs, rs));
    line::text(s, "   Enabled = ", yes_no(st.enabled));
    line::text(s, "   Up = ", yes_no(st.up));
    line::text(s, "   Has run = ", yes_no(st.has_run));
    line::int(
        s,
        "   Current weight = ",
        st.weight.map_or(0, |w| w - iweight),
    );
    let file = matches!(c.kind, CheckerKind::File(_));
    if !file {
        line::text(s, "   Alpha = ", yes_no(t.alpha));
        line::num_in(s, "   Delay loop = ", t.delay_loop.0, " us");
        line::num_in(s, "   Warmup = ", t.warmup.0, " us");
        line::num(s, "   Retries = ", t.retry.into());
        if t.retry > 0 {
            let dbr = t.delay_before_retry.0;
            line::num_in(s, "   Delay before retry = ", dbr, " us");
            // keepalived counts retries only while the checker is still up.
            let it = if st.up { st.retry_it } else { 0 };
            line::num(s, "   Retries iterations = ", it.into());
        }
        let default_dbr = match c.kind {
            CheckerKind::Http(_) | CheckerKind::Ssl(_) => 3,
            _ => 1,
        };
        let dbr = Micros::from_secs(default_dbr).0;
        line::num_in(s, "   Default delay before retry = ", dbr, " us");
    }
    // A checker's own log_all_failures, else the global one.
    let log_all = c.common.log_all_failures.unwrap_or(false);
    line::text(s, "   Log all failures = ", yes_no(log_all));
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
    s.push_str("   Connection\n     Dest = [");
    line::push(s, &k.connect_ip.unwrap_or(ip));
    line::num(s, "]:", k.connect_port.unwrap_or(port).into());
    if let Some(b) = &k.bindto {
        s.push_str("     Bind to = [");
        line::push(s, b);
        line::num(s, "]:", k.bind_port.unwrap_or(0).into());
    }
    if let Some(i) = &k.bind_if {
        line::text(s, "     Bind i/f = ", i);
    }
    if let Some(m) = k.fwmark.filter(|&m| m != 0) {
        line::num(s, "     Mark = ", m.into());
    }
    // `%.6f` of whole microseconds: the digits of the microseconds themselves.
    s.push_str("     Timeout = ");
    line::push_secs6(s, timeout.0);
    s.push('\n');
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
            let helo = m.helo_name.as_deref();
            line::text(
                s,
                "   Keepalive method = SMTP_CHECK\n   helo = ",
                helo.unwrap_or("smtpchecker.keepalived.org"),
            );
        }
        CheckerKind::Dns(d) => {
            line::text(
                s,
                "   Keepalive method = DNS_CHECK\n   Type = ",
                d.qtype.name(),
            );
            line::text(s, "   Name = ", &d.name);
        }
        CheckerKind::Udp(u) => {
            s.push_str("   Keepalive method = UDP_CHECK\n");
            match &u.payload {
                Some(p) => line::num(s, "   Payload len = ", p.len() as u64),
                None => s.push_str("   Payload specified = no\n"),
            }
            line::text(s, "   Require reply = ", yes_no(u.require_reply));
            if u.require_reply {
                let min = u.min_reply_length.into();
                line::num(s, "     Min reply length = ", min);
                let max = u.max_reply_length.into();
                line::num(s, "     Max reply length = ", max);
                let len = u.reply.as_ref().map_or(0, |r| r.0.len());
                line::num(s, "     Reply data len = ", len as u64);
                if let Some((_, mask)) = &u.reply {
                    line::text(s, "     Reply data mask = ", yes_no(mask.is_some()));
                }
            }
        }
        CheckerKind::Ping => s.push_str("   Keepalive method = PING_CHECK\n"),
        CheckerKind::File(f) => line::text(
            s,
            "   Keepalive method = FILE_CHECK\n     Tracked file = ",
            &f.track_file,
        ),
        CheckerKind::Bfd(b) => {
            line::text(s, "   Keepalive method = BFD_CHECK\n   Name = ", &b.name);
            line::text(s, "   Alpha is ", if alpha { "ON" } else { "OFF" });
        }
    }
}

fn http_lines(what: &str, h: &HttpCheck, st: &CheckerLive, s: &mut String) {
    let proto = match h.http_protocol {
        HttpProtocol::V10 => "1.0",
        HttpProtocol::V10Close => "1.0C",
        HttpProtocol::V11 => "1.1",
    };
    s.push_str("   Keepalive method = ");
    s.push_str(what);
    line::text(s, "_GET, http protocol ", proto);
    if let Some(v) = &h.virtualhost {
        line::text(s, "   Virtualhost = ", v);
    }
    let set = |b: bool| if b { "set" } else { "unset" };
    line::text(s, "   Enable SNI ", set(h.enable_sni));
    line::text(s, "   Fast recovery ", set(h.fast_recovery));
    for u in &h.urls {
        url_lines(u, s);
    }
    if let Some(u) = st.failed_url.and_then(|i| h.urls.get(i)) {
        line::text(s, "   Failed URL = ", &u.path);
    }
}

/// The first and last HTTP status codes keepalived's bitmap holds.
const STATUS_MIN: u16 = 100;
const STATUS_MAX: u16 = 599;

fn url_lines(u: &Url, s: &mut String) {
    line::text(s, "   Checked url = ", &u.path);
    if let Some(d) = &u.digest {
        s.push_str("     digest = ");
        for &b in d {
            line::push_hex2(s, b);
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
                s.push_str("       ");
                if a != code - 1 {
                    line::push_num(s, a.into());
                    s.push('-');
                }
                line::num(s, "", (code - 1).into());
                start = None;
            }
            _ => {}
        }
    }
    if let Some(v) = &u.virtualhost {
        line::text(s, "     Virtual host = ", v);
    }
    if let Some(r) = &u.regex {
        s.push_str("     Regex = \"");
        line::text(s, r, "\"");
        if u.regex_no_match {
            s.push_str("     Regex no match\n");
        }
    }
}
