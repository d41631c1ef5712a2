//! global_defs, the namespace/instance keywords keepalived takes at the top level, and the
//! static_ipaddress / static_routes / static_rules blocks.
//!
//! keepalived reports a bad global value and goes on with its default, so every problem
//! here is a warning at the keyword's line, except where keepalived stops.

pub(crate) mod dump;
mod extra;
mod keywords;
mod kw;
mod scripts;
mod smtp;
#[cfg(test)]
mod tests;
mod types;
mod values;

use super::diag::Diagnostics;
use super::iproute::{self, NetCtx};
use super::kwtable::keyword_table;
use super::tree::Node;
use super::Config;
use crate::core::time::Micros;

pub(crate) use smtp::alert_settings;
pub(crate) use types::*;

#[derive(Clone, Debug, Default)]
pub(crate) struct GlobalDefs {
    pub(crate) router_id: Option<String>,
    /// `vrrp_version` (2 or 3; None = keepalived's default 2).
    pub(crate) vrrp_version: Option<u8>,
    /// `enable_script_security`: refuse scripts writable by non-root users.
    pub(crate) enable_script_security: bool,
    /// `script_user USER [GROUP]`: who scripts run as by default.
    pub(crate) script_user: Option<(String, Option<String>)>,
    /// `script_user` named a user or group this system lacks: keepalived then runs no script
    /// that has no user of its own.
    pub(crate) script_user_unknown: bool,
    /// `vrrp_strict`
    pub(crate) vrrp_strict: bool,
    /// `dynamic_interfaces`: interfaces may be missing at start.
    pub(crate) dynamic_interfaces: bool,
    /// Not from the file: see [`LoadOptions`](crate::config::LoadOptions)'s `seen_interfaces`.
    pub(crate) seen_interfaces: Vec<String>,
    /// `notify_fifo` / `vrrp_notify_fifo` / `lvs_notify_fifo` names (details in `fifos`).
    notify_fifo: Option<String>,
    vrrp_notify_fifo: Option<String>,
    lvs_notify_fifo: Option<String>,
    pub(crate) fifos: Fifos,
    /// `default_interface` for static addresses (keepalived's default eth0).
    pub(crate) default_interface: Option<String>,
    pub(crate) email: Email,
    pub(crate) garp: Garp,
    pub(crate) vrrp: VrrpDefaults,
    pub(crate) firewall: Firewall,
    sched: Sched,
    pub(crate) lvs: LvsGlobal,
    startup_script: Option<HookScript>,
    shutdown_script: Option<HookScript>,
    pub(crate) snmp: Snmp,
    pub(crate) rcv_bufs: RcvBufs,
    process_names: ProcessNames,
    reload: Reload,
    /// Top level: `net_namespace NAME`.
    pub(crate) net_namespace: Option<String>,
    namespace_with_ipsets: bool,
    /// Top level: `instance NAME`.
    instance: Option<String>,
    use_pid_dir: bool,
    linkbeat_use_polling: bool,
    /// Seconds the parent waits for children to exit (default 5).
    child_wait_time: Option<u32>,
    umask: Option<u32>,
    random_seed: Option<u32>,
    pub(crate) rs_init_notifies: Option<bool>,
    data_use_instance: Option<bool>,
    /// `json_version` (keepalived 2.2.8+): 2 wraps the instances as `{"vrrp":[...]}`;
    /// None = 1, 2.2.7's bare array.
    pub(crate) json_version: Option<u8>,
    /// `json_dump_file PATH` (2.2.8+): where the JSON signal writes, else
    /// `$TMPDIR/keepalived.json`.
    pub(crate) json_dump_file: Option<String>,
    /// Names of the top-level `track_group` blocks seen so far, for the static_* lines
    /// that refer to them (the blocks themselves are the VRRP section's).
    track_groups: Vec<String>,
}

impl GlobalDefs {
    /// keepalived's default for `vrrp_garp_master_delay`.
    pub(crate) fn garp_master_delay(&self) -> u32 {
        self.garp.master_delay.unwrap_or(5)
    }

    pub(crate) fn startup_delay(&self) -> Micros {
        self.vrrp.startup_delay.unwrap_or(Micros(0))
    }

    /// `bfd_priority`, `bfd_rt_priority`, `bfd_no_swap`, `bfd_cpu_affinity`,
    /// `bfd_rlimit_rttime`: what the BFD child applies to itself.
    pub(crate) fn bfd_sched(&self) -> &ProcSched {
        &self.sched.bfd
    }

    /// What a child sets itself from `<child>_priority`, `_rt_priority`, `_rlimit_rttime`,
    /// `_no_swap`, `_cpu_affinity` and its process name (keepalived's default under
    /// `process_names`: keepalived_vrrp, keepalived_lvs, keepalived_bfd).
    pub(crate) fn child_sched(&self, c: Child) -> (crate::core::sched::Sched<'_>, Option<&str>) {
        let (s, name, default) = match c {
            Child::Vrrp => (
                &self.sched.vrrp,
                &self.process_names.vrrp,
                "keepalived_vrrp",
            ),
            Child::Checker => (
                &self.sched.checker,
                &self.process_names.checker,
                "keepalived_lvs",
            ),
            Child::Bfd => (&self.sched.bfd, &self.process_names.bfd, "keepalived_bfd"),
        };
        let name = name
            .as_deref()
            .or(self.process_names.defaults.then_some(default));
        let sched = crate::core::sched::Sched {
            nice: s.priority,
            rt_priority: s.rt_priority,
            rlimit_rttime: s.rlimit_rttime,
            no_swap: s.no_swap,
            cpus: &s.cpu_affinity,
        };
        (sched, name)
    }
}

/// The children that set their own scheduling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Child {
    Vrrp,
    Checker,
    Bfd,
}

/// How the global settings read address, route and rule lines: here, not in `iproute`, so
/// that the line readers know nothing of global_defs.
impl NetCtx {
    pub(crate) fn from_global(g: &GlobalDefs, static_block: bool) -> NetCtx {
        NetCtx {
            dynamic_interfaces: g.dynamic_interfaces,
            static_block,
            default_interface: g.default_interface.clone(),
            track_groups: static_block.then(|| g.track_groups.clone()),
            lookup: None,
            seen: g.seen_interfaces.clone(),
        }
    }
}

/// Handles the top-level keywords this module owns; false for others.
impl GlobalDefs {
    /// keepalived cannot work out a default script user (lib/notify.c get_default_script_user):
    /// `script_user` names an unknown user, or script security is on, no `script_user` is given
    /// and `keepalived_script` does not exist. Scripts without a user of their own are removed.
    pub(crate) fn default_script_user_fails(&self, user_exists: &dyn Fn(&str) -> bool) -> bool {
        self.script_user_unknown
            || (self.script_user.is_none()
                && self.enable_script_security
                && !user_exists(DEFAULT_SCRIPT_USER))
    }
}

/// The user scripts run as when neither they nor `script_user` name one, if it exists.
pub(crate) const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

keyword_table! {
    /// The top-level keywords this module reads (`track_group` only for its name).
    enum Top {
        "global_defs" => GlobalDefs,
        "static_ipaddress" => StaticIpaddress,
        "static_routes" => StaticRoutes,
        "static_rules" => StaticRules,
        "net_namespace" => NetNamespace,
        "net_namespace_ipvs" => NetNamespaceIpvs,
        "namespace_with_ipsets" => NamespaceWithIpsets,
        "use_pid_dir" => UsePidDir,
        "instance" => Instance,
        "linkbeat_use_polling" => LinkbeatUsePolling,
        "track_group" => TrackGroup,
        "child_wait_time" => ChildWaitTime,
    }
}

pub(crate) fn parse_top(n: &Node, cfg: &mut Config, d: &mut Diagnostics) -> bool {
    let g = &mut cfg.global;
    let Some(k) = Top::lookup(n.keyword()) else {
        return false;
    };
    match k {
        Top::GlobalDefs => {
            for c in n.children() {
                keywords::parse(c, g, d);
            }
            // Start/stop hooks run as root unless a user is given for them or globally
            // (keepalived then refuses them without enable_script_security).
            let as_root = |h: &Option<HookScript>| {
                h.as_ref().is_some_and(|h| {
                    let user = h.run_as.as_ref().or(g.script_user.as_ref());
                    user.is_none_or(|(u, _)| u == "root" || u == "0")
                })
            };
            if !g.enable_script_security
                && (as_root(&g.startup_script) || as_root(&g.shutdown_script))
            {
                d.script_security_violation = true;
            }
        }
        Top::StaticIpaddress | Top::StaticRoutes | Top::StaticRules => {
            let ctx = NetCtx::from_global(g, true);
            iproute::parse_static_block(n, &ctx, &mut cfg.net, d);
        }
        Top::NetNamespace => set_once(n, &mut g.net_namespace, "net_namespace", d),
        Top::NetNamespaceIpvs => {
            // Given alone it means the default namespace.
            g.lvs.net_namespace_ipvs = Some(n.arg(0).unwrap_or_default().to_string());
        }
        Top::NamespaceWithIpsets => g.namespace_with_ipsets = true,
        Top::UsePidDir => g.use_pid_dir = true,
        Top::Instance => set_once(n, &mut g.instance, "instance", d),
        Top::LinkbeatUsePolling => g.linkbeat_use_polling = true,
        Top::TrackGroup => {
            if let Some(name) = n.arg(0) {
                g.track_groups.push(name.to_string());
            }
            return false;
        }
        Top::ChildWaitTime => {
            if let Some(v) = values::unsigned(n, 0, 0, u64::from(u32::MAX), d) {
                g.child_wait_time = Some(v as u32);
            }
        }
    }
    true
}

fn set_once(n: &Node, slot: &mut Option<String>, what: &str, d: &mut Diagnostics) {
    match n.arg(0) {
        None => d.warn(n.loc, format_args!("{what} name missing - ignoring")),
        Some(v) if slot.is_some() => d.warn(
            n.loc,
            format_args!("duplicate {what} definition {v} - ignoring"),
        ),
        Some(v) => *slot = Some(v.to_string()),
    }
}
