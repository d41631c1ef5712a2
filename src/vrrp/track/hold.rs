//! Which weight-0 trackers hold an instance in FAULT, named for keepalived's start-up lines,
//! and its start-up hold: an instance whose only such faults are vrrp_scripts that have not
//! reported yet enters FAULT silently (keepalived 2.2.7's vrrp_init_state, seen with -D), its
//! FAULT notify waiting for one of those scripts to fail.

use super::{contribution, Key, Level, Tracking};

/// A weight-0 tracker holding an instance in FAULT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault<'a> {
    Interface(&'a str),
    /// A script that reported a failure (not one that has not reported yet).
    Script(&'a str),
    /// A track file and its status as keepalived reports it (-254 under weight 0).
    File(&'a str, i64),
    Process(&'a str),
}

impl Tracking {
    /// The weight-0 trackers holding instance `inst` in FAULT, in its tracking order.
    pub(crate) fn faults(&self, inst: usize) -> impl Iterator<Item = Fault<'_>> {
        self.links(inst).iter().filter_map(|l| {
            let o = &self.objs[l.obj];
            if !contribution(o.level, l.weight).1 {
                return None;
            }
            match (&o.key, o.level) {
                (Key::Interface(n), _) => Some(Fault::Interface(n)),
                (Key::Script(n), Level::Down) => Some(Fault::Script(n)),
                (Key::File(n), Level::Value(v)) => {
                    let status = if l.weight.weight == 0 {
                        -254
                    } else {
                        v.saturating_mul(i64::from(l.weight.weight))
                    };
                    Some(Fault::File(n, status))
                }
                (Key::Process(n), _) => Some(Fault::Process(n)),
                _ => None,
            }
        })
    }

    /// Whether every tracker fault of instance `inst` comes from a script that has not
    /// reported yet (and there is at least one).
    pub(crate) fn only_unreported_scripts(&self, inst: usize) -> bool {
        let mut unreported = 0;
        for l in self.links(inst) {
            let o = &self.objs[l.obj];
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

    /// Whether some instance tracks interface `name`.
    pub(crate) fn tracks_interface(&self, name: &str) -> bool {
        self.objs
            .iter()
            .any(|o| matches!(&o.key, Key::Interface(n) if n == name))
    }
}
