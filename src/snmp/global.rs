//! KEEPALIVED-MIB's global group (keepalived.1): version, router id, the mail settings and
//! the global switches, with the values keepalived 2.2.7 serves for the same global_defs,
//! oddities included:
//! - version is keepalived's own banner, "Keepalived v2.2.7 (01/16,2022)", so templates that
//!   parse it keep working;
//! - without smtp_server the address type is ipv6(2) over four zero bytes, the timeout and
//!   port are 0 and emailFrom is absent (with one, they take keepalived's defaults: 30 s,
//!   port 25, user@host);
//! - linkBeat is netlink(1) even with linkbeat_use_polling, and ipvs64BitStats is true(1),
//!   as Debian's build reports them.
//!
//! The values are taken from the config when the table is built (start and reload): a
//! request only reads them.

use std::net::IpAddr;

use super::mib::{Mib, Oid, Value, KEEPALIVED};
use crate::config::global::{GlobalDefs, LvsFlushOnStop};

/// keepalived.global
pub(crate) const GLOBAL: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 1];
/// keepalived 2.2.7's banner, as its SNMP version object serves it.
const VERSION: &[u8] = b"Keepalived v2.2.7 (01/16,2022)";
const SMTP_TIMEOUT_DEFAULT: u32 = 30;
const _: () = assert!(GLOBAL.len() == KEEPALIVED.len() + 1);

/// An SMI enumeration for a switch: enabled(1) / disabled(2), also true(1) / false(2).
fn on_off(b: bool) -> i32 {
    if b {
        1
    } else {
        2
    }
}

/// on(1), off(2), unset(3).
fn tri(b: Option<bool>) -> i32 {
    b.map_or(3, on_off)
}

pub(crate) struct Global {
    router_id: String,
    smtp_v6: bool,
    smtp_addr: heapless::Vec<u8, 16>,
    smtp_timeout: u32,
    smtp_port: u32,
    email_from: Option<String>,
    emails: Vec<String>,
    email_faults: i32,
    smtp_alert: [i32; 3],
    traps: i32,
    lvs_flush: i32,
    net_namespace: String,
    dbus: i32,
    dynamic_interfaces: i32,
    lvs_flush_on_stop: i32,
}

impl Global {
    pub(crate) fn new(g: &GlobalDefs) -> Global {
        let e = &g.email;
        let host = crate::core::smtp::host_defaults();
        let server = e.smtp_server.as_ref().map(|(h, port)| {
            let ip = h
                .parse::<IpAddr>()
                .ok()
                .or_else(|| crate::core::resolve::socket_addr(h, *port).map(|a| a.ip()));
            (ip, *port)
        });
        let mut smtp_addr = heapless::Vec::new();
        let smtp_v6 = match server {
            Some((Some(IpAddr::V4(a)), _)) => {
                let _ = smtp_addr.extend_from_slice(&a.octets());
                false
            }
            Some((Some(IpAddr::V6(a)), _)) => {
                let _ = smtp_addr.extend_from_slice(&a.octets());
                true
            }
            // keepalived reads an unset address as IPv6's type over IPv4's four bytes.
            _ => {
                let _ = smtp_addr.extend_from_slice(&[0; 4]);
                true
            }
        };
        let configured = server.is_some();
        Global {
            router_id: g.router_id.clone().unwrap_or(host.router_id),
            smtp_v6,
            smtp_addr,
            smtp_timeout: e.connect_timeout.unwrap_or(if configured {
                SMTP_TIMEOUT_DEFAULT
            } else {
                0
            }),
            smtp_port: server.map_or(0, |s| u32::from(s.1)),
            email_from: e.from.clone().or_else(|| configured.then_some(host.from)),
            emails: e.to.clone(),
            email_faults: on_off(!e.no_email_faults),
            smtp_alert: [
                tri(e.smtp_alert),
                tri(e.smtp_alert_vrrp),
                tri(e.smtp_alert_checker),
            ],
            traps: on_off(g.snmp.traps),
            lvs_flush: on_off(g.lvs.flush),
            net_namespace: g.net_namespace.clone().unwrap_or_default(),
            dbus: on_off(g.snmp.dbus),
            dynamic_interfaces: on_off(g.dynamic_interfaces),
            lvs_flush_on_stop: match g.lvs.flush_on_stop {
                Some(LvsFlushOnStop::Full) => 1,
                Some(LvsFlushOnStop::Vs) => 3,
                None => 2,
            },
        }
    }

    /// The group's objects in OID order: object `i` below [`GLOBAL`] into `oid`, and its
    /// value (None: absent). None past the last.
    fn object(&self, i: usize, oid: &mut Oid) -> Option<Option<Value<'_>>> {
        let n = self.emails.len();
        let (sub, v): (&[u32], Option<Value<'_>>) = match i {
            0 => (&[1, 0], Some(Value::OctetString(VERSION))),
            1 => (&[2, 0], Some(Value::OctetString(self.router_id.as_bytes()))),
            2 => (
                &[3, 1, 0],
                Some(Value::Integer(1 + i32::from(self.smtp_v6))),
            ),
            3 => (&[3, 2, 0], Some(Value::OctetString(&self.smtp_addr))),
            4 => (&[3, 3, 0], Some(Value::Gauge32(self.smtp_timeout))),
            5 => (
                &[3, 4, 0],
                self.email_from
                    .as_deref()
                    .map(|f| Value::OctetString(f.as_bytes())),
            ),
            k if k >= 6 && k < 6 + n => {
                let row = k - 6;
                oid.clear();
                let _ = oid.extend_from_slice(GLOBAL);
                let _ = oid.extend_from_slice(&[3, 5, 1, 2]);
                let _ = oid.push(row as u32 + 1);
                return Some(Some(Value::OctetString(self.emails[row].as_bytes())));
            }
            k => {
                let v: (&[u32], Value<'_>) = match k - n {
                    6 => (&[3, 6, 0], Value::Gauge32(self.smtp_port)),
                    7 => (&[3, 7, 0], Value::Integer(self.email_faults)),
                    8 => (&[3, 8, 0], Value::Integer(self.smtp_alert[0])),
                    9 => (&[3, 9, 0], Value::Integer(self.smtp_alert[1])),
                    10 => (&[3, 10, 0], Value::Integer(self.smtp_alert[2])),
                    11 => (&[4, 0], Value::Integer(self.traps)),
                    12 => (&[5, 0], Value::Integer(1)),
                    13 => (&[6, 0], Value::Integer(self.lvs_flush)),
                    14 => (&[7, 0], Value::Integer(1)),
                    15 => (&[8, 0], Value::OctetString(self.net_namespace.as_bytes())),
                    16 => (&[9, 0], Value::Integer(self.dbus)),
                    17 => (&[10, 0], Value::Integer(self.dynamic_interfaces)),
                    18 => (&[11, 0], Value::Integer(self.lvs_flush_on_stop)),
                    _ => return None,
                };
                (v.0, Some(v.1))
            }
        };
        oid.clear();
        let _ = oid.extend_from_slice(GLOBAL);
        let _ = oid.extend_from_slice(sub);
        Some(v)
    }
}

/// The group's objects below [`GLOBAL`]: its scalars and the email table's one column.
const OBJECTS: &[&[u32]] = &[
    &[1],
    &[2],
    &[3, 1],
    &[3, 2],
    &[3, 3],
    &[3, 4],
    &[3, 5, 1, 2],
    &[3, 6],
    &[3, 7],
    &[3, 8],
    &[3, 9],
    &[3, 10],
    &[4],
    &[5],
    &[6],
    &[7],
    &[8],
    &[9],
    &[10],
    &[11],
];

impl Mib for Global {
    fn root(&self) -> &[u32] {
        GLOBAL
    }

    /// keepalived registers each of these objects with the master, so below one of them a
    /// missing instance (emailFrom unset, an email row past the last) is noSuchInstance.
    fn has_object(&self, oid: &[u32]) -> Option<bool> {
        let sub = oid.strip_prefix(GLOBAL).unwrap_or(&[]);
        Some(OBJECTS.iter().any(|o| sub.starts_with(o)))
    }

    fn get<'a>(&'a self, oid: &[u32], _: &'a mut [u8]) -> Option<Value<'a>> {
        let mut at = Oid::new();
        (0..)
            .map_while(|i| self.object(i, &mut at).map(|v| (at.as_slice() == oid, v)))
            .find_map(|(hit, v)| hit.then_some(v))
            .flatten()
    }

    fn next<'a>(&'a self, after: &[u32], found: &mut Oid, _: &'a mut [u8]) -> Option<Value<'a>> {
        for i in 0.. {
            match self.object(i, found)? {
                Some(v) if found.as_slice() > after => return Some(v),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "global_tests.rs"]
mod tests;
