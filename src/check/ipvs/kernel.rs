//! The IPVS socket: resolves the generic netlink family once, applies ops and reads the
//! kernel's table back. Every request is acknowledged by the kernel at once, so these
//! blocking calls never stall the loop for longer than a syscall.

use super::table::{Entry, Op, SvcKey};
use super::wire::{self, Timeouts, REQ_BUF_LEN};
use crate::net::netlink::{Conn, Error};

pub struct Ipvs {
    conn: Conn,
    family: u16,
    req: [u8; REQ_BUF_LEN],
}

impl Ipvs {
    /// Opens the socket and finds the "IPVS" family; fails (ENOENT from the controller) when
    /// the kernel has no IPVS or the module is not loaded.
    pub fn open() -> Result<Ipvs, Error> {
        let mut conn = Conn::open(netlink_sys::protocols::NETLINK_GENERIC)?;
        let mut req = [0u8; REQ_BUF_LEN];
        let seq = conn.next_seq();
        let msg = wire::get_family(&mut req, seq, wire::IPVS_GENL_NAME)?;
        let mut family = None;
        conn.dump(msg, |m| {
            family = family.or(wire::family_id(m));
            Ok(())
        })?;
        let family = family.ok_or(Error::Malformed("genl controller reply without family id"))?;
        Ok(Ipvs { conn, family, req })
    }

    pub fn apply(&mut self, op: &Op) -> Result<(), Error> {
        let seq = self.conn.next_seq();
        let msg = wire::op(&mut self.req, self.family, seq, op)?;
        self.conn.request(msg)
    }

    /// Empties the kernel's whole table, ours and anyone else's.
    pub fn flush(&mut self) -> Result<(), Error> {
        let seq = self.conn.next_seq();
        let msg = wire::flush(&mut self.req, self.family, seq)?;
        self.conn.request(msg)
    }

    pub fn set_timeouts(&mut self, t: &Timeouts) -> Result<(), Error> {
        let seq = self.conn.next_seq();
        let msg = wire::set_config(&mut self.req, self.family, seq, t)?;
        self.conn.request(msg)
    }

    pub fn timeouts(&mut self) -> Result<Timeouts, Error> {
        let seq = self.conn.next_seq();
        let msg = wire::get_config(&mut self.req, self.family, seq)?;
        let mut out = None;
        self.conn.dump(msg, |m| {
            out = Some(wire::parse_config(m)?);
            Ok(())
        })?;
        out.ok_or(Error::Malformed("no IPVS config reply"))
    }

    /// The kernel's whole table, services with their destinations, into `out` (cleared first).
    pub fn read(&mut self, out: &mut Vec<Entry>) -> Result<(), Error> {
        out.clear();
        let seq = self.conn.next_seq();
        let msg = wire::get_services(&mut self.req, self.family, seq)?;
        let mut err = None;
        self.conn.dump(msg, |m| {
            match wire::parse_service(m) {
                Ok(svc) => out.push(Entry {
                    svc,
                    dests: Vec::new(),
                }),
                Err(e) => {
                    err.get_or_insert(e);
                }
            }
            Ok(())
        })?;
        if let Some(e) = err {
            return Err(e);
        }
        for e in out.iter_mut() {
            self.read_dests(&e.svc.key, &mut e.dests)?;
        }
        Ok(())
    }

    fn read_dests(&mut self, key: &SvcKey, out: &mut Vec<super::table::Dest>) -> Result<(), Error> {
        let seq = self.conn.next_seq();
        let msg = wire::get_dests(&mut self.req, self.family, seq, key)?;
        let af = key.af();
        self.conn.dump(msg, |m| {
            out.push(wire::parse_dest(m, af)?);
            Ok(())
        })
    }

    /// The kernel's statistics for the services of `lvs` into `out` (cleared first): one
    /// dump of the services, then one of the destinations of each service that is ours.
    #[cfg(feature = "snmp")]
    pub fn read_stats(
        &mut self,
        lvs: &crate::config::lvs::LvsConfig,
        out: &mut super::stats::Stats,
    ) -> Result<(), Error> {
        use super::stats::{parse_dest_stats, parse_service_stats};
        out.clear();
        let seq = self.conn.next_seq();
        let msg = wire::get_services(&mut self.req, self.family, seq)?;
        // Both dumps through one `dyn` callback type: one copy of `dump` in the binary.
        let each: &mut dyn FnMut(&crate::net::netlink::Msg<'_>) -> Result<(), Error> = &mut |m| {
            // A service we cannot read is not one of ours to count.
            if let Ok((key, c)) = parse_service_stats(m) {
                out.add_service(&key, &c);
            }
            Ok(())
        };
        self.conn.dump(msg, each)?;
        for e in 0..out.services() {
            let Some(key) = out.listed(e) else { continue };
            let seq = self.conn.next_seq();
            let msg = wire::get_dests(&mut self.req, self.family, seq, &key)?;
            let af = key.af();
            let each: &mut dyn FnMut(&crate::net::netlink::Msg<'_>) -> Result<(), Error> =
                &mut |m| {
                    if let Ok((d, c)) = parse_dest_stats(m, af) {
                        out.add_dest(lvs, e, &d, &c);
                    }
                    Ok(())
                };
            self.conn.dump(msg, each)?;
        }
        Ok(())
    }
}
