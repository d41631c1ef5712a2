//! SNMP of the checker child: KEEPALIVED-MIB's check subtree (keepalived.3) over the checker's
//! state, served by the child's AgentX subagent (`check::shell_snmp`) beside the global group,
//! as keepalived 2.2.7's checker process serves them.

pub(crate) mod keepalived_check;
mod keepalived_check_cells;
mod keepalived_check_servers;
pub(crate) mod keepalived_check_stats;
mod keepalived_check_values;
pub(crate) mod traps;
pub(crate) mod traps_events;

#[cfg(test)]
mod keepalived_check_tests;
