//! One notification's varbinds, built on the stack by the children's trap builders
//! (src/vrrp/snmp/traps.rs, src/check/snmp/traps.rs): snmpTrapOID.0 first, then each object's
//! name in a fixed array and its value held inline or borrowed from the caller's state, so a
//! trap allocates nothing. No sysUpTime.0: the master agent puts its own first.

use super::mib::Value;

/// SNMPv2-MIB::snmpTrapOID.0
const SNMP_TRAP_OID: &[u32] = &[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
/// The most varbinds a trap has (the checker's realServerStateChange on an address service).
const VARBINDS: usize = 13;
/// The longest name: VRRPV3-MIB's root, 6 sub-identifiers and a 3-part index.
const NAME_LEN: usize = 16;

/// A value held by the trap or borrowed from the caller's state.
#[derive(Clone, Copy)]
pub(crate) enum Held<'a> {
    Oid(&'static [u32]),
    Int(i32),
    Gauge(u32),
    Text(&'a [u8]),
    Ip([u8; 4]),
    Octets([u8; 16], usize),
}

pub(crate) struct Trap<'a> {
    len: usize,
    names: [heapless::Vec<u32, NAME_LEN>; VARBINDS],
    values: [Held<'a>; VARBINDS],
}

impl<'a> Trap<'a> {
    /// A trap whose snmpTrapOID.0 is `id`.
    pub(crate) fn new(id: &'static [u32]) -> Trap<'a> {
        let mut t = Trap {
            len: 0,
            names: Default::default(),
            values: [Held::Int(0); VARBINDS],
        };
        t.push(&[SNMP_TRAP_OID], Held::Oid(id));
        t
    }

    /// Appends a varbind named by `parts` joined.
    pub(crate) fn push(&mut self, parts: &[&[u32]], v: Held<'a>) {
        let Some(name) = self.names.get_mut(self.len) else {
            return;
        };
        name.clear();
        for p in parts {
            // Every name the builders make fits NAME_LEN (their tests build each kind).
            let _ = name.extend_from_slice(p);
        }
        self.values[self.len] = v;
        self.len += 1;
    }

    /// Runs `f` with the varbinds as the AgentX Notify takes them.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&[(&[u32], Value<'_>)]) -> R) -> R {
        let mut vbs: heapless::Vec<(&[u32], Value<'_>), VARBINDS> = heapless::Vec::new();
        for (name, held) in self.names.iter().zip(&self.values).take(self.len) {
            let v = match held {
                Held::Oid(o) => Value::ObjectId(o),
                Held::Int(x) => Value::Integer(*x),
                Held::Gauge(x) => Value::Gauge32(*x),
                Held::Text(t) => Value::OctetString(t),
                Held::Ip(a) => Value::IpAddress(*a),
                Held::Octets(b, n) => Value::OctetString(&b[..*n]),
            };
            // VARBINDS places for at most VARBINDS names: never full.
            let _ = vbs.push((name.as_slice(), v));
        }
        f(&vbs)
    }
}
