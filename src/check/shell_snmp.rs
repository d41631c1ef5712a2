//! The checker child's SNMP subagent: on when `-x` or global_defs' enable_snmp_checker ask for
//! it, as keepalived's checker process runs it (enable_snmp_keepalived is enable_snmp_vrrp
//! there: it does not start this one). It serves KEEPALIVED-MIB's global group and check
//! subtree over the socket `-A` or snmp_socket name, reconnecting as the VRRP child's does.
//! The checker shell calls only the functions here, so SNMP can be left out of a build by
//! this one module.

use log::warn;

use crate::check::checkers::run::View;
use crate::check::snmp::keepalived_check::{KeepalivedCheck, Texts};
use crate::check::snmp::keepalived_check_stats::IpvsCounters;
use crate::cli::Options;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::timer::TimerId;
use crate::core::tokens::{CHECK_SNMP_AGENTX, CHECK_SNMP_AGENTX_TIMER};
use crate::snmp::agentx::conn::{self, Agent, Target};
use crate::snmp::global::Global;

pub(crate) struct Snmp {
    agent: Agent,
    global: Global,
    texts: Texts,
    counters: IpvsCounters,
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
        counters: IpvsCounters::default(),
    })
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

/// The child stops: the session closes.
pub(crate) fn stop(s: &mut Option<Snmp>, lp: &mut EventLoop) {
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
        s.counters.forget();
        return;
    }
    stop(s, lp);
    *s = start(lp, cfg, opts, live);
}
