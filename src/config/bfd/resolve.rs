//! `BFD_CHECK { name B }` against the declared `bfd_instance`s, as keepalived's checker side
//! resolves it while reading: an unknown name, one reserved to the VRRP side, one declared
//! below the virtual server, or one the real server already watches drops the checker.

use super::BfdName;
use crate::config::checker::CheckerKind;
use crate::config::diag::Diagnostics;
use crate::config::lvs::{Protocol, RealServer, VirtualServer, VsAddr};
use crate::config::Config;

pub(crate) fn check(cfg: &mut Config, d: &mut Diagnostics) {
    let names = &cfg.bfd.names;
    for (vi, vs) in cfg.lvs.virtual_servers.iter_mut().enumerate() {
        let proto = proto(vs);
        let vs_port = match &vs.addr {
            VsAddr::Ip { port, .. } => port.unwrap_or(0),
            _ => 0,
        };
        for rs in &mut vs.real_servers {
            resolve_rs(rs, proto, vs_port, vi, names, d);
        }
    }
}

fn resolve_rs(
    rs: &mut RealServer,
    proto: &str,
    vs_port: u16,
    vs_index: usize,
    names: &[BfdName],
    d: &mut Diagnostics,
) {
    let mut watched: Vec<&str> = Vec::new();
    let who = format!("[{}]:{proto}:{}", rs.ip, rs.port.unwrap_or(vs_port));
    rs.checkers.retain(|c| {
        let CheckerKind::Bfd(b) = &c.kind else {
            return true;
        };
        let known = names
            .iter()
            .find(|n| n.name == b.name && n.to_checker && n.vs_before <= vs_index);
        let text = match known {
            None => format!("({who}) BFD_CHECK - BFD {} not configured", b.name),
            Some(n) if watched.contains(&n.name.as_str()) => {
                format!("({who}) BFD_CHECK - RS already monitoring {}", b.name)
            }
            Some(n) => {
                watched.push(&n.name);
                return true;
            }
        };
        d.error(b.loc, text);
        false
    });
}

/// The protocol word of keepalived's `[IP]:PROTO:PORT` (an address service without
/// `protocol` is UDP there).
fn proto(vs: &VirtualServer) -> &'static str {
    match (vs.protocol, &vs.addr) {
        (Some(Protocol::Tcp), _) => "tcp",
        (Some(Protocol::Udp), _) | (None, VsAddr::Ip { .. }) => "udp",
        (Some(Protocol::Sctp), _) => "sctp",
        (None, _) => "none",
    }
}
