//! SMTP alerts (keepalived's `smtp_alert`): the mails the VRRP child sends for instance and
//! sync-group transitions and the checker child for real servers and quorums.
//!
//! Sans-IO at heart, as the design asks: [`session::Session`] is the RFC 5321 dialog
//! (banner, HELO, MAIL FROM, RCPT TO per address, DATA, the message and its dot, QUIT) on a
//! virtual clock, fed with bytes and `now`, giving back bytes to send, a deadline and typed
//! [`Note`]s; [`message`] words the headers and the body as keepalived does. The thin I/O
//! part is [`driver::Alerts`]: one non-blocking TCP session at a time on the child's loop,
//! a bounded queue behind it, nothing allocated while idle. A slow or dead server delays
//! nothing but the mails.

pub(crate) mod driver;
pub(crate) mod message;
pub(crate) mod session;

use std::net::SocketAddr;
use std::sync::OnceLock;

use crate::core::time::Micros;

/// What global_defs says about mailing, resolved once when the config is loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) server: SocketAddr,
    pub(crate) helo: String,
    pub(crate) from: String,
    /// notification_email, in order: one RCPT TO each.
    pub(crate) to: Vec<String>,
    /// smtp_connect_timeout: for the connect and for each reply.
    pub(crate) timeout: Micros,
    pub(crate) router_id: String,
    /// `-D`: keepalived's "connected" and "successfully sent" lines.
    pub(crate) log_detail: bool,
}

/// One alert: its whole Subject line and its one-line body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mail {
    pub(crate) subject: String,
    pub(crate) body: String,
}

/// What happened in a session that keepalived has a line for (worded in [`driver`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    Connected,
    ConnectTimeout,
    ConnectError,
    ReadTimeout,
    ReadError,
    Closed,
    Overflow,
    SendError,
    /// A reply with another code than the command wants: keepalived's name for the command
    /// (`(E)SMTP` for the banner) and the code.
    BadCode(&'static str, u16),
    /// The server took the message (250 after the dot).
    Sent,
}

/// The three-digit code at the start of an SMTP reply line, as keepalived reads it (a space,
/// a `-`, a line end or nothing after the digits).
pub(crate) fn reply_code(line: &[u8]) -> Option<u16> {
    let d = line.get(..3)?;
    let ends = matches!(line.get(3), None | Some(b' ' | b'-' | b'\r'));
    (d.iter().all(u8::is_ascii_digit) && ends)
        .then(|| d.iter().fold(0, |n, &c| n * 10 + u16::from(c - b'0')))
}

/// keepalived's defaults from the host (global_data.c): router_id, HELO name and sender.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HostDefaults {
    pub(crate) router_id: String,
    pub(crate) helo: String,
    pub(crate) from: String,
}

/// The defaults for this host: its canonical name, the user we run as.
pub(crate) fn host_defaults() -> HostDefaults {
    let local = local_name();
    defaults(local.as_deref(), user_name().as_deref())
}

/// The defaults for host name `local` (None: it does not resolve) and `user`. keepalived then
/// names the host "[unknown]", which it takes as router_id but not for the HELO name (its SMTP
/// code says "localhost") nor for the sender, which stays unset and is printed by printf as
/// "(null)" (a host without a resolvable name, as the IPVS test VM is, shows all three).
fn defaults(local: Option<&str>, user: Option<&str>) -> HostDefaults {
    let from = match (user, local) {
        (Some(u), Some(l)) if !l.is_empty() => format!("{u}@{l}"),
        _ => "(null)".to_string(),
    };
    HostDefaults {
        router_id: local.unwrap_or("[unknown]").to_string(),
        helo: local.unwrap_or("localhost").to_string(),
        from,
    }
}

/// A host name kept without the heap (the leak report at exit does not see it).
type KeptName = Option<heapless::String<256>>;

/// keepalived's local_name, worked out once per process and kept across reloads, as keepalived
/// keeps it (global_data.c, init_global_data): a nameserver that never answers costs its
/// timeout once, not at every reload and SNMP read.
fn local_name() -> Option<String> {
    static KEPT: OnceLock<KeptName> = OnceLock::new();
    kept(&KEPT, look_up_local_name)
}

/// What `cell` holds, worked out by `look_up` the first time.
fn kept(cell: &OnceLock<KeptName>, look_up: impl FnOnce() -> Option<String>) -> Option<String> {
    let name =
        cell.get_or_init(|| look_up().and_then(|n| heapless::String::try_from(n.as_str()).ok()));
    name.as_deref().map(str::to_string)
}

/// The host name as the resolver gives it canonically; None when it does not resolve or has
/// no canonical name (keepalived does not fall back to the bare name).
fn look_up_local_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    if unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len() - 1) } != 0 {
        return None;
    }
    let len = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    crate::core::resolve::canonical_name(&String::from_utf8_lossy(&buf[..len]))
}

/// The name of the user we run as (keepalived's default sender is `user@local_name`).
fn user_name() -> Option<String> {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    crate::core::passwd::user(crate::core::passwd::Key::Uid(uid))
        .ok()
        .flatten()
        .map(|(name, _, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_name_is_looked_up_once_per_process() {
        let cell = OnceLock::new();
        let mut calls = 0;
        let mut look = |n: Option<&str>| {
            kept(&cell, || {
                calls += 1;
                n.map(str::to_string)
            })
        };
        assert_eq!(look(Some("gw.example")), Some("gw.example".to_string()));
        // A later reload keeps it, even if the resolver would now say otherwise.
        assert_eq!(look(None), Some("gw.example".to_string()));
        assert_eq!(calls, 1);
        // Not resolving is kept too: a silent nameserver is waited for once.
        let cell = OnceLock::new();
        assert_eq!(kept(&cell, || None), None);
        assert_eq!(kept(&cell, || Some("late".into())), None);
    }

    #[test]
    fn a_host_name_that_does_not_resolve_gives_keepalived_s_fallbacks() {
        let d = defaults(Some("lb1.example.org"), Some("root"));
        assert_eq!(
            (d.router_id.as_str(), d.helo.as_str(), d.from.as_str()),
            ("lb1.example.org", "lb1.example.org", "root@lb1.example.org")
        );
        let d = defaults(None, Some("root"));
        assert_eq!(
            (d.router_id.as_str(), d.helo.as_str(), d.from.as_str()),
            ("[unknown]", "localhost", "(null)")
        );
        assert_eq!(defaults(Some("h"), None).from, "(null)");
    }
}
