//! What the runner knows now about each checker and real server, for SIGUSR1's data file.

use super::{Probe, Runner};
use crate::check::checkers::view::{CheckerLive, Live, RsLive};
use crate::check::CheckerId;

impl Live for Runner {
    fn checker(&self, id: CheckerId) -> Option<CheckerLive> {
        let s = self.slots.iter().find(|s| s.id == id)?;
        let user = match &s.probe {
            Probe::Misc(m) => m.user().or(self.script_user),
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
                Probe::File { value, .. } => *value,
                _ => None,
            },
            script_user: user.unwrap_or((0, 0)),
        })
    }

    fn real_server(&self, vs: usize, rs: usize) -> RsLive {
        let user = self.script_user.unwrap_or((0, 0));
        let n = self.notify.get(vs).and_then(|v| v.get(rs));
        RsLive {
            alive: self.pool.alive(vs, rs),
            failed: self.pool.failed(vs, rs),
            notify_users: n.map_or([user; 2], |n| {
                [n.run_as[0].unwrap_or(user), n.run_as[1].unwrap_or(user)]
            }),
        }
    }
}
