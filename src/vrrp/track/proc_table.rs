//! The processes each vrrp_track_process counts, from what /proc says of each one (its stat
//! line and, for `full_command`, its command line), and the quorums fed from the counts.
//! The shell reads /proc and the kernel's process events; what they mean is decided here.

use super::{Key, Level, ProcMatch, Quorum, Tracking};
use crate::config::track::Trackers;
use crate::core::time::Micros;

/// Quorums gained (true) or lost, by tracked object, for the instances.
pub(crate) type QuorumChanges = heapless::Vec<(usize, bool), 64>;

/// At most this many tracked processes are told apart (a bit each); the others never match.
pub(crate) const MAX_WATCHES: usize = 64;

struct Watch {
    name: String,
    obj: usize,
    m: ProcMatch,
    quorum: Quorum,
    /// The matching processes.
    pids: Vec<u32>,
}

/// Every tracked process object with the processes it counts now.
#[derive(Default)]
pub(crate) struct ProcTable {
    list: Vec<Watch>,
}

impl ProcTable {
    /// The watches for the process objects of `core`, as `trackers` define them; one whose
    /// match is unchanged from `old` keeps its quorum state (and its pending delay).
    pub(crate) fn new(core: &Tracking, trackers: &Trackers, old: &ProcTable) -> Self {
        let mut list = Vec::new();
        for (obj, name) in core.named(Key::Process) {
            let Some(p) = trackers.processes.iter().find(|p| p.name == name) else {
                continue;
            };
            let m = ProcMatch::from_config(p);
            let quorum = match old.list.iter().find(|o| o.name == name && o.m == m) {
                Some(o) => o.quorum,
                None => Quorum::from_config(p),
            };
            list.push(Watch {
                name,
                obj,
                m,
                quorum,
                pids: Vec::new(),
            });
        }
        ProcTable { list }
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// How many processes the watch for vrrp_track_process `name` counts now.
    pub(crate) fn count(&self, name: &str) -> Option<usize> {
        Some(self.list.iter().find(|p| p.name == name)?.pids.len())
    }

    /// Whether a process's command line is needed to match it.
    pub(crate) fn wants_cmdline(&self) -> bool {
        self.list.iter().any(|p| p.m.full_command)
    }

    /// Which watches a process matches (bit i for watch i), from its /proc/PID/stat and
    /// /proc/PID/cmdline (empty unless [`ProcTable::wants_cmdline`]); None for a zombie or
    /// what is no stat line.
    pub(crate) fn matching(&self, stat: &[u8], cmdline: &[u8]) -> Option<u64> {
        // "pid (comm) S ...": the name is between the first '(' and the last ')'.
        let open = stat.iter().position(|b| *b == b'(')?;
        let close = stat.iter().rposition(|b| *b == b')')?;
        if open >= close || stat.get(close + 2) == Some(&b'Z') {
            return None;
        }
        let comm = &stat[open + 1..close];
        let mut bits = 0u64;
        for (i, p) in self.list.iter().enumerate().take(MAX_WATCHES) {
            if p.m.matches(comm, cmdline) {
                bits |= 1 << i;
            }
        }
        Some(bits)
    }

    /// Sets `pid`'s membership in every watch to what `bits` (from [`ProcTable::matching`])
    /// says.
    pub(crate) fn set(&mut self, pid: u32, bits: u64) {
        for (i, p) in self.list.iter_mut().enumerate() {
            let want = i < MAX_WATCHES && bits & (1 << i) != 0;
            let at = p.pids.iter().position(|x| *x == pid);
            match (want, at) {
                (true, None) => p.pids.push(pid),
                (false, Some(j)) => {
                    p.pids.swap_remove(j);
                }
                _ => {}
            }
        }
    }

    /// `pid` exited.
    pub(crate) fn forget(&mut self, pid: u32) {
        for p in &mut self.list {
            p.pids.retain(|x| *x != pid);
        }
    }

    /// Forgets every process, before a full scan.
    pub(crate) fn clear(&mut self) {
        for p in &mut self.list {
            p.pids.clear();
        }
    }

    /// Feeds the counts to the quorums at `now`, pushing each change onto `changes` and
    /// telling `said` the (name, quorum) of those keepalived logs (not a first count of a
    /// process nothing has heard of yet). Returns when to look again: the next delay running
    /// out, or `scan` if sooner.
    pub(crate) fn settle(
        &mut self,
        now: Micros,
        core: &Tracking,
        scan: Option<Micros>,
        changes: &mut QuorumChanges,
        mut said: impl FnMut(&str, bool),
    ) -> Option<Micros> {
        for p in &mut self.list {
            let count = u32::try_from(p.pids.len()).unwrap_or(u32::MAX);
            if let Some(have) = p.quorum.update(count, now) {
                if core.level(p.obj) != Some(Level::Unknown) {
                    said(&p.name, have);
                }
                let _ = changes.push((p.obj, have));
            }
        }
        self.list
            .iter()
            .filter_map(|p| p.quorum.deadline())
            .chain(scan)
            .min()
    }
}
