//! The BFD child's own scheduling and name from global_defs (`bfd_priority`,
//! `bfd_rt_priority`, `bfd_rlimit_rttime`, `bfd_no_swap`, `bfd_cpu_affinity`,
//! `bfd_process_name`), set at start and again after a reload that changed them, as
//! keepalived's BFD process does.

use crate::config::global::{Child, GlobalDefs};

/// Ordinary scheduling while a reload runs (see [`crate::core::sched::pause`]).
pub(crate) fn pause(cur: &GlobalDefs) {
    crate::core::sched::pause(&cur.child_sched(Child::Bfd).0);
}

/// Applies `new`'s settings; with `old` (a reload), only what changed, from ordinary
/// scheduling. `default_name` is the name the child has without `bfd_process_name`.
pub(crate) fn apply(new: &GlobalDefs, old: Option<&GlobalDefs>, default_name: &str) {
    let old = old.map(|o| o.child_sched(Child::Bfd));
    crate::core::sched::child(new.child_sched(Child::Bfd), old, default_name, "bfd");
}
