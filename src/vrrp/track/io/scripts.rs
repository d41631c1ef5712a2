//! vrrp_script I/O: each script runs from its own loop timer through the shared script
//! runner (never waited for); its exit feeds the rise/fall counter, and a change of state the
//! instances that track it. Log lines are keepalived's ("VRRP_Script(chk) succeeded").

use log::{info, warn};

use super::{TrackShell, SCRIPT_TAG_BASE, SCRIPT_TIMER_BASE};
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::script::{self, ScriptResult, ScriptRunner, ScriptSpec};
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::vrrp::track::{Key, Level, Outcome, ScriptState, Start};

pub(super) struct ScriptRun {
    name: String,
    obj: usize,
    spec: ScriptSpec,
    interval: Micros,
    state: ScriptState,
    /// Brought by a reload and not run to its end since (keepalived's INIT/RELOAD).
    reload_new: bool,
    pid: Option<i32>,
    pub(super) timer: Option<TimerId>,
}

/// A tracked vrrp_script as it stands: its rise/fall counter and where it started, who it
/// runs as (None: as we run) and the pid of its run in flight.
pub(crate) struct ScriptNow {
    pub(crate) result: u32,
    pub(crate) start: Start,
    pub(crate) user: Option<(u32, u32)>,
    pub(crate) pid: Option<i32>,
}

fn exec_failed(spec: &ScriptSpec) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(prog) = spec.argv.first() else {
        return true;
    };
    if !prog.contains('/') {
        return false;
    }
    std::fs::metadata(prog).map_or(true, |m| {
        !m.is_file() || m.permissions().mode() & 0o111 == 0
    })
}

impl TrackShell {
    /// Tracked vrrp_script `name` as it stands, for the data file.
    pub(crate) fn script_now(&self, name: &str) -> Option<ScriptNow> {
        let s = self.scripts.iter().find(|s| s.name == name)?;
        Some(ScriptNow {
            result: s.state.result(),
            start: match s.state.start() {
                Start::Done => Start::Done,
                _ if s.reload_new => Start::Reload,
                start => start,
            },
            user: s.spec.uid.zip(s.spec.gid),
            pid: s.pid,
        })
    }

    /// Arms the vrrp_scripts of `cfg` that something tracks (each runs at once), carrying
    /// their counters and running processes from `old` by name (`reload`: a reload's).
    pub(super) fn scripts_setup(
        &mut self,
        cfg: &Config,
        lp: &mut EventLoop,
        old: Vec<ScriptRun>,
        reload: bool,
    ) {
        let used = self.core.named(Key::Script);
        for s in &cfg.vrrp.trackers.scripts {
            if !used.iter().any(|(_, n)| *n == s.name) {
                warn!("Warning - script {} is not used", s.name);
            }
        }
        for (obj, name) in used {
            let Some(s) = cfg.vrrp.trackers.scripts.iter().find(|s| s.name == name) else {
                continue;
            };
            let user = s.user.as_ref().or(cfg.global.script_user.as_ref());
            let (uid, gid) = run_as(&name, user, || {
                script::lookup_user(crate::config::global::DEFAULT_SCRIPT_USER).ok()
            })
            .unzip();
            let spec = ScriptSpec {
                argv: s.script.argv.clone(),
                shell: false,
                env: Vec::new(),
                uid,
                gid,
                timeout: Some(s.timeout()),
            };
            let prev = old.iter().find(|o| o.name == name);
            let state = match prev {
                Some(p) => {
                    let (c, up) = ScriptState::carried(&p.state, s.rise, s.fall, s.init_fail);
                    let how = if up == Some(true) {
                        "successful"
                    } else {
                        "unsuccessful"
                    };
                    if up.is_some() {
                        info!("VRRP_Script({name}) considered {how} on reload");
                    }
                    c
                }
                None => ScriptState::new(s.rise, s.fall, s.init_fail),
            };
            let k = self.scripts.len();
            // keepalived runs every script once at start, then every interval.
            let timer = Some(lp.add_timer(Micros::ZERO, SCRIPT_TIMER_BASE + k));
            self.scripts.push(ScriptRun {
                name,
                obj,
                spec,
                interval: s.interval,
                state,
                reload_new: prev.map_or(reload, |p| p.reload_new),
                pid: prev.and_then(|p| p.pid),
                timer,
            });
        }
    }

    /// A script's interval timer fired: run it unless it is still running.
    pub(crate) fn script_timer(
        &mut self,
        runner: &mut ScriptRunner<usize>,
        lp: &mut EventLoop,
        id: TimerId,
        token: usize,
    ) {
        let k = token - SCRIPT_TIMER_BASE;
        let Some(s) = self.scripts.get_mut(k) else {
            return;
        };
        if s.timer != Some(id) {
            return;
        }
        s.timer = Some(lp.add_timer(s.interval, token));
        if s.pid.is_some() {
            info!(
                "Track script {} is already running, expect idle - skipping run",
                s.name
            );
            return;
        }
        match runner.run(lp, &s.spec, SCRIPT_TAG_BASE + k) {
            Ok(pid) => s.pid = Some(pid),
            Err(e) => warn!("VRRP_Script({}) cannot be run: {e}", s.name),
        }
    }

    /// A script the runner started with a tag at or above [`SCRIPT_TAG_BASE`] ended: the
    /// script object's new level when its state changed, for the instances.
    pub(crate) fn script_exit(
        &mut self,
        pid: i32,
        tag: usize,
        res: ScriptResult,
    ) -> Option<(usize, Level)> {
        if tag < SCRIPT_TAG_BASE {
            return None;
        }
        // Found by pid: a reload may have renumbered the scripts while this one ran.
        let s = self.scripts.iter_mut().find(|s| s.pid == Some(pid))?;
        s.pid = None;
        let spec = &s.spec;
        let r = s.state.on_exit(res, || exec_failed(spec));
        if r.exec_error {
            warn!("Error exec-ing command '{}'", s.spec.argv.join(" "));
        }
        if let Some(c) = r.now_returning {
            info!("Script `{}` now returning {c}", s.name);
        }
        let (outcome, level) = r.changed?;
        match outcome {
            Outcome::Succeeded => info!("VRRP_Script({}) succeeded", s.name),
            Outcome::Exited(c) => {
                info!("VRRP_Script({}) failed (exited with status {c})", s.name)
            }
            Outcome::Signal(sig) => info!("VRRP_Script({}) failed (due to signal {sig})", s.name),
            Outcome::TimedOut => info!("VRRP_Script({}) timed_out", s.name),
        }
        Some((s.obj, level))
    }
}

/// Who script `name` runs as: its own user, else `script_user`, else keepalived's default
/// script user where it exists (`default`), else as we run (None). A user that cannot be
/// resolved is logged, and the script runs as we do.
fn run_as(
    name: &str,
    user: Option<&(String, Option<String>)>,
    default: impl FnOnce() -> Option<(u32, u32)>,
) -> Option<(u32, u32)> {
    match user {
        Some((u, g)) => match script::resolve_user(u, g.as_deref()) {
            Ok(ids) => Some(ids),
            Err(e) => {
                warn!("VRRP_Script({name}): script user '{u}': {e}");
                None
            }
        },
        None => default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::ifaces::Ifaces;

    #[test]
    fn a_script_without_a_user_runs_as_the_default_script_user_where_there_is_one() {
        let nobody = (String::from("nobody"), None);
        assert_eq!(
            run_as("s", Some(&nobody), || Some((7, 7))),
            script::resolve_user("nobody", None).ok()
        );
        assert_eq!(run_as("s", None, || Some((7, 8))), Some((7, 8)));
        assert_eq!(run_as("s", None, || None), None);
        let unknown = (String::from("no-such-user-here"), None);
        assert_eq!(run_as("s", Some(&unknown), || Some((7, 8))), None);
    }

    const CONFIG: &str = "
global_defs {
  dynamic_interfaces
}
vrrp_script a {
  script /bin/true
}
vrrp_script b {
  script /bin/true
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress {
    10.9.0.1
  }
  track_script {
TRACKED  }
}
";

    /// [`CONFIG`] with VI tracking `tracked`.
    fn config(tracked: &str) -> Config {
        crate::vrrp::track::tests::load(&CONFIG.replace("TRACKED", tracked))
    }

    fn build(cfg: &Config, old: TrackShell, lp: &mut EventLoop) -> TrackShell {
        let ifaces = Ifaces::default();
        let insts = [(0, 1, None)];
        TrackShell::build(cfg, &insts, &ifaces, &[], &|_| false, old, lp).0
    }

    #[test]
    fn a_script_a_reload_brings_starts_init_reload_until_its_first_run_ends() {
        let mut lp = EventLoop::with_signals(&[]).expect("loop");
        let first = build(&config("  a\n"), TrackShell::default(), &mut lp);
        let start = |t: &TrackShell, n: &str| t.script_now(n).map(|x| x.start);
        assert_eq!(start(&first, "a"), Some(Start::Init));
        assert_eq!(start(&first, "b"), None);
        let mut second = build(&config("  a\n  b\n"), first, &mut lp);
        assert_eq!(start(&second, "a"), Some(Start::Init));
        assert_eq!(start(&second, "b"), Some(Start::Reload));
        // A reload before b's first run ends keeps it INIT/RELOAD, as keepalived's
        // clear_diff_script does.
        let mut third = build(&config("  a\n  b\n"), second, &mut lp);
        assert_eq!(start(&third, "b"), Some(Start::Reload));
        let b = third.scripts.iter_mut().find(|s| s.name == "b").expect("b");
        b.pid = Some(-7);
        third.script_exit(-7, SCRIPT_TAG_BASE, ScriptResult::Exited(0));
        assert_eq!(start(&third, "b"), Some(Start::Done));
        let now = third.script_now("b").expect("b");
        assert_eq!((now.result, now.pid), (1, None));
        second = build(&config("  a\n  b\n"), third, &mut lp);
        assert_eq!(start(&second, "b"), Some(Start::Done));
    }

    #[test]
    fn exec_failure_is_told_from_a_script_exiting_127() {
        let spec = |p: &str| ScriptSpec {
            argv: vec![p.to_string()],
            ..Default::default()
        };
        assert!(exec_failed(&spec("/nonexistent/script")));
        assert!(!exec_failed(&spec("/bin/sh")));
        // Found through PATH at exec time: not ours to judge.
        assert!(!exec_failed(&spec("sh")));
    }
}
