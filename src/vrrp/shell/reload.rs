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
use super::{Shell, SOCK_TOKEN_BASE};
use crate::config::iproute::IpAddress;
use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::vrrp::fsm::{Action, Actions};
use crate::vrrp::router::{pair, InstanceId};

/// VIPs then eVIPs: everything an instance installs when it becomes MASTER.
fn addresses(v: &VrrpInstance) -> Vec<IpAddress> {
    v.vips.iter().chain(v.evips.iter()).cloned().collect()
}

/// The addresses of `from` that `to` lacks; where they are written in the file does not count.
fn missing<'a>(from: &'a [IpAddress], to: &[IpAddress]) -> Vec<&'a IpAddress> {
    from.iter()
        .filter(|a| {
            !to.iter().any(|b| {
                let mut a = (*a).clone();
                a.loc = b.loc;
                a == *b
            })
        })
        .collect()
}

/// A matched instance whose addresses change while it has them set.
struct AddrChange {
    /// Index of the new config's instance.
    new_idx: usize,
    added: Vec<IpAddress>,
}

impl Shell<'_> {
    /// Switches to `new`, applying only its differences (see the module comment).
    pub(super) fn reload(&mut self, lp: &mut EventLoop, new: Config) {
        let now = Micros::now();
        // VMAC names and rule numbers are resolved first, so that unchanged instances compare equal.
        let mut new = new;
        self.fifos_reload(lp, &new);
        self.prepare_vmacs(&mut new);
        super::routes::assign_rule_priorities(&mut new);
        self.ifaces.refresh(&mut self.rtnl);
        let old_ids: Vec<InstanceId> = self
            .insts
            .iter()
            .map(|x| InstanceId::of(&self.cfg, x.idx))
            .collect();
        let new_ids: Vec<InstanceId> = (0..new.vrrp.instances.len())
            .map(|j| InstanceId::of(&new, j))
            .collect();
        let pairs = pair(&old_ids, &new_ids);
        // Every new instance is built (and its socket opened) before anything running changes,
        // so an instance that cannot continue is known before its old self is let go.
        let mut built: Vec<Option<Inst>> = (0..new.vrrp.instances.len())
            .map(|j| instances::build(&new, j, &self.ifaces, &mut self.pool))
            .collect();
        let pairs: Vec<Option<usize>> = pairs
            .into_iter()
            .map(|p| p.filter(|&j| built[j].is_some()))
            .collect();

        for (i, p) in pairs.iter().enumerate() {
            if p.is_none() {
                info!("({}) no longer configured - stopping", self.insts[i].name);
                self.stop_one(lp, i);
            }
        }
        // Addresses leave every instance before any is added, so that one moving from an
        // instance to another ends up installed.
        let mut changes = Vec::new();
        for (i, p) in pairs.iter().enumerate() {
            let Some(j) = *p else { continue };
            if !self.insts[i].router.fsm().vips_set() {
                continue;
            }
            let was = addresses(&self.cfg.vrrp.instances[self.insts[i].idx]);
            let will = addresses(&new.vrrp.instances[j]);
            for a in missing(&was, &will) {
                info!(
                    "({}) reload: removing VIP {}/{}",
                    self.insts[i].name, a.addr, a.prefix_len
                );
                self.del_vip(i, a);
            }
            let added: Vec<IpAddress> = missing(&will, &was).into_iter().cloned().collect();
            if !added.is_empty() {
                changes.push(AddrChange { new_idx: j, added });
            }
        }

        let old_cfg = std::mem::replace(&mut self.cfg, new);
        self.reload_static(&old_cfg.net);
        let mut olds: Vec<Option<Inst>> = std::mem::take(&mut self.insts)
            .into_iter()
            .map(Some)
            .collect();
        let mut successor_of = vec![None; built.len()];
        for (i, p) in pairs.iter().enumerate() {
            if let Some(j) = *p {
                successor_of[j] = Some(i);
            }
        }
        // (position, new config index, actions from the new settings)
        let mut kept: Vec<(usize, usize, Actions)> = Vec::new();
        let mut fresh = Vec::new();
        for (j, b) in built.iter_mut().enumerate() {
            let Some(mut inst) = b.take() else { continue };
            match successor_of[j].and_then(|i| olds[i].take()) {
                Some(mut old) => {
                    if let Some((id, _)) = old.timer.take() {
                        lp.cancel_timer(id);
                    }
                    if instances::fingerprint(&old_cfg, old.idx)
                        != instances::fingerprint(&self.cfg, j)
                    {
                        info!(
                            "({}) settings changed - applying the differences",
                            inst.name
                        );
                    }
                    let was = old_cfg.vrrp.instances[old.idx].clone();
                    let acts = inst.router.carry_over(old.router, now);
                    kept.push((self.insts.len(), j, acts));
                    self.insts.push(inst);
                    let will = self.cfg.vrrp.instances[j].clone();
                    self.reload_vroutes(self.insts.len() - 1, &was, &will);
                    continue;
                }
                None => fresh.push(self.insts.len()),
            }
            self.insts.push(inst);
        }
        let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
        self.pool.close_unused(lp, |s| used.contains(&s));
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        self.track_rebuild(lp);

        for (i, j, acts) in &kept {
            if let Some(c) = changes.iter().find(|c| c.new_idx == *j) {
                for a in &c.added {
                    info!(
                        "({}) reload: adding VIP {}/{}",
                        self.insts[*i].name, a.addr, a.prefix_len
                    );
                    self.add_vip(*i, a);
                }
                let repeat = self.insts[*i].router.fsm().config().garp_master_repeat;
                self.garp_addrs(*i, c.added.iter(), repeat);
            }
            self.fw_resync(*i);
            self.apply(lp, *i, acts);
        }
        for i in fresh {
            self.start_added(lp, i, now);
        }
        self.delete_unused_vmacs();
        self.watch_routes(lp, super::ROUTE_MON_TOKEN);
    }

    /// Starts instance `i`, new in a reload. Unlike at process start, addresses already on the
    /// interface stay: keepalived 2.2.7 clears leftovers only at startup, and here they may
    /// belong to a running instance.
    fn start_added(&mut self, lp: &mut EventLoop, i: usize, now: Micros) {
        let ifindex = self.insts[i].ifindex;
        let up = ifindex == 0 || self.ifaces.by_index(ifindex).is_some_and(|f| f.up);
        let link_down = !up && !self.dont_track_primary(i);
        let mut acts = self.insts[i].router.start(now, Micros(0), link_down);
        acts.retain(|a| *a != Action::RemoveVips);
        self.apply(lp, i, &acts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::iproute::Family;
    use crate::config::{from_tree, reader, Diagnostics};

    fn load(text: &str) -> Config {
        let mut d = Diagnostics::new();
        let nodes = reader::tree_from_str(text, 0, &mut d);
        let cfg = from_tree(&nodes, &mut d);
        let errs: Vec<String> = d.items().iter().map(|x| d.render(x)).collect();
        assert!(!d.has_errors(), "{text}\n{errs:?}");
        cfg
    }

    fn inst(name: &str, vrid: u8, extra: &str) -> String {
        format!(
            "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n \
             priority 100\n{extra}\n virtual_ipaddress {{\n  10.0.0.{vrid}/24\n }}\n}}\n"
        )
    }

    fn idents(cfg: &Config) -> Vec<InstanceId> {
        (0..cfg.vrrp.instances.len())
            .map(|j| InstanceId::of(cfg, j))
            .collect()
    }

    #[test]
    fn instances_match_on_vrid_family_interface_and_group_not_name_or_settings() {
        let old = load(&(inst("A", 1, "") + &inst("B", 2, "") + &inst("C", 3, "")));
        let new = load(
            &(inst("C", 3, " mcast_dst_ip 224.0.0.19")
                + &inst("renamed", 2, " advert_int 3\n nopreempt")
                + &inst("D", 4, "")),
        );
        assert_eq!(
            pair(&idents(&old), &idents(&new)),
            vec![None, Some(1), None],
            "B continues as 'renamed'; A and C (new group) do not"
        );
    }

    #[test]
    fn unicast_instances_match_on_their_source() {
        let u = |src: &str| format!(" unicast_src_ip {src}\n unicast_peer {{\n  10.0.0.9\n }}");
        let old = load(&inst("A", 1, &u("10.0.0.2")));
        let same = load(&inst("A", 1, &u("10.0.0.2")));
        let moved = load(&inst("A", 1, &u("10.0.0.3")));
        assert_eq!(pair(&idents(&old), &idents(&same)), vec![Some(0)]);
        assert_eq!(pair(&idents(&old), &idents(&moved)), vec![None]);
    }

    #[test]
    fn a_duplicate_continues_only_one_instance() {
        let ids = |v: &[u8]| -> Vec<InstanceId> {
            v.iter()
                .map(|&vrid| InstanceId {
                    vrid: Some(vrid),
                    family: Family::V4,
                    interface: Some("eth0".into()),
                    unicast: false,
                    endpoint: None,
                })
                .collect()
        };
        assert_eq!(pair(&ids(&[1, 1]), &ids(&[1, 2])), vec![Some(0), None]);
    }

    #[test]
    fn address_differences_ignore_places_in_the_file() {
        let old = load(&inst(
            "A",
            1,
            " virtual_ipaddress_excluded {\n  10.9.0.1/32\n  10.9.0.2/32\n }",
        ));
        let new = load(&format!(
            "\n\n{}",
            inst(
                "A",
                1,
                " virtual_ipaddress_excluded {\n  10.9.0.2/32\n  10.9.0.3/32 dev lo\n }"
            )
        ));
        let was = addresses(&old.vrrp.instances[0]);
        let will = addresses(&new.vrrp.instances[0]);
        let gone: Vec<String> = missing(&was, &will)
            .iter()
            .map(|a| a.addr.to_string())
            .collect();
        let added: Vec<String> = missing(&will, &was)
            .iter()
            .map(|a| a.addr.to_string())
            .collect();
        assert_eq!(gone, ["10.9.0.1"]);
        assert_eq!(added, ["10.9.0.3"]);
    }
}
