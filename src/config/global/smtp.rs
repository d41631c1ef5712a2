//! The SMTP alert settings a child sends with, from global_defs and keepalived's defaults:
//! HELO and sender from the host's name, 30 s timeout, router_id.

use super::GlobalDefs;
use crate::core::smtp::{host_defaults, Settings};
use crate::core::time::Micros;

/// keepalived's smtp_connect_timeout default, in seconds.
const DEFAULT_TIMEOUT: u64 = 30;

impl super::Email {
    /// keepalived's smtp_alert for a VRRP instance or group: its own, else smtp_alert_vrrp,
    /// else smtp_alert, else off.
    pub(crate) fn vrrp_alert(&self, own: Option<bool>) -> bool {
        own.or(self.smtp_alert_vrrp)
            .or(self.smtp_alert)
            .unwrap_or(false)
    }
}

/// None when nothing is mailed: no smtp_server, no notification_email, or the server's name
/// no longer resolves.
pub(crate) fn alert_settings(g: &GlobalDefs, log_detail: bool) -> Option<Settings> {
    let e = &g.email;
    let (host, port) = e.smtp_server.as_ref()?;
    if e.to.is_empty() {
        return None;
    }
    let server = crate::core::resolve::socket_addr(host, *port)?;
    let d = host_defaults();
    Some(Settings {
        server,
        helo: e.helo_name.clone().unwrap_or(d.helo),
        from: e.from.clone().unwrap_or(d.from),
        to: e.to.clone(),
        timeout: Micros::from_secs(e.connect_timeout.map_or(DEFAULT_TIMEOUT, u64::from)),
        router_id: g.router_id.clone().unwrap_or(d.router_id),
        log_detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::reader::tree_from_str;
    use crate::config::Diagnostics;

    fn global(text: &str) -> GlobalDefs {
        let mut d = Diagnostics::new();
        let nodes = tree_from_str(text, 0, &mut d);
        crate::config::from_tree(&nodes, &mut d).global
    }

    #[test]
    fn keepalived_defaults_fill_what_is_not_set() {
        let g =
            global("global_defs {\n notification_email {\n a@b\n }\n smtp_server 127.0.0.1\n}\n");
        let s = alert_settings(&g, false).expect("settings");
        let d = host_defaults();
        assert_eq!(s.server, "127.0.0.1:25".parse().unwrap());
        assert_eq!(
            (&s.helo, &s.router_id, &s.from),
            (&d.helo, &d.router_id, &d.from)
        );
        assert_eq!(s.timeout, Micros::from_secs(30));
        assert_eq!(s.to, ["a@b"]);
    }

    #[test]
    fn a_server_name_is_resolved_and_settings_win_over_defaults() {
        let g = global(
            "global_defs {\n router_id lb1\n notification_email {\n a@b\n c@d\n }\n \
             notification_email_from k@h\n smtp_server localhost 2525\n smtp_helo_name me\n \
             smtp_connect_timeout 7\n}\n",
        );
        let s = alert_settings(&g, true).expect("settings");
        assert!(
            s.server.ip().is_loopback() && s.server.port() == 2525,
            "{s:?}"
        );
        assert_eq!((s.helo.as_str(), s.from.as_str()), ("me", "k@h"));
        assert_eq!(
            (s.router_id.as_str(), s.timeout),
            ("lb1", Micros::from_secs(7))
        );
        assert!(s.log_detail);
    }

    #[test]
    fn nothing_is_mailed_without_a_server_or_a_recipient() {
        let g = global("global_defs {\n smtp_server 127.0.0.1\n}\n");
        assert_eq!(alert_settings(&g, false), None);
        let g = global("global_defs {\n notification_email {\n a@b\n }\n}\n");
        assert_eq!(alert_settings(&g, false), None);
    }
}
