//! vrrp_track_process I/O. keepalived follows processes with the kernel's process events
//! connector, and so do we: one scan of /proc at start, then fork/exec/rename/exit events. The
//! connector exists only in the initial network namespace (a container or a lab namespace gets
//! ECONNREFUSED; keepalived 2.2.7 then tracks nothing); there we scan /proc every
//! [`PROC_SCAN`] instead, reacting within that time. What a process's /proc files mean and
//! what the counts do to the quorums is [`ProcTable`]'s.

use log::{info, warn};
use mio::Interest;
use std::os::fd::AsRawFd;

use super::{QuorumChanges, TrackShell};
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::net::proc_events::{ProcEvent, ProcEvents};
use crate::vrrp::track::{ProcTable, MAX_WATCHES};

/// Poll token of the process events socket.
pub(crate) use crate::core::tokens::PROC_EVENTS as PROC_EVENTS_TOKEN;
pub(crate) use crate::core::tokens::PROC_SCAN_TIMER as PROC_SCAN_TOKEN;
/// How often /proc is scanned when there is no process events connector.
pub(crate) const PROC_SCAN: Micros = Micros::from_secs(1);

/// The tracked processes and how they are followed.
#[derive(Default)]
pub(super) struct Procs {
    pub(super) table: ProcTable,
    events: Option<ProcEvents>,
    timer: Option<TimerId>,
    /// Read buffers reused for every process looked at.
    path: String,
    stat: Vec<u8>,
    cmdline: Vec<u8>,
}

impl Procs {
    /// Stops following (before a rebuild).
    pub(super) fn close(&mut self, lp: &mut EventLoop) {
        if let Some(t) = self.timer.take() {
            lp.cancel_timer(t);
        }
        if let Some(ev) = self.events.take() {
            let _ = lp.deregister(ev.as_raw_fd());
        }
    }

    /// Which watches process `pid` matches, or None when it is gone or a zombie.
    fn matching(&mut self, pid: u32) -> Option<u64> {
        self.stat.clear();
        read_into(&mut self.path, pid, "stat", &mut self.stat).ok()?;
        self.cmdline.clear();
        if self.table.wants_cmdline() {
            let _ = read_into(&mut self.path, pid, "cmdline", &mut self.cmdline);
        }
        self.table.matching(&self.stat, &self.cmdline)
    }

    /// Sets `pid`'s membership in every watch from what it runs now.
    fn recheck(&mut self, pid: u32) {
        let bits = self.matching(pid).unwrap_or(0);
        self.table.set(pid, bits);
    }

    /// Every process, afresh.
    fn rescan(&mut self) {
        self.table.clear();
        let me = std::process::id();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return;
        };
        // Not `dir.flatten()`: Flatten<ReadDir> is ~800 bytes of MIPS code over this loop.
        for e in dir {
            let Ok(e) = e else { continue };
            let name = e.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if pid != me {
                self.recheck(pid);
            }
        }
    }
}

/// Reads /proc/PID/FILE into `buf`, building the path in `path` (both reused).
fn read_into(path: &mut String, pid: u32, file: &str, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::fmt::Write as _;
    use std::io::Read;
    path.clear();
    let _ = write!(path, "/proc/{pid}/{file}");
    let mut f = std::fs::File::open(path.as_str())?;
    // A plain read loop: File::read_to_end, inlined here, first sizes the file with fstat and
    // lseek (nothing to learn from a /proc file) and measured ~1 KB bigger on mips.
    let mut chunk = [0u8; 512];
    loop {
        match f.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

impl TrackShell {
    /// Follows the processes of `table` and takes the first count, for the instances to
    /// start with.
    pub(super) fn procs_setup(&mut self, lp: &mut EventLoop, table: ProcTable) -> QuorumChanges {
        let procs = &mut self.procs;
        procs.table = table;
        if procs.table.len() == 0 {
            return QuorumChanges::new();
        }
        if procs.table.len() > MAX_WATCHES {
            warn!("More than 64 vrrp_track_process - the others are never matched");
        }
        match ProcEvents::open() {
            Ok(ev) => match lp.register(ev.as_raw_fd(), PROC_EVENTS_TOKEN, Interest::READABLE) {
                Ok(()) => procs.events = Some(ev),
                Err(e) => warn!("cannot watch process events: {e}"),
            },
            Err(e) => info!(
                "Process events unavailable ({e}) - scanning /proc every {}s instead",
                PROC_SCAN.as_secs()
            ),
        }
        procs.rescan();
        self.procs_settle(lp)
    }

    /// The process events socket is readable.
    pub(crate) fn proc_events(&mut self, lp: &mut EventLoop) -> QuorumChanges {
        let mut changed = false;
        loop {
            let procs = &mut self.procs;
            let Some(ev) = procs.events.as_mut() else {
                return QuorumChanges::new();
            };
            let e = match ev.next_event() {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => {
                    warn!("process events: {e}");
                    break;
                }
            };
            match e {
                ProcEvent::Fork(pid) | ProcEvent::Exec(pid) | ProcEvent::Comm(pid) => {
                    procs.recheck(pid)
                }
                ProcEvent::Exit(pid) => procs.table.forget(pid),
                ProcEvent::Overrun => procs.rescan(),
            }
            changed = true;
        }
        if !changed {
            return QuorumChanges::new();
        }
        self.procs_settle(lp)
    }

    /// The scan or delay timer fired.
    pub(crate) fn procs_timer(&mut self, lp: &mut EventLoop, id: TimerId) -> QuorumChanges {
        if self.procs.timer != Some(id) {
            return QuorumChanges::new();
        }
        self.procs.timer = None;
        if self.procs.events.is_none() {
            self.procs.rescan();
        }
        self.procs_settle(lp)
    }

    /// Feeds the counts to the quorums and arms the next scan (without events) or the next
    /// delay running out; returns the quorum changes, for the instances.
    fn procs_settle(&mut self, lp: &mut EventLoop) -> QuorumChanges {
        let now = Micros::now();
        let procs = &mut self.procs;
        let scan = procs.events.is_none().then_some(now + PROC_SCAN);
        let mut changes = QuorumChanges::new();
        let next = procs
            .table
            .settle(now, &self.core, scan, &mut changes, |name, have| {
                let what = if have { "gained" } else { "lost" };
                info!("Quorum {what} for tracked process {name}");
            });
        if let Some(t) = procs.timer.take() {
            lp.cancel_timer(t);
        }
        procs.timer = next.map(|at| lp.add_timer_at(at, PROC_SCAN_TOKEN));
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::track::{ParamMatch, TrackProcess};
    use crate::vrrp::track::{Key, Level, Tracking};

    #[test]
    fn a_process_counts_from_exec_to_exit_and_in_a_scan() {
        let dir = std::env::temp_dir().join(format!("ka-procs-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let prog = dir.join("kaprocsunit");
        std::fs::copy("/bin/sleep", &prog).expect("copy sleep");
        let mut core = Tracking::default();
        core.object(Key::Process("p".into()), Level::Unknown);
        let mut trackers = crate::config::track::Trackers::default();
        trackers.processes.push(TrackProcess {
            loc: Default::default(),
            name: "p".into(),
            process: "kaprocsunit".into(),
            params: Vec::new(),
            param_match: ParamMatch::None,
            weight: Default::default(),
            quorum: 1,
            quorum_max: u32::MAX,
            delay: None,
            terminate_delay: None,
            fork_delay: None,
            full_command: false,
        });
        let mut procs = Procs {
            table: ProcTable::new(&core, &trackers, &ProcTable::default()),
            ..Procs::default()
        };
        let count = |procs: &mut Procs| {
            let mut changes = QuorumChanges::new();
            procs
                .table
                .settle(Micros::ZERO, &core, None, &mut changes, |_, _| {});
            changes.first().map(|c| c.1)
        };
        let mut child = std::process::Command::new(&prog)
            .arg("30")
            .spawn()
            .expect("spawn");
        let pid = child.id();
        procs.recheck(pid);
        assert_eq!(count(&mut procs), Some(true));
        procs.rescan();
        assert_eq!(count(&mut procs), None, "the scan finds it again");
        let _ = child.kill();
        let _ = child.wait();
        procs.recheck(pid);
        assert_eq!(count(&mut procs), Some(false));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
