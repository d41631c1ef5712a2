//! keepalived's per-instance completion (vrrp_complete_instance): defaults that depend on other
//! settings (version, priority, state, accept), strict-mode rules, advert interval rounding, and
//! tracker weights of sync group members and address owners.

use super::super::diag::Diagnostics;
use super::super::global::GlobalDefs;
use super::super::track::{TrackRef, Weight};
use super::super::Config;
use super::instance::{AuthType, Family, State, VrrpInstance};
use super::Resolved;
use crate::core::decimal;
use crate::core::time::Micros;

const SEC: u64 = 1_000_000;
const CENTI: u64 = 10_000;

/// Applies keepalived's defaults and cross-setting rules (vrrp_complete_instance). False when
/// keepalived would refuse the instance (it then stops; we drop it and go on).
pub(super) fn resolve(v: &mut VrrpInstance, g: &GlobalDefs, d: &mut Diagnostics) -> bool {
    let at = v.loc;
    let who = v.name.clone();
    let strict = v.strict_mode.unwrap_or(g.vrrp_strict);
    let family = v.family.unwrap_or(Family::V4);
    let mut version = v.version.unwrap_or(0);
    if family == Family::V6 {
        if version == 2 && strict {
            d.warn(
                at,
                format_args!("({who}) cannot use IPv6 with VRRP version 2; setting version 3"),
            );
            version = 3;
        } else if version == 0 {
            version = 3;
        }
    }
    if version == 0 {
        version = g.vrrp_version.unwrap_or(2);
    }
    if v.vips.is_empty() {
        if version == 3 || strict {
            d.error(
                at,
                format_args!("({who}) No VIP specified; at least one is required"),
            );
            return false;
        } else {
            d.warn(
                at,
                format_args!("({who}) No VIP specified; at least one is sensible"),
            );
        }
    }
    let priority = v.priority.unwrap_or(if v.state == Some(State::Master) {
        255
    } else {
        100
    });
    let owner_state = if priority == 255 {
        State::Master
    } else {
        State::Backup
    };
    let mut state = v.state.unwrap_or(owner_state);
    if strict && state != owner_state {
        d.warn(
            at,
            format_args!("({who}) State MASTER must match being address owner"),
        );
        state = owner_state;
    }
    if let Some(auth) = v.auth {
        let why = if auth.auth_type.is_none() {
            None
        } else if strict {
            Some("Strict mode does not support authentication. Ignoring.")
        } else if version == 3 {
            Some("VRRP version 3 does not support authentication. Ignoring.")
        } else if auth.pass[0] == 0 {
            Some("Authentication specified but no password given. Ignoring")
        } else if family == Family::V6 && auth.auth_type == Some(AuthType::Ah) {
            Some("Cannot use AH authentication with IPv6. ignoring")
        } else {
            None
        };
        if let Some(why) = why {
            d.warn(at, format_args!("({who}) {why}"));
            v.auth = None;
        } else if auth.auth_type == Some(AuthType::Ah) && state == State::Master && priority != 255
        {
            d.warn(
                at,
                format_args!("({who}) Initial state master is incompatible with AH authentication - clearing"),
            );
            state = State::Backup;
        }
    }
    let unicast = !v.unicast_peers.is_empty();
    if strict && unicast {
        d.error(
            at,
            format_args!("({who}) Unicast peers are not supported in strict mode"),
        );
        return false;
    }
    if v.unicast_configured && !unicast && !v.unicast_fault_no_peer {
        d.warn(at, format_args!("({who}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration."));
    }
    if unicast && v.mcast_dst_ip.is_some() {
        d.warn(
            at,
            format_args!("({who}) multicast destination specified with unicast - ignoring"),
        );
        v.mcast_dst_ip = None;
    }
    if priority == 255 && v.nopreempt {
        d.warn(
            at,
            format_args!(
                "({who}) nopreempt is incompatible with priority 255. resetting nopreempt"
            ),
        );
        v.nopreempt = false;
    }
    if state == State::Master {
        if v.nopreempt {
            d.warn(at, format_args!("({who}) Warning - nopreempt will not work with initial state MASTER - clearing"));
            v.nopreempt = false;
        }
        if v.preempt_delay.0 != 0 {
            d.warn(at, format_args!("({who}) Warning - preempt delay will not work with initial state MASTER - clearing"));
            v.preempt_delay = Micros(0);
        }
    }
    if v.preempt_delay.0 != 0 && (strict || v.nopreempt) {
        let with = if strict { "strict" } else { "nopreempt" };
        d.warn(
            at,
            format_args!("({who}) preempt_delay is incompatible with {with} mode - resetting"),
        );
        v.preempt_delay = Micros(0);
    }
    let mut accept = v.accept.unwrap_or(priority == 255 || !strict);
    if accept && priority != 255 && strict && version == 2 {
        d.warn(
            at,
            format_args!("({who}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"),
        );
        accept = false;
    }
    if strict {
        strict_rules(v, d);
    }
    if v.use_vmac.is_some() || v.use_ipvlan.is_some() {
        if v.promote_secondaries {
            d.warn(
                at,
                format_args!(
                    "({who}) promote_secondaries is automatically set for vmacs - ignoring"
                ),
            );
            v.promote_secondaries = false;
        }
    } else if v.vmac_xmit_base {
        d.warn(
            at,
            format_args!("({who}) vmac_xmit_base is only valid with a vmac"),
        );
        v.vmac_xmit_base = false;
    }
    let advert_int = advert_interval(v, version, d);
    v.resolved = Resolved {
        version,
        priority,
        state: Some(state),
        advert_int,
        family: Some(family),
        strict,
        accept,
        unicast,
        ..Resolved::default()
    };
    true
}

fn strict_rules(v: &mut VrrpInstance, d: &mut Diagnostics) {
    let at = v.loc;
    let who = &v.name;
    if v.garp_lower_prio_repeat.is_some_and(|r| r != 0) {
        d.warn(
            at,
            format_args!("({who}) Strict mode requires no repeat garps. resetting"),
        );
        v.garp_lower_prio_repeat = Some(0);
    }
    if v.garp_lower_prio_delay.is_some_and(|r| r.0 != 0) {
        d.warn(
            at,
            format_args!("({who}) Strict mode requires no repeat garp delay. resetting"),
        );
        v.garp_lower_prio_delay = Some(Micros(0));
    }
    if v.lower_prio_no_advert == Some(false) {
        d.warn(
            at,
            format_args!("({who}) Strict mode requires no lower priority advert. resetting"),
        );
        v.lower_prio_no_advert = Some(true);
    }
    if v.higher_prio_send_advert == Some(true) {
        d.warn(
            at,
            format_args!(
                "({who}) strict mode requires higher_prio_send_advert to be clear. resetting"
            ),
        );
        v.higher_prio_send_advert = Some(false);
    }
    if v.down_timer_adverts.is_some_and(|x| x != 3) {
        d.warn(
            at,
            format_args!("({who}) down_timer_adverts is incompatible with strict mode - resetting"),
        );
        v.down_timer_adverts = None;
    }
    if v.use_vmac.as_ref().is_some_and(|m| m.mac.is_some()) {
        d.warn(
            at,
            format_args!("({who}): cannot specify MAC address with strict mode - clearing"),
        );
        if let Some(m) = v.use_vmac.as_mut() {
            m.mac = None;
        }
    }
}

/// v2 adverts carry whole seconds (1..255), v3 centiseconds (up to 40.95 s); other values are
/// rounded or clamped with a warning.
fn advert_interval(v: &VrrpInstance, version: u8, d: &mut Diagnostics) -> Micros {
    let who = &v.name;
    let mut a = v.advert_int.unwrap_or(Micros(SEC)).0;
    if version == 2 {
        if a >= 256 * SEC {
            d.warn(v.loc, format_args!("({who}) VRRPv2 advertisement interval {}s is out of range. Must be less than 256s. Setting to 255s", secs(a, 2)));
            a = 255 * SEC;
        } else if !a.is_multiple_of(SEC) {
            d.warn(
                v.loc,
                format_args!(
                    "({who}) VRRPv2 advertisement interval {}s must be an integer. rounding",
                    secs(a, 6)
                ),
            );
            a = (a + SEC / 2) / SEC * SEC;
            if a == 0 {
                a = SEC;
            }
        }
    } else if a >= 4096 * CENTI {
        d.warn(v.loc, format_args!("({who}) VRRPv3 advertisement interval {}s is out of range. Must be less than 40.96s. Setting to 40.95s", secs(a, 2)));
        a = 4095 * CENTI;
    } else if !a.is_multiple_of(CENTI) {
        d.warn(
            v.loc,
            format_args!(
                "({who}) VRRPv3 advertisement interval {}s must be in units of 10ms - rounding",
                secs(a, 6)
            ),
        );
        a = (a + CENTI / 2) / CENTI * CENTI;
        if a == 0 {
            a = CENTI;
        }
    }
    Micros(a)
}

/// An interval in µs as keepalived prints it in seconds with `decimals` places.
fn secs(us: u64, decimals: u32) -> String {
    let mut s = String::new();
    decimal::push_fixed(&mut s, us, SEC, decimals);
    s
}

/// Gives every tracker reference its effective weight, then applies keepalived's rule that a
/// sync group member (without `sync_group_tracking_weight`) or an address owner has no
/// floating priority: weighted trackers are dropped or made unweighted, with a warning.
pub(super) fn tracking_weights(cfg: &mut Config, d: &mut Diagnostics) {
    let trackers = &cfg.vrrp.trackers;
    let groups = &cfg.vrrp.sync_groups;
    for v in &mut cfg.vrrp.instances {
        let t = &mut v.track;
        // The instance follows its own interface anyway: keepalived drops the entry, and
        // with it a weight that would otherwise count twice (vrrp.c vrrp_complete_instance).
        if let Some(own) = v.interface.as_deref() {
            let who = &v.name;
            t.interfaces.retain(|r| {
                let keep = r.name != own;
                if !keep {
                    d.warn(
                        r.loc,
                        format_args!("({who}) Ignoring track_interface {own} since own interface"),
                    );
                }
                keep
            });
        }
        for r in &mut t.interfaces {
            r.weight.get_or_insert_with(Weight::default);
        }
        for r in &mut t.scripts {
            let own = trackers.scripts.iter().find(|s| s.name == r.name);
            r.weight = r.weight.or(own.map(|s| s.weight));
        }
        for r in &mut t.files {
            let own = trackers.files.iter().find(|s| s.name == r.name);
            r.weight = r.weight.or(own.map(|s| s.weight));
        }
        for r in &mut t.processes {
            let own = trackers.processes.iter().find(|s| s.name == r.name);
            r.weight = r.weight.or(own.map(|s| s.weight));
        }
        for r in &mut t.bfds {
            let own = trackers.bfds.iter().find(|s| s.name == r.name);
            r.weight = r.weight.or(own.map(|s| s.weight));
        }
        let in_sync = groups
            .iter()
            .any(|g| !g.sync_group_tracking_weight && g.members.contains(&v.name));
        let owner = v.resolved.priority == 255;
        if !in_sync && !owner {
            continue;
        }
        let why = if in_sync {
            "SYNC group"
        } else {
            "address owner"
        };
        let (who, at) = (v.name.clone(), v.loc);
        let w = |r: &TrackRef| r.weight.map_or(0, |w| w.weight);
        t.interfaces.retain_mut(|r| {
            if w(r) == 0 {
                return true;
            }
            if in_sync {
                d.warn(
                    at,
                    format_args!(
                        "({who}) ignoring {} tracked interface weight due to {why}",
                        r.name
                    ),
                );
                r.weight = Some(Weight::default());
                true
            } else {
                d.warn(
                    at,
                    format_args!("({who}) ignoring {} tracked interface due to {why}", r.name),
                );
                false
            }
        });
        t.scripts.retain(|r| {
            let keep = w(r) == 0;
            if !keep {
                d.warn(
                    at,
                    format_args!(
                        "({who}) ignoring tracked script {} with weights due to {why}",
                        r.name
                    ),
                );
            }
            keep
        });
        t.files.retain_mut(|r| match w(r) {
            0 => true,
            1 => {
                d.warn(at, format_args!("({who}) ignoring weight from tracked file {} due to {why}. specify weight 0", r.name));
                r.weight = Some(Weight::default());
                true
            }
            x => {
                d.warn(at, format_args!("({who}) ignoring tracked file {} with weight {x} due to {why}", r.name));
                false
            }
        });
        t.bfds.retain(|r| {
            let keep = w(r) == 0;
            if !keep {
                d.warn(
                    at,
                    format_args!(
                        "({who}) ignoring tracked bfd {} with weight {} due to {why}",
                        r.name,
                        w(r)
                    ),
                );
            }
            keep
        });
    }
}
