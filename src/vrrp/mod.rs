//! VRRP: wire format, authentication, the instance state machine, and the child process
//! that runs vrrp_instances.

pub mod auth;
pub mod child;
pub mod dump;
pub mod firewall;
mod firewall_rules;
pub mod firewall_vips;
pub mod fsm;
pub mod ifaces;
pub mod instance_plan;
pub mod notify_words;
pub mod packet;
pub mod rebind_plan;
pub mod reload_plan;
pub mod resync_plan;
pub mod route_plan;
pub mod router;
pub mod shell;
#[cfg(feature = "snmp")]
pub(crate) mod snmp;
pub mod sync;
pub mod track;
pub mod tx_failures;
pub mod vip_plan;
pub mod vmac_plan;
pub mod vrid_conflict;
