//! One global_defs keyword at a time, with keepalived 2.2.7's ranges. A bad value is
//! reported as a warning and the setting keeps its default, as keepalived does.

use std::net::IpAddr;

use super::super::diag::Diagnostics;
use super::super::tree::Node;
use super::super::value::{parse_bool, parse_timer, valid_ifname};
use super::types::*;
use super::GlobalDefs;
use crate::core::time::Micros;

/// Longest process name the kernel keeps (TASK_COMM_LEN - 1).
const TASK_COMM_MAX: usize = 15;
/// IPVS connection timeouts are capped at 31 days.
const LVS_MAX_TIMEOUT: u64 = 86400 * 31;

pub(super) fn warn_bad(n: &Node, what: &str, got: &str, d: &mut Diagnostics) {
    d.warn(
        n.loc,
        format!("'{}': expected {what}, got '{got}' - ignoring", n.keyword()),
    );
}

/// Argument `i` as a decimal integer in `lo..=hi`, or a warning.
pub(super) fn unsigned(n: &Node, i: usize, lo: u64, hi: u64, d: &mut Diagnostics) -> Option<u64> {
    let what = format!("an integer in {lo}..{hi}");
    let Some(s) = n.arg(i) else {
        d.warn(n.loc, format!("'{}' needs {what} - ignoring", n.keyword()));
        return None;
    };
    let v = s
        .parse::<u64>()
        .ok()
        .filter(|v| (lo..=hi).contains(v) && s.bytes().all(|b| b.is_ascii_digit()));
    if v.is_none() {
        warn_bad(n, &what, s, d);
    }
    v
}

pub(super) fn signed(n: &Node, i: usize, lo: i64, hi: i64, d: &mut Diagnostics) -> Option<i64> {
    let what = format!("an integer in {lo}..{hi}");
    let Some(s) = n.arg(i) else {
        d.warn(n.loc, format!("'{}' needs {what} - ignoring", n.keyword()));
        return None;
    };
    let v = s.parse::<i64>().ok().filter(|v| (lo..=hi).contains(v));
    if v.is_none() {
        warn_bad(n, &what, s, d);
    }
    v
}

/// A decimal number of seconds with microsecond resolution in `lo..=u32::MAX` µs.
fn decimal_secs(n: &Node, lo: Micros, d: &mut Diagnostics) -> Option<Micros> {
    let what = format!(
        "a time in seconds from {}.{:06} to 4294.967295",
        lo.0 / 1_000_000,
        lo.0 % 1_000_000
    );
    let Some(s) = n.arg(0) else {
        d.warn(n.loc, format!("'{}' needs {what} - ignoring", n.keyword()));
        return None;
    };
    let v = parse_timer(s).filter(|t| *t >= lo && t.0 <= u64::from(u32::MAX));
    if v.is_none() {
        warn_bad(n, &what, s, d);
    }
    v
}

/// `KEYWORD [BOOL]`: alone means true; a bad value leaves the setting alone.
pub(super) fn opt_bool(n: &Node, d: &mut Diagnostics) -> Option<bool> {
    match n.arg(0) {
        None => Some(true),
        Some(s) => {
            let v = parse_bool(s);
            if v.is_none() {
                warn_bad(n, "on|off|true|false|yes|no", s, d);
            }
            v
        }
    }
}

fn string(n: &Node, d: &mut Diagnostics) -> Option<String> {
    let v = n.arg(0).map(str::to_string);
    if v.is_none() {
        d.warn(n.loc, format!("'{}' needs a value - ignoring", n.keyword()));
    }
    v
}

/// A user (and group) name or number that this system knows.
fn run_as(n: &Node, from: usize, d: &mut Diagnostics) -> Option<RunAs> {
    let user = n.arg(from)?;
    let group = n.arg(from + 1);
    if !user_exists(user) || group.is_some_and(|g| !group_exists(g)) {
        d.warn(
            n.loc,
            format!(
                "'{}': unknown user/group '{user}{}' - ignoring",
                n.keyword(),
                group.map(|g| format!(" {g}")).unwrap_or_default()
            ),
        );
        return None;
    }
    Some((user.to_string(), group.map(str::to_string)))
}

fn user_exists(name: &str) -> bool {
    name.parse::<u32>().is_ok() || passwd_lookup("/etc/passwd", name) || nss_user(name)
}

fn group_exists(name: &str) -> bool {
    name.parse::<u32>().is_ok() || passwd_lookup("/etc/group", name)
}

fn passwd_lookup(file: &str, name: &str) -> bool {
    std::fs::read_to_string(file)
        .map(|t| t.lines().any(|l| l.split(':').next() == Some(name)))
        .unwrap_or(false)
}

/// Users from other NSS sources (LDAP, systemd dynamic users).
fn nss_user(name: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(name) else {
        return false;
    };
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are to live, correctly sized buffers owned by this frame.
    let rc =
        unsafe { libc::getpwnam_r(c.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut out) };
    rc == 0 && !out.is_null()
}

fn online_cpus() -> u32 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    u32::try_from(n).unwrap_or(1).max(1)
}

fn proc_sched<'a>(g: &'a mut GlobalDefs, kw: &'a str) -> Option<(&'a mut ProcSched, &'a str)> {
    let (p, rest) = kw.split_once('_')?;
    let s = match p {
        "vrrp" => &mut g.sched.vrrp,
        "checker" => &mut g.sched.checker,
        "bfd" => &mut g.sched.bfd,
        _ => return None,
    };
    let rest = match rest {
        "priority" | "no_swap" | "rt_priority" | "cpu_affinity" | "rlimit_rttime" => rest,
        "rlimit_rtime" => "rlimit_rttime",
        _ => return None,
    };
    Some((s, rest))
}

fn sched(n: &Node, s: &mut ProcSched, what: &str, d: &mut Diagnostics) {
    match what {
        "priority" => s.priority = signed(n, 0, -20, 19, d).map(|v| v as i8),
        "no_swap" => s.no_swap = true,
        "rt_priority" => {
            if let Some(v) = signed(n, 0, i64::from(i32::MIN), i64::from(i32::MAX), d) {
                let c = v.clamp(1, 99);
                if c != v {
                    d.warn(
                        n.loc,
                        format!("real-time priority {v} outside 1..99 - using {c}"),
                    );
                }
                s.rt_priority = Some(c as u8);
            }
        }
        "cpu_affinity" => {
            if n.args().is_empty() {
                d.warn(
                    n.loc,
                    format!("'{}' needs CPU numbers - ignoring", n.keyword()),
                );
                return;
            }
            let max = u64::from(online_cpus() - 1);
            let cpus: Option<Vec<u32>> = (0..n.args().len())
                .map(|i| unsigned(n, i, 0, max, d).map(|v| v as u32))
                .collect();
            s.cpu_affinity = cpus.unwrap_or_default();
        }
        _ => {
            // keepalived still takes the old `*_rlimit_rtime` spelling without complaint.
            // The limit is halved for the soft limit, which must stay non-zero.
            s.rlimit_rttime = unsigned(n, 0, 1, u64::from(u32::MAX), d).map(|v| v.max(2) as u32);
        }
    }
}

/// Reads one keyword of a global_defs block into `g`.
pub(super) fn parse(n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) {
    let kw = n.keyword();
    if let Some((s, what)) = proc_sched(g, kw) {
        sched(n, s, what, d);
        return;
    }
    if email(n, &mut g.email, d)
        || garp(n, &mut g.garp, d)
        || vrrp(n, g, d)
        || firewall(n, &mut g.firewall, d)
    {
        return;
    }
    if lvs(n, &mut g.lvs, d) || scripts(n, g, d) || misc(n, g, d) {
        return;
    }
    d.unknown_keyword(n.loc, kw);
}

fn email(n: &Node, e: &mut Email, d: &mut Diagnostics) -> bool {
    match n.keyword() {
        "notification_email" => {
            if n.children().is_empty() {
                // keepalived notices the empty block at its closing brace.
                let end = super::super::diag::Loc {
                    line: n.end_line,
                    ..n.loc
                };
                d.warn(end, "empty notification_email block");
            }
            e.to.extend(n.children().iter().flat_map(|c| c.words.iter().cloned()));
        }
        "notification_email_from" => e.from = string(n, d),
        "smtp_server" => {
            let Some(host) = string(n, d) else {
                return true;
            };
            let port = n.arg(1).unwrap_or("25");
            match port.parse::<u16>() {
                Ok(p) if p > 0 && !host.is_empty() => e.smtp_server = Some((host, p)),
                _ => d.warn(
                    n.loc,
                    format!("invalid smtp server {host} {port} - ignoring"),
                ),
            }
        }
        "smtp_helo_name" => e.helo_name = n.arg(0).map(str::to_string),
        "smtp_connect_timeout" => {
            if let Some(v) = unsigned(n, 0, 0, u64::from(u32::MAX) / 1_000_000, d) {
                if v == 0 {
                    d.warn(
                        n.loc,
                        "smtp_connect_timeout must be greater than 0 - using 1",
                    );
                }
                e.connect_timeout = Some(v.max(1) as u32);
            }
        }
        "smtp_alert" => e.smtp_alert = opt_bool(n, d),
        "smtp_alert_vrrp" => e.smtp_alert_vrrp = opt_bool(n, d),
        "smtp_alert_checker" => e.smtp_alert_checker = opt_bool(n, d),
        "checker_log_all_failures" => e.checker_log_all_failures = opt_bool(n, d),
        "no_email_faults" => e.no_email_faults = true,
        "no_checker_emails" => e.no_checker_emails = opt_bool(n, d).unwrap_or(e.no_checker_emails),
        _ => return false,
    }
    true
}

fn garp(n: &Node, g: &mut Garp, d: &mut Diagnostics) -> bool {
    let secs_max = u64::from(u32::MAX) / 1_000_000;
    let u32max = u64::from(u32::MAX);
    let at_least_one = |v: Option<u64>, d: &mut Diagnostics| {
        v.map(|v| {
            if v == 0 {
                d.warn(
                    n.loc,
                    format!("'{}' must be greater than 0 - using 1", n.keyword()),
                );
            }
            v.max(1) as u32
        })
    };
    match n.keyword() {
        "vrrp_garp_master_delay" => {
            g.master_delay = unsigned(n, 0, 0, secs_max, d).map(|v| v as u32)
        }
        "vrrp_garp_master_repeat" => {
            g.master_repeat = at_least_one(unsigned(n, 0, 0, u32max, d), d)
        }
        "vrrp_garp_master_refresh" => {
            g.master_refresh = unsigned(n, 0, 0, u32max, d).map(|v| v as u32)
        }
        "vrrp_garp_master_refresh_repeat" => {
            g.master_refresh_repeat = at_least_one(unsigned(n, 0, 0, u32max, d), d)
        }
        "vrrp_garp_lower_prio_delay" => {
            g.lower_prio_delay = unsigned(n, 0, 0, secs_max, d).map(|v| v as u32)
        }
        "vrrp_garp_lower_prio_repeat" => {
            g.lower_prio_repeat = unsigned(n, 0, 0, i32::MAX as u64, d).map(|v| v as u32)
        }
        "vrrp_garp_interval" => g.interval = decimal_secs(n, Micros(1), d),
        "vrrp_gna_interval" => g.gna_interval = decimal_secs(n, Micros(1), d),
        "vrrp_min_garp" => g.min_garp = opt_bool(n, d).unwrap_or(g.min_garp),
        "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => {
            if n.keyword() == "vrrp_vmac_garp_intvl" {
                d.warn(
                    n.loc,
                    "'vrrp_vmac_garp_intvl' is deprecated - use 'vrrp_garp_extra_if'",
                );
            }
            let mut all = false;
            let mut secs = None;
            for (i, a) in n.args().iter().enumerate() {
                if a == "all" {
                    all = true;
                } else {
                    match unsigned(n, i, 1, 86400, d) {
                        Some(v) => secs = Some(v as u32),
                        None => return true,
                    }
                }
            }
            match secs {
                Some(s) => g.extra_if = Some((s, all)),
                None => d.warn(
                    n.loc,
                    format!("'{}' given without a time - ignoring", n.keyword()),
                ),
            }
        }
        _ => return false,
    }
    true
}

fn vrrp(n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    let v = &mut g.vrrp;
    match n.keyword() {
        "vrrp_mcast_group4" | "vrrp_mcast_group6" => {
            let Some(s) = string(n, d) else { return true };
            let six = n.keyword().ends_with('6');
            match s.parse::<IpAddr>() {
                Err(_) => d.warn(
                    n.loc,
                    format!("can't parse {} [{s}] - ignoring", n.keyword()),
                ),
                Ok(a) if a.is_ipv6() != six => d.warn(
                    n.loc,
                    format!(
                        "{} [{s}] is not {} - ignoring",
                        n.keyword(),
                        if six { "IPv6" } else { "IPv4" }
                    ),
                ),
                Ok(a) if !a.is_multicast() => d.warn(
                    n.loc,
                    format!("{} [{s}] is not multicast - ignoring", n.keyword()),
                ),
                Ok(IpAddr::V4(a)) => v.mcast_group4 = Some(a),
                Ok(IpAddr::V6(a)) => {
                    if a.segments()[0] & 0xff0f != 0xff02 {
                        d.warn(
                            n.loc,
                            format!("vrrp_mcast_group6 [{s}] should be link-local multicast"),
                        );
                    }
                    v.mcast_group6 = Some(a);
                }
            }
        }
        "vrrp_lower_prio_no_advert" => v.lower_prio_no_advert = opt_bool(n, d),
        "vrrp_higher_prio_send_advert" => v.higher_prio_send_advert = opt_bool(n, d),
        "vrrp_down_timer_adverts" => {
            v.down_timer_adverts = unsigned(n, 0, 1, 100, d).map(|x| x as u32)
        }
        "vrrp_check_unicast_src" => v.check_unicast_src = true,
        "vrrp_skip_check_adv_addr" => v.skip_check_adv_addr = true,
        "vrrp_startup_delay" => v.startup_delay = decimal_secs(n, Micros(1000), d),
        "log_unknown_vrids" => v.log_unknown_vrids = true,
        "vmac_prefix" | "vmac_addr_prefix" => {
            let slot = if n.keyword() == "vmac_prefix" {
                &mut v.vmac_prefix
            } else {
                &mut v.vmac_addr_prefix
            };
            if slot.is_some() {
                d.warn(n.loc, format!("'{}' already given - ignoring", n.keyword()));
            } else {
                *slot = string(n, d);
            }
        }
        "vrrp_notify_priority_changes" => v.notify_priority_changes = opt_bool(n, d),
        "vrrp_rx_bufs_policy" => {
            let mut pol = None;
            for a in n.args() {
                let p = if a.eq_ignore_ascii_case("MTU") {
                    RxBufsPolicy::Mtu
                } else if a.eq_ignore_ascii_case("ADVERT") {
                    RxBufsPolicy::Advert
                } else if let Ok(sz) = a.parse::<u32>() {
                    RxBufsPolicy::Size(sz)
                } else {
                    warn_bad(n, "MTU, ADVERT or a size", a, d);
                    continue;
                };
                pol = match (pol, p) {
                    (None, p) => Some(p),
                    (Some(RxBufsPolicy::Size(s)), _) | (_, RxBufsPolicy::Size(s)) => {
                        d.warn(
                            n.loc,
                            "cannot set both a size and a policy - ignoring the policy",
                        );
                        Some(RxBufsPolicy::Size(s))
                    }
                    (Some(a), b) if a != b => {
                        d.warn(n.loc, "cannot set both MTU and ADVERT - ignoring ADVERT");
                        Some(RxBufsPolicy::Mtu)
                    }
                    (Some(a), _) => Some(a),
                };
            }
            match pol {
                Some(p) => v.rx_bufs_policy = Some(p),
                None if n.args().is_empty() => d.warn(n.loc, "vrrp_rx_bufs_policy missing"),
                None => {}
            }
        }
        "vrrp_rx_bufs_multiplier" => {
            v.rx_bufs_multiplier = unsigned(n, 0, 1, u64::from(u32::MAX), d).map(|x| x as u32)
        }
        "vrrp_version" => g.vrrp_version = unsigned(n, 0, 2, 3, d).map(|x| x as u8),
        "vrrp_strict" => g.vrrp_strict = true,
        "dynamic_interfaces" => {
            g.dynamic_interfaces = true;
            match n.arg(0) {
                None => {}
                Some("allow_if_changes") => v.allow_if_changes = true,
                Some(o) => d.warn(n.loc, format!("unknown dynamic_interfaces option '{o}'")),
            }
        }
        "default_interface" => match n.arg(0) {
            Some(i) if valid_ifname(i) => g.default_interface = Some(i.to_string()),
            Some(i) => warn_bad(n, "an interface name", i, d),
            None => d.warn(n.loc, "default_interface needs an interface name"),
        },
        _ => return false,
    }
    true
}

fn firewall(n: &Node, f: &mut Firewall, d: &mut Diagnostics) -> bool {
    match n.keyword() {
        // keepalived 2.2.7 as Debian builds it (nftables, no iptables/ipset support)
        // maps vrrp_iptables to nftables with a warning and does not know vrrp_ipsets.
        "vrrp_iptables" => {
            d.warn(n.loc, "iptables not supported, using nftables instead - replace 'vrrp_iptables' with 'nftables'");
            f.nftables.get_or_insert_with(|| "keepalived".to_string());
        }
        "vrrp_ipsets" => d.warn(n.loc, "ipsets are not supported - use 'nftables'"),
        "nftables" | "nftables_ipvs" => {
            let slot = if n.keyword() == "nftables" {
                &mut f.nftables
            } else {
                &mut f.nftables_ipvs
            };
            let name = n.arg(0).unwrap_or("keepalived");
            if slot.is_some() {
                d.warn(n.loc, format!("'{}' already given - ignoring", n.keyword()));
            } else if name.len() >= 256 {
                d.warn(n.loc, "nftables table name too long - ignoring");
            } else {
                *slot = Some(name.to_string());
            }
        }
        "nftables_priority" => {
            f.nftables_priority =
                signed(n, 0, i64::from(i32::MIN), i64::from(i32::MAX), d).map(|v| v as i32)
        }
        "nftables_ipvs_priority" => {
            f.nftables_ipvs_priority =
                signed(n, 0, i64::from(i32::MIN), i64::from(i32::MAX), d).map(|v| v as i32)
        }
        "nftables_ipvs_start_fwmark" => {
            f.nftables_ipvs_start_fwmark =
                unsigned(n, 0, 1, u64::from(u32::MAX), d).map(|v| v as u32)
        }
        "nftables_counters" => f.nftables_counters = true,
        "nftables_ifindex" => f.nftables_ifindex = true,
        "disable_local_igmp" => f.disable_local_igmp = true,
        _ => return false,
    }
    true
}

fn lvs(n: &Node, l: &mut LvsGlobal, d: &mut Diagnostics) -> bool {
    match n.keyword() {
        "lvs_timeouts" => {
            if n.args().is_empty() {
                d.warn(n.loc, "lvs_timeouts needs at least one option");
            }
            let mut i = 0;
            while let Some(opt) = n.arg(i) {
                let slot = match opt {
                    "tcp" => &mut l.timeouts.tcp,
                    "tcpfin" => &mut l.timeouts.tcpfin,
                    "udp" => &mut l.timeouts.udp,
                    _ => {
                        d.warn(
                            n.loc,
                            format!("unknown lvs_timeouts option '{opt}' - ignoring"),
                        );
                        i += 1;
                        continue;
                    }
                };
                if let Some(v) = unsigned(n, i + 1, 0, LVS_MAX_TIMEOUT, d) {
                    *slot = Some(v as u32);
                }
                i += 2;
            }
        }
        "lvs_sync_daemon" => super::extra::sync_daemon(n, l, d),
        "lvs_flush" => l.flush = true,
        "lvs_flush_on_stop" | "lvs_flush_onstop" => match n.arg(0) {
            None => l.flush_on_stop = Some(LvsFlushOnStop::Full),
            Some("VS") => l.flush_on_stop = Some(LvsFlushOnStop::Vs),
            Some(o) => d.warn(n.loc, format!("unknown lvs_flush_on_stop type '{o}'")),
        },
        _ => return false,
    }
    true
}

fn scripts(n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    let kw = n.keyword();
    match kw {
        "script_user" => match n.arg(0) {
            None => d.warn(n.loc, "no script username given"),
            Some(_) => {
                if let Some(r) = run_as(n, 0, d) {
                    g.script_user = Some(r);
                }
            }
        },
        "enable_script_security" => g.enable_script_security = true,
        "startup_script" | "shutdown_script" => {
            let slot = if kw == "startup_script" {
                &mut g.startup_script
            } else {
                &mut g.shutdown_script
            };
            if slot.as_ref().is_some_and(|s| !s.command.is_empty()) {
                d.warn(n.loc, format!("{kw} already given - ignoring"));
            } else if let Some(cmd) = n.arg(0) {
                let run_as = if n.args().len() > 1 {
                    run_as(n, 1, d)
                } else {
                    None
                };
                let timeout = slot.as_ref().and_then(|s| s.timeout);
                *slot = Some(HookScript {
                    command: cmd.to_string(),
                    run_as,
                    timeout,
                });
            } else {
                d.warn(n.loc, format!("{kw} missing"));
            }
        }
        "startup_script_timeout" | "shutdown_script_timeout" => {
            let slot = if kw.starts_with("startup") {
                &mut g.startup_script
            } else {
                &mut g.shutdown_script
            };
            if let Some(t) = unsigned(n, 0, 1, 1000, d) {
                slot.get_or_insert_with(HookScript::default).timeout = Some(t as u32);
            }
        }
        "notify_fifo" | "vrrp_notify_fifo" | "lvs_notify_fifo" => {
            let (fifo, name) = match kw {
                "notify_fifo" => (&mut g.fifos.any, &mut g.notify_fifo),
                "vrrp_notify_fifo" => (&mut g.fifos.vrrp, &mut g.vrrp_notify_fifo),
                _ => (&mut g.fifos.lvs, &mut g.lvs_notify_fifo),
            };
            match n.arg(0) {
                None => d.warn(n.loc, format!("no {kw} name given")),
                Some(v) if fifo.name.is_some() => {
                    d.warn(n.loc, format!("{kw} already given - ignoring {v}"))
                }
                Some(v) => {
                    if n.args().len() > 1 {
                        match run_as(n, 1, d) {
                            Some(r) => fifo.owner = Some(r),
                            None => return true,
                        }
                    }
                    fifo.name = Some(v.to_string());
                    *name = fifo.name.clone();
                }
            }
        }
        "notify_fifo_script" | "vrrp_notify_fifo_script" | "lvs_notify_fifo_script" => {
            let fifo = match kw {
                "notify_fifo_script" => &mut g.fifos.any,
                "vrrp_notify_fifo_script" => &mut g.fifos.vrrp,
                _ => &mut g.fifos.lvs,
            };
            match n.arg(0) {
                None => d.warn(n.loc, format!("no {kw} given")),
                Some(v) if fifo.script.is_some() => {
                    d.warn(n.loc, format!("{kw} already given - ignoring {v}"))
                }
                Some(v) => {
                    let cmd: Vec<String> = v.split_whitespace().map(str::to_string).collect();
                    let owner = if n.args().len() > 1 {
                        run_as(n, 1, d)
                    } else {
                        None
                    };
                    fifo.script = Some((cmd, owner));
                }
            }
        }
        "fifo_write_vrrp_states_on_reload" => g.fifos.write_vrrp_states_on_reload = true,
        _ => return false,
    }
    true
}

fn misc(n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    let kw = n.keyword();
    match kw {
        "router_id" => match n.arg(0) {
            Some(v) => g.router_id = Some(v.to_string()),
            None => d.warn(n.loc, "router_id name missing - ignoring"),
        },
        "max_auto_priority" => {
            g.sched.max_auto_priority = match n.arg(0) {
                None => Some(99),
                Some(_) => signed(n, 0, -1, 99, d).map(|v| v as i32),
            }
        }
        "min_auto_priority_delay" => {
            g.sched.min_auto_priority_delay = unsigned(n, 0, 1, 10_000_000, d).map(|v| v as u32)
        }
        "process_names" => g.process_names.defaults = true,
        "process_name"
        | "vrrp_process_name"
        | "checker_process_name"
        | "lvs_process_name"
        | "bfd_process_name" => {
            // lvs_process_name is the old name of checker_process_name.
            let p = &mut g.process_names;
            let slot = match kw {
                "process_name" => &mut p.parent,
                "vrrp_process_name" => &mut p.vrrp,
                "bfd_process_name" => &mut p.bfd,
                _ => &mut p.checker,
            };
            match n.arg(0) {
                None => d.warn(n.loc, "process name missing"),
                Some(v) => {
                    let mut v = v.to_string();
                    if v.len() > TASK_COMM_MAX {
                        d.warn(
                            n.loc,
                            format!("process name {v} is more than {TASK_COMM_MAX} characters - truncating"),
                        );
                        let mut end = TASK_COMM_MAX;
                        while !v.is_char_boundary(end) {
                            end -= 1;
                        }
                        v.truncate(end);
                    }
                    *slot = Some(v);
                }
            }
        }
        "snmp_socket" => match n.args().len() {
            0 => d.warn(n.loc, "snmp socket name missing"),
            1 if g.snmp.socket.is_some() => d.warn(n.loc, "snmp_socket already set - ignoring"),
            1 => g.snmp.socket = n.arg(0).map(str::to_string),
            _ => d.warn(n.loc, "too many parameters for snmp_socket - ignoring"),
        },
        "enable_traps" => g.snmp.traps = true,
        "enable_snmp_vrrp" | "enable_snmp_keepalived" => g.snmp.vrrp = true,
        "enable_snmp_checker" => g.snmp.checker = true,
        "enable_snmp_rfc" => g.snmp.rfc = true,
        "enable_snmp_rfcv2" => g.snmp.rfcv2 = true,
        "enable_snmp_rfcv3" => g.snmp.rfcv3 = true,
        "enable_dbus" => g.snmp.dbus = true,
        "dbus_service_name" => match n.arg(0) {
            Some(v) => g.snmp.dbus_service_name = Some(v.to_string()),
            None => d.warn(n.loc, "dbus_service_name missing - ignoring"),
        },
        "umask" => {
            if let Some(m) = super::extra::umask(n, d) {
                g.umask = Some(m);
            }
        }
        "random_seed" => {
            g.random_seed = unsigned(n, 0, 0, u64::from(u32::MAX), d).map(|v| v as u32)
        }
        "rs_init_notifies" => g.rs_init_notifies = opt_bool(n, d),
        "data_use_instance" => g.data_use_instance = opt_bool(n, d),
        _ => return super::extra::more(n, g, d),
    }
    true
}
