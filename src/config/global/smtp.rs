//! The SMTP alert settings a child sends with, from global_defs and keepalived's defaults:
//! HELO and sender from the host's name, 30 s timeout, router_id.

use std::net::ToSocketAddrs;

use super::GlobalDefs;
use crate::core::smtp::{local_name, user_name, Settings};
use crate::core::time::Micros;

/// keepalived's smtp_connect_timeout default, in seconds.
const DEFAULT_TIMEOUT: u64 = 30;

/// None when nothing is mailed: no smtp_server, no notification_email, or the server's name
/// no longer resolves.
pub(crate) fn alert_settings(g: &GlobalDefs, log_detail: bool) -> Option<Settings> {
    let e = &g.email;
    let (host, port) = e.smtp_server.as_ref()?;
    if e.to.is_empty() {
        return None;
    }
    let server = (host.as_str(), *port).to_socket_addrs().ok()?.next()?;
    let local = local_name();
    let from = e.from.clone().unwrap_or_else(|| {
        let user = user_name().unwrap_or_default();
        format!("{user}@{local}")
    });
    Some(Settings {
        server,
        helo: e.helo_name.clone().unwrap_or_else(|| local.clone()),
        from,
        to: e.to.clone(),
        timeout: Micros::from_secs(e.connect_timeout.map_or(DEFAULT_TIMEOUT, u64::from)),
        router_id: g.router_id.clone().unwrap_or(local),
        log_detail,
    })
}
