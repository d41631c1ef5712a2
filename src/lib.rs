//! keepalived for routers: the library behind the `keepalived` binary.
//!
//! Layers, each using only those below it: `cli` (the command line); `core` (the loop,
//! timers, signals, logging, the child side of the watchdog's channel); `net` (netlink and
//! sockets); `config` (the keepalived.conf language); `vrrp` and `check`, the two children;
//! `supervisor`, the parent that forks and watches them.

pub mod check;
pub mod cli;
pub mod config;
pub mod core;
pub mod net;
pub mod supervisor;
#[cfg(test)]
mod testdata;
pub mod vrrp;
