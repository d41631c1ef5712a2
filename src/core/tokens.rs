//! Every loop token of every process, in one table, so two sources can never share a number.
//!
//! mio's habit: constants for fixed sources, a base plus an index for families of dynamic
//! ones (sockets, checker slots, instances). Io tokens and timer tokens are separate spaces
//! (a timer fires as `Event::Timer { token }`, an fd as `Event::Io { token }`), and each
//! process uses only its own rows; the loop itself keeps `RESERVED_TOKENS` and above.

// ---- io tokens ----

/// Every child: its channel to the watchdog parent.
pub(crate) const PARENT: usize = 0;
/// The watchdog parent: the channel of child slot `i` is `CHILD_CHAN_BASE + i`.
pub(crate) const CHILD_CHAN_BASE: usize = 1;
/// VRRP child: the netlink reflector (links and addresses).
pub(crate) const REFLECTOR: usize = 1;
/// VRRP child: the route/rule monitor for tracked virtual routes and rules.
pub(crate) const ROUTE_MONITOR: usize = 2;
/// Checker child: the inotify fd watching FILE_CHECK files.
pub const CHECK_FILES: usize = 3;
/// VRRP child: the inotify fd watching track files.
pub(crate) const TRACK_INOTIFY: usize = 12;
/// VRRP child: the kernel's process events connector (vrrp_track_process).
pub(crate) const PROC_EVENTS: usize = 13;
/// VRRP and checker children: the SMTP alert session's socket (`core::smtp::driver`).
pub(crate) const SMTP_ALERT: usize = 14;
/// VRRP child: the AgentX subagent's socket to the master agent.
pub(crate) const SNMP_AGENTX: usize = 15;
/// Checker child: its AgentX subagent's socket to the master agent.
pub(crate) const CHECK_SNMP_AGENTX: usize = 4;
/// BFD child: its RFC 5881 listeners, IPv4 and IPv6 (`BFD_LISTEN_V4 + 1`).
pub(crate) const BFD_LISTEN_V4: usize = 1;
pub(crate) const BFD_LISTEN_V6: usize = 2;
/// VRRP child: socket `i` of the VRRP socket pool; checker child: the fd of checker slot `i`.
pub const SOCKET_BASE: usize = 16;

// ---- timer tokens ----

/// Every process with scripts: the script runner's timeouts.
pub const SCRIPT_TIMER: usize = 0;
/// VRRP child: instance `i`'s protocol timer; checker child: the timer of group `g` of slots
/// due at one instant is `SOCKET_BASE + g` (`check::checkers::run::due`).
pub(crate) const INSTANCE_TIMER_BASE: usize = 1;
/// VRRP child: reading the interface table again (`vrrp::resync_plan`), below the
/// tracking timers and far above any instance's.
pub(crate) const IFACES_RESYNC_TIMER: usize = PROC_SCAN_TIMER - 1;
/// VRRP child: reading on from sockets left with adverts queued after one batch.
pub(crate) const VRRP_RX_MORE_TIMER: usize = PROC_SCAN_TIMER - 2;
/// VRRP and checker children: the SMTP alert session's timeout, far above any instance's
/// or checker slot's timer.
pub(crate) const SMTP_ALERT_TIMER: usize = PROC_SCAN_TIMER - 3;
/// VRRP child: the AgentX session's deadlines (connect retry, answer, ping).
pub(crate) const SNMP_AGENTX_TIMER: usize = PROC_SCAN_TIMER - 4;
/// Checker child: its AgentX session's deadlines, far above any checker slot's timer.
pub(crate) const CHECK_SNMP_AGENTX_TIMER: usize = PROC_SCAN_TIMER - 5;
/// VRRP child: the /proc scan of tracked processes (where there is no events connector).
pub(crate) const PROC_SCAN_TIMER: usize = 1 << 30;
/// VRRP child: vrrp_script `k`'s interval timer.
pub(crate) const TRACK_SCRIPT_TIMER_BASE: usize = PROC_SCAN_TIMER + 1;
/// BFD child: the earliest deadline of its sessions.
pub(crate) const BFD_TIMER: usize = 1;
/// Checker child: the grace period for notify_down scripts at stop.
pub(crate) const STOP_GRACE_TIMER: usize = 2;
/// Watchdog parent: the hello round, child restarts (`+ slot`) and the stop deadline.
pub(crate) const HELLO_TIMER: usize = 100;
pub(crate) const RESTART_TIMER_BASE: usize = 110;
pub(crate) const STOP_TIMER: usize = 120;
/// Watchdog parent: feeding systemd's watchdog (`core::sd_notify`).
pub(crate) const SD_WATCHDOG_TIMER: usize = 121;

// A clash is a build error, not a test failure.
const _: () = {
    let fixed = [
        PARENT,
        REFLECTOR,
        ROUTE_MONITOR,
        CHECK_FILES,
        TRACK_INOTIFY,
        PROC_EVENTS,
        SMTP_ALERT,
        SNMP_AGENTX,
        CHECK_SNMP_AGENTX,
        BFD_LISTEN_V4,
        BFD_LISTEN_V6,
    ];
    let mut k = 0;
    while k < fixed.len() {
        assert!(fixed[k] < SOCKET_BASE);
        k += 1;
    }
    // The parent has at most three children (VRRP, checkers, BFD).
    assert!(CHILD_CHAN_BASE + 3 <= SOCKET_BASE);
    assert!(INSTANCE_TIMER_BASE > SCRIPT_TIMER);
    assert!(STOP_GRACE_TIMER > SCRIPT_TIMER && STOP_GRACE_TIMER < SOCKET_BASE);
    assert!(PROC_SCAN_TIMER < TRACK_SCRIPT_TIMER_BASE);
    assert!(RESTART_TIMER_BASE > HELLO_TIMER && RESTART_TIMER_BASE + 3 <= STOP_TIMER);
};
