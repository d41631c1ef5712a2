//! What keepalived checks once the whole file is read: minimal instance settings, defaults that
//! depend on other settings, sync group membership, VRID conflicts and script security.
//! keepalived prints these without a line number; we report them at the block they concern.

use super::super::diag::Diagnostics;
use super::super::track::ScriptCmd;
use super::super::Config;
use super::instance::{State, VrrpInstance};
use super::notify::Notify;
use super::resolve::{resolve, tracking_weights};
use super::vrid;
use crate::config::global::DEFAULT_SCRIPT_USER;

/// Cross-references and environment checks once everything is read.
pub(crate) fn check(cfg: &mut Config, d: &mut Diagnostics) {
    let seen = cfg.global.seen_interfaces.clone();
    let exists = |name: &str| seen.iter().any(|s| s == name) || super::interface_exists(name);
    let links = vrid::LinkTable::read();
    let link = |name: &str| links.link(name).or_else(|| vrid::plain(name, &exists));
    check_links(cfg, &link, d)
}

/// [`check`] with the interface lookup supplied; every interface is taken as a plain one.
#[cfg(test)]
pub(crate) fn check_with(
    cfg: &mut Config,
    iface_exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    check_links(cfg, &|n| vrid::plain(n, iface_exists), d)
}

/// [`check`] with the interfaces (and what they are built on) supplied.
pub(crate) fn check_links(cfg: &mut Config, link: &vrid::LinkOf<'_>, d: &mut Diagnostics) {
    default_script_user(cfg, &crate::core::script::user_exists, d);
    script_security(cfg, &script_found, d);

    cfg.vrrp.instances.retain(|v| min_cfg(v, d));
    sync_groups(cfg, d);
    let global = &cfg.global;
    cfg.vrrp.instances.retain_mut(|v| resolve(v, global, d));
    tracking_weights(cfg, d);
    let allow_changes = cfg.global.vrrp.allow_if_changes;
    vrid::conflicts(&mut cfg.vrrp.instances, link, allow_changes, d);
}

/// The user a script without its own runs as: `script_user`, else `keepalived_script` when it
/// exists, else root - which `enable_script_security` refuses. keepalived decides this while
/// reading (lib/notify.c get_default_script_user): when there is no such user, or `script_user`
/// names an unknown one, it removes every vrrp_script and notify script without a user of its
/// own. Deciding here makes `-t` say so, and a running daemon never meets such a script.
fn default_script_user(cfg: &mut Config, user_exists: &dyn Fn(&str) -> bool, d: &mut Diagnostics) {
    let g = &cfg.global;
    if !g.default_script_user_fails(user_exists) {
        return;
    }
    let vrrp = &mut cfg.vrrp;
    let mut told = g.script_user_unknown;
    let mut tell_once = |d: &mut Diagnostics, loc| {
        if !std::mem::replace(&mut told, true) {
            d.warn(
                loc,
                format_args!("Unable to set default user {DEFAULT_SCRIPT_USER} for script"),
            );
        }
    };
    let mut removed = Vec::new();
    for s in &vrrp.trackers.scripts {
        if s.user.is_none() {
            tell_once(d, s.loc);
            d.warn(
                s.loc,
                format_args!(
                    "Unable to set default user for vrrp script {} - removing",
                    s.name
                ),
            );
            removed.push(s.name.clone());
        }
    }
    drop_track_scripts(vrrp, &removed);
    let notifies = vrrp
        .instances
        .iter_mut()
        .map(|i| &mut i.notify)
        .chain(vrrp.sync_groups.iter_mut().map(|g| &mut g.notify));
    for n in notifies {
        for slot in n.slots_mut() {
            if slot.as_ref().is_some_and(|c| c.run_as.is_none()) {
                if let Some(c) = slot.take() {
                    tell_once(d, c.loc);
                    let a0 = c.argv.first().map_or("", String::as_str);
                    d.warn(
                        c.loc,
                        format_args!(
                            "Failed to set default user for notify script {a0} - ignoring"
                        ),
                    );
                }
            }
        }
    }
}

/// keepalived refuses the configuration when an instance has no VRID or no interface; we drop
/// that instance and go on so every problem is listed.
fn min_cfg(v: &VrrpInstance, d: &mut Diagnostics) -> bool {
    if v.vrid.is_none() {
        d.error(
            v.loc,
            format_args!("({}) the virtual router id must be set", v.name),
        );
        return false;
    }
    // keepalived 2.2.7 needs the interface even for unicast (it looks for the unicast flag
    // before setting it).
    if v.interface.is_none() {
        d.error(v.loc, format_args!("({}) Unknown interface!", v.name));
        return false;
    }
    true
}

fn sync_groups(cfg: &mut Config, d: &mut Diagnostics) {
    // The instances a group has claimed (a few per group: a list, not a hash map's code).
    let mut claimed: Vec<String> = Vec::new();
    let instances = &cfg.vrrp.instances;
    cfg.vrrp.sync_groups.retain_mut(|g| {
        if g.members.is_empty() {
            d.error(
                g.loc,
                format_args!("Sync group {} has no virtual router(s). removing", g.name),
            );
            return false;
        }
        let at = g.group_loc.unwrap_or(g.loc);
        let mut kept = Vec::new();
        for m in &g.members {
            if !instances.iter().any(|i| &i.name == m) {
                d.warn(
                    at,
                    format_args!(
                        "Virtual router {m} specified in sync group {} doesn't exist - ignoring",
                        g.name
                    ),
                );
            } else if claimed.contains(m) {
                d.warn(
                    at,
                    format_args!(
                        "Virtual router {m} cannot exist in more than one sync group; ignoring {}",
                        g.name
                    ),
                );
            } else if !kept.contains(m) {
                kept.push(m.clone());
            }
        }
        if kept.is_empty() {
            d.error(
                g.loc,
                format_args!(
                    "Sync group {}, no matching virtual router found in group declaration - removing",
                    g.name
                ),
            );
            return false;
        }
        claimed.extend(kept.iter().cloned());
        if kept.len() == 1 {
            d.warn(
                g.loc,
                format_args!(
                    "Sync group {} has only 1 virtual router(s) - this probably isn't what you want",
                    g.name
                ),
            );
        }
        // keepalived compares the states as written: a member written as MASTER with priority
        // 255 followed by one written as BACKUP cannot work.
        let mut group_master: Option<bool> = None;
        for v in kept.iter().filter_map(|m| instances.iter().find(|i| &i.name == m)) {
            if group_master == Some(true) && v.state == Some(State::Backup) {
                d.warn(
                    g.loc,
                    format_args!("Sync group {} has some member(s) as address owner and some not as address owner. This won't work.", g.name),
                );
            }
            if group_master != Some(false) {
                group_master = Some(v.state == Some(State::Master) && v.priority == Some(255));
            }
        }
        g.members = kept;
        true
    });
}

/// Whether a command's program can be found (`None`: it is a `</path` file test, which
/// keepalived does itself without running anything).
fn script_found(argv0: &str) -> Option<bool> {
    if argv0
        .strip_prefix('<')
        .is_some_and(|r| r.trim_start().starts_with('/'))
    {
        return None;
    }
    if argv0.contains('/') {
        return Some(std::path::Path::new(argv0).is_file());
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_string());
    Some(
        path.split(':')
            .any(|dir| std::path::Path::new(dir).join(argv0).is_file()),
    )
}

/// keepalived checks the scripts only when there are instances: a track script whose program
/// cannot be found is disabled, and running any script found while `enable_script_security`
/// is off makes `-t` fail with its own exit code.
fn script_security(cfg: &mut Config, found: &dyn Fn(&str) -> Option<bool>, d: &mut Diagnostics) {
    let vrrp = &mut cfg.vrrp;
    if vrrp.instances.is_empty() {
        return;
    }
    let argv0 = |s: &ScriptCmd| s.argv.first().map_or(String::new(), Clone::clone);
    let mut missing = Vec::new();
    for s in &vrrp.trackers.scripts {
        if found(&argv0(&s.script)) == Some(false) {
            d.warn(
                s.loc,
                format_args!(
                    "Disabling track script {} since not found/accessible",
                    s.name
                ),
            );
            missing.push(s.name.clone());
        }
    }
    let is_found = |s: &ScriptCmd| found(&argv0(s)) == Some(true);
    let notify_found = |n: &Notify| n.slots().iter().any(|s| s.as_ref().is_some_and(is_found));
    let any_found = vrrp.trackers.scripts.iter().any(|s| is_found(&s.script))
        || vrrp.instances.iter().any(|i| notify_found(&i.notify))
        || vrrp.sync_groups.iter().any(|g| notify_found(&g.notify));
    if any_found && !cfg.global.enable_script_security {
        d.script_security_violation = true;
    }
    drop_track_scripts(vrrp, &missing);
}

/// Disables the vrrp_scripts named in `names`: gone, and tracked by no instance or group
/// (the config check's missing scripts, the VRRP side's insecure ones). Loops: measured
/// smaller than the chains.
pub(crate) fn drop_track_scripts(vrrp: &mut super::VrrpConfig, names: &[String]) {
    if names.is_empty() {
        return;
    }
    vrrp.trackers.scripts.retain(|s| !names.contains(&s.name));
    for i in vrrp.instances.iter_mut() {
        untrack_scripts(&mut i.track, names);
    }
    for g in vrrp.sync_groups.iter_mut() {
        untrack_scripts(&mut g.track, names);
    }
}

fn untrack_scripts(t: &mut crate::config::track::TrackList, names: &[String]) {
    t.scripts.retain(|r| !names.contains(&r.name));
}
