//! How keepalived names servers in its checker log lines: a real server as
//! `[IP]:PROTO:PORT`, a virtual server the same way, `FWM N` or `[GROUP]:PORT`.

use std::net::IpAddr;

use crate::config::lvs::{Protocol, RealServer, VirtualServer, VsAddr};

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

pub fn vs_name(vs: &VirtualServer) -> String {
    match &vs.addr {
        VsAddr::Ip { ip, port } => trio(*ip, proto(vs), port.unwrap_or(0)),
        VsAddr::Fwmark(m) => format!("FWM {m}"),
        VsAddr::Group(g) => format!("[{g}]:0"),
    }
}
