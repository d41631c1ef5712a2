//! SIGHUP in the VRRP child: the new config (already parsed and checked) replaces the running
//! one without disturbing what did not change.
//!
//! Instances are matched as keepalived matches them (VRID, family, configured interface, and
//! the unicast source or multicast group), not by name or by their whole settings. A matched
//! instance keeps its state machine (state, timers, stats), its AH sequence, IP id and the
//! VIPs it has set; only the differences are applied: VIPs/eVIPs dropped from the config go,
//! new ones are added and announced with gratuitous ARPs / NAs, and protocol settings
//! (priority, advert interval, preemption...) go into the running state machine with no
//! re-election. Unmatched running instances stop (a MASTER sends priority 0 and removes its
//! VIPs); unmatched new ones start in BACKUP, leaving addresses already on the interface alone.

use log::info;

use super::instances::{self, Inst};
use super::PROCESS_NAME;
use super::{Shell, SOCK_TOKEN_BASE};
use crate::config::global::Child;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::sched;
use crate::core::time::Micros;
use crate::vrrp::fsm::Actions;
use crate::vrrp::reload_plan::{predecessors, settings_changed, successors, vip_moves};

impl Shell<'_> {
    /// Switches to `new`, applying only its differences (see the module comment).
    pub(super) fn reload(&mut self, lp: &mut EventLoop, new: Config) {
        let now = Micros::now();
        // VMAC names and rule numbers are resolved first, so that unchanged instances compare equal.
        let mut new = new;
        self.fifos_reload(lp, &new);
        self.prepare_vmacs(&mut new);
        crate::vrrp::route_plan::assign_rule_priorities(&mut new);
        // Users and files may have changed with the reload: nothing checked before holds.
        self.notes.forget_checks();
        self.secure_track_scripts(&mut new);
        self.ifaces.refresh(&mut self.rtnl);
        // Every new instance is built (and its socket opened) before anything running changes,
        // so an instance that cannot continue is known before its old self is let go.
        let mut built: Vec<Option<Inst>> = (0..new.vrrp.instances.len())
            .map(|j| instances::build(&new, j, &self.ifaces, &mut self.pool))
            .collect();
        let running: Vec<usize> = self.insts.iter().map(|x| x.idx).collect();
        let pairs = successors(&self.cfg, &running, &new, |j| built[j].is_some());

        for (i, p) in pairs.iter().enumerate() {
            if p.is_none() {
                info!("({}) no longer configured - stopping", self.insts[i].name);
                self.stop_one(lp, i);
            }
        }
        // Addresses leave every instance before any is added (see vip_moves).
        let vips_set = |i: usize| self.insts[i].router.fsm().vips_set();
        let moves = vip_moves(&self.cfg, &running, &pairs, &new, vips_set);
        for (i, _, diff) in &moves {
            for a in &diff.gone {
                let name = &self.insts[*i].name;
                info!("({name}) reload: removing VIP {}/{}", a.addr, a.prefix_len);
                self.del_vip(*i, a);
            }
        }

        let old_cfg = std::mem::replace(&mut self.cfg, new);
        self.reload_static(&old_cfg.net);
        let mut olds: Vec<Option<Inst>> = std::mem::take(&mut self.insts)
            .into_iter()
            .map(Some)
            .collect();
        let continues = predecessors(&pairs, built.len());
        // (position, new config index, actions from the new settings)
        let mut kept: Vec<(usize, usize, Actions)> = Vec::new();
        let mut fresh = Vec::new();
        for (j, b) in built.iter_mut().enumerate() {
            let Some(mut inst) = b.take() else { continue };
            match continues[j].and_then(|i| olds[i].take()) {
                Some(mut old) => {
                    if let Some((id, _)) = old.timer.take() {
                        lp.cancel_timer(id);
                    }
                    if settings_changed(&old_cfg, old.idx, &self.cfg, j) {
                        info!(
                            "({}) settings changed - applying the differences",
                            inst.name
                        );
                    }
                    let acts = inst.router.carry_over(old.router, now);
                    kept.push((self.insts.len(), j, acts));
                    self.insts.push(inst);
                    let was = &old_cfg.vrrp.instances[old.idx];
                    self.reload_vroutes(self.insts.len() - 1, was, j);
                    continue;
                }
                None => fresh.push(self.insts.len()),
            }
            self.insts.push(inst);
        }
        let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
        self.flush_adverts();
        self.pool.close_unused(lp, |s| used.contains(&s));
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        self.track_rebuild(lp);

        for (i, j, acts) in &kept {
            if let Some((_, _, diff)) = moves.iter().find(|m| m.1 == *j) {
                for a in &diff.added {
                    let name = &self.insts[*i].name;
                    info!("({name}) reload: adding VIP {}/{}", a.addr, a.prefix_len);
                    self.add_vip(*i, a);
                }
                let repeat = self.insts[*i].router.fsm().config().garp_master_repeat;
                self.garp_addrs(*i, [&diff.added, &[]], repeat);
            }
            if self.insts[*i].router.fsm().vips_set() {
                self.fw_vips(*i, true, true);
            }
            self.apply(lp, *i, acts);
        }
        for i in fresh {
            self.start_added(lp, i, now);
        }
        self.delete_unused_vmacs();
        self.watch_routes(lp, super::ROUTE_MON_TOKEN);
        let g = &self.cfg.global;
        let was = old_cfg.global.child_sched(Child::Vrrp);
        sched::child(g.child_sched(Child::Vrrp), Some(was), PROCESS_NAME, "vrrp");
    }

    /// Starts instance `i`, new in a reload (see `Router::start_added`).
    fn start_added(&mut self, lp: &mut EventLoop, i: usize, now: Micros) {
        let link_down = self.starts_link_down(i);
        let acts = self.insts[i].router.start_added(now, link_down);
        self.apply(lp, i, &acts);
    }
}
