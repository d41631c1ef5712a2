//! The real servers' side of the checker child: the one [`Manager`] (real-server and quorum
//! state), the IPVS shell that pushes its table into the kernel, and the carrying out of its
//! notices: keepalived's log lines, the notify and quorum scripts (queued for the runner's
//! script runner), a kernel update. The loop owns one and hands it to the runner as its
//! [`Sink`].
//!
//! With `--without-ipvs` the kernel is left alone and only the lines about real servers and
//! weights are logged, in the checkers' names for the servers; with IPVS the manager's lines
//! (servers, quorum, sorry server) name them as the kernel's table does.

use log::{error, info};

use crate::check::alerts::CheckAlerts;
use crate::check::checkers::{names, DownReason};
use crate::check::ipvs::manager::{By, Manager, Notice, Removal};
use crate::check::ipvs::plan::plan;
use crate::check::ipvs::shell::{open_or_modprobe, IpvsShell};
use crate::check::shell_snmp::TrapQueue;
use crate::check::{CheckerId, ScriptCall, Sink, Why};
use crate::config::checker::values::Script;
use crate::config::global::alert_settings;
use crate::config::lvs::VsAddr;
use crate::config::Config;
use crate::core::script::{self, ScriptSpec};

/// What the child does with the manager's notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// IPVS is driven: the manager's lines, quorum scripts, kernel updates.
    Ipvs,
    /// `--without-ipvs`: the real servers' and weights' lines only.
    LogOnly,
    /// No virtual servers (or IPVS failed to open at a reload): the notify scripts only.
    Quiet,
}

pub struct Servers {
    mgr: Manager,
    ipvs: Option<IpvsShell>,
    log_only: bool,
    /// Each virtual server's quorum_up and quorum_down (with IPVS only), with whom each
    /// runs as (resolved at each config load, as keepalived does).
    quorum: Vec<[Option<Quorum>; 2]>,
    /// Each virtual server's and real server's name in our log lines.
    vs_names: Vec<String>,
    rs_names: Vec<Vec<names::Trio>>,
    sorry_names: Vec<Option<String>>,
    /// Each real server's notify_down and notify_up: is there one. A call is queued only for
    /// a script that runs, since a queued call pushes the table into the kernel before it
    /// (per change); with none, a wake's changes go in together at its end.
    notifies: Vec<Vec<[bool; 2]>>,
    calls: Vec<ScriptCall>,
    /// The manager's notices being carried out (kept to reuse its allocation).
    notices: Vec<Notice>,
    alerts: CheckAlerts,
    /// The notices keepalived sends an SNMP trap for, while a subagent sends traps.
    traps: TrapQueue,
}

impl Servers {
    /// `--without-ipvs`: the manager runs, the kernel is left alone.
    pub fn log_only(cfg: &Config) -> Servers {
        Servers::log_only_from(cfg, None)
    }

    /// `--without-ipvs` afresh, from `old` at a reload (its servers get no init notifies).
    fn log_only_from(cfg: &Config, old: Option<&Manager>) -> Servers {
        let mut s = Servers::with(cfg, None, true);
        // Quorum is not looked at without IPVS: nothing to say at start.
        s.mgr.take_notices().for_each(drop);
        s.init_notifies(cfg, old);
        s.note();
        s
    }

    /// With `rs_init_notifies`, the notify_up of the real servers that start alive (and are
    /// not kept from `old`) is queued with the start's notices.
    fn init_notifies(&mut self, cfg: &Config, old: Option<&Manager>) {
        if cfg.global.rs_init_notifies == Some(true) {
            self.mgr.init_notifies(old);
        }
    }

    /// IPVS driven (loading ip_vs if need be). Err: the kernel has no IPVS.
    pub fn with_ipvs(cfg: &Config) -> Result<Servers, String> {
        let ipvs = open_or_modprobe(cfg)?;
        let mut s = Servers::with(cfg, ipvs, false);
        s.init_notifies(cfg, None);
        s.note();
        let Servers { ipvs, mgr, .. } = &mut s;
        if let Some(sh) = ipvs.as_mut() {
            sh.install(cfg, mgr);
        }
        Ok(s)
    }

    fn with(cfg: &Config, ipvs: Option<IpvsShell>, log_only: bool) -> Servers {
        let mut s = Servers {
            mgr: Manager::new(plan(&cfg.lvs)),
            ipvs,
            log_only,
            quorum: Vec::new(),
            vs_names: Vec::new(),
            rs_names: Vec::new(),
            sorry_names: Vec::new(),
            notifies: Vec::new(),
            calls: Vec::new(),
            notices: Vec::new(),
            alerts: alerts(cfg),
            traps: TrapQueue::new(),
        };
        s.name_servers(cfg);
        if !log_only {
            s.quorum = quorum_scripts(cfg);
        }
        s
    }

    fn mode(&self) -> Mode {
        match (self.log_only, &self.ipvs) {
            (true, _) => Mode::LogOnly,
            (false, Some(_)) => Mode::Ipvs,
            (false, None) => Mode::Quiet,
        }
    }

    /// The names our lines give the servers of `cfg`: keepalived's `[IP]:PROTO:PORT`, with
    /// IPVS or without (keepalived 2.2.7 in the IPVS VM says "Removing service
    /// [10.9.9.1]:tcp:80 from VS [10.9.0.1]:tcp:80", tests/bfd_check_vm.rs).
    fn name_servers(&mut self, cfg: &Config) {
        self.vs_names.clear();
        self.rs_names.clear();
        self.sorry_names.clear();
        self.notifies.clear();
        for vs in &cfg.lvs.virtual_servers {
            // Loops, not map/collect chains: measured smaller.
            let mut n = Vec::with_capacity(vs.real_servers.len());
            let mut rs_names = Vec::with_capacity(vs.real_servers.len());
            for rs in &vs.real_servers {
                n.push([rs.notify_down.is_some(), rs.notify_up.is_some()]);
                rs_names.push(names::rs_trio(vs, rs));
            }
            self.notifies.push(n);
            self.vs_names.push(names::vs_name(vs));
            self.sorry_names.push(names::sorry_name(vs));
            self.rs_names.push(rs_names);
        }
    }

    /// A SIGHUP's new config. With IPVS, virtual and real servers that stay keep their state
    /// and the kernel follows; the first virtual servers open IPVS. Without, all start afresh
    /// (the checkers that keep their state say so through [`Why::Adopted`]).
    pub fn reload(&mut self, cfg: &Config) {
        let calls = std::mem::take(&mut self.calls);
        let mails = std::mem::take(&mut self.alerts);
        self.reload_to(cfg, mails);
        self.calls.splice(0..0, calls);
    }

    /// The SNMP traps queued, and the manager they count from.
    pub(crate) fn trap_queue(&mut self) -> (&mut TrapQueue, &Manager) {
        (&mut self.traps, &self.mgr)
    }

    fn reload_to(&mut self, cfg: &Config, mut old_alerts: CheckAlerts) {
        if self.log_only {
            *self = Servers::log_only_from(cfg, Some(&self.mgr));
            old_alerts.reload(std::mem::take(&mut self.alerts));
            self.alerts = old_alerts;
            return;
        }
        if self.ipvs.is_none() {
            match open_or_modprobe(cfg) {
                Ok(sh) => {
                    *self = Servers::with(cfg, sh, false);
                    self.init_notifies(cfg, None);
                    self.note();
                    let Servers { ipvs, mgr, .. } = self;
                    if let Some(sh) = ipvs.as_mut() {
                        sh.install(cfg, mgr);
                    }
                }
                Err(e) => {
                    error!("{e}");
                    *self = Servers::with(cfg, None, false);
                    self.mgr.take_notices().for_each(drop);
                    self.init_notifies(cfg, None);
                    self.note();
                }
            }
            old_alerts.reload(std::mem::take(&mut self.alerts));
            self.alerts = old_alerts;
            return;
        }
        let new = Manager::reloaded(plan(&cfg.lvs), &self.mgr);
        self.removal_lines(&new, cfg.global.lvs.flush_on_stop.is_some());
        let old = std::mem::replace(&mut self.mgr, new);
        // Quorums the new config loses go down with the old config's scripts and mail,
        // worded with its figures, as keepalived judges the old virtual server.
        for n in old.gone_in(&self.mgr) {
            self.traps.gone(&n, &old);
            match n {
                Notice::Quorum {
                    vs, up: false, sum, ..
                } => {
                    if let Some([_, Some(c)]) = self.quorum.get(vs) {
                        quorum_call(c, &mut self.calls);
                    }
                    if let Some((q, h)) = old.quorum_of(vs) {
                        let (q, h) = (i64::from(q), i64::from(h));
                        old_alerts.quorum(vs, false, false, [q, h, q - h, sum as i64]);
                    }
                }
                Notice::Rs {
                    vs,
                    rs,
                    alive: false,
                    ..
                } => old_alerts.removed(vs, rs),
                _ => {}
            }
        }
        old_alerts.reload(alerts(cfg));
        self.alerts = old_alerts;
        self.quorum = quorum_scripts(cfg);
        self.name_servers(cfg);
        self.init_notifies(cfg, Some(&old));
        self.note();
        let Servers { ipvs, mgr, .. } = self;
        if let Some(sh) = ipvs.as_mut() {
            sh.reload(cfg, &old, mgr);
            sh.flush(mgr);
        }
    }

    /// keepalived's lines for what a reload to `new` removes, old virtual server by old
    /// virtual server (ipwrapper.c, clear_diff_services): a gone one by name (a group's by its
    /// group) and, unless `flush` (lvs_flush_on_stop), each of its servers in the table; from
    /// a kept one each gone server, and then a sorry server dropped or replaced.
    fn removal_lines(&self, new: &Manager, flush: bool) {
        let removals = self.mgr.removals(new);
        let sorry = self.mgr.sorry_dropped(new);
        for (v, p) in self.mgr.plans().enumerate() {
            let vs = name1(&self.vs_names, v);
            for r in &removals {
                match *r {
                    Removal::Vs(i) if i == v => match &p.key.addr {
                        VsAddr::Group(g) => info!("Removing Virtual Server Group [{g}]"),
                        _ => info!("Removing Virtual Server {vs}"),
                    },
                    Removal::Entry { vs: i, entry } if i == v => {
                        if let (Some(e), VsAddr::Group(g)) = (p.entries.get(entry), &p.key.addr) {
                            info!("VS [{}] in group {g} no longer exists", e.name);
                        }
                    }
                    Removal::Rs {
                        vs: i,
                        rs,
                        kept,
                        set,
                        inhibited,
                    } if i == v && (kept || !flush) => {
                        let rs = name(&self.rs_names, v, rs);
                        if kept {
                            info!("service {rs} no longer exist");
                        }
                        if set {
                            let how = if inhibited { "(inhibited) " } else { "" };
                            info!("Removing {how}service {rs} from VS {vs}");
                        }
                    }
                    _ => {}
                }
            }
            if sorry.contains(&v) {
                let ss = self.sorry_names.get(v).and_then(Option::as_deref);
                info!("Removing sorry server {} from VS {vs}", ss.unwrap_or(""));
            }
        }
    }

    /// Stopping: with omega, the alive servers' notify_down and quorum_down are queued for
    /// the loop to run (and wait for) before it exits. The kernel's table is left as it is
    /// for [`Servers::release`] (with -I, it stays).
    /// `lines`: keepalived's "Shutting down service" line for every real server (it says
    /// them as it takes its services out: not with -I or lvs_flush_on_stop).
    pub fn stop(&mut self, lines: bool) {
        if lines && self.ipvs.is_some() {
            for (v, r, inhibited) in self.mgr.servers() {
                let (rs, vs) = (name(&self.rs_names, v, r), name1(&self.vs_names, v));
                let how = if inhibited { "(inhibited) " } else { "" };
                info!("Shutting down {how}service {rs} from VS {vs}");
            }
        }
        self.mgr.stop();
        self.note();
    }

    /// The very end: unless `keep` (from -I), our services leave the kernel.
    pub fn release(&mut self, keep: bool) {
        let Servers { ipvs, mgr, .. } = self;
        if let Some(sh) = ipvs.as_mut() {
            sh.release(mgr, keep);
        }
    }

    /// Whether alert mails wait to be sent.
    pub(crate) fn has_mails(&self) -> bool {
        self.alerts.any()
    }

    /// The alert mails worded since the last call, for the loop to send.
    pub(crate) fn take_mails(&mut self) -> std::vec::Drain<'_, crate::core::smtp::Mail> {
        self.alerts.take()
    }

    pub fn manager(&self) -> &Manager {
        &self.mgr
    }

    /// Brings the kernel in line with what the manager reported since the last time. The
    /// loop calls it once per wake-up, after every event of it: a table of thousands of real
    /// servers is read back twice per update, so the changes of a batch of checks go in one
    /// update. Scripts a change asks for run after it ([`Sink::take_scripts`]).
    pub fn flush(&mut self) {
        let Servers { ipvs, mgr, .. } = self;
        if let Some(sh) = ipvs.as_mut() {
            sh.flush(mgr);
        }
    }

    /// Logs what the manager reported, queues its scripts, and marks the kernel's table for
    /// an update when it changed.
    fn note(&mut self) {
        let mode = self.mode();
        let mut dirty = self.mgr.take_changed();
        let Servers {
            mgr,
            quorum,
            vs_names,
            rs_names,
            sorry_names,
            notifies,
            calls,
            notices,
            alerts,
            traps,
            ipvs,
            ..
        } = self;
        // A real server's own change is one op; the rest (start, reload, quorum) the whole
        // table.
        let (mut own, mut wide) = (false, false);
        notices.extend(mgr.take_notices());
        for n in notices.drain(..) {
            traps.note(&n, mgr, mode == Mode::Ipvs);
            match n {
                Notice::Rs { vs, rs, alive, by } => {
                    dirty = true;
                    own = true;
                    if let Some(sh) = ipvs.as_mut() {
                        sh.mark_rs(vs, rs);
                    }
                    let logged = match (mode, by) {
                        (Mode::Ipvs, By::Checker(_)) => true,
                        (Mode::LogOnly, By::Checker(w)) => w != Why::Adopted,
                        _ => false,
                    };
                    if logged {
                        let inhibit = mgr
                            .plans()
                            .nth(vs)
                            .and_then(|p| p.real_servers.get(rs))
                            .is_some_and(|r| r.inhibit);
                        rs_line(alive, inhibit, name(rs_names, vs, rs), name1(vs_names, vs));
                    }
                    if matches!(by, By::Checker(Why::Checked) | By::Stop) {
                        notify(notifies, calls, (vs, rs, alive));
                    }
                }
                Notice::Renotify { vs, rs, alive } => notify(notifies, calls, (vs, rs, alive)),
                Notice::Quorum {
                    vs,
                    up,
                    init,
                    sum,
                    thr,
                    reload,
                    swap,
                } if mode == Mode::Ipvs => {
                    dirty = true;
                    wide = true;
                    let Some(p) = mgr.plans().nth(vs) else {
                        continue;
                    };
                    let sorry = sorry_names.get(vs).and_then(Option::as_deref);
                    let sorry = p.sorry.as_ref().zip(sorry).map(|(s, n)| (s.inhibit, n));
                    let sorry = sorry.filter(|_| swap);
                    let init = init || reload;
                    quorum_lines(p, name1(vs_names, vs), sorry, (up, init, sum, thr));
                    let (q, h) = (i64::from(p.quorum), i64::from(p.hysteresis));
                    alerts.quorum(vs, up, init, [q, h, thr as i64, sum as i64]);
                    let sc = quorum.get(vs).and_then(|q| q[usize::from(!up)].as_ref());
                    if let Some(sc) = sc {
                        quorum_call(sc, calls);
                    }
                }
                Notice::Quorum { .. } => {}
                Notice::Weight {
                    vs,
                    rs,
                    from,
                    to,
                    alive,
                } => {
                    own = true;
                    if let Some(sh) = ipvs.as_mut() {
                        sh.mark_rs(vs, rs);
                    }
                    if mode == Mode::LogOnly {
                        info!(
                            "Changing weight from {from} to {to} for {}active service {} of VS {}",
                            if alive { "" } else { "in" },
                            name(rs_names, vs, rs),
                            name1(vs_names, vs)
                        );
                    }
                }
            }
        }
        if let (true, Some(sh)) = (wide || (dirty && !own), self.ipvs.as_mut()) {
            sh.mark();
        }
    }
}

/// Queues a real server's notify script, if it has one for that way.
fn notify(has: &[Vec<[bool; 2]>], calls: &mut Vec<ScriptCall>, (vs, rs, up): (usize, usize, bool)) {
    let some = has.get(vs).and_then(|v| v.get(rs));
    if some.is_some_and(|n| n[usize::from(up)]) {
        calls.push(ScriptCall::Notify { vs, rs, up });
    }
}

fn name(names: &[Vec<names::Trio>], vs: usize, rs: usize) -> &dyn std::fmt::Display {
    match names.get(vs).and_then(|v| v.get(rs)) {
        Some(t) => t,
        None => &"",
    }
}

fn name1(names: &[String], vs: usize) -> &str {
    names.get(vs).map_or("", |s| s.as_str())
}

/// keepalived's line for a real server entering or leaving its virtual server's pool.
fn rs_line(alive: bool, inhibit: bool, rs: &dyn std::fmt::Display, vs: &str) {
    let (verb, prep) = match (alive, inhibit) {
        (true, false) => ("Adding", "to"),
        (true, true) => ("Enabling", "of"),
        (false, false) => ("Removing", "from"),
        (false, true) => ("Disabling", "of"),
    };
    info!("{verb} service {rs} {prep} VS {vs}");
}

/// keepalived's lines for quorum gained or lost, and the sorry server (`inhibit`, its name)
/// swapped with the alive servers, if it is: `thr` is the threshold judged by, `sum` the weight
/// of the alive servers (ipwrapper.c, update_quorum_state, which prints `thr` after the
/// quorum and hysteresis whichever way it was reached).
fn quorum_lines(
    p: &crate::check::ipvs::plan::VsPlan,
    vs: &str,
    sorry: Option<(bool, &str)>,
    (up, init, sum, thr): (bool, bool, u64, u64),
) {
    let (q, h) = (u64::from(p.quorum), u64::from(p.hysteresis));
    if up {
        info!("Gained quorum {q}+{h}={thr} <= {sum} for VS {vs}");
        if let Some((inhibit, ss)) = sorry {
            let verb = if inhibit { "Disabling" } else { "Removing" };
            info!("{verb} sorry server {ss} from VS {vs}");
            info!("Adding alive servers to the pool for VS {vs}");
        }
    } else {
        let what = if init {
            "Starting with quorum down"
        } else {
            "Lost quorum"
        };
        info!("{what} {q}-{h}={thr} > {sum} for VS {vs}");
        if let Some((inhibit, ss)) = sorry {
            let verb = if inhibit { "Enabling" } else { "Adding" };
            info!("{verb} sorry server {ss} to VS {vs}");
            info!("Removing alive servers from the pool for VS {vs}");
        }
    }
}

/// Each virtual server's quorum_up and quorum_down.
fn quorum_scripts(cfg: &Config) -> Vec<[Option<Quorum>; 2]> {
    let default = crate::check::script_user(cfg);
    let mut out = Vec::with_capacity(cfg.lvs.virtual_servers.len());
    for v in &cfg.lvs.virtual_servers {
        let one = |i: usize, s: &Option<Script>| {
            let s = s.as_ref().filter(|s| !s.argv.is_empty())?;
            let ids = match &v.quorum_run_as[i] {
                Some(u) => script::user_ids(u),
                None => default,
            };
            Some(Quorum {
                script: s.clone(),
                ids,
            })
        };
        out.push([one(0, &v.quorum_up), one(1, &v.quorum_down)]);
    }
    out
}

/// A quorum script and the (uid, gid) it runs as: its own user, else the checkers' default
/// (`script_user`, else keepalived_script where it exists); None: as we run.
#[derive(Debug)]
struct Quorum {
    script: Script,
    ids: Option<(u32, u32)>,
}

/// Queues a quorum script.
fn quorum_call(q: &Quorum, calls: &mut Vec<ScriptCall>) {
    let (uid, gid) = q.ids.unzip();
    let spec = ScriptSpec {
        argv: q.script.argv.clone(),
        shell: false,
        env: Vec::new(),
        uid,
        gid,
        timeout: None,
    };
    calls.push(ScriptCall::Spec {
        spec,
        cmd: q.script.cmd.clone(),
    });
}

impl Sink for Servers {
    fn checker_state(&mut self, id: CheckerId, up: bool, why: Why) {
        let was = self.mgr.rs_alive(id.vs, id.rs);
        self.mgr.checker_state(id, up, why);
        if why == Why::Checked {
            let alive = self.mgr.rs_alive(id.vs, id.rs);
            self.alerts.checker(id, up, was, alive);
        }
        self.note();
    }

    fn down_reason(&mut self, id: CheckerId, why: DownReason) {
        self.alerts.down_reason(id, why);
    }

    fn weight_changed(&mut self, id: CheckerId, weight: i64) {
        self.mgr.weight_changed(id, weight);
        self.note();
    }

    fn take_scripts(&mut self, out: &mut Vec<ScriptCall>) {
        // A notify script sees the kernel's table with its server's change made.
        if !self.calls.is_empty() {
            self.flush();
        }
        out.append(&mut self.calls);
    }
}

/// The checker child's alert words for `cfg` (none when it mails nothing).
fn alerts(cfg: &Config) -> CheckAlerts {
    match alert_settings(&cfg.global, false) {
        Some(s) => CheckAlerts::new(cfg, &s.router_id),
        None => CheckAlerts::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, Diagnostics};

    fn cfg(text: &str) -> Config {
        let mut d = Diagnostics::new();
        let nodes = config::reader::tree_from_str(text, 0, &mut d);
        let cfg = config::from_tree(&nodes, &mut d);
        assert!(!d.has_errors(), "{:?}", d.items());
        cfg
    }

    /// A queued call pushes the table into the kernel at once (take_scripts), so a change
    /// queues one only when a script runs: a storm of failures of servers without notify
    /// scripts then goes into the kernel once per wake, not once per server.
    #[test]
    fn a_change_queues_a_notify_only_for_a_script_that_runs() {
        let text = "virtual_server 10.0.0.1 80 {\n protocol TCP\n \
                    real_server 10.0.1.1 80 {\n  TCP_CHECK {\n  }\n }\n \
                    real_server 10.0.1.2 80 {\n  notify_down /bin/true\n  TCP_CHECK {\n  }\n }\n}\n";
        let cfg = cfg(text);
        let mut s = Servers::log_only(&cfg);
        let mut calls = Vec::new();
        let (ck, vs) = (0, 0);
        s.checker_state(CheckerId { vs, rs: 0, ck }, false, Why::Checked);
        s.take_scripts(&mut calls);
        assert!(calls.is_empty(), "{calls:?}");
        assert!(!s.manager().rs_alive(0, 0));
        s.checker_state(CheckerId { vs, rs: 1, ck }, false, Why::Checked);
        s.take_scripts(&mut calls);
        assert!(
            matches!(
                calls[..],
                [ScriptCall::Notify {
                    vs: 0,
                    rs: 1,
                    up: false
                }]
            ),
            "{calls:?}"
        );
        // Back up: it has no notify_up.
        calls.clear();
        s.checker_state(CheckerId { vs, rs: 1, ck }, true, Why::Checked);
        s.take_scripts(&mut calls);
        assert!(calls.is_empty(), "{calls:?}");
    }

    /// keepalived 2.2.7 with `rs_init_notifies` runs the notify_up of each real server that
    /// starts alive (not an alpha one), before any check; without it, none.
    #[test]
    fn rs_init_notifies_queues_the_notify_up_of_the_servers_that_start_alive() {
        let text = |g: &str| {
            format!(
                "global_defs {{\n {g}\n}}\nvirtual_server 10.0.0.1 80 {{\n protocol TCP\n \
                 real_server 10.0.1.1 80 {{\n  notify_up /bin/true\n  TCP_CHECK {{\n  }}\n }}\n \
                 real_server 10.0.1.2 80 {{\n  notify_up /bin/true\n  TCP_CHECK {{\n  alpha\n  }}\n }}\n \
                 real_server 10.0.1.3 80 {{\n  TCP_CHECK {{\n  }}\n }}\n}}\n"
            )
        };
        let started = |g: &str| {
            let mut s = Servers::log_only(&cfg(&text(g)));
            let mut calls = Vec::new();
            s.take_scripts(&mut calls);
            calls
        };
        let calls = started("rs_init_notifies");
        assert!(
            matches!(
                calls[..],
                [ScriptCall::Notify {
                    vs: 0,
                    rs: 0,
                    up: true
                }]
            ),
            "{calls:?}"
        );
        let calls = started("router_id r1");
        assert!(calls.is_empty(), "{calls:?}");
    }

    fn quorum_of(global: &str, user: &str) -> Vec<[Option<Quorum>; 2]> {
        let text = format!(
            "global_defs {{\n{global}\n}}\nvirtual_server 10.0.0.1 80 {{\n protocol TCP\n \
             quorum_up \"/bin/true up\" {user}\n quorum_down \"/bin/true down\"\n \
             real_server 10.0.0.2 80 {{\n  TCP_CHECK {{\n  }}\n }}\n}}\n"
        );
        quorum_scripts(&cfg(&text))
    }

    fn ids(user: &str) -> Option<(u32, u32)> {
        script::resolve_user(user, None).ok()
    }

    #[test]
    fn quorum_scripts_run_as_their_own_user_else_the_script_user() {
        let (Some(nobody), Some(daemon)) = (ids("nobody"), ids("daemon")) else {
            eprintln!("SKIPPED: this system has no nobody or daemon user");
            return;
        };
        let q = quorum_of("script_user nobody", "daemon");
        let [Some(up), Some(down)] = &q[0] else {
            panic!("both scripts are kept: {q:?}");
        };
        assert_eq!(up.script.argv, ["/bin/true", "up"]);
        assert_eq!((up.ids, down.ids), (Some(daemon), Some(nobody)));
        let mut calls = Vec::new();
        quorum_call(down, &mut calls);
        let Some(ScriptCall::Spec { spec, cmd }) = calls.first() else {
            panic!("{calls:?}");
        };
        assert_eq!(
            (spec.uid, spec.gid, cmd.as_str()),
            (Some(nobody.0), Some(nobody.1), "/bin/true down")
        );
    }

    #[test]
    fn without_a_script_user_quorum_scripts_run_as_keepalived_script_where_it_exists() {
        let q = quorum_of("", "");
        let [_, Some(down)] = &q[0] else {
            panic!("{q:?}");
        };
        assert_eq!(down.ids, ids(crate::config::global::DEFAULT_SCRIPT_USER));
    }
}
