//! keepalived's start-up hold: an instance whose only faults are weight-0 vrrp_scripts that
//! have not reported yet enters FAULT silently: no state line, no FAULT notify (as
//! keepalived 2.2.7 does, seen with -D); that notify comes when
//! one of those scripts first reports a failure (vrrp_scheduler.c vrrp_init_state,
//! vrrp_track.c down_instance). Here so it can read the tracking core; the shell hooks are in
//! notify.rs (start) and mod.rs (after a script exit).

use super::TrackShell;
use crate::vrrp::track::{contribution, Key, Level};

impl TrackShell {
    /// Whether every tracker fault of instance `i` comes from a script that has not reported
    /// yet (and there is at least one).
    pub(in crate::vrrp::shell) fn only_unreported_scripts(&self, i: usize) -> bool {
        let mut unreported = 0;
        for l in self.core.links(i) {
            let o = &self.core.objs[l.obj];
            if !contribution(o.level, l.weight).1 {
                continue;
            }
            match (&o.key, o.level) {
                (Key::Script(_), Level::Unknown) => unreported += 1,
                _ => return false,
            }
        }
        unreported > 0
    }
}
