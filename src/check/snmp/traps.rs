//! The checker child's notifications as keepalived 2.2.7 sends them (its check_snmp.c; recorded
//! under snmptrapd in the IPVS VM, tests/snmp/traps/check.traps): `realServerStateChange`
//! (check.5.0.1) and `virtualServerQuorumStateChange` (check.5.0.2), snmpTrapOID.0 first, then
//! objects of realServerTable and virtualServerTable named without an index, as keepalived
//! names them, and the global `routerId.0` last:
//! - a real server's: its address type, address, port and status (1 up, 2 down);
//! - then both traps: the virtual server's type (1 fwmark, 2 address, 3 group) and its group
//!   name, its mark, or its address type, address and port; whether it is TCP (1, else 2);
//! - the quorum's: its state (1 up, 2 down, 3 the daemon stopping) and the quorum;
//! - then both: realServersUp and realServersTotal (the sorry server counts in neither), as the
//!   virtual server has them when the trap goes.
//!
//! keepalived's odd values kept: the objects carry no index (a receiver cannot tell which row
//! changed but from the values); the protocol is a TruthValue "is TCP" (2 for UDP, SCTP and
//! any fwmark service, whose protocol keepalived ignores), not the table's protocol column; a
//! fwmark service's real server has port 0; the quorum trap at a stop says 3, a state the
//! table never shows, for every service whatever its quorum was.
//!
//! A trap is built on the stack from the config and an [`Event`] the real servers' side
//! queued: names in fixed arrays, values borrowed from the config or held inline.

use std::net::IpAddr;

use crate::check::checkers::names;
use crate::config::lvs::{Protocol, RealServer, VirtualServer, VsAddr};
use crate::config::Config;
use crate::snmp::mib::KEEPALIVED;
use crate::snmp::trap::Held;
pub(crate) use crate::snmp::trap::Trap;

/// KEEPALIVED-MIB::check (keepalived.3).
const KC: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 3];
/// realServerStateChange, virtualServerQuorumStateChange (checkNotifications 1, 2).
const RS_CHANGE: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 3, 5, 0, 1];
const QUORUM_CHANGE: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 3, 5, 0, 2];
/// virtualServerEntry, realServerEntry (check.3.1, check.4.1).
const VS: [u32; 2] = [3, 1];
const RS: [u32; 2] = [4, 1];

/// A quorum's state as the trap gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quorum {
    Up = 1,
    Down = 2,
    /// The daemon stops: every service's quorum goes, whatever it was.
    Stopping = 3,
}

/// What happened, with the count of alive real servers at that moment (later events may
/// change it before the trap goes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    /// The virtual server's index in the config.
    pub(crate) vs: usize,
    pub(crate) what: What,
    /// realServersUp.
    pub(crate) up: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    /// Real server `rs` of the service is now `alive` (or was told again, for an alpha
    /// checker's first failure).
    Rs {
        rs: usize,
        alive: bool,
    },
    Quorum(Quorum),
}

/// Appends the varbind of column `col` of `entry`, named without an index.
fn column<'a>(t: &mut Trap<'a>, entry: [u32; 2], col: u32, v: Held<'a>) {
    t.push(&[KC, &[entry[0], entry[1], col]], v);
}

/// InetAddressType: ipv4(1), ipv6(2).
fn addr_type(a: &IpAddr) -> Held<'static> {
    Held::Int(if a.is_ipv4() { 1 } else { 2 })
}

fn octets(a: &IpAddr) -> Held<'static> {
    let mut b = [0u8; 16];
    match a {
        IpAddr::V4(x) => {
            b[..4].copy_from_slice(&x.octets());
            Held::Octets(b, 4)
        }
        IpAddr::V6(x) => Held::Octets(x.octets(), 16),
    }
}

/// TruthValue: true(1), false(2).
fn truth(b: bool) -> Held<'static> {
    Held::Int(if b { 1 } else { 2 })
}

/// The trap for `ev` over `cfg`'s virtual server (None when the config has no such server: a
/// reload moved it).
pub(crate) fn build<'a>(cfg: &'a Config, ev: &Event, router_id: &'a str) -> Option<Trap<'a>> {
    let vs = cfg.lvs.virtual_servers.get(ev.vs)?;
    let mut t = match ev.what {
        What::Rs { rs, alive } => {
            let r = vs.real_servers.get(rs)?;
            let mut t = Trap::new(RS_CHANGE);
            column(&mut t, RS, 3, addr_type(&r.ip));
            column(&mut t, RS, 4, octets(&r.ip));
            column(&mut t, RS, 5, Held::Gauge(rs_port(vs, r)));
            column(&mut t, RS, 6, truth(alive));
            t
        }
        What::Quorum(_) => Trap::new(QUORUM_CHANGE),
    };
    service(&mut t, vs);
    if let What::Quorum(q) = ev.what {
        column(&mut t, VS, 23, Held::Int(q as i32));
        column(&mut t, VS, 22, Held::Gauge(vs.quorum));
    }
    column(&mut t, VS, 21, Held::Gauge(ev.up));
    let total = u32::try_from(vs.real_servers.len()).unwrap_or(u32::MAX);
    column(&mut t, VS, 20, Held::Gauge(total));
    t.push(&[KEEPALIVED, &[1, 2, 0]], Held::Text(router_id.as_bytes()));
    Some(t)
}

/// The virtual server's part: its type, what names it, and whether it is TCP.
fn service<'a>(t: &mut Trap<'a>, vs: &'a VirtualServer) {
    match &vs.addr {
        VsAddr::Group(name) => {
            column(t, VS, 2, Held::Int(3));
            column(t, VS, 3, Held::Text(name.as_bytes()));
        }
        VsAddr::Fwmark(m) => {
            column(t, VS, 2, Held::Int(1));
            column(t, VS, 4, Held::Gauge(*m));
        }
        VsAddr::Ip { ip, port } => {
            column(t, VS, 2, Held::Int(2));
            column(t, VS, 5, addr_type(ip));
            column(t, VS, 6, octets(ip));
            column(t, VS, 7, Held::Gauge(port.unwrap_or(0).into()));
        }
    }
    let fwmark = matches!(vs.addr, VsAddr::Fwmark(_));
    column(
        t,
        VS,
        8,
        truth(!fwmark && vs.protocol == Some(Protocol::Tcp)),
    );
}

/// The real server's port in the trap: a fwmark service's servers have none.
fn rs_port(vs: &VirtualServer, r: &RealServer) -> u32 {
    match vs.addr {
        VsAddr::Fwmark(_) => 0,
        _ => names::rs_port(vs, r).into(),
    }
}

#[cfg(test)]
#[path = "traps_tests.rs"]
pub(crate) mod tests;
