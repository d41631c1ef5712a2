//! Health checkers and IPVS: the checker child.
//!
//! `checkers` holds one state machine per checker type and the scheduler that runs them
//! (retry, delay_before_retry, alpha/omega, warmup); each checker result goes to `ipvs`, whose
//! manager decides what the kernel's IPVS table must hold (weights, quorum, sorry server) and
//! writes it over generic netlink. [`CheckerId`] names one checker across both.

pub mod checkers;
pub mod child;
pub mod data;
pub mod genhash;
pub mod ipvs;
pub mod key;

/// One checker: `cfg.lvs.virtual_servers[vs].real_servers[rs].checkers[ck]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckerId {
    pub vs: usize,
    pub rs: usize,
    pub ck: usize,
}

/// Where the checkers' results go (in the child: the IPVS manager).
pub trait Sink {
    /// A checker's view of its real server changed (after retry, alpha/omega rules).
    fn checker_changed(&mut self, id: CheckerId, up: bool);
    /// MISC_CHECK with `misc_dynamic` asked for a new weight for its real server.
    fn weight_changed(&mut self, id: CheckerId, weight: i64);
    /// After a reload (to a sink made for the new config): a checker kept its state from
    /// before, which differs from its fresh start (up, or down under alpha). Nothing changed
    /// for the user, so a sink that only logs stays quiet.
    fn checker_adopted(&mut self, id: CheckerId, up: bool) {
        self.checker_changed(id, up);
    }
    /// The scripts the sink's changes call for (quorum_up, quorum_down), moved into `out`:
    /// the loop runs them with the runner's, through the one script runner it reaps.
    fn take_scripts(&mut self, _out: &mut Vec<ScriptCall>) {}
    /// The checker child is stopping: queue the scripts a stop runs (omega's), for the loop
    /// to run and give their grace before it exits.
    fn stop(&mut self) {}
}

/// A script a [`Sink`] wants run, and its command for the line that says it could not be.
#[derive(Clone, Debug)]
pub struct ScriptCall {
    pub spec: crate::core::script::ScriptSpec,
    pub cmd: String,
}
