//! The groups of settings global_defs holds. `None` everywhere means "not configured":
//! the consumer applies keepalived's default.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::core::time::Micros;

/// `user [group]` a script or FIFO runs/opens as.
pub(crate) type RunAs = (String, Option<String>);

/// notification_email and the SMTP alert settings.
#[derive(Clone, Debug, Default)]
pub(crate) struct Email {
    pub(crate) to: Vec<String>,
    pub(crate) from: Option<String>,
    /// Host (address or name) and port (default 25).
    pub(crate) smtp_server: Option<(String, u16)>,
    pub(crate) helo_name: Option<String>,
    /// Seconds (keepalived's default 30).
    pub(crate) connect_timeout: Option<u32>,
    pub(crate) smtp_alert: Option<bool>,
    pub(crate) smtp_alert_vrrp: Option<bool>,
    pub(crate) smtp_alert_checker: Option<bool>,
    pub(crate) no_email_faults: bool,
    pub(crate) checker_log_all_failures: Option<bool>,
    pub(crate) no_checker_emails: bool,
}

/// vrrp_garp_* / vrrp_gna_* defaults for instances.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Garp {
    /// Seconds (default 5; 0 = no second burst).
    pub(crate) master_delay: Option<u32>,
    pub(crate) master_repeat: Option<u32>,
    /// Seconds (default 0 = no refresh).
    pub(crate) master_refresh: Option<u32>,
    pub(crate) master_refresh_repeat: Option<u32>,
    pub(crate) lower_prio_delay: Option<u32>,
    pub(crate) lower_prio_repeat: Option<u32>,
    pub(crate) interval: Option<Micros>,
    pub(crate) gna_interval: Option<Micros>,
    /// `vrrp_min_garp`: one GARP, no repeat.
    pub(crate) min_garp: bool,
    /// `vrrp_garp_extra_if [all] SECS`: (seconds, all interfaces).
    pub(crate) extra_if: Option<(u32, bool)>,
}

/// VRRP protocol defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct VrrpDefaults {
    pub(crate) mcast_group4: Option<Ipv4Addr>,
    pub(crate) mcast_group6: Option<Ipv6Addr>,
    pub(crate) lower_prio_no_advert: Option<bool>,
    pub(crate) higher_prio_send_advert: Option<bool>,
    pub(crate) down_timer_adverts: Option<u32>,
    pub(crate) check_unicast_src: bool,
    pub(crate) skip_check_adv_addr: bool,
    pub(crate) startup_delay: Option<Micros>,
    pub(crate) log_unknown_vrids: bool,
    pub(crate) vmac_prefix: Option<String>,
    pub(crate) vmac_addr_prefix: Option<String>,
    pub(crate) notify_priority_changes: Option<bool>,
    pub(crate) rx_bufs_policy: Option<RxBufsPolicy>,
    pub(crate) rx_bufs_multiplier: Option<u32>,
    /// `dynamic_interfaces allow_if_changes`.
    pub(crate) allow_if_changes: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RxBufsPolicy {
    Mtu,
    Advert,
    Size(u32),
}

/// Firewall used for no_accept and VMAC filtering.
#[derive(Clone, Debug, Default)]
pub(crate) struct Firewall {
    /// `nftables [TABLE]` (default table "keepalived"; also set by the legacy `vrrp_iptables`).
    pub(crate) nftables: Option<String>,
    pub(crate) nftables_priority: Option<i32>,
    pub(crate) nftables_counters: bool,
    pub(crate) nftables_ifindex: bool,
    pub(crate) nftables_ipvs: Option<String>,
    pub(crate) nftables_ipvs_priority: Option<i32>,
    pub(crate) nftables_ipvs_start_fwmark: Option<u32>,
    pub(crate) disable_local_igmp: bool,
}

/// Scheduling of one child process (vrrp, checker, bfd).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProcSched {
    /// nice value, -20..=19.
    pub(crate) priority: Option<i8>,
    pub(crate) no_swap: bool,
    /// SCHED_RR priority, 1..=99.
    pub(crate) rt_priority: Option<u8>,
    pub(crate) cpu_affinity: Vec<u32>,
    /// RLIMIT_RTTIME in microseconds (at least 2).
    pub(crate) rlimit_rttime: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Sched {
    pub(crate) vrrp: ProcSched,
    pub(crate) checker: ProcSched,
    pub(crate) bfd: ProcSched,
    /// -1 (disabled, no warning) ..= 99; given alone: the maximum.
    pub(crate) max_auto_priority: Option<i32>,
    /// Microseconds.
    pub(crate) min_auto_priority_delay: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LvsTimeouts {
    pub(crate) tcp: Option<u32>,
    pub(crate) tcpfin: Option<u32>,
    pub(crate) udp: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LvsSyncDaemon {
    pub(crate) interface: String,
    pub(crate) vrrp_instance: Option<String>,
    pub(crate) sync_id: Option<u8>,
    pub(crate) maxlen: Option<u16>,
    pub(crate) port: Option<u16>,
    pub(crate) ttl: Option<u8>,
    pub(crate) group: Option<std::net::IpAddr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LvsFlushOnStop {
    /// Flush everything.
    Full,
    /// Remove only keepalived's virtual servers.
    Vs,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct LvsGlobal {
    pub(crate) timeouts: LvsTimeouts,
    pub(crate) sync_daemon: Option<LvsSyncDaemon>,
    pub(crate) flush: bool,
    pub(crate) flush_on_stop: Option<LvsFlushOnStop>,
    pub(crate) net_namespace_ipvs: Option<String>,
}

/// A FIFO for notify events and the script keepalived starts to read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fifo {
    pub(crate) name: Option<String>,
    pub(crate) owner: Option<RunAs>,
    /// Command line words and who runs it.
    pub(crate) script: Option<(Vec<String>, Option<RunAs>)>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Fifos {
    pub(crate) any: Fifo,
    pub(crate) vrrp: Fifo,
    pub(crate) lvs: Fifo,
    pub(crate) write_vrrp_states_on_reload: bool,
}

/// `startup_script` / `shutdown_script`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HookScript {
    /// The first argument as written; `argv` is its words.
    pub(crate) command: String,
    pub(crate) argv: Vec<String>,
    pub(crate) run_as: Option<RunAs>,
    /// Seconds, 1..=1000 (default 10).
    pub(crate) timeout: Option<u32>,
}

/// SNMP and DBus settings. Accepted and kept for compatibility, but there is no SNMP
/// agent or DBus service here; Debian's keepalived 2.2.7 takes these keywords without a
/// word, so reading them raises nothing either.
#[derive(Clone, Debug, Default)]
pub(crate) struct Snmp {
    pub(crate) socket: Option<String>,
    pub(crate) vrrp: bool,
    pub(crate) checker: bool,
    pub(crate) rfc: bool,
    pub(crate) rfcv2: bool,
    pub(crate) rfcv3: bool,
    pub(crate) traps: bool,
    pub(crate) dbus: bool,
    pub(crate) dbus_service_name: Option<String>,
}

/// Netlink and process-monitor receive buffer sizes: (bytes, force).
#[derive(Clone, Debug, Default)]
pub(crate) struct RcvBufs {
    pub(crate) vrrp_netlink_cmd: (Option<u32>, bool),
    pub(crate) vrrp_netlink_monitor: (Option<u32>, bool),
    pub(crate) lvs_netlink_cmd: (Option<u32>, bool),
    pub(crate) lvs_netlink_monitor: (Option<u32>, bool),
    pub(crate) process_monitor: (Option<u32>, bool),
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ProcessNames {
    /// `process_names`: use the default names.
    pub(crate) defaults: bool,
    pub(crate) parent: Option<String>,
    pub(crate) vrrp: Option<String>,
    pub(crate) checker: Option<String>,
    pub(crate) bfd: Option<String>,
}

/// Reload control and configuration housekeeping.
#[derive(Clone, Debug, Default)]
pub(crate) struct Reload {
    /// `reload_check_config [LOG_FILE]` (no file: /dev/null).
    pub(crate) check_config: Option<String>,
    pub(crate) time_file: Option<String>,
    pub(crate) repeat: bool,
    /// `reload_file [PATH]` (None inside: the default in the pid directory).
    pub(crate) file: Option<Option<String>>,
    pub(crate) config_save_dir: Option<String>,
    pub(crate) tmp_config_directory: Option<String>,
    /// `include_check [OPTIONS]`, kept as written (the reader applies it).
    pub(crate) include_check: Option<Vec<String>>,
}
