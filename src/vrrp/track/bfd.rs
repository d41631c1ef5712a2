//! What the VRRP child knows of the BFD sessions: the latest Up or Down the parent passed on
//! for each `bfd_instance` name, kept whether or not an instance tracks it now, so that a
//! reload that starts tracking a session already Up starts from Up. A name never heard of is
//! Down, as keepalived assumes before the BFD process's first event.

use super::{Key, Tracking};
use crate::core::watchdog::link::BfdEvent;

#[derive(Debug, Default)]
pub(crate) struct BfdStates(Vec<BfdEvent>);

impl BfdStates {
    /// None heard of yet (a `static` one stands for "no BFD" in tests).
    #[cfg(test)]
    pub(crate) const fn new() -> Self {
        BfdStates(Vec::new())
    }

    /// Records `ev`; true when it changes what was known (an unknown name counts as Down).
    pub(crate) fn set(&mut self, ev: BfdEvent) -> bool {
        match self.0.iter_mut().find(|e| e.name() == ev.name()) {
            Some(e) => {
                let changed = e.up != ev.up;
                *e = ev;
                changed
            }
            None => {
                self.0.push(ev);
                ev.up
            }
        }
    }

    pub(crate) fn up(&self, name: &str) -> bool {
        self.0.iter().any(|e| e.up && e.name() == name)
    }
}

impl Tracking {
    /// The tracked BFD session named `name`, found without building a key.
    pub(crate) fn find_bfd(&self, name: &str) -> Option<usize> {
        self.objs
            .iter()
            .position(|o| matches!(&o.key, Key::Bfd(n) if n == name))
    }
}
