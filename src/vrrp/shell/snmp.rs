//! The VRRP child's SNMP subagent: on when `-x` or global_defs' enable_snmp_vrrp /
//! enable_snmp_keepalived / enable_snmp_rfc* ask for it, as keepalived's VRRP child runs it.
//!
//! The tables a request reads are built here from the shell's state at that moment (the dump
//! view) and handed to the agent as `&[&dyn Mib]`: KEEPALIVED-MIB's global group and vrrp
//! subtree, VRRP-MIB (RFC 2787) and VRRPV3-MIB (RFC 6527), each as its switch asks.

use log::warn;

use super::Shell;
use crate::core::event_loop::EventLoop;
use crate::core::timer::TimerId;
use crate::core::tokens::{SNMP_AGENTX, SNMP_AGENTX_TIMER};
use crate::snmp::agentx::conn::{self, Agent};
use crate::snmp::global::Global;
use crate::snmp::mib::Mib;
use crate::vrrp::dump::View;
use crate::vrrp::snmp::keepalived_vrrp::KeepalivedVrrp;
use crate::vrrp::snmp::vrrp_rfcv2::VrrpRfcv2;
use crate::vrrp::snmp::vrrp_rfcv3::VrrpRfcv3;

pub(super) struct Snmp {
    agent: Agent,
    /// KEEPALIVED-MIB's global group, when the keepalived MIB is on (its vrrp subtree too).
    global: Option<Global>,
    mibs: Switches,
}

/// Which MIBs are served: `-x` turns on all, as keepalived's.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Switches {
    keepalived: bool,
    rfcv2: bool,
    rfcv3: bool,
}

impl Switches {
    fn any(self) -> bool {
        self.keepalived || self.rfcv2 || self.rfcv3
    }
}

/// What the config and the command line turn on.
fn wanted(sh: &Shell<'_>) -> Switches {
    let s = &sh.cfg.global.snmp;
    let all = sh.opts.snmp;
    Switches {
        keepalived: all || s.vrrp,
        rfcv2: all || s.rfc || s.rfcv2,
        rfcv3: all || s.rfc || s.rfcv3,
    }
}

/// keepalived leaves the global group to the checker child when that one runs with SNMP
/// (two registrations of one subtree would clash at the master).
fn serves_global(sh: &Shell<'_>, on: Switches) -> bool {
    let sub = sh.opts.subsystems;
    let checker = !sub.vrrp_only && (sub.all || sh.cfg.needs_checker());
    on.keepalived && !(checker && (sh.opts.snmp || sh.cfg.global.snmp.checker))
}

/// Runs `f` with the tables `on` asks for, read from `view`.
fn serve(view: &View<'_>, global: Option<&Global>, on: Switches, f: impl FnOnce(&[&dyn Mib])) {
    let kv = on.keepalived.then(|| KeepalivedVrrp::new(view));
    let v2 = on.rfcv2.then(|| VrrpRfcv2::new(view));
    let v3 = on.rfcv3.then(|| VrrpRfcv3::new(view));
    let mut list: heapless::Vec<&dyn Mib, 4> = heapless::Vec::new();
    let tables: [Option<&dyn Mib>; 4] = [
        global.map(|g| g as &dyn Mib),
        kv.as_ref().map(|m| m as &dyn Mib),
        v2.as_ref().map(|m| m as &dyn Mib),
        v3.as_ref().map(|m| m as &dyn Mib),
    ];
    for m in tables.into_iter().flatten() {
        // Four places for four tables: never full.
        let _ = list.push(m);
    }
    f(&list);
}

/// Runs `f` with the agent and the tables it serves, read from the shell at this moment.
fn with_mibs(sh: &mut Shell<'_>, f: impl FnOnce(&mut Agent, &[&dyn Mib])) {
    let Some(mut s) = sh.snmp.take() else { return };
    {
        let view = sh.dump_view();
        let Snmp {
            agent,
            global,
            mibs,
        } = &mut s;
        serve(&view, global.as_ref(), *mibs, |m| f(agent, m));
    }
    sh.snmp = Some(s);
}

impl Shell<'_> {
    /// Starts the subagent if SNMP is on.
    pub(super) fn snmp_start(&mut self, lp: &mut EventLoop) {
        let on = wanted(self);
        if !on.any() {
            return;
        }
        let spec = self.opts.snmp_socket.as_deref();
        let target = match conn::target(spec.or(self.cfg.global.snmp.socket.as_deref())) {
            Ok(t) => t,
            Err(e) => return warn!("SNMP subagent not started: {e}"),
        };
        let global = serves_global(self, on).then(|| Global::new(&self.cfg.global));
        let mut agent = None;
        serve(&self.dump_view(), global.as_ref(), on, |m| {
            agent = Some(Agent::start(lp, target, SNMP_AGENTX, SNMP_AGENTX_TIMER, m))
        });
        if let Some(agent) = agent {
            self.snmp = Some(Snmp {
                agent,
                global,
                mibs: on,
            });
        }
    }

    pub(super) fn snmp_io(&mut self, lp: &mut EventLoop) {
        with_mibs(self, |a, m| a.on_io(lp, m));
    }

    pub(super) fn snmp_timer(&mut self, lp: &mut EventLoop, id: TimerId) {
        with_mibs(self, |a, m| a.on_timer(lp, Some(id), m));
    }

    pub(super) fn snmp_stop(&mut self, lp: &mut EventLoop) {
        if let Some(mut s) = self.snmp.take() {
            s.agent.stop(lp);
        }
    }

    /// After a reload: the tables take the new config; a new socket or switch restarts the
    /// subagent.
    pub(super) fn snmp_reload(&mut self, lp: &mut EventLoop) {
        let on = wanted(self);
        let spec = self.opts.snmp_socket.as_deref();
        let target = conn::target(spec.or(self.cfg.global.snmp.socket.as_deref())).ok();
        let same = self
            .snmp
            .as_ref()
            .is_some_and(|s| on.any() && Some(s.agent.target()) == target.as_ref() && s.mibs == on);
        if same {
            let global = serves_global(self, on).then(|| Global::new(&self.cfg.global));
            if let Some(s) = self.snmp.as_mut() {
                s.global = global;
            }
            return;
        }
        self.snmp_stop(lp);
        self.snmp_start(lp);
    }
}
