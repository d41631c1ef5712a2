//! The global_defs keywords with a syntax of their own: firewall, LVS (lvs_sync_daemon,
//! lvs_timeouts), umask, and the receive-buffer and reload housekeeping settings.

use super::super::diag::Diagnostics;
use super::super::tree::Node;
use super::super::value::{parse_sock_ip, valid_ifname};
use super::kw::Kw;
use super::types::*;
use super::values::{opt_bool, signed, unsigned, warn_bad, LVS_MAX_TIMEOUT};
use super::GlobalDefs;

/// `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`.
pub(super) fn sync_daemon(n: &Node, l: &mut LvsGlobal, d: &mut Diagnostics) {
    if let Some(s) = &l.sync_daemon {
        d.warn(
            n.loc,
            format_args!(
                "lvs_sync_daemon already given as {} - ignoring",
                s.interface
            ),
        );
        return;
    }
    let Some(ifname) = n.arg(0) else {
        d.warn(n.loc, "lvs_sync_daemon needs an interface");
        return;
    };
    if !valid_ifname(ifname) {
        d.warn(
            n.loc,
            format_args!("lvs_sync_daemon interface name '{ifname}' invalid - ignoring"),
        );
        return;
    }
    let mut s = LvsSyncDaemon {
        interface: ifname.to_string(),
        ..LvsSyncDaemon::default()
    };
    let mut i = 1;
    while let Some(opt) = n.arg(i) {
        let has_val = n.arg(i + 1).is_some();
        match opt {
            "id" | "maxlen" | "port" | "ttl" | "group" if !has_val => {
                d.warn(
                    n.loc,
                    format_args!("no value given for lvs_sync_daemon {opt} - ignoring"),
                );
            }
            "id" => s.sync_id = unsigned(n, i + 1, 0, 255, d).map(|v| v as u8),
            "maxlen" => s.maxlen = unsigned(n, i + 1, 1, 65535 - 20 - 8, d).map(|v| v as u16),
            "port" => s.port = unsigned(n, i + 1, 1, 65535, d).map(|v| v as u16),
            "ttl" => s.ttl = unsigned(n, i + 1, 1, 255, d).map(|v| v as u8),
            "group" => {
                let v = n.arg(i + 1).unwrap_or_default();
                match parse_sock_ip(v).ok_or(()) {
                    Ok(a) if a.is_multicast() => s.group = Some(a),
                    Ok(_) => d.warn(
                        n.loc,
                        format_args!(
                            "lvs_sync_daemon group address {v} is not multicast - ignoring"
                        ),
                    ),
                    Err(_) => warn_bad(n, "a multicast address", v, d),
                }
            }
            "inst" if has_val => {
                s.vrrp_instance = n.arg(i + 1).map(str::to_string);
            }
            _ if i == 1 => {
                // The instance name may be given without `inst` (old syntax).
                s.vrrp_instance = Some(opt.to_string());
                i += 1;
                continue;
            }
            _ if i == 2 && opt.bytes().all(|b| b.is_ascii_digit()) => {
                d.warn(
                    n.loc,
                    "use the keyword 'id' before the lvs_sync_daemon sync id",
                );
                s.sync_id = unsigned(n, i, 0, 255, d).map(|v| v as u8);
                i += 1;
                continue;
            }
            _ => {
                d.warn(
                    n.loc,
                    format_args!("unknown lvs_sync_daemon option '{opt}'"),
                );
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    l.sync_daemon = Some(s);
}

/// `umask NUMBER` (hex, octal or decimal) or `umask IRUSR|IWGRP|...`.
pub(super) fn umask(n: &Node, d: &mut Diagnostics) -> Option<u32> {
    let first = n.arg(0)?;
    if first.starts_with(|c: char| c.is_ascii_digit()) {
        if n.args().len() != 1 {
            d.warn(n.loc, "extra parameters to umask - ignoring");
            return None;
        }
        let v =
            crate::config::iproute::tables::parse_c_unsigned(first).filter(|v| *v & !0o777 == 0);
        if v.is_none() {
            d.warn(
                n.loc,
                format_args!("invalid umask value {first} - ignoring"),
            );
        }
        return v.map(|v| v as u32);
    }
    const BITS: &[(&str, u32)] = &[
        ("IRUSR", 0o400),
        ("IWUSR", 0o200),
        ("IXUSR", 0o100),
        ("IRGRP", 0o040),
        ("IWGRP", 0o020),
        ("IXGRP", 0o010),
        ("IROTH", 0o004),
        ("IWOTH", 0o002),
        ("IXOTH", 0o001),
    ];
    let mut mask = 0;
    let mut need_or = false;
    for w in n.args() {
        let mut p = w.as_str();
        while !p.is_empty() {
            if need_or {
                match p.strip_prefix('|') {
                    Some(rest) => {
                        p = rest;
                        need_or = false;
                        continue;
                    }
                    None => {
                        d.warn(n.loc, format_args!("invalid umask syntax {w} - ignoring"));
                        return None;
                    }
                }
            }
            let Some((name, bit)) = BITS.iter().find(|(b, _)| p.starts_with(b)) else {
                d.warn(n.loc, format_args!("unknown umask bit {p} - ignoring"));
                return None;
            };
            mask |= bit;
            p = &p[name.len()..];
            need_or = true;
        }
    }
    if !need_or {
        d.warn(n.loc, "umask missing bit value - ignoring");
        return None;
    }
    Some(mask)
}

/// Receive buffers and reload housekeeping; false when the keyword is not one of these.
pub(super) fn more(n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    let kw = n.keyword();
    let b = &mut g.rcv_bufs;
    let bufs = match kw.trim_end_matches("_force") {
        "vrrp_netlink_cmd_rcv_bufs" => Some(&mut b.vrrp_netlink_cmd),
        "vrrp_netlink_monitor_rcv_bufs" => Some(&mut b.vrrp_netlink_monitor),
        "lvs_netlink_cmd_rcv_bufs" => Some(&mut b.lvs_netlink_cmd),
        "lvs_netlink_monitor_rcv_bufs" => Some(&mut b.lvs_netlink_monitor),
        "process_monitor_rcv_bufs" => Some(&mut b.process_monitor),
        _ => None,
    };
    if let Some(slot) = bufs {
        if kw.ends_with("_force") {
            if let Some(f) = opt_bool(n, d) {
                slot.1 = f;
            }
        } else if let Some(v) = unsigned(n, 0, 0, u64::from(u32::MAX), d) {
            slot.0 = Some(v as u32);
        }
        return true;
    }
    let r = &mut g.reload;
    match kw {
        "reload_check_config" => r.check_config = Some(n.arg(0).unwrap_or("/dev/null").to_string()),
        "reload_time_file" => match n.args() {
            [f] => r.time_file = Some(f.clone()),
            _ => d.warn(
                n.loc,
                "reload_time_file needs exactly one file name - ignoring",
            ),
        },
        "reload_repeat" => r.repeat = true,
        "reload_file" => r.file = Some(n.arg(0).map(str::to_string)),
        "config_save_dir" => match n.arg(0) {
            Some(v) => r.config_save_dir = Some(v.to_string()),
            None => d.warn(n.loc, "config_save_dir missing directory name"),
        },
        "tmp_config_directory" => {
            if r.tmp_config_directory.is_some() {
                d.warn(n.loc, "tmp_config_directory already given - ignoring");
            } else {
                match n.arg(0) {
                    Some(v) => r.tmp_config_directory = Some(v.to_string()),
                    None => d.warn(n.loc, "tmp_config_directory missing directory name"),
                }
            }
        }
        "include_check" => {
            const OPTS: &[&str] = &["readable", "match", "wildcard_match", "brace_match"];
            for a in n.args() {
                let o = a.trim_start_matches(['+', '-']);
                if !OPTS.contains(&o) {
                    d.warn(n.loc, format_args!("unknown include_check option '{a}'"));
                }
            }
            r.include_check = Some(n.args().to_vec());
        }
        _ => return false,
    }
    true
}

pub(super) fn firewall(k: Kw, n: &Node, f: &mut Firewall, d: &mut Diagnostics) -> bool {
    match k {
        // keepalived 2.2.7 as Debian builds it (nftables, no iptables/ipset support)
        // maps vrrp_iptables to nftables with a warning and does not know vrrp_ipsets.
        Kw::VrrpIptables => {
            d.warn(n.loc, "iptables not supported, using nftables instead - replace 'vrrp_iptables' with 'nftables'");
            f.nftables.get_or_insert_with(|| "keepalived".to_string());
        }
        Kw::VrrpIpsets => d.warn(n.loc, "ipsets are not supported - use 'nftables'"),
        Kw::Nftables | Kw::NftablesIpvs => {
            let slot = if k == Kw::Nftables {
                &mut f.nftables
            } else {
                &mut f.nftables_ipvs
            };
            let name = n.arg(0).unwrap_or("keepalived");
            if slot.is_some() {
                d.warn(
                    n.loc,
                    format_args!("'{}' already given - ignoring", n.keyword()),
                );
            } else if name.len() >= 256 {
                d.warn(n.loc, "nftables table name too long - ignoring");
            } else {
                *slot = Some(name.to_string());
            }
        }
        Kw::NftablesPriority => {
            f.nftables_priority =
                signed(n, 0, i64::from(i32::MIN), i64::from(i32::MAX), d).map(|v| v as i32)
        }
        Kw::NftablesIpvsPriority => {
            f.nftables_ipvs_priority =
                signed(n, 0, i64::from(i32::MIN), i64::from(i32::MAX), d).map(|v| v as i32)
        }
        Kw::NftablesIpvsStartFwmark => {
            f.nftables_ipvs_start_fwmark =
                unsigned(n, 0, 1, u64::from(u32::MAX), d).map(|v| v as u32)
        }
        Kw::NftablesCounters => f.nftables_counters = true,
        Kw::NftablesIfindex => f.nftables_ifindex = true,
        Kw::DisableLocalIgmp => f.disable_local_igmp = true,
        _ => return false,
    }
    true
}

pub(super) fn lvs(k: Kw, n: &Node, l: &mut LvsGlobal, d: &mut Diagnostics) -> bool {
    match k {
        Kw::LvsTimeouts => {
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
                            format_args!("unknown lvs_timeouts option '{opt}' - ignoring"),
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
        Kw::LvsSyncDaemon => sync_daemon(n, l, d),
        Kw::LvsFlush => l.flush = true,
        Kw::LvsFlushOnStop | Kw::LvsFlushOnstop => match n.arg(0) {
            None => l.flush_on_stop = Some(LvsFlushOnStop::Full),
            Some("VS") => l.flush_on_stop = Some(LvsFlushOnStop::Vs),
            Some(o) => d.warn(n.loc, format_args!("unknown lvs_flush_on_stop type '{o}'")),
        },
        _ => return false,
    }
    true
}
