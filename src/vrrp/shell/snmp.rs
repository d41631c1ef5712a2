//! The VRRP child's SNMP subagent: on when `-x` or global_defs' enable_snmp_vrrp /
//! enable_snmp_keepalived / enable_snmp_rfc* ask for it, as keepalived's VRRP child runs it.
//!
//! The tables a request reads are built here from the shell's state at that moment and
//! handed to the agent as `&[&dyn Mib]` (KEEPALIVED-MIB's global group now; the VRRP tables
//! join the list the same way), so nothing is copied ahead of a request.

use log::warn;

use super::Shell;
use crate::core::event_loop::EventLoop;
use crate::core::timer::TimerId;
use crate::core::tokens::{SNMP_AGENTX, SNMP_AGENTX_TIMER};
use crate::snmp::agentx::conn::{self, Agent};
use crate::snmp::global::Global;
use crate::snmp::mib::Mib;

pub(super) struct Snmp {
    agent: Agent,
    /// KEEPALIVED-MIB's global group, when the keepalived MIB is on.
    global: Option<Global>,
}

/// What the config and the command line turn on: (any SNMP, KEEPALIVED-MIB).
fn wanted(sh: &Shell<'_>) -> (bool, bool) {
    let s = &sh.cfg.global.snmp;
    let keepalived = sh.opts.snmp || s.vrrp;
    (keepalived || s.rfc || s.rfcv2 || s.rfcv3, keepalived)
}

/// Runs `f` with the agent and the tables it serves.
fn with_mibs(s: &mut Snmp, f: impl FnOnce(&mut Agent, &[&dyn Mib])) {
    let Snmp { agent, global } = s;
    match global.as_ref() {
        Some(g) => f(agent, &[g]),
        None => f(agent, &[]),
    }
}

impl Shell<'_> {
    /// Starts the subagent if SNMP is on.
    pub(super) fn snmp_start(&mut self, lp: &mut EventLoop) {
        let (on, keepalived) = wanted(self);
        if !on {
            return;
        }
        let spec = self.opts.snmp_socket.as_deref();
        let target = match conn::target(spec.or(self.cfg.global.snmp.socket.as_deref())) {
            Ok(t) => t,
            Err(e) => return warn!("SNMP subagent not started: {e}"),
        };
        let global = keepalived.then(|| Global::new(&self.cfg.global));
        let agent = match &global {
            Some(g) => Agent::start(lp, target, SNMP_AGENTX, SNMP_AGENTX_TIMER, &[g]),
            None => Agent::start(lp, target, SNMP_AGENTX, SNMP_AGENTX_TIMER, &[]),
        };
        self.snmp = Some(Snmp { agent, global });
    }

    pub(super) fn snmp_io(&mut self, lp: &mut EventLoop) {
        if let Some(s) = self.snmp.as_mut() {
            with_mibs(s, |a, m| a.on_io(lp, m));
        }
    }

    pub(super) fn snmp_timer(&mut self, lp: &mut EventLoop, id: TimerId) {
        if let Some(s) = self.snmp.as_mut() {
            with_mibs(s, |a, m| a.on_timer(lp, Some(id), m));
        }
    }

    pub(super) fn snmp_stop(&mut self, lp: &mut EventLoop) {
        if let Some(mut s) = self.snmp.take() {
            s.agent.stop(lp);
        }
    }

    /// After a reload: the tables take the new config; a new socket or switch restarts the
    /// subagent.
    pub(super) fn snmp_reload(&mut self, lp: &mut EventLoop) {
        let (on, keepalived) = wanted(self);
        let spec = self.opts.snmp_socket.as_deref();
        let target = conn::target(spec.or(self.cfg.global.snmp.socket.as_deref())).ok();
        let same = self.snmp.as_ref().is_some_and(|s| {
            on && Some(s.agent.target()) == target.as_ref() && s.global.is_some() == keepalived
        });
        if same {
            if let Some(s) = self.snmp.as_mut() {
                s.global = keepalived.then(|| Global::new(&self.cfg.global));
            }
            return;
        }
        self.snmp_stop(lp);
        self.snmp_start(lp);
    }
}
