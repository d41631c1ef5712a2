//! The AgentX subagent (RFC 2741): `pdu` is the wire format, `serve` answers the master's
//! requests from the MIB tables, `session` is the protocol's state machine (sans-IO, virtual
//! clock) and `conn` the socket it runs over on a child's loop.

pub(crate) mod conn;
pub(crate) mod pdu;
pub(crate) mod serve;
pub(crate) mod session;

#[cfg(test)]
pub(crate) mod testmib;
