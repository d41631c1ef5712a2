//! The kernel's IPVS statistics, summed per virtual server and per real or sorry server as
//! keepalived 2.2.7 sums them for KEEPALIVED-MIB: a virtual server's are the sum over its
//! services (one per address of a group's ranges, per mark), a server's the sum over the
//! destinations it matches in those services. Read-only: nothing here changes the table.
//!
//! A destination goes to the sorry server when it matches it, else to the first real server
//! it matches: same address, and the same port unless the server's is 0 (keepalived's rule,
//! so a direct-routing server whose port differs from the service's matches nothing).
//! Counts are kept in slots sized once per config, so a refresh allocates nothing.

use super::plan;
use super::table::{DestKey, SvcKey};
use super::wire::{parse_dest, parse_service, GENL_HDRLEN};
use crate::config::lvs::{LvsConfig, VsAddr};
use crate::net::netlink::{Attr, Error, Msg};

/// Where each count sits in [`Counters`]: the kernel's ten statistics in their attribute
/// order (`IPVS_STATS_ATTR_CONNS`, INPKTS, OUTPKTS, INBYTES, OUTBYTES, then the five rates
/// from CPS), then a destination's active, inactive and persistent connections.
pub const CPS: usize = 5;
pub const ACTIVE: usize = 10;
pub const INACTIVE: usize = 11;
pub const PERSISTENT: usize = 12;

/// One service's or destination's counts (a service has no connection gauges: 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters(pub [u64; 13]);

impl Counters {
    fn add(&mut self, o: &Counters) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a = a.wrapping_add(b);
        }
    }
}

const CMD_ATTR_SERVICE: u16 = 1;
const CMD_ATTR_DEST: u16 = 2;
/// `IPVS_SVC_ATTR_STATS` / `_STATS64` and `IPVS_DEST_ATTR_STATS` / `_STATS64`: the same
/// numbers in both nests.
const ATTR_STATS: u16 = 10;
const ATTR_STATS64: u16 = 12;
const DEST_ATTR_ACTIVE_CONNS: u16 = 7;

/// A number attribute of either width: the 64-bit nest has u64s, the old one u32s (bytes u64).
fn num(a: Attr<'_>) -> u64 {
    match a.payload.len() {
        8 => a
            .payload
            .try_into()
            .map_or(0, |b: [u8; 8]| u64::from_ne_bytes(b)),
        _ => a.u32().map_or(0, u64::from),
    }
}

/// The statistics in nest `ty` of a reply: the 64-bit ones when the kernel sends them (since
/// Linux 4.1), as keepalived prefers them.
fn counters(m: &Msg<'_>, ty: u16) -> Result<Counters, Error> {
    let a = m
        .attrs(GENL_HDRLEN)
        .ok_or(Error::Malformed("IPVS reply without genl header"))?
        .find(ty)
        .ok_or(Error::Malformed("IPVS reply without its nested attribute"))?
        .attrs();
    let mut c = Counters::default();
    if let Some(s) = a
        .clone()
        .find(ATTR_STATS64)
        .or_else(|| a.clone().find(ATTR_STATS))
    {
        for x in s.attrs().flatten() {
            if let Some(slot) = usize::from(x.ty).checked_sub(1).filter(|&i| i < 10) {
                c.0[slot] = num(x);
            }
        }
    }
    if ty == CMD_ATTR_DEST {
        for (k, slot) in [ACTIVE, INACTIVE, PERSISTENT].into_iter().enumerate() {
            let t = DEST_ATTR_ACTIVE_CONNS + k as u16;
            c.0[slot] = a.clone().find(t).and_then(|x| x.u32()).map_or(0, u64::from);
        }
    }
    Ok(c)
}

/// A service and its statistics from a GET_SERVICE reply.
pub fn parse_service_stats(m: &Msg<'_>) -> Result<(SvcKey, Counters), Error> {
    Ok((parse_service(m)?.key, counters(m, CMD_ATTR_SERVICE)?))
}

/// A destination and its statistics from a GET_DEST reply for a service of family `svc_af`.
pub fn parse_dest_stats(m: &Msg<'_>, svc_af: u16) -> Result<(DestKey, Counters), Error> {
    Ok((parse_dest(m, svc_af)?.key, counters(m, CMD_ATTR_DEST)?))
}

/// The sums, per virtual server and per server slot (slot 0 the sorry server, then the real
/// servers), for one config.
pub struct Stats {
    vs: Vec<Counters>,
    servers: Vec<Counters>,
    /// Each virtual server's first slot in `servers`.
    first: Vec<usize>,
    /// Every service of the config with its virtual server, in config order (a scan per
    /// listed service: the standard sort would cost kilobytes of code, and a reading comes
    /// at most every 5 s); `seen` says which the last dump listed (their destinations are
    /// read next).
    ours: Vec<(SvcKey, usize)>,
    seen: Vec<bool>,
}

impl Stats {
    /// Slots for `lvs`, all 0.
    pub fn new(lvs: &LvsConfig) -> Stats {
        let n = lvs.virtual_servers.len();
        let mut first = Vec::with_capacity(n);
        let mut slots = 0;
        for v in &lvs.virtual_servers {
            first.push(slots);
            slots += 1 + v.real_servers.len();
        }
        let mut ours = Vec::new();
        for (i, v) in lvs.virtual_servers.iter().enumerate() {
            for k in plan::keys(v, lvs) {
                ours.push((k, i));
            }
        }
        Stats {
            vs: vec![Counters::default(); n],
            servers: vec![Counters::default(); slots],
            first,
            seen: vec![false; ours.len()],
            ours,
        }
    }

    /// Virtual server `vs`'s sums (0 for one that is not in the kernel).
    pub fn vs(&self, vs: usize) -> Counters {
        self.vs.get(vs).copied().unwrap_or_default()
    }

    /// Slot `slot` of virtual server `vs`: 0 the sorry server, 1 + i real server i.
    pub fn server(&self, vs: usize, slot: usize) -> Counters {
        self.first
            .get(vs)
            .and_then(|f| self.servers.get(f + slot))
            .copied()
            .unwrap_or_default()
    }

    /// Every sum back to 0, before a new reading.
    pub fn clear(&mut self) {
        self.vs.fill(Counters::default());
        self.servers.fill(Counters::default());
        self.seen.fill(false);
    }

    /// A service the dump listed: added to the virtual server(s) it belongs to, if any.
    pub fn add_service(&mut self, key: &SvcKey, c: &Counters) {
        for (e, (k, vs)) in self.ours.iter().enumerate() {
            if k == key {
                self.seen[e] = true;
                if let Some(v) = self.vs.get_mut(*vs) {
                    v.add(c);
                }
            }
        }
    }

    /// How many services the config has (the indices [`Stats::listed`] takes).
    pub fn services(&self) -> usize {
        self.ours.len()
    }

    /// Service `e` of the config if the last dump listed it: its destinations are read next.
    pub fn listed(&self, e: usize) -> Option<SvcKey> {
        self.ours.get(e).filter(|_| self.seen[e]).map(|x| x.0)
    }

    /// A destination of service `e` (of [`Stats::listed`]): added to the server it matches.
    pub fn add_dest(&mut self, lvs: &LvsConfig, e: usize, d: &DestKey, c: &Counters) {
        let Some(&(_, vs)) = self.ours.get(e) else {
            return;
        };
        let (Some(v), Some(&first)) = (lvs.virtual_servers.get(vs), self.first.get(vs)) else {
            return;
        };
        let is = |ip, port: u16| ip == d.ip && (port == 0 || port == d.port);
        // A server without a port of its own has the service's (keepalived's addresses).
        let vs_port = match &v.addr {
            VsAddr::Ip { port, .. } => port.unwrap_or(0),
            _ => 0,
        };
        let slot = match &v.sorry_server {
            Some(s) if is(s.ip, s.port.unwrap_or(vs_port)) => Some(0),
            _ => v
                .real_servers
                .iter()
                .position(|r| is(r.ip, r.port.unwrap_or(vs_port)))
                .map(|i| i + 1),
        };
        if let Some(s) = slot.and_then(|s| self.servers.get_mut(first + s)) {
            s.add(c);
        }
    }
}
