//! Routes and policy rules on the kernel: an instance's `virtual_routes` / `virtual_rules`
//! follow its VIPs (set on becoming MASTER, removed on leaving it), and the global
//! `static_ipaddress`, `static_routes` and `static_rules` are set at start whatever the state
//! and removed on stop. What to change, in which order, comes from crate::vrrp::route_plan;
//! this carries it out, and the route monitor watches for tracked ones deleted from outside.

use std::os::fd::{AsRawFd, RawFd};

use log::{info, warn};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::net::iface;
use crate::net::netlink::messages;
use crate::net::rtnl::Rtnl;
use crate::vrrp::route_plan::{
    address_name, any_tracked, benign, deleted_ours, route_name, rule_name, static_address_spec,
    tracked, Change, Tracked,
};

/// Makes `changes` on the kernel; `who` ("(VI_1)", or "static") starts their log lines.
pub fn carry_out(rtnl: &mut Rtnl, who: &str, changes: &[Change<'_>]) {
    for c in changes {
        let (res, add, what, name) = match *c {
            Change::Announce(what, add) => {
                let doing = if add { "setting" } else { "removing" };
                info!("{who} {doing} Virtual {what}");
                continue;
            }
            Change::Route(r, _) if r.vrf.is_some() => {
                let name = route_name(r);
                warn!("{who} route {name}: vrf is not supported yet - skipped");
                continue;
            }
            Change::Route(r, add) => {
                let res = rtnl.route(r, !add, &|n| iface::index(n));
                (res, add, "route", route_name(r))
            }
            Change::Rule(r, add) => (rtnl.rule(r, !add), add, "rule", rule_name(r)),
            Change::Address(a, add) => {
                // The parser gives a static address its `dev` (default_interface).
                let dev = a.dev.as_deref().unwrap_or("");
                let Some(ifindex) = iface::index(dev) else {
                    if add {
                        warn!("static address {}: interface '{dev}' doesn't exist", a.addr);
                    }
                    continue;
                };
                let spec = static_address_spec(a, ifindex, add);
                let res = match add {
                    true => rtnl.add_address(&spec),
                    false => rtnl.del_address(&spec),
                };
                let name = format!("{}/{} on {dev}", a.addr, a.prefix_len);
                (res, add, "static address", name)
            }
        };
        let Err(e) = res else { continue };
        if benign(e.errno(), add) {
            continue;
        }
        let doing = if add { "add" } else { "remove" };
        match *c {
            Change::Address(..) => warn!("cannot {doing} {what} {name}: {e}"),
            _ => warn!("{who} cannot {doing} {what} {name}: {e}"),
        }
    }
}

/// Sets again the static addresses and routes of a link that came back (`changes`, from
/// `route_plan::reinstated`), each with keepalived's line, which it logs whatever the outcome.
pub fn reinstate(rtnl: &mut Rtnl, changes: &[Change<'_>]) {
    for c in changes {
        let (what, name) = match *c {
            Change::Address(a, _) => ("address", address_name(a)),
            Change::Route(r, _) => ("route", route_name(r)),
            _ => continue,
        };
        carry_out(rtnl, "static", std::slice::from_ref(c));
        info!("Restoring deleted static {what} {name}");
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
        if !any_tracked(cfg) || mon.is_some() {
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

/// After a tracked route or rule was deleted: the tracked statics
/// (`route_plan::tracked_statics`) missing are put back, with keepalived's line. Missing is
/// found by adding: EEXIST means present; another failure (its link down) waits for the link
/// to come up.
pub fn restore_lost_statics(rtnl: &mut Rtnl, statics: &[Tracked<'_>]) {
    for t in statics {
        let (res, what, name) = match *t {
            Tracked::Route(r) => (
                rtnl.route(r, false, &|n| iface::index(n)),
                "route",
                route_name(r),
            ),
            Tracked::Rule(r) => (rtnl.rule(r, false), "rule", rule_name(r)),
        };
        match res {
            Ok(()) => info!("Restoring deleted static {what} {name}"),
            Err(e) if benign(e.errno(), true) => {}
            Err(e) => log::debug!("static {what} {name} not restored: {e}"),
        }
    }
}

/// After a tracked route or rule was deleted: the one of instance `v`'s tracked virtual routes
/// and rules that is missing, as "route X" or "rule Y". Missing is found by adding again:
/// EEXIST means present.
pub fn lost_vroute(rtnl: &mut Rtnl, v: &VrrpInstance) -> Option<String> {
    let mut lost = None;
    for t in tracked(v) {
        match t {
            Tracked::Route(r) if rtnl.route(r, false, &|n| iface::index(n)).is_ok() => {
                lost = Some(format!("route {}", route_name(r)))
            }
            Tracked::Rule(r) if rtnl.rule(r, false).is_ok() => {
                lost = Some(format!("rule {}", rule_name(r)))
            }
            _ => {}
        }
    }
    lost
}
