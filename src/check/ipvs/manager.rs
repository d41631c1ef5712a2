//! The virtual server manager, the one owner of real-server and quorum state: from the
//! checkers' states and weights, which real servers are alive, whether each virtual server
//! has quorum, and what the kernel's IPVS table must hold. No I/O, no clock, no log: inputs
//! are checker results and `stop`; outputs are [`Manager::desired`] (the whole table, which
//! the shell diffs against the kernel's) and [`Manager::take_notices`] (what happened, for the
//! child to log and run scripts for).
//!
//! Rules, as keepalived (ipwrapper.c):
//! - a real server is alive when none of its checkers has failed; with `alpha` a checker
//!   starts failed; a server with no checkers is always alive;
//! - `sum` is the weight of the alive servers; quorum is gained (at start too, from down)
//!   when `sum >= quorum + hysteresis` and lost when `sum == 0` or `sum < quorum -
//!   hysteresis`;
//! - while quorum is down and there is a sorry server, it alone serves: alive servers leave
//!   the pool and come back when quorum does;
//! - `inhibit_on_failure` keeps a server that is out in the table at weight 0, and likewise
//!   `sorry_server_inhibit` the sorry server.

use super::plan::{ServerPlan, VsPlan};
use super::table::{Dest, DestKey, Entry, SvcKey};
use crate::check::key::RsKey;
use crate::check::{CheckerId, Why};

/// What brought a real server up or down: it decides the log line and the notify script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// A checker's state ([`Why`] says how it came).
    Checker(Why),
    /// Shutting down with omega.
    Stop,
    /// A reload dropped it.
    Gone,
}

/// One removal of a reload, for its log line ([`Manager::removals`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// A virtual server the new config does not have.
    Vs(usize),
    /// Entry `entry` of a kept virtual server's group, which the new group does not have.
    Entry { vs: usize, entry: usize },
    /// A real server gone with its virtual server or from a `kept` one; `set`: it was in the
    /// table (`inhibited`: at weight 0, down with inhibit_on_failure).
    Rs {
        vs: usize,
        rs: usize,
        kept: bool,
        set: bool,
        inhibited: bool,
    },
}

/// Something a script or a log line must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A real server came alive (`alive`) or died.
    Rs {
        vs: usize,
        rs: usize,
        alive: bool,
        by: By,
    },
    /// A checker that started down failed its first check: keepalived runs the real server's
    /// notify for its state (`alive`) again.
    Renotify { vs: usize, rs: usize, alive: bool },
    /// Quorum gained (`up`) or lost, `init` at a virtual server's first look (at start, or
    /// new at a reload); `sum` is the weight of the alive servers then, `thr` the threshold
    /// it was judged by (keepalived's: quorum + hysteresis from down, quorum - hysteresis from
    /// up). `reload`: judged at a reload, where keepalived words a kept virtual server's change
    /// as a start's too ("Starting with quorum down"). `swap`: the sorry server and the alive
    /// servers trade places (in with a loss; out with a gain only if it was serving).
    Quorum {
        vs: usize,
        up: bool,
        init: bool,
        sum: u64,
        thr: u64,
        reload: bool,
        swap: bool,
    },
    /// A dynamic checker moved a real server's weight.
    Weight {
        vs: usize,
        rs: usize,
        from: u32,
        to: u32,
        alive: bool,
    },
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

    /// Whether this virtual server has the real server a reload recognises by `key`.
    fn has_server(&self, key: &RsKey) -> bool {
        self.plan
            .real_servers
            .iter()
            .any(|x| x.key(&self.plan) == *key)
    }

    fn sorry_active(&self) -> bool {
        !self.quorum_up && self.plan.sorry.is_some()
    }
}

/// Why quorum is judged: a server's change, a virtual server's first look (at start, or new
/// at a reload), or a kept virtual server's look at a reload (`sorry_in`: its sorry server,
/// the same one, was serving).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Change,
    First,
    Kept { sorry_in: bool },
}

pub struct Manager {
    vs: Vec<VsState>,
    notices: Vec<Notice>,
    /// The table changed since [`Manager::take_changed`] last asked.
    changed: bool,
}

impl Manager {
    /// Servers start alive unless an alpha checker holds them down; quorum is then judged
    /// as keepalived judges it at start: from down (its quorum state is set before any server
    /// is alive), so a virtual server with enough weight gains it at once, and says so.
    pub fn new(plans: Vec<VsPlan>) -> Manager {
        let mut m = Manager::unjudged(plans);
        for v in 0..m.vs.len() {
            m.first_look(v);
        }
        m
    }

    fn unjudged(plans: Vec<VsPlan>) -> Manager {
        // Loops, not nested map/collect chains: measured smaller.
        let mut vs = Vec::with_capacity(plans.len());
        for plan in plans {
            let mut rs = Vec::with_capacity(plan.real_servers.len());
            for r in &plan.real_servers {
                rs.push(RsState {
                    failed: r.alpha_checkers.clone(),
                    alive: !r.alpha_checkers.iter().any(|&a| a),
                    weight: r.dest.weight,
                });
            }
            vs.push(VsState {
                plan,
                rs,
                quorum_up: false,
            });
        }
        Manager {
            vs,
            notices: Vec::new(),
            changed: true,
        }
    }

    fn first_look(&mut self, v: usize) {
        self.vs[v].quorum_up = false;
        self.update_quorum(v, Look::First);
    }

    /// The manager for a reloaded config: a virtual server with the same key keeps its quorum
    /// state, and each of its real servers with the same key and as many checkers keeps its
    /// health; a new virtual server is judged as at start (its quorum script runs).
    pub fn reloaded(plans: Vec<VsPlan>, old: &Manager) -> Manager {
        let mut m = Manager::unjudged(plans);
        for v in 0..m.vs.len() {
            let Some(o) = old.vs.iter().find(|o| o.plan.key == m.vs[v].plan.key) else {
                m.first_look(v);
                continue;
            };
            let s = &mut m.vs[v];
            // keepalived keeps the sorry server's state only when it is the same server
            // (ipwrapper.c, clear_diff_s_srv); a new one is not serving yet.
            let sorry_in = o.sorry_active()
                && matches!((&o.plan.sorry, &s.plan.sorry), (Some(a), Some(b)) if a.key(&o.plan) == b.key(&s.plan));
            for (rp, st) in s.plan.real_servers.iter().zip(s.rs.iter_mut()) {
                let key = rp.key(&s.plan);
                let same = o.plan.real_servers.iter().zip(&o.rs).find(|(orp, ost)| {
                    orp.key(&o.plan) == key && ost.failed.len() == st.failed.len()
                });
                if let Some((_, ost)) = same {
                    st.failed.clone_from(&ost.failed);
                    st.alive = ost.alive;
                }
            }
            s.quorum_up = o.quorum_up;
            m.update_quorum(v, Look::Kept { sorry_in });
        }
        m
    }

    pub fn plans(&self) -> impl Iterator<Item = &VsPlan> {
        self.vs.iter().map(|s| &s.plan)
    }

    #[cfg_attr(not(feature = "snmp"), allow(dead_code))]
    pub fn quorum_up(&self, vs: usize) -> bool {
        self.vs.get(vs).is_some_and(|s| s.quorum_up)
    }

    pub fn rs_alive(&self, vs: usize, rs: usize) -> bool {
        self.vs
            .get(vs)
            .and_then(|s| s.rs.get(rs))
            .is_some_and(|r| r.alive)
    }

    /// How many of the real server's checkers are down.
    pub fn rs_failed(&self, vs: usize, rs: usize) -> u32 {
        self.vs
            .get(vs)
            .and_then(|s| s.rs.get(rs))
            .map_or(0, |r| r.failed.iter().filter(|&&f| f).count() as u32)
    }

    /// True once after any input that changed the table we want.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    pub fn take_notices(&mut self) -> std::vec::Drain<'_, Notice> {
        self.notices.drain(..)
    }

    /// keepalived's quorum rules (ipwrapper.c, update_quorum_state). A first look, or a kept
    /// virtual server's look at a reload, also puts in a sorry server that is not serving yet
    /// while quorum is down.
    fn update_quorum(&mut self, v: usize, look: Look) {
        let s = &mut self.vs[v];
        let sum = s.sum();
        let (q, h) = (u64::from(s.plan.quorum), u64::from(s.plan.hysteresis));
        let thr = if s.quorum_up {
            q.saturating_sub(h)
        } else {
            q + h
        };
        let sorry_in = match look {
            Look::Change => s.sorry_active(),
            Look::First => false,
            Look::Kept { sorry_in } => sorry_in,
        };
        let (up, swap) = if !s.quorum_up && sum >= thr {
            (true, sorry_in)
        } else if (s.quorum_up && (sum == 0 || sum < thr))
            || (look != Look::Change && !s.quorum_up && s.plan.sorry.is_some() && !sorry_in)
        {
            self.changed = true;
            (false, s.plan.sorry.is_some())
        } else {
            return;
        };
        s.quorum_up = up;
        self.notices.push(Notice::Quorum {
            vs: v,
            up,
            init: look == Look::First,
            sum,
            thr,
            reload: matches!(look, Look::Kept { .. }),
            swap,
        });
    }

    fn set_alive(&mut self, v: usize, r: usize, alive: bool, by: By) {
        self.vs[v].rs[r].alive = alive;
        self.changed = true;
        self.notices.push(Notice::Rs {
            vs: v,
            rs: r,
            alive,
            by,
        });
        self.update_quorum(v, Look::Change);
    }

    /// A checker's state reached us: a changed one (or an adopted one) may bring its real
    /// server up or down; a first failure of one that started down asks for the notify again.
    pub fn checker_state(&mut self, id: CheckerId, up: bool, why: Why) {
        let Some(st) = self.vs.get_mut(id.vs).and_then(|s| s.rs.get_mut(id.rs)) else {
            return;
        };
        let Some(f) = st.failed.get_mut(id.ck) else {
            return;
        };
        if why == Why::FirstDown {
            if *f {
                let alive = st.alive;
                self.notices.push(Notice::Renotify {
                    vs: id.vs,
                    rs: id.rs,
                    alive,
                });
                return;
            }
            // Our state says up (a reload kept it): a plain change.
            return self.checker_state(id, up, Why::Checked);
        }
        *f = !up;
        let alive = !st.failed.iter().any(|&f| f);
        if alive != st.alive {
            self.set_alive(id.vs, id.rs, alive, By::Checker(why));
        }
    }

    /// A checker's state changed after a check.
    #[cfg(test)]
    pub fn checker_changed(&mut self, id: CheckerId, up: bool) {
        self.checker_state(id, up, Why::Checked);
    }

    /// MISC_CHECK with `misc_dynamic`, or FILE_CHECK, set the real server's weight.
    pub fn weight_changed(&mut self, id: CheckerId, weight: i64) {
        let Some(st) = self.vs.get_mut(id.vs).and_then(|s| s.rs.get_mut(id.rs)) else {
            return;
        };
        let w = weight.clamp(0, i64::from(i32::MAX)) as u32;
        if st.weight != w {
            let from = std::mem::replace(&mut st.weight, w);
            self.changed = true;
            let alive = st.alive;
            self.notices.push(Notice::Weight {
                vs: id.vs,
                rs: id.rs,
                from,
                to: w,
                alive,
            });
            if alive {
                self.update_quorum(id.vs, Look::Change);
            }
        }
    }

    /// The whole table we want in the kernel now, into `out` (cleared first).
    pub fn desired(&self, out: &mut Vec<Entry>) {
        out.clear();
        for s in &self.vs {
            let sorry_active = s.sorry_active();
            for svc in &s.plan.services {
                let mut dests = Vec::new();
                let mut put = |sp: &ServerPlan, w: u32| dests.push(sp.dest(&svc.key, w));
                if sorry_active {
                    if let Some(sp) = &s.plan.sorry {
                        put(sp, sp.dest.weight);
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
                // A sorry server that is also a real server: one entry, the first wins.
                first_of_each(&mut dests);
                out.push(Entry {
                    svc: svc.clone(),
                    dests,
                });
            }
        }
    }

    /// The virtual server of this (a reload's) manager that keeps `old`'s, if any.
    fn keeping(&self, old: &VsState) -> Option<&VsState> {
        self.vs.iter().find(|n| n.plan.key == old.plan.key)
    }

    /// What a reload to `new` takes down, in this manager's indices: alive real servers that
    /// are gone (RsDown), and the quorums that their going loses (QuorumDown, `sum` the weight
    /// left), as keepalived notifies them when it removes them: judged by the old virtual
    /// server's quorum and hysteresis, a removed virtual server's quorum with nothing left.
    pub fn gone_in(&self, new: &Manager) -> Vec<Notice> {
        let mut out = Vec::new();
        for (v, s) in self.vs.iter().enumerate() {
            let kept = new.keeping(s);
            let mut left = 0u64;
            for (r, (rp, st)) in s.plan.real_servers.iter().zip(&s.rs).enumerate() {
                let key = rp.key(&s.plan);
                let stays = kept.is_some_and(|n| n.has_server(&key));
                if st.alive && stays {
                    left += u64::from(st.weight);
                } else if st.alive {
                    out.push(Notice::Rs {
                        vs: v,
                        rs: r,
                        alive: false,
                        by: By::Gone,
                    });
                }
            }
            let (q, h) = (u64::from(s.plan.quorum), u64::from(s.plan.hysteresis));
            if s.quorum_up && (left == 0 || left < q.saturating_sub(h)) {
                out.push(Notice::Quorum {
                    vs: v,
                    up: false,
                    init: false,
                    sum: left,
                    thr: q.saturating_sub(h),
                    reload: false,
                    swap: false,
                });
            }
        }
        out
    }

    /// What a reload to `new` removes, in this manager's indices and in the order keepalived
    /// logs it (ipwrapper.c, clear_diff_services): each virtual server that is gone, then the
    /// real servers of it that were in the table; for a kept one, its real servers that are
    /// gone, each said to be no longer there, then taken out if in the table; before those,
    /// a kept group's entries that the new group lacks (clear_diff_vsg).
    pub fn removals(&self, new: &Manager) -> Vec<Removal> {
        let mut out = Vec::new();
        for (v, s) in self.vs.iter().enumerate() {
            let kept = new.keeping(s);
            match kept {
                None => out.push(Removal::Vs(v)),
                Some(n) => {
                    for (e, entry) in s.plan.entries.iter().enumerate() {
                        if !n.plan.entries.iter().any(|x| x.key == entry.key) {
                            out.push(Removal::Entry { vs: v, entry: e });
                        }
                    }
                }
            }
            for (r, (rp, st)) in s.plan.real_servers.iter().zip(&s.rs).enumerate() {
                let key = rp.key(&s.plan);
                if kept.is_some_and(|n| n.has_server(&key)) {
                    continue;
                }
                out.push(Removal::Rs {
                    vs: v,
                    rs: r,
                    kept: kept.is_some(),
                    set: !s.sorry_active() && (st.alive || rp.inhibit),
                    inhibited: rp.inhibit && !st.alive,
                });
            }
        }
        out
    }

    /// The kept virtual servers (this manager's indices) whose sorry server a reload to `new`
    /// drops or replaces while it is in the table: serving, or in at weight 0 with
    /// `sorry_server_inhibit` (keepalived logs its removal then, ipwrapper.c clear_diff_s_srv).
    pub fn sorry_dropped(&self, new: &Manager) -> Vec<usize> {
        let mut out = Vec::new();
        for (v, s) in self.vs.iter().enumerate() {
            let Some(old) = s.plan.sorry.as_ref() else {
                continue;
            };
            let Some(n) = new.keeping(s) else {
                continue;
            };
            let same = n.plan.sorry.as_ref().map(|x| x.key(&n.plan));
            if same != Some(old.key(&s.plan)) && (old.inhibit || s.sorry_active()) {
                out.push(v);
            }
        }
        out
    }

    /// `rs_init_notifies`: each real server that starts alive and is not kept from `old` (a
    /// reload's manager) has its notify_up run as at a change, queued ahead of the quorum
    /// notices, as keepalived runs it when it puts the server in, before it judges quorum
    /// (ipwrapper.c, init_service_rs).
    pub fn init_notifies(&mut self, old: Option<&Manager>) {
        let mut first = Vec::new();
        for (v, s) in self.vs.iter().enumerate() {
            let kept = old.and_then(|o| o.vs.iter().find(|o| o.plan.key == s.plan.key));
            for (r, (rp, st)) in s.plan.real_servers.iter().zip(&s.rs).enumerate() {
                let key = rp.key(&s.plan);
                let reloaded =
                    kept.is_some_and(|o| o.plan.real_servers.iter().any(|x| x.key(&o.plan) == key));
                if st.alive && !reloaded {
                    first.push(Notice::Renotify {
                        vs: v,
                        rs: r,
                        alive: true,
                    });
                }
            }
        }
        first.append(&mut self.notices);
        self.notices = first;
    }

    /// Virtual server `vs`'s quorum and hysteresis.
    pub fn quorum_of(&self, vs: usize) -> Option<(u32, u32)> {
        self.vs.get(vs).map(|s| (s.plan.quorum, s.plan.hysteresis))
    }

    /// What service `svc` of virtual server `vs` must hold for real server `rs` alone (the
    /// destination's key, and the destination or nothing), as [`Manager::desired`] would
    /// place it. None when that depends on more than the server: the sorry server serves, or
    /// another server of the virtual server has the same destination (the first one wins).
    pub fn want_dest(&self, vs: usize, rs: usize, svc: usize) -> Option<(DestKey, Option<Dest>)> {
        let s = self.vs.get(vs)?;
        let svc = &s.plan.services.get(svc)?.key;
        let (rp, st) = (s.plan.real_servers.get(rs)?, s.rs.get(rs)?);
        if s.sorry_active() {
            return None;
        }
        let key = rp.dest(svc, 0).key;
        let others = s.plan.real_servers.iter().chain(s.plan.sorry.iter());
        if others
            .filter(|p| p.dest(svc, 0).key == key)
            .nth(1)
            .is_some()
        {
            return None;
        }
        let d = match (st.alive, rp.inhibit) {
            (true, _) => Some(rp.dest(svc, st.weight)),
            (false, true) => Some(rp.dest(svc, 0)),
            (false, false) => None,
        };
        Some((key, d))
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

    /// Every real server, virtual server by virtual server in config order, with whether it
    /// is down and in the table at weight 0 by inhibit_on_failure (keepalived's "(inhibited)").
    pub fn servers(&self) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
        self.vs.iter().enumerate().flat_map(|(v, s)| {
            let plans = s.plan.real_servers.iter().zip(&s.rs).enumerate();
            plans.map(move |(r, (rp, st))| (v, r, rp.inhibit && !st.alive))
        })
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
                    self.notices.push(Notice::Rs {
                        vs: v,
                        rs: r,
                        alive: false,
                        by: By::Stop,
                    });
                }
            }
            if s.quorum_up {
                s.quorum_up = false;
                let sum = s.sum();
                let (q, h) = (u64::from(s.plan.quorum), u64::from(s.plan.hysteresis));
                self.notices.push(Notice::Quorum {
                    vs: v,
                    up: false,
                    init: false,
                    sum,
                    thr: q.saturating_sub(h),
                    reload: false,
                    swap: s.plan.sorry.is_some(),
                });
            }
        }
    }
}

/// Drops every destination whose key an earlier one has, keeping the order: through a sorted
/// index, as a table of thousands of real servers is rebuilt on every change.
fn first_of_each(dests: &mut Vec<super::table::Dest>) {
    if dests.len() < 2 {
        return;
    }
    let mut by_key: Vec<(DestKey, usize)> =
        dests.iter().enumerate().map(|(i, d)| (d.key, i)).collect();
    super::table::sort_keys(&mut by_key);
    let mut later = vec![false; dests.len()];
    let mut any = false;
    for w in by_key.windows(2) {
        if w[0].0 == w[1].0 {
            later[w[1].1] = true;
            any = true;
        }
    }
    if any {
        let mut i = 0;
        dests.retain(|_| {
            i += 1;
            !later[i - 1]
        });
    }
}
