//! How keepalived names servers in its checker log lines: a real server as
//! `[IP]:PROTO:PORT` (a sorry server too), a virtual server the same way, `FWM N` or
//! `[GROUP]:PORT`.

use std::fmt;
use std::net::IpAddr;

use crate::config::lvs::{Forwarding, Protocol, RealServer, VirtualServer, VsAddr};

/// A server's `[IP]:PROTO:PORT`, kept as its parts: a checker holds its real server's name
/// for its life, and a thousand of them as strings were a thousand allocations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trio {
    ip: IpAddr,
    port: u16,
    proto: Proto,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Tcp,
    Udp,
    Sctp,
    None,
}

impl fmt::Display for Trio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = match self.proto {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
            Proto::None => "none",
        };
        write!(f, "[{}]:{proto}:{}", self.ip, self.port)
    }
}

fn proto(vs: &VirtualServer) -> Proto {
    match (vs.protocol, &vs.addr) {
        (Some(Protocol::Tcp), _) => Proto::Tcp,
        (Some(Protocol::Udp), _) => Proto::Udp,
        (Some(Protocol::Sctp), _) => Proto::Sctp,
        // keepalived makes an address service without `protocol` UDP.
        (None, VsAddr::Ip { .. }) => Proto::Udp,
        (None, _) => Proto::None,
    }
}

fn trio(ip: IpAddr, proto: Proto, port: u16) -> String {
    Trio { ip, port, proto }.to_string()
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
    rs_trio(vs, rs).to_string()
}

/// A real server's name, as [`rs_name`] writes it.
pub fn rs_trio(vs: &VirtualServer, rs: &RealServer) -> Trio {
    Trio {
        ip: rs.ip,
        port: rs_port(vs, rs),
        proto: proto(vs),
    }
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
