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
pub enum State {
    Master,
    Backup,
}

/// An instance is IPv4 or IPv6 as its addresses are.
pub use super::super::iproute::Family;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthType {
    Pass,
    Ah,
}

/// `authentication { auth_type PASS|AH; auth_pass X }`; the password is zero-padded to 8 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Auth {
    pub auth_type: Option<AuthType>,
    pub pass: [u8; 8],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnicastPeer {
    pub loc: Loc,
    pub addr: IpAddr,
    pub min_ttl: u8,
    pub max_ttl: u8,
}

/// `use_vmac [NAME] [MAC]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vmac {
    pub ifname: Option<String>,
    pub mac: Option<[u8; 6]>,
    /// Only five octets were given: the last is the VRID.
    pub mac_use_vrid: bool,
}

#[derive(Clone, Debug, Default)]
pub struct VrrpInstance {
    pub loc: Loc,
    /// Line of the block's closing brace (keepalived's end-of-block checks report there).
    pub end_line: u32,
    pub name: String,
    pub state: Option<State>,
    pub interface: Option<String>,
    pub vrf: Option<String>,
    pub use_vmac: Option<Vmac>,
    pub use_vmac_addr: bool,
    pub vmac_xmit_base: bool,
    /// `use_ipvlan` arguments as written.
    pub use_ipvlan: Option<Vec<String>>,
    pub native_ipv6: bool,
    pub dont_track_primary: bool,
    pub track: TrackList,
    /// `mcast_src_ip` / `unicast_src_ip` (one setting in keepalived).
    pub src_ip: Option<IpAddr>,
    pub mcast_dst_ip: Option<IpAddr>,
    pub track_src_ip: bool,
    pub unicast_peers: Vec<UnicastPeer>,
    /// Some unicast keyword was given (even with no peers).
    pub unicast_configured: bool,
    pub unicast_fault_no_peer: bool,
    pub check_unicast_src: bool,
    pub unicast_ttl: Option<u8>,
    pub old_unicast_checksum: Option<bool>,
    pub version: Option<u8>,
    pub vrid: Option<u8>,
    pub priority: Option<u8>,
    pub advert_int: Option<Micros>,
    pub auth: Option<Auth>,
    pub vips: Vec<IpAddress>,
    pub evips: Vec<IpAddress>,
    pub routes: Vec<Route>,
    pub rules: Vec<Rule>,
    pub no_virtual_ipaddress: bool,
    pub promote_secondaries: bool,
    pub nopreempt: bool,
    pub preempt_delay: Micros,
    pub strict_mode: Option<bool>,
    pub garp_master_delay: Option<Micros>,
    pub garp_master_repeat: Option<u32>,
    pub garp_master_refresh: Option<Micros>,
    pub garp_master_refresh_repeat: Option<u32>,
    pub garp_lower_prio_delay: Option<Micros>,
    pub garp_lower_prio_repeat: Option<u32>,
    /// `garp_extra_if [all] SECS`: (interval, all).
    pub garp_extra_if: Option<(Micros, bool)>,
    pub down_timer_adverts: Option<u32>,
    /// `timer_expired_backup [PRIO]`.
    pub timer_expired_backup: Option<Option<u8>>,
    pub lower_prio_no_advert: Option<bool>,
    pub higher_prio_send_advert: Option<bool>,
    pub owner_ignore_adverts: bool,
    pub accept: Option<bool>,
    pub skip_check_adv_addr: bool,
    pub v3_checksum_as_v2: bool,
    pub linkbeat_use_polling: bool,
    pub debug: u8,
    pub kernel_rx_buf_size: Option<u64>,
    pub notify: Notify,
    pub smtp_alert: Option<bool>,
    pub notify_priority_changes: Option<bool>,
    /// The family fixed by the first address read (VIP, peer or source), as keepalived does.
    pub family: Option<Family>,
    /// Effective values, filled in by `check`.
    pub resolved: Resolved,
}

impl VrrpInstance {
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
