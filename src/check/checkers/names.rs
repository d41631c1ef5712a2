//! How keepalived names servers in its checker log lines: a real server as
//! `[IP]:PROTO:PORT` (a sorry server too), a virtual server the same way, `FWM N` or
//! `[GROUP]:PORT`.

use std::net::IpAddr;

use crate::config::lvs::{Forwarding, Protocol, RealServer, VirtualServer, VsAddr};

fn proto(vs: &VirtualServer) -> &'static str {
    match (vs.protocol, &vs.addr) {
        (Some(Protocol::Tcp), _) => "tcp",
        (Some(Protocol::Udp), _) => "udp",
        (Some(Protocol::Sctp), _) => "sctp",
        // keepalived makes an address service without `protocol` UDP.
        (None, VsAddr::Ip { .. }) => "udp",
        (None, _) => "none",
    }
}

fn trio(ip: IpAddr, proto: &str, port: u16) -> String {
    format!("[{ip}]:{proto}:{port}")
}

/// The port a real server is reached on: its own, else the virtual server's.
pub fn rs_port(vs: &VirtualServer, rs: &RealServer) -> u16 {
    rs.port.unwrap_or(match &vs.addr {
        VsAddr::Ip { port, .. } => port.unwrap_or(0),
        _ => 0,
    })
}

/// Where a real server's checkers connect unless told otherwise: the port written in the
/// config, even when direct routing made the service use its own (keepalived warns "ports
/// don't match - resetting" and still checks the written one).
pub fn check_port(vs: &VirtualServer, rs: &RealServer) -> u16 {
    rs.written_port
        .filter(|&p| p != 0)
        .unwrap_or_else(|| rs_port(vs, rs))
}

pub fn rs_name(vs: &VirtualServer, rs: &RealServer) -> String {
    trio(rs.ip, proto(vs), rs_port(vs, rs))
}

/// The sorry server as keepalived names it: NAT keeps the port written (0 without one);
/// otherwise an address service forces its own port on it and a fwmark clears it
/// (check_data.c's validation, which only warns for a group).
pub fn sorry_name(vs: &VirtualServer) -> Option<String> {
    let ss = vs.sorry_server.as_ref()?;
    let written = ss.port.unwrap_or(0);
    let nat = matches!(
        ss.forwarding.or(vs.forwarding),
        None | Some(Forwarding::Nat)
    );
    let port = match &vs.addr {
        _ if nat => written,
        VsAddr::Ip { port, .. } => port.unwrap_or(0),
        VsAddr::Fwmark(_) => 0,
        VsAddr::Group(_) => written,
    };
    Some(trio(ss.ip, proto(vs), port))
}

pub fn vs_name(vs: &VirtualServer) -> String {
    match &vs.addr {
        VsAddr::Ip { ip, port } => trio(*ip, proto(vs), port.unwrap_or(0)),
        VsAddr::Fwmark(m) => format!("FWM {m}"),
        VsAddr::Group(g) => format!("[{g}]:0"),
    }
}
