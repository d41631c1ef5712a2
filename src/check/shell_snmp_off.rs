//! The checker child built without SNMP (cargo feature `snmp` off): what the checker shell
//! calls of the subagent does nothing. A config that asks for it still loads; the child says
//! once, at start, that none runs.

use log::warn;

use crate::check::checkers::run::View;
use crate::check::ipvs::manager::{Manager, Notice};
use crate::cli::Options;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::timer::TimerId;

/// There is no subagent to hold.
pub(crate) enum Snmp {}

/// No traps to queue.
pub(crate) struct TrapQueue;

impl TrapQueue {
    pub(crate) fn new() -> TrapQueue {
        TrapQueue
    }

    pub(crate) fn note(&mut self, _n: &Notice, _mgr: &Manager, _ipvs: bool) {}

    pub(crate) fn gone(&mut self, _n: &Notice, _old: &Manager) {}
}

pub(crate) fn send_gone_traps(
    _s: &mut Option<Snmp>,
    _old: &Config,
    _q: (&mut TrapQueue, &Manager),
) {
}

pub(crate) fn send_traps(_s: &mut Option<Snmp>, _cfg: &Config, _q: (&mut TrapQueue, &Manager)) {}

pub(crate) fn start(
    _lp: &mut EventLoop,
    cfg: &Config,
    _opts: &Options,
    _live: &View<'_>,
) -> Option<Snmp> {
    if cfg.global.snmp.checker {
        warn!("SNMP is enabled in the configuration, but this keepalived was built without SNMP: no subagent runs");
    }
    None
}

pub(crate) fn on_io(_s: &mut Option<Snmp>, _lp: &mut EventLoop, _cfg: &Config, _live: &View<'_>) {}

pub(crate) fn on_timer(
    _s: &mut Option<Snmp>,
    _lp: &mut EventLoop,
    _id: TimerId,
    _cfg: &Config,
    _live: &View<'_>,
) {
}

pub(crate) fn stop(
    s: &mut Option<Snmp>,
    _lp: &mut EventLoop,
    _cfg: &Config,
    _opts: &Options,
    _q: (&mut TrapQueue, &Manager),
) {
    if let Some(s) = s.take() {
        match s {}
    }
}

pub(crate) fn reload(
    _s: &mut Option<Snmp>,
    _lp: &mut EventLoop,
    _cfg: &Config,
    _opts: &Options,
    _live: &View<'_>,
) {
}
