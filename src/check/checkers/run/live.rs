//! What the runner knows now about each checker, and with the manager's real servers, the
//! view SIGUSR1's data file reads.

use super::{Probe, Runner};
use crate::check::checkers::view::{CheckerLive, Live, RsLive};
use crate::check::ipvs::manager::Manager;
use crate::check::CheckerId;

/// The checkers' state (the runner's) and the real servers' (the manager's).
pub struct View<'a> {
    pub runner: &'a Runner,
    pub mgr: &'a Manager,
}

impl Live for View<'_> {
    fn checker(&self, id: CheckerId) -> Option<CheckerLive> {
        let r = self.runner;
        let s = r.slots.iter().find(|s| s.id == id)?;
        let user = match &s.probe {
            Probe::Misc(m) => m.user().or(r.script_user),
            _ => None,
        };
        Some(CheckerLive {
            enabled: s.enabled && !matches!(s.probe, Probe::NotYet),
            up: s.sched.is_up(),
            has_run: s.sched.has_run(),
            retry_it: s.sched.retry_it(),
            weight: s.weight,
            failed_url: s.sched.failed_url(),
            file_value: match &s.probe {
                Probe::File(f) => f.value,
                _ => None,
            },
            script_user: user.unwrap_or((0, 0)),
        })
    }

    fn real_server(&self, vs: usize, rs: usize) -> RsLive {
        let user = self.runner.script_user.unwrap_or((0, 0));
        let n = self.runner.notify.get(vs).and_then(|v| v.get(rs));
        let n = n.and_then(Option::as_deref);
        RsLive {
            alive: self.mgr.rs_alive(vs, rs),
            failed: self.mgr.rs_failed(vs, rs),
            notify_users: n.map_or([user; 2], |n| {
                [n.run_as[0].unwrap_or(user), n.run_as[1].unwrap_or(user)]
            }),
        }
    }

    fn quorum_up(&self, vs: usize) -> bool {
        self.mgr.quorum_up(vs)
    }
}
