//! MISC_CHECK: the script's exit status is the verdict. 0 passes; with `misc_dynamic`, 2..255
//! pass too and set the real server's weight to status - 2; anything else, a signal or
//! overrunning `misc_timeout` (default: the delay_loop) fails.

use log::warn;

use super::sched::{Outcome, Report};
use crate::config::checker::{MiscCheck, Script};
use crate::core::script::{ScriptResult, ScriptSpec};
use crate::core::time::Micros;

pub struct MiscProbe {
    argv: Vec<String>,
    timeout: Option<Micros>,
    user: Option<(u32, u32)>,
    dynamic: bool,
    /// The weight the config gives the real server, restored when a dynamic weight ends.
    base_weight: i64,
    /// The last status that set the weight (keepalived only changes it when the status does).
    last_status: Option<i32>,
}

/// The argv keepalived execs for a script keyword: quotes group words ('sh -c "a b"').
pub fn script_argv(s: &Script) -> Vec<String> {
    crate::config::track::split_cmd(&s.cmd)
}

/// keepalived's word for a script it killed at misc_timeout.
pub const TIMED_OUT: &str = "timed out";

/// One run's result as keepalived reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MiscVerdict {
    pub ok: bool,
    pub status: Option<i32>,
    /// "failed", "timed out"; the reason and its code.
    pub exit_type: &'static str,
    pub reason: Option<(&'static str, i32)>,
}

impl MiscProbe {
    /// `vs_delay_loop`: the script's timeout when misc_timeout is not given.
    pub fn new(m: &MiscCheck, base_weight: i64, vs_delay_loop: Micros) -> MiscProbe {
        let user = m.user.as_ref().and_then(|(u, g)| {
            crate::core::script::resolve_user(u, g.as_deref())
                .map_err(|e| warn!("MISC_CHECK user '{u}': {e}"))
                .ok()
        });
        MiscProbe {
            argv: m.path.as_ref().map(script_argv).unwrap_or_default(),
            timeout: Some(
                m.timeout
                    .filter(|t| *t != Micros::ZERO)
                    .unwrap_or(vs_delay_loop),
            ),
            user,
            dynamic: m.dynamic,
            base_weight,
            last_status: None,
        }
    }

    /// The script to run; `default_user` is global_defs' script_user.
    pub fn spec(&self, default_user: Option<(u32, u32)>) -> ScriptSpec {
        let user = self.user.or(default_user);
        ScriptSpec {
            argv: self.argv.clone(),
            uid: user.map(|u| u.0),
            gid: user.map(|u| u.1),
            timeout: self.timeout,
            ..ScriptSpec::default()
        }
    }

    /// Keeps the last status of the same checker before a reload.
    pub fn adopt(&mut self, old: &MiscProbe) {
        self.last_status = old.last_status;
    }

    /// The uid:gid the script runs as, when the checker names a user.
    pub fn user(&self) -> Option<(u32, u32)> {
        self.user
    }

    pub fn program(&self) -> &str {
        self.argv.first().map(String::as_str).unwrap_or("")
    }

    pub fn verdict(&self, r: ScriptResult) -> MiscVerdict {
        match r {
            ScriptResult::Exited(c) => MiscVerdict {
                ok: c == 0 || (self.dynamic && (2..=255).contains(&c)),
                status: Some(c),
                exit_type: "failed",
                reason: Some(("exited with status", c)),
            },
            ScriptResult::Signaled(sig) => MiscVerdict {
                ok: false,
                status: None,
                exit_type: "failed",
                reason: Some(("due to signal", sig)),
            },
            ScriptResult::TimedOut => MiscVerdict {
                ok: false,
                status: None,
                exit_type: TIMED_OUT,
                reason: None,
            },
        }
    }

    /// The weight to give the real server after this run, if it changes.
    pub fn weight_change(&mut self, v: &MiscVerdict, out: &Outcome) -> Option<i64> {
        let was_dynamic = self.last_status.is_some_and(|s| s >= 2);
        if v.ok {
            let s = v.status.unwrap_or(0);
            if self.last_status == Some(s) {
                return None;
            }
            self.last_status = Some(s);
            if s >= 2 {
                return Some(i64::from(s - 2));
            }
            return was_dynamic.then_some(self.base_weight);
        }
        if matches!(out.report, Report::Down { .. }) {
            self.last_status = v.status;
            return was_dynamic.then_some(self.base_weight);
        }
        None
    }
}

/// The line keepalived logs for a run, if any: passes that bring the checker up, the failure
/// that takes it down, and (with log_all_failures) the failures that will be retried.
pub fn log_line(m: &MiscProbe, at: &Where, v: &MiscVerdict, out: &Outcome) -> Option<String> {
    let plural = |n: u32| if n == 1 { "retry" } else { "retries" };
    let retry = at.retry;
    let (exit_type, suffix) = match out.report {
        Report::Up => ("succeeded", String::new()),
        Report::Down { retries: Some(n) } => (v.exit_type, format!(" after {n} {}", plural(n))),
        Report::Down { retries: None } => (v.exit_type, " with retry disabled".to_string()),
        Report::Retrying { attempt: 1 } if at.log_all => {
            (v.exit_type, format!(", will do {retry} {}", plural(retry)))
        }
        Report::Retrying { attempt } if at.log_all => {
            (v.exit_type, format!(" on retry {}/{retry}", attempt - 1))
        }
        _ => return None,
    };
    let head = format!(
        "Misc check for [{} VS {}] by [{}] {exit_type}{suffix}",
        at.rs,
        at.vs,
        m.program()
    );
    Some(match v.reason {
        Some((why, code)) if out.report != Report::Up => format!("{head} ({why} {code})."),
        _ => format!("{head}."),
    })
}

/// The checker a log line is about.
pub struct Where<'a> {
    pub rs: &'a dyn std::fmt::Display,
    pub vs: &'a dyn std::fmt::Display,
    pub retry: u32,
    pub log_all: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(dynamic: bool) -> MiscProbe {
        let m = MiscCheck {
            path: Some(Script {
                cmd: "/bin/check.sh".into(),
                argv: vec!["/bin/check.sh".into()],
            }),
            timeout: None,
            dynamic,
            user: None,
        };
        MiscProbe::new(&m, 5, Micros::from_secs(60))
    }

    fn out(report: Report) -> Outcome {
        Outcome {
            next: Micros::ZERO,
            report,
            state: None,
        }
    }

    #[test]
    fn dynamic_status_sets_the_weight_and_a_failure_restores_the_configured_one() {
        let mut m = probe(true);
        let v = m.verdict(ScriptResult::Exited(12));
        assert!(v.ok);
        assert_eq!(m.weight_change(&v, &out(Report::Quiet)), Some(10));
        assert_eq!(m.weight_change(&v, &out(Report::Quiet)), None);
        let f = m.verdict(ScriptResult::Exited(1));
        assert!(!f.ok);
        let down = out(Report::Down { retries: None });
        assert_eq!(m.weight_change(&f, &down), Some(5));
        let plain = probe(false);
        assert!(!plain.verdict(ScriptResult::Exited(12)).ok);
        assert_eq!(m.spec(None).timeout, Some(Micros::from_secs(60)));
        let quoted = Script {
            cmd: "/bin/sh -c 'exit 3'".into(),
            argv: Vec::new(),
        };
        assert_eq!(script_argv(&quoted), vec!["/bin/sh", "-c", "exit 3"]);
    }

    #[test]
    fn lines_are_worded_as_keepalived_words_them() {
        let m = probe(false);
        let at = Where {
            rs: &"[10.0.0.2]:tcp:80",
            vs: &"[10.0.0.1]:tcp:80",
            retry: 2,
            log_all: true,
        };
        let f = m.verdict(ScriptResult::Exited(1));
        let line = |r| log_line(&m, &at, &f, &out(r)).unwrap_or_default();
        assert_eq!(
            line(Report::Down { retries: Some(2) }),
            "Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/check.sh] failed after 2 retries (exited with status 1)."
        );
        assert!(line(Report::Retrying { attempt: 1 }).contains("failed, will do 2 retries ("));
        assert!(line(Report::Retrying { attempt: 2 }).contains("failed on retry 1/2 ("));
        let t = m.verdict(ScriptResult::TimedOut);
        assert!(log_line(&m, &at, &t, &out(Report::Down { retries: None }))
            .unwrap_or_default()
            .ends_with("timed out with retry disabled."));
        let ok = m.verdict(ScriptResult::Exited(0));
        assert!(log_line(&m, &at, &ok, &out(Report::Up))
            .unwrap_or_default()
            .ends_with("by [/bin/check.sh] succeeded."));
        assert_eq!(log_line(&m, &at, &ok, &out(Report::Quiet)), None);
    }
}
