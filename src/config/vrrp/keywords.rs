//! The keywords of a `vrrp_instance` block, each read with keepalived's checks and messages.

use std::net::IpAddr;

use super::super::diag::Diagnostics;
use super::super::iproute;
use super::super::track;
use super::super::tree::Node;
use super::super::value::{parse_bool, parse_sock_ip, parse_timer, valid_ifname};
use super::blocks;
use super::instance::{Family, State, VrrpInstance};
use crate::config::kwtable::keyword_table;
use crate::core::time::Micros;

keyword_table! {
    /// The keywords of a vrrp_instance block but the tracking and notify ones.
    enum Kw {
        "state" => State,
        "interface" => Interface,
        "vrf" => Vrf,
        "use_vmac" => UseVmac,
        "use_vmac_addr" => UseVmacAddr,
        "vmac_xmit_base" => VmacXmitBase,
        "use_ipvlan" => UseIpvlan,
        "native_ipv6" => NativeIpv6,
        "dont_track_primary" => DontTrackPrimary,
        "unicast_peer" => UnicastPeer,
        "unicast_fault_no_peer" => UnicastFaultNoPeer,
        "check_unicast_src" => CheckUnicastSrc,
        "old_unicast_checksum" => OldUnicastChecksum,
        "mcast_src_ip" => McastSrcIp,
        "unicast_src_ip" => UnicastSrcIp,
        "mcast_dst_ip" => McastDstIp,
        "track_src_ip" => TrackSrcIp,
        "virtual_router_id" => VirtualRouterId,
        "unicast_ttl" => UnicastTtl,
        "version" => Version,
        "priority" => Priority,
        "advert_int" => AdvertInt,
        "authentication" => Authentication,
        "virtual_ipaddress" => VirtualIpaddress,
        "virtual_ipaddress_excluded" => VirtualIpaddressExcluded,
        "no_virtual_ipaddress" => NoVirtualIpaddress,
        "promote_secondaries" => PromoteSecondaries,
        "virtual_routes" => VirtualRoutes,
        "virtual_rules" => VirtualRules,
        "accept" => Accept,
        "no_accept" => NoAccept,
        "skip_check_adv_addr" => SkipCheckAdvAddr,
        "strict_mode" => StrictMode,
        "preempt" => Preempt,
        "nopreempt" => Nopreempt,
        "preempt_delay" => PreemptDelay,
        "debug" => Debug,
        "smtp_alert" => SmtpAlert,
        "notify_priority_changes" => NotifyPriorityChanges,
        "lvs_sync_daemon_interface" => LvsSyncDaemonInterface,
        "garp_master_delay" => GarpMasterDelay,
        "garp_master_refresh" => GarpMasterRefresh,
        "garp_lower_prio_delay" => GarpLowerPrioDelay,
        "garp_master_repeat" => GarpMasterRepeat,
        "garp_master_refresh_repeat" => GarpMasterRefreshRepeat,
        "garp_lower_prio_repeat" => GarpLowerPrioRepeat,
        "garp_extra_if" => GarpExtraIf,
        "vmac_garp_intvl" => VmacGarpIntvl,
        "down_timer_adverts" => DownTimerAdverts,
        "timer_expired_backup" => TimerExpiredBackup,
        "thread_timer_expired" => ThreadTimerExpired,
        "lower_prio_no_advert" => LowerPrioNoAdvert,
        "higher_prio_send_advert" => HigherPrioSendAdvert,
        "owner_ignore_adverts" => OwnerIgnoreAdverts,
        "v3_checksum_as_v2" => V3ChecksumAsV2,
        "linkbeat_use_polling" => LinkbeatUsePolling,
        "kernel_rx_buf_size" => KernelRxBufSize,
    }
}

/// Context an instance is read against: what is defined above it and which interfaces exist.
pub(crate) struct Ctx<'a> {
    pub(crate) trackers: &'a track::Trackers,
    /// Whether an interface exists (always true with `dynamic_interfaces`).
    pub(crate) iface_exists: &'a dyn Fn(&str) -> bool,
    /// How address, route and rule lines are read (dynamic_interfaces).
    pub(crate) net: iproute::NetCtx,
}

/// Keywords keepalived refuses (fatally) without a value.
const NEED_VALUE: &[&str] = &[
    "state",
    "interface",
    "vrf",
    "mcast_src_ip",
    "unicast_src_ip",
    "mcast_dst_ip",
    "virtual_router_id",
    "unicast_ttl",
    "version",
    "priority",
    "advert_int",
    "debug",
    "preempt_delay",
    "garp_master_delay",
    "garp_master_refresh",
    "garp_master_repeat",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "down_timer_adverts",
    "lvs_sync_daemon_interface",
];

/// `[BOOL]` where the keyword alone means true; a bad value is reported and ignored.
fn opt_bool(c: &Node, owner: &str, d: &mut Diagnostics) -> Option<bool> {
    match c.arg(0) {
        None => Some(true),
        Some(s) => parse_bool(s).or_else(|| {
            d.warn(
                c.loc,
                format_args!("({owner}) invalid {} {s} specified", c.keyword()),
            );
            None
        }),
    }
}

fn uint(c: &Node, lo: u64, hi: u64) -> Option<u64> {
    c.arg(0)
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|v| (lo..=hi).contains(v))
}

/// A decimal number of seconds within `lo..=hi` µs.
fn secs(c: &Node, lo: u64, hi: u64) -> Option<Micros> {
    c.arg(0)
        .and_then(parse_timer)
        .filter(|v| (lo..=hi).contains(&v.0))
}

pub(super) fn keyword(v: &mut VrrpInstance, c: &Node, ctx: &Ctx, d: &mut Diagnostics) {
    let who = v.name.clone();
    let bad = |d: &mut Diagnostics, what: &str| {
        d.warn(
            c.loc,
            format_args!(
                "({who}) {} '{}' invalid ({what}) - ignoring",
                c.keyword(),
                c.arg(0).unwrap_or("")
            ),
        )
    };
    if NEED_VALUE.contains(&c.keyword()) && c.args().is_empty() {
        d.missing_parameter(c.loc, c.keyword());
        return;
    }
    if track::parse_track_block(c, &who, ctx.trackers, ctx.iface_exists, &mut v.track, d)
        || v.notify.parse(c, &who, d)
    {
        return;
    }
    let Some(k) = Kw::lookup(c.keyword()) else {
        d.unknown_keyword(c.loc, c.keyword());
        return;
    };
    match k {
        Kw::State => match c.arg(0) {
            Some("MASTER") => v.state = Some(State::Master),
            Some("BACKUP") if v.state == Some(State::Master) => d.warn(
                c.loc,
                format_args!("({who}) state previously set as MASTER - ignoring BACKUP"),
            ),
            Some("BACKUP") => v.state = Some(State::Backup),
            o => {
                d.warn(
                    c.loc,
                    format_args!(
                        "({who}) unknown state '{}', defaulting to BACKUP",
                        o.unwrap_or("")
                    ),
                );
                v.state = Some(State::Backup);
            }
        },
        Kw::Interface => match c.arg(0) {
            Some(i) if valid_ifname(i) => {
                if i == "lo" {
                    d.warn(
                        c.loc,
                        format_args!("({who}) cannot use a loopback interface (lo) for vrrp - ignoring"),
                    );
                } else {
                    // keepalived refuses to start on a missing interface.
                    if !(ctx.iface_exists)(i) {
                        d.error(
                            c.loc,
                            format_args!("WARNING - interface {i} for vrrp_instance {who} doesn't exist"),
                        );
                    }
                    v.interface = Some(i.to_string());
                }
            }
            o => d.warn(
                c.loc,
                format_args!("Interface name '{}' too long - ignoring", o.unwrap_or("")),
            ),
        },
        Kw::Vrf => match c.arg(0) {
            Some(i) if valid_ifname(i) => v.vrf = Some(i.to_string()),
            _ => bad(d, "an interface name"),
        },
        Kw::UseVmac => v.use_vmac = Some(blocks::use_vmac(c, &who, d)),
        Kw::UseVmacAddr => v.use_vmac_addr = true,
        Kw::VmacXmitBase => v.vmac_xmit_base = true,
        Kw::UseIpvlan => v.use_ipvlan = Some(c.args().to_vec()),
        Kw::NativeIpv6 => {
            if v.family == Some(Family::V4) {
                d.warn(
                    c.loc,
                    format_args!("({who}) Cannot specify native_ipv6 with IPv4 addresses"),
                );
            } else {
                v.native_ipv6 = true;
                v.family = Some(Family::V6);
            }
        }
        Kw::DontTrackPrimary => v.dont_track_primary = true,
        Kw::UnicastPeer => {
            v.unicast_configured = true;
            for p in c.children() {
                blocks::unicast_peer(v, p, d);
            }
        }
        Kw::UnicastFaultNoPeer => {
            v.unicast_configured = true;
            v.unicast_fault_no_peer = true;
        }
        Kw::CheckUnicastSrc => {
            v.unicast_configured = true;
            v.check_unicast_src = true;
        }
        Kw::OldUnicastChecksum => {
            v.unicast_configured = true;
            match c.arg(0) {
                None => v.old_unicast_checksum = Some(true),
                Some("never") => v.old_unicast_checksum = Some(false),
                Some(o) => d.warn(
                    c.loc,
                    format_args!("({who}) Unknown old_unicast_chksum mode {o} - ignoring"),
                ),
            }
        }
        Kw::McastSrcIp | Kw::UnicastSrcIp => {
            if k == Kw::UnicastSrcIp {
                v.unicast_configured = true;
            }
            match c.arg(0).and_then(parse_sock_ip) {
                None => d.warn(
                    c.loc,
                    format_args!(
                        "Configuration error: VRRP instance[{who}] malformed src address[{}]. Skipping...",
                        c.arg(0).unwrap_or("")
                    ),
                ),
                Some(a) if !v.set_family(&a) => d.warn(
                    c.loc,
                    format_args!("Configuration error: VRRP instance[{who}] and src address[{a}] MUST be of the same family !!! Skipping..."),
                ),
                Some(a) => v.src_ip = Some(a),
            }
        }
        Kw::McastDstIp => match c.arg(0).and_then(parse_sock_ip) {
            None => d.warn(
                c.loc,
                format_args!(
                    "({who}) malformed mcast dest address {}. Skipping...",
                    c.arg(0).unwrap_or("")
                ),
            ),
            Some(a) if !v.set_family(&a) => d.warn(
                c.loc,
                format_args!("({who}) mcast dest address {a} MUST match VRRP instance family. Skipping..."),
            ),
            // IPv6 adverts stay on the link: the group must be link-local scope (ffX2::).
            Some(IpAddr::V6(a)) if a.segments()[0] & 0xff0f != 0xff02 => d.warn(
                c.loc,
                format_args!("({who}) mcast_dst_ip {a} not link-local multicast. Skipping..."),
            ),
            Some(a) if !a.is_multicast() => {
                d.warn(c.loc, format_args!("({who}) mcast_dst_ip {a} not multicast. Skipping..."))
            }
            Some(a) => v.mcast_dst_ip = Some(a),
        },
        Kw::TrackSrcIp => v.track_src_ip = true,
        Kw::VirtualRouterId => match uint(c, 1, 255) {
            Some(id) => v.vrid = Some(id as u8),
            None => d.error(
                c.loc,
                format_args!(
                    "({who}): VRID '{}' not valid - must be between 1 & 255",
                    c.arg(0).unwrap_or("")
                ),
            ),
        },
        Kw::UnicastTtl => match uint(c, 0, 255) {
            Some(t) => v.unicast_ttl = Some(t as u8),
            None => bad(d, "must be between 0 & 255"),
        },
        Kw::Version => match uint(c, 2, 3).map(|x| x as u8) {
            None => d.warn(c.loc, format_args!("({who}): Version must be either 2 or 3")),
            Some(x) if v.version.is_some_and(|y| y != x) || (x == 2 && v.family == Some(Family::V6)) => {
                d.warn(
                    c.loc,
                    format_args!("({who}) vrrp_version {x} conflicts with configured or deduced version; ignoring."),
                )
            }
            Some(x) => v.version = Some(x),
        },
        Kw::Priority => match uint(c, 1, 255) {
            Some(p) => v.priority = Some(p as u8),
            None => {
                d.warn(
                    c.loc,
                    format_args!("({who}) Priority not valid! must be between 1 & 255. Using default 100"),
                );
                v.priority = Some(100);
            }
        },
        Kw::AdvertInt => match secs(c, 10_000, 255_000_000) {
            Some(a) => v.advert_int = Some(a),
            None => d.warn(
                c.loc,
                format_args!(
                    "({who}) Advert interval ({}) not valid! Must be > 0 - ignoring",
                    c.arg(0).unwrap_or("")
                ),
            ),
        },
        Kw::Authentication => blocks::authentication(v, c, d),
        Kw::VirtualIpaddress | Kw::VirtualIpaddressExcluded => {
            let excluded = k == Kw::VirtualIpaddressExcluded;
            for a in c.children() {
                let Some(ip) = iproute::parse_address_in(a, &ctx.net, d) else {
                    continue;
                };
                if !excluded && !v.set_family(&ip.addr) {
                    d.warn(
                        a.loc,
                        format_args!("({who}) address family must match VRRP instance [{}] - ignoring", ip.addr),
                    );
                    continue;
                }
                if excluded {
                    v.evips.push(ip);
                } else {
                    v.vips.push(ip);
                }
            }
        }
        Kw::NoVirtualIpaddress => v.no_virtual_ipaddress = true,
        Kw::PromoteSecondaries => v.promote_secondaries = true,
        Kw::VirtualRoutes => {
            for r in c.children() {
                let before = d.items().len();
                if let Some(route) = iproute::parse_route_in(r, &ctx.net, d) {
                    blocks::untracked_route_warning(r, before, d);
                    v.routes.push(route);
                }
            }
        }
        Kw::VirtualRules => {
            for r in c.children() {
                if let Some(rule) = iproute::parse_rule_in(r, &ctx.net, d) {
                    v.rules.push(rule);
                }
            }
        }
        Kw::Accept => v.accept = Some(true),
        Kw::NoAccept => v.accept = Some(false),
        Kw::SkipCheckAdvAddr => {
            if let Some(b) = opt_bool(c, &who, d) {
                v.skip_check_adv_addr = b;
            }
        }
        Kw::StrictMode
        | Kw::SmtpAlert
        | Kw::NotifyPriorityChanges
        | Kw::LowerPrioNoAdvert
        | Kw::HigherPrioSendAdvert => {
            let slot = match k {
                Kw::StrictMode => &mut v.strict_mode,
                Kw::SmtpAlert => &mut v.smtp_alert,
                Kw::NotifyPriorityChanges => &mut v.notify_priority_changes,
                Kw::LowerPrioNoAdvert => &mut v.lower_prio_no_advert,
                _ => &mut v.higher_prio_send_advert,
            };
            if let Some(b) = opt_bool(c, &who, d) {
                *slot = Some(b);
            }
        }
        Kw::Preempt => v.nopreempt = false,
        Kw::Nopreempt => v.nopreempt = true,
        Kw::PreemptDelay => match secs(c, 0, 1_000_000_000) {
            Some(p) => v.preempt_delay = p,
            None => {
                d.warn(
                    c.loc,
                    format_args!("({who}) Preempt_delay not valid! must be between 0-1000"),
                );
                v.preempt_delay = Micros(0);
            }
        },
        Kw::Debug => match uint(c, 0, 4) {
            Some(x) => v.debug = x as u8,
            None => bad(d, "must be between 0-4"),
        },
        Kw::LvsSyncDaemonInterface => d.warn(
            c.loc,
            format_args!("({who}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon"),
        ),
        // One arm per shape: a match picks the field, then one shared read.
        Kw::GarpMasterDelay | Kw::GarpMasterRefresh | Kw::GarpLowerPrioDelay => {
            let slot = match k {
                Kw::GarpMasterDelay => &mut v.garp_master_delay,
                Kw::GarpMasterRefresh => &mut v.garp_master_refresh,
                _ => &mut v.garp_lower_prio_delay,
            };
            match uint(c, 0, u64::from(u32::MAX) / 1_000_000) {
                Some(s) => *slot = Some(Micros(s * 1_000_000)),
                None => bad(d, "seconds"),
            }
        }
        Kw::GarpMasterRepeat | Kw::GarpMasterRefreshRepeat => {
            let r = match uint(c, 0, u64::from(u32::MAX)) {
                Some(0) => {
                    d.warn(
                        c.loc,
                        format_args!("({who}): {} must be greater than 0, setting to 1", c.keyword()),
                    );
                    Some(1)
                }
                Some(r) => Some(r as u32),
                None => {
                    bad(d, "a count");
                    None
                }
            };
            if k == Kw::GarpMasterRepeat {
                v.garp_master_repeat = r.or(v.garp_master_repeat);
            } else {
                v.garp_master_refresh_repeat = r.or(v.garp_master_refresh_repeat);
            }
        }
        Kw::GarpLowerPrioRepeat => match uint(c, 0, u64::from(u32::MAX)) {
            Some(r) => v.garp_lower_prio_repeat = Some(r as u32),
            None => bad(d, "a count"),
        },
        Kw::GarpExtraIf | Kw::VmacGarpIntvl => {
            if k == Kw::VmacGarpIntvl {
                d.warn(
                    c.loc,
                    "Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"",
                );
            }
            let all = c.arg(0) == Some("all");
            let i = usize::from(all);
            match c.arg(i).map(|s| (s, s.parse::<u64>())) {
                Some((_, Ok(s))) if s <= 86400 => {
                    v.garp_extra_if = Some((Micros(s * 1_000_000), all));
                }
                Some((s, _)) => d.warn(
                    c.loc,
                    format_args!("({who}): {} '{s}' invalid - ignoring", c.keyword()),
                ),
                None => d.warn(
                    c.loc,
                    format_args!("({who}): {} specified without time - ignoring", c.keyword()),
                ),
            }
        }
        Kw::DownTimerAdverts => match uint(c, 1, 100) {
            Some(x) => v.down_timer_adverts = Some(x as u32),
            None => bad(d, "must be in 1..100"),
        },
        Kw::TimerExpiredBackup | Kw::ThreadTimerExpired => match c.arg(0) {
            None => v.timer_expired_backup = Some(None),
            Some(_) => match uint(c, 1, 254) {
                Some(p) => v.timer_expired_backup = Some(Some(p as u8)),
                None => bad(d, "a priority 1..254"),
            },
        },
        Kw::OwnerIgnoreAdverts => v.owner_ignore_adverts = true,
        Kw::V3ChecksumAsV2 => v.v3_checksum_as_v2 = true,
        Kw::LinkbeatUsePolling => {
            d.warn(
                c.loc,
                format_args!("({who}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"),
            );
            v.linkbeat_use_polling = true;
        }
        Kw::KernelRxBufSize => match uint(c, 1, u64::from(u32::MAX)) {
            Some(s) => v.kernel_rx_buf_size = Some(s),
            None => d.warn(c.loc, format_args!("({who}) invalid kernel_rx_buf_size specified")),
        },
    }
}
