//! keepalived for routers: the library behind the `keepalived` binary.
//!
//! Layers, each using only those above it here: `core` (the loop, timers, signals, logging,
//! the child side of the watchdog's channel) and `net` (netlink and sockets), which use
//! neither each other nor anything below; `cli` (the command line); `config` (the
//! keepalived.conf language); `vrrp` and `check`, the two children; `supervisor`, the parent
//! that forks and watches them.

pub mod check;
pub mod cli;
pub mod config;
pub mod core;
pub mod net;
pub mod supervisor;
#[cfg(test)]
mod testdata;
pub(crate) mod vrrp;
