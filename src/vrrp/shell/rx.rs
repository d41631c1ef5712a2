//! Inputs: adverts from the VRRP sockets and link/address events from the reflector, and
//! reading the interface table again after lost notifications or a removed source address,
//! without stalling the loop: one timer, scheduled by `vrrp::resync_plan`; a read that fails
//! keeps the last good state.

//!
//! Interfaces that go and come back: a deleted link leaves the table (its instances go FAULT),
//! a link seen for the first time joins it, and the instances configured on its name move to
//! its index (`vrrp::rebind_plan`) with a socket, and multicast join, on it; a VMAC that went
//! with the old link is made again over the new one first (hooks.rs, `vmacs_remade`).
use std::io::ErrorKind;
use std::net::IpAddr;

use log::{info, warn};

use super::ifaces::ABSENT_IFINDEX;
use super::rx_pace::{self, Woken};
use super::sockets::Key;
use super::{Shell, RX_BUF_LEN, SOCK_TOKEN_BASE};
use crate::config::vrrp::Family;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::core::tokens::{IFACES_RESYNC_TIMER, VRRP_RX_MORE_TIMER};
use crate::net::rtnl::{Event as NlEvent, Reflector, MONITOR_RCVBUF};
use crate::net::vrrp_socket::{Mode, Received, RECV_BATCH};
use crate::vrrp::fsm::State;
use crate::vrrp::packet::{self, Rx};
use crate::vrrp::rebind_plan::{self, Bound};
use crate::vrrp::resync_plan::{Resync, Urgency};
use crate::vrrp::router::{self, Outcome};
use crate::vrrp::vrid_conflict;

/// Adverts read from one socket before the loop turns to its other sources: one from every
/// VRID a LAN can hold.
const RX_BATCH: usize = 256;

impl Shell<'_> {
    /// Socket `s` (pool index) is readable: read, and moved to the rx timer if it is busy
    /// (`rx_pace`).
    pub(super) fn on_readable(&mut self, lp: &mut EventLoop, s: usize) {
        self.pool.fired(s);
        self.read_paced(lp, s, Woken::Event);
        self.arm_rx_timer(lp);
    }

    /// The rx timer: reads every socket the loop does not watch (busy ones, on the timer) and
    /// those a full batch left packets in, then arms itself again for them.
    pub(super) fn on_rx_timer(&mut self, lp: &mut EventLoop, id: TimerId) {
        if self.rx_timer.map(|t| t.0) != Some(id) {
            return;
        }
        self.rx_timer = None;
        for s in 0..self.pool.len() {
            let more = self.pool.pace(s).is_some_and(|p| p.more);
            if more || self.pool.unwatched(s) {
                self.read_paced(lp, s, Woken::Tick);
            }
        }
        self.arm_rx_timer(lp);
    }

    /// Before instance `i`'s protocol timer fires as a BACKUP: if its socket is read on the
    /// timer, read it now, so that an advert that came before the deadline (and is timed by
    /// its arrival) is heard before the master is taken for dead. True when that re-armed the
    /// instance's timer, which then stands for its deadline.
    pub(super) fn drained_before_timeout(&mut self, lp: &mut EventLoop, i: usize) -> bool {
        let inst = &self.insts[i];
        let s = inst.sock;
        if inst.router.fsm().state() != State::Backup || !self.pool.unwatched(s) {
            return false;
        }
        self.read_paced(lp, s, Woken::Tick);
        self.arm_rx_timer(lp);
        self.insts[i].timer.is_some()
    }

    /// Reads socket `s` (`woken` by an event or the rx timer), then lets its pace say whether
    /// the loop watches it.
    fn read_paced(&mut self, lp: &mut EventLoop, s: usize, woken: Woken) {
        let Some(p) = self.pool.pace(s) else {
            return;
        };
        let last = p.last_read();
        let now = Micros::now();
        let got = self.read_socket(lp, s, now, last);
        let Some(p) = self.pool.pace(s) else {
            return;
        };
        p.more = got.more;
        p.read(now, got.n);
        let watch = p.watched_after(woken, got.n, got.newest_wait);
        self.pool.watch(lp, s, SOCK_TOKEN_BASE, watch);
    }

    /// The rx timer at its next due time: at once for a socket a full batch left packets in,
    /// a tick on (its `rx_pace::tick`) for one read on the timer; kept if already due sooner.
    pub(super) fn arm_rx_timer(&mut self, lp: &mut EventLoop) {
        let mut after: Option<Micros> = None;
        for s in 0..self.pool.len() {
            if self.pool.pace(s).is_some_and(|p| p.more) {
                after = Some(Micros(0));
                break;
            }
            if self.pool.unwatched(s) {
                let t = self.rx_tick(s);
                after = Some(after.map_or(t, |a| a.min(t)));
            }
        }
        let Some(after) = after else {
            return;
        };
        let at = Micros::now() + after;
        if self.rx_timer.is_some_and(|t| t.1 <= at) {
            return;
        }
        if let Some((id, _)) = self.rx_timer.take() {
            lp.cancel_timer(id);
        }
        self.rx_timer = Some((lp.add_timer_at(at, VRRP_RX_MORE_TIMER), at));
    }

    /// How often socket `s` is read while it is busy (`rx_pace::tick`).
    fn rx_tick(&self, s: usize) -> Micros {
        let stamped = self.pool.get(s).is_some_and(|x| x.stamped());
        let insts = self.insts.iter().filter(|x| x.sock == s);
        rx_pace::tick(
            stamped,
            insts.map(|x| (x.router.fsm().state(), x.router.fsm().skew())),
        )
    }

    /// Reads socket `s` to `WouldBlock`, or `RX_BATCH` adverts: the loop is edge-triggered,
    /// so a packet left queued would wait for the next one to arrive, and a flood read in one
    /// go would starve the hellos, timers and netlink (so the rx timer reads on). The reads
    /// are recvmmsg batches (`RECV_BATCH` packets a call), and a short batch says the queue
    /// is empty without another call. Each advert is timed by its arrival (`rx_pace`); `now`
    /// is when the read began, `last` the socket's previous read.
    fn read_socket(&mut self, lp: &mut EventLoop, s: usize, now: Micros, last: Micros) -> Read {
        let mut got = [None; RECV_BATCH];
        let mut read = Read {
            n: 0,
            more: false,
            newest_wait: Micros(u64::MAX),
        };
        while read.n < RX_BATCH {
            let Some(sock) = self.pool.get(s) else {
                return read;
            };
            let n = match sock.recv_many(&mut self.rx_buf[..], RX_BUF_LEN, &mut got) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return read,
                Err(e) => {
                    warn!("VRRP socket receive: {e}");
                    return read;
                }
            };
            read.n += n;
            for r in got.iter().take(n).flatten() {
                let waited = Micros(u64::try_from(r.waited.as_micros()).unwrap_or(u64::MAX));
                read.newest_wait = read.newest_wait.min(waited);
                let at = rx_pace::arrival(now, waited, last);
                self.on_advert(lp, s, at, r);
            }
            if n < RECV_BATCH {
                return read;
            }
        }
        read.more = true;
        read
    }

    /// One packet of socket `s`, at `rx_buf[got.at..]`: checked, then given to the instance it
    /// is for, or counted against the socket's instances as refused.
    fn on_advert(&mut self, lp: &mut EventLoop, s: usize, now: Micros, got: &Received) {
        let Some((rx, family)) = rx_meta(got) else {
            return;
        };
        let adv = match packet::receive(&self.rx_buf[got.at..][..got.len], rx) {
            Ok(adv) => adv,
            Err(refused) => {
                let ours = self.insts.iter_mut().filter(|x| x.sock == s);
                router::count_refused(ours.map(|x| &mut x.router), &refused, family);
                return;
            }
        };
        let Some(i) = advert_owner(&self.insts, &mut self.rx_owner, s, &adv) else {
            return;
        };
        let mut got = Outcome::default();
        self.insts[i].router.handle_advert(now, &adv, &mut got);
        self.snmp_advert_refused(i, adv.src);
        if !got.events.is_empty() {
            super::events::log_all(&self.insts[i].name, &got.events);
        }
        self.apply(lp, i, &got.acts);
    }

    /// Forgets who took which VRID: instances and sockets may have moved (a reload, a link
    /// that came back), and `pick` decides again.
    pub(super) fn forget_advert_owners(&mut self) {
        self.rx_owner.fill(u16::MAX);
    }

    /// Reads every queued link and address notification. Address changes cost no dump here:
    /// a source address that goes away asks for one read of the table, which the resync
    /// timer does once for however many notifications came (see `resync`).
    pub(super) fn on_reflector(&mut self, lp: &mut EventLoop) {
        loop {
            let Some(r) = self.reflector.as_mut() else {
                return;
            };
            let ev = match r.next_event() {
                Ok(Some(ev)) => ev,
                Ok(None) => {
                    // A VMAC's re-creation reads the table, and that read may have failed.
                    self.resync_if_stale(lp);
                    return;
                }
                Err(e) => {
                    warn!("Netlink reflector: {e}");
                    return;
                }
            };
            match ev {
                NlEvent::LinkUp { ifindex, name } => self.link_event(lp, ifindex, &name, true),
                NlEvent::LinkDown { ifindex, name } => self.link_event(lp, ifindex, &name, false),
                NlEvent::LinkRemoved { ifindex, name } => {
                    // A VMAC of ours is made again (and the link table read afresh) first.
                    self.vmac_removed(lp, ifindex);
                    self.link_deleted(lp, ifindex, &name);
                }
                NlEvent::AddrAdded { ifindex, addr, .. } => {
                    self.note_addr_event();
                    if self.ifaces.addr_added(ifindex, addr) {
                        self.log_address(ifindex, addr, true);
                    }
                    self.vmac_parent_ll6(ifindex, addr);
                    self.update_if_addrs(ifindex);
                    self.unicast_src_follows(lp, ifindex);
                    self.track_addr(lp, ifindex, addr, true);
                }
                NlEvent::AddrRemoved { ifindex, addr, .. } => {
                    self.note_addr_event();
                    if self.ifaces.addr_removed(ifindex, addr) {
                        self.log_address(ifindex, addr, false);
                        self.source_removed(lp, ifindex, addr);
                    }
                    self.vip_removed(addr);
                    self.static_address_lost(ifindex, addr);
                    self.track_addr(lp, ifindex, addr, false);
                }
                NlEvent::Overrun => self.reflector_overrun(lp),
            }
        }
    }

    /// With -D, keepalived's line for an address a link of ours now sends from (`added`), or
    /// no longer does.
    fn log_address(&self, ifindex: u32, addr: IpAddr, added: bool) {
        let Some(f) = self.ifaces.by_index(ifindex) else {
            return;
        };
        let ours =
            |x: &super::instances::Inst| x.ifindex == ifindex || x.vmac_ifindex == Some(ifindex);
        if !self.opts.log_detail || !(self.insts.iter().any(ours) || self.track.watches(&f.name)) {
            return;
        }
        let (what, to) = if added {
            ("Assigned", "for")
        } else {
            ("Deassigned", "from")
        };
        info!("{what} address {addr} {to} interface {}", f.name);
    }

    /// `addr`, the address `ifindex` was known to send from, went away. An instance sending
    /// from it keeps it until the table is read (at the next turn of the loop); any other
    /// interface just forgets it, and is read again once address changes pause.
    fn source_removed(&mut self, lp: &mut EventLoop, ifindex: u32, addr: IpAddr) {
        let sends_from =
            |x: &super::instances::Inst| x.ifindex == ifindex || x.vmac_ifindex == Some(ifindex);
        if self.insts.iter().any(sends_from) {
            self.ask_resync(lp, Urgency::Soon);
        } else {
            self.ifaces.forget_addr(ifindex, addr);
            self.ask_resync(lp, Urgency::WhenQuiet);
        }
    }

    /// A link notification: a link we did not know is new (`link_added`), one we know may have
    /// changed state.
    fn link_event(&mut self, lp: &mut EventLoop, ifindex: u32, name: &str, up: bool) {
        match self.ifaces.by_index(ifindex) {
            None => self.link_added(lp, ifindex, name, up),
            Some(f) if f.name != name => self.link_renamed(lp, ifindex, name, up),
            Some(_) => self.link_changed(lp, ifindex, up),
        }
    }

    pub(super) fn link_changed(&mut self, lp: &mut EventLoop, ifindex: u32, up: bool) {
        if self.ifaces.set_up(ifindex, up) {
            self.link_reported(lp, ifindex, up);
        }
    }

    /// Link `ifindex` is now `up` (or not): logged when it matters to us, then acted on.
    pub(super) fn link_reported(&mut self, lp: &mut EventLoop, ifindex: u32, up: bool) {
        // A name made again: its instances move to the new index before its state counts.
        self.follow_link(lp, ifindex);
        if let Some(f) = self.ifaces.by_index(ifindex) {
            let tracked = self.track.watches(&f.name);
            let ours = |x: &super::instances::Inst| {
                x.ifindex == ifindex || x.vmac_ifindex == Some(ifindex)
            };
            if tracked || self.insts.iter().any(ours) {
                info!(
                    "Netlink reports {} {}",
                    f.name,
                    if up { "up" } else { "down" }
                );
            }
        }
        self.apply_link(lp, ifindex, up);
        if up {
            self.reinstate_statics(ifindex);
        }
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
                self.insts[i].router.link_up(now)
            } else {
                self.insts[i].router.link_down(now)
            };
            self.apply(lp, i, &acts);
        }
        self.track_link(lp, ifindex, up);
    }

    pub(super) fn update_if_addrs(&mut self, ifindex: u32) {
        let Some(f) = self.ifaces.by_index(ifindex) else {
            return;
        };
        let (v4, ll6) = (f.v4, f.ll6);
        for inst in self.insts.iter_mut().filter(|x| x.ifindex == ifindex) {
            let addr = match inst.router.family() {
                Family::V4 => v4.map(IpAddr::V4),
                Family::V6 => ll6.map(IpAddr::V6),
            };
            inst.router.set_interface_addr(addr);
        }
    }

    /// Someone removed one of a MASTER's VIPs: put it back, as keepalived does.
    fn vip_removed(&mut self, addr: IpAddr) {
        for i in 0..self.insts.len() {
            let inst = &self.insts[i];
            let f = inst.router.fsm();
            if f.state() != State::Master || !f.vips_set() {
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

/// Sizes the reflector's receive buffer as keepalived does: `vrrp_netlink_monitor_rcv_bufs`
/// (and its `_force`), else keepalived's default. A failure leaves the kernel's default.
pub(super) fn size_reflector(r: &Reflector, cfg: &Config) {
    let (bytes, force) = cfg.global.rcv_bufs.vrrp_netlink_monitor;
    let bytes = bytes
        .filter(|&b| b > 0)
        .map_or(MONITOR_RCVBUF, |b| b as usize);
    if let Err(e) = r.set_rcvbuf(bytes, force) {
        let errno = e.errno().unwrap_or(0);
        let why = std::io::Error::from_raw_os_error(errno);
        if force {
            info!("cant set SO_RCVBUFFORCE IP option. errno={errno} ({why})");
        } else {
            info!("Cannot set SO_RCVBUF IP option. errno={errno} ({why})");
        }
    }
}

/// What the packet layer needs from the socket besides the bytes, and the family; None for a
/// packet to skip (cut short, or IPv6 without its destination).
fn rx_meta(got: &Received) -> Option<(Rx, Family)> {
    if got.truncated {
        return None;
    }
    match (got.src, got.dst) {
        (IpAddr::V6(src), Some(IpAddr::V6(dst))) => {
            let hop_limit = Some(got.ttl);
            Some((
                Rx::V6 {
                    src,
                    dst,
                    hop_limit,
                },
                Family::V6,
            ))
        }
        (IpAddr::V6(_), _) => None,
        _ => Some((Rx::V4, Family::V4)),
    }
}

impl Shell<'_> {
    /// Every address notification, to put off a read nobody waits for. No allocation, no
    /// timer change: the timer looks at it when it fires.
    pub(super) fn note_addr_event(&mut self) {
        self.resync.last_addr_event = Micros::now();
    }

    /// Asks for a read of links and addresses.
    pub(super) fn ask_resync(&mut self, lp: &mut EventLoop, urgency: Urgency) {
        self.resync.ask(Micros::now(), urgency);
        self.arm_resync(lp);
    }

    /// The reflector lost notifications: logged once per burst, in keepalived's words; the
    /// link table is read at once (a link that went down must give FAULT now) and the
    /// addresses once the changes stop.
    pub(super) fn reflector_overrun(&mut self, lp: &mut EventLoop) {
        if self.resync.overruns == 0 {
            info!(
                "Netlink: Receive buffer overrun on monitor socket - (No buffer space available)"
            );
            info!("  - increase the relevant netlink_rcv_bufs global parameter and/or set force");
        }
        self.resync.overruns = self.resync.overruns.saturating_add(1);
        self.ifaces.stale = true;
        let before = self.link_states();
        let names = self.link_names();
        match self.ifaces.read_links(&mut self.rtnl) {
            Ok(()) => {
                self.links_reread(lp, &before, &names);
                self.ask_resync(lp, Urgency::WhenQuiet);
            }
            Err(e) => {
                warn!("Netlink: cannot read interfaces ({e}) - keeping the last known state");
                self.ask_resync(lp, Urgency::Soon);
            }
        }
    }

    /// A read that failed outside the timer (at start, on reload, for a VMAC) is retried
    /// like any other; one already waiting keeps its own pace.
    pub(super) fn resync_if_stale(&mut self, lp: &mut EventLoop) {
        if self.ifaces.stale && self.resync.due.is_none() {
            self.ask_resync(lp, Urgency::Soon);
        }
    }

    fn arm_resync(&mut self, lp: &mut EventLoop) {
        let next = self.resync.next_at();
        if self.resync.timer.map(|t| t.1) == next {
            return;
        }
        if let Some((id, _)) = self.resync.timer.take() {
            lp.cancel_timer(id);
        }
        if let Some(at) = next {
            self.resync.timer = Some((lp.add_timer_at(at, IFACES_RESYNC_TIMER), at));
        }
    }

    /// The resync timer fired: read now, or later if address changes went on meanwhile.
    pub(super) fn on_resync_timer(&mut self, lp: &mut EventLoop, id: TimerId) {
        if self.resync.timer.map(|t| t.0) != Some(id) {
            return;
        }
        self.resync.timer = None;
        let now = Micros::now();
        if self.resync.next_at().is_some_and(|at| at > now) {
            self.arm_resync(lp);
            return;
        }
        let before = self.link_states();
        let names = self.link_names();
        // One address dump only: a flood interrupts every try, and each one holds the loop
        // (adverts included) for as long as the dump takes; the timer retries instead.
        let r = self
            .ifaces
            .read_links(&mut self.rtnl)
            .and_then(|()| self.ifaces.read_addresses(&mut self.rtnl, 1));
        match r {
            Ok(()) => {
                if self.resync.failures > 0 || self.resync.overruns > 0 {
                    info!(
                        "Netlink: interfaces read again ({} failed tries, {} overruns)",
                        self.resync.failures, self.resync.overruns
                    );
                }
                self.resync = Resync::default();
                self.links_reread(lp, &before, &names);
                self.all_if_addrs(lp);
            }
            Err(e) => {
                let wait = self.resync.failed(now);
                if self.resync.failures == 1 {
                    warn!(
                        "Netlink: cannot read interfaces ({e}) - keeping the last known state, \
                         retrying every {wait}s or less"
                    );
                }
                // Links that did read are acted on already.
                self.links_reread(lp, &before, &names);
            }
        }
        self.arm_resync(lp);
    }

    /// (ifindex, up) of every known interface, to compare after a read.
    pub(super) fn link_states(&self) -> Vec<(u32, bool)> {
        self.ifaces.list.iter().map(|f| (f.ifindex, f.up)).collect()
    }

    /// (ifindex, name) of every known interface, to find renames after a read.
    pub(super) fn link_names(&self) -> Vec<(u32, String)> {
        let l = self.ifaces.list.iter();
        l.map(|f| (f.ifindex, f.name.clone())).collect()
    }

    /// Acts on every link a read found renamed (`names`: as known before it), or whose state
    /// it changed (or that is gone), as a notification would.
    pub(super) fn links_reread(
        &mut self,
        lp: &mut EventLoop,
        before: &[(u32, bool)],
        names: &[(u32, String)],
    ) {
        for (ifindex, old) in self.ifaces.renamed_since(names) {
            let Some(f) = self.ifaces.by_index(ifindex) else {
                continue;
            };
            let (new, up) = (f.name.clone(), f.up);
            // Under its old name again, for the rename to be taken as a notification's.
            self.ifaces.rename(ifindex, &old);
            self.link_renamed(lp, ifindex, &new, up);
        }
        let changed: Vec<(u32, bool)> = self.ifaces.changed_since(before).collect();
        for (ifindex, up) in changed {
            self.link_reported(lp, ifindex, up);
        }
    }

    /// Every instance takes its interface's source address as the last read found it.
    fn all_if_addrs(&mut self, lp: &mut EventLoop) {
        let ifindexes: Vec<u32> = self.ifaces.list.iter().map(|f| f.ifindex).collect();
        for ifindex in ifindexes {
            self.update_if_addrs(ifindex);
            self.unicast_src_follows(lp, ifindex);
        }
    }
}

/// What one read of a socket found.
struct Read {
    /// Packets read.
    n: usize,
    /// A full `RX_BATCH` was read: more may be queued.
    more: bool,
    /// How long the newest packet had waited by the read (its receive stamp; zero without
    /// one, `u64::MAX` µs when none was read).
    newest_wait: Micros,
}

/// The instance an advert on socket `s` is for: the one that took its VRID last time
/// (`owners`) if it still takes it, else `router::pick` among the socket's instances (and that
/// one is remembered). A lookup per packet, where the scan touched every instance's state
/// (100 of them at 10,000 adverts/s is a million cache lines a second).
fn advert_owner(
    insts: &[super::instances::Inst],
    owners: &mut [u16; 256],
    s: usize,
    adv: &packet::Advert<'_>,
) -> Option<usize> {
    let guess = usize::from(owners[usize::from(adv.vrid)]);
    if let Some(x) = insts.get(guess) {
        if x.sock == s && router::takes(&x.router, adv) {
            return Some(guess);
        }
    }
    let ours = insts.iter().enumerate().filter(|(_, x)| x.sock == s);
    let i = router::pick(ours.map(|(i, x)| (i, &x.router)), adv)?;
    if let Ok(k) = u16::try_from(i) {
        owners[usize::from(adv.vrid)] = k;
    }
    Some(i)
}

impl Shell<'_> {
    /// A link notification for an index the table does not hold: a new link. Its MAC, MTU
    /// and group come from a link read; failing that it is known by the notification's name
    /// and state until the retried read. Its addresses follow as notifications, or from the
    /// address read the table's staleness asks for.
    pub(super) fn link_added(&mut self, lp: &mut EventLoop, ifindex: u32, name: &str, up: bool) {
        let mut before = self.link_states();
        let names = self.link_names();
        if self.ifaces.read_links(&mut self.rtnl).is_err()
            || self.ifaces.by_index(ifindex).is_none()
        {
            self.ifaces.add_unread(ifindex, name, up);
        }
        // The read may find more links made meanwhile (a veth's peer, a name made again while
        // its notification is still queued): each is added as this one is.
        for i in self.ifaces.new_since(&before) {
            if let Some(f) = self.ifaces.by_index(i).filter(|_| self.opts.log_detail) {
                info!("Interface {} added", f.name);
            }
            self.follow_link(lp, i);
            self.vrid_conflicts_on(lp, i);
            // As keepalived, a new link counts as down until seen up: only its coming up is
            // reported.
            before.push((i, false));
        }
        // Any other change the read found is acted on as a notification would be.
        self.links_reread(lp, &before, &names);
    }

    /// With `dynamic_interfaces`, says which of the interfaces the instances use or track do
    /// not exist yet, in keepalived's words, at start.
    pub(super) fn log_absent_interfaces(&self) {
        if !self.cfg.global.dynamic_interfaces {
            return;
        }
        use crate::vrrp::track::{instance_links, Key as Tracked};
        // Per instance as keepalived reads them: its interface, then those it tracks.
        let mut wanted: Vec<String> = Vec::new();
        for (i, v) in self.cfg.vrrp.instances.iter().enumerate() {
            wanted.extend(v.interface.clone());
            for (k, _) in instance_links(&self.cfg, i) {
                if let Tracked::Interface(n) = k {
                    wanted.push(n);
                }
            }
        }
        for n in rebind_plan::absent(&wanted, &|n| self.ifaces.by_name(n).is_some()) {
            info!("Configuration specifies interface {n} which doesn't currently exist - will use if created");
        }
    }

    /// Link `ifindex` now has another name: as keepalived, a link lost under its old name
    /// (what is bound or tracked by that name fails, its instances wait for a link of that
    /// name) and added under the new one (what is configured on that name follows it).
    fn link_renamed(&mut self, lp: &mut EventLoop, ifindex: u32, name: &str, up: bool) {
        let Some(old) = self.ifaces.rename(ifindex, name) else {
            return;
        };
        info!("Interface name has changed from {old} to {name}");
        // Back under its old name for a moment, to go down as that name.
        self.ifaces.rename(ifindex, &old);
        self.link_changed(lp, ifindex, false);
        let bound = self.insts.iter().map(|x| Bound {
            ifname: &x.ifname,
            ifindex: x.ifindex,
            vmac: x.vmac_ifindex.is_some(),
        });
        for i in rebind_plan::detached(bound, ifindex, name) {
            self.insts[i].ifindex = ABSENT_IFINDEX;
        }
        self.ifaces.rename(ifindex, name);
        if self.opts.log_detail {
            info!("Interface {name} added");
        }
        self.follow_link(lp, ifindex);
        // Down until seen up, as a new link.
        if up {
            self.link_changed(lp, ifindex, true);
        }
    }

    /// Link `ifindex` was deleted: FAULT for its instances, then forgotten, so that its name
    /// finds whatever link is made under it next.
    /// (A VMAC's deletion may have read the table already, without it: the notification's
    /// name then says which it was.)
    pub(super) fn link_deleted(&mut self, lp: &mut EventLoop, ifindex: u32, name: &str) {
        let known = self.ifaces.by_index(ifindex).map(|f| f.name.clone());
        let name = known.as_deref().unwrap_or(name);
        let bound = self.insts.iter().map(|x| (x.ifindex, x.ifname.as_str()));
        if self.track.watches(name) || rebind_plan::concerns(bound, ifindex, name) {
            info!("Interface {name} deleted");
        }
        self.link_changed(lp, ifindex, false);
        self.vrid_holds_lifted(lp, ifindex);
        self.ifaces.remove(ifindex);
    }

    fn vrid_members(&self) -> Vec<vrid_conflict::Member> {
        let v = &self.cfg.vrrp.instances;
        let member = |x: &super::instances::Inst| vrid_conflict::Member {
            ifindex: x.ifindex,
            family: v[x.idx].resolved.family.unwrap_or(Family::V4),
            vrid: v[x.idx].vrid.unwrap_or(0),
            unicast: v[x.idx].resolved.unicast,
            held: x.dup_vrid,
        };
        self.insts.iter().map(member).collect()
    }

    /// Link `ifindex`, new, may put instances on another's wire with their VRID: held in FAULT.
    fn vrid_conflicts_on(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let now = Micros::now();
        for (i, j) in vrid_conflict::on_added(&self.vrid_members(), &self.ifaces, ifindex) {
            let (me, other) = (&self.insts[i], &self.insts[j]);
            let v = &self.cfg.vrrp.instances[me.idx];
            let fam = if v.resolved.family == Some(Family::V6) {
                6
            } else {
                4
            };
            let vrid = v.vrid.unwrap_or(0);
            info!(
                "VRID conflict between {} and {} IPv{fam} vrid {vrid}",
                me.name, other.name
            );
            self.insts[i].dup_vrid = Some(self.ifaces.changeable(ifindex));
            let input = router::TrackInput::Fault;
            let acts = self.insts[i].router.track_input(now, input).acts;
            self.apply(lp, i, &acts);
        }
    }

    /// Link `ifindex` is going: with `allow_if_changes`, a duplicate-VRID hold on it lifts.
    fn vrid_holds_lifted(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let now = Micros::now();
        let allow = self.cfg.global.vrrp.allow_if_changes;
        for i in vrid_conflict::on_lost(&self.vrid_members(), ifindex, allow) {
            self.insts[i].dup_vrid = None;
            let input = router::TrackInput::Recovered;
            let acts = self.insts[i].router.track_input(now, input).acts;
            self.apply(lp, i, &acts);
        }
    }

    /// The instances configured on the name `ifindex` now has, bound to another index, move
    /// to it: new socket, new index for their VIPs and source address. Their state machines
    /// stay (FAULT while the link was gone); the link's state, reported next, brings them up.
    pub(super) fn follow_link(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let Some(name) = self.ifaces.by_index(ifindex).map(|f| f.name.as_str()) else {
            return;
        };
        let bound = self.insts.iter().map(|x| Bound {
            ifname: &x.ifname,
            ifindex: x.ifindex,
            vmac: x.vmac_ifindex.is_some(),
        });
        let moves = rebind_plan::followers(bound, name, ifindex);
        if !moves.vmac.is_empty() {
            self.vmacs_remade(lp, &moves.vmac);
        }
        if moves.plain.is_empty() {
            return;
        }
        for &i in &moves.plain {
            let inst = &mut self.insts[i];
            let key = Key {
                ifindex,
                ..inst.key
            };
            // One that cannot open its socket stays on the old index, FAULT: the link's next
            // notification tries again.
            match self.pool.get_or_open(key, Some(&inst.ifname)) {
                Ok(s) => {
                    (inst.sock, inst.key, inst.ifindex) = (s, key, ifindex);
                }
                Err(e) => super::events::socket_not_opened(&inst.name, &e),
            }
        }
        let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
        self.flush_adverts();
        self.pool.close_unused(lp, |s| used.contains(&s));
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        self.update_if_addrs(ifindex);
        self.unicast_src_follows(lp, ifindex);
    }

    /// A unicast instance without `unicast_src_ip` takes its source from its interface, as
    /// keepalived does (it copies the interface's address again once the link has one): its
    /// socket, bound to that address to receive, is opened again for the address `ifindex`
    /// has now, or a peer's adverts to the new address would never reach it.
    fn unicast_src_follows(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let Some(f) = self.ifaces.by_index(ifindex) else {
            return;
        };
        let (v4, ll6) = (f.v4, f.ll6);
        let mut moved = Vec::new();
        for (k, inst) in self.insts.iter_mut().enumerate() {
            let on_it = inst.ifindex == ifindex && inst.key.ifindex == ifindex;
            let configured = self.cfg.vrrp.instances[inst.idx].src_ip.is_some();
            let Mode::Unicast { src } = inst.key.mode else {
                continue;
            };
            let now = match src {
                IpAddr::V4(_) => v4.map(IpAddr::V4),
                IpAddr::V6(_) => ll6.map(IpAddr::V6),
            };
            let Some(now) = now.filter(|a| on_it && !configured && *a != src) else {
                continue;
            };
            let key = Key {
                mode: Mode::Unicast { src: now },
                ..inst.key
            };
            // One that cannot open it keeps the old socket: the next address notification
            // tries again.
            match self.pool.get_or_open(key, Some(&inst.ifname)) {
                Ok(s) => {
                    (inst.sock, inst.key) = (s, key);
                    moved.push(k);
                }
                Err(e) => super::events::socket_not_opened(&inst.name, &e),
            }
        }
        if !moved.is_empty() {
            let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
            self.flush_adverts();
            self.pool.close_unused(lp, |s| used.contains(&s));
            self.pool.register_new(lp, SOCK_TOKEN_BASE);
        }
        // Out of FAULT before its link had this address (keepalived waits for it in FAULT and
        // announces it as it leaves): the master learns the new address now.
        for k in moved {
            if self.insts[k].router.fsm().state() != State::Fault {
                self.send_source_garp(k);
            }
        }
    }
}
