//! Health checkers and IPVS: the checker child.
//!
//! `checkers` holds one state machine per checker type and the scheduler that runs them
//! (retry, delay_before_retry, alpha/omega, warmup); each checker result goes to `servers`,
//! whose manager (`ipvs::manager`, the one owner of real-server and quorum state) decides
//! which real servers are alive and what the kernel's IPVS table must hold (weights, quorum,
//! sorry server), and which lines and scripts follow. [`CheckerId`] names one checker across
//! both; `key` holds what a reload recognises them by.

pub(crate) mod alerts;
pub mod checkers;
pub(crate) mod child;
pub(crate) mod data;
pub mod genhash;
pub(crate) mod ipvs;
pub(crate) mod key;
pub(crate) mod servers;
pub(crate) mod shell;
#[cfg(feature = "snmp")]
pub(crate) mod shell_snmp;
#[cfg(not(feature = "snmp"))]
#[path = "shell_snmp_off.rs"]
pub(crate) mod shell_snmp;
#[cfg(feature = "snmp")]
pub(crate) mod snmp;

/// One checker: `cfg.lvs.virtual_servers[vs].real_servers[rs].checkers[ck]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckerId {
    pub vs: usize,
    pub rs: usize,
    pub ck: usize,
}

/// How a checker's state reached the sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// A check changed it (after retry, alpha/omega rules).
    Checked,
    /// A checker that started down failed its first check: no change, but keepalived runs the
    /// real server's notify again.
    FirstDown,
    /// FILE_CHECK's first read of its file: keepalived runs no notify for it.
    FileStart,
    /// After a reload (to a sink made for the new config): a checker kept its state from
    /// before, which differs from its fresh start. Nothing changed for the user.
    Adopted,
}

/// Where the checkers' results go (in the child: the real servers' manager).
pub trait Sink {
    /// A checker's state is `up`, for the reason `why`.
    fn checker_state(&mut self, id: CheckerId, up: bool, why: Why);
    /// Why checker `id` goes down, just before the state change that says so (for its mail).
    fn down_reason(&mut self, _id: CheckerId, _why: checkers::DownReason) {}
    /// MISC_CHECK with `misc_dynamic` (or FILE_CHECK) asked for a new weight for its real
    /// server.
    fn weight_changed(&mut self, id: CheckerId, weight: i64);
    /// The scripts the sink's changes call for, moved into `out`: the loop runs them through
    /// the runner's one script runner, which reaps them.
    fn take_scripts(&mut self, _out: &mut Vec<ScriptCall>) {}
    /// The checker child is stopping: queue the scripts a stop runs (omega's), for the loop
    /// to run and give their grace before it exits.
    fn stop(&mut self) {}
}

/// A script a [`Sink`] wants run: a real server's notify (the runner knows its script and
/// user), or a script of its own with its command for the line that says it could not be.
#[derive(Clone, Debug)]
pub enum ScriptCall {
    Notify {
        vs: usize,
        rs: usize,
        up: bool,
    },
    Spec {
        spec: crate::core::script::ScriptSpec,
        cmd: String,
    },
}

/// Who the checker's scripts run as without a user of their own: `script_user`, else
/// keepalived's default script user where the system has one, else as we run (None).
pub(crate) fn script_user(cfg: &crate::config::Config) -> Option<(u32, u32)> {
    match cfg.global.script_user.as_ref() {
        Some(u) => crate::core::script::user_ids(u),
        None => crate::core::script::lookup_user(crate::config::global::DEFAULT_SCRIPT_USER).ok(),
    }
}
