//! What a link is built on: its IFLA_LINKINFO kind and, for a macvlan or ipvlan, the parent
//! (IFLA_LINK) whose wire it shares. VRID conflicts are judged on that parent, since two
//! macvlans of one parent hear each other's adverts.

use crate::net::netlink::Attr;

pub(crate) const IFLA_LINK: u16 = 5;
pub(crate) const IFLA_LINKINFO: u16 = 18;
pub(crate) const IFLA_LINK_NETNSID: u16 = 37;
const IFLA_INFO_KIND: u16 = 1;

/// The link's driver kind as far as VRRP cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LinkKind {
    /// No IFLA_INFO_KIND: a physical NIC (or loopback), which cannot change type.
    #[default]
    Plain,
    /// Some other virtual kind (veth, bridge, vlan, dummy...): it can be deleted and re-made
    /// as something else.
    Virtual,
    Macvlan,
    Ipvlan,
}

impl LinkKind {
    /// keepalived's "changeable type": any link the kernel gives a kind.
    pub(crate) fn changeable(self) -> bool {
        self != LinkKind::Plain
    }

    pub(crate) fn is_mac_ip_vlan(self) -> bool {
        matches!(self, LinkKind::Macvlan | LinkKind::Ipvlan)
    }

    fn from_name(kind: &[u8]) -> Self {
        // The kernel NUL-terminates the string; taps share their vlan's semantics.
        let kind = kind.split(|&b| b == 0).next().unwrap_or(&[]);
        match kind {
            b"macvlan" | b"macvtap" => LinkKind::Macvlan,
            b"ipvlan" | b"ipvtap" => LinkKind::Ipvlan,
            _ => LinkKind::Virtual,
        }
    }

    /// The kind named in an IFLA_LINKINFO attribute.
    pub(crate) fn from_linkinfo(a: &Attr<'_>) -> Self {
        match a.attrs().find(IFLA_INFO_KIND) {
            Some(k) => LinkKind::from_name(k.payload),
            None => LinkKind::Plain,
        }
    }
}
