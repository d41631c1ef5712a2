//! The machinery every process shares: the loop, timers, signals, scripts, the watchdog,
//! daemon plumbing, logging and the debug allocator.

pub mod alloc;
pub mod daemon;
pub mod event_loop;
pub mod inotify;
pub mod logging;
pub mod script;
pub mod script_security;
pub mod signals;
pub mod time;
pub mod timer;
pub mod tokens;
pub mod track_value;
pub mod watchdog;
