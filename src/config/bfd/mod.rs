//! `bfd_instance NAME { ... }`: the BFD sessions, and the names the VRRP and checker sides
//! may track (`track_bfd`, `BFD_CHECK`).
//!
//! keepalived reads the config once per process, and each process keeps what it needs: the
//! BFD process refuses an instance without a usable neighbor, while the VRRP and checker
//! processes only see the block's name (and `vrrp` / `checker`). So a `track_bfd` of an
//! instance the BFD side refused is still found; we keep both views to give the same verdicts.

mod parse;
mod resolve;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use super::diag::Loc;
use super::track::Weight;
use crate::core::time::Micros;

pub(crate) use parse::parse_top;
pub(crate) use resolve::check;

/// keepalived's limit on an instance name (its buffer holds 31 characters and a NUL).
pub(crate) const NAME_MAX: usize = 31;

/// One BFD session as the BFD child runs it, keepalived's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BfdInstance {
    pub(crate) loc: Loc,
    pub(crate) name: String,
    pub(crate) neighbor: IpAddr,
    pub(crate) source: Option<IpAddr>,
    /// Required Min RX Interval we advertise.
    pub(crate) min_rx: Micros,
    /// Desired Min TX Interval while the session is Up.
    pub(crate) min_tx: Micros,
    /// Desired Min TX Interval while it is not (keepalived's `idle_tx`).
    pub(crate) idle_tx: Micros,
    pub(crate) multiplier: u8,
    /// Never sends first: waits for the neighbor's packets.
    pub(crate) passive: bool,
    /// TTL (IPv4) or hop limit (IPv6) of what we send.
    pub(crate) ttl: u8,
    /// How far below `ttl` a received packet's TTL may be (keepalived's -1 is 255).
    pub(crate) max_hops: u8,
    /// Whom session changes are told to.
    pub(crate) to_vrrp: bool,
    pub(crate) to_checker: bool,
}

/// A `bfd_instance` name as the VRRP or checker side sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BfdName {
    pub(crate) name: String,
    /// The default weight of a `track_bfd` entry that names none.
    pub(crate) weight: Weight,
    pub(crate) to_vrrp: bool,
    pub(crate) to_checker: bool,
    /// How many virtual servers were read before it: keepalived resolves a `BFD_CHECK` while
    /// reading, so only a name declared above the virtual server is found.
    pub(crate) vs_before: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct BfdConfig {
    /// The sessions the BFD child runs.
    pub(crate) instances: Vec<BfdInstance>,
    /// Every block read, usable or not (see the module doc).
    pub(crate) names: Vec<BfdName>,
}
