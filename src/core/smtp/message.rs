//! keepalived's alert mails, word for word: the subjects and bodies of smtp.c and its
//! callers (vrrp_notify.c, the checkers, ipwrapper.c), and the message block after DATA.

use std::fmt::Write as _;

use super::{Mail, Settings};

/// A VRRP instance's or sync group's state, as the alerts name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VrrpState {
    Master,
    Backup,
    Fault,
    Stop,
    /// Removed by a reload (instances with `notify_deleted` only).
    Deleted,
}

/// The alert for instance `name` entering `state`.
pub(crate) fn instance(router_id: &str, name: &str, state: VrrpState) -> Mail {
    let (what, body) = match state {
        VrrpState::Master => ("Entering MASTER state", "now owning VRRP VIPs"),
        VrrpState::Backup => ("Entering BACKUP state", "no longer owning VRRP VIPs"),
        VrrpState::Fault => ("Entering FAULT state", "no longer owning VRRP VIPs"),
        VrrpState::Stop => ("Stopping", "stopping"),
        VrrpState::Deleted => ("Deleted", ""),
    };
    let body = match state {
        VrrpState::Deleted => "=> VRRP Deleted at reload <=".to_string(),
        _ => format!("=> VRRP Instance is {body} <="),
    };
    Mail {
        subject: format!("[{router_id}] VRRP Instance {name} - {what}"),
        body,
    }
}

/// The alert for sync group `name` entering `state` (None: groups have no DELETED mail).
pub(crate) fn group(router_id: &str, name: &str, state: VrrpState) -> Option<Mail> {
    let (what, now) = match state {
        VrrpState::Master => ("Entering MASTER state", "in MASTER state"),
        VrrpState::Backup => ("Entering BACKUP state", "in BACKUP state"),
        VrrpState::Fault => ("Entering FAULT state", "in FAULT state"),
        VrrpState::Stop => ("Stopping", "stopping"),
        VrrpState::Deleted => return None,
    };
    Some(Mail {
        subject: format!("[{router_id}] VRRP Group {name} - {what}"),
        body: format!("=> All VRRP group instances are now {now} <="),
    })
}

/// Real server `rs` of virtual server `vs` went up or down; `body` says which check said so.
pub(crate) fn real_server(router_id: &str, rs: &str, vs: &str, up: bool, body: &str) -> Mail {
    Mail {
        subject: format!(
            "[{router_id}] Realserver {rs} of virtual server {vs} - {}",
            up_down(up)
        ),
        body: body.to_string(),
    }
}

/// Virtual server `vs` gained or lost its quorum (`init`: at start), keepalived's figures:
/// quorum, hysteresis, the threshold it compared with and the live weight.
pub(crate) fn quorum(router_id: &str, vs: &str, up: bool, init: bool, f: [i64; 4]) -> Mail {
    let what = match (up, init) {
        (true, true) => "Starting with quorum up",
        (true, false) => "Gained quorum",
        (false, true) => "Starting with quorum down",
        (false, false) => "Lost quorum",
    };
    Mail {
        subject: format!("[{router_id}] Virtualserver {vs} - {}", up_down(up)),
        body: format!("=> {what} {}+{}={} <= {} <=", f[0], f[1], f[2], f[3]),
    }
}

fn up_down(up: bool) -> &'static str {
    if up {
        "UP"
    } else {
        "DOWN"
    }
}

/// The message after DATA, its dot included: keepalived's headers (From without angle
/// brackets, X-Mailer, To listing every recipient), the body and an empty line.
pub(crate) fn data(out: &mut Vec<u8>, date: &str, s: &Settings, mail: &Mail) {
    let mut t = String::with_capacity(256);
    let _ = write!(
        t,
        "Date: {date}\r\nFrom: {}\r\nSubject: {}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{}\r\n\r\n.\r\n",
        s.from,
        mail.subject,
        s.to.join(", "),
        mail.body
    );
    out.extend_from_slice(t.as_bytes());
}

/// Now in local time as RFC 822 writes it (`Mon, 01 Mar 2021 09:44:08 +0000`).
pub(crate) fn date_now() -> String {
    // SAFETY: time(NULL) only reads the clock.
    let now = unsafe { libc::time(std::ptr::null_mut()) };
    let mut s = String::new();
    if let Some(tm) = crate::core::logging::broken_down(now, false) {
        crate::core::logging::push_tm(&mut s, &tm, "%a, %d %b %Y %H:%M:%S %z");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_bodies_are_keepalived_words() {
        let m = instance("lb1", "VI_1", VrrpState::Backup);
        assert_eq!(
            m.subject,
            "[lb1] VRRP Instance VI_1 - Entering BACKUP state"
        );
        assert_eq!(m.body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
        let m = instance("lb1", "VI_1", VrrpState::Deleted);
        assert_eq!(m.subject, "[lb1] VRRP Instance VI_1 - Deleted");
        assert_eq!(m.body, "=> VRRP Deleted at reload <=");
        let m = group("lb1", "G1", VrrpState::Fault).unwrap();
        assert_eq!(m.subject, "[lb1] VRRP Group G1 - Entering FAULT state");
        assert_eq!(
            m.body,
            "=> All VRRP group instances are now in FAULT state <="
        );
        let m = real_server(
            "lb1",
            "[10.0.0.2]:tcp:80",
            "[10.0.0.100]:tcp:80",
            false,
            "x",
        );
        assert_eq!(
            m.subject,
            "[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.100]:tcp:80 - DOWN"
        );
        let m = quorum("lb1", "[10.0.0.100]:tcp:80", true, false, [2, 1, 3, 4]);
        assert_eq!(m.subject, "[lb1] Virtualserver [10.0.0.100]:tcp:80 - UP");
        assert_eq!(m.body, "=> Gained quorum 2+1=3 <= 4 <=");
    }

    #[test]
    fn the_date_is_rfc_822() {
        let d = date_now();
        // "Sun, 06 Dec 2026 09:00:00 +0000"
        assert_eq!(d.len(), 31, "{d}");
        assert_eq!(&d[3..5], ", ");
        assert!(d[26..27] == *"+" || d[26..27] == *"-", "{d}");
    }
}
