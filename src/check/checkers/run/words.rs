//! The log lines of the socket checkers, worded per checker type as keepalived 2.2.7 does.

use super::*;

/// keepalived's wording differs by checker type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Words {
    Tcp,
    Udp,
    Icmp,
    Misc,
    /// A dialog checker named by its keyword.
    Named(&'static str),
}

/// A failed check while up, with log_all_failures.
pub(super) fn failure_line(s: &Slot, why: &str) {
    match s.words {
        Words::Tcp => info!("TCP connection to {} {why}.", s.rs),
        Words::Udp => info!("UDP connection to {} failed.", s.rs),
        Words::Icmp if why == "timeout" => {
            info!("ICMP connection to address {} timeout.", s.rs)
        }
        Words::Icmp => info!("ICMP connection to {} of {} failed.", s.rs, s.vs),
        Words::Named(n) => info!("{n} on service {} {why}.", s.rs),
        Words::Misc => {}
    }
}

/// The success / down lines, as keepalived words them per checker type.
pub(super) fn report_line(s: &Slot, out: &Outcome) {
    let rs = &s.rs;
    match (out.report, s.words) {
        (Report::Up, Words::Tcp) => info!("TCP connection to {rs} success."),
        (Report::Up, Words::Udp) => info!("UDP connection to {rs} success."),
        (Report::Up, Words::Icmp) => info!("ICMP connection to {rs} success."),
        (Report::Up, Words::Named(n)) => info!("{n} on service {rs} succeeded."),
        (Report::Down { retries }, w) => {
            let name = match w {
                Words::Tcp => "TCP_CHECK",
                Words::Udp => "UDP_CHECK",
                Words::Icmp => "ICMP CHECK",
                Words::Named(n) => n,
                Words::Misc => return,
            };
            match (retries, w) {
                (Some(n), Words::Icmp) => {
                    info!(
                        "{name} on service {rs} of {} failed after {n} retries.",
                        s.vs
                    )
                }
                (Some(n), _) => info!("{name} on service {rs} failed after {n} retries."),
                (None, _) => info!("{name} on service {rs} failed."),
            }
        }
        _ => {}
    }
}
