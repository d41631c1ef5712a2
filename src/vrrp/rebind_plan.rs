//! Which instances follow an interface that was deleted and made again under the same name.
//! An instance is configured by interface name, but runs on an index: when the name turns up
//! on a new index (a veth or bridge port re-created, NetworkManager rebuilding a link), the
//! instances of that name move over, as keepalived's interface table is keyed by name. The
//! shell re-opens their sockets (and multicast joins) on the new index, making their VMACs
//! again first.
//!
//! A renamed link is, as in keepalived, a link lost under its old name and one added under the
//! new: the instances configured on the old name leave it (FAULT, waiting for their name), and
//! those configured on the new name follow it.

/// One running instance, as this decision sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bound<'a> {
    /// The interface it was configured on (empty: a unicast instance without one).
    pub(crate) ifname: &'a str,
    pub(crate) ifindex: u32,
    /// It sends from a VMAC over the interface.
    pub(crate) vmac: bool,
}

/// The instances (by position) that move to the new index, in the two ways they move.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Moves {
    /// A new socket on the interface itself.
    pub(crate) plain: Vec<usize>,
    /// Their VMAC went with the old link: it is made again over the new one, then their
    /// socket is opened on it.
    pub(crate) vmac: Vec<usize>,
}

/// The instances (by position in `insts`) to move to `ifindex`, the index `name` now has.
pub(crate) fn followers<'a>(
    insts: impl IntoIterator<Item = Bound<'a>>,
    name: &str,
    ifindex: u32,
) -> Moves {
    let mut m = Moves::default();
    for (i, b) in insts.into_iter().enumerate() {
        if b.ifname.is_empty() || b.ifname != name || b.ifindex == ifindex {
            continue;
        }
        if b.vmac {
            m.vmac.push(i);
        } else {
            m.plain.push(i);
        }
    }
    m
}

/// The instances (by position) bound to `ifindex` that a rename to `new_name` takes their
/// interface from: configured on another name, they wait for a link of theirs to appear.
pub(crate) fn detached<'a>(
    insts: impl IntoIterator<Item = Bound<'a>>,
    ifindex: u32,
    new_name: &str,
) -> Vec<usize> {
    // A loop, not filter/map/collect over the caller's iterator: ~200 bytes less MIPS code.
    let mut out = Vec::new();
    for (i, b) in insts.into_iter().enumerate() {
        if b.ifindex == ifindex && !b.ifname.is_empty() && b.ifname != new_name {
            out.push(i);
        }
    }
    out
}

/// The interface names `wanted` (instances' own and tracked ones, in config order) that no
/// link has yet, each once: with `dynamic_interfaces` they are waited for, and said so at start.
pub(crate) fn absent<'a>(wanted: &'a [String], exists: &dyn Fn(&str) -> bool) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in wanted {
        if !n.is_empty() && !exists(n) && !out.contains(&n.as_str()) {
            out.push(n);
        }
    }
    out
}

/// Whether a link named `name` at `ifindex` is one an instance is bound to, by index or by its
/// configured name (`bound`: each instance's index and interface name), so worth a log line.
pub fn concerns<'a>(
    mut bound: impl Iterator<Item = (u32, &'a str)>,
    ifindex: u32,
    name: &str,
) -> bool {
    bound.any(|(i, n)| i == ifindex || (!n.is_empty() && n == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(ifname: &str, ifindex: u32) -> Bound<'_> {
        Bound {
            ifname,
            ifindex,
            vmac: false,
        }
    }

    #[test]
    fn instances_of_a_recreated_name_move_to_its_new_index() {
        let insts = [b("eth0", 3), b("eth1", 4), b("eth0", 3)];
        assert_eq!(followers(insts, "eth0", 9).plain, vec![0, 2]);
    }

    #[test]
    fn a_link_event_for_the_index_already_bound_moves_nothing() {
        let insts = [b("eth0", 3), b("eth1", 4)];
        assert_eq!(followers(insts, "eth0", 3), Moves::default());
        assert_eq!(followers(insts, "eth2", 7), Moves::default());
    }

    #[test]
    fn an_unbound_instance_follows_no_link() {
        // A unicast instance without interface has an empty name and index 0.
        let insts = [b("", 0)];
        assert_eq!(followers(insts, "", 5), Moves::default());
    }

    #[test]
    fn a_vmac_instance_moves_with_its_vmac_made_again() {
        let insts = [
            Bound {
                ifname: "eth0",
                ifindex: 3,
                vmac: true,
            },
            b("eth0", 3),
        ];
        let m = followers(insts, "eth0", 9);
        assert_eq!((m.plain, m.vmac), (vec![1], vec![0]));
    }

    #[test]
    fn a_rename_detaches_the_instances_configured_on_the_old_name() {
        let insts = [b("eth0", 3), b("eth9", 3), b("eth0", 4), b("", 3)];
        assert_eq!(detached(insts, 3, "eth9"), vec![0]);
        // Renamed back: nothing is bound to it under another name any more.
        assert_eq!(detached([b("eth0", 3)], 3, "eth0"), Vec::<usize>::new());
    }

    #[test]
    fn a_renamed_link_is_followed_by_the_instances_of_its_new_name() {
        // eth0's instance was detached (absent index) when eth0 was renamed away; renamed back,
        // the same index takes it again.
        let gone = crate::vrrp::ifaces::ABSENT_IFINDEX;
        assert_eq!(followers([b("eth0", gone)], "eth0", 3).plain, vec![0]);
    }

    #[test]
    fn names_missing_at_start_are_listed_once_in_config_order() {
        let have = |n: &str| n == "eth0";
        let wanted = ["eth0", "eth1", "", "eth2", "eth1"].map(String::from);
        let got = absent(&wanted, &have);
        assert_eq!(got, vec!["eth1", "eth2"]);
    }

    #[test]
    fn a_link_concerns_instances_bound_to_its_index_or_named_for_it() {
        let bound = [(2, "eth0"), (0, "")];
        assert!(concerns(bound.iter().copied(), 2, "other"));
        assert!(concerns(bound.iter().copied(), 9, "eth0"));
        assert!(!concerns(bound.iter().copied(), 9, ""));
        assert!(!concerns(bound.iter().copied(), 9, "eth1"));
    }
}
