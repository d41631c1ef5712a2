//! The one place the VRRP router's events become keepalived's log lines.

use std::net::IpAddr;

use log::{info, warn};

use crate::config::vrrp::Family;
use crate::vrrp::instance_plan::Refusal;
use crate::vrrp::router::Event;
use crate::vrrp::tx_failures::NotSent;

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
        Event::LowerPriorityDiscarded {
            priority,
            src,
            unlogged,
        } => {
            let more = Unlogged(*unlogged);
            info!("({name}) received lower priority ({priority}) advert from {src} - discarding{more}")
        }
        Event::MasterGotLowerPriority {
            src,
            priority,
            ours,
            forcing,
            unlogged,
        } => {
            let forcing = if *forcing {
                ", forcing new election"
            } else {
                ""
            };
            let more = Unlogged(*unlogged);
            info!("({name}) Received advert from {src} with lower priority {priority}, ours {ours}{forcing}{more}")
        }
        Event::AdvertNotBuilt(e) => warn!("({name}) cannot build an advert: {e}"),
        Event::PriorityChanged { from, to } => {
            info!("({name}) Changing effective priority from {from} to {to}")
        }
        Event::VipsLeftInPlace => info!("({name}) leaving VIPs, routes and rules in place (-V)"),
    }
}

/// " (N more since the last report)" after a rate-limited line, when N is not 0.
struct Unlogged(u64);

impl std::fmt::Display for Unlogged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            0 => Ok(()),
            n => write!(f, " ({n} more since the last report)"),
        }
    }
}

/// A send refused while the instance's link is down or gone, in keepalived's words:
/// multicast, or to unicast `peer`.
pub(super) fn send_advert_error(name: &str, peer: Option<IpAddr>, e: &std::io::Error) {
    let text = crate::core::logging::strerror(e);
    match peer {
        None => {
            let errno = e.raw_os_error().unwrap_or(0);
            info!("({name}): send advert error {errno} ({text})")
        }
        Some(p) => info!("({name}) Cant send advert to {p} ({text})"),
    }
}

/// An advert of instance `name` did not leave (`total` so far, `unlogged` of them since the
/// last such line).
pub(super) fn advert_not_sent(name: &str, why: &NotSent<'_>, total: u64, unlogged: u64) {
    let since = if unlogged > 0 {
        format!(", {unlogged} more since the last report")
    } else {
        String::new()
    };
    match why {
        NotSent::NoSource { ifname, family } => {
            let what = match family {
                Family::V4 => "IPv4 address",
                Family::V6 => "IPv6 link-local address",
            };
            warn!("({name}) advert not sent: {ifname} has no {what} to send from ({total} not sent{since})")
        }
        NotSent::Send(e) => warn!("({name}) advert not sent: {e} ({total} not sent{since})"),
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

/// Instance `name` has no VRRP socket (at build, or when its link or source moved).
pub(super) fn socket_not_opened(name: &str, e: &std::io::Error) {
    log::error!("({name}) cannot open its VRRP socket: {e}");
}
