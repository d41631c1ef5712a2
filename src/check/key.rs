//! What a reload recognises as "the same" virtual server, real server or checker: typed keys
//! compared field by field. An unchanged checker keeps its state (up or down, retries, MISC's
//! last status) and the IPVS manager keeps a kept server's health and its virtual server's
//! quorum, so nothing is reported or notified again. Line numbers are no part of a key:
//! moving a block keeps it.

use std::net::IpAddr;

use crate::config::checker::{Checker, CheckerCommon, CheckerKind};
use crate::config::lvs::{Protocol, RealServer, VirtualServer, VsAddr};

/// A virtual server: its address (or fwmark, or group) and protocol, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VsKey {
    pub addr: VsAddr,
    pub protocol: Option<Protocol>,
}

/// A real server: its virtual server, its address and port as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsKey {
    pub vs: VsKey,
    pub ip: IpAddr,
    pub port: Option<u16>,
}

/// A checker: its real server, its type with its options, and the options all checkers share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckerKey {
    pub rs: RsKey,
    pub kind: CheckerKind,
    pub common: CheckerCommon,
}

impl VsKey {
    pub fn of(vs: &VirtualServer) -> VsKey {
        VsKey {
            addr: vs.addr.clone(),
            protocol: vs.protocol,
        }
    }
}

impl RsKey {
    pub fn of(vs: &VirtualServer, rs: &RealServer) -> RsKey {
        RsKey {
            vs: VsKey::of(vs),
            ip: rs.ip,
            port: rs.port,
        }
    }
}

impl CheckerKey {
    pub fn of(vs: &VirtualServer, rs: &RealServer, c: &Checker) -> CheckerKey {
        CheckerKey {
            rs: RsKey::of(vs, rs),
            kind: c.kind.clone(),
            common: c.common.clone(),
        }
    }
}
