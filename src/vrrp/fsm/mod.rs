//! The vrrp_instance state machine, sans-IO: every input carries the time (a virtual clock in
//! µs), every output is a plain [`Action`] for the caller to carry out, and [`Fsm::next_deadline`]
//! says when to call [`Fsm::on_timer`] next.
//!
//! It follows keepalived 2.2.7 (vrrp.c, vrrp_scheduler.c, vrrp_track.c), including its quirks:
//! the BACKUP down timer is not pushed back by adverts it discards, a MASTER reschedules its
//! next advert after any packet for its VRID, a MASTER going to FAULT sends two priority-0
//! adverts, and delayed GARP sets fire even after leaving MASTER (they then do nothing, as
//! keepalived only sends them while its VIPs are set). Sync groups reach in through the small
//! [`SyncGate`] hooks (sync.rs); the group logic itself is crate::vrrp::sync.
//!
//! The tests replay runs of the real keepalived 2.2.7 recorded in network namespaces
//! (takeover times, preempt_delay windows, v3 interval learning, the down-timer shift after a
//! discarded advert, delayed GARPs outliving a BACKUP spell, link down/up).
//!
//! Nothing here allocates: the instance, its config and its actions are `Copy` values and the
//! action list is a fixed-capacity `heapless::Vec`.

mod config;
mod faults;
mod instance;
mod reconfigure;
mod rx;
mod sync;
mod timers;

#[cfg(test)]
mod tests;

use std::net::IpAddr;

use crate::core::time::Micros;

pub use config::{FsmConfig, GlobalVrrpDefaults};
pub use instance::Fsm;
pub use sync::SyncGate;

/// Instance states, with keepalived's internal STOP for an instance that was shut down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Init,
    Backup,
    Master,
    Fault,
    Stop,
}

impl State {
    /// The word keepalived passes to notify scripts and writes to the notify FIFO.
    pub fn name(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stop => "STOP",
        }
    }
}

/// Why a state changed. The BACKUP → MASTER reasons are RFC 6527's vrrpv3StatisticsMasterReason
/// values, which keepalived tracks the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// First state at start.
    Startup,
    /// The master-down timer expired with no advert heard (or only discarded ones).
    MasterNoResponse,
    /// The master-down timer expired after the master sent priority 0.
    Priority0,
    /// The down timer expired after we discarded a lower-priority master, or we are the
    /// address owner starting up.
    Preempted,
    /// A MASTER heard a higher priority advert.
    HigherPriority,
    /// A MASTER heard an equal priority advert from a higher address.
    HigherAddress,
    /// The interface went down or a weight-0 tracker failed.
    Fault,
    /// Every fault cleared.
    FaultCleared,
    /// The instance was stopped.
    Stopped,
    /// Its vrrp_sync_group moved it along with another member.
    SyncGroup,
}

/// What the caller must do, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send one advert with this priority (0 = "I am leaving").
    SendAdvert { priority: u8 },
    /// Install the VIPs, eVIPs, virtual routes and rules (and accept-mode firewall rules).
    AddVips,
    /// Remove what `AddVips` installed.
    RemoveVips,
    /// Send `repeat` rounds of gratuitous ARP / unsolicited NA for every VIP and eVIP.
    SendGarps { repeat: u32 },
    /// Unicast instance coming out of FAULT: one gratuitous ARP/NA for our own source address,
    /// so the master's neighbour cache knows us again.
    SendSourceGarp,
    StateChange {
        from: State,
        to: State,
        reason: Reason,
    },
    /// Run the instance's notify scripts / FIFO for this state.
    Notify(State),
    /// `notify_master_rx_lower_pri`: a MASTER heard a lower priority advert.
    NotifyMasterRxLowerPri,
    /// `notify_priority_changes`: the effective priority changed (FIFO MASTER_PRIORITY /
    /// BACKUP_PRIORITY event).
    NotifyPriority { state: State, priority: u8 },
}

/// Enough for the longest sequence one call produces (becoming master plus delayed GARPs).
pub const MAX_ACTIONS: usize = 12;

pub type Actions = heapless::Vec<Action, MAX_ACTIONS>;

/// What the state machine made of an advert, beside its actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heard {
    /// Why it was ignored, if it was (also counted in [`Fsm::ignored`]).
    pub ignored: Option<Ignored>,
    /// A MASTER heard a lower priority (or an equal one from a lower address): true when it
    /// answered with its GARP round and notify too, false when a round went out too recently.
    pub lower_priority: Option<bool>,
}

/// A received advert that passed the packet checks (length, TTL, checksum, auth), as the
/// state machine needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxAdvert {
    pub src: IpAddr,
    pub version: u8,
    pub priority: u8,
    /// The advert interval it carries (v2: whole seconds; v3: centiseconds), in µs.
    pub advert_int: Micros,
}

impl RxAdvert {
    /// A VRRPv2 advert: the interval field is in seconds.
    #[cfg(test)]
    pub fn v2(src: IpAddr, priority: u8, adver_int_secs: u8) -> Self {
        RxAdvert {
            src,
            version: 2,
            priority,
            advert_int: Micros::from_secs(adver_int_secs as u64),
        }
    }

    /// A VRRPv3 advert: the 12-bit interval field is in centiseconds.
    #[cfg(test)]
    pub fn v3(src: IpAddr, priority: u8, adver_int_centis: u16) -> Self {
        RxAdvert {
            src,
            version: 3,
            priority,
            advert_int: Micros::from_centis((adver_int_centis & 0x0fff) as u64),
        }
    }
}

/// Why the state machine did not act on an advert (each has a counter, [`Fsm::ignored`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ignored {
    /// Not started yet, or stopped.
    NotRunning,
    /// In FAULT state.
    Fault,
    /// Its VRRP version differs from ours.
    VersionMismatch,
    /// VRRPv2 only: its advert interval differs from ours (keepalived drops it).
    IntervalMismatch,
    /// The packet failed validation before reaching the state machine
    /// ([`Fsm::on_invalid_advert`]).
    Invalid,
    /// BACKUP with preemption: a lower priority master is discarded.
    LowerPriority,
    /// MASTER: an equal priority advert carrying our own address.
    OwnAddress,
}

impl Ignored {
    pub const ALL: [Ignored; 7] = [
        Ignored::NotRunning,
        Ignored::Fault,
        Ignored::VersionMismatch,
        Ignored::IntervalMismatch,
        Ignored::Invalid,
        Ignored::LowerPriority,
        Ignored::OwnAddress,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// Statistics, as keepalived keeps them per instance (vrrp_stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub adverts_rx: u64,
    pub adverts_sent: u64,
    pub become_master: u64,
    pub release_master: u64,
    pub pri_zero_rx: u64,
    pub pri_zero_sent: u64,
    /// Another address owner was heard (we lowered ourselves to 254).
    pub owner_conflicts: u64,
    pub ignored: [u64; Ignored::ALL.len()],
}
