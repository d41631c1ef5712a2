//! What keepalived checks once the LVS side is read: group references, address families,
//! defaults it fills in with a warning (protocol, scheduler, forwarding), duplicate real
//! servers, quorum against the real servers' weights, and script security. keepalived prints
//! most of these without a line; we give them the virtual server's (or real server's) line.

use super::group::VirtualServerGroup;
use super::types::{Family, Forwarding, Protocol, Sched};
use super::virtual_server::{VirtualServer, VsAddr, DEFAULT_PERSISTENCE};
use crate::config::checker::{CheckerKind, Script};
use crate::config::diag::Diagnostics;
use crate::config::Config;

pub(crate) fn check(cfg: &mut Config, d: &mut Diagnostics) {
    let groups = std::mem::take(&mut cfg.lvs.groups);
    let mut kept = Vec::new();
    for mut vs in std::mem::take(&mut cfg.lvs.virtual_servers) {
        let group = match &vs.addr {
            VsAddr::Group(name) => {
                match groups.iter().find(|g| &g.name == name) {
                    Some(g) => Some(g),
                    None => {
                        // keepalived drops such a server without a word; say why.
                        let msg = format_args!("virtual_server_group {name} is not defined");
                        d.warn(vs.loc, format_args!("{msg} - ignoring virtual server"));
                        continue;
                    }
                }
            }
            _ => None,
        };
        if check_vs(&mut vs, group, d) {
            kept.push(vs);
        }
    }
    cfg.lvs.groups = groups;
    cfg.lvs.virtual_servers = kept;
    file_checks(cfg, d);
    default_script_user(cfg, &crate::core::script::user_exists, d);
    script_security(cfg, d);
}

/// As on the VRRP side: when keepalived cannot work out the default script user, a MISC_CHECK
/// and a notify or quorum script without a user of their own are removed
/// (check_misc.c misc_end_handler, notify.c notify_script_init).
fn default_script_user(cfg: &mut Config, user_exists: &dyn Fn(&str) -> bool, d: &mut Diagnostics) {
    if !cfg.global.default_script_user_fails(user_exists) {
        return;
    }
    let a0 = |s: &Script| s.argv.first().cloned().unwrap_or_default();
    let mut drop_notify = |slot: &mut Option<Script>, run_as_missing: bool, at, what: &str| {
        if run_as_missing {
            if let Some(s) = slot.take() {
                let msg = format_args!(
                    "Failed to set default user for {what} script {} - ignoring",
                    a0(&s)
                );
                d.warn(at, msg);
            }
        }
    };
    for vs in &mut cfg.lvs.virtual_servers {
        let [up, down] = &vs.quorum_run_as;
        let (up, down) = (up.is_none(), down.is_none());
        drop_notify(&mut vs.quorum_up, up, vs.loc, "quorum");
        drop_notify(&mut vs.quorum_down, down, vs.loc, "quorum");
        for rs in &mut vs.real_servers {
            let [up, down] = &rs.notify_run_as;
            let (up, down) = (up.is_none(), down.is_none());
            drop_notify(&mut rs.notify_up, up, rs.loc, "notify");
            drop_notify(&mut rs.notify_down, down, rs.loc, "notify");
        }
    }
    for rs in cfg
        .lvs
        .virtual_servers
        .iter_mut()
        .flat_map(|vs| vs.real_servers.iter_mut())
    {
        rs.checkers.retain(|c| match &c.kind {
            CheckerKind::Misc(m) if m.user.is_none() => {
                let cmd = m.path.as_ref().map(|s| s.cmd.clone()).unwrap_or_default();
                d.warn(
                    rs.loc,
                    format_args!("Unable to set default user for misc script '{cmd}' - removing"),
                );
                false
            }
            _ => true,
        });
    }
}

/// A FILE_CHECK names a `track_file` block that keepalived must already have read; otherwise it
/// says so and the checker is dropped. Without its own `weight` it takes the block's.
fn file_checks(cfg: &mut Config, d: &mut Diagnostics) {
    let files = &cfg.vrrp.trackers.files;
    let defined_before = |name: &str, at: crate::config::Loc| {
        files
            .iter()
            .any(|f| f.name == name && (f.loc.file != at.file || f.loc.line < at.line))
    };
    for rs in cfg
        .lvs
        .virtual_servers
        .iter_mut()
        .flat_map(|vs| vs.real_servers.iter_mut())
    {
        rs.checkers.retain(|c| match &c.kind {
            CheckerKind::File(f) if !defined_before(&f.track_file, f.track_file_loc) => {
                d.error(
                    f.track_file_loc,
                    format_args!(
                        "track_file {} not found - ignoring FILE_CHECK",
                        f.track_file
                    ),
                );
                false
            }
            _ => true,
        });
        for c in &mut rs.checkers {
            if let CheckerKind::File(f) = &mut c.kind {
                let block = files.iter().find(|t| t.name == f.track_file);
                if let (false, Some(t)) = (f.weight_given, block) {
                    f.weight = t.weight.weight;
                    f.reverse = t.weight.reverse;
                }
            }
        }
    }
}

/// False when keepalived drops the virtual server.
fn check_vs(
    vs: &mut VirtualServer,
    group: Option<&VirtualServerGroup>,
    d: &mut Diagnostics,
) -> bool {
    families(vs, group, d);
    if vs.real_servers.is_empty() {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {} has no real servers - ignoring",
                vs.describe()
            ),
        );
        return false;
    }
    let uses_fwmark = match (&vs.addr, group) {
        (VsAddr::Fwmark(_), _) => true,
        (VsAddr::Group(_), Some(g)) => !g.fwmarks.is_empty(),
        _ => false,
    };
    let has_addresses = match (&vs.addr, group) {
        (VsAddr::Ip { .. }, _) => true,
        (VsAddr::Group(_), Some(g)) => !g.ranges.is_empty(),
        _ => false,
    };
    if vs.ha_suspend && uses_fwmark {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: ha_suspend cannot be used with fwmarks - clearing",
                vs.describe()
            ),
        );
        vs.ha_suspend = false;
    }
    if has_addresses {
        address_service(vs, group, d);
    } else if vs.protocol.is_some() {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: protocol specified for fwmark - protocol will be ignored",
                vs.describe()
            ),
        );
        vs.protocol = None;
    }
    if vs.sched.is_none() {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: no scheduler set, using wlc",
                vs.describe()
            ),
        );
        vs.sched = Some(Sched::Wlc);
    }
    real_servers(vs, d);
    ports(vs, group, uses_fwmark, d);
    true
}

/// A real or sorry server of the other family is dropped unless tunnelled (the kernel can
/// carry IPv4 in IPv6 and back).
fn families(vs: &mut VirtualServer, group: Option<&VirtualServerGroup>, d: &mut Diagnostics) {
    if vs.ip_family.is_none() {
        if let Some(g) = group {
            if g.has_family(Family::Inet) != g.has_family(Family::Inet6) {
                vs.ip_family = Some(if g.has_family(Family::Inet) {
                    Family::Inet
                } else {
                    Family::Inet6
                });
            }
        }
    }
    let vs_fwd = vs.forwarding;
    let tunnelled = |f: Option<Forwarding>| matches!(f.or(vs_fwd), Some(Forwarding::Tun { .. }));
    let mut fam = vs.ip_family;
    let mut kept = Vec::new();
    for rs in std::mem::take(&mut vs.real_servers) {
        let f = Family::of(&rs.ip);
        if !tunnelled(rs.forwarding) {
            match fam {
                None => fam = Some(f),
                Some(v) if v != f => {
                    d.error(
                        rs.end,
                        format_args!(
                            "real server {} is of another address family - skipping it",
                            rs.ip
                        ),
                    );
                    continue;
                }
                _ => {}
            }
        }
        kept.push(rs);
    }
    vs.real_servers = kept;
    if let Some(s) = &vs.sorry_server {
        if !tunnelled(s.forwarding) {
            let f = Family::of(&s.ip);
            if fam.is_some_and(|v| v != f) {
                let msg = format_args!("sorry server {} is of another address family", s.ip);
                d.error(vs.end, format_args!("{msg} - skipping it"));
                vs.sorry_server = None;
            } else {
                fam = Some(f);
            }
        }
    }
    vs.ip_family = fam;
}

/// Services by address need a protocol and (without persistence) a port.
fn address_service(
    vs: &mut VirtualServer,
    group: Option<&VirtualServerGroup>,
    d: &mut Diagnostics,
) {
    if vs.protocol.is_none() {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: no protocol set - using UDP",
                vs.describe()
            ),
        );
        vs.protocol = Some(Protocol::Udp);
    }
    if vs.flags.one_packet && vs.protocol != Some(Protocol::Udp) {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: one packet scheduling (ops) needs UDP - clearing",
                vs.describe()
            ),
        );
        vs.flags.one_packet = false;
    }
    let zero_port = match (&vs.addr, group) {
        (VsAddr::Ip { port, .. }, _) => port.unwrap_or(0) == 0,
        (_, Some(g)) => g.ranges.iter().any(|r| r.port == 0),
        _ => false,
    };
    if zero_port && vs.persistence_timeout.is_none() {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: port 0 needs persistence - setting persistence_timeout {}",
                vs.describe(),
                DEFAULT_PERSISTENCE
            ),
        );
        vs.persistence_timeout = Some(DEFAULT_PERSISTENCE);
    }
}

fn real_servers(vs: &mut VirtualServer, d: &mut Diagnostics) {
    let mut kept: Vec<super::RealServer> = Vec::new();
    for rs in std::mem::take(&mut vs.real_servers) {
        if kept.iter().any(|o| o.ip == rs.ip && o.port == rs.port) {
            d.warn(
                rs.loc,
                format_args!(
                    "virtual server {}: real server {} is duplicated - removing it",
                    vs.describe(),
                    rs.ip
                ),
            );
            continue;
        }
        kept.push(rs);
    }
    vs.real_servers = kept;
    let unset = vs.real_servers.iter().any(|r| r.forwarding.is_none())
        || vs
            .sorry_server
            .as_ref()
            .is_some_and(|s| s.forwarding.is_none());
    if unset && vs.forwarding.is_none() {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: no forwarding method set, using NAT",
                vs.describe()
            ),
        );
        vs.forwarding = Some(Forwarding::Nat);
    }
    let sum: u64 = vs
        .real_servers
        .iter()
        .map(|r| u64::from(r.weight.unwrap_or(vs.weight)))
        .sum();
    if u64::from(vs.quorum) > sum {
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: quorum {} exceeds the real servers' weight {sum} - reducing it",
                vs.describe(),
                vs.quorum
            ),
        );
        vs.quorum = sum as u32;
    }
    if vs.hysteresis >= vs.quorum && (vs.hysteresis > 0 || vs.quorum > 0) {
        let h = vs.quorum.saturating_sub(1);
        d.warn(
            vs.loc,
            format_args!(
                "virtual server {}: hysteresis {} >= quorum {} - setting it to {h}",
                vs.describe(),
                vs.hysteresis,
                vs.quorum
            ),
        );
        vs.hysteresis = h;
    }
}

/// Direct routing and tunnels cannot change the port: a real server's must match the
/// service's, and with a fwmark it is ignored. For a single-address service keepalived then
/// sets the port itself (NAT real servers without a port take the service's).
fn ports(
    vs: &mut VirtualServer,
    group: Option<&VirtualServerGroup>,
    uses_fwmark: bool,
    d: &mut Diagnostics,
) {
    let vs_ports: Vec<u16> = match (&vs.addr, group) {
        (VsAddr::Ip { port, .. }, _) => vec![port.unwrap_or(0)],
        (_, Some(g)) => g.ranges.iter().map(|r| r.port).collect(),
        _ => Vec::new(),
    };
    let single = match &vs.addr {
        VsAddr::Ip { port, .. } => Some(port.unwrap_or(0)),
        _ => None,
    };
    let name = vs.describe();
    let vs_fwd = vs.forwarding;
    for rs in &mut vs.real_servers {
        let nat = rs.forwarding.or(vs_fwd) == Some(Forwarding::Nat);
        let port = rs.port.unwrap_or(0);
        if nat {
            if port == 0 {
                if let Some(p) = single {
                    rs.port = Some(p);
                }
            }
            continue;
        }
        if port == 0 {
            continue;
        }
        if uses_fwmark {
            let msg = format_args!("real server {} port {port} will be ignored", rs.ip);
            d.warn(rs.loc, format_args!("fwmark virtual server {name}: {msg}"));
            if single.is_none() && group.is_none() {
                rs.port = None;
            }
        }
        if vs_ports.iter().any(|p| *p != port) {
            let msg = format_args!("real server {} ports don't match", rs.ip);
            d.warn(rs.loc, format_args!("virtual server {name} and {msg}"));
            if let Some(p) = single {
                rs.port = Some(p);
            }
        }
    }
}

/// keepalived refuses (exit code 6 with `-t`) to run scripts it can find when
/// `enable_script_security` is off, whoever they would run as.
fn script_security(cfg: &Config, d: &mut Diagnostics) {
    if cfg.global.enable_script_security {
        return;
    }
    // Plain loops: the chained iterators over every server's scripts were ~1 KB of MIPS code.
    let found = |s: &Option<Script>| s.as_ref().is_some_and(Script::resolves);
    for vs in &cfg.lvs.virtual_servers {
        let mut any = found(&vs.quorum_up) || found(&vs.quorum_down);
        for rs in &vs.real_servers {
            any = any || found(&rs.notify_up) || found(&rs.notify_down);
            for c in &rs.checkers {
                if let CheckerKind::Misc(m) = &c.kind {
                    any = any || found(&m.path);
                }
            }
        }
        if any {
            d.script_security_violation = true;
            return;
        }
    }
}
