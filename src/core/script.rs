//! Running scripts (notify, track_script, MISC_CHECK, startup/shutdown): fork and exec, never
//! wait. The exit arrives as a `ChildExit` event from the loop; a script still running at its
//! timeout gets SIGTERM, and SIGKILL a moment later if it ignores that.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;

use libc::{gid_t, uid_t};

use super::event_loop::EventLoop;
use super::signals::{self, ExitStatus};
use super::time::Micros;
use super::timer::TimerId;

/// How long a script has after SIGTERM before SIGKILL.
pub(crate) const KILL_GRACE: Micros = Micros::from_secs(2);

/// What to run and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptSpec {
    /// argv; with `shell`, argv[0] is the whole command line given to `/bin/sh -c`.
    pub(crate) argv: Vec<String>,
    pub(crate) shell: bool,
    /// Added to (or replacing in) the inherited environment.
    pub(crate) env: Vec<(String, String)>,
    pub(crate) uid: Option<uid_t>,
    pub(crate) gid: Option<gid_t>,
    /// None: no timeout.
    pub(crate) timeout: Option<Micros>,
}

/// Where a running script stands: keepalived's vrrp_script states but idle
/// (SCRIPT_STATE_RUNNING, _REQUESTING_TERMINATION, _FORCING_TERMINATION).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Running,
    /// Overran its timeout: sent SIGTERM.
    Terminating,
    /// Ignored SIGTERM past the grace: sent SIGKILL.
    Killing,
}

/// How a script ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptResult {
    Exited(i32),
    Signaled(i32),
    /// Killed because it overran its timeout.
    TimedOut,
}

fn cstr(s: &[u8]) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in argument"))
}

/// What a lookup found, or NotFound worded as the config's error shows it.
fn found<T>(r: io::Result<Option<T>>, what: &str, name: &str) -> io::Result<T> {
    r?.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("unknown {what} {name}")))
}

/// Looks up a user: (uid, primary gid).
pub(crate) fn lookup_user(name: &str) -> io::Result<(uid_t, gid_t)> {
    let u = super::passwd::user(super::passwd::Key::Name(name));
    found(u, "user", name).map(|(_, uid, gid)| (uid, gid))
}

/// Looks up a group's gid.
fn lookup_group(name: &str) -> io::Result<gid_t> {
    found(super::passwd::group_gid(name), "group", name)
}

/// Whether a user name can be run as: what the config checks at load time. keepalived looks
/// names up only, so a numeric id is unknown unless it is also a name.
pub(crate) fn user_exists(name: &str) -> bool {
    lookup_user(name).is_ok()
}

/// Whether a group name exists (names only, as for users).
pub(crate) fn group_exists(name: &str) -> bool {
    lookup_group(name).is_ok()
}

/// `script_user USER [GROUP]` to ids: the group defaults to the user's primary group.
pub(crate) fn resolve_user(user: &str, group: Option<&str>) -> io::Result<(uid_t, gid_t)> {
    let (uid, gid) = lookup_user(user)?;
    let gid = match group {
        Some(g) => lookup_group(g)?,
        None => gid,
    };
    Ok((uid, gid))
}

/// A script user setting (`script_user`, a script's `user`) to ids, or None after logging why
/// it cannot be resolved: the script then runs as we do.
pub(crate) fn user_ids((user, group): &(String, Option<String>)) -> Option<(uid_t, gid_t)> {
    match resolve_user(user, group.as_deref()) {
        Ok(ids) => Some(ids),
        Err(e) => {
            log::warn!("Script user '{user}': {e}");
            None
        }
    }
}

/// Finds `prog` in PATH the way execvp would (done before fork: no allocation after it).
fn resolve_program(prog: &str) -> Vec<u8> {
    if prog.contains('/') {
        return prog.as_bytes().to_vec();
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    for dir in std::env::split_paths(&path) {
        let cand = dir.join(prog);
        if let Ok(md) = std::fs::metadata(&cand) {
            use std::os::unix::fs::PermissionsExt;
            if md.is_file() && md.permissions().mode() & 0o111 != 0 {
                return cand.as_os_str().as_bytes().to_vec();
            }
        }
    }
    prog.as_bytes().to_vec()
}

// The id changes go to the kernel directly: the child of fork has one thread, and musl's
// wrappers would link its all-threads machinery (__synccall) for them (issue 16). 32-bit ARM
// and x86 keep 16-bit ids on the old numbers; their 32-bit calls are the `32` ones.
#[cfg(not(any(target_arch = "arm", target_arch = "x86")))]
use libc::{SYS_setgid as SYS_SETGID, SYS_setgroups as SYS_SETGROUPS, SYS_setuid as SYS_SETUID};
#[cfg(any(target_arch = "arm", target_arch = "x86"))]
use libc::{
    SYS_setgid32 as SYS_SETGID, SYS_setgroups32 as SYS_SETGROUPS, SYS_setuid32 as SYS_SETUID,
};

/// Forks and execs `spec`; returns the child's pid. The child has its own process group (so a
/// timeout kills what it started too), an empty signal mask, stdio on /dev/null, and gets
/// SIGTERM if we die.
pub(crate) fn spawn(spec: &ScriptSpec) -> io::Result<i32> {
    let argv_s: Vec<Vec<u8>> = if spec.shell {
        let cmd = spec.argv.join(" ");
        vec![b"/bin/sh".to_vec(), b"-c".to_vec(), cmd.into_bytes()]
    } else {
        let mut v = Vec::with_capacity(spec.argv.len());
        for a in &spec.argv {
            v.push(a.as_bytes().to_vec());
        }
        v
    };
    let first = argv_s
        .first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty script command"))?;
    let prog = cstr(&resolve_program(&String::from_utf8_lossy(first)))?;
    // Loops, not map/collect chains: measured smaller.
    let mut argv = Vec::with_capacity(argv_s.len());
    for a in &argv_s {
        argv.push(cstr(a)?);
    }
    let argv_p = super::daemon::pointers(&argv);

    let mut envs: Vec<CString> = Vec::new();
    for (k, v) in std::env::vars_os() {
        if spec.env.iter().any(|(ek, _)| OsStr::new(ek) == k) {
            continue;
        }
        let mut kv = k.as_bytes().to_vec();
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        if let Ok(c) = CString::new(kv) {
            envs.push(c);
        }
    }
    for (k, v) in &spec.env {
        envs.push(cstr(format!("{k}={v}").as_bytes())?);
    }
    let env_p = super::daemon::pointers(&envs);

    // The child only makes async-signal-safe calls on data prepared above.
    if let Some(pid) = super::daemon::fork()? {
        return Ok(pid);
    }
    // Child.
    // SAFETY: async-signal-safe syscalls on valid pointers, then exec or _exit.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        libc::setpgid(0, 0);
        signals::reset_for_exec();
        super::fd_limit::restore_for_exec();
        super::daemon::null_stdio();
        if let Some(gid) = spec.gid {
            if libc::syscall(SYS_SETGROUPS, 1, &gid) != 0 && libc::getuid() == 0 {
                libc::_exit(126);
            }
            if libc::syscall(SYS_SETGID, gid) != 0 {
                libc::_exit(126);
            }
        }
        if let Some(uid) = spec.uid {
            if libc::syscall(SYS_SETUID, uid) != 0 {
                libc::_exit(126);
            }
        }
        libc::execve(prog.as_ptr(), argv_p.as_ptr(), env_p.as_ptr());
        libc::_exit(127);
    }
}

struct Running<T> {
    pid: i32,
    tag: T,
    timer: Option<TimerId>,
    timed_out: bool,
}

/// Scripts in flight for one process. The owner routes `ChildExit` events and timers whose token
/// is `timer_token` here.
pub(crate) struct ScriptRunner<T> {
    timer_token: usize,
    running: Vec<Running<T>>,
}

impl<T: Copy> ScriptRunner<T> {
    /// `timer_token`: the loop timer token this runner's timeouts use.
    pub(crate) fn new(timer_token: usize) -> Self {
        ScriptRunner {
            timer_token,
            running: Vec::new(),
        }
    }

    #[cfg(test)]
    fn timer_token(&self) -> usize {
        self.timer_token
    }

    pub(crate) fn len(&self) -> usize {
        self.running.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The pids of the scripts still running (a loop, not map/collect: smaller code).
    pub(crate) fn pids(&self) -> Vec<i32> {
        let mut pids = Vec::with_capacity(self.running.len());
        for r in &self.running {
            pids.push(r.pid);
        }
        pids
    }

    /// Where script `pid` stands; None: not one of ours running.
    pub(crate) fn stage(&self, pid: i32) -> Option<Stage> {
        let r = self.running.iter().find(|r| r.pid == pid)?;
        Some(match (r.timed_out, r.timer) {
            (false, _) => Stage::Running,
            (true, Some(_)) => Stage::Terminating,
            (true, None) => Stage::Killing,
        })
    }

    /// Starts `spec`; `tag` comes back with its result.
    pub(crate) fn run(&mut self, lp: &mut EventLoop, spec: &ScriptSpec, tag: T) -> io::Result<i32> {
        let pid = spawn(spec)?;
        let timer = spec.timeout.map(|t| lp.add_timer(t, self.timer_token));
        self.running.push(Running {
            pid,
            tag,
            timer,
            timed_out: false,
        });
        Ok(pid)
    }

    /// A timer with our token fired: signal the scripts whose timer it was.
    pub(crate) fn on_timer(&mut self, lp: &mut EventLoop, id: TimerId) {
        for r in self.running.iter_mut().filter(|r| r.timer == Some(id)) {
            if !r.timed_out {
                r.timed_out = true;
                // SAFETY: plain syscall; negative pid addresses the script's process group.
                unsafe { libc::kill(-r.pid, libc::SIGTERM) };
                r.timer = Some(lp.add_timer(KILL_GRACE, self.timer_token));
            } else {
                // SAFETY: as above.
                unsafe { libc::kill(-r.pid, libc::SIGKILL) };
                r.timer = None;
            }
        }
    }

    /// A child exited: if it was ours, its tag and result.
    pub(crate) fn on_child_exit(
        &mut self,
        lp: &mut EventLoop,
        pid: i32,
        status: ExitStatus,
    ) -> Option<(T, ScriptResult)> {
        let i = self.running.iter().position(|r| r.pid == pid)?;
        let r = self.running.swap_remove(i);
        if let Some(t) = r.timer {
            lp.cancel_timer(t);
        }
        let res = if r.timed_out {
            ScriptResult::TimedOut
        } else {
            match status {
                ExitStatus::Exited(c) => ScriptResult::Exited(c),
                ExitStatus::Signaled(s) => ScriptResult::Signaled(s),
            }
        };
        Some((r.tag, res))
    }

    /// Reaps our own children directly (waitpid on each pid), for loops that don't get SIGCHLD.
    pub(crate) fn reap_own(&mut self, lp: &mut EventLoop) -> Vec<(T, ScriptResult)> {
        let mut out = Vec::new();
        let pids = self.pids();
        for pid in pids {
            let mut st = 0;
            // SAFETY: waitpid on our own child, status into our integer.
            if unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) } == pid {
                if let Some(x) = self.on_child_exit(lp, pid, ExitStatus::from_wait(st)) {
                    out.push(x);
                }
            }
        }
        out
    }

    /// Kills every running script (on stop).
    pub(crate) fn kill_all(&mut self) {
        self.kill_if(|_| true);
    }

    /// Kills the running scripts whose tag `pick` picks.
    pub(crate) fn kill_if(&mut self, mut pick: impl FnMut(T) -> bool) {
        for r in self.running.iter().filter(|r| pick(r.tag)) {
            // SAFETY: plain syscall on the script's process group.
            unsafe { libc::kill(-r.pid, libc::SIGKILL) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event_loop::Event;

    fn spec(argv: &[&str], timeout_ms: Option<u64>) -> ScriptSpec {
        ScriptSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            timeout: timeout_ms.map(Micros::from_millis),
            ..Default::default()
        }
    }

    // One test: the harness runs tests on threads that don't block SIGCHLD, so this reaps its own
    // pids on a short tick instead of relying on the signalfd.
    #[test]
    fn true_false_env_shell_and_timeout() {
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        let mut r: ScriptRunner<u32> = ScriptRunner::new(1000);
        let tmp = std::env::temp_dir().join(format!("ka-script-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&tmp);
        let out = tmp.join("env.out");
        r.run(&mut lp, &spec(&["/bin/true"], None), 1)
            .expect("true");
        r.run(&mut lp, &spec(&["false"], None), 2).expect("false");
        r.run(&mut lp, &spec(&["/bin/sleep", "30"], Some(100)), 3)
            .expect("sleep");
        let mut sh = spec(&[&format!("echo \"$KA_TEST\" > {}", out.display())], None);
        sh.shell = true;
        sh.env.push(("KA_TEST".into(), "hello there".into()));
        r.run(&mut lp, &sh, 4).expect("sh");
        r.run(&mut lp, &spec(&["/nonexistent/prog"], None), 5)
            .expect("spawn ok, exec fails");
        // sh -c ignoring TERM: must be SIGKILLed after the grace.
        let mut stubborn = spec(&["trap '' TERM; sleep 30"], Some(50));
        stubborn.shell = true;
        let stubborn = r.run(&mut lp, &stubborn, 6).expect("stubborn");
        let mut stages = vec![r.stage(stubborn)];
        // As root: a script given a user and group runs with exactly those ids, no root group
        // left among its supplementary ones.
        // SAFETY: getuid cannot fail.
        let root = unsafe { libc::getuid() } == 0;
        let ids = tmp.join("ids.out");
        if root {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o777));
            let mut nobody = spec(
                &[&format!("(id -u; id -g; id -G) > {}", ids.display())],
                None,
            );
            nobody.shell = true;
            nobody.uid = Some(65534);
            nobody.gid = Some(65534);
            r.run(&mut lp, &nobody, 7).expect("as nobody");
        }

        let started = Micros::now();
        let mut results = Vec::new();
        lp.add_timer(Micros::from_millis(10), 1);
        while !r.is_empty() && Micros::now() - started < Micros::from_secs(10) {
            lp.run_once(|lp, ev| {
                if let Event::Timer { id, token } = ev {
                    if token == r.timer_token() {
                        r.on_timer(lp, id);
                        let st = r.stage(stubborn);
                        if st.is_some() && stages.last() != Some(&st) {
                            stages.push(st);
                        }
                    } else {
                        results.extend(r.reap_own(lp));
                        lp.add_timer(Micros::from_millis(10), 1);
                    }
                }
            })
            .expect("run");
        }
        results.sort_by_key(|x| x.0);
        let mut want = vec![
            (1, ScriptResult::Exited(0)),
            (2, ScriptResult::Exited(1)),
            (3, ScriptResult::TimedOut),
            (4, ScriptResult::Exited(0)),
            (5, ScriptResult::Exited(127)),
            (6, ScriptResult::TimedOut),
        ];
        if root {
            want.push((7, ScriptResult::Exited(0)));
            assert_eq!(
                std::fs::read_to_string(&ids).unwrap_or_default(),
                "65534\n65534\n65534\n"
            );
        }
        assert_eq!(results, want);
        // TERM at its timeout, KILL after the grace, then gone.
        assert_eq!(
            stages,
            [
                Some(Stage::Running),
                Some(Stage::Terminating),
                Some(Stage::Killing)
            ]
        );
        assert_eq!(r.stage(stubborn), None);
        let elapsed = Micros::now() - started;
        assert!(elapsed < Micros::from_secs(5), "took {elapsed}");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap_or_default(),
            "hello there\n"
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn user_and_group_lookup() {
        assert_eq!(lookup_user("root").ok(), Some((0, 0)));
        assert_eq!(lookup_group("root").ok(), Some(0));
        assert!(lookup_user("no-such-user-ka").is_err());
        assert!(resolve_user("root", Some("no-such-group-ka")).is_err());
    }
}
