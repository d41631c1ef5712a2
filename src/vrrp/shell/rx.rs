//! Inputs: adverts from the VRRP sockets and link/address events from the reflector.

use std::io::ErrorKind;
use std::net::IpAddr;

use log::{info, warn};

use super::Shell;
use crate::config::vrrp::Family;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::net::rtnl::Event as NlEvent;
use crate::vrrp::fsm::{Ignored, RxAdvert, State};
use crate::vrrp::packet::{self, Advert, DropCounter, DropReason, Local, Rx, V3Checksum};

impl Shell<'_> {
    /// Drains socket `s` (pool index) to `WouldBlock`: the loop is edge-triggered, so a packet
    /// left queued would wait for the next one to arrive (keepalived reads to EAGAIN too).
    pub(super) fn on_readable(&mut self, lp: &mut EventLoop, s: usize) {
        loop {
            let Some(sock) = self.pool.get(s) else {
                return;
            };
            let got = match sock.recv(&mut self.rx_buf[..]) {
                Ok(r) => r,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::InvalidData => continue,
                Err(e) => {
                    warn!("VRRP socket receive: {e}");
                    return;
                }
            };
            if got.truncated {
                continue;
            }
            let rx = match (got.src, got.dst) {
                (IpAddr::V6(src), Some(IpAddr::V6(dst))) => Rx::V6 {
                    src,
                    dst,
                    hop_limit: Some(got.ttl),
                },
                (IpAddr::V6(_), _) => continue,
                _ => Rx::V4,
            };
            let adv = match packet::receive(&self.rx_buf[..got.len], rx) {
                Ok(a) => a,
                Err(refused) => {
                    // keepalived counts a bad length against the instance of the VRID.
                    let fam = match rx {
                        Rx::V6 { .. } => Family::V6,
                        Rx::V4 => Family::V4,
                    };
                    if let (Some(_), Some(vrid)) = (refused.reason.counter(), refused.vrid) {
                        let hit = self
                            .insts
                            .iter_mut()
                            .find(|x| x.sock == s && x.vrid == vrid && x.family == fam);
                        if let Some(inst) = hit {
                            count_drop(&mut inst.drops, &refused.reason);
                        }
                    }
                    continue;
                }
            };
            let Some(i) = self.find_instance(s, &adv) else {
                continue;
            };
            let now = Micros::now();
            let cfg_inst = &self.cfg.vrrp.instances[self.insts[i].idx];
            let mut local = Local::for_instance(
                cfg_inst,
                self.cfg.global.vrrp.check_unicast_src,
                super::instances::group4(&self.cfg),
            );
            let inst = &mut self.insts[i];
            local.backup = inst.fsm.state() == State::Backup;
            local.owner_ignores = cfg_inst.owner_ignore_adverts && inst.fsm.base_priority() == 255;
            local.checksum = inst.checksum;
            let vips = &cfg_inst.vips;
            // keepalived refuses an advert whose address count differs from ours; one that
            // lists other addresses it counts as received, then refuses.
            let checked = packet::check(&adv, &local, &mut inst.ah).and_then(|ok| {
                if usize::from(adv.count) != vips.len() {
                    return Err(DropReason::AddressCount);
                }
                Ok(ok)
            });
            let listed_ours = vips.iter().all(|v| adv.addrs().any(|a| a == v.addr));
            let acts = match checked {
                Ok(_) if !listed_ours => {
                    inst.drops.addr_list += 1;
                    inst.fsm.on_refused_advert(now)
                }
                Ok(ok) => {
                    if ok.old_unicast_checksum {
                        if let V3Checksum::Detect(g) = inst.checksum {
                            info!("({}) Setting old_unicast_checksum", inst.name);
                            inst.checksum = V3Checksum::OldUnicast(g);
                        }
                    }
                    let master = inst.fsm.state() == State::Master;
                    if let (true, Some(ah)) = (master, adv.ah) {
                        if adv.priority < inst.fsm.effective_priority() {
                            // keepalived's master continues above a lower sender's sequence.
                            inst.ah.sync_from_lower(ah.seq);
                        }
                    }
                    let ra = RxAdvert {
                        src: adv.src,
                        version: adv.version,
                        priority: adv.priority,
                        advert_int: adv.advert_int(),
                    };
                    if adv.priority == 0 && inst.fsm.state() == State::Backup {
                        info!("({}) Backup received priority 0 advertisement", inst.name);
                    }
                    let lower = inst.fsm.ignored(Ignored::LowerPriority);
                    let acts = inst.fsm.on_advert(now, &ra);
                    if inst.fsm.ignored(Ignored::LowerPriority) != lower {
                        info!(
                            "({}) received lower priority ({}) advert from {} - discarding",
                            inst.name, adv.priority, adv.src
                        );
                    }
                    acts
                }
                Err(why) => {
                    count_drop(&mut inst.drops, &why);
                    inst.fsm.on_invalid_advert(now)
                }
            };
            self.apply(lp, i, &acts);
        }
    }

    /// The instance an advert on socket `s` is for: same VRID and family; among unicast
    /// instances sharing a VRID, the one that has the sender as a peer.
    fn find_instance(&self, s: usize, adv: &Advert<'_>) -> Option<usize> {
        let fam = adv.family;
        let mut first = None;
        for (i, inst) in self.insts.iter().enumerate() {
            if inst.sock != s || inst.vrid != adv.vrid || inst.family != fam {
                continue;
            }
            let v = &self.cfg.vrrp.instances[inst.idx];
            if v.unicast_peers.is_empty() || v.unicast_peers.iter().any(|p| p.addr == adv.src) {
                return Some(i);
            }
            first.get_or_insert(i);
        }
        first
    }

    /// Reads every queued link and address notification.
    pub(super) fn on_reflector(&mut self, lp: &mut EventLoop) {
        loop {
            let Some(r) = self.reflector.as_mut() else {
                return;
            };
            let ev = match r.next_event() {
                Ok(Some(ev)) => ev,
                Ok(None) => return,
                Err(e) => {
                    warn!("Netlink reflector: {e}");
                    return;
                }
            };
            match ev {
                NlEvent::LinkUp { ifindex, .. } => self.link_changed(lp, ifindex, true),
                NlEvent::LinkDown { ifindex, .. } => self.link_changed(lp, ifindex, false),
                NlEvent::LinkRemoved { ifindex, .. } => {
                    // A VMAC of ours is made again (and the link table read afresh) first.
                    self.vmac_removed(lp, ifindex);
                    self.link_changed(lp, ifindex, false);
                }
                NlEvent::AddrAdded { ifindex, addr, .. } => {
                    self.ifaces.addr_added(ifindex, addr);
                    self.update_if_addrs(ifindex);
                    self.track_addr(lp, ifindex, addr, true);
                }
                NlEvent::AddrRemoved { ifindex, addr, .. } => {
                    if self.ifaces.addr_removed(ifindex, addr) {
                        self.ifaces.refresh(&mut self.rtnl);
                        self.update_if_addrs(ifindex);
                    }
                    self.vip_removed(addr);
                    self.track_addr(lp, ifindex, addr, false);
                }
                NlEvent::Overrun => {
                    warn!("Netlink reflector overrun - reading interfaces again");
                    self.ifaces.refresh(&mut self.rtnl);
                    let states: Vec<(u32, bool)> =
                        self.ifaces.list.iter().map(|f| (f.ifindex, f.up)).collect();
                    for (ifindex, up) in states {
                        self.apply_link(lp, ifindex, up);
                    }
                }
            }
        }
    }

    fn link_changed(&mut self, lp: &mut EventLoop, ifindex: u32, up: bool) {
        let Some(f) = self.ifaces.by_index_mut(ifindex) else {
            return;
        };
        if f.up == up {
            return;
        }
        f.up = up;
        let tracked = self.track.watches(&f.name);
        let ours =
            |x: &super::instances::Inst| x.ifindex == ifindex || x.vmac_ifindex == Some(ifindex);
        if tracked || self.insts.iter().any(ours) {
            info!(
                "Netlink reports {} {}",
                f.name,
                if up { "up" } else { "down" }
            );
        }
        self.apply_link(lp, ifindex, up);
    }

    fn apply_link(&mut self, lp: &mut EventLoop, ifindex: u32, up: bool) {
        let now = Micros::now();
        for i in 0..self.insts.len() {
            let inst = &self.insts[i];
            if (inst.ifindex != ifindex && inst.vmac_ifindex != Some(ifindex))
                || self.dont_track_primary(i)
            {
                continue;
            }
            // Up only when the interface and its VMAC both are.
            let up = up && self.inst_links_up(i);
            let acts = if up {
                self.insts[i].fsm.link_up(now)
            } else {
                self.insts[i].fsm.link_down(now)
            };
            self.apply(lp, i, &acts);
        }
        self.track_link(lp, ifindex, up);
    }

    fn update_if_addrs(&mut self, ifindex: u32) {
        let Some(f) = self.ifaces.by_index(ifindex) else {
            return;
        };
        let (v4, ll6) = (f.v4, f.ll6);
        for inst in self.insts.iter_mut().filter(|x| x.ifindex == ifindex) {
            inst.fsm.set_interface_addr(match inst.family {
                Family::V4 => v4.map(IpAddr::V4),
                Family::V6 => ll6.map(IpAddr::V6),
            });
        }
    }

    /// Someone removed one of a MASTER's VIPs: put it back, as keepalived does.
    fn vip_removed(&mut self, addr: IpAddr) {
        for i in 0..self.insts.len() {
            let inst = &self.insts[i];
            if inst.fsm.state() != State::Master || !inst.fsm.vips_set() {
                continue;
            }
            let v = &self.cfg.vrrp.instances[inst.idx];
            if let Some(a) = v.vips.iter().chain(v.evips.iter()).find(|a| a.addr == addr) {
                let a = a.clone();
                info!("({}) VIP {} was removed - restoring it", inst.name, a.addr);
                self.add_vip(i, &a);
            }
        }
    }
}

/// keepalived 2.2.7 drops a v2 interval mismatch without counting it (its "Advertisement
/// Interval" counter is never incremented), as it does a bad checksum or another version.
fn count_drop(d: &mut super::instances::Drops, why: &DropReason) {
    match why.counter() {
        Some(DropCounter::Length) => d.length += 1,
        Some(DropCounter::Ttl) => d.ttl += 1,
        Some(DropCounter::InvalidType) => d.invalid_type += 1,
        Some(DropCounter::AddressList) => d.addr_list += 1,
        Some(DropCounter::InvalidAuthType) => d.auth_invalid_type += 1,
        Some(DropCounter::AuthTypeMismatch) => d.auth_type_mismatch += 1,
        Some(DropCounter::AuthFailure) => d.auth_failure += 1,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::shell::instances::Drops;

    #[test]
    fn drops_land_in_keepalived_counters() {
        let mut d = Drops::default();
        count_drop(&mut d, &DropReason::IntervalMismatch { got_secs: 2 });
        count_drop(&mut d, &DropReason::BadTtl(64));
        count_drop(&mut d, &DropReason::BadPassword);
        count_drop(&mut d, &DropReason::BadIcv);
        count_drop(&mut d, &DropReason::AuthTypeMismatch { got: 1, want: 0 });
        count_drop(&mut d, &DropReason::CastMismatch { multicast: true });
        count_drop(&mut d, &DropReason::AddressCount);
        count_drop(&mut d, &DropReason::BadChecksum);
        assert_eq!(
            (
                d.interval,
                d.ttl,
                d.auth_failure,
                d.auth_type_mismatch,
                d.addr_list
            ),
            (0, 1, 2, 1, 2)
        );
        assert_eq!(d.length + d.invalid_type + d.auth_invalid_type, 0);
    }
}
