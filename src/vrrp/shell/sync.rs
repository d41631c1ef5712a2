//! The sync groups around the running instances: built from the config over the members
//! that run, with keepalived's wording for their moves. crate::vrrp::sync decides; the
//! shell's hooks carry out what it returns.

use log::info;

use super::instances::Inst;
use crate::config::Config;
use crate::vrrp::fsm::Fsm;
use crate::vrrp::notify_words::Notice;
use crate::vrrp::sync::{Members, Out, SyncGroup};

impl Members for Vec<Inst> {
    fn fsm(&mut self, inst: usize) -> &mut Fsm {
        self[inst].router.sync_member()
    }
}

/// One group per configured vrrp_sync_group, over the members that run (see
/// `crate::vrrp::sync::build`); every instance's gate is lifted first (the groups set it
/// again).
pub fn build(cfg: &Config, insts: &mut [Inst]) -> Vec<SyncGroup> {
    for i in insts.iter_mut() {
        i.router.sync_member().set_sync_gate(None);
    }
    let running: Vec<&str> = insts.iter().map(|x| x.name.as_str()).collect();
    let conf = cfg.vrrp.sync_groups.iter();
    crate::vrrp::sync::build(conf.map(|g| (g.name.as_str(), &g.members[..])), &running)
}

/// The line a group's move logs, if it logs one (a member's actions and the group's notify
/// are the caller's).
pub fn log_out(group: &str, o: &Out, insts: &[Inst]) {
    match o {
        Out::Syncing(s) => info!(
            "VRRP_Group({group}) Syncing instances to {} state",
            s.name()
        ),
        Out::MemberFault { inst } => info!(
            "VRRP_Group({group}): Syncing {} to FAULT state",
            insts[*inst].name
        ),
        Out::Held { inst } => info!("({}) Receive advertisement timeout", insts[*inst].name),
        Out::Member { .. } | Out::Notify(_) => {}
    }
}

/// `fifo_write_vrrp_states_on_reload`: every group's then every instance's state, as FIFO
/// lines (keepalived's vrrp_init_state on reload).
pub fn reload_lines(groups: &[SyncGroup], insts: &[Inst]) -> Vec<Notice> {
    let groups = groups
        .iter()
        .map(|g| Notice::fifo_only("GROUP", &g.name, g.state().name(), 0));
    let insts = insts.iter().map(|x| {
        let f = x.router.fsm();
        Notice::fifo_only(
            "INSTANCE",
            &x.name,
            f.state().name(),
            f.effective_priority(),
        )
    });
    groups.chain(insts).collect()
}
