//! VRID conflicts between instances, found once the configuration is read. Multicast
//! instances conflict when they share the wire: the same base interface (a macvlan's or
//! ipvlan's parent, else the interface itself), family, VRID and group. Unicast ones conflict
//! when they share a source address and a peer.

use super::super::diag::Diagnostics;
use super::instance::{Family, VrrpInstance};
use crate::net::rtnl::{Link, Rtnl};

/// What an existing interface is built on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IfLink {
    /// The parent of a macvlan or ipvlan, else the interface's own name.
    pub(crate) base: String,
    /// A virtual link, which can be deleted and made again as something else.
    pub(crate) changeable: bool,
}

/// The interface lookup: `None` when there is no interface of that name.
pub(crate) type LinkOf<'a> = dyn Fn(&str) -> Option<IfLink> + 'a;

/// An interface known only to exist: its own base, not changeable.
pub(crate) fn plain(name: &str, exists: &dyn Fn(&str) -> bool) -> Option<IfLink> {
    exists(name).then(|| IfLink {
        base: name.to_string(),
        changeable: false,
    })
}

/// The links of our namespace, read once for the whole check.
pub(crate) struct LinkTable(Vec<Link>);

impl LinkTable {
    /// An unreadable table is an empty one: the check then knows names only.
    pub(crate) fn read() -> Self {
        LinkTable(Rtnl::open().and_then(|mut r| r.links()).unwrap_or_default())
    }

    pub(crate) fn link(&self, name: &str) -> Option<IfLink> {
        let l = self.0.iter().find(|l| l.name.as_str() == name)?;
        let parent = (l.parent != 0)
            .then(|| self.0.iter().find(|p| p.ifindex == l.parent))
            .flatten();
        Some(IfLink {
            base: parent.map_or(name, |p| p.name.as_str()).to_string(),
            changeable: l.kind.changeable(),
        })
    }
}

/// Reports conflicts, in keepalived's order (each instance against those before it). With
/// `allow_changes`, a pair where either interface is changeable is only a warning: the
/// changeable one (the earlier if both are) starts in FAULT until its interface changes.
pub(crate) fn conflicts(
    list: &mut [VrrpInstance],
    link: &LinkOf<'_>,
    allow_changes: bool,
    d: &mut Diagnostics,
) {
    for i in 1..list.len() {
        let (before, rest) = list.split_at_mut(i);
        let a = &mut rest[0];
        for b in before.iter_mut() {
            let (ra, rb) = (&a.resolved, &b.resolved);
            if a.vrid != b.vrid || ra.family != rb.family || ra.unicast != rb.unicast {
                continue;
            }
            if ra.unicast {
                unicast_conflict(a, b, d);
            } else {
                multicast_conflict(a, b, link, allow_changes, d);
            }
        }
    }
}

fn unicast_conflict(a: &VrrpInstance, b: &VrrpInstance, d: &mut Diagnostics) {
    if a.interface.is_some() && b.interface.is_some() && a.interface != b.interface {
        return;
    }
    // keepalived compares the source addresses it knows; without a configured one it would
    // use the interface's, which a config check cannot know.
    if a.src_ip.is_none() || a.src_ip != b.src_ip {
        return;
    }
    let shared = a
        .unicast_peers
        .iter()
        .any(|p| b.unicast_peers.iter().any(|q| q.addr == p.addr));
    if shared {
        let vrid = a.vrid.unwrap_or(0);
        d.error(
            a.loc,
            format_args!(
                "({}) duplicate VRID conflict with {} VRID {vrid}",
                b.name, a.name
            ),
        );
    }
}

/// `a` comes after `b` in the file.
fn multicast_conflict(
    a: &mut VrrpInstance,
    b: &mut VrrpInstance,
    link: &LinkOf<'_>,
    allow_changes: bool,
    d: &mut Diagnostics,
) {
    let (Some(ia), Some(ib)) = (a.interface.as_deref(), b.interface.as_deref()) else {
        return;
    };
    if a.mcast_dst_ip != b.mcast_dst_ip {
        return;
    }
    let (la, lb) = (link(ia), link(ib));
    let base_a = la.as_ref().map_or(ia, |l| l.base.as_str());
    let base_b = lb.as_ref().map_or(ib, |l| l.base.as_str());
    if base_a != base_b {
        return;
    }
    let vrid = a.vrid.unwrap_or(0);
    let fam = if a.resolved.family == Some(Family::V6) {
        6
    } else {
        4
    };
    let changeable = |l: &Option<IfLink>| l.as_ref().is_some_and(|l| l.changeable);
    if allow_changes && (changeable(&la) || changeable(&lb)) {
        if changeable(&lb) {
            b.resolved.dup_vrid_fault = true;
        } else {
            a.resolved.dup_vrid_fault = true;
        }
        d.warn(
            b.loc,
            format_args!(
                "({}) - warning, VRID {vrid} for IPv{fam} is currently duplicated on {}",
                b.name, a.name
            ),
        );
    } else if lb.is_some() {
        d.error(
            a.loc,
            format_args!(
                "{} and {} both use VRID {vrid} with IPv{fam} on interface {base_b}",
                b.name, a.name
            ),
        );
    }
}
