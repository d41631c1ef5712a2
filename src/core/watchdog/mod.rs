//! The parent–child contract of the process model: the hello channel (`link`), what every
//! child does on its side of it (`child`), and the exit codes that tell the parent a restart
//! would not help. The parent itself (`crate::supervisor`) sits above the children it forks.

pub(crate) mod child;
pub(crate) mod link;

/// keepalived's exit codes the parent cares about.
pub(crate) const EXIT_FATAL: i32 = 1;
pub(crate) const EXIT_CONFIG: i32 = 2;
pub(crate) const EXIT_MISSING_PERMISSION: i32 = 4;
pub(crate) const EXIT_NO_CONFIG: i32 = 6;
