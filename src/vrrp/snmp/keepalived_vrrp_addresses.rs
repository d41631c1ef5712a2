//! vrrpAddressTable (keepalived.vrrp.6): static addresses under instance 0, then each
//! instance's VIPs and excluded VIPs, as keepalived 2.2.7 serves them (only the first
//! instance's VIPs "advertised"; static addresses set since start and never advertised).

use std::net::IpAddr;

use super::keepalived_vrrp_values::{gauge, inet, inet_type, text, truth};
use crate::config::iproute::IpAddress;
use crate::snmp::mib::Value;
use crate::vrrp::dump::View;

/// keepalived's scope numbers for the InetScopeType column.
fn scope(s: u8) -> i32 {
    match s {
        0 => 14,
        254 => 1,
        253 => 2,
        200 => 5,
        _ => 0,
    }
}

pub(super) fn address<'a>(
    v: &'a View<'_>,
    i: usize,
    k: usize,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let inst = &v.get(i)?;
    let c = inst.conf;
    // keepalived marks a VIP advertised only in the first instance: its walk clears the flag
    // on reaching the first instance's excluded addresses and never sets it again.
    let advertised = i == 0 && k < c.vips.len();
    let a: &IpAddress = c.vip_at(k)?;
    let dev = v.vip_ifindex(i, k);
    let ifindex = dev.unwrap_or(inst.ifindex);
    let ifname = match dev.and_then(|x| v.ifaces.by_index(x)) {
        Some(x) => x.name.as_str(),
        None => a.dev.as_deref().unwrap_or(inst.ifname),
    };
    Some(match col {
        7 => Value::Integer(i32::try_from(ifindex).unwrap_or(i32::MAX)),
        8 => text(ifname),
        10 => truth(inst.fsm.vips_set()),
        11 => truth(advertised),
        _ => return address_cell(a, col, scratch),
    })
}

/// The columns an address shows from its config alone.
fn address_cell<'a>(a: &'a IpAddress, col: u32, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    Some(match col {
        2 => inet_type(&a.addr),
        3 => inet(&a.addr, scratch),
        4 if a.addr.is_ipv4() => inet(
            &IpAddr::V4(a.broadcast.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)),
            scratch,
        ),
        5 => gauge(a.prefix_len.into()),
        6 => Value::Integer(scope(a.scope.unwrap_or(0))),
        9 => text(a.label.as_deref()?),
        12 => inet(a.peer.as_ref()?, scratch),
        _ => return None,
    })
}

/// Static address `k`: set since start, never advertised.
pub(super) fn static_address<'a>(
    v: &'a View<'_>,
    k: usize,
    col: u32,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let a = v.cfg.net.addresses.get(k)?;
    let dev = a.dev.as_deref();
    match col {
        7 => Some(Value::Integer(
            i32::try_from(v.ifaces.by_name(dev?)?.ifindex).unwrap_or(i32::MAX),
        )),
        8 => Some(text(dev?)),
        10 => Some(truth(true)),
        11 => Some(truth(false)),
        _ => address_cell(a, col, scratch),
    }
}
