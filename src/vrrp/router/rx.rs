//! Receiving an advert the packet layer parsed: keepalived's per-instance checks, the address
//! list, the old unicast checksum switch and the AH resync, then the state machine.

use std::net::IpAddr;

use super::Router;
use crate::core::time::Micros;
use crate::vrrp::fsm::{Actions, Ignored, RxAdvert, State};
use crate::vrrp::packet::{self, Advert, DropReason, EmitError, V3Checksum};

/// What happened that keepalived logs; the caller words it (same lines as keepalived).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A unicast peer's VRRPv3 checksum named the multicast group: we now do the same.
    OldUnicastChecksum,
    /// A BACKUP heard priority 0: the master is leaving.
    BackupGotPriorityZero,
    /// A BACKUP discarded an advert from a lower priority master (it will take over);
    /// `unlogged` more came since the last such line, too fast for one line each.
    LowerPriorityDiscarded {
        priority: u8,
        src: IpAddr,
        unlogged: u64,
    },
    /// A MASTER heard a lower priority (`forcing`: it answered with an advert) and sent its
    /// GARP round; `unlogged` more came since the last such line, between two rounds (those
    /// got an advert only).
    MasterGotLowerPriority {
        src: IpAddr,
        priority: u8,
        ours: u8,
        forcing: bool,
        unlogged: u64,
    },
    /// An advert could not be built (nothing sent).
    AdvertNotBuilt(EmitError),
    /// Its trackers moved its effective priority.
    PriorityChanged { from: u8, to: u8 },
    /// Stopped with `-V`: its VIPs, routes and rules stay.
    VipsLeftInPlace,
}

/// Enough for one input's events.
pub type Events = heapless::Vec<Event, 4>;

/// What one input (an advert, a tracker's weight) did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub acts: Actions,
    /// In the order keepalived logs them, all before the actions' own lines.
    pub events: Events,
}

impl Router {
    /// An advert for this router (see [`super::pick`]) arrived at `now`: what it did, in `out`
    /// (emptied first). Filled in place, as the state machine fills its actions: at 10,000
    /// adverts/s, handing them back by value was a tenth of a BACKUP's instructions per advert.
    pub fn handle_advert(&mut self, now: Micros, adv: &Advert<'_>, out: &mut Outcome) {
        out.acts.clear();
        out.events.clear();
        let state = self.fsm.state();
        let local = self.rules.local(
            state == State::Backup,
            self.fsm.base_priority(),
            self.checksum,
        );
        // keepalived refuses an advert whose address count differs from ours; one that lists
        // other addresses it counts as received, then refuses.
        let checked = packet::check(adv, &local, &mut self.ah).and_then(|ok| {
            if usize::from(adv.count) != self.rules.vips.len() {
                return Err(DropReason::AddressCount);
            }
            Ok(ok)
        });
        let listed_ours = self.rules.vips.iter().all(|v| adv.addrs().any(|a| a == *v));
        match checked {
            Ok(_) if !listed_ours => {
                self.drops.addr_list += 1;
                out.acts = self.fsm.on_refused_advert(now);
            }
            Ok(ok) => {
                if ok.old_unicast_checksum {
                    if let V3Checksum::Detect(g) = self.checksum {
                        self.checksum = V3Checksum::OldUnicast(g);
                        push(&mut out.events, Event::OldUnicastChecksum);
                    }
                }
                self.accepted(now, adv, out);
            }
            Err(why) => {
                self.drops.count(&why);
                self.last_refused = Some(why);
                out.acts = self.fsm.on_invalid_advert(now);
            }
        }
    }

    fn accepted(&mut self, now: Micros, adv: &Advert<'_>, out: &mut Outcome) {
        let events = &mut out.events;
        let state = self.fsm.state();
        if let (State::Master, Some(ah)) = (state, adv.ah) {
            if adv.priority < self.fsm.effective_priority() {
                // keepalived's master continues above a lower sender's sequence.
                self.ah.sync_from_lower(ah.seq);
            }
        }
        if adv.priority == 0 && state == State::Backup {
            push(events, Event::BackupGotPriorityZero);
        }
        let ra = RxAdvert {
            src: adv.src,
            version: adv.version,
            priority: adv.priority,
            advert_int: adv.advert_int(),
        };
        let heard = self.fsm.hear_advert(now, &ra, &mut out.acts);
        if heard.ignored == Some(Ignored::LowerPriority) {
            // keepalived logs every one. A lower priority master sends one per interval, each
            // logged here too; a flood gets one line per half interval, with the count.
            let half = Micros(self.rules.adver_int.0 / 2);
            if self.lower_logged_at.is_some_and(|t| now < t + half) {
                self.lower_unlogged = self.lower_unlogged.saturating_add(1);
            } else {
                self.lower_logged_at = Some(now);
                let (priority, src) = (adv.priority, adv.src);
                let unlogged = std::mem::take(&mut self.lower_unlogged);
                push(
                    events,
                    Event::LowerPriorityDiscarded {
                        priority,
                        src,
                        unlogged,
                    },
                );
            }
        }
        match heard.lower_priority {
            // keepalived logs every one; under a flood the line goes with the GARP round and
            // counts the ones in between.
            Some(true) => push(
                events,
                Event::MasterGotLowerPriority {
                    src: adv.src,
                    priority: adv.priority,
                    ours: self.fsm.effective_priority(),
                    forcing: !self.fsm.config().lower_prio_no_advert,
                    unlogged: std::mem::take(&mut self.lower_unlogged),
                },
            ),
            Some(false) => self.lower_unlogged = self.lower_unlogged.saturating_add(1),
            None => {}
        }
    }
}

/// Events never outnumber the capacity (at most two per advert); one too many is dropped.
pub(super) fn push(events: &mut Events, e: Event) {
    let _ = events.push(e);
}
