//! Outputs: adverts, VIPs, gratuitous ARPs / NAs.

use std::net::IpAddr;

use log::{info, warn};

use super::{Inst, Shell};
use crate::config::iproute::IpAddress;
use crate::core::event_loop::EventLoop;
use crate::net::garp::GarpSocket;
use crate::net::vrrp_socket::Mode;
use crate::vrrp::fsm::{Action, Actions, Reason, State};
use crate::vrrp::ifaces::{IfInfo, Ifaces};
use crate::vrrp::vip_plan;

impl Shell<'_> {
    pub(super) fn act(&mut self, lp: &mut EventLoop, i: usize, a: &Action, all: &Actions) {
        if let Action::StateChange { to, .. } = *a {
            self.insts[i].since = crate::core::time::real_now();
            self.snmp_state_change(i, a);
            if to == State::Master {
                // A socket of BACKUPs may be read on a longer tick (`rx_pace::tick`).
                self.arm_rx_timer(lp);
            }
        }
        match *a {
            Action::SendAdvert { priority } => {
                // A lone periodic advert may wait for the wake's batch (see `tx`).
                let hold = all.len() == 1 && priority != 0;
                self.send_advert(i, priority, hold)
            }
            Action::AddVips => {
                // keepalived sets the drop before the addresses, and logs it first.
                self.fw_vips(i, true, false);
                info!("({}) setting VIPs.", self.insts[i].name);
                self.set_vips(i, true);
                self.set_vroutes(i, true);
            }
            Action::RemoveVips => {
                self.set_vroutes(i, false);
                info!("({}) removing VIPs.", self.insts[i].name);
                self.set_vips(i, false);
                self.fw_vips(i, false, false);
            }
            Action::SendGarps { repeat } => self.send_garps(i, repeat),
            Action::SendSourceGarp => self.send_source_garp(i),
            // Other changes are logged before the list is carried out.
            Action::StateChange {
                from,
                to: to @ State::Backup,
                reason: reason @ Reason::Startup,
            } => self.log_state_change(i, from, to, reason, all),
            Action::StateChange { from, to, .. } => self.insts[i].router.state_changed(from, to),
            Action::Notify(state) => self.notify(lp, i, state),
            Action::NotifyMasterRxLowerPri => self.notify_lower_prio(lp, i),
            Action::NotifyPriority { state, priority } => self.notify_priority(i, state, priority),
        }
    }

    /// Adds (or removes) every VIP and eVIP of instance `i`.
    fn set_vips(&mut self, i: usize, add: bool) {
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        let all: Vec<IpAddress> = v.vips.iter().chain(v.evips.iter()).cloned().collect();
        for a in &all {
            if add {
                self.add_vip(i, a);
            } else {
                self.del_vip(i, a);
            }
        }
    }

    /// The interface VIP `a` of instance `i` goes on (see `vip_plan::device`).
    pub(super) fn vip_ifindex(&self, i: usize, a: &IpAddress) -> Option<u32> {
        vip_ifindex(&self.insts[i], &self.ifaces, a)
    }

    pub(super) fn add_vip(&mut self, i: usize, a: &IpAddress) {
        let Some(ifindex) = self.vip_ifindex(i, a) else {
            warn!("({}) no interface for VIP {}", self.insts[i].name, a.addr);
            return;
        };
        match self.rtnl.add_address(&vip_plan::add_spec(ifindex, a)) {
            Ok(()) => {}
            Err(e) if e.errno() == Some(libc::EEXIST) => {}
            Err(e) => warn!(
                "({}) cannot add VIP {}/{}: {e}",
                self.insts[i].name, a.addr, a.prefix_len
            ),
        }
    }

    pub(super) fn del_vip(&mut self, i: usize, a: &IpAddress) {
        let Some(ifindex) = self.vip_ifindex(i, a) else {
            return;
        };
        match self.rtnl.del_address(&vip_plan::del_spec(ifindex, a)) {
            Ok(()) => {}
            Err(e) if e.errno() == Some(libc::EADDRNOTAVAIL) => {}
            Err(e) if e.errno() == Some(libc::ENODEV) => {}
            Err(e) => warn!(
                "({}) cannot remove VIP {}/{}: {e}",
                self.insts[i].name, a.addr, a.prefix_len
            ),
        }
    }

    /// `repeat` rounds over every VIP and eVIP, in keepalived's order and words.
    fn send_garps(&mut self, i: usize, repeat: u32) {
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        self.garp_addrs(i, [&v.vips, &v.evips], repeat);
    }

    /// `repeat` rounds over `lists` in order (a reload's added VIPs, or all of them). Slices,
    /// not an iterator: one copy serves both callers.
    pub(super) fn garp_addrs(&self, i: usize, lists: [&[IpAddress]; 2], repeat: u32) {
        let name = &self.insts[i].name;
        let Some(sock) = self.garp.as_ref() else {
            return;
        };
        let detail = self.opts.log_detail;
        for round in 0..repeat {
            for a in lists.iter().flat_map(|l| l.iter()) {
                let info = self.vip_ifindex(i, a).and_then(|x| self.ifaces.by_index(x));
                let Some(info) = info else { continue };
                // keepalived's first-round line (vrrp_send_update), with -D only.
                if round == 0 && detail {
                    let what = if a.addr.is_ipv4() {
                        "gratuitous ARPs"
                    } else {
                        "Unsolicited Neighbour Adverts"
                    };
                    info!(
                        "({name}) Sending/queueing {what} on {} for {}",
                        info.name, a.addr
                    );
                }
                announce(sock, info, a.addr, detail);
            }
        }
    }

    /// keepalived's gratuitous ARP (IPv4) or unsolicited NA (IPv6) for a unicast instance's
    /// own source (configured, or its interface's address as the socket uses it now: the
    /// link-local one for IPv6), so that a master whose neighbour cache lost us sends its next
    /// advert to us at once rather than after a resolution round trip, past our master-down
    /// interval.
    pub(super) fn send_source_garp(&mut self, i: usize) {
        let inst = &self.insts[i];
        let (Mode::Unicast { src }, Some(sock)) = (inst.key.mode, self.garp.as_ref()) else {
            return;
        };
        if src.is_unspecified() {
            return;
        }
        let configured = self.cfg.vrrp.instances[inst.idx].src_ip.is_some();
        let Some(info) = self.ifaces.by_index(inst.ifindex) else {
            return;
        };
        // An interface's address that is gone (a link made again without it yet) is not
        // ours to announce: the socket follows the new one, and announces it then.
        let current = match src {
            IpAddr::V4(ip) => info.v4 == Some(ip),
            IpAddr::V6(ip) => info.ll6 == Some(ip),
        };
        if !(configured || current) {
            return;
        }
        // keepalived's line (vrrp_scheduler.c).
        if self.opts.log_detail {
            let what = if src.is_ipv4() { "ARP" } else { "NA" };
            info!("{}: sending gratuitous {what} for {src}", inst.name);
        }
        announce(sock, info, src, self.opts.log_detail);
    }
}

/// One gratuitous ARP (IPv4) or unsolicited NA (IPv6) for `addr` on `info`, with keepalived's
/// lines: the send with -D (`detail`), a failure always (vrrp_arp.c, vrrp_ndisc.c).
fn announce(sock: &GarpSocket, info: &IfInfo, addr: IpAddr, detail: bool) {
    let (v4, on) = (addr.is_ipv4(), &info.name);
    if detail {
        let what = if v4 {
            "gratuitous ARP"
        } else {
            "unsolicited Neighbour Advert"
        };
        info!("Sending {what} on {on} for {addr}");
    }
    if let Err(e) = sock.announce(info.ifindex, on, info.mac, addr) {
        let n = e.raw_os_error().unwrap_or(0);
        if v4 {
            let e = crate::core::logging::strerror(&e);
            info!("Error {n} ({e}) sending gratuitous ARP on {on} for {addr}");
        } else {
            info!("Error {n} sending ndisc unsolicited neighbour advert on {on} for {addr}");
        }
    }
}

/// The interface VIP `a` of `inst` goes on (see `vip_plan::device`).
pub(super) fn vip_ifindex(inst: &Inst, ifaces: &Ifaces, a: &IpAddress) -> Option<u32> {
    let own = vip_plan::Links {
        family: inst.router.family(),
        ifindex: inst.ifindex,
        ifname: &inst.ifname,
        vmac_ifindex: inst.vmac_ifindex,
    };
    vip_plan::device(a, &own, |d| ifaces.by_name(d).map(|f| f.ifindex))
}
