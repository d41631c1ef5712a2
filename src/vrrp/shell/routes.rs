//! Routes and policy rules on the kernel: an instance's `virtual_routes` / `virtual_rules`
//! follow its VIPs (set on becoming MASTER, removed on leaving it), and the global
//! `static_ipaddress`, `static_routes` and `static_rules` are set at start whatever the state
//! and removed on stop. What to change comes from crate::vrrp::route_plan; the route monitor
//! watches for tracked ones deleted from outside.

use std::os::fd::{AsRawFd, RawFd};

use log::{info, warn};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use crate::config::iproute::{IpAddress, Route, Rule, StaticNet};
use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::net::iface;
use crate::net::netlink::{messages, Error, Msg};
use crate::net::rtnl::route::RTM_DELROUTE;
use crate::net::rtnl::rule::{FIB_RULE_HDR_LEN, FRA_PROTOCOL, RTM_DELRULE};
use crate::net::rtnl::{AddrSpec, Rtnl, IFA_F_HOMEADDRESS, IFA_F_NODAD, IFA_F_NOPREFIXROUTE};
use crate::vrrp::route_plan::{missing_from, route_name, rule_name};

/// The reload numbers the new config's rules through this name.
pub use crate::vrrp::route_plan::assign_rule_priorities;

/// The protocol keepalived (and the config reader) gives tracked routes and rules.
const RTPROT_KEEPALIVED: u8 = 18;

/// Whether a failure only says the object is already as wanted.
fn benign(e: &Error, add: bool) -> bool {
    let errno = e.errno();
    if add {
        errno == Some(libc::EEXIST)
    } else {
        matches!(
            errno,
            Some(libc::ESRCH) | Some(libc::ENOENT) | Some(libc::EADDRNOTAVAIL) | Some(libc::ENODEV)
        )
    }
}

fn set_route(rtnl: &mut Rtnl, who: &str, r: &Route, add: bool) {
    if r.vrf.is_some() {
        warn!(
            "{who} route {}: vrf is not supported yet - skipped",
            route_name(r)
        );
        return;
    }
    match rtnl.route(r, !add, &|n| iface::index(n)) {
        Ok(()) => {}
        Err(e) if benign(&e, add) => {}
        Err(e) => warn!(
            "{who} cannot {} route {}: {e}",
            if add { "add" } else { "remove" },
            route_name(r)
        ),
    }
}

fn set_rule(rtnl: &mut Rtnl, who: &str, r: &Rule, add: bool) {
    match rtnl.rule(r, !add) {
        Ok(()) => {}
        Err(e) if benign(&e, add) => {}
        Err(e) => warn!(
            "{who} cannot {} rule {}: {e}",
            if add { "add" } else { "remove" },
            rule_name(r)
        ),
    }
}

/// A static address goes on its `dev` (the parser fills in default_interface).
fn set_static_address(rtnl: &mut Rtnl, a: &IpAddress, add: bool) {
    let dev = a.dev.as_deref().unwrap_or("");
    let Some(ifindex) = iface::index(dev) else {
        if add {
            warn!("static address {}: interface '{dev}' doesn't exist", a.addr);
        }
        return;
    };
    let mut spec = AddrSpec::new(ifindex, a.addr, a.prefix_len);
    spec.peer = a.peer;
    let r = if add {
        spec.broadcast = a.broadcast;
        spec.scope = a.scope.unwrap_or(0);
        spec.label = a.label.as_deref();
        if a.flags.nodad {
            spec.flags |= IFA_F_NODAD;
        }
        if a.flags.noprefixroute {
            spec.flags |= IFA_F_NOPREFIXROUTE;
        }
        if a.flags.home {
            spec.flags |= IFA_F_HOMEADDRESS;
        }
        spec.preferred_lft = a.preferred_lft.filter(|_| a.addr.is_ipv6());
        rtnl.add_address(&spec)
    } else {
        rtnl.del_address(&spec)
    };
    match r {
        Ok(()) => {}
        Err(e) if benign(&e, add) => {}
        Err(e) => warn!(
            "cannot {} static address {}/{} on {dev}: {e}",
            if add { "add" } else { "remove" },
            a.addr,
            a.prefix_len
        ),
    }
}

/// Adds (`add`) or removes what `net` holds: addresses, routes, rules in that order, and
/// the reverse on removal (a route may need an address, a rule a route).
fn set_static(rtnl: &mut Rtnl, net: &StaticNet, add: bool) {
    if add {
        for a in &net.addresses {
            set_static_address(rtnl, a, true);
        }
        for r in &net.routes {
            set_route(rtnl, "static", r, true);
        }
        for r in &net.rules {
            set_rule(rtnl, "static", r, true);
        }
    } else {
        for r in &net.rules {
            set_rule(rtnl, "static", r, false);
        }
        for r in &net.routes {
            set_route(rtnl, "static", r, false);
        }
        for a in &net.addresses {
            set_static_address(rtnl, a, false);
        }
    }
}

/// Legacy group bits (1 << (RTNLGRP_x - 1)) for IPv4/IPv6 route and rule notifications.
const ROUTE_GROUPS: u32 = (1 << 6) | (1 << 10) | (1 << 7) | (1 << 18);

/// Route and rule deletions, watched so that a MASTER notices when someone removes one of
/// its tracked virtual routes or rules.
pub struct RouteMonitor {
    sock: Socket,
}

impl RouteMonitor {
    pub fn open() -> std::io::Result<Self> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind(&SocketAddr::new(0, ROUTE_GROUPS))?;
        sock.set_non_blocking(true)?;
        Ok(RouteMonitor { sock })
    }

    /// Reads every queued notification into `buf`; true when one says a route or rule with
    /// keepalived's protocol went, or when some were lost.
    pub fn drain(&self, buf: &mut [u8]) -> bool {
        let mut seen = false;
        loop {
            let mut slice: &mut [u8] = &mut buf[..];
            match self.sock.recv(&mut slice, libc::MSG_TRUNC) {
                Ok(n) if n > buf.len() => seen = true,
                Ok(n) => {
                    seen |= messages(&buf[..n])
                        .map_while(Result::ok)
                        .any(|m| deleted_ours(&m))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return seen,
                // ENOBUFS: notifications were lost.
                Err(_) => return true,
            }
        }
    }
}

impl RouteMonitor {
    /// Opens the monitor into `mon` when some instance of `cfg` has tracked virtual routes or
    /// rules.
    pub fn watch(mon: &mut Option<RouteMonitor>, cfg: &Config, lp: &mut EventLoop, token: usize) {
        let tracked =
            cfg.vrrp.instances.iter().any(|v| {
                v.routes.iter().any(|r| !r.no_track) || v.rules.iter().any(|r| !r.no_track)
            });
        if !tracked || mon.is_some() {
            return;
        }
        match RouteMonitor::open() {
            Ok(m) => match lp.register(m.as_raw_fd(), token, mio::Interest::READABLE) {
                Ok(()) => *mon = Some(m),
                Err(e) => warn!("cannot watch route deletions: {e}"),
            },
            Err(e) => warn!("cannot open the route monitor: {e}"),
        }
    }
}

impl AsRawFd for RouteMonitor {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

/// A deleted route or rule carrying RTPROT_KEEPALIVED (what tracked ones are added with).
fn deleted_ours(m: &Msg<'_>) -> bool {
    match m.ty {
        RTM_DELROUTE => m.payload.get(5) == Some(&RTPROT_KEEPALIVED),
        RTM_DELRULE => {
            m.attrs(FIB_RULE_HDR_LEN)
                .and_then(|a| a.find(FRA_PROTOCOL))
                .and_then(|a| a.payload.first().copied())
                == Some(RTPROT_KEEPALIVED)
        }
        _ => false,
    }
}

/// Adds or removes the virtual routes and rules of instance `v`. Rules go after routes on the
/// way in and before them on the way out, as keepalived orders them.
pub fn set_vroutes(rtnl: &mut Rtnl, v: &VrrpInstance, add: bool) {
    if v.routes.is_empty() && v.rules.is_empty() {
        return;
    }
    let who = format!("({})", v.name);
    // keepalived's log lines, which scripts may look for.
    let say = |what: &str, list_len: usize| {
        if list_len > 0 {
            info!(
                "{who} {} Virtual {what}",
                if add { "setting" } else { "removing" }
            );
        }
    };
    if add {
        say("Routes", v.routes.len());
        for r in &v.routes {
            set_route(rtnl, &who, r, true);
        }
        say("Rules", v.rules.len());
        for r in &v.rules {
            set_rule(rtnl, &who, r, true);
        }
    } else {
        say("Rules", v.rules.len());
        for r in &v.rules {
            set_rule(rtnl, &who, r, false);
        }
        say("Routes", v.routes.len());
        for r in &v.routes {
            set_route(rtnl, &who, r, false);
        }
    }
}

/// After a tracked route or rule was deleted: the one of instance `v`'s tracked virtual routes
/// and rules that is missing, as "route X" or "rule Y". Missing is found by adding again:
/// EEXIST means present.
pub fn lost_vroute(rtnl: &mut Rtnl, v: &VrrpInstance) -> Option<String> {
    let mut lost = None;
    for r in v.routes.iter().filter(|r| !r.no_track && r.vrf.is_none()) {
        if rtnl.route(r, false, &|n| iface::index(n)).is_ok() {
            lost = Some(format!("route {}", route_name(r)));
        }
    }
    for r in v.rules.iter().filter(|r| !r.no_track) {
        if rtnl.rule(r, false).is_ok() {
            lost = Some(format!("rule {}", rule_name(r)));
        }
    }
    lost
}

/// For a reload that keeps instance `who` running with its VIPs set and new settings `new`:
/// routes and rules that `old` had and `new` lacks go (rules first), and new ones come
/// (routes first), as keepalived applies only the differences.
pub fn reload_vroutes(rtnl: &mut Rtnl, who: &str, old: &VrrpInstance, new: &VrrpInstance) {
    let who = format!("({who})");
    let as_net = |v: &VrrpInstance| StaticNet {
        routes: v.routes.clone(),
        rules: v.rules.clone(),
        ..StaticNet::default()
    };
    let (was, will) = (as_net(old), as_net(new));
    let gone = missing_from(&was, &will);
    let came = missing_from(&will, &was);
    for r in &gone.rules {
        set_rule(rtnl, &who, r, false);
    }
    for r in &gone.routes {
        set_route(rtnl, &who, r, false);
    }
    for r in &came.routes {
        set_route(rtnl, &who, r, true);
    }
    for r in &came.rules {
        set_rule(rtnl, &who, r, true);
    }
}

/// The global static addresses, routes and rules: added at start, removed on stop whatever
/// `-V` says (as keepalived does).
pub fn set_statics(rtnl: &mut Rtnl, net: &StaticNet, add: bool) {
    if !net.is_empty() {
        set_static(rtnl, net, add);
    }
}

/// On reload: what the old config had and the new one lacks goes, what is new comes.
pub fn reload_static(rtnl: &mut Rtnl, old: &StaticNet, new: &StaticNet) {
    let gone = missing_from(old, new);
    let came = missing_from(new, old);
    set_static(rtnl, &gone, false);
    set_static(rtnl, &came, true);
}
