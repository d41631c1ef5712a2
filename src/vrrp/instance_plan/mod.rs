//! What a vrrp_instance of the config runs as, decided from the config and the interfaces
//! without I/O: its interface and VMAC, the socket it needs, and its router (state machine
//! settings, receive and send rules). The shell opens the socket and words a refusal
//! (shell/instances.rs).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::vrrp::{Family, VrrpInstance};
use crate::config::Config;
use crate::core::time::Micros;
use crate::net::vrrp_socket::{Mode, IPPROTO_AH, IPPROTO_VRRP, VRRP_GROUP_V4, VRRP_GROUP_V6};
use crate::vrrp::auth::Auth;
use crate::vrrp::fsm::{Fsm, FsmConfig, GlobalVrrpDefaults};
use crate::vrrp::ifaces::{IfInfo, Ifaces, ABSENT_IFINDEX};
use crate::vrrp::packet;
use crate::vrrp::router::{Router, TxRules};

/// Why an instance cannot run (it is left out, as keepalived leaves it out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    VridUnset,
    /// The interface configured (or global default_interface), or none, is not there.
    InterfaceAbsent(Option<String>),
    /// Unicast, with neither unicast_src_ip nor an address on the interface.
    NoUnicastSource,
    /// use_vmac, and its link could not be made.
    VmacFailed,
}

/// How instance `idx` runs.
pub struct Plan<'a> {
    /// Its interface; a placeholder (index 0, up) for a unicast instance without one.
    pub info: IfInfo,
    pub vmac: Option<&'a IfInfo>,
    /// The link its adverts leave by: the VMAC, unless vmac_xmit_base or none.
    pub xmit_ifindex: u32,
    pub xmit_name: String,
    /// Its socket is bound to `xmit_name` (not for a unicast instance without interface).
    pub bind: bool,
    pub mode: Mode,
    pub protocol: u8,
    pub router: Router,
}

/// Instance `idx` of `cfg` over `ifaces`, or why it cannot run.
pub fn plan<'a>(cfg: &Config, idx: usize, ifaces: &'a Ifaces) -> Result<Plan<'a>, Refusal> {
    let v: &VrrpInstance = &cfg.vrrp.instances[idx];
    let vrid = v.vrid.ok_or(Refusal::VridUnset)?;
    let family = v.resolved.family.or(v.family).unwrap_or(Family::V4);
    let v6 = family == Family::V6;
    let ifname = v
        .interface
        .clone()
        .or_else(|| cfg.global.default_interface.clone());
    let info = ifname.as_deref().and_then(|n| ifaces.by_name(n)).cloned();
    // A unicast instance with unicast_src_ip may go without an interface: its socket is then
    // not bound to one, and nothing tracks a link for it.
    let unbound = info.is_none() && ifname.is_none() && v.resolved.unicast && v.src_ip.is_some();
    let info = match info {
        Some(i) => i,
        None if unbound => IfInfo {
            ifindex: 0,
            name: String::new(),
            up: true,
            mac: [0; 6],
            mtu: 0,
            v4: None,
            ll6: None,
            group: 0,
        },
        // With dynamic_interfaces, or after a reload for a name the daemon has seen, it waits
        // in FAULT for a link of that name (shell/rx.rs).
        None => match ifname {
            Some(name)
                if cfg.global.dynamic_interfaces || cfg.global.seen_interfaces.contains(&name) =>
            {
                IfInfo {
                    ifindex: ABSENT_IFINDEX,
                    name,
                    up: false,
                    mac: [0; 6],
                    mtu: 0,
                    v4: None,
                    ll6: None,
                    group: 0,
                }
            }
            _ => return Err(Refusal::InterfaceAbsent(ifname)),
        },
    };
    let auth = Auth::from_config(v.auth.as_ref());
    let protocol = if matches!(auth, Auth::Ah(_)) && !v6 {
        IPPROTO_AH
    } else {
        IPPROTO_VRRP
    };
    let group = match v.mcast_dst_ip {
        Some(g) => g,
        None if v6 => IpAddr::V6(group6(cfg)),
        None => IpAddr::V4(group4(cfg)),
    };
    let if_addr = if v6 {
        info.ll6.map(IpAddr::V6)
    } else {
        info.v4.map(IpAddr::V4)
    };
    let mode = if v.resolved.unicast {
        let src = v.src_ip.or(if_addr).ok_or(Refusal::NoUnicastSource)?;
        Mode::Unicast { src }
    } else {
        Mode::Multicast { group }
    };
    let vmac = match &v.use_vmac {
        None => None,
        Some(vm) => match vm.ifname.as_deref().and_then(|n| ifaces.by_name(n)) {
            Some(f) => Some(f),
            None => return Err(Refusal::VmacFailed),
        },
    };
    let xmit = vmac.filter(|_| !v.vmac_xmit_base).unwrap_or(&info);
    let (xmit_ifindex, xmit_name) = (xmit.ifindex, xmit.name.clone());
    let mut fc = FsmConfig::from_config_with(v, &global_defaults(cfg));
    // A sync group's notify_priority_changes overrides its members' (keepalived vrrp.c).
    let sync = cfg
        .vrrp
        .sync_groups
        .iter()
        .find(|g| g.members.contains(&v.name));
    if let Some(b) = sync.and_then(|g| g.notify_priority_changes) {
        fc.notify_priority_changes = b;
    }
    let mut fsm = Fsm::new(fc);
    if v.resolved.dup_vrid_fault {
        // keepalived's duplicate-VRID config fault: held until the instance's interface changes.
        fsm.tracker_fault(Micros(0));
    }
    fsm.set_interface_addr(if_addr);
    let max = packet::max_addrs(
        Some(info.mtu as usize).filter(|m| *m > 0),
        family,
        fc.version,
        matches!(auth, Auth::Ah(_)),
    );
    let tx = TxRules {
        vrid,
        vips: tx_vips(v, v6, max),
        group,
        auth: if fc.version == 2 && !v6 {
            auth
        } else {
            Auth::None
        },
        unicast: v.resolved.unicast,
        peers: v.unicast_peers.iter().map(|p| p.addr).collect(),
        unicast_ttl: v.unicast_ttl,
        src_ip: v.src_ip,
    };
    let check_src = cfg.global.vrrp.check_unicast_src;
    Ok(Plan {
        info,
        vmac,
        xmit_ifindex,
        xmit_name,
        bind: !unbound,
        mode,
        protocol,
        router: Router::for_instance(v, check_src, group4(cfg), fsm, tx),
    })
}

/// global_defs' settings every instance's state machine inherits.
fn global_defaults(cfg: &Config) -> GlobalVrrpDefaults {
    let g = &cfg.global;
    let d = GlobalVrrpDefaults::default();
    let secs = |v: Option<u32>, dflt: Micros| v.map_or(dflt, |s| Micros::from_secs(s.into()));
    GlobalVrrpDefaults {
        garp_master_delay: secs(g.garp.master_delay, d.garp_master_delay),
        garp_master_repeat: g.garp.master_repeat.unwrap_or(d.garp_master_repeat),
        garp_master_refresh: secs(g.garp.master_refresh, d.garp_master_refresh),
        garp_master_refresh_repeat: g
            .garp
            .master_refresh_repeat
            .unwrap_or(d.garp_master_refresh_repeat),
        garp_lower_prio_delay: g.garp.lower_prio_delay.map(|s| Micros::from_secs(s.into())),
        garp_lower_prio_repeat: g.garp.lower_prio_repeat,
        down_timer_adverts: g.vrrp.down_timer_adverts.unwrap_or(d.down_timer_adverts),
        lower_prio_no_advert: g
            .vrrp
            .lower_prio_no_advert
            .unwrap_or(d.lower_prio_no_advert),
        higher_prio_send_advert: g
            .vrrp
            .higher_prio_send_advert
            .unwrap_or(d.higher_prio_send_advert),
        notify_priority_changes: g
            .vrrp
            .notify_priority_changes
            .unwrap_or(d.notify_priority_changes),
    }
}

fn group4(cfg: &Config) -> Ipv4Addr {
    cfg.global.vrrp.mcast_group4.unwrap_or(VRRP_GROUP_V4)
}

fn group6(cfg: &Config) -> Ipv6Addr {
    cfg.global.vrrp.mcast_group6.unwrap_or(VRRP_GROUP_V6)
}

/// The first `max` VIPs of the advert's family (a loop: measured smaller than the chain).
fn tx_vips(v: &VrrpInstance, v6: bool, max: usize) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for a in &v.vips {
        if out.len() == max {
            break;
        }
        if a.addr.is_ipv6() == v6 {
            out.push(a.addr);
        }
    }
    out
}

#[cfg(test)]
mod tests;
