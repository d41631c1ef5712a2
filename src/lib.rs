//! keepalived for routers: the library behind the `keepalived` binary.
//!
//! `config` is the keepalived.conf language, `core` the loop and process model,
//! `vrrp` and `check` the two children the watchdog supervises.

pub mod check;
pub mod cli;
pub mod config;
pub mod core;
pub mod net;
#[cfg(test)]
mod testdata;
pub mod vrrp;
