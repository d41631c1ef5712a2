//! What a `vrrp_instance NAME { ... }` holds: every setting keepalived 2.2.7 accepts, as read
//! (`parse`, `keywords`, `blocks` read them). Values keepalived derives from other settings
//! (version, priority from state, accept mode ...) are left unset and resolved by `check` once
//! the whole file is read.

use std::net::IpAddr;

use super::super::diag::Loc;
use super::super::iproute::{IpAddress, Route, Rule};
use super::super::track::TrackList;
use super::notify::Notify;
use super::Resolved;
use crate::core::time::Micros;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Master,
    Backup,
}

/// An instance is IPv4 or IPv6 as its addresses are.
pub(crate) use super::super::iproute::Family;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthType {
    Pass,
    Ah,
}

/// `authentication { auth_type PASS|AH; auth_pass X }`; the password is zero-padded to 8 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Auth {
    pub(crate) auth_type: Option<AuthType>,
    pub(crate) pass: [u8; 8],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnicastPeer {
    pub(crate) loc: Loc,
    pub(crate) addr: IpAddr,
    pub(crate) min_ttl: u8,
    pub(crate) max_ttl: u8,
}

/// `use_vmac [NAME] [MAC]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Vmac {
    pub(crate) ifname: Option<String>,
    pub(crate) mac: Option<[u8; 6]>,
    /// Only five octets were given: the last is the VRID.
    pub(crate) mac_use_vrid: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct VrrpInstance {
    pub(crate) loc: Loc,
    /// Line of the block's closing brace (keepalived's end-of-block checks report there).
    pub(crate) end_line: u32,
    pub(crate) name: String,
    pub(crate) state: Option<State>,
    pub(crate) interface: Option<String>,
    pub(crate) vrf: Option<String>,
    pub(crate) use_vmac: Option<Vmac>,
    pub(crate) use_vmac_addr: bool,
    pub(crate) vmac_xmit_base: bool,
    /// `use_ipvlan` arguments as written.
    pub(crate) use_ipvlan: Option<Vec<String>>,
    pub(crate) native_ipv6: bool,
    pub(crate) dont_track_primary: bool,
    pub(crate) track: TrackList,
    /// `mcast_src_ip` / `unicast_src_ip` (one setting in keepalived).
    pub(crate) src_ip: Option<IpAddr>,
    pub(crate) mcast_dst_ip: Option<IpAddr>,
    pub(crate) track_src_ip: bool,
    pub(crate) unicast_peers: Vec<UnicastPeer>,
    /// Some unicast keyword was given (even with no peers).
    pub(crate) unicast_configured: bool,
    pub(crate) unicast_fault_no_peer: bool,
    pub(crate) check_unicast_src: bool,
    pub(crate) unicast_ttl: Option<u8>,
    pub(crate) old_unicast_checksum: Option<bool>,
    pub(crate) version: Option<u8>,
    pub(crate) vrid: Option<u8>,
    pub(crate) priority: Option<u8>,
    pub(crate) advert_int: Option<Micros>,
    pub(crate) auth: Option<Auth>,
    pub(crate) vips: Vec<IpAddress>,
    pub(crate) evips: Vec<IpAddress>,
    pub(crate) routes: Vec<Route>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) no_virtual_ipaddress: bool,
    pub(crate) promote_secondaries: bool,
    pub(crate) nopreempt: bool,
    pub(crate) preempt_delay: Micros,
    pub(crate) strict_mode: Option<bool>,
    pub(crate) garp_master_delay: Option<Micros>,
    pub(crate) garp_master_repeat: Option<u32>,
    pub(crate) garp_master_refresh: Option<Micros>,
    pub(crate) garp_master_refresh_repeat: Option<u32>,
    pub(crate) garp_lower_prio_delay: Option<Micros>,
    pub(crate) garp_lower_prio_repeat: Option<u32>,
    /// `garp_extra_if [all] SECS`: (interval, all).
    pub(crate) garp_extra_if: Option<(Micros, bool)>,
    pub(crate) down_timer_adverts: Option<u32>,
    /// `timer_expired_backup [PRIO]`.
    pub(crate) timer_expired_backup: Option<Option<u8>>,
    pub(crate) lower_prio_no_advert: Option<bool>,
    pub(crate) higher_prio_send_advert: Option<bool>,
    pub(crate) owner_ignore_adverts: bool,
    pub(crate) accept: Option<bool>,
    pub(crate) skip_check_adv_addr: bool,
    pub(crate) v3_checksum_as_v2: bool,
    pub(crate) linkbeat_use_polling: bool,
    pub(crate) debug: u8,
    pub(crate) kernel_rx_buf_size: Option<u64>,
    pub(crate) notify: Notify,
    pub(crate) smtp_alert: Option<bool>,
    pub(crate) notify_priority_changes: Option<bool>,
    /// The family fixed by the first address read (VIP, peer or source), as keepalived does.
    pub(crate) family: Option<Family>,
    /// Effective values, filled in by `check`.
    pub(crate) resolved: Resolved,
}

impl VrrpInstance {
    /// The `k`th address of the VIPs then the eVIPs (indexing, not `chain(..).nth(k)`:
    /// smaller code).
    pub(crate) fn vip_at(&self, k: usize) -> Option<&IpAddress> {
        match k.checked_sub(self.vips.len()) {
            None => self.vips.get(k),
            Some(e) => self.evips.get(e),
        }
    }

    /// Fixes the family on the first address; false when `a` is of the other one.
    pub(super) fn set_family(&mut self, a: &IpAddr) -> bool {
        let f = Family::of(a);
        match self.family {
            None => {
                self.family = Some(f);
                true
            }
            Some(g) => g == f,
        }
    }
}
