//! Tracked objects (interfaces, vrrp_scripts, track files, processes, BFD sessions, the source
//! address) and what they do to the instances that track them, sans-IO.
//!
//! keepalived adjusts each instance's total priority incrementally as objects change; here
//! every object has a [`Level`] and an instance's [`Effect`] (priority delta, number of
//! weight-0 faults) is recomputed from the levels of what it tracks. The two agree (see
//! `weight.rs`), and recomputing cannot drift. The shell feeds levels in, asks
//! [`Tracking::pending`] for instances whose effect changed, and hands the difference to the
//! state machine (`tracker_fault` / `tracker_recovered` / `set_effective_priority`).
//!
//! What the kernel and the scripts say comes in through [`io`] (the one part here that makes
//! syscalls); what it means is decided here: process matching and quorums (`proc_table.rs`),
//! which file an inotify event concerns (`file_watch.rs`), a script's exit (`script.rs`),
//! first levels (`start.rs`), the faults named at start and the start-up hold (`hold.rs`),
//! what the parent said of the BFD sessions (`bfd.rs`).

mod bfd;
mod file_watch;
mod hold;
pub(crate) mod io;
mod plan;
mod proc_table;
mod process;
mod script;
mod start;
mod weight;

#[cfg(test)]
mod bfd_tests;
#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

pub(crate) use bfd::BfdStates;
pub(crate) use file_watch::{init_value, touched, FileWatch, Reading};
pub(crate) use hold::Fault;
pub use plan::instance_links;
pub(crate) use proc_table::{ProcTable, QuorumChanges, MAX_WATCHES};
pub use process::{ProcMatch, Quorum};
#[cfg(test)]
use script::ScriptCounter;
pub(crate) use script::ScriptState;
pub use script::{Outcome, Start};
pub(crate) use start::Kernel;
pub use weight::contribution;

use crate::config::track::Weight;

/// What a tracked object says now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// A script that has not reported yet: no weight applies, but a weight-0 tracker holds
    /// the instance in FAULT until it has.
    Unknown,
    Up,
    Down,
    /// A track file's number.
    Value(i64),
}

/// Names a tracked object; one object serves every instance tracking it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Interface(String),
    Script(String),
    File(String),
    Process(String),
    /// A `bfd_instance` by name: Up or Down as the BFD child last said (through the parent).
    Bfd(String),
    /// `track_src_ip`: the configured source address on the instance's interface.
    SrcIp(u32, IpAddr),
}

#[derive(Clone, Debug)]
pub struct Obj {
    pub key: Key,
    pub level: Level,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub obj: usize,
    pub weight: Weight,
}

/// What tracking does to one instance: `delta` is added to its base priority, `faults` is how
/// many weight-0 trackers hold it in FAULT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effect {
    pub delta: i32,
    pub faults: u32,
}

/// Every tracked object and, per instance (in the shell's order), what it tracks.
#[derive(Debug, Default)]
pub struct Tracking {
    pub objs: Vec<Obj>,
    links: Vec<Vec<Link>>,
    applied: Vec<Effect>,
}

impl Tracking {
    #[cfg(test)]
    pub fn new() -> Self {
        Self::default()
    }

    /// The object named `key`, created at `level` if new.
    pub fn object(&mut self, key: Key, level: Level) -> usize {
        if let Some(i) = self.find(&key) {
            return i;
        }
        self.objs.push(Obj { key, level });
        self.objs.len() - 1
    }

    /// The (index, name) of every object of the kind `kind` makes, e.g. `Key::File`: the
    /// shell sets each kind up from its own config section.
    pub fn named(&self, kind: fn(String) -> Key) -> Vec<(usize, String)> {
        let want = std::mem::discriminant(&kind(String::new()));
        let mut out = Vec::new();
        for (o, x) in self.objs.iter().enumerate() {
            match &x.key {
                Key::Interface(n)
                | Key::Script(n)
                | Key::File(n)
                | Key::Process(n)
                | Key::Bfd(n)
                    if std::mem::discriminant(&x.key) == want =>
                {
                    out.push((o, n.clone()))
                }
                _ => {}
            }
        }
        out
    }

    pub fn find(&self, key: &Key) -> Option<usize> {
        self.objs.iter().position(|o| &o.key == key)
    }

    /// Adds the next instance with what it tracks; returns its index. Nothing is applied yet:
    /// the first [`Tracking::pending`] reports the whole effect.
    pub fn add_instance(&mut self, links: Vec<Link>) -> usize {
        self.links.push(links);
        self.applied.push(Effect::default());
        self.links.len() - 1
    }

    pub fn instances(&self) -> usize {
        self.links.len()
    }

    pub fn links(&self, inst: usize) -> &[Link] {
        self.links.get(inst).map_or(&[], |l| l.as_slice())
    }

    /// Sets an object's level; true when it changed.
    pub fn set_level(&mut self, obj: usize, level: Level) -> bool {
        match self.objs.get_mut(obj) {
            Some(o) if o.level != level => {
                o.level = level;
                true
            }
            _ => false,
        }
    }

    pub fn level(&self, obj: usize) -> Option<Level> {
        self.objs.get(obj).map(|o| o.level)
    }

    /// The effect of the current levels on instance `inst`.
    pub fn effect(&self, inst: usize) -> Effect {
        let mut e = Effect::default();
        for l in self.links(inst) {
            let (delta, fault) = contribution(self.objs[l.obj].level, l.weight);
            e.delta = e.delta.saturating_add(delta);
            e.faults += u32::from(fault);
        }
        e
    }

    /// When `inst`'s effect differs from what was last applied: (applied, now), and the new
    /// one counts as applied.
    pub fn pending(&mut self, inst: usize) -> Option<(Effect, Effect)> {
        let now = self.effect(inst);
        let old = self.applied.get_mut(inst)?;
        if *old == now {
            return None;
        }
        let was = *old;
        *old = now;
        Some((was, now))
    }

    /// Records `e` as already applied to `inst` (an instance kept over a reload).
    pub fn set_applied(&mut self, inst: usize, e: Effect) {
        if let Some(a) = self.applied.get_mut(inst) {
            *a = e;
        }
    }

    /// Whether instance `inst` tracks object `obj`.
    pub fn tracks(&self, inst: usize, obj: usize) -> bool {
        self.links(inst).iter().any(|l| l.obj == obj)
    }
}
