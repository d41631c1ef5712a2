//! What a SIGHUP reload does with the running instances, decided without I/O: which running
//! instance each new one continues (keepalived's matching, [`pair`]), which addresses a kept
//! instance loses and gains, and whether its settings changed. shell/reload.rs carries it out.

use crate::config::iproute::IpAddress;
use crate::config::vrrp::VrrpInstance;
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
    fingerprint(old, old_idx) != fingerprint(new, new_idx)
}

fn fingerprint(cfg: &Config, idx: usize) -> String {
    let g = &cfg.global;
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        cfg.vrrp.instances[idx], g.garp, g.vrrp, g.default_interface, g.vrrp_version
    );
    strip_places(&text)
}

/// Drops `Loc { .. }` values and `end_line: N` from a Debug rendering.
fn strip_places(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let loc = rest.find("Loc {");
        let end = rest.find("end_line: ");
        let Some(at) = [loc, end].into_iter().flatten().min() else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let skip = if rest.starts_with("Loc {") {
            rest.find('}').map_or(rest.len(), |e| e + 1)
        } else {
            let digits = rest["end_line: ".len()..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - "end_line: ".len());
            "end_line: ".len() + digits
        };
        rest = &rest[skip..];
    }
}

#[cfg(test)]
mod tests;
