//! SNMP as keepalived serves it: an AgentX subagent (RFC 2741) per child, registered with the
//! master agent (`snmpd`), serving KEEPALIVED-MIB and the VRRP MIBs (RFC 2787, RFC 6527).
//!
//! `mib` is the contract between the AgentX session (which speaks to `snmpd`) and the tables
//! (which read a child's state): a table answers get and get-next on its subtree; nothing else
//! of the subagent knows what the values mean. The tables live with the state they read
//! (`vrrp::snmp` for the VRRP child's), so this module imports no child. `columns` is the one
//! get/get-next walk those tables share: each says only what its objects, rows and cells are.

pub(crate) mod agentx;
pub(crate) mod columns;
pub(crate) mod global;
pub(crate) mod mib;
pub(crate) mod trap;
#[cfg(test)]
pub(crate) mod walk_text;
