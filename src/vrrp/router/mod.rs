//! One vrrp_instance as a VRRP router, sans-IO: no sockets, no clock, no logging. It owns
//! everything the protocol keeps per instance: the state machine, the AH sequence, the
//! VRRPv3 checksum rule (which a unicast peer may switch), keepalived's drop counters, the
//! IPv4 identification, and the receive and send rules, computed once per config (start or
//! reload), never per packet.
//!
//! Call order, per instance:
//! - [`Router::handle_advert`] with each advert the caller's [`pick`] gave it
//!   ([`count_refused`] for a packet `packet::receive` refused); it returns an [`Outcome`]:
//!   the state machine's actions and the typed [`Event`]s for the caller to word and log.
//! - [`Router::start`], [`Router::stop`], [`Router::on_timer`] at [`Router::next_deadline`],
//!   link, tracker and interface address changes (inputs.rs) return actions the same way;
//!   [`Router::fsm`] is for reading.
//! - [`Router::state_changed`] for every `StateChange` action carried out (AH follows the
//!   state), and [`Router::advert`] for every `SendAdvert`: it builds into the caller's buffer.
//! - on reload, [`Router::carry_over`] moves what was learnt into the new config's router.

mod ident;
mod inputs;
mod rules;
mod rx;
mod tx;

#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr};

use crate::config::vrrp::{Family, VrrpInstance};
use crate::core::time::Micros;
use crate::vrrp::auth::AhState;
use crate::vrrp::fsm::{Actions, Fsm, State};
use crate::vrrp::packet::{Advert, DropCounter, DropReason, IpId, Refused, V3Checksum};

pub use ident::{pair, InstanceId};
pub use inputs::track_inputs;
pub use inputs::TrackInput;
pub use rules::RxRules;
pub use rx::{Event, Outcome};
pub use tx::TxRules;

/// Counters keepalived keeps that the state machine does not (packet and auth errors).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drops {
    pub length: u64,
    pub ttl: u64,
    pub invalid_type: u64,
    pub interval: u64,
    pub addr_list: u64,
    pub auth_invalid_type: u64,
    pub auth_type_mismatch: u64,
    pub auth_failure: u64,
}

impl Drops {
    /// Counts `why` where keepalived 2.2.7 does. It drops a v2 interval mismatch without
    /// counting it (its "Advertisement Interval" counter is never incremented), as it does a
    /// bad checksum or another version.
    pub fn count(&mut self, why: &DropReason) {
        match why.counter() {
            Some(DropCounter::Length) => self.length += 1,
            Some(DropCounter::Ttl) => self.ttl += 1,
            Some(DropCounter::InvalidType) => self.invalid_type += 1,
            Some(DropCounter::AddressList) => self.addr_list += 1,
            Some(DropCounter::InvalidAuthType) => self.auth_invalid_type += 1,
            Some(DropCounter::AuthTypeMismatch) => self.auth_type_mismatch += 1,
            Some(DropCounter::AuthFailure) => self.auth_failure += 1,
            None => {}
        }
    }
}

pub struct Router {
    fsm: Fsm,
    pub ah: AhState,
    /// How VRRPv3/IPv4 checksums are made and checked now (see [`RxRules::checksum`]).
    pub checksum: V3Checksum,
    pub drops: Drops,
    /// Why the last advert this router was given was refused (for the SNMP traps).
    pub last_refused: Option<DropReason>,
    pub ip_id: IpId,
    rules: RxRules,
    tx: TxRules,
    /// Lower priority adverts heard since the last one logged.
    lower_unlogged: u64,
    /// When a BACKUP last logged a lower priority advert.
    lower_logged_at: Option<Micros>,
}

impl Router {
    pub fn new(fsm: Fsm, rules: RxRules, tx: TxRules) -> Router {
        Router {
            fsm,
            ah: AhState::new(),
            checksum: rules.checksum,
            drops: Drops::default(),
            last_refused: None,
            ip_id: IpId::default(),
            rules,
            tx,
            lower_unlogged: 0,
            lower_logged_at: None,
        }
    }

    /// The receive and send rules of `v` (`global_check_unicast_src`: global_defs'
    /// `vrrp_check_unicast_src`; `group4`: the IPv4 multicast group), around `fsm`.
    pub fn for_instance(
        v: &VrrpInstance,
        global_check_unicast_src: bool,
        group4: Ipv4Addr,
        fsm: Fsm,
        tx: TxRules,
    ) -> Router {
        Router::new(
            fsm,
            RxRules::for_instance(v, global_check_unicast_src, group4),
            tx,
        )
    }

    /// The state machine, to read (inputs go through the router's methods).
    pub fn fsm(&self) -> &Fsm {
        &self.fsm
    }

    /// A sync group moves its members' state machines together (crate::vrrp::sync decides
    /// how), and lifts or sets their gates.
    pub fn sync_member(&mut self) -> &mut Fsm {
        &mut self.fsm
    }

    /// The multicast group it sends to (unicast: unused).
    pub fn group(&self) -> IpAddr {
        self.tx.group
    }

    pub fn vrid(&self) -> u8 {
        self.tx.vrid
    }

    pub fn family(&self) -> Family {
        self.rules.family
    }

    /// Carries out the AH side of a state change (keepalived restarts or keeps the sequence).
    pub fn state_changed(&mut self, from: State, to: State) {
        match (from, to) {
            (_, State::Master) => self.ah.became_master(),
            (State::Master, _) => self.ah.yielded(),
            _ => {}
        }
    }

    /// `self`, just built from a reloaded config, continues `old`: the state machine, AH
    /// sequence, IP id and counters go over, and so does a checksum rule learnt from the peer
    /// unless the configured rule changed. Returns what the new settings make the state
    /// machine do (no re-election).
    pub fn carry_over(&mut self, old: Router, now: Micros) -> Actions {
        if old.rules.checksum == self.rules.checksum {
            self.checksum = old.checksum;
        }
        let settings = *self.fsm.config();
        let if_addr = self.fsm.interface_addr();
        self.fsm = old.fsm;
        self.fsm.set_interface_addr(if_addr);
        self.ip_id = old.ip_id;
        self.ah = old.ah;
        self.drops = old.drops;
        self.fsm.reconfigure(now, settings)
    }

    /// Does this router take adverts of `vrid` over `family`?
    fn hears(&self, vrid: u8, family: Family) -> bool {
        self.tx.vrid == vrid && self.rules.family == family
    }
}

/// Does this router take `adv`: its VRID and family, and (unicast) a sender among its peers?
/// The router [`pick`] finds is one that does.
pub fn takes(r: &Router, adv: &Advert<'_>) -> bool {
    r.hears(adv.vrid, adv.family) && r.rules.peers_allow(adv.src)
}

/// The router an advert is for among `candidates` (those on the socket it came in on): same
/// VRID and family; among unicast instances sharing a VRID, the one that has the sender as a
/// peer, else the first.
pub fn pick<'a, K>(
    candidates: impl Iterator<Item = (K, &'a Router)>,
    adv: &Advert<'_>,
) -> Option<K> {
    let mut first = None;
    for (k, r) in candidates {
        if !r.hears(adv.vrid, adv.family) {
            continue;
        }
        if r.rules.peers_allow(adv.src) {
            return Some(k);
        }
        first.get_or_insert(k);
    }
    first
}

/// keepalived counts a packet refused for its length against the instance of the VRID it
/// carried (the first of `candidates`, those on the socket it came in on).
pub fn count_refused<'a>(
    candidates: impl Iterator<Item = &'a mut Router>,
    refused: &Refused,
    family: Family,
) {
    let (Some(_), Some(vrid)) = (refused.reason.counter(), refused.vrid) else {
        return;
    };
    if let Some(r) = candidates.into_iter().find(|r| r.hears(vrid, family)) {
        r.drops.count(&refused.reason);
    }
}

/// The interface's addresses a router may send from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IfAddrs {
    pub v4: Option<std::net::Ipv4Addr>,
    /// Link-local.
    pub v6: Option<std::net::Ipv6Addr>,
}

impl IfAddrs {
    fn for_family_of(&self, a: IpAddr) -> Option<IpAddr> {
        match a {
            IpAddr::V4(_) => self.v4.map(IpAddr::V4),
            IpAddr::V6(_) => self.v6.map(IpAddr::V6),
        }
    }
}
