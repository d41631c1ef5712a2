//! The one place the VRRP router's events become keepalived's log lines.

use log::{info, warn};

use crate::vrrp::instance_plan::Refusal;
use crate::vrrp::router::Event;

/// Logs the events instance `name`'s router reported, in order.
pub(super) fn log_all(name: &str, events: &[Event]) {
    for ev in events {
        log(name, ev);
    }
}

/// Logs `ev` of instance `name` in keepalived's words.
pub(super) fn log(name: &str, ev: &Event) {
    match ev {
        Event::OldUnicastChecksum => info!("({name}) Setting old_unicast_checksum"),
        Event::BackupGotPriorityZero => {
            info!("({name}) Backup received priority 0 advertisement")
        }
        Event::LowerPriorityDiscarded { priority, src } => {
            info!("({name}) received lower priority ({priority}) advert from {src} - discarding")
        }
        Event::AdvertNotBuilt(e) => warn!("({name}) cannot build an advert: {e:?}"),
        Event::PriorityChanged { from, to } => {
            info!("({name}) Changing effective priority from {from} to {to}")
        }
        Event::VipsLeftInPlace => info!("({name}) leaving VIPs, routes and rules in place (-V)"),
    }
}

/// Instance `name` cannot run: why, in keepalived's words.
pub(super) fn not_starting(name: &str, why: &Refusal) {
    let why = match why {
        Refusal::VridUnset => "no virtual_router_id".to_string(),
        Refusal::InterfaceAbsent(ifname) => format!(
            "interface {} doesn't exist",
            ifname.as_deref().unwrap_or("(none)")
        ),
        Refusal::NoUnicastSource => "no source address for unicast".to_string(),
        Refusal::VmacFailed => "its VMAC could not be set up".to_string(),
    };
    log::error!("({name}) {why} - not starting");
}
