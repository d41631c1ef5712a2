//! The checkers: one non-blocking state machine per checker type, and the runner that drives
//! them from the checker child's loop.
//!
//! The runner owns the sockets and the timers (connect, `connect_timeout`, `delay_loop`,
//! `retry`/`delay_before_retry`, `warmup`); what a checker says once connected is a [`Dialog`]:
//! sans-IO, fed the bytes (or datagrams) that arrive and asked for the bytes to send. Each
//! checker keeps one dialog for its life and resets it before every check, so checks do not
//! allocate.

pub mod dns;
pub mod smtp;
pub mod web;
pub use web::TlsContext;

pub use failure::{DownReason, Failure};

/// How one check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Up,
    /// Down, with why (for the log line).
    Down(Failure),
}

/// What a dialog says after an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Keep going: send [`Dialog::pending`] if any, then wait for more input.
    Continue,
    Done(Verdict),
}

/// The conversation of a connection- or datagram-based checker once its socket is connected.
pub trait Dialog {
    /// Called before each check (the socket is new).
    fn reset(&mut self);
    /// Bytes to send now (empty: nothing to send); the runner writes what it can and calls
    /// [`Dialog::sent`] with the count.
    fn pending(&self) -> &[u8];
    fn sent(&mut self, n: usize);
    /// Bytes arrived: a chunk of a stream, or one whole datagram.
    fn received(&mut self, data: &[u8]) -> Step;
    /// The peer closed the stream (or the socket reported an error).
    fn closed(&mut self) -> Step;
    /// A checker with several targets (HTTP_GET's urls): the one the next check uses. Called
    /// before [`Dialog::reset`].
    fn select(&mut self, _target: usize) {}
    /// After a pass: what passed and on which target, for keepalived's
    /// "<what> success to <server> url(<path>)" line. None: the checker has no such line.
    fn passed(&self) -> Option<(&'static str, &str)> {
        None
    }
}

pub mod failure;
pub(crate) mod file;
pub(crate) mod misc;
pub(crate) mod names;
pub(crate) mod ping;
pub(crate) mod run;
pub(crate) mod sched;
pub(crate) mod sock;
pub(crate) mod udp;
pub(crate) mod view;
