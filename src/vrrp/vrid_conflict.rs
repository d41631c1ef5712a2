//! VRID conflicts at run time (keepalived 2.2.7 vrrp_if.c update_added_interface and
//! cleanup_lost_interface): a link that appears under an instance's configured name may put it
//! on the wire of another instance with its VRID (a macvlan made on the other's parent); the
//! instance is then held in FAULT. With `allow_if_changes`, losing a changeable link lifts
//! that hold, since it may come back on another parent.

use crate::config::vrrp::instance::Family;
use crate::vrrp::ifaces::Ifaces;

/// One running instance as the rule sees it.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    /// Its configured interface's index (absent: one no link has).
    pub ifindex: u32,
    pub family: Family,
    pub vrid: u8,
    /// Unicast: its own VRID space, told apart by peers. keepalived 2.2.7 leaves unicast out of
    /// this check as a to-do and would hold two unicast instances; we leave them be.
    pub unicast: bool,
    /// Held for a duplicate VRID: `Some(changeable)`, whether its link, when the hold was
    /// taken, was one that can change (known then: a read may forget the link before its
    /// deletion is reported).
    pub held: Option<bool>,
}

/// Link `ifindex` was added: the instances on it that now share a wire with another, each
/// with the first such other (in configuration order). Those already held are left out.
pub fn on_added(members: &[Member], ifaces: &Ifaces, ifindex: u32) -> Vec<(usize, usize)> {
    let base = ifaces.base_of(ifindex);
    let mut out = Vec::new();
    for (i, m) in members.iter().enumerate() {
        if m.ifindex != ifindex || m.held.is_some() || m.unicast {
            continue;
        }
        let other = members.iter().enumerate().position(|(j, o)| {
            j != i
                && o.family == m.family
                && o.vrid == m.vrid
                && !o.unicast
                && ifaces.by_index(o.ifindex).is_some()
                && ifaces.base_of(o.ifindex) == base
        });
        if let Some(j) = other {
            out.push((i, j));
        }
    }
    out
}

/// Link `ifindex` is going: the held instances on it whose hold lifts (only with
/// `allow_if_changes`, and only for a link that can change).
pub fn on_lost(members: &[Member], ifindex: u32, allow: bool) -> Vec<usize> {
    if !allow {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, m) in members.iter().enumerate() {
        if m.held == Some(true) && m.ifindex == ifindex {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::ifaces::{IfInfo, Origin};

    /// p0 (2) is a veth; mv0 (4) and mv1 (5) macvlans of it; q0 (6) another veth, mv2 (7)
    /// a macvlan of q0.
    fn table() -> Ifaces {
        let f = |ifindex, name: &str| IfInfo {
            ifindex,
            name: name.into(),
            up: true,
            mac: [2, 0, 0, 0, 0, ifindex as u8],
            mtu: 1500,
            v4: None,
            ll6: None,
            group: 0,
        };
        let o = |ifindex, parent| Origin {
            ifindex,
            parent,
            changeable: true,
        };
        Ifaces {
            list: vec![
                f(2, "p0"),
                f(4, "mv0"),
                f(5, "mv1"),
                f(6, "q0"),
                f(7, "mv2"),
            ],
            origins: vec![o(2, 0), o(4, 2), o(5, 2), o(6, 0), o(7, 6)],
            ..Ifaces::default()
        }
    }

    fn m(ifindex: u32, vrid: u8) -> Member {
        Member {
            ifindex,
            family: Family::V4,
            vrid,
            unicast: false,
            held: None,
        }
    }

    #[test]
    fn a_macvlan_made_on_the_other_instances_parent_conflicts() {
        let t = table();
        assert_eq!(on_added(&[m(4, 51), m(5, 51)], &t, 4), [(0, 1)]);
        assert_eq!(on_added(&[m(4, 51), m(5, 51)], &t, 5), [(1, 0)]);
        // On the parent itself.
        assert_eq!(on_added(&[m(2, 51), m(5, 51)], &t, 5), [(1, 0)]);
    }

    #[test]
    fn another_parent_vrid_or_family_is_no_conflict() {
        let t = table();
        assert!(on_added(&[m(7, 51), m(5, 51)], &t, 7).is_empty());
        assert!(on_added(&[m(4, 51), m(5, 52)], &t, 4).is_empty());
        let v6 = Member {
            family: Family::V6,
            ..m(5, 51)
        };
        assert!(on_added(&[m(4, 51), v6], &t, 4).is_empty());
        let uni = Member {
            unicast: true,
            ..m(5, 51)
        };
        assert!(on_added(&[m(4, 51), uni], &t, 4).is_empty());
        assert!(on_added(&[m(4, 51), uni], &t, 5).is_empty());
    }

    #[test]
    fn an_absent_or_already_held_instance_is_left_alone() {
        let t = table();
        // The other's interface is not there.
        assert!(on_added(&[m(4, 51), m(9, 51)], &t, 4).is_empty());
        let held = Member {
            held: Some(true),
            ..m(4, 51)
        };
        assert!(on_added(&[held, m(5, 51)], &t, 4).is_empty());
    }

    #[test]
    fn losing_a_changeable_link_lifts_the_hold_only_with_allow_if_changes() {
        let held = |changeable| Member {
            held: Some(changeable),
            ..m(4, 51)
        };
        let list = [held(true), m(5, 51)];
        assert_eq!(on_lost(&list, 4, true), [0]);
        assert!(on_lost(&list, 4, false).is_empty());
        assert!(on_lost(&list, 5, true).is_empty());
        assert!(on_lost(&[held(false)], 4, true).is_empty(), "a plain link");
    }
}
