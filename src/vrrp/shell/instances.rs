//! One running vrrp_instance: its VRRP router (state machine, AH, counters, rules) plus what
//! the shell needs to carry out its actions (socket, interface, timer).

use super::ifaces::{Ifaces, ABSENT_IFINDEX};
use super::sockets::{Key, Pool};
use crate::config::Config;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::vrrp::instance_plan;
use crate::vrrp::router::Router;

/// The socket index of an instance without one: no pool slot has it.
pub const NO_SOCKET: usize = usize::MAX;

pub struct Inst {
    /// Index into `cfg.vrrp.instances`.
    pub idx: usize,
    pub name: String,
    pub router: Router,
    pub ifindex: u32,
    pub ifname: String,
    /// The VMAC holding the VIPs (and sending adverts unless vmac_xmit_base), see vmac.rs.
    pub vmac_ifindex: Option<u32>,
    /// Into the socket pool; `NO_SOCKET` while its interface is absent.
    pub sock: usize,
    /// What its socket is (or will be, once the interface is there) opened for.
    pub key: Key,
    pub timer: Option<(TimerId, Micros)>,
    /// Held in FAULT at start until its weight-0 scripts first report (notify.rs).
    pub init_hold: bool,
    /// Held in FAULT for a duplicate VRID on its wire (vrid_conflict.rs): `Some(whether
    /// its link can change)`.
    pub dup_vrid: Option<bool>,
    /// Its last change of state, or when it was built, in real time (the JSON dump's
    /// last_transition).
    pub since: std::time::Duration,
    /// When it was built (the VRRPv3 MIB's up time counts from there, as keepalived's).
    pub built: Micros,
    /// The VRRPv3 MIB's reasons: of its last change to MASTER, of its last protocol error.
    pub snmp_why: [u8; 2],
}

impl Inst {
    /// What its trackers alone do to it: a duplicate-VRID hold is counted with their faults
    /// in the state machine, but is none of theirs to lift at a reload.
    pub fn tracked_part(&self, e: crate::vrrp::track::Effect) -> crate::vrrp::track::Effect {
        let held = u32::from(self.dup_vrid.is_some());
        crate::vrrp::track::Effect {
            faults: e.faults.saturating_sub(held),
            ..e
        }
    }
}

/// Builds the instance `idx` of `cfg` (see `instance_plan::plan`), opening its socket. None
/// (after logging why) when it cannot run.
pub fn build(cfg: &Config, idx: usize, ifaces: &Ifaces, pool: &mut Pool) -> Option<Inst> {
    let name = cfg.vrrp.instances[idx].name.clone();
    let p = match instance_plan::plan(cfg, idx, ifaces) {
        Ok(p) => p,
        Err(r) => {
            super::events::not_starting(&name, &r);
            return None;
        }
    };
    let key = Key {
        ifindex: p.xmit_ifindex,
        mode: p.mode,
        protocol: p.protocol,
    };
    let sock = if key.ifindex == ABSENT_IFINDEX {
        NO_SOCKET
    } else {
        match pool.get_or_open(key, p.bind.then_some(p.xmit_name.as_str())) {
            Ok(s) => s,
            Err(e) => {
                super::events::socket_not_opened(&name, &e);
                return None;
            }
        }
    };
    Some(Inst {
        idx,
        name,
        router: p.router,
        ifindex: p.info.ifindex,
        ifname: p.info.name,
        vmac_ifindex: p.vmac.map(|f| f.ifindex),
        sock,
        key,
        timer: None,
        init_hold: false,
        // The config check holds only an instance on a changeable link.
        dup_vrid: cfg.vrrp.instances[idx]
            .resolved
            .dup_vrid_fault
            .then_some(true),
        since: crate::core::time::real_now(),
        built: Micros::now(),
        snmp_why: [0; 2],
    })
}

#[cfg(test)]
mod tests {
    /// One per vrrp_instance in the VRRP child (with its Router, pinned in router::tests): a
    /// field that grows it shows here first. Raise the pin only with the reason in the commit.
    #[test]
    fn an_instance_does_not_grow_unnoticed() {
        let n = std::mem::size_of::<super::Inst>();
        assert!(n <= 1088, "Inst: {n}");
    }
}
