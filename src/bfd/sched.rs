//! The BFD child's own scheduling and name from global_defs (`bfd_priority`,
//! `bfd_rt_priority`, `bfd_rlimit_rttime`, `bfd_no_swap`, `bfd_cpu_affinity`,
//! `bfd_process_name`), set at start and again after a reload that changed them, as
//! keepalived's BFD process does.

use crate::config::global::{GlobalDefs, ProcSched};
use crate::core::sched::{self, Sched};

fn of(p: &ProcSched) -> Sched<'_> {
    Sched {
        nice: p.priority,
        rt_priority: p.rt_priority,
        rlimit_rttime: p.rlimit_rttime,
        no_swap: p.no_swap,
        cpus: &p.cpu_affinity,
    }
}

/// Applies `new`'s settings; with `old` (a reload), only what changed, from ordinary
/// scheduling. `default_name` is the name the child has without `bfd_process_name`.
pub(crate) fn apply(new: &GlobalDefs, old: Option<&GlobalDefs>, default_name: &str) {
    let (n, o) = (new.bfd_sched(), old.map(GlobalDefs::bfd_sched));
    if o != Some(n) {
        if let Some(o) = o {
            sched::reset(&of(o));
        }
        sched::apply(&of(n), "bfd");
    }
    let name = new.bfd_process_name();
    if old.map(GlobalDefs::bfd_process_name) != Some(name) {
        crate::core::daemon::set_comm(name.unwrap_or(default_name));
    }
}
