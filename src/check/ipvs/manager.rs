//! The virtual server manager: from real server health and weights, what the kernel's IPVS
//! table must hold, and the notices (scripts) that go with each change. No I/O and no clock:
//! inputs are checker results ([`Sink`]) and `stop`; outputs are [`Manager::desired`] (the whole
//! table, which the shell diffs against the kernel's) and [`Manager::take_notices`].
//!
//! Rules, as keepalived (ipwrapper.c):
//! - a real server is alive when none of its checkers has failed; with `alpha` a checker
//!   starts failed; a server with no checkers is always alive;
//! - `sum` is the weight of the alive servers; quorum starts up when `sum >= quorum +
//!   hysteresis`, is gained at that same level and lost when `sum == 0` or `sum < quorum -
//!   hysteresis`;
//! - while quorum is down and there is a sorry server, it alone serves: alive servers leave
//!   the pool and come back when quorum does;
//! - `inhibit_on_failure` keeps a server that is out in the table at weight 0, and likewise
//!   `sorry_server_inhibit` the sorry server.

use log::info;

use super::plan::{ServerPlan, VsPlan};
use super::table::{DestKey, Entry, SvcKey};
use crate::check::{CheckerId, Sink};

/// Something a script or a log line must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    RsUp { vs: usize, rs: usize },
    RsDown { vs: usize, rs: usize },
    QuorumUp { vs: usize },
    QuorumDown { vs: usize },
}

#[derive(Clone, Debug)]
struct RsState {
    failed: Vec<bool>,
    alive: bool,
    /// The weight now: configured, or set by a dynamic checker.
    weight: u32,
}

#[derive(Clone, Debug)]
struct VsState {
    plan: VsPlan,
    rs: Vec<RsState>,
    quorum_up: bool,
}

impl VsState {
    fn sum(&self) -> u64 {
        self.rs
            .iter()
            .filter(|r| r.alive)
            .map(|r| u64::from(r.weight))
            .sum()
    }

    fn sorry_active(&self) -> bool {
        !self.quorum_up && self.plan.sorry.is_some()
    }
}

pub struct Manager {
    vs: Vec<VsState>,
    notices: Vec<Notice>,
    /// The table changed since [`Manager::take_changed`] last asked.
    changed: bool,
}

impl Manager {
    /// Servers start alive unless an alpha checker holds them down; quorum starts from that.
    pub fn new(plans: Vec<VsPlan>) -> Manager {
        let mut m = Manager {
            vs: plans
                .into_iter()
                .map(|plan| {
                    let rs = plan
                        .real_servers
                        .iter()
                        .map(|r| RsState {
                            failed: r.alpha_checkers.clone(),
                            alive: !r.alpha_checkers.iter().any(|&a| a),
                            weight: r.weight,
                        })
                        .collect();
                    VsState {
                        plan,
                        rs,
                        quorum_up: false,
                    }
                })
                .collect(),
            notices: Vec::new(),
            changed: true,
        };
        for v in 0..m.vs.len() {
            let s = &mut m.vs[v];
            s.quorum_up = s.sum() >= u64::from(s.plan.quorum) + u64::from(s.plan.hysteresis);
            m.update_quorum(v, true);
        }
        m
    }

    /// The manager for a reloaded config: a virtual server of the same name keeps its quorum
    /// state, and each real server at the same address with as many checkers keeps its health.
    pub fn reloaded(plans: Vec<VsPlan>, old: &Manager) -> Manager {
        let mut m = Manager::new(plans);
        m.notices.clear();
        for v in 0..m.vs.len() {
            let Some(o) = old.vs.iter().find(|o| o.plan.name == m.vs[v].plan.name) else {
                // New: as at start.
                let s = &mut m.vs[v];
                s.quorum_up = s.sum() >= u64::from(s.plan.quorum) + u64::from(s.plan.hysteresis);
                m.update_quorum(v, true);
                continue;
            };
            let s = &mut m.vs[v];
            for (rp, st) in s.plan.real_servers.iter().zip(s.rs.iter_mut()) {
                let same = o.plan.real_servers.iter().zip(&o.rs).find(|(orp, ost)| {
                    orp.ip == rp.ip && orp.port == rp.port && ost.failed.len() == st.failed.len()
                });
                if let Some((_, ost)) = same {
                    st.failed.clone_from(&ost.failed);
                    st.alive = ost.alive;
                }
            }
            s.quorum_up = o.quorum_up;
            m.update_quorum(v, false);
        }
        m
    }

    pub fn plans(&self) -> impl Iterator<Item = &VsPlan> {
        self.vs.iter().map(|s| &s.plan)
    }

    pub fn quorum_up(&self, vs: usize) -> bool {
        self.vs.get(vs).is_some_and(|s| s.quorum_up)
    }

    pub fn rs_alive(&self, vs: usize, rs: usize) -> bool {
        self.vs
            .get(vs)
            .and_then(|s| s.rs.get(rs))
            .is_some_and(|r| r.alive)
    }

    /// True once after any input that changed the table we want.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    pub fn take_notices(&mut self) -> std::vec::Drain<'_, Notice> {
        self.notices.drain(..)
    }

    /// keepalived's quorum rules; `init` is the first evaluation at start.
    fn update_quorum(&mut self, v: usize, init: bool) {
        let s = &mut self.vs[v];
        let sum = s.sum();
        let (q, h) = (u64::from(s.plan.quorum), u64::from(s.plan.hysteresis));
        if !s.quorum_up && sum >= q + h {
            s.quorum_up = true;
            info!(
                "Gained quorum {q}+{h}={} <= {sum} for VS {}",
                q + h,
                s.plan.name
            );
            if let Some(sorry) = &s.plan.sorry {
                info!(
                    "{} sorry server {} from VS {}",
                    if sorry.inhibit {
                        "Disabling"
                    } else {
                        "Removing"
                    },
                    sorry.ip,
                    s.plan.name
                );
            }
            self.notices.push(Notice::QuorumUp { vs: v });
        } else if (s.quorum_up && (sum == 0 || sum < q.saturating_sub(h)))
            || (init && !s.quorum_up && s.plan.sorry.is_some())
        {
            s.quorum_up = false;
            self.changed = true;
            info!(
                "{} {q}-{h}={} > {sum} for VS {}",
                if init {
                    "Starting with quorum down"
                } else {
                    "Lost quorum"
                },
                q.saturating_sub(h),
                s.plan.name
            );
            if let Some(sorry) = &s.plan.sorry {
                info!(
                    "{} sorry server {} to VS {}",
                    if sorry.inhibit { "Enabling" } else { "Adding" },
                    sorry.ip,
                    s.plan.name
                );
            }
            self.notices.push(Notice::QuorumDown { vs: v });
        }
    }

    fn set_alive(&mut self, v: usize, r: usize, alive: bool) {
        let s = &mut self.vs[v];
        let rp = &s.plan.real_servers[r];
        let verb = match (alive, rp.inhibit) {
            (true, true) => "Enabling service",
            (true, false) => "Adding service",
            (false, true) => "Disabling service",
            (false, false) => "Removing service",
        };
        let prep = match (alive, rp.inhibit) {
            (_, true) => "of",
            (true, false) => "to",
            (false, false) => "from",
        };
        info!(
            "{verb} [{}]:{} {prep} VS {}",
            rp.ip,
            rp.port.unwrap_or(0),
            s.plan.name
        );
        s.rs[r].alive = alive;
        self.changed = true;
        self.notices.push(if alive {
            Notice::RsUp { vs: v, rs: r }
        } else {
            Notice::RsDown { vs: v, rs: r }
        });
        self.update_quorum(v, false);
    }

    /// The whole table we want in the kernel now, into `out` (cleared first).
    pub fn desired(&self, out: &mut Vec<Entry>) {
        out.clear();
        for s in &self.vs {
            let sorry_active = s.sorry_active();
            for svc in &s.plan.services {
                let mut dests = Vec::new();
                let mut put = |sp: &ServerPlan, w: u32| {
                    let d = sp.dest(&svc.key, w);
                    // A sorry server that is also a real server: one entry, the first wins.
                    if !dests.iter().any(|x: &super::table::Dest| x.key == d.key) {
                        dests.push(d);
                    }
                };
                if sorry_active {
                    if let Some(sp) = &s.plan.sorry {
                        put(sp, sp.weight);
                    }
                }
                for (rp, st) in s.plan.real_servers.iter().zip(&s.rs) {
                    match (st.alive && !sorry_active, rp.inhibit) {
                        (true, _) => put(rp, st.weight),
                        (false, true) => put(rp, 0),
                        (false, false) => {}
                    }
                }
                if !sorry_active {
                    if let Some(sp) = s.plan.sorry.as_ref().filter(|sp| sp.inhibit) {
                        put(sp, 0);
                    }
                }
                out.push(Entry {
                    svc: svc.clone(),
                    dests,
                });
            }
        }
    }

    /// True for a destination one of our virtual servers places in `svc` (so one we may remove).
    pub fn manages(&self, svc: &SvcKey, d: &DestKey) -> bool {
        self.vs.iter().any(|s| {
            s.plan.services.iter().any(|x| &x.key == svc)
                && s.plan
                    .real_servers
                    .iter()
                    .chain(s.plan.sorry.iter())
                    .any(|sp| sp.dest(svc, 0).key == *d)
        })
    }

    /// What a reload to `new` takes down, in this manager's indices: alive real servers that
    /// are gone (RsDown), and virtual servers that are gone while their quorum was up
    /// (QuorumDown), as keepalived notifies them when it removes them.
    pub fn gone_in(&self, new: &Manager) -> Vec<Notice> {
        let mut out = Vec::new();
        for (v, s) in self.vs.iter().enumerate() {
            let kept = new.vs.iter().find(|n| n.plan.name == s.plan.name);
            for (r, (rp, st)) in s.plan.real_servers.iter().zip(&s.rs).enumerate() {
                let stays = kept.is_some_and(|n| {
                    n.plan
                        .real_servers
                        .iter()
                        .any(|x| x.ip == rp.ip && x.port == rp.port)
                });
                if st.alive && !stays {
                    out.push(Notice::RsDown { vs: v, rs: r });
                }
            }
            if kept.is_none() && s.quorum_up {
                out.push(Notice::QuorumDown { vs: v });
            }
        }
        out
    }

    /// Every (service, destination) pair our virtual servers may place, into `out`.
    pub fn managed_pairs(&self, out: &mut Vec<(SvcKey, DestKey)>) {
        for s in &self.vs {
            for svc in &s.plan.services {
                for sp in s.plan.real_servers.iter().chain(s.plan.sorry.iter()) {
                    out.push((svc.key, sp.dest(&svc.key, 0).key));
                }
            }
        }
    }

    /// Every service key we install.
    pub fn services(&self) -> impl Iterator<Item = &SvcKey> {
        self.vs
            .iter()
            .flat_map(|s| s.plan.services.iter().map(|x| &x.key))
    }

    /// Shutting down: with `omega`, the alive servers' notify_down and quorum_down run.
    pub fn stop(&mut self) {
        for v in 0..self.vs.len() {
            let s = &mut self.vs[v];
            if !s.plan.omega {
                continue;
            }
            for r in 0..s.rs.len() {
                if s.rs[r].alive {
                    s.rs[r].alive = false;
                    self.notices.push(Notice::RsDown { vs: v, rs: r });
                }
            }
            if s.quorum_up {
                s.quorum_up = false;
                self.notices.push(Notice::QuorumDown { vs: v });
            }
        }
    }
}

impl Sink for Manager {
    fn checker_changed(&mut self, id: CheckerId, up: bool) {
        let Some(st) = self.vs.get_mut(id.vs).and_then(|s| s.rs.get_mut(id.rs)) else {
            return;
        };
        let Some(f) = st.failed.get_mut(id.ck) else {
            return;
        };
        *f = !up;
        let alive = !st.failed.iter().any(|&f| f);
        if alive != st.alive {
            self.set_alive(id.vs, id.rs, alive);
        }
    }

    fn weight_changed(&mut self, id: CheckerId, weight: i64) {
        let Some(st) = self.vs.get_mut(id.vs).and_then(|s| s.rs.get_mut(id.rs)) else {
            return;
        };
        let w = weight.clamp(0, i64::from(i32::MAX)) as u32;
        if st.weight != w {
            st.weight = w;
            self.changed = true;
            let alive = st.alive;
            if alive {
                self.update_quorum(id.vs, false);
            }
        }
    }
}
