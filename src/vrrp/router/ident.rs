//! The identity of a vrrp_instance across reloads: what keepalived matches a new config's
//! instance to a running one on (VRID, family, configured interface, and the unicast source or
//! multicast group), not its name or its other settings.

use std::net::IpAddr;

use crate::config::vrrp::Family;
use crate::config::Config;
use crate::net::vrrp_socket::{VRRP_GROUP_V4, VRRP_GROUP_V6};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceId {
    pub vrid: Option<u8>,
    pub family: Family,
    /// As configured (or global default_interface), not as resolved.
    pub interface: Option<String>,
    pub unicast: bool,
    /// Unicast: the configured source (None: the interface's address); multicast: the group.
    pub endpoint: Option<IpAddr>,
}

impl InstanceId {
    /// The identity of instance `idx` of `cfg`.
    pub fn of(cfg: &Config, idx: usize) -> InstanceId {
        let v = &cfg.vrrp.instances[idx];
        let family = v.resolved.family.or(v.family).unwrap_or(Family::V4);
        let g = &cfg.global.vrrp;
        let endpoint = if v.resolved.unicast {
            v.src_ip
        } else {
            Some(v.mcast_dst_ip.unwrap_or(match family {
                Family::V4 => IpAddr::V4(g.mcast_group4.unwrap_or(VRRP_GROUP_V4)),
                Family::V6 => IpAddr::V6(g.mcast_group6.unwrap_or(VRRP_GROUP_V6)),
            }))
        };
        InstanceId {
            vrid: v.vrid,
            family,
            interface: v
                .interface
                .clone()
                .or_else(|| cfg.global.default_interface.clone()),
            unicast: v.resolved.unicast,
            endpoint,
        }
    }
}

/// For each running instance (`old`), the new instance it continues as. Each new one continues
/// at most one running one (the first in file order), so a duplicate cannot clone a state.
pub fn pair(old: &[InstanceId], new: &[InstanceId]) -> Vec<Option<usize>> {
    let mut taken = vec![false; new.len()];
    let mut out = Vec::with_capacity(old.len());
    for o in old {
        let j = (0..new.len()).find(|&j| !taken[j] && new[j] == *o);
        if let Some(j) = j {
            taken[j] = true;
        }
        out.push(j);
    }
    out
}
