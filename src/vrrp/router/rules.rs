//! What a router accepts, fixed per config: keepalived's `vrrp_check_packet` settings plus
//! the address list it compares adverts against.

use std::net::{IpAddr, Ipv4Addr};

use crate::config::vrrp::{Family, UnicastPeer, VrrpInstance};
use crate::core::time::Micros;
use crate::vrrp::auth::Auth;
use crate::vrrp::packet::{Local, V3Checksum};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RxRules {
    pub family: Family,
    pub version: u8,
    pub auth: Auth,
    pub adver_int: Micros,
    pub unicast: bool,
    /// The configured VRRPv3 checksum rule (a router may learn the old unicast one).
    pub checksum: V3Checksum,
    /// `owner_ignore_adverts` (it applies while the base priority is 255).
    pub owner_ignore_adverts: bool,
    /// The configured unicast peers (they also choose among unicast instances sharing a VRID).
    pub peers: Vec<UnicastPeer>,
    /// Only the peers may send (`check_unicast_src`, or a peer with min_ttl/max_ttl).
    pub src_check: bool,
    /// Every configured VIP: an advert must list exactly these.
    pub vips: Vec<IpAddr>,
}

impl RxRules {
    /// The rules of `v` (its `resolved` values filled in); see [`Local::for_instance`].
    pub fn for_instance(
        v: &VrrpInstance,
        global_check_unicast_src: bool,
        group4: Ipv4Addr,
    ) -> RxRules {
        let l = Local::for_instance(v, global_check_unicast_src, group4);
        RxRules {
            family: v.resolved.family.or(v.family).unwrap_or(Family::V4),
            version: l.version,
            auth: l.auth,
            adver_int: l.adver_int,
            unicast: l.unicast,
            checksum: l.checksum,
            owner_ignore_adverts: v.owner_ignore_adverts,
            peers: v.unicast_peers.clone(),
            src_check: l.unicast_src_check.is_some(),
            vips: v.vips.iter().map(|a| a.addr).collect(),
        }
    }

    /// What `packet::check` expects now: `backup`, `base_priority` and `checksum` are the
    /// router's current ones.
    pub fn local(&self, backup: bool, base_priority: u8, checksum: V3Checksum) -> Local<'_> {
        Local {
            version: self.version,
            auth: self.auth,
            adver_int: self.adver_int,
            unicast: self.unicast,
            checksum,
            backup,
            owner_ignores: self.owner_ignore_adverts && base_priority == 255,
            unicast_src_check: self.src_check.then_some(&self.peers[..]),
        }
    }

    /// A multicast instance hears everyone; a unicast one its peers.
    pub fn peers_allow(&self, src: IpAddr) -> bool {
        self.peers.is_empty() || self.peers.iter().any(|p| p.addr == src)
    }
}
