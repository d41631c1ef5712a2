//! The VRRP child built without SNMP (cargo feature `snmp` off): what the shell calls of the
//! subagent does nothing. A config that asks for it still loads, as it would on a build with
//! SNMP; the child says once, at start, that none runs.

use std::net::IpAddr;

use log::warn;

use super::Shell;
use crate::core::event_loop::EventLoop;
use crate::core::timer::TimerId;
use crate::vrrp::fsm::{Action, State};

/// There is no subagent to hold.
pub(super) enum Snmp {}

impl Shell<'_> {
    pub(super) fn snmp_start(&mut self, _lp: &mut EventLoop) {
        let s = &self.cfg.global.snmp;
        if s.vrrp || s.rfc || s.rfcv2 || s.rfcv3 || s.traps {
            warn!("SNMP is enabled in the configuration, but this keepalived was built without SNMP: no subagent runs");
        }
    }

    pub(super) fn snmp_io(&mut self, _lp: &mut EventLoop) {}

    pub(super) fn snmp_timer(&mut self, _lp: &mut EventLoop, _id: TimerId) {}

    pub(super) fn snmp_stop(&mut self, _lp: &mut EventLoop) {
        if let Some(s) = self.snmp.take() {
            match s {}
        }
    }

    pub(super) fn snmp_reload(&mut self, _lp: &mut EventLoop) {}

    pub(super) fn snmp_instance_traps(&mut self, _i: usize, _state: State, _deleted: bool) {}

    pub(super) fn snmp_group_trap(&mut self, _g: usize, _state: State) {}

    pub(super) fn snmp_state_change(&mut self, _i: usize, _a: &Action) {}

    pub(super) fn snmp_advert_refused(&mut self, _i: usize, _src: IpAddr) {}
}
