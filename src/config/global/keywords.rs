//! One global_defs keyword at a time, with keepalived 2.2.7's ranges. A bad value is
//! reported as a warning and the setting keeps its default, as keepalived does.

use std::net::IpAddr;

use super::super::diag::Diagnostics;
use super::super::tree::Node;
use super::super::value::{parse_sock_ip, valid_ifname};
use super::kw::Kw;
use super::types::*;
use super::values::*;
use super::{extra, scripts, GlobalDefs};
use crate::core::time::Micros;

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
            // A loop, not an Option collect: the same stop (and one warning) at the first bad
            // number, smaller.
            let mut cpus = Vec::with_capacity(n.args().len());
            for i in 0..n.args().len() {
                match unsigned(n, i, 0, max, d) {
                    Some(v) => cpus.push(v as u32),
                    None => {
                        cpus.clear();
                        break;
                    }
                }
            }
            s.cpu_affinity = cpus;
        }
        _ => {
            // keepalived still takes the old `*_rlimit_rtime` spelling without complaint.
            // The limit is halved for the soft limit, which must stay non-zero.
            s.rlimit_rttime = unsigned(n, 0, 1, u64::from(u32::MAX), d).map(|v| v.max(2) as u32);
        }
    }
}

/// Reads one keyword of a global_defs block into `g`.
/// Keywords whose keepalived 2.2.7 handler reads its value unchecked: given alone, keepalived
/// exits at once with status 2 (measured with `keepalived -t` for every global keyword).
const FATAL_WITHOUT_VALUE: &[&str] = &[
    "bfd_process_name",
    "config_save_dir",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "nftables_priority",
    "process_name",
    "random_seed",
    "smtp_connect_timeout",
    "smtp_server",
    "umask",
    "vmac_addr_prefix",
    "vmac_prefix",
    "vrrp_down_timer_adverts",
    "vrrp_garp_interval",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_master_repeat",
    "vrrp_gna_interval",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_process_name",
    "vrrp_startup_delay",
    "vrrp_version",
];

pub(super) fn parse(n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) {
    let kw = n.keyword();
    if n.args().is_empty() && FATAL_WITHOUT_VALUE.contains(&kw) {
        d.missing_parameter(n.loc, kw);
        return;
    }
    if let Some((s, what)) = proc_sched(g, kw) {
        sched(n, s, what, d);
        return;
    }
    if let Some(k) = Kw::lookup(kw) {
        if email(k, n, &mut g.email, d)
            || garp(k, n, &mut g.garp, d)
            || vrrp(k, n, g, d)
            || extra::firewall(k, n, &mut g.firewall, d)
            || extra::lvs(k, n, &mut g.lvs, d)
            || misc(k, n, g, d)
            || scripts::parse(k, n, g, d)
        {
            return;
        }
    }
    if extra::more(n, g, d) {
        return;
    }
    d.unknown_keyword(n.loc, kw);
}

fn email(k: Kw, n: &Node, e: &mut Email, d: &mut Diagnostics) -> bool {
    match k {
        Kw::NotificationEmail => {
            if n.children().is_empty() {
                // keepalived notices the empty block at its closing brace.
                d.warn(n.end_loc(), "empty notification_email block");
            }
            e.to.extend(n.block_words());
        }
        Kw::NotificationEmailFrom => e.from = string(n, d),
        Kw::SmtpServer => {
            // keepalived skips inet_stosockaddr here for a word with '-' or '/': such a
            // word must resolve as a name, so `10.0.0.1/8` stays invalid.
            let Some(host) = string(n, d) else {
                return true;
            };
            let port = n.arg(1).unwrap_or("25");
            // keepalived resolves the name while reading the config.
            let resolves = |p: u16| crate::core::resolve::socket_addr(&host, p).is_some();
            match port.parse::<u16>() {
                Ok(p) if p > 0 && resolves(p) => e.smtp_server = Some((host, p)),
                _ => d.warn(
                    n.loc,
                    format!("invalid smtp server {host} {port} - ignoring"),
                ),
            }
        }
        Kw::SmtpHeloName => e.helo_name = n.arg(0).map(str::to_string),
        Kw::SmtpConnectTimeout => {
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
        Kw::SmtpAlert | Kw::SmtpAlertVrrp | Kw::SmtpAlertChecker | Kw::CheckerLogAllFailures => {
            let slot = match k {
                Kw::SmtpAlert => &mut e.smtp_alert,
                Kw::SmtpAlertVrrp => &mut e.smtp_alert_vrrp,
                Kw::SmtpAlertChecker => &mut e.smtp_alert_checker,
                _ => &mut e.checker_log_all_failures,
            };
            *slot = opt_bool(n, d);
        }
        Kw::NoEmailFaults => e.no_email_faults = true,
        Kw::NoCheckerEmails => e.no_checker_emails = opt_bool(n, d).unwrap_or(e.no_checker_emails),
        _ => return false,
    }
    true
}

fn garp(k: Kw, n: &Node, g: &mut Garp, d: &mut Diagnostics) -> bool {
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
    match k {
        // One arm per shape: a match picks the field and its limit, then one shared read.
        Kw::VrrpGarpMasterDelay
        | Kw::VrrpGarpMasterRefresh
        | Kw::VrrpGarpLowerPrioDelay
        | Kw::VrrpGarpLowerPrioRepeat => {
            let (slot, max) = match k {
                Kw::VrrpGarpMasterDelay => (&mut g.master_delay, secs_max),
                Kw::VrrpGarpMasterRefresh => (&mut g.master_refresh, u32max),
                Kw::VrrpGarpLowerPrioDelay => (&mut g.lower_prio_delay, secs_max),
                _ => (&mut g.lower_prio_repeat, i32::MAX as u64),
            };
            *slot = unsigned(n, 0, 0, max, d).map(|v| v as u32);
        }
        Kw::VrrpGarpMasterRepeat | Kw::VrrpGarpMasterRefreshRepeat => {
            let slot = if k == Kw::VrrpGarpMasterRepeat {
                &mut g.master_repeat
            } else {
                &mut g.master_refresh_repeat
            };
            *slot = at_least_one(unsigned(n, 0, 0, u32max, d), d);
        }
        Kw::VrrpGarpInterval => g.interval = decimal_secs(n, Micros(1), d),
        Kw::VrrpGnaInterval => g.gna_interval = decimal_secs(n, Micros(1), d),
        Kw::VrrpMinGarp => g.min_garp = opt_bool(n, d).unwrap_or(g.min_garp),
        Kw::VrrpGarpExtraIf | Kw::VrrpVmacGarpIntvl => {
            if k == Kw::VrrpVmacGarpIntvl {
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

fn vrrp(k: Kw, n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    let v = &mut g.vrrp;
    match k {
        Kw::VrrpMcastGroup4 | Kw::VrrpMcastGroup6 => {
            let Some(s) = string(n, d) else { return true };
            let six = n.keyword().ends_with('6');
            match parse_sock_ip(&s).ok_or(()) {
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
        Kw::VrrpLowerPrioNoAdvert
        | Kw::VrrpHigherPrioSendAdvert
        | Kw::VrrpNotifyPriorityChanges => {
            let slot = match k {
                Kw::VrrpLowerPrioNoAdvert => &mut v.lower_prio_no_advert,
                Kw::VrrpHigherPrioSendAdvert => &mut v.higher_prio_send_advert,
                _ => &mut v.notify_priority_changes,
            };
            *slot = opt_bool(n, d);
        }
        Kw::VrrpDownTimerAdverts => {
            v.down_timer_adverts = unsigned(n, 0, 1, 100, d).map(|x| x as u32)
        }
        Kw::VrrpCheckUnicastSrc => v.check_unicast_src = true,
        Kw::VrrpSkipCheckAdvAddr => v.skip_check_adv_addr = true,
        Kw::VrrpStartupDelay => v.startup_delay = decimal_secs(n, Micros(1000), d),
        Kw::LogUnknownVrids => v.log_unknown_vrids = true,
        Kw::VmacPrefix | Kw::VmacAddrPrefix => {
            let slot = if k == Kw::VmacPrefix {
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
        Kw::VrrpRxBufsPolicy => {
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
        Kw::VrrpRxBufsMultiplier => {
            v.rx_bufs_multiplier = unsigned(n, 0, 1, u64::from(u32::MAX), d).map(|x| x as u32)
        }
        Kw::VrrpVersion => g.vrrp_version = unsigned(n, 0, 2, 3, d).map(|x| x as u8),
        Kw::VrrpStrict => g.vrrp_strict = true,
        Kw::DynamicInterfaces => {
            g.dynamic_interfaces = true;
            match n.arg(0) {
                None => {}
                Some("allow_if_changes") => v.allow_if_changes = true,
                Some(o) => d.warn(n.loc, format!("unknown dynamic_interfaces option '{o}'")),
            }
        }
        Kw::DefaultInterface => match n.arg(0) {
            Some(i) if valid_ifname(i) => g.default_interface = Some(i.to_string()),
            Some(i) => warn_bad(n, "an interface name", i, d),
            None => d.warn(n.loc, "default_interface needs an interface name"),
        },
        _ => return false,
    }
    true
}

fn misc(k: Kw, n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    match k {
        Kw::RouterId => match n.arg(0) {
            Some(v) => g.router_id = Some(v.to_string()),
            None => d.warn(n.loc, "router_id name missing - ignoring"),
        },
        Kw::MaxAutoPriority => {
            g.sched.max_auto_priority = match n.arg(0) {
                None => Some(99),
                Some(_) => signed(n, 0, -1, 99, d).map(|v| v as i32),
            }
        }
        Kw::MinAutoPriorityDelay => {
            g.sched.min_auto_priority_delay = unsigned(n, 0, 1, 10_000_000, d).map(|v| v as u32)
        }
        Kw::ProcessNames => g.process_names.defaults = true,
        Kw::ProcessName
        | Kw::VrrpProcessName
        | Kw::CheckerProcessName
        | Kw::LvsProcessName
        | Kw::BfdProcessName => {
            // lvs_process_name is the old name of checker_process_name.
            let p = &mut g.process_names;
            let slot = match k {
                Kw::ProcessName => &mut p.parent,
                Kw::VrrpProcessName => &mut p.vrrp,
                Kw::BfdProcessName => &mut p.bfd,
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
        Kw::SnmpSocket => match n.args().len() {
            0 => d.warn(n.loc, "snmp socket name missing"),
            1 if g.snmp.socket.is_some() => d.warn(n.loc, "snmp_socket already set - ignoring"),
            1 => g.snmp.socket = n.arg(0).map(str::to_string),
            _ => d.warn(n.loc, "too many parameters for snmp_socket - ignoring"),
        },
        Kw::EnableTraps => g.snmp.traps = true,
        Kw::EnableSnmpVrrp | Kw::EnableSnmpKeepalived => g.snmp.vrrp = true,
        Kw::EnableSnmpChecker => g.snmp.checker = true,
        Kw::EnableSnmpRfc => g.snmp.rfc = true,
        Kw::EnableSnmpRfcv2 => g.snmp.rfcv2 = true,
        Kw::EnableSnmpRfcv3 => g.snmp.rfcv3 = true,
        Kw::EnableDbus => g.snmp.dbus = true,
        Kw::DbusServiceName => match n.arg(0) {
            Some(v) => g.snmp.dbus_service_name = Some(v.to_string()),
            None => d.warn(n.loc, "dbus_service_name missing - ignoring"),
        },
        Kw::Umask => {
            if let Some(m) = super::extra::umask(n, d) {
                g.umask = Some(m);
            }
        }
        Kw::RandomSeed => {
            g.random_seed = unsigned(n, 0, 0, u64::from(u32::MAX), d).map(|v| v as u32)
        }
        Kw::RsInitNotifies | Kw::DataUseInstance => {
            let slot = if k == Kw::RsInitNotifies {
                &mut g.rs_init_notifies
            } else {
                &mut g.data_use_instance
            };
            *slot = opt_bool(n, d);
        }
        Kw::JsonVersion => {
            if let Some(v) = unsigned(n, 0, 1, 2, d) {
                g.json_version = Some(v as u8);
            }
        }
        Kw::JsonDumpFile => match n.args() {
            [p] if !p.is_empty() => g.json_dump_file = Some(p.clone()),
            _ => d.warn(n.loc, "json_dump_file requires a non-empty path - ignoring"),
        },
        _ => return false,
    }
    true
}
