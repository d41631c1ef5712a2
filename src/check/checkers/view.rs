//! The checkers' state as the data file (SIGUSR1) reads it: a read-only view the runner
//! gives, so `check::data` reads the checkers and the checkers know nothing of it.

use crate::check::CheckerId;

/// A checker's state now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckerLive {
    pub enabled: bool,
    pub up: bool,
    pub has_run: bool,
    pub retry_it: u32,
    /// The real server weight it last asked for (MISC dynamic, FILE_CHECK).
    pub weight: Option<i64>,
    /// MISC_CHECK: who the script runs as.
    pub script_user: (u32, u32),
    /// HTTP_GET: the url (index) that took it down.
    pub failed_url: Option<usize>,
    /// FILE_CHECK: the last value read from its file.
    pub file_value: Option<i64>,
}

/// A real server's state now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsLive {
    pub alive: bool,
    pub failed: u32,
    /// Who the notify_up and notify_down scripts run as.
    pub notify_users: [(u32, u32); 2],
}

/// Where the live state comes from (the runner).
pub trait Live {
    /// None: the runner has no such checker (it is not run).
    fn checker(&self, id: CheckerId) -> Option<CheckerLive>;
    fn real_server(&self, vs: usize, rs: usize) -> RsLive;
    /// Whether virtual server `vs` has its quorum (SNMP's quorum status).
    #[cfg_attr(not(feature = "snmp"), allow(dead_code))]
    fn quorum_up(&self, _vs: usize) -> bool {
        false
    }
}
