//! rtnetlink: adding and deleting addresses, dumping links and addresses, and the reflector
//! (link and address notifications), over our own encoder in `net::netlink`.

mod kind;
#[cfg(test)]
mod kind_tests;
mod link;
mod reflector;
pub(crate) mod route;
pub(crate) mod rule;
pub(crate) mod spec;
#[cfg(test)]
mod tests;
mod wire;

#[cfg(test)]
use std::ffi::CStr;

use netlink_sys::protocols::NETLINK_ROUTE;

pub use kind::LinkKind;
pub use reflector::{event_from, Event, Reflector, MONITOR_RCVBUF};
pub(crate) use route::encode_route;
pub(crate) use rule::encode_rule;
pub(crate) use spec::{RouteSpec, RuleSpec};
pub use wire::*;

use crate::net::netlink::{Conn, Error};

/// Room for one address request: header, ifaddrmsg and at most six small attributes.
const REQ_LEN: usize = 256;
/// A dump racing with changes is read again this many times before giving up.
pub(crate) const DUMP_TRIES: usize = 3;

/// A request socket for rtnetlink. Requests block until the kernel acknowledges them,
/// which it does before the send returns, so this is safe to use from the event loop.
pub struct Rtnl {
    conn: Conn,
}

impl Rtnl {
    pub fn open() -> Result<Self, Error> {
        Ok(Rtnl {
            conn: Conn::open(NETLINK_ROUTE)?,
        })
    }

    /// Adds an address; an address already present fails with EEXIST.
    pub fn add_address(&mut self, spec: &AddrSpec<'_>) -> Result<(), Error> {
        let mut buf = [0u8; REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = encode_addr(&mut buf, seq, spec, false)?;
        self.conn.request(msg)
    }

    /// Deletes an address; one not present fails with EADDRNOTAVAIL.
    pub fn del_address(&mut self, spec: &AddrSpec<'_>) -> Result<(), Error> {
        let mut buf = [0u8; REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = encode_addr(&mut buf, seq, spec, true)?;
        self.conn.request(msg)
    }

    /// Adds (or with `delete`, removes) a configured route; `ifindex` resolves device names.
    pub(crate) fn route<'r>(
        &mut self,
        r: impl Into<RouteSpec<'r>>,
        delete: bool,
        ifindex: &dyn Fn(&str) -> Option<u32>,
    ) -> Result<(), Error> {
        let mut buf = [0u8; route::ROUTE_REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = encode_route(&mut buf, seq, r, delete, ifindex)?;
        self.conn.request(msg)
    }

    /// Adds (or with `delete`, removes) a configured policy routing rule.
    pub(crate) fn rule<'r>(
        &mut self,
        r: impl Into<RuleSpec<'r>>,
        delete: bool,
    ) -> Result<(), Error> {
        let mut buf = [0u8; rule::RULE_REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = encode_rule(&mut buf, seq, r, delete)?;
        self.conn.request(msg)
    }

    /// Creates a private-mode macvlan `name` with `mac` on `parent`.
    pub(crate) fn create_macvlan(
        &mut self,
        name: &str,
        parent: u32,
        mac: &[u8; 6],
        group: u32,
    ) -> Result<(), Error> {
        let mut buf = [0u8; link::LINK_REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = link::encode_macvlan_create(&mut buf, seq, name, parent, mac, group)?;
        self.conn.request(msg)
    }

    /// Turns off the kernel's automatic IPv6 link-local address on `ifindex`.
    pub(crate) fn set_addr_gen_none(&mut self, ifindex: u32) -> Result<(), Error> {
        let mut buf = [0u8; link::LINK_REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = link::encode_addr_gen_none(&mut buf, seq, ifindex)?;
        self.conn.request(msg)
    }

    pub(crate) fn set_link_up(&mut self, ifindex: u32, up: bool) -> Result<(), Error> {
        let mut buf = [0u8; link::LINK_REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = link::encode_link_updown(&mut buf, seq, ifindex, up)?;
        self.conn.request(msg)
    }

    pub(crate) fn del_link(&mut self, ifindex: u32) -> Result<(), Error> {
        let mut buf = [0u8; link::LINK_REQ_LEN];
        let seq = self.conn.next_seq();
        let msg = link::encode_link_del(&mut buf, seq, ifindex)?;
        self.conn.request(msg)
    }

    pub fn links(&mut self) -> Result<Vec<Link>, Error> {
        self.dump_retrying(DUMP_TRIES, encode_link_dump, |m| {
            (m.ty == RTM_NEWLINK).then(|| decode_link(m)).transpose()
        })
    }

    /// Every address of both families on every interface.
    pub fn addresses(&mut self) -> Result<Vec<AddrInfo>, Error> {
        self.addresses_tries(DUMP_TRIES)
    }

    /// [`Rtnl::addresses`], giving up after `tries` interrupted reads: a caller that must not
    /// block long (the event loop, during a flood of changes) retries later instead.
    pub(crate) fn addresses_tries(&mut self, tries: usize) -> Result<Vec<AddrInfo>, Error> {
        self.dump_retrying(tries, encode_addr_dump, |m| {
            (m.ty == RTM_NEWADDR).then(|| decode_addr(m)).transpose()
        })
    }

    fn dump_retrying<T>(
        &mut self,
        max_tries: usize,
        encode: fn(&mut [u8], u32) -> Result<&[u8], Error>,
        decode: impl Fn(&crate::net::netlink::Msg<'_>) -> Result<Option<T>, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut tries = 0;
        loop {
            let mut buf = [0u8; REQ_LEN];
            let seq = self.conn.next_seq();
            let msg = encode(&mut buf, seq)?;
            let mut out = Vec::new();
            let r = self.conn.dump(msg, |m| {
                if let Some(v) = decode(m)? {
                    out.push(v);
                }
                Ok(())
            });
            tries += 1;
            match r {
                Ok(()) => return Ok(out),
                Err(Error::DumpInterrupted) if tries < max_tries => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// The index of interface `name` in the calling thread's network namespace.
pub use super::iface::index as if_nametoindex;

/// The name of interface `ifindex`, or `None` when there is none.
#[cfg(test)]
fn if_indextoname(ifindex: u32) -> Option<IfName> {
    let mut c = [0u8; libc::IF_NAMESIZE];
    // SAFETY: the buffer is IF_NAMESIZE bytes, as the call requires.
    let p = unsafe { libc::if_indextoname(ifindex, c.as_mut_ptr().cast()) };
    if p.is_null() {
        return None;
    }
    let s = CStr::from_bytes_until_nul(&c).ok()?.to_str().ok()?;
    Some(ifname(s))
}
