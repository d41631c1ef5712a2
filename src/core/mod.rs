//! The machinery every process shares: the loop, timers, signals, scripts, the watchdog,
//! daemon plumbing, logging, notify FIFOs and the debug allocator.

pub mod alloc;
pub(crate) mod daemon;
pub(crate) mod decimal;
/// The signal dumps' `key value` lines, shared by the VRRP, checker and BFD children.
pub(crate) mod dump_line;
pub(crate) mod event_loop;
pub(crate) mod fd_limit;
pub(crate) mod fifo;
pub(crate) mod inotify;
pub mod logging;
pub(crate) mod md5;
pub(crate) mod passwd;
pub(crate) mod random;
/// HTTP_GET/SSL_GET `regex`: here because config compiles the patterns and check runs them.
pub(crate) mod regex;
pub(crate) mod resolve;
pub mod safe_file;
pub(crate) mod sched;
pub(crate) mod script;
pub(crate) mod script_security;
pub(crate) mod sd_notify;
pub(crate) mod signals;
pub(crate) mod smtp;
pub(crate) mod time;
pub(crate) mod timer;
pub(crate) mod tokens;
pub(crate) mod track_value;
pub(crate) mod watchdog;
