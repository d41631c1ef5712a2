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

use super::track::Weight;
use crate::core::time::Micros;

pub(crate) use parse::parse_top;
pub(crate) use resolve::check;

/// keepalived's limit on an instance name (its buffer holds 31 characters and a NUL).
pub(crate) const NAME_MAX: usize = 31;

/// One `bfd_instance` block, keepalived's defaults applied. Only a [`usable`](Self::usable)
/// one is a session the BFD child runs; the VRRP and checker sides know them all by name.
#[derive(Clone)]
#[cfg_attr(test, derive(Debug))]
pub(crate) struct BfdInstance {
    pub(crate) name: String,
    /// False when the BFD side refused the block (no or a bad neighbor, a duplicate).
    pub(crate) usable: bool,
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
    /// The default weight of a `track_bfd` entry that names none.
    pub(crate) weight: Weight,
    /// Whom session changes are told to.
    pub(crate) to_vrrp: bool,
    pub(crate) to_checker: bool,
    /// How many virtual servers were read before it: keepalived resolves a `BFD_CHECK` while
    /// reading, so only a name declared above the virtual server is found.
    pub(crate) vs_before: usize,
}

#[derive(Clone, Default)]
pub(crate) struct BfdConfig {
    /// Every block read, in file order (see the module doc).
    pub(crate) instances: Vec<BfdInstance>,
}

impl BfdConfig {
    /// The sessions the BFD child runs.
    pub(crate) fn sessions(&self) -> impl Iterator<Item = &BfdInstance> {
        self.instances.iter().filter(|i| i.usable)
    }
}

/// A count only: a derived Debug of every field costs about 1 KB of the armv7 binary for a
/// config dump nothing prints.
impl std::fmt::Debug for BfdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bfd_instance(s)", self.instances.len())
    }
}
