//! `vrrp_sync_group NAME { group { VI_1 VI_2 } ... }`: instances that change state together.

use super::super::diag::{Diagnostics, Loc};
use super::super::track::{self, TrackList, Trackers};
use super::super::tree::Node;
use super::super::value::parse_bool;
use super::notify::Notify;

#[derive(Clone, Debug, Default)]
pub(crate) struct SyncGroup {
    pub(crate) loc: Loc,
    pub(crate) name: String,
    /// Member instance names as written (resolved and pruned by `check`).
    pub(crate) members: Vec<String>,
    /// Where the `group` line is, for reporting members.
    pub(crate) group_loc: Option<Loc>,
    pub(crate) track: TrackList,
    pub(crate) notify: Notify,
    pub(crate) smtp_alert: Option<bool>,
    global_tracking: bool,
    pub(crate) sync_group_tracking_weight: bool,
    pub(crate) notify_priority_changes: Option<bool>,
}

pub(crate) fn parse(
    n: &Node,
    trackers: &Trackers,
    iface_exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) -> Option<SyncGroup> {
    let name = match n.args() {
        [name] => name.clone(),
        _ => {
            d.error(n.loc, "vrrp_sync_group must have a name - skipping");
            return None;
        }
    };
    let mut g = SyncGroup {
        loc: n.loc,
        name,
        ..Default::default()
    };
    for c in n.children() {
        let who = g.name.clone();
        if track::parse_track_block(c, &who, trackers, iface_exists, &mut g.track, d) {
            continue;
        }
        if matches!(c.keyword(), "notify_deleted" | "notify_master_rx_lower_pri") {
            d.unknown_keyword(c.loc, c.keyword());
            continue;
        }
        if g.notify.parse(c, &who, d) {
            continue;
        }
        match c.keyword() {
            "group" => {
                if g.group_loc.is_some() {
                    d.warn(
                        c.loc,
                        format_args!("Group list already specified for sync group {who}"),
                    );
                    continue;
                }
                g.group_loc = Some(c.loc);
                g.members = c.block_words();
                if g.members.is_empty() {
                    d.warn(
                        c.end_loc(),
                        format_args!("Warning - sync group {who} has empty group block"),
                    );
                }
            }
            "smtp_alert" => match c.arg(0).map(parse_bool) {
                None => g.smtp_alert = Some(true),
                Some(Some(b)) => g.smtp_alert = Some(b),
                Some(None) => d.warn(
                    c.loc,
                    format_args!(
                        "Invalid vrrp_group smtp_alert parameter {}",
                        c.arg(0).unwrap_or("")
                    ),
                ),
            },
            "global_tracking" => {
                d.warn(
                    c.loc,
                    format_args!("({who}) global_tracking is deprecated. Use track_interface/script/file on the sync group"),
                );
                g.global_tracking = true;
            }
            "sync_group_tracking_weight" => g.sync_group_tracking_weight = true,
            "notify_priority_changes" => match c.arg(0).map(parse_bool) {
                None => g.notify_priority_changes = Some(true),
                Some(Some(b)) => g.notify_priority_changes = Some(b),
                Some(None) => d.warn(
                    c.loc,
                    format_args!(
                        "({who}) Invalid value '{}' for sync group notify_priority_changes specified",
                        c.arg(0).unwrap_or("")
                    ),
                ),
            },
            k => d.unknown_keyword(c.loc, k),
        }
    }
    Some(g)
}
