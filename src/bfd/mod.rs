//! BFD (RFC 5880, RFC 5881 single hop) as keepalived runs it: the wire format and the
//! sans-IO session; the child process that drives them comes on top.

pub(crate) mod child;
pub(crate) mod dump;
mod log;
pub(crate) mod packet;
pub(crate) mod rng;
mod sched;
pub(crate) mod session;
pub(crate) mod sessions;
