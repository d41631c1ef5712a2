//! IPVS over generic netlink, and the virtual server manager (quorum, sorry server, inhibit).
//!
//! `table` is the kernel's vocabulary (services, destinations, ops, and the diff between two
//! tables); `wire` encodes and decodes it; `kernel` is the socket; `plan` turns the config into
//! what each virtual server puts in the kernel; `manager` is the sans-IO state machine that
//! decides, from real server health, what the table must hold now; `shell` runs it in the
//! checker child; `stats` sums the kernel's counters for SNMP.

pub mod kernel;
pub mod manager;
pub mod plan;
pub mod shell;
#[cfg(feature = "snmp")]
pub mod stats;
pub mod table;
pub mod wire;

#[cfg(test)]
mod reload_tests;
#[cfg(all(test, feature = "snmp"))]
mod stats_tests;
#[cfg(test)]
mod tests;
