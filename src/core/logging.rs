//! Logging. PLACEHOLDER.

use crate::cli::Options;

/// Installs the logger chosen by the command line (-l, -S, -g, -G, -D).
pub fn init(_opts: &Options) {}

/// The name this process logs as (Keepalived, Keepalived_vrrp, Keepalived_healthcheckers); called after fork.
pub fn set_process_name(_name: &'static str) {}
