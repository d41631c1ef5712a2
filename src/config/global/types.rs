//! The groups of settings global_defs holds. `None` everywhere means "not configured":
//! the consumer applies keepalived's default.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::core::time::Micros;

/// `user [group]` a script or FIFO runs/opens as.
pub type RunAs = (String, Option<String>);

/// notification_email and the SMTP alert settings.
#[derive(Clone, Debug, Default)]
pub struct Email {
    pub to: Vec<String>,
    pub from: Option<String>,
    /// Host (address or name) and port (default 25).
    pub smtp_server: Option<(String, u16)>,
    pub helo_name: Option<String>,
    /// Seconds (keepalived's default 30).
    pub connect_timeout: Option<u32>,
    pub smtp_alert: Option<bool>,
    pub smtp_alert_vrrp: Option<bool>,
    pub smtp_alert_checker: Option<bool>,
    pub no_email_faults: bool,
    pub checker_log_all_failures: Option<bool>,
    pub no_checker_emails: bool,
}

/// vrrp_garp_* / vrrp_gna_* defaults for instances.
#[derive(Clone, Debug, Default)]
pub struct Garp {
    /// Seconds (default 5; 0 = no second burst).
    pub master_delay: Option<u32>,
    pub master_repeat: Option<u32>,
    /// Seconds (default 0 = no refresh).
    pub master_refresh: Option<u32>,
    pub master_refresh_repeat: Option<u32>,
    pub lower_prio_delay: Option<u32>,
    pub lower_prio_repeat: Option<u32>,
    pub interval: Option<Micros>,
    pub gna_interval: Option<Micros>,
    /// `vrrp_min_garp`: one GARP, no repeat.
    pub min_garp: bool,
    /// `vrrp_garp_extra_if [all] SECS`: (seconds, all interfaces).
    pub extra_if: Option<(u32, bool)>,
}

/// VRRP protocol defaults.
#[derive(Clone, Debug, Default)]
pub struct VrrpDefaults {
    pub mcast_group4: Option<Ipv4Addr>,
    pub mcast_group6: Option<Ipv6Addr>,
    pub lower_prio_no_advert: Option<bool>,
    pub higher_prio_send_advert: Option<bool>,
    pub down_timer_adverts: Option<u32>,
    pub check_unicast_src: bool,
    pub skip_check_adv_addr: bool,
    pub startup_delay: Option<Micros>,
    pub log_unknown_vrids: bool,
    pub vmac_prefix: Option<String>,
    pub vmac_addr_prefix: Option<String>,
    pub notify_priority_changes: Option<bool>,
    pub rx_bufs_policy: Option<RxBufsPolicy>,
    pub rx_bufs_multiplier: Option<u32>,
    /// `dynamic_interfaces allow_if_changes`.
    pub allow_if_changes: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxBufsPolicy {
    Mtu,
    Advert,
    Size(u32),
}

/// Firewall used for no_accept and VMAC filtering.
#[derive(Clone, Debug, Default)]
pub struct Firewall {
    /// `nftables [TABLE]` (default table "keepalived"; also set by the legacy `vrrp_iptables`).
    pub nftables: Option<String>,
    pub nftables_priority: Option<i32>,
    pub nftables_counters: bool,
    pub nftables_ifindex: bool,
    pub nftables_ipvs: Option<String>,
    pub nftables_ipvs_priority: Option<i32>,
    pub nftables_ipvs_start_fwmark: Option<u32>,
    pub disable_local_igmp: bool,
}

/// Scheduling of one child process (vrrp, checker, bfd).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcSched {
    /// nice value, -20..=19.
    pub priority: Option<i8>,
    pub no_swap: bool,
    /// SCHED_RR priority, 1..=99.
    pub rt_priority: Option<u8>,
    pub cpu_affinity: Vec<u32>,
    /// RLIMIT_RTTIME in microseconds (at least 2).
    pub rlimit_rttime: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct Sched {
    pub vrrp: ProcSched,
    pub checker: ProcSched,
    pub bfd: ProcSched,
    /// -1 (disabled, no warning) ..= 99; given alone: the maximum.
    pub max_auto_priority: Option<i32>,
    /// Microseconds.
    pub min_auto_priority_delay: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LvsTimeouts {
    pub tcp: Option<u32>,
    pub tcpfin: Option<u32>,
    pub udp: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LvsSyncDaemon {
    pub interface: String,
    pub vrrp_instance: Option<String>,
    pub sync_id: Option<u8>,
    pub maxlen: Option<u16>,
    pub port: Option<u16>,
    pub ttl: Option<u8>,
    pub group: Option<std::net::IpAddr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LvsFlushOnStop {
    /// Flush everything.
    Full,
    /// Remove only keepalived's virtual servers.
    Vs,
}

#[derive(Clone, Debug, Default)]
pub struct LvsGlobal {
    pub timeouts: LvsTimeouts,
    pub sync_daemon: Option<LvsSyncDaemon>,
    pub flush: bool,
    pub flush_on_stop: Option<LvsFlushOnStop>,
    pub net_namespace_ipvs: Option<String>,
}

/// A FIFO for notify events and the script keepalived starts to read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fifo {
    pub name: Option<String>,
    pub owner: Option<RunAs>,
    /// Command line words and who runs it.
    pub script: Option<(Vec<String>, Option<RunAs>)>,
}

#[derive(Clone, Debug, Default)]
pub struct Fifos {
    pub any: Fifo,
    pub vrrp: Fifo,
    pub lvs: Fifo,
    pub write_vrrp_states_on_reload: bool,
}

/// `startup_script` / `shutdown_script`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookScript {
    /// The first argument as written; `argv` is its words.
    pub command: String,
    pub argv: Vec<String>,
    pub run_as: Option<RunAs>,
    /// Seconds, 1..=1000 (default 10).
    pub timeout: Option<u32>,
}

/// SNMP and DBus settings. Accepted and kept for compatibility, but there is no SNMP
/// agent or DBus service here; Debian's keepalived 2.2.7 takes these keywords without a
/// word, so reading them raises nothing either.
#[derive(Clone, Debug, Default)]
pub struct Snmp {
    pub socket: Option<String>,
    pub vrrp: bool,
    pub checker: bool,
    pub rfc: bool,
    pub rfcv2: bool,
    pub rfcv3: bool,
    pub traps: bool,
    pub dbus: bool,
    pub dbus_service_name: Option<String>,
}

/// Netlink and process-monitor receive buffer sizes: (bytes, force).
#[derive(Clone, Debug, Default)]
pub struct RcvBufs {
    pub vrrp_netlink_cmd: (Option<u32>, bool),
    pub vrrp_netlink_monitor: (Option<u32>, bool),
    pub lvs_netlink_cmd: (Option<u32>, bool),
    pub lvs_netlink_monitor: (Option<u32>, bool),
    pub process_monitor: (Option<u32>, bool),
}

#[derive(Clone, Debug, Default)]
pub struct ProcessNames {
    /// `process_names`: use the default names.
    pub defaults: bool,
    pub parent: Option<String>,
    pub vrrp: Option<String>,
    pub checker: Option<String>,
    pub bfd: Option<String>,
}

/// Reload control and configuration housekeeping.
#[derive(Clone, Debug, Default)]
pub struct Reload {
    /// `reload_check_config [LOG_FILE]` (no file: /dev/null).
    pub check_config: Option<String>,
    pub time_file: Option<String>,
    pub repeat: bool,
    /// `reload_file [PATH]` (None inside: the default in the pid directory).
    pub file: Option<Option<String>>,
    pub config_save_dir: Option<String>,
    pub tmp_config_directory: Option<String>,
    /// `include_check [OPTIONS]`, kept as written (the reader applies it).
    pub include_check: Option<Vec<String>>,
}
