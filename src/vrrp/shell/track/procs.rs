//! vrrp_track_process I/O. keepalived follows processes with the kernel's process events
//! connector, and so do we: one scan of /proc at start, then fork/exec/rename/exit events. The
//! connector exists only in the initial network namespace (a container or a lab namespace gets
//! ECONNREFUSED; keepalived 2.2.7 then tracks nothing); there we scan /proc every
//! [`PROC_SCAN`] instead, reacting within that time.

use log::{info, warn};
use mio::Interest;
use std::os::fd::AsRawFd;

use super::TrackShell;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::net::proc_events::{ProcEvent, ProcEvents};
use crate::vrrp::track::{Key, Level, ProcMatch, Quorum};

/// Poll token of the process events socket.
pub(in crate::vrrp::shell) use crate::core::tokens::PROC_EVENTS as PROC_EVENTS_TOKEN;
pub(in crate::vrrp::shell) use crate::core::tokens::PROC_SCAN_TIMER as PROC_SCAN_TOKEN;
/// How often /proc is scanned when there is no process events connector.
pub const PROC_SCAN: Micros = Micros::from_secs(1);

pub(super) struct ProcWatch {
    name: String,
    obj: usize,
    m: ProcMatch,
    quorum: Quorum,
    /// The matching processes.
    pids: Vec<u32>,
}

/// The tracked processes and how they are followed.
#[derive(Default)]
pub(super) struct Procs {
    list: Vec<ProcWatch>,
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

    /// Which watches process `pid` matches (bit i for watch i; at most 64 are told apart, the
    /// rest never match), or None when it is gone or a zombie.
    fn matching(&mut self, pid: u32) -> Option<u64> {
        self.stat.clear();
        read_into(&mut self.path, pid, "stat", &mut self.stat).ok()?;
        // "pid (comm) S ...": the name is between the first '(' and the last ')'.
        let open = self.stat.iter().position(|b| *b == b'(')?;
        let close = self.stat.iter().rposition(|b| *b == b')')?;
        if open >= close || self.stat.get(close + 2) == Some(&b'Z') {
            return None;
        }
        self.cmdline.clear();
        if self.list.iter().any(|p| p.m.full_command) {
            let _ = read_into(&mut self.path, pid, "cmdline", &mut self.cmdline);
        }
        let comm = &self.stat[open + 1..close];
        let mut bits = 0u64;
        for (i, p) in self.list.iter().enumerate().take(64) {
            if p.m.matches(comm, &self.cmdline) {
                bits |= 1 << i;
            }
        }
        Some(bits)
    }

    /// Sets `pid`'s membership in every watch from what it runs now.
    fn recheck(&mut self, pid: u32) {
        let bits = self.matching(pid).unwrap_or(0);
        for (i, p) in self.list.iter_mut().enumerate() {
            let want = i < 64 && bits & (1 << i) != 0;
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

    fn forget(&mut self, pid: u32) {
        for p in &mut self.list {
            p.pids.retain(|x| *x != pid);
        }
    }

    /// Every process, afresh.
    fn rescan(&mut self) {
        for p in &mut self.list {
            p.pids.clear();
        }
        let me = std::process::id();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return;
        };
        for e in dir.flatten() {
            let name = e.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if pid == me {
                continue;
            }
            let bits = self.matching(pid).unwrap_or(0);
            for (i, p) in self.list.iter_mut().enumerate().take(64) {
                if bits & (1 << i) != 0 {
                    p.pids.push(pid);
                }
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
    f.read_to_end(buf).map(|_| ())
}

/// Quorums gained (true) or lost, by tracked object, for the instances.
pub type QuorumChanges = heapless::Vec<(usize, bool), 64>;

impl TrackShell {
    /// Sets up the watches for the tracked process objects of `cfg`, carrying quorum state
    /// from `old` by name, and takes the first count, for the instances to start with.
    pub(super) fn procs_setup(
        &mut self,
        cfg: &Config,
        lp: &mut EventLoop,
        old: Procs,
    ) -> QuorumChanges {
        for (obj, name) in self.core.named(Key::Process) {
            let Some(p) = cfg.vrrp.trackers.processes.iter().find(|p| p.name == name) else {
                continue;
            };
            let m = ProcMatch::from_config(p);
            let quorum = match old.list.iter().find(|o| o.name == name && o.m == m) {
                Some(o) => o.quorum,
                None => Quorum::from_config(p),
            };
            self.procs.list.push(ProcWatch {
                name,
                obj,
                m,
                quorum,
                pids: Vec::new(),
            });
        }
        let procs = &mut self.procs;
        if procs.list.is_empty() {
            return QuorumChanges::new();
        }
        if procs.list.len() > 64 {
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
    pub(in crate::vrrp::shell) fn proc_events(&mut self, lp: &mut EventLoop) -> QuorumChanges {
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
                ProcEvent::Exit(pid) => procs.forget(pid),
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
    pub(in crate::vrrp::shell) fn procs_timer(
        &mut self,
        lp: &mut EventLoop,
        id: TimerId,
    ) -> QuorumChanges {
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
        let mut changes = QuorumChanges::new();
        for p in &mut self.procs.list {
            let count = u32::try_from(p.pids.len()).unwrap_or(u32::MAX);
            if let Some(have) = p.quorum.update(count, now) {
                if self.core.level(p.obj) != Some(Level::Unknown) {
                    let what = if have { "gained" } else { "lost" };
                    info!("Quorum {what} for tracked process {}", p.name);
                }
                let _ = changes.push((p.obj, have));
            }
        }
        let procs = &mut self.procs;
        if let Some(t) = procs.timer.take() {
            lp.cancel_timer(t);
        }
        let scan = procs.events.is_none().then_some(now + PROC_SCAN);
        let next = procs
            .list
            .iter()
            .filter_map(|p| p.quorum.deadline())
            .chain(scan)
            .min();
        procs.timer = next.map(|at| lp.add_timer_at(at, PROC_SCAN_TOKEN));
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::track::ParamMatch;

    #[test]
    fn a_process_joins_its_watch_on_exec_and_leaves_on_exit() {
        let dir = std::env::temp_dir().join(format!("ka-procs-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let prog = dir.join("kaprocsunit");
        std::fs::copy("/bin/sleep", &prog).expect("copy sleep");
        let m = ProcMatch {
            name: "kaprocsunit".into(),
            params: Vec::new(),
            param_match: ParamMatch::None,
            full_command: false,
        };
        let mut procs = Procs::default();
        procs.list.push(ProcWatch {
            name: "p".into(),
            obj: 0,
            m,
            quorum: Quorum::from_config(&crate::config::track::TrackProcess {
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
            }),
            pids: Vec::new(),
        });
        let mut child = std::process::Command::new(&prog)
            .arg("30")
            .spawn()
            .expect("spawn");
        let pid = child.id();
        procs.recheck(pid);
        assert_eq!(procs.list[0].pids, vec![pid]);
        procs.rescan();
        assert_eq!(procs.list[0].pids, vec![pid]);
        let _ = child.kill();
        let _ = child.wait();
        procs.recheck(pid);
        assert!(procs.list[0].pids.is_empty());
        procs.list[0].pids.push(pid);
        procs.forget(pid);
        assert!(procs.list[0].pids.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
