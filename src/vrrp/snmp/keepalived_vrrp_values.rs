//! The SMI values keepalived 2.2.7's KEEPALIVED-MIB handlers build, shared by its tables:
//! its state numbers, TruthValues, addresses as octet strings, a script as its cmd_str.

use std::net::IpAddr;

use crate::config::track::ScriptCmd;
use crate::core::script_security::shown;
use crate::snmp::mib::Value;
use crate::vrrp::fsm::State;

pub(super) fn state(s: State) -> Value<'static> {
    Value::Integer(match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Stop => 4,
    })
}

pub(super) fn truth(b: bool) -> Value<'static> {
    Value::Integer(if b { 1 } else { 2 })
}

pub(super) fn gauge(x: u64) -> Value<'static> {
    Value::Gauge32(u32::try_from(x).unwrap_or(u32::MAX))
}

pub(super) fn gauge32(x: u32) -> Value<'static> {
    Value::Gauge32(x)
}

pub(super) fn text(s: &str) -> Value<'_> {
    Value::OctetString(s.as_bytes())
}

pub(super) fn copy(from: &[u8], to: &mut [u8]) -> usize {
    let n = from.len().min(to.len());
    to[..n].copy_from_slice(&from[..n]);
    n
}

/// An address, in the scratch buffer.
pub(super) fn inet<'a>(a: &IpAddr, scratch: &'a mut [u8]) -> Value<'a> {
    let n = match a {
        IpAddr::V4(x) => copy(&x.octets(), scratch),
        IpAddr::V6(x) => copy(&x.octets(), scratch),
    };
    Value::OctetString(&scratch[..n])
}

pub(super) fn inet_type(a: &IpAddr) -> Value<'static> {
    Value::Integer(if a.is_ipv4() { 1 } else { 2 })
}

/// keepalived's cmd_str: every word in single quotes, a leading redirection as it is. The
/// program shows as keepalived resolved it at load (PATH, links), as written if it is gone.
pub(super) fn command<'a>(c: &ScriptCmd, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    let mut n = 0;
    for (k, w) in c.argv.iter().enumerate() {
        let bare = k == 0 && w.starts_with(['<', '>']);
        let resolved = if k == 0 && !bare { shown(w) } else { None };
        for part in [
            if k > 0 { " " } else { "" },
            if bare { "" } else { "'" },
            resolved.as_deref().unwrap_or(w),
            if bare { "" } else { "'" },
        ] {
            n += copy(part.as_bytes(), &mut scratch[n..]);
        }
    }
    (n > 0).then_some(Value::OctetString(&scratch[..n]))
}
