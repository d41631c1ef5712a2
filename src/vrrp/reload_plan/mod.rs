//! What a SIGHUP reload does with the running instances, decided without I/O: which running
//! instance each new one continues (keepalived's matching, [`pair`]), which addresses a kept
//! instance loses and gains, and whether its settings changed. shell/reload.rs carries it out.

use crate::config::iproute::IpAddress;
use crate::config::located::{same_lists, Located};
use crate::config::track::TrackList;
use crate::config::vrrp::{Notify, VrrpInstance};
use crate::config::Config;
use crate::vrrp::router::{pair, InstanceId};

/// For each running instance (`running`: its index among `old`'s instances), the index of the
/// new instance it continues as. One that cannot run (`runs` false) continues none: the
/// running one stops.
pub fn successors(
    old: &Config,
    running: &[usize],
    new: &Config,
    runs: impl Fn(usize) -> bool,
) -> Vec<Option<usize>> {
    // Loops, not map/collect chains: measured smaller.
    let mut old_ids = Vec::with_capacity(running.len());
    for &i in running {
        old_ids.push(InstanceId::of(old, i));
    }
    let mut new_ids = Vec::with_capacity(new.vrrp.instances.len());
    for j in 0..new.vrrp.instances.len() {
        new_ids.push(InstanceId::of(new, j));
    }
    let mut out = pair(&old_ids, &new_ids);
    for p in out.iter_mut() {
        *p = p.filter(|&j| runs(j));
    }
    out
}

/// [`successors`] the other way: for each of the `new` instances, the running one it continues.
pub fn predecessors(successors: &[Option<usize>], new: usize) -> Vec<Option<usize>> {
    let mut of = vec![None; new];
    for (i, p) in successors.iter().enumerate() {
        if let Some(j) = *p {
            of[j] = Some(i);
        }
    }
    of
}

/// What a kept instance's addresses (VIPs then eVIPs) lose and gain across a reload.
#[derive(Debug, Default, PartialEq)]
pub struct AddrDiff {
    pub gone: Vec<IpAddress>,
    pub added: Vec<IpAddress>,
}

/// The addresses `was` has and `will` lacks, and the other way; where they are written in the
/// file does not count.
pub fn addr_diff(was: &VrrpInstance, will: &VrrpInstance) -> AddrDiff {
    let (was, will) = (addresses(was), addresses(will));
    AddrDiff {
        gone: missing(&was, &will),
        added: missing(&will, &was),
    }
}

/// The address changes of a reload, for each running instance `i` (at `running[i]` in `old`)
/// kept as `successors[i]` of `new` while `vips_set(i)`: its VIPs and eVIPs to remove now,
/// and (by new index) those to add once every removal is done, so that an address moving
/// from one instance to another ends up installed.
pub fn vip_moves(
    old: &Config,
    running: &[usize],
    successors: &[Option<usize>],
    new: &Config,
    vips_set: impl Fn(usize) -> bool,
) -> Vec<(usize, usize, AddrDiff)> {
    let mut moves = Vec::new();
    for (i, p) in successors.iter().enumerate() {
        if let Some(j) = p.filter(|_| vips_set(i)) {
            let was = &old.vrrp.instances[running[i]];
            moves.push((i, j, addr_diff(was, &new.vrrp.instances[j])));
        }
    }
    moves
}

/// VIPs then eVIPs: everything an instance installs when it becomes MASTER.
fn addresses(v: &VrrpInstance) -> Vec<&IpAddress> {
    let mut out = Vec::with_capacity(v.vips.len() + v.evips.len());
    for a in v.vips.iter().chain(&v.evips) {
        out.push(a);
    }
    out
}

/// The addresses of `from` that `to` lacks, in `from`'s order.
fn missing(from: &[&IpAddress], to: &[&IpAddress]) -> Vec<IpAddress> {
    let mut out = Vec::new();
    for a in from {
        if !to.iter().any(|b| a.same_as(b)) {
            out.push((*a).clone());
        }
    }
    out
}

/// Whether instance `old_idx` of `old` continues as `new_idx` of `new` with other settings
/// (which the shell logs): its settings without their places in the file, plus the global
/// settings instances inherit.
pub fn settings_changed(old: &Config, old_idx: usize, new: &Config, new_idx: usize) -> bool {
    let (g, h) = (&old.global, &new.global);
    !same_settings(&old.vrrp.instances[old_idx], &new.vrrp.instances[new_idx])
        || g.garp != h.garp
        || g.vrrp != h.vrrp
        || g.default_interface != h.default_interface
        || g.vrrp_version != h.vrrp_version
}

/// Whether `a` and `b` are equal but for where they are in the file, so that moving a block
/// (or a line inside it) is not a change: field by field, the lists with their items'
/// [`Located`] comparison, rather than as whole copies with their places reset. The pattern
/// names every field, so a field added to `VrrpInstance` fails to build until it is
/// compared here.
fn same_settings(a: &VrrpInstance, b: &VrrpInstance) -> bool {
    macro_rules! same {
        ($($f:ident),* ; $($placed:ident),*) => {{
            let VrrpInstance { loc: _, end_line: _, track: _, notify: _, $($f: _,)* $($placed: _,)* } = a;
            $(a.$f == b.$f &&)* $(same_lists(&a.$placed, &b.$placed) &&)* true
        }};
    }
    let TrackList {
        interfaces,
        scripts,
        files,
        processes,
        bfds,
    } = &a.track;
    let t = &b.track;
    let tracks = [
        (interfaces, &t.interfaces),
        (scripts, &t.scripts),
        (files, &t.files),
        (processes, &t.processes),
        (bfds, &t.bfds),
    ];
    let Notify {
        master,
        backup,
        fault,
        stop,
        deleted,
        generic,
        master_rx_lower_pri,
    } = &a.notify;
    let n = &b.notify;
    let scripts = [
        (master, &n.master),
        (backup, &n.backup),
        (fault, &n.fault),
        (stop, &n.stop),
        (generic, &n.generic),
        (master_rx_lower_pri, &n.master_rx_lower_pri),
    ];
    let deleted = match (deleted, &n.deleted) {
        (Some(x), Some(y)) => same_lists(x.as_slice(), y.as_slice()),
        (x, y) => x.is_none() && y.is_none(),
    };
    same!(name, state, interface, vrf, use_vmac, use_vmac_addr, vmac_xmit_base, use_ipvlan,
        native_ipv6, dont_track_primary, src_ip, mcast_dst_ip, track_src_ip, unicast_configured,
        unicast_fault_no_peer, check_unicast_src, unicast_ttl, old_unicast_checksum, version, vrid,
        priority, advert_int, auth, no_virtual_ipaddress, promote_secondaries, nopreempt,
        preempt_delay, strict_mode, garp_master_delay, garp_master_repeat, garp_master_refresh,
        garp_master_refresh_repeat, garp_lower_prio_delay, garp_lower_prio_repeat, garp_extra_if,
        down_timer_adverts, timer_expired_backup, lower_prio_no_advert, higher_prio_send_advert,
        owner_ignore_adverts, accept, skip_check_adv_addr, v3_checksum_as_v2, linkbeat_use_polling,
        debug, kernel_rx_buf_size, smtp_alert, notify_priority_changes, family, resolved;
        vips, evips, routes, rules, unicast_peers)
        && tracks.into_iter().all(|(x, y)| same_lists(x, y))
        && scripts
            .into_iter()
            .all(|(x, y)| same_lists(x.as_slice(), y.as_slice()))
        && deleted
}

#[cfg(test)]
mod tests;
