//! The lines of keepalived's "Global definitions" dump that both children's SIGUSR1 files
//! start with (global_data.c dump_global_data), and the ones they share further down.

use super::LvsFlushOnStop;
use crate::config::Config;
use crate::core::dump_line as line;

/// The section header and the lines up to "Checkers log all failures".
pub(crate) fn head(cfg: &Config, s: &mut String) {
    let g = &cfg.global;
    let tri = |v: Option<bool>| v.map_or("unset", |b| if b { "true" } else { "false" });
    s.push_str("------< Global definitions >------\n");
    let ns = g.net_namespace.as_deref().unwrap_or("(default)");
    line::text(s, " Network namespace = ", ns);
    line::text(
        s,
        " Router ID = ",
        &g.router_id.clone().unwrap_or_else(hostname),
    );
    line::text(s, " Default smtp_alert = ", tri(g.email.smtp_alert));
    let vrrp = tri(g.email.smtp_alert_vrrp);
    line::text(s, " Default smtp_alert_vrrp = ", vrrp);
    let checker = tri(g.email.smtp_alert_checker);
    line::text(s, " Default smtp_alert_checker = ", checker);
    let all = g.email.checker_log_all_failures.unwrap_or(false);
    line::flag(s, " Checkers log all failures = ", all);
}

/// "LVS flush" and "LVS flush on stop".
pub(crate) fn lvs_flush(cfg: &Config, s: &mut String) {
    let g = &cfg.global;
    line::flag(s, " LVS flush = ", g.lvs.flush);
    let on_stop = match g.lvs.flush_on_stop {
        Some(LvsFlushOnStop::Full) => "full",
        Some(LvsFlushOnStop::Vs) => "VS",
        None => "disabled",
    };
    line::text(s, " LVS flush on stop = ", on_stop);
}

pub(crate) fn script_security(cfg: &Config, s: &mut String) {
    let on = cfg.global.enable_script_security;
    line::text(
        s,
        " Script security ",
        if on { "enabled" } else { "disabled" },
    );
}

/// The BFD process's scheduling lines (keepalived's RT_RLIMIT_DEFAULT is 10000 µs).
pub(crate) fn bfd_sched(cfg: &Config, s: &mut String) {
    let b = cfg.global.bfd_sched();
    let prio = i64::from(b.priority.unwrap_or(0));
    line::int(s, " BFD process priority = ", prio);
    line::flag(s, " BFD don't swap = ", b.no_swap);
    let rt = b.rt_priority.unwrap_or(0).into();
    line::num(s, " BFD realtime priority = ", rt);
    if !b.cpu_affinity.is_empty() {
        // In CPU order, each once, as keepalived lists its CPU set (no sort code for it).
        s.push_str(" BFD CPU Affinity = ");
        let last = b.cpu_affinity.iter().copied().max().unwrap_or(0);
        for c in 0..=last {
            if b.cpu_affinity.contains(&c) {
                line::push_num(s, c.into());
                s.push(' ');
            }
        }
        s.push('\n');
    }
    let limit = b.rlimit_rttime.unwrap_or(10_000).into();
    line::num(s, " BFD realtime limit = ", limit);
}

/// keepalived's default router_id.
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
