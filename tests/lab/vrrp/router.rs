//! One VRRP daemon (ours or keepalived) in a lab namespace: start, stop, crash, and what it shows.

use crate::lab::{check::KEEPALIVED, wait_until, Lab, Spawned};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// How long SIGTERM may take: keepalived's parent waits up to 5 s for its children.
const STOP_DEADLINE: Duration = Duration::from_secs(10);

/// Numbers each start, so a restarted router gets fresh config, pidfile and log names.
static STARTS: AtomicU32 = AtomicU32::new(0);

/// A VRRP daemon (`bin -n -l -D`) running in one lab namespace.
pub struct Router {
    pub name: String,
    ns: String,
    proc: Spawned,
    pidfiles: Vec<PathBuf>,
}

impl Router {
    /// Starts `bin` in namespace `ns` (short name) with `config`; pidfiles and log in the lab dir.
    pub fn start(lab: &mut Lab, ns: &str, bin: &str, config: &str) -> Router {
        Router::start_with(lab, ns, bin, config, &[])
    }

    /// As [`Router::start`], with `extra` options (e.g. `-V`) after the usual ones.
    pub fn start_with(lab: &mut Lab, ns: &str, bin: &str, config: &str, extra: &[&str]) -> Router {
        let n = STARTS.fetch_add(1, Ordering::SeqCst);
        let full = lab.ns(ns);
        let conf = lab.write_file(&format!("{ns}-{n}.conf"), config);
        let pidfiles: Vec<PathBuf> = ["main", "vrrp", "check"]
            .iter()
            .map(|k| lab.dir().join(format!("{ns}-{n}-{k}.pid")))
            .collect();
        let paths: Vec<String> = std::iter::once(&conf)
            .chain(&pidfiles)
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let mut cmd = vec![
            bin, "-n", "-l", "-D", "-f", &paths[0], "-p", &paths[1], "-r", &paths[2], "-c",
            &paths[3],
        ];
        cmd.extend_from_slice(extra);
        let proc = lab.spawn(ns, &cmd);
        Router {
            name: format!("{ns}({})", short_bin(bin)),
            ns: full,
            proc,
            pidfiles,
        }
    }

    /// The daemon's main (parent) pid, for signals such as SIGUSR1.
    pub fn main_pid(&self) -> i32 {
        self.proc.pid()
    }

    pub fn log(&self) -> String {
        self.proc.log()
    }

    /// The state of the last "Entering X STATE" line, e.g. "MASTER".
    pub fn state_from_log(&self) -> Option<String> {
        state_in(&self.log())
    }

    /// The state of instance `inst` by its last "Entering X STATE" line.
    pub fn inst_state(&self, inst: &str) -> Option<String> {
        inst_state_in(&self.log(), inst)
    }

    pub fn is_master(&self) -> bool {
        self.state_from_log().as_deref() == Some("MASTER")
    }

    /// True when any interface of the router's namespace carries `addr` (a VIP).
    pub fn holds_vip(&self, addr: &str) -> bool {
        let out = Command::new("ip")
            .args(["-n", &self.ns, "-o", "addr"])
            .output();
        let Ok(out) = out else { return false };
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr))
    }

    pub fn wait_state(&self, state: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.state_from_log().as_deref() == Some(state))
    }

    pub fn running(&mut self) -> bool {
        self.proc.try_wait().is_none()
    }

    /// SIGTERM, as an init system stops it; panics unless the daemon exits in time.
    pub fn stop(&mut self) {
        self.terminate();
        self.wait_exit();
    }

    /// Sends SIGTERM without waiting, to watch what happens while the daemon shuts down.
    pub fn terminate(&self) {
        self.proc.signal(libc::SIGTERM);
    }

    /// Waits for the daemon to end after [`Router::terminate`]; panics past the deadline.
    pub fn wait_exit(&mut self) {
        if self.proc.wait_timeout(STOP_DEADLINE).is_none() {
            panic!("{} ignored SIGTERM:\n{}", self.name, tail(&self.log()));
        }
    }

    /// A crash: SIGKILL for the parent and every child, so nobody sends a priority-0 advert or
    /// removes the VIPs.
    pub fn kill9(&mut self) {
        let parent = self.proc.pid();
        // Stopped first, so it cannot respawn a child or pass a signal on while the rest die.
        self.proc.signal(libc::SIGSTOP);
        let mut pids: Vec<i32> = self
            .pidfiles
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|s| s.trim().parse().ok())
            .filter(|&p| p > 1)
            .collect();
        pids.extend(children_of(parent));
        pids.retain(|&p| p != parent);
        for &pid in &pids {
            // SAFETY: kill(2) has no memory effects; these are the daemon's own processes.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        self.proc.signal(libc::SIGKILL);
        assert!(
            self.proc.wait_timeout(STOP_DEADLINE).is_some(),
            "{} survived SIGKILL",
            self.name
        );
        assert!(
            wait_until(STOP_DEADLINE, || pids.iter().all(|&p| !alive(p))),
            "{}: children {pids:?} survived SIGKILL",
            self.name
        );
    }
}

fn short_bin(bin: &str) -> &str {
    if bin == KEEPALIVED {
        "keepalived"
    } else {
        "ours"
    }
}

/// The states keepalived names in its "Entering X STATE" lines.
const STATES: [&str; 4] = ["MASTER", "BACKUP", "FAULT", "STOP"];

/// The instance and state of one "(VI_1) Entering MASTER STATE" line, keepalived's words:
/// the instance's tag just before, one known state, then nothing but a reason in brackets
/// ("(init)"). Any other line that merely holds those words (a script's output, a message
/// quoting one) is none.
pub fn entered_state(line: &str) -> Option<(&str, &str)> {
    let (head, rest) = line.split_once(") Entering ")?;
    let inst = &head[head.rfind('(')? + 1..];
    let (state, after) = rest.split_once(" STATE")?;
    let after = after.trim_end();
    let reason_only = after.is_empty() || (after.starts_with(" (") && after.ends_with(')'));
    (STATES.contains(&state) && !inst.is_empty() && !inst.contains(' ') && reason_only)
        .then_some((inst, state))
}

/// The state named by the last "Entering X STATE" line of a keepalived-style log, of any
/// instance.
pub fn state_in(log: &str) -> Option<String> {
    log.lines()
        .rev()
        .find_map(|l| entered_state(l).map(|(_, s)| s.to_string()))
}

/// The state of instance `inst` by its last "Entering X STATE" line.
pub fn inst_state_in(log: &str, inst: &str) -> Option<String> {
    log.lines().rev().find_map(|l| {
        entered_state(l)
            .filter(|(i, _)| *i == inst)
            .map(|(_, s)| s.to_string())
    })
}

pub fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn alive(pid: i32) -> bool {
    // A zombie (state Z) is dead for us.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().next())
            .is_some_and(|st| st != "Z"),
        Err(_) => false,
    }
}

/// Pids whose parent is `parent`, and theirs, found through /proc.
fn children_of(parent: i32) -> Vec<i32> {
    let mut all: Vec<(i32, i32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().nth(1))
                .and_then(|p| p.parse::<i32>().ok());
            if let Some(ppid) = ppid {
                all.push((pid, ppid));
            }
        }
    }
    let mut found = vec![parent];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(all.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_is_read_from_the_last_entering_line() {
        let log = "x: (VI_1) Entering BACKUP STATE (init)\nx: (VI_1) Entering MASTER STATE\n\
                   x: (VI_1) setting VIPs.\n";
        assert_eq!(state_in(log).as_deref(), Some("MASTER"));
        assert_eq!(state_in("x: Entering the loop\n"), None);
    }

    #[test]
    fn only_keepalived_s_own_state_lines_count() {
        let init = "Keepalived_vrrp[7]: (VI_1) Entering BACKUP STATE (init)";
        assert_eq!(entered_state(init), Some(("VI_1", "BACKUP")));
        let fault = "x: (VI_2) Entering FAULT STATE";
        assert_eq!(entered_state(fault), Some(("VI_2", "FAULT")));
        for not in [
            "x: (VI_1) Entering MASTERS STATE",
            "x: (VI_1) Entering MASTER STATES",
            "x: script said (VI_1) Entering MASTER STATE then BACKUP",
            "x: Entering MASTER STATE",
            "x: (VI_1) Entering master STATE",
        ] {
            assert_eq!(entered_state(not), None, "{not}");
        }
        let log = "x: (VI_1) Entering MASTER STATE\nx: (VI_2) Entering BACKUP STATE (init)\n";
        assert_eq!(state_in(log).as_deref(), Some("BACKUP"));
        assert_eq!(inst_state_in(log, "VI_1").as_deref(), Some("MASTER"));
        assert_eq!(inst_state_in(log, "VI_3"), None);
    }
}
