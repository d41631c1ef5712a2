//! One running vrrp_instance: its VRRP router (state machine, AH, counters, rules) plus what
//! the shell needs to carry out its actions (socket, interface, timer).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ifaces::{IfInfo, Ifaces};
use super::sockets::{Key, Pool};
use crate::config::vrrp::{Family, VrrpInstance};
use crate::config::Config;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::net::vrrp_socket::{Mode, IPPROTO_AH, IPPROTO_VRRP, VRRP_GROUP_V4, VRRP_GROUP_V6};
use crate::vrrp::auth::Auth;
use crate::vrrp::fsm::{Fsm, FsmConfig, GlobalVrrpDefaults};
use crate::vrrp::packet;
use crate::vrrp::router::{Router, TxRules};

pub use crate::vrrp::router::Drops;

pub struct Inst {
    /// Index into `cfg.vrrp.instances`.
    pub idx: usize,
    pub name: String,
    pub router: Router,
    pub ifindex: u32,
    pub ifname: String,
    /// The VMAC holding the VIPs (and sending adverts unless vmac_xmit_base), see vmac.rs.
    pub vmac_ifindex: Option<u32>,
    /// Into the socket pool.
    pub sock: usize,
    pub timer: Option<(TimerId, Micros)>,
    /// Held in FAULT at start until its weight-0 scripts first report (notify.rs).
    pub init_hold: bool,
}

pub fn global_defaults(cfg: &Config) -> GlobalVrrpDefaults {
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

pub fn group4(cfg: &Config) -> Ipv4Addr {
    cfg.global.vrrp.mcast_group4.unwrap_or(VRRP_GROUP_V4)
}

pub fn group6(cfg: &Config) -> Ipv6Addr {
    cfg.global.vrrp.mcast_group6.unwrap_or(VRRP_GROUP_V6)
}

/// Builds the instance `idx` of `cfg`, opening its socket. None (after logging why) when it
/// cannot run.
pub fn build(cfg: &Config, idx: usize, ifaces: &Ifaces, pool: &mut Pool) -> Option<Inst> {
    let v: &VrrpInstance = &cfg.vrrp.instances[idx];
    let name = v.name.clone();
    let Some(vrid) = v.vrid else {
        log::error!("({name}) no virtual_router_id - not starting");
        return None;
    };
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
        None => {
            log::error!(
                "({name}) interface {} doesn't exist - not starting",
                ifname.as_deref().unwrap_or("(none)")
            );
            return None;
        }
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
    let mode = if v.resolved.unicast {
        let src = v.src_ip.or(if v6 {
            info.ll6.map(IpAddr::V6)
        } else {
            info.v4.map(IpAddr::V4)
        });
        let Some(src) = src else {
            log::error!("({name}) no source address for unicast - not starting");
            return None;
        };
        Mode::Unicast { src }
    } else {
        Mode::Multicast { group }
    };
    let vmac = match super::vmac::iface_of(v, ifaces) {
        Ok(x) => x,
        Err(e) => {
            log::error!("({name}) {e} - not starting");
            return None;
        }
    };
    let xmit = vmac.filter(|_| !v.vmac_xmit_base).unwrap_or(&info);
    let key = Key {
        ifindex: xmit.ifindex,
        mode,
        protocol,
    };
    let sock = match pool.get_or_open(key, (!unbound).then_some(xmit.name.as_str())) {
        Ok(s) => s,
        Err(e) => {
            log::error!("({name}) cannot open its VRRP socket: {e}");
            return None;
        }
    };
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
    fsm.set_interface_addr(if v6 {
        info.ll6.map(IpAddr::V6)
    } else {
        info.v4.map(IpAddr::V4)
    });
    let max = packet::max_addrs(
        Some(info.mtu as usize).filter(|m| *m > 0),
        family,
        fc.version,
        matches!(auth, Auth::Ah(_)),
    );
    let tx = TxRules {
        vrid,
        vips: v
            .vips
            .iter()
            .map(|a| a.addr)
            .filter(|a| a.is_ipv6() == v6)
            .take(max)
            .collect(),
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
    Some(Inst {
        idx,
        name,
        router: Router::for_instance(v, check_src, group4(cfg), fsm, tx),
        ifindex: info.ifindex,
        ifname: info.name.clone(),
        vmac_ifindex: vmac.map(|f| f.ifindex),
        sock,
        timer: None,
        init_hold: false,
    })
}
