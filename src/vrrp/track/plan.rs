//! What one vrrp_instance tracks, from the configuration: its own `track_*` blocks (already
//! pruned by the config check for sync group members and owners) plus those of every sync
//! group it belongs to, which apply to each member with their weights, except that a group
//! with an address owner among its members has weight 0 everywhere (vrrp.c). A BFD tracked
//! by both the instance and its group counts once, with the group's weight unless the
//! instance's is 0 (keepalived's add_vrrp_to_track_bfd).

use super::Key;
use crate::config::track::{TrackList, TrackRef, Trackers, Weight};
use crate::config::Config;

fn own_weight(kind: &str, r: &TrackRef, t: &Trackers) -> Weight {
    if let Some(w) = r.weight {
        return w;
    }
    let found = match kind {
        "script" => t
            .scripts
            .iter()
            .find(|s| s.name == r.name)
            .map(|s| s.weight),
        "file" => t.files.iter().find(|s| s.name == r.name).map(|s| s.weight),
        "process" => t
            .processes
            .iter()
            .find(|s| s.name == r.name)
            .map(|s| s.weight),
        "bfd" => t.bfds.iter().find(|s| s.name == r.name).map(|s| s.weight),
        _ => None,
    };
    found.unwrap_or_default()
}

fn push_list(list: &TrackList, t: &Trackers, zero: bool, out: &mut Vec<(Key, Weight)>) {
    let parts: [(&str, &Vec<TrackRef>); 5] = [
        ("interface", &list.interfaces),
        ("script", &list.scripts),
        ("file", &list.files),
        ("process", &list.processes),
        ("bfd", &list.bfds),
    ];
    for (kind, refs) in parts {
        for r in refs {
            let mut w = own_weight(kind, r, t);
            if zero {
                w.weight = 0;
            }
            let key = match kind {
                "interface" => Key::Interface(r.name.clone()),
                "script" => Key::Script(r.name.clone()),
                "file" => Key::File(r.name.clone()),
                "process" => Key::Process(r.name.clone()),
                _ => Key::Bfd(r.name.clone()),
            };
            // The same object through the instance and its group counts once, as keepalived
            // keeps one tracking entry per object and instance.
            match out.iter_mut().find(|(k, _)| *k == key) {
                None => out.push((key, w)),
                Some((Key::Bfd(_), had)) if had.weight != 0 => *had = w,
                Some(_) => {}
            }
        }
    }
}

/// The objects instance `idx` of `cfg` tracks, with their weights.
pub fn instance_links(cfg: &Config, idx: usize) -> Vec<(Key, Weight)> {
    let v = &cfg.vrrp.instances[idx];
    let t = &cfg.vrrp.trackers;
    let mut out = Vec::new();
    push_list(&v.track, t, false, &mut out);
    for g in cfg
        .vrrp
        .sync_groups
        .iter()
        .filter(|g| g.members.contains(&v.name))
    {
        let has_owner = cfg
            .vrrp
            .instances
            .iter()
            .any(|m| g.members.contains(&m.name) && m.resolved.priority == 255);
        push_list(&g.track, t, has_owner, &mut out);
    }
    out
}
