//! SNMP as keepalived serves it: an AgentX subagent (RFC 2741) per child, registered with the
//! master agent (`snmpd`), serving KEEPALIVED-MIB and the VRRP MIBs (RFC 2787, RFC 6527).
//!
//! `mib` is the contract between the AgentX session (which speaks to `snmpd`) and the tables
//! (which read a child's state): a table answers get and get-next on its subtree; nothing else
//! of the subagent knows what the values mean.

pub(crate) mod keepalived_vrrp;
mod keepalived_vrrp_addresses;
mod keepalived_vrrp_cells;
mod keepalived_vrrp_routes;
mod keepalived_vrrp_rules;
#[cfg(test)]
mod keepalived_vrrp_tests;
mod keepalived_vrrp_values;
pub(crate) mod mib;
mod vrrp_rfc;
#[cfg(test)]
mod vrrp_rfc_tests;
pub(crate) mod vrrp_rfcv2;
pub(crate) mod vrrp_rfcv3;
#[cfg(test)]
pub(crate) mod walk_text;
