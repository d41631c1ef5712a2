//! What the state machine needs from a vrrp_instance, with keepalived's defaults applied.

use std::net::IpAddr;

use crate::config::vrrp::{State as CfgState, VrrpInstance};
use crate::core::time::Micros;

/// The global_defs values an instance falls back to (vrrp_garp_*, vrrp_lower_prio_no_advert
/// ...). `Default` is keepalived 2.2.7's built-in values (global_data.c, vrrp.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalVrrpDefaults {
    pub garp_master_delay: Micros,
    pub garp_master_repeat: u32,
    pub garp_master_refresh: Micros,
    pub garp_master_refresh_repeat: u32,
    /// None: the same as `garp_master_delay` (keepalived resolves it after reading the file).
    pub garp_lower_prio_delay: Option<Micros>,
    /// None: the same as `garp_master_repeat`.
    pub garp_lower_prio_repeat: Option<u32>,
    pub down_timer_adverts: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub notify_priority_changes: bool,
}

impl Default for GlobalVrrpDefaults {
    fn default() -> Self {
        GlobalVrrpDefaults {
            garp_master_delay: Micros::from_secs(5),
            garp_master_repeat: 5,
            garp_master_refresh: Micros::ZERO,
            garp_master_refresh_repeat: 1,
            garp_lower_prio_delay: None,
            garp_lower_prio_repeat: None,
            down_timer_adverts: 3,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            notify_priority_changes: false,
        }
    }
}

/// One instance's protocol settings, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsmConfig {
    /// 2 or 3.
    pub version: u8,
    /// Configured (base) priority, 1..=255.
    pub priority: u8,
    /// `state MASTER` (after keepalived's checks); with priority 255 it means "take over at
    /// once", otherwise it changes nothing.
    pub initial_master: bool,
    /// Our advert interval (v2: whole seconds; v3: a multiple of 10 ms).
    pub advert_int: Micros,
    pub nopreempt: bool,
    /// 0 = none.
    pub preempt_delay: Micros,
    pub down_timer_adverts: u32,
    /// Delay of the second GARP set after becoming MASTER (0 = none).
    pub garp_master_delay: Micros,
    pub garp_master_repeat: u32,
    /// 0 = no periodic GARPs while MASTER.
    pub garp_master_refresh: Micros,
    pub garp_master_refresh_repeat: u32,
    pub garp_lower_prio_delay: Micros,
    pub garp_lower_prio_repeat: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    /// `mcast_src_ip` / `unicast_src_ip`: the address compared on equal priority. Without it
    /// the interface's primary address is used ([`crate::vrrp::fsm::Fsm::set_interface_addr`]).
    pub src_ip: Option<IpAddr>,
    pub unicast: bool,
    pub notify_priority_changes: bool,
}

impl Default for FsmConfig {
    fn default() -> Self {
        let g = GlobalVrrpDefaults::default();
        FsmConfig {
            version: 2,
            priority: 100,
            initial_master: false,
            advert_int: Micros::from_secs(1),
            nopreempt: false,
            preempt_delay: Micros::ZERO,
            down_timer_adverts: g.down_timer_adverts,
            garp_master_delay: g.garp_master_delay,
            garp_master_repeat: g.garp_master_repeat,
            garp_master_refresh: g.garp_master_refresh,
            garp_master_refresh_repeat: g.garp_master_refresh_repeat,
            garp_lower_prio_delay: g.garp_master_delay,
            garp_lower_prio_repeat: g.garp_master_repeat,
            lower_prio_no_advert: g.lower_prio_no_advert,
            higher_prio_send_advert: g.higher_prio_send_advert,
            src_ip: None,
            unicast: false,
            notify_priority_changes: g.notify_priority_changes,
        }
    }
}

impl FsmConfig {
    /// From a checked instance (its `resolved` fields filled in) and keepalived's built-in
    /// global defaults.
    #[cfg(test)]
    pub fn from_config(v: &VrrpInstance) -> Self {
        Self::from_config_with(v, &GlobalVrrpDefaults::default())
    }

    /// From a checked instance, falling back to `g` for what the instance does not set.
    /// Strict mode changes some fallbacks, as keepalived's vrrp_complete_instance does.
    pub fn from_config_with(v: &VrrpInstance, g: &GlobalVrrpDefaults) -> Self {
        let r = &v.resolved;
        let strict = r.strict;
        let priority = if r.priority == 0 { 100 } else { r.priority };
        let advert_int = if r.advert_int.0 == 0 {
            Micros::from_secs(1)
        } else {
            r.advert_int
        };
        let garp_master_delay = v.garp_master_delay.unwrap_or(g.garp_master_delay);
        let garp_master_repeat = v.garp_master_repeat.unwrap_or(g.garp_master_repeat);
        let down_timer_adverts = if strict {
            3
        } else {
            v.down_timer_adverts.unwrap_or(g.down_timer_adverts).max(1)
        };
        FsmConfig {
            version: if r.version == 3 { 3 } else { 2 },
            priority,
            initial_master: r.state == Some(CfgState::Master),
            advert_int,
            nopreempt: v.nopreempt,
            preempt_delay: v.preempt_delay,
            down_timer_adverts,
            garp_master_delay,
            garp_master_repeat,
            garp_master_refresh: v.garp_master_refresh.unwrap_or(g.garp_master_refresh),
            garp_master_refresh_repeat: v
                .garp_master_refresh_repeat
                .unwrap_or(g.garp_master_refresh_repeat),
            garp_lower_prio_delay: v.garp_lower_prio_delay.unwrap_or(if strict {
                Micros::ZERO
            } else {
                g.garp_lower_prio_delay.unwrap_or(g.garp_master_delay)
            }),
            garp_lower_prio_repeat: v.garp_lower_prio_repeat.unwrap_or(if strict {
                0
            } else {
                g.garp_lower_prio_repeat.unwrap_or(g.garp_master_repeat)
            }),
            lower_prio_no_advert: v
                .lower_prio_no_advert
                .unwrap_or(strict || g.lower_prio_no_advert),
            higher_prio_send_advert: v
                .higher_prio_send_advert
                .unwrap_or(!strict && g.higher_prio_send_advert),
            src_ip: v.src_ip,
            unicast: r.unicast,
            notify_priority_changes: v
                .notify_priority_changes
                .unwrap_or(g.notify_priority_changes),
        }
    }
}
