//! Which instances follow an interface that was deleted and made again under the same name.
//! An instance is configured by interface name, but runs on an index: when the name turns up
//! on a new index (a veth or bridge port re-created, NetworkManager rebuilding a link), the
//! instances of that name move over, as keepalived's interface table is keyed by name. The
//! shell re-opens their sockets (and multicast joins) on the new index.

/// One running instance, as this decision sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bound<'a> {
    /// The interface it was configured on (empty: a unicast instance without one).
    pub(crate) ifname: &'a str,
    pub(crate) ifindex: u32,
    /// It sends from a VMAC over the interface: the VMAC must be made again on the new
    /// parent first, which this step does not do yet (the instance stays where it is).
    pub(crate) vmac: bool,
}

/// The instances (by position in `insts`) to move to `ifindex`, the index `name` now has.
pub(crate) fn followers<'a>(
    insts: impl IntoIterator<Item = Bound<'a>>,
    name: &str,
    ifindex: u32,
) -> Vec<usize> {
    insts
        .into_iter()
        .enumerate()
        .filter(|(_, b)| !b.ifname.is_empty() && b.ifname == name)
        .filter(|(_, b)| b.ifindex != ifindex && !b.vmac)
        .map(|(i, _)| i)
        .collect()
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
        assert_eq!(followers(insts, "eth0", 9), vec![0, 2]);
    }

    #[test]
    fn a_link_event_for_the_index_already_bound_moves_nothing() {
        let insts = [b("eth0", 3), b("eth1", 4)];
        assert!(followers(insts, "eth0", 3).is_empty());
        assert!(followers(insts, "eth2", 7).is_empty());
    }

    #[test]
    fn an_unbound_instance_follows_no_link() {
        // A unicast instance without interface has an empty name and index 0.
        let insts = [b("", 0)];
        assert!(followers(insts, "", 5).is_empty());
    }

    #[test]
    fn a_vmac_instance_waits_for_its_vmac() {
        let insts = [Bound {
            ifname: "eth0",
            ifindex: 3,
            vmac: true,
        }];
        assert!(followers(insts, "eth0", 9).is_empty());
    }
}
