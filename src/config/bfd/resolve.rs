//! `BFD_CHECK { name B }` against the declared `bfd_instance`s, as keepalived's checker side
//! resolves it while reading: an unknown name, one reserved to the VRRP side, one declared
//! below the virtual server, or one the real server already watches drops the checker.

use super::BfdInstance;
use crate::config::checker::CheckerKind;
use crate::config::diag::Diagnostics;
use crate::config::lvs::{Protocol, RealServer, VirtualServer, VsAddr};
use crate::config::Config;

pub(crate) fn check(cfg: &mut Config, d: &mut Diagnostics) {
    let names = &cfg.bfd.instances;
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
    names: &[BfdInstance],
    d: &mut Diagnostics,
) {
    let who = format!("[{}]:{proto}:{}", rs.ip, rs.port.unwrap_or(vs_port));
    // An index walk rather than retain: what is kept before `i` is what the server already
    // watches, and it is smaller code than retain's.
    let mut i = 0;
    while let Some(c) = rs.checkers.get(i) {
        let CheckerKind::Bfd(b) = &c.kind else {
            i += 1;
            continue;
        };
        let known = names
            .iter()
            .any(|n| n.name == b.name && n.to_checker && n.vs_before <= vs_index);
        let watched = rs.checkers[..i]
            .iter()
            .any(|o| matches!(&o.kind, CheckerKind::Bfd(x) if x.name == b.name));
        let text = if !known {
            format!("({who}) BFD_CHECK - BFD {} not configured", b.name)
        } else if watched {
            format!("({who}) BFD_CHECK - RS already monitoring {}", b.name)
        } else {
            i += 1;
            continue;
        };
        d.error(b.loc, text);
        rs.checkers.remove(i);
    }
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
