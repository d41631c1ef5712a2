//! keepalived for routers: the library behind the `keepalived` binary.
//!
//! Layers, each using only those above it here (`tests/layers.py` fails CI on a cycle):
//! `core` (the mio loop, the token table, timers, signals, the one script spawner, logging,
//! the debug allocator, the child side of the watchdog's channel) and `net` (netlink,
//! rtnetlink specs, IPVS generic netlink, nftables, VRRP and GARP sockets), which use neither
//! each other nor anything below; `cli` (the command line); `config` (the keepalived.conf
//! language: reader, typed sections, keyword parsers); `vrrp` and `check`, the two children;
//! `supervisor`, the parent that forks and watches them.
//!
//! # An advert, from the socket to the VIPs
//! 1. The VRRP child's loop (`vrrp::shell`) wakes on the socket's token (`core::tokens`) and
//!    `rx.rs` reads it into one fixed buffer, 256 adverts a turn and on from a zero-delay timer
//!    until `WouldBlock` (so a flood cannot starve hellos and netlink): no allocation per packet.
//!    A busy socket (1,000 packets/s or more, `shell/rx_pace.rs`) is read on a 1 ms timer
//!    instead (up to 3 ms when all its instances are BACKUPs), whole batches a wake; each
//!    advert is timed by its kernel receive stamp, and a BACKUP's master-down timer reads the
//!    socket before it fires.
//! 2. `vrrp::packet::receive` reads the bytes only through checked header views (named byte
//!    ranges per IPv4, IPv6, VRRP and AH field); a refusal names the VRID it saw, and
//!    `vrrp::router::count_refused` charges it to that instance's keepalived counter.
//! 3. `vrrp::router::pick` chooses the instance (VRID, family, unicast peer; the shell
//!    remembers each VRID's choice while it still `takes` the adverts) and
//!    `Router::handle_advert` applies the receive rules computed at start or reload (address
//!    count and list, TTL, auth and AH sequence, checksum mode), then feeds the state machine
//!    (`vrrp::fsm`, virtual clock). Out come `Actions` and typed events.
//! 4. `shell/events.rs` words the events as keepalived's log lines; `Shell::apply` passes the
//!    actions through the sync group (`vrrp::sync`) and `actions.rs` carries them out: adverts
//!    built by the router into the send buffer, VIPs through rtnetlink (`net::rtnl`), the
//!    firewall's drop sets (`vrrp::firewall`, `vrrp::firewall_vips`), virtual routes
//!    (`vrrp::route_plan`), GARPs and unsolicited NAs (`net::garp`), notify scripts and FIFO
//!    lines (`vrrp::notify_words`, written by `core::fifo`).
//!
//! # A checker verdict, to the IPVS table
//! 1. The checker child's loop (`check::shell`) hands io, timer and script-exit
//!    events to the runner (`check::checkers::run`): one slot per checker, each a sans-IO
//!    dialog (`checkers::{web, smtp, dns, udp, ...}`) over a socket the slot opens per check.
//! 2. A dialog ends in a `Verdict`; failures are a `checkers::Failure` enum, worded as
//!    keepalived in one place; the scheduler (`checkers::sched`) applies retry, alpha/omega
//!    and delay rules and decides whether the checker's state changed.
//! 3. The runner tells the sink, `check::servers::Servers`, which feeds the one owner of
//!    real-server and quorum state, `check::ipvs::manager::Manager`.
//! 4. The manager emits notices (server up/down, weights, quorum, sorry server); `Servers`
//!    logs them, queues notify/quorum scripts for the runner's script runner, and has the IPVS
//!    shell (`check::ipvs::shell`) diff the desired table (`ipvs::plan`, `ipvs::table`) against
//!    the kernel's and send only the difference over generic netlink (`ipvs::wire`).
//!
//! Beside the advert path: trackers (`vrrp::track`, sans-IO, and its I/O in `vrrp::track::io`:
//! scripts, inotify, process events), link and address events with the interface table's
//! resync (`vrrp::ifaces`, `vrrp::resync_plan`), interfaces deleted and made again, renamed,
//! or late under `dynamic_interfaces` (`vrrp::rebind_plan`, carried out in the shell's rx.rs),
//! and the watchdog parent's view of a hung child (`supervisor::hello`, `supervisor::release`).
//!
//! BFD (`bfd`): the RFC 5880 Control packet (`bfd::packet`, every receive check a typed
//! `Drop`) and one session's state machine on the virtual clock (`bfd::session`); the
//! `bfd_instance` blocks are read by `config::bfd`. The process's session table with its lookup,
//! TTL check and reload (`bfd::sessions`) runs in the BFD child (`bfd::child`) over the RFC 5881
//! sockets (`net::bfd_socket`); its session changes reach the checker child through the parent,
//! where BFD_CHECK acts on them (`check::checkers::run::bfd`).
//!
//! Reload identities: `vrrp::router::InstanceId` and `check::key::{VsKey, RsKey, CheckerKey}`.

pub(crate) mod bfd;
pub mod check;
pub mod cli;
pub mod config;
pub mod core;
#[cfg(fuzzing)]
pub mod fuzzing;
pub mod net;
// The PDU codec's varbind decoding and the close reasons we never send serve the unit tests and
// the fuzz target only.
#[allow(dead_code)]
#[cfg(feature = "snmp")]
pub(crate) mod snmp;
pub mod supervisor;
#[cfg(test)]
mod testdata;
pub(crate) mod vrrp;
