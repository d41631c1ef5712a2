//! The tracking lines of the SIGUSR1 data file, in keepalived 2.2.7's words (vrrp_data.c,
//! vrrp_track.c dump functions): each instance's total priority and tracked objects, then the
//! vrrp_scripts and track files with their state. Here so it can read the tracking core.

use std::fmt::Write;

use super::TrackShell;
use crate::config::track::Weight;
use crate::config::Config;
use crate::vrrp::track::{contribution, Key, Level};

fn rev(w: Weight) -> &'static str {
    if w.reverse {
        " reverse"
    } else {
        ""
    }
}

/// The object's name when `key` is of list `kind` (interfaces, scripts, files, processes).
fn name_of(key: &Key, kind: u8) -> Option<&String> {
    match (key, kind) {
        (Key::Interface(n), 0) | (Key::Script(n), 1) | (Key::File(n), 2) | (Key::Process(n), 3) => {
            Some(n)
        }
        _ => None,
    }
}

impl TrackShell {
    /// keepalived's total_priority: the base plus every tracker's weight, before clamping.
    pub(in crate::vrrp::shell) fn total_priority(&self, i: usize, base: u8) -> i32 {
        if base == 255 {
            return 255;
        }
        let sum: i32 = self
            .core
            .links(i)
            .iter()
            .map(|l| contribution(self.core.objs[l.obj].level, l.weight).0)
            .sum();
        i32::from(base) + sum
    }

    /// The instance's "Tracked interfaces / scripts / files / processes" lists.
    pub(in crate::vrrp::shell) fn data_instance(&self, i: usize, s: &mut String) {
        let kinds = [
            ("interfaces", 0, ""),
            ("scripts", 1, ""),
            ("files", 2, ","),
            ("processes", 3, ","),
        ];
        for (what, kind, sep) in kinds {
            let mut head = false;
            for l in self.core.links(i) {
                let Some(n) = name_of(&self.core.objs[l.obj].key, kind) else {
                    continue;
                };
                if !head {
                    let _ = writeln!(s, "   Tracked {what} :");
                    head = true;
                }
                let w = l.weight;
                let _ = writeln!(s, "     {n}{sep} weight {}{}", w.weight, rev(w));
            }
        }
    }

    /// The "VRRP Scripts" and "VRRP Track files" sections: each object's state and the
    /// instances tracking it (`names`: instance names by index).
    pub(in crate::vrrp::shell) fn data_objects(
        &self,
        cfg: &Config,
        names: &[&str],
        s: &mut String,
    ) {
        let level = |key: &Key| {
            self.core
                .objs
                .iter()
                .find(|o| o.key == *key)
                .map(|o| o.level)
        };
        let tracking = |key: &Key, s: &mut String| {
            for (i, name) in names.iter().enumerate() {
                for l in self.core.links(i) {
                    if self.core.objs[l.obj].key == *key {
                        let w = l.weight;
                        let _ = writeln!(s, "     {name}, weight {}{}", w.weight, rev(w));
                    }
                }
            }
        };
        // keepalived drops a script nothing tracks ("Warning - script X is not used").
        let scripts: Vec<_> = cfg
            .vrrp
            .trackers
            .scripts
            .iter()
            .filter(|sc| level(&Key::Script(sc.name.clone())).is_some())
            .collect();
        if !scripts.is_empty() {
            s.push_str("------< VRRP Scripts >------\n");
        }
        for sc in scripts {
            let key = Key::Script(sc.name.clone());
            let lv = level(&key);
            let cmd: Vec<String> = sc.script.argv.iter().map(|a| format!("'{a}'")).collect();
            let _ = write!(
                s,
                " VRRP Script = {}\n   Command = {}\n   Interval = {} sec\n   Timeout = {} sec\n   \
                 Weight = {}{}\n   Rise = {}\n   Fall = {}\n   Init state = {}\n   Status = {}\n   \
                 Tracking instances :\n",
                sc.name,
                cmd.join(" "),
                sc.interval.as_secs(),
                sc.timeout.map_or(0, |t| t.as_secs()),
                sc.weight.weight,
                rev(sc.weight),
                sc.rise,
                sc.fall,
                if lv == Some(Level::Unknown) {
                    "INIT"
                } else {
                    "unknown"
                },
                if lv == Some(Level::Up) { "GOOD" } else { "BAD" },
            );
            tracking(&key, s);
        }
        let files = &cfg.vrrp.trackers.files;
        if !files.is_empty() {
            s.push_str("------< VRRP Track files >------\n");
        }
        for f in files {
            let key = Key::File(f.name.clone());
            let status = match level(&key) {
                Some(Level::Value(v)) => v,
                _ => 0,
            };
            let _ = write!(
                s,
                " Track file = {}\n   File = {}\n   Status = {status}\n   Weight = {}{}\n   \
                 Tracking instances :\n",
                f.name,
                f.file,
                f.weight.weight,
                rev(f.weight),
            );
            tracking(&key, s);
        }
    }
}
