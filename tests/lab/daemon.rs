//! The daemon under test in a lab namespace for the checker tests: starting it with the
//! checker child only, following its log lines with the time each was first seen, and the
//! small notify scripts those tests hand it.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{require_program, require_root, wait_until, Lab, Spawned};

/// The namespace the checker labs run in.
pub const NS: &str = "ck";

/// A lab with the namespace [`NS`], or None (SKIPPED) without root or one of `programs`.
pub fn checker_lab(test: &str, programs: &[&str]) -> Option<Lab> {
    if !require_root(test) || !programs.iter().all(|p| require_program(test, p)) {
        return None;
    }
    let mut lab = Lab::new(test);
    lab.ns(NS);
    Some(lab)
}

/// Starts our keepalived on `conf` in [`NS`], in the foreground, logging to the console,
/// with the checker child only.
pub fn start_checker(lab: &mut Lab, conf: &str) -> Spawned {
    start_checker_under(lab, conf, &[], &[])
}

/// [`start_checker`] with `wrapper` (a command and its arguments, e.g. prlimit) in front and
/// `args` (e.g. --mem-check) added to ours; its pidfiles are k.pid, v.pid and c.pid in the lab
/// directory.
pub fn start_checker_under(lab: &mut Lab, conf: &str, wrapper: &[&str], args: &[&str]) -> Spawned {
    let dir = lab.dir().to_path_buf();
    let c = lab
        .write_file("keepalived.conf", conf)
        .display()
        .to_string();
    let pid = |n: &str| dir.join(n).display().to_string();
    let (ours, k, v, ck) = (
        super::check::ours(),
        pid("k.pid"),
        pid("v.pid"),
        pid("c.pid"),
    );
    let mut cmd = wrapper.to_vec();
    cmd.extend_from_slice(&[
        &ours,
        "-n",
        "-l",
        "-D",
        "-C",
        "--without-ipvs",
        "-f",
        &c,
        "-p",
        &k,
        "-r",
        &v,
        "-c",
        &ck,
    ]);
    cmd.extend_from_slice(args);
    lab.spawn(NS, &cmd)
}

/// The command line of a daemon (ours or keepalived) in the foreground on `conf`, logging to the
/// console with `-D`, every process's pidfile named by `tag` in the lab directory (two daemons
/// of one lab never share one).
pub fn daemon_cmd(lab: &Lab, tag: &str, bin: &str, conf: &Path) -> Vec<String> {
    let pid = |n: &str| {
        lab.dir()
            .join(format!("{tag}-{n}.pid"))
            .display()
            .to_string()
    };
    let mut cmd: Vec<String> = [bin, "-n", "-l", "-D", "-f"].map(String::from).to_vec();
    cmd.push(conf.display().to_string());
    for (opt, n) in [("-p", "k"), ("-r", "v"), ("-c", "c"), ("-b", "b")] {
        cmd.push(opt.into());
        cmd.push(pid(n));
    }
    cmd
}

/// An executable `/bin/sh` script in the lab directory running `body`; returns its path.
pub fn script(lab: &Lab, name: &str, body: &str) -> String {
    let p = lab.write_file(name, &format!("#!/bin/sh\n{body}\n"));
    let mut perm = std::fs::metadata(&p).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&p, perm).expect("chmod");
    p.display().to_string()
}

/// notify_up / notify_down scripts appending "up" / "down" to the returned file.
pub fn notes(lab: &Lab) -> (std::path::PathBuf, String, String) {
    let notes = lab.dir().join("notes");
    let up = script(lab, "up.sh", &format!("echo up >> {}", notes.display()));
    let down = script(lab, "down.sh", &format!("echo down >> {}", notes.display()));
    (notes, up, down)
}

/// The file's text; a missing file reads as empty.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// The log lines of a process with the time each was first seen (the console log only has
/// whole seconds).
pub struct Tail {
    seen: Vec<(Instant, String)>,
    read: usize,
}

impl Tail {
    pub fn new() -> Tail {
        Tail {
            seen: Vec::new(),
            read: 0,
        }
    }

    /// Takes in the lines `p` has logged since the last call.
    pub fn poll(&mut self, p: &Spawned) {
        let text = p.log();
        let done = text[self.read.min(text.len())..]
            .rfind('\n')
            .map(|i| self.read + i + 1);
        let Some(end) = done else { return };
        let now = Instant::now();
        for line in text[self.read..end].lines() {
            self.seen.push((now, line.to_string()));
        }
        self.read = end;
    }

    /// Waits up to `t` for a line containing `what`; returns when it was seen.
    pub fn wait(&mut self, p: &Spawned, what: &str, t: Duration) -> Instant {
        self.find(p, what, None, t)
    }

    /// As [`Tail::wait`], for a line first seen at or after `from`.
    pub fn wait_since(&mut self, p: &Spawned, what: &str, from: Instant, t: Duration) -> Instant {
        self.find(p, what, Some(from), t)
    }

    fn find(&mut self, p: &Spawned, what: &str, from: Option<Instant>, t: Duration) -> Instant {
        let mut at = None;
        wait_until(t, || {
            self.poll(p);
            at = self
                .seen
                .iter()
                .find(|(when, l)| from.is_none_or(|f| *when >= f) && l.contains(what))
                .map(|x| x.0);
            at.is_some()
        });
        at.unwrap_or_else(|| panic!("no line with {what:?} within {t:?}; log:\n{}", p.log()))
    }

    /// Asserts that `count` lines containing `what` were seen after `from`, each about
    /// `delay` (a delay_before_retry) after the one before.
    #[track_caller]
    pub fn assert_spaced(
        &self,
        p: &Spawned,
        what: &str,
        from: Instant,
        count: usize,
        delay: Duration,
    ) {
        let seen = self.times(what, from);
        assert_eq!(seen.len(), count, "{what:?} logged: {seen:?}\n{}", p.log());
        for w in seen.windows(2) {
            let gap = w[1] - w[0];
            assert!(
                gap + Duration::from_millis(50) >= delay
                    && gap < delay + Duration::from_millis(400),
                "retries {gap:?} apart, want delay_before_retry {delay:?}\n{}",
                p.log()
            );
        }
    }

    /// The times of the lines containing `what` seen after `from`.
    pub fn times(&self, what: &str, from: Instant) -> Vec<Instant> {
        self.seen
            .iter()
            .filter(|(t, l)| *t >= from && l.contains(what))
            .map(|x| x.0)
            .collect()
    }
}
