//! The VRRP child's MIB tables as keepalived 2.2.7 serves them: KEEPALIVED-MIB's vrrp subtree,
//! VRRP-MIB (RFC 2787) and VRRPV3-MIB (RFC 6527), read from the dump view on each request
//! through `snmp::mib`'s trait; and the traps keepalived sends (`traps`, `traps_hold`).

pub(crate) mod keepalived_vrrp;
mod keepalived_vrrp_addresses;
mod keepalived_vrrp_cells;
mod keepalived_vrrp_routes;
mod keepalived_vrrp_rules;
#[cfg(test)]
mod keepalived_vrrp_tests;
mod keepalived_vrrp_tracked;
mod keepalived_vrrp_values;
pub(crate) mod traps;
pub(crate) mod traps_hold;
mod vrrp_rfc;
#[cfg(test)]
mod vrrp_rfc_tests;
pub(crate) mod vrrp_rfcv2;
pub(crate) mod vrrp_rfcv3;
