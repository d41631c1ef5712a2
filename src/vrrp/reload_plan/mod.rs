//! What a SIGHUP reload does with the running instances, decided without I/O: which running
//! instance each new one continues (keepalived's matching, [`pair`]), which addresses a kept
//! instance loses and gains, and whether its settings changed. shell/reload.rs carries it out.

use crate::config::iproute::IpAddress;
use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::config::Loc;
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
    let old_ids: Vec<InstanceId> = running.iter().map(|&i| InstanceId::of(old, i)).collect();
    let new_ids: Vec<InstanceId> = (0..new.vrrp.instances.len())
        .map(|j| InstanceId::of(new, j))
        .collect();
    pair(&old_ids, &new_ids)
        .into_iter()
        .map(|p| p.filter(|&j| runs(j)))
        .collect()
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
    let kept = successors.iter().enumerate();
    kept.filter_map(|(i, p)| p.filter(|_| vips_set(i)).map(|j| (i, j)))
        .map(|(i, j)| {
            let was = &old.vrrp.instances[running[i]];
            (i, j, addr_diff(was, &new.vrrp.instances[j]))
        })
        .collect()
}

/// VIPs then eVIPs: everything an instance installs when it becomes MASTER.
fn addresses(v: &VrrpInstance) -> Vec<&IpAddress> {
    v.vips.iter().chain(v.evips.iter()).collect()
}

/// The addresses of `from` that `to` lacks, in `from`'s order.
fn missing(from: &[&IpAddress], to: &[&IpAddress]) -> Vec<IpAddress> {
    from.iter()
        .filter(|a| {
            !to.iter().any(|b| {
                let mut a = (**a).clone();
                a.loc = b.loc;
                a == **b
            })
        })
        .map(|a| (*a).clone())
        .collect()
}

/// Whether instance `old_idx` of `old` continues as `new_idx` of `new` with other settings
/// (which the shell logs): its settings without their places in the file, plus the global
/// settings instances inherit.
pub fn settings_changed(old: &Config, old_idx: usize, new: &Config, new_idx: usize) -> bool {
    let (g, h) = (&old.global, &new.global);
    placeless(&old.vrrp.instances[old_idx]) != placeless(&new.vrrp.instances[new_idx])
        || g.garp != h.garp
        || g.vrrp != h.vrrp
        || g.default_interface != h.default_interface
        || g.vrrp_version != h.vrrp_version
}

/// `v` with every place in the file it carries reset, so that moving a block (or a line
/// inside it) is not a change. A field added with a `Loc` of its own needs its line here.
fn placeless(v: &VrrpInstance) -> VrrpInstance {
    let mut v = v.clone();
    v.loc = Loc::default();
    v.end_line = 0;
    v.vips
        .iter_mut()
        .chain(&mut v.evips)
        .for_each(|a| a.loc = Loc::default());
    v.routes.iter_mut().for_each(|r| r.loc = Loc::default());
    v.rules.iter_mut().for_each(|r| r.loc = Loc::default());
    v.unicast_peers
        .iter_mut()
        .for_each(|p| p.loc = Loc::default());
    let t = &mut v.track;
    let refs = t
        .interfaces
        .iter_mut()
        .chain(&mut t.scripts)
        .chain(&mut t.files);
    refs.chain(&mut t.processes)
        .chain(&mut t.bfds)
        .for_each(|r| r.loc = Loc::default());
    let n = &mut v.notify;
    let deleted = n.deleted.iter_mut().flatten();
    [&mut n.master, &mut n.backup, &mut n.fault, &mut n.stop]
        .into_iter()
        .chain([&mut n.generic, &mut n.master_rx_lower_pri])
        .flatten()
        .chain(deleted)
        .for_each(|s| s.loc = Loc::default());
    v
}

#[cfg(test)]
mod tests;
