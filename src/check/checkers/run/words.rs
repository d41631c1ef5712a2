//! The log lines of the socket checkers, worded per checker type as keepalived 2.2.7 does
//! (the failure reasons' own words are [`Failure::worded`]).

use super::*;

pub(super) use crate::check::checkers::failure::Words;

/// A failed check while up, with log_all_failures (SMTP and DNS: also the one that takes
/// the checker down, the only line they log for it; `out` is that check's outcome).
pub(super) fn failure_line(s: &Slot, f: Failure, out: &Outcome) {
    let why = f.worded(s.words);
    match s.words {
        Words::Tcp => info!("TCP connection to {} {why}.", s.rs),
        Words::Udp => info!("UDP connection to {} failed.", s.rs),
        Words::Icmp if f == Failure::Timeout => {
            info!("ICMP connection to address {} timeout.", s.rs)
        }
        Words::Icmp => info!("ICMP connection to {} of {} failed.", s.rs, s.vs),
        Words::Named(n) => info!("{n} on service {} {why}.", s.rs),
        Words::Web => info!("{why} server {}.", s.rs),
        Words::Smtp => match s.smtp_host() {
            Some(c) => info!("SMTP_CHECK {why} [{}]:{}", c.dst.ip(), c.dst.port()),
            None => info!("SMTP_CHECK {why} {}", s.rs),
        },
        Words::Dns => dns_line(s, why, out),
        Words::Misc => {}
    }
}

impl Slot {
    /// The connection SMTP_CHECK is on: its own, or one of its `host {}` blocks'.
    pub(super) fn smtp_host(&self) -> Option<&ConnOpts> {
        match self.host {
            0 => self.conn.as_ref(),
            h => self.hosts.get(h - 1),
        }
    }
}

fn dns_line(s: &Slot, why: &str, out: &Outcome) {
    match out.report {
        Report::Down {
            retries: Some(n), ..
        } => info!("DNS_CHECK ({}) {why} after {n} retries", s.rs),
        _ => info!("DNS_CHECK ({}) {why}", s.rs),
    }
}

/// HTTP_GET's line for a url that passed while the checker is not up.
pub(super) fn url_line(s: &Slot) {
    if let Probe::Stream(Some(d)) = &s.probe {
        if let Some((what, path)) = d.passed() {
            info!("{what} success to {} url({path})", s.rs);
        }
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
        (Report::Up, Words::Web) => info!("Remote Web server {rs} succeed on service."),
        (Report::Up, Words::Smtp) => info!("Remote SMTP server {rs} succeed on service."),
        // keepalived's SMTP_CHECK says no more than why the last try failed.
        (Report::Down { .. }, Words::Smtp | Words::Dns) => {}
        (Report::Down { retries }, w) => {
            let name = match w {
                Words::Tcp => "TCP_CHECK",
                Words::Udp => "UDP_CHECK",
                Words::Icmp => "ICMP CHECK",
                Words::Named(n) => n,
                Words::Web => "HTTP_CHECK",
                Words::Misc | Words::Smtp | Words::Dns => return,
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

/// socket(2) failed: keepalived's line per checker type, before it tries again.
pub(super) fn no_socket_line(s: &Slot, v6: bool) {
    match s.words {
        Words::Tcp => info!("TCP connect fail to create socket. Rescheduling."),
        Words::Web => info!("WEB connection fail to create socket. Rescheduling."),
        Words::Smtp => info!("SMTP_CHECK connection failed to create socket. Rescheduling."),
        Words::Dns => info!(
            "DNS_CHECK ({}) failed to create socket. Rescheduling.",
            s.rs
        ),
        Words::Udp => info!("UDP connect fail to create socket. Rescheduling."),
        Words::Icmp => info!(
            "ICMP{} connect fail to create socket. Rescheduling.",
            if v6 { "v6" } else { "" }
        ),
        Words::Misc => {}
        Words::Named(n) => info!("{n} fail to create socket. Rescheduling."),
    }
}

/// The socket could not be set up (bind, device, mark): keepalived's line before it tries
/// again, the checker's state unchanged.
pub(super) fn setup_failed_line(s: &Slot) {
    match s.words {
        Words::Tcp => info!("TCP socket bind failed. Rescheduling."),
        // keepalived ends this one without a full stop.
        Words::Web => info!("WEB socket bind failed. Rescheduling"),
        Words::Smtp => info!("SMTP_CHECK socket bind failed. Rescheduling."),
        Words::Dns => info!("DNS_CHECK ({}) UDP socket bind failed. Rescheduling.", s.rs),
        Words::Udp | Words::Icmp | Words::Misc => {}
        Words::Named(n) => info!("{n} socket bind failed. Rescheduling."),
    }
}
