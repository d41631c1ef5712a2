//! The LVS side of keepalived.conf: `virtual_server_group`, `virtual_server` with its
//! `real_server`s and their checkers, and the checkers' `SSL` context.

mod check;
mod group;
mod real_server;
mod timing;
mod types;
mod virtual_server;

pub(crate) use check::check;
pub(crate) use group::VirtualServerGroup;
pub(crate) use real_server::RealServer;
pub(crate) use timing::{checker_timing, Timing};
pub(crate) use types::{Family, Forwarding, Protocol, Sched, TunnelCsum, TunnelType};
pub(crate) use virtual_server::{Granularity, VirtualServer, VsAddr};

use super::diag::{Diagnostics, Loc};
use super::tree::Node;
use super::Config;

/// `SSL { password; ca; certificate; key }`: the TLS context of SSL_GET checkers. Without it
/// keepalived makes a context with no client certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SslConfig {
    pub loc: Loc,
    pub password: Option<String>,
    pub ca: Option<String>,
    pub certificate: Option<String>,
    pub key: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct LvsConfig {
    pub(crate) virtual_servers: Vec<VirtualServer>,
    pub(crate) groups: Vec<VirtualServerGroup>,
    pub(crate) ssl: Option<SslConfig>,
}

/// Handles `SSL`, `virtual_server_group` and `virtual_server`; false for other keywords.
pub(crate) fn parse_top(n: &Node, cfg: &mut Config, d: &mut Diagnostics) -> bool {
    match n.keyword() {
        "virtual_server" => {
            if let Some(vs) = virtual_server::parse(n, d) {
                cfg.lvs.virtual_servers.push(vs);
            }
        }
        "virtual_server_group" => {
            if let Some(g) = group::parse(n, d) {
                if cfg.lvs.groups.iter().any(|o| o.name == g.name) {
                    d.warn(
                        n.loc,
                        format_args!("virtual_server_group {} is defined twice", g.name),
                    );
                }
                cfg.lvs.groups.push(g);
            }
        }
        "SSL" => {
            if cfg.lvs.ssl.is_some() {
                d.warn(n.loc, "SSL context already specified - replacing");
            }
            cfg.lvs.ssl = Some(parse_ssl(n, d));
        }
        _ => return false,
    }
    true
}

fn parse_ssl(n: &Node, d: &mut Diagnostics) -> SslConfig {
    let mut s = SslConfig {
        loc: n.loc,
        ..SslConfig::default()
    };
    for c in n.children() {
        let slot = match c.keyword() {
            "password" => &mut s.password,
            "ca" => &mut s.ca,
            "certificate" => &mut s.certificate,
            "key" => &mut s.key,
            k => {
                d.unknown_keyword(c.loc, k);
                continue;
            }
        };
        let Some(v) = c.require_arg(0, "a value", d) else {
            continue;
        };
        if slot.is_some() {
            d.warn(
                c.loc,
                format_args!("SSL {} already specified - replacing", c.keyword()),
            );
        }
        *slot = Some(v.to_string());
    }
    s
}

#[cfg(test)]
mod tests;
