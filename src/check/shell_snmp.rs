//! The checker child's SNMP subagent: on when `-x` or global_defs' enable_snmp_checker ask for
//! it, as keepalived's checker process runs it (enable_snmp_keepalived is enable_snmp_vrrp
//! there: it does not start this one). It serves KEEPALIVED-MIB's global group and check
//! subtree over the socket `-A` or snmp_socket name, reconnecting as the VRRP child's does.
//! The checker shell calls only the functions here, so SNMP can be left out of a build by
//! this one module.
//!
//! Traps (`enable_traps`; built by `check::snmp::traps`) go where keepalived sends them
//! (`check::snmp::traps_events` says which): the real servers' side queues the events
//! ([`TrapQueue`]) and the loop sends them after each event; a reload's removals go before
//! the shell takes the new config, named in the old one. Those keepalived's start and stop
//! bring, which our manager does not notice (a quorum up at start, every server and quorum
//! going at a stop), are made from its state. Traps raised before the first session is up wait for it as long as
//! keepalived would have waited for its open; later ones raised while it is down are lost,
//! as net-snmp loses them.

use log::warn;

use crate::check::checkers::run::View;
use crate::check::ipvs::manager::{Manager, Notice};
use crate::check::snmp::keepalived_check::{KeepalivedCheck, Texts};
use crate::check::snmp::keepalived_check_stats::IpvsCounters;
use crate::check::snmp::traps::{self, Event};
use crate::check::snmp::traps_events as events;
use crate::cli::Options;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::core::tokens::{CHECK_SNMP_AGENTX, CHECK_SNMP_AGENTX_TIMER};
use crate::snmp::agentx::conn::{self, Agent, Target};
use crate::snmp::agentx::session::TIMEOUT;
use crate::snmp::global::Global;

pub(crate) struct Snmp {
    agent: Agent,
    global: Global,
    texts: Texts,
    /// `enable_traps`.
    traps: bool,
    router_id: String,
    /// Until when traps wait for the first session (None once it came or the wait ended).
    first: Option<Micros>,
    /// The start's traps were queued.
    started: bool,
    counters: IpvsCounters,
}

/// The trap events of the real servers' side, in the order they happened; kept only while a
/// subagent sends traps.
#[derive(Default)]
pub(crate) struct TrapQueue {
    on: bool,
    events: Vec<Event>,
    /// What a reload took away, named in the old config's indices.
    gone: Vec<Event>,
}

impl TrapQueue {
    pub(crate) fn new() -> TrapQueue {
        TrapQueue::default()
    }

    /// Queues the trap keepalived sends for `n`, a notice `mgr` just gave (`ipvs`: the child
    /// drives IPVS, where quorum counts).
    pub(crate) fn note(&mut self, n: &Notice, mgr: &Manager, ipvs: bool) {
        if let Some(ev) = events::noticed(n, mgr, ipvs).filter(|_| self.on) {
            self.events.push(ev);
        }
    }

    /// A reload takes `n` away (an alive server of `old`'s, or the quorum that loses).
    pub(crate) fn gone(&mut self, n: &Notice, old: &Manager) {
        if let Some(ev) = events::gone(n, old, &self.gone).filter(|_| self.on) {
            self.gone.push(ev);
        }
    }
}

/// Whether this invocation's checker child serves SNMP.
pub(crate) fn wanted(cfg: &Config, opts: &Options) -> bool {
    opts.snmp || cfg.global.snmp.checker
}

fn target(cfg: &Config, opts: &Options) -> Result<Target, String> {
    conn::target(
        opts.snmp_socket
            .as_deref()
            .or(cfg.global.snmp.socket.as_deref()),
    )
}

/// Starts the subagent if SNMP is on for the checker.
pub(crate) fn start(
    lp: &mut EventLoop,
    cfg: &Config,
    opts: &Options,
    live: &View<'_>,
) -> Option<Snmp> {
    if !wanted(cfg, opts) {
        return None;
    }
    let target = match target(cfg, opts) {
        Ok(t) => t,
        Err(e) => {
            warn!("SNMP subagent not started: {e}");
            return None;
        }
    };
    let global = Global::new(&cfg.global);
    let texts = Texts::new(cfg);
    let check = KeepalivedCheck::new(cfg, live, &texts);
    let agent = Agent::start(
        lp,
        target,
        CHECK_SNMP_AGENTX,
        CHECK_SNMP_AGENTX_TIMER,
        &[&global, &check],
    );
    Some(Snmp {
        agent,
        global,
        texts,
        traps: cfg.global.snmp.traps,
        router_id: router_id(cfg),
        first: Some(Micros::now() + TIMEOUT),
        started: false,
        counters: IpvsCounters::default(),
    })
}

fn router_id(cfg: &Config) -> String {
    cfg.global
        .router_id
        .clone()
        .unwrap_or_else(|| crate::core::smtp::host_defaults().router_id)
}

/// Sends (or holds, or drops) the traps queued since the last call; the loop calls it after
/// every event. The first call queues the start's.
pub(crate) fn send_traps(s: &mut Option<Snmp>, cfg: &Config, (q, mgr): (&mut TrapQueue, &Manager)) {
    let Some(s) = s.as_mut().filter(|s| s.traps) else {
        q.on = false;
        q.events.clear();
        return;
    };
    q.on = true;
    if !s.started {
        s.started = true;
        events::at_start(mgr, &mut q.events);
    }
    if q.events.is_empty() {
        return;
    }
    let ready = s.agent.is_ready();
    if ready {
        s.first = None;
    } else if s.first.is_some_and(|u| Micros::now() < u) {
        return;
    } else {
        s.first = None;
        q.events.clear();
        return;
    }
    for ev in q.events.drain(..) {
        if let Some(t) = traps::build(cfg, &ev, &s.router_id) {
            // Not taken only when the output buffer is full: lost, as with a master away.
            let agent = &mut s.agent;
            let _ = t.with(|vbs| agent.notify(vbs));
        }
    }
}

/// The subagent's socket is ready.
pub(crate) fn on_io(s: &mut Option<Snmp>, lp: &mut EventLoop, cfg: &Config, live: &View<'_>) {
    if let Some(s) = s {
        let check = KeepalivedCheck::new(cfg, live, &s.texts).with_counters(&s.counters);
        s.agent.on_io(lp, &[&s.global, &check]);
    }
}

/// A timer of the subagent fired.
pub(crate) fn on_timer(
    s: &mut Option<Snmp>,
    lp: &mut EventLoop,
    id: TimerId,
    cfg: &Config,
    live: &View<'_>,
) {
    if let Some(s) = s {
        let check = KeepalivedCheck::new(cfg, live, &s.texts).with_counters(&s.counters);
        s.agent.on_timer(lp, Some(id), &[&s.global, &check]);
    }
}

/// A reload's new config is in the servers' side, `old` still the shell's: what it took away
/// goes first, named as `old` named it.
pub(crate) fn send_gone_traps(
    s: &mut Option<Snmp>,
    old: &Config,
    (q, _): (&mut TrapQueue, &Manager),
) {
    let Some(s) = s.as_mut().filter(|s| s.traps && s.agent.is_ready()) else {
        q.gone.clear();
        return;
    };
    for ev in q.gone.drain(..) {
        if let Some(t) = traps::build(old, &ev, &s.router_id) {
            let agent = &mut s.agent;
            let _ = t.with(|vbs| agent.notify(vbs));
        }
    }
}

/// The child stops: the queued traps go, then those of keepalived's stop (unless -I keeps
/// the IPVS table), and the session closes.
pub(crate) fn stop(
    s: &mut Option<Snmp>,
    lp: &mut EventLoop,
    cfg: &Config,
    opts: &Options,
    (q, mgr): (&mut TrapQueue, &Manager),
) {
    send_traps(s, cfg, (&mut *q, mgr));
    if let Some(sn) = s.as_mut().filter(|s| s.traps && !opts.dont_release_ipvs) {
        sn.first = None;
        let flush = cfg.global.lvs.flush_on_stop.is_some();
        events::at_stop(mgr, flush, &mut q.events);
        send_traps(s, cfg, (q, mgr));
    }
    close(s, lp);
}

fn close(s: &mut Option<Snmp>, lp: &mut EventLoop) {
    if let Some(mut s) = s.take() {
        s.agent.stop(lp);
    }
}

/// After a reload: the tables take the new config; a new socket or switch restarts the
/// subagent.
pub(crate) fn reload(
    s: &mut Option<Snmp>,
    lp: &mut EventLoop,
    cfg: &Config,
    opts: &Options,
    live: &View<'_>,
) {
    let same = s.as_ref().is_some_and(|s| {
        wanted(cfg, opts) && target(cfg, opts).ok().as_ref() == Some(s.agent.target())
    });
    if let (true, Some(s)) = (same, s.as_mut()) {
        s.global = Global::new(&cfg.global);
        s.texts = Texts::new(cfg);
        s.traps = cfg.global.snmp.traps;
        s.router_id = router_id(cfg);
        s.counters.forget();
        return;
    }
    close(s, lp);
    *s = start(lp, cfg, opts, live);
    // keepalived's start traps are the daemon's start's, not a reload's.
    if let Some(s) = s.as_mut() {
        s.started = true;
    }
}
