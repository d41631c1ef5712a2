//! Reading the interface table again after lost notifications or a removed source address,
//! without stalling the loop: one timer, scheduled by `vrrp::resync_plan`; a read that fails
//! keeps the last good state.

use log::{info, warn};

use super::Shell;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::core::tokens::IFACES_RESYNC_TIMER;
use crate::vrrp::resync_plan::{Resync, Urgency};

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
        match self.ifaces.read_links(&mut self.rtnl) {
            Ok(()) => {
                self.links_reread(lp, &before);
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
                self.links_reread(lp, &before);
                self.all_if_addrs();
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
                self.links_reread(lp, &before);
            }
        }
        self.arm_resync(lp);
    }

    /// (ifindex, up) of every known interface, to compare after a read.
    fn link_states(&self) -> Vec<(u32, bool)> {
        self.ifaces.list.iter().map(|f| (f.ifindex, f.up)).collect()
    }

    /// Acts on every link whose state a read changed (or that is gone), as a notification would.
    fn links_reread(&mut self, lp: &mut EventLoop, before: &[(u32, bool)]) {
        let now: Vec<(u32, bool)> = self.link_states();
        for &(ifindex, up) in &now {
            if before.iter().any(|&(i, u)| i == ifindex && u == up) {
                continue;
            }
            self.link_reported(lp, ifindex, up);
        }
        for &(ifindex, _) in before {
            if !now.iter().any(|&(i, _)| i == ifindex) {
                self.link_reported(lp, ifindex, false);
            }
        }
    }

    /// Every instance takes its interface's source address as the last read found it.
    fn all_if_addrs(&mut self) {
        let ifindexes: Vec<u32> = self.ifaces.list.iter().map(|f| f.ifindex).collect();
        for ifindex in ifindexes {
            self.update_if_addrs(ifindex);
        }
    }
}
