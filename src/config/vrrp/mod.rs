//! The VRRP side of keepalived.conf: vrrp_instance, vrrp_sync_group, the tracking objects
//! (vrrp_script, track_file, vrrp_track_process) and the small VRRP-only top-level blocks
//! (garp_group, track_group, linkbeat_interfaces, interface_up_down_delays).

mod blocks;
pub(crate) mod check;
mod ifblocks;
pub(crate) mod instance;
mod keywords;
mod notify;
mod parse;
mod resolve;
mod sync_group;
#[cfg(test)]
mod tests;
mod vrid;

use super::diag::Diagnostics;
use super::kwtable::keyword_table;
use super::track::{self, Trackers};
use super::tree::Node;
use super::Config;
use crate::core::time::Micros;

pub(crate) use check::{check, drop_track_scripts};
pub(crate) use instance::{Auth, AuthType, Family, State, UnicastPeer, VrrpInstance};
pub(crate) use notify::Notify;
pub(crate) use sync_group::SyncGroup;

/// An instance's effective settings once keepalived's defaults and cross-setting rules are applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) version: u8,
    pub(crate) priority: u8,
    pub(crate) state: Option<State>,
    pub(crate) advert_int: Micros,
    pub(crate) family: Option<Family>,
    pub(crate) strict: bool,
    pub(crate) accept: bool,
    /// Unicast peers are used (else multicast).
    pub(crate) unicast: bool,
    /// Starts in FAULT: with `allow_if_changes`, another instance has this VRID on the same
    /// wire, and this one's interface may change (keepalived's duplicate-VRID config fault).
    pub(crate) dup_vrid_fault: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct VrrpConfig {
    pub(crate) instances: Vec<VrrpInstance>,
    pub(crate) sync_groups: Vec<SyncGroup>,
    pub(crate) trackers: Trackers,
    /// garp_group, track_group, linkbeat_interfaces, interface_up_down_delays.
    pub(crate) ifblocks: ifblocks::IfBlocks,
}

/// Whether the interface exists now, in our network namespace.
fn interface_exists(name: &str) -> bool {
    crate::net::iface::exists(name)
}

keyword_table! {
    /// The top-level keywords of the VRRP side.
    enum Top {
        "vrrp_instance" => VrrpInstance,
        "vrrp_sync_group" => VrrpSyncGroup,
        "vrrp_script" => VrrpScript,
        "track_file" => TrackFile,
        "vrrp_track_file" => VrrpTrackFile,
        "vrrp_track_process" => VrrpTrackProcess,
        "garp_group" => GarpGroup,
        "linkbeat_interfaces" => LinkbeatInterfaces,
        "interface_up_down_delays" => InterfaceUpDownDelays,
        "track_group" => TrackGroup,
    }
}

/// Handles the VRRP-side top-level keywords; false for others.
pub(crate) fn parse_top(n: &Node, cfg: &mut Config, d: &mut Diagnostics) -> bool {
    parse_top_with(n, cfg, interface_exists, d)
}

/// [`parse_top`] with the interface lookup supplied (tests use a fixed set).
pub(crate) fn parse_top_with(
    n: &Node,
    cfg: &mut Config,
    lookup: fn(&str) -> bool,
    d: &mut Diagnostics,
) -> bool {
    // With dynamic_interfaces a missing interface is expected to appear later.
    let Config { global, vrrp, .. } = cfg;
    let dynamic = global.dynamic_interfaces;
    let seen = &global.seen_interfaces;
    let exists = |name: &str| dynamic || seen.iter().any(|s| s == name) || lookup(name);
    let iface_exists: &dyn Fn(&str) -> bool = &exists;
    let Some(k) = Top::lookup(n.keyword()) else {
        return false;
    };
    match k {
        Top::VrrpInstance => {
            if vrrp
                .instances
                .iter()
                .any(|i| Some(i.name.as_str()) == n.arg(0))
            {
                d.error(
                    n.loc,
                    format_args!("vrrp instance {} already defined", n.arg(0).unwrap_or("")),
                );
                return true;
            }
            let ctx = keywords::Ctx {
                trackers: &vrrp.trackers,
                iface_exists,
                net: super::iproute::NetCtx {
                    lookup: Some(lookup),
                    ..super::iproute::NetCtx::from_global(global, false)
                },
            };
            if let Some(i) = parse::parse(n, &ctx, d) {
                vrrp.instances.push(i);
            }
        }
        Top::VrrpSyncGroup => {
            if vrrp
                .sync_groups
                .iter()
                .any(|g| Some(g.name.as_str()) == n.arg(0))
            {
                d.error(
                    n.loc,
                    format_args!("vrrp sync group {} already defined", n.arg(0).unwrap_or("")),
                );
                return true;
            }
            if let Some(g) = sync_group::parse(n, &vrrp.trackers, iface_exists, d) {
                vrrp.sync_groups.push(g);
            }
        }
        Top::VrrpScript => {
            if let Some(s) = track::parse_vrrp_script(n, d) {
                let t = &mut vrrp.trackers.scripts;
                t.retain(|o| o.name != s.name);
                t.push(s);
            }
        }
        Top::TrackFile | Top::VrrpTrackFile => {
            if let Some(f) = track::parse_track_file(n, d) {
                let t = &mut vrrp.trackers.files;
                t.retain(|o| o.name != f.name);
                t.push(f);
            }
        }
        Top::VrrpTrackProcess => {
            if let Some(p) = track::parse_track_process(n, d) {
                let t = &mut vrrp.trackers.processes;
                t.retain(|o| o.name != p.name);
                t.push(p);
            }
        }
        Top::GarpGroup => ifblocks::parse_garp_group(n, &mut vrrp.ifblocks, iface_exists, d),
        Top::LinkbeatInterfaces => ifblocks::parse_linkbeat(n, &mut vrrp.ifblocks, iface_exists, d),
        Top::InterfaceUpDownDelays => {
            ifblocks::parse_up_down_delays(n, &mut vrrp.ifblocks, iface_exists, d)
        }
        Top::TrackGroup => ifblocks::parse_track_group(n, &mut vrrp.ifblocks, d),
    }
    true
}
