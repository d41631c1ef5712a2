//! Real-server state from its checkers' states: a real server is alive only while every one
//! of its checkers is up (keepalived counts its failed checkers). The runner keeps one of these
//! to run the `notify_up` / `notify_down` scripts; whoever programs IPVS can keep another to
//! know when to add or remove the server.

use crate::check::CheckerId;
use crate::config::lvs::{checker_timing, RealServer, VirtualServer};
use crate::config::Config;

/// `f` of every real server, indexed as [`CheckerId`] indexes them (virtual server, then
/// real server).
pub fn per_real_server<T>(
    cfg: &Config,
    mut f: impl FnMut(&VirtualServer, &RealServer) -> T,
) -> Vec<Vec<T>> {
    cfg.lvs
        .virtual_servers
        .iter()
        .map(|vs| vs.real_servers.iter().map(|rs| f(vs, rs)).collect())
        .collect()
}

#[derive(Clone, Debug)]
struct Entry {
    alive: bool,
    failed: u32,
    /// Per checker of this real server.
    up: Vec<bool>,
}

/// What a checker's report did to its real server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsNews {
    Nothing,
    /// The real server became alive (true) or dead (false).
    Changed(bool),
    /// No change, but keepalived runs the notify for the current state (first run of an alpha
    /// checker, or a first failure that found the server already down).
    Renotify(bool),
}

#[derive(Clone, Debug, Default)]
pub struct RsPool {
    vs: Vec<Vec<Entry>>,
}

impl RsPool {
    /// Alpha checkers start down, so their real servers start dead.
    pub fn new(cfg: &Config) -> RsPool {
        let vs = per_real_server(cfg, |vs, rs| {
            let up: Vec<bool> = rs
                .checkers
                .iter()
                .map(|c| !checker_timing(vs, rs, c).alpha)
                .collect();
            let failed = up.iter().filter(|u| !**u).count() as u32;
            Entry {
                alive: failed == 0,
                failed,
                up,
            }
        });
        RsPool { vs }
    }

    pub fn alive(&self, vs: usize, rs: usize) -> bool {
        self.vs
            .get(vs)
            .and_then(|v| v.get(rs))
            .is_some_and(|e| e.alive)
    }

    /// How many of the real server's checkers are down.
    pub fn failed(&self, vs: usize, rs: usize) -> u32 {
        self.vs
            .get(vs)
            .and_then(|v| v.get(rs))
            .map_or(0, |e| e.failed)
    }

    /// A checker reported `up`; `first` is its first report.
    pub fn report(&mut self, id: CheckerId, up: bool, first: bool) -> RsNews {
        let Some(e) = self.vs.get_mut(id.vs).and_then(|v| v.get_mut(id.rs)) else {
            return RsNews::Nothing;
        };
        let Some(was) = e.up.get(id.ck).copied() else {
            return RsNews::Nothing;
        };
        if was == up {
            // An alpha checker's first pass found it up already: nothing to say.
            return if first && !up {
                RsNews::Renotify(e.alive)
            } else {
                RsNews::Nothing
            };
        }
        e.up[id.ck] = up;
        let mut news = RsNews::Nothing;
        if up {
            e.failed = e.failed.saturating_sub(1);
            if e.failed == 0 && !e.alive {
                e.alive = true;
                news = RsNews::Changed(true);
            }
        } else {
            e.failed += 1;
            if e.alive {
                e.alive = false;
                news = RsNews::Changed(false);
            }
        }
        news
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(checkers: usize, alpha: bool) -> RsPool {
        let e = Entry {
            alive: !alpha,
            failed: if alpha { checkers as u32 } else { 0 },
            up: vec![!alpha; checkers],
        };
        RsPool { vs: vec![vec![e]] }
    }

    fn id(ck: usize) -> CheckerId {
        CheckerId { vs: 0, rs: 0, ck }
    }

    #[test]
    fn the_first_failing_checker_kills_and_the_last_recovering_revives() {
        let mut p = pool(2, false);
        assert_eq!(p.report(id(0), false, false), RsNews::Changed(false));
        assert_eq!(p.report(id(1), false, false), RsNews::Nothing);
        assert_eq!(p.report(id(0), true, false), RsNews::Nothing);
        assert!(!p.alive(0, 0));
        assert_eq!(p.report(id(1), true, false), RsNews::Changed(true));
        assert!(p.alive(0, 0));
    }

    #[test]
    fn alpha_servers_wait_for_every_checker_and_renotify_a_first_failure() {
        let mut p = pool(2, true);
        assert!(!p.alive(0, 0));
        assert_eq!(p.report(id(0), false, true), RsNews::Renotify(false));
        assert_eq!(p.report(id(0), true, false), RsNews::Nothing);
        assert_eq!(p.report(id(1), true, true), RsNews::Changed(true));
    }
}
