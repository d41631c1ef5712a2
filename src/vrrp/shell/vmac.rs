//! VMACs (`use_vmac [NAME] [MAC]`): a private-mode macvlan on the instance's interface with
//! the virtual router MAC 00:00:5e:00:01:VRID (IPv6 00:00:5e:00:02:VRID), so that the VIPs
//! keep one MAC whichever router holds them and only the switch port changes on failover.
//!
//! At start (and before a reload is compared) each VMAC is created, or adopted when a link of
//! that name with that MAC is already there (a restart), and its name written into the
//! instance's config so the instance builds its socket and VIPs on it. The sysctls keepalived
//! sets are set: on the VMAC arp_ignore=1 and for IPv4 accept_local=1, rp_filter=0,
//! promote_secondaries=1; on the parent arp_ignore=1 and arp_filter=1, and rp_filter is moved
//! off `all` (which would override the VMAC's 0) onto `default` and every interface. Values
//! changed on other interfaces are put back, and the VMACs deleted, on stop (not with -V).

use log::{info, warn};

use super::firewall::FwState;
use crate::config::Config;
use crate::net::rtnl::Rtnl;
use crate::net::sysctl::{self, conf_path, Saved};
use crate::vrrp::ifaces::Ifaces;
use crate::vrrp::vmac_plan::{
    is_v6, link_local, name_for, own_sysctls, rp_filter_raises, wanted_mac, NameFor, PARENT_SYSCTLS,
};

/// What the shell created and changed for VMACs.
#[derive(Debug, Default)]
pub struct Vmacs {
    /// Names of the VMACs in use.
    pub names: Vec<String>,
    /// VMACs of an earlier config that a reload dropped, deleted once it is done.
    pending: Vec<String>,
    saved: Saved,
    rp_filter_moved: bool,
}

impl Vmacs {
    /// Creates or adopts the VMAC of every instance of `cfg` that has `use_vmac`, and writes
    /// the name it got into the instance's `use_vmac`. An instance whose VMAC cannot be made
    /// keeps no name, and fails to start with a message saying so. The firewall (opened here
    /// if `cfg` needs one) gets the VMACs in its map.
    pub fn prepare(
        &mut self,
        cfg: &mut Config,
        rtnl: &mut Rtnl,
        ifaces: &mut Ifaces,
        fw: &mut Option<FwState>,
    ) {
        FwState::configure(fw, cfg);
        let default_if = cfg.global.default_interface.clone();
        let mut names = Vec::new();
        for v in cfg.vrrp.instances.iter_mut() {
            let (Some(vm), Some(vrid)) = (v.use_vmac.as_ref(), v.vrid) else {
                continue;
            };
            let who = v.name.clone();
            let v6 = is_v6(v);
            let mac = wanted_mac(v, vrid, v6);
            let Some(base) = v
                .interface
                .clone()
                .or_else(|| default_if.clone())
                .and_then(|n| ifaces.by_name(&n).cloned())
            else {
                warn!("({who}) no interface for its VMAC");
                continue;
            };
            let mac_of = |n: &str| ifaces.by_name(n).map(|f| f.mac);
            let name = match name_for(vm.ifname.as_deref(), vrid, mac, mac_of) {
                Some(NameFor::Adopt(name)) => name,
                Some(NameFor::Create(name)) => {
                    match rtnl.create_macvlan(&name, base.ifindex, &mac, base.group) {
                        Ok(()) => info!("({who}) Creating VMAC interface {name}"),
                        Err(e) => {
                            warn!("({who}) cannot create VMAC {name}: {e}");
                            continue;
                        }
                    }
                    name
                }
                Some(NameFor::Taken(name)) => {
                    warn!(
                        "({who}) interface {name} exists with another MAC - cannot use it as VMAC"
                    );
                    continue;
                }
                None => continue,
            };
            ifaces.refresh(rtnl);
            self.configure(rtnl, ifaces, &who, &name, &base.name, v6);
            if let Some(vm) = v.use_vmac.as_mut() {
                vm.ifname = Some(name.clone());
            }
            names.push(name);
        }
        if !names.is_empty() {
            ifaces.refresh(rtnl);
        }
        // VMACs of the old config that the new one no longer has.
        let old = std::mem::replace(&mut self.names, names);
        for n in old {
            if !self.names.contains(&n) {
                self.pending.push(n);
            }
        }
        if let Some(fw) = fw.as_mut() {
            fw.vmacs_added(cfg, ifaces);
        }
    }

    fn configure(
        &mut self,
        rtnl: &mut Rtnl,
        ifaces: &Ifaces,
        who: &str,
        name: &str,
        parent: &str,
        v6: bool,
    ) {
        let Some(f) = ifaces.by_name(name).cloned() else {
            return;
        };
        let s = &mut self.saved;
        let mut errs = Vec::new();
        let mut put = |fam: &str, key: &str, val: &str| {
            if let Err(e) = sysctl::write(&conf_path(fam, name, key), val) {
                errs.push(format!("{fam}/{key}: {e}"));
            }
        };
        for (fam, key, val) in own_sysctls(v6) {
            put(fam, key, val);
        }
        for (key, val) in PARENT_SYSCTLS {
            if let Err(e) = s.set(conf_path("ipv4", parent, key), val) {
                errs.push(format!("{parent} ipv4/{key}: {e}"));
            }
        }
        if !v6 && !self.rp_filter_moved {
            self.rp_filter_moved = true;
            let all = conf_path("ipv4", "all", "rp_filter");
            let level = sysctl::read(&all)
                .ok()
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0);
            if level > 0 {
                let read = |n: &str| {
                    let v = sysctl::read(&conf_path("ipv4", n, "rp_filter")).ok();
                    v.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
                };
                // Plain loops: this chain of iterators was ~400 bytes of MIPS code.
                let mut others: Vec<(&str, u32)> = Vec::new();
                for f in &ifaces.list {
                    if f.name != name {
                        others.push((&f.name, read(&f.name)));
                    }
                }
                if name != "default" {
                    others.push(("default", read("default")));
                }
                for n in rp_filter_raises(level, &others) {
                    let _ = s.set(conf_path("ipv4", n, "rp_filter"), &level.to_string());
                }
                let _ = s.set(all, "0");
            }
        }
        for e in errs {
            warn!("({who}) VMAC {name}: cannot set {e}");
        }
        if let Err(e) = rtnl.set_addr_gen_none(f.ifindex) {
            warn!("({who}) VMAC {name}: cannot turn off IPv6 address generation: {e}");
        }
        if let Err(e) = rtnl.set_link_up(f.ifindex, true) {
            warn!("({who}) VMAC {name}: cannot bring it up: {e}");
        }
        if v6 {
            // Adverts go from the parent's link-local address, which must be on the VMAC too.
            if let Some(ll) = ifaces.by_name(parent).map(|p| link_local(p.ll6, p.mac)) {
                add_link_local(rtnl, f.ifindex, ll, who, name);
            }
        }
    }

    /// Deletes the VMACs a reload left unused.
    pub fn delete_unused(&mut self, rtnl: &mut Rtnl, ifaces: &Ifaces, fw: &mut Option<FwState>) {
        for name in std::mem::take(&mut self.pending) {
            delete(rtnl, ifaces, fw, &name);
        }
    }

    /// On stop: every VMAC goes and changed sysctls are put back.
    pub fn remove_all(&mut self, rtnl: &mut Rtnl, ifaces: &Ifaces, fw: &mut Option<FwState>) {
        self.delete_unused(rtnl, ifaces, fw);
        for name in std::mem::take(&mut self.names) {
            delete(rtnl, ifaces, fw, &name);
        }
        self.saved.restore_all();
    }
}

fn delete(rtnl: &mut Rtnl, ifaces: &Ifaces, fw: &mut Option<FwState>, name: &str) {
    let Some(f) = ifaces.by_name(name) else {
        return;
    };
    info!("Removing VMAC interface {name}");
    // Out of the firewall's map before it goes, as keepalived does.
    if let Some(fw) = fw.as_mut() {
        fw.vmac_deleted(f.ifindex);
    }
    if let Err(e) = rtnl.del_link(f.ifindex) {
        warn!("cannot remove VMAC {name}: {e}");
    }
}

/// Puts link-local `ll` on VMAC `ifindex` (`who` and `name` for the log line): adverts leave
/// from it. No duplicate address detection: it is its parent's.
fn add_link_local(rtnl: &mut Rtnl, ifindex: u32, ll: std::net::Ipv6Addr, who: &str, name: &str) {
    let mut spec = crate::net::rtnl::AddrSpec::new(ifindex, ll.into(), 64);
    spec.flags = crate::net::rtnl::IFA_F_NODAD;
    spec.scope = crate::net::rtnl::RT_SCOPE_LINK;
    match rtnl.add_address(&spec) {
        Err(e) if e.errno() != Some(libc::EEXIST) => {
            warn!("({who}) VMAC {name}: cannot add link-local {ll}: {e}")
        }
        _ => {}
    }
}

/// VMAC `ifindex` (`name`) takes link-local `ll` in place of `old`, its parent's address
/// having changed (`vmac_plan::ll_moves`).
pub fn move_link_local(
    rtnl: &mut Rtnl,
    ifindex: u32,
    name: &str,
    ll: std::net::Ipv6Addr,
    old: Option<std::net::Ipv6Addr>,
) {
    add_link_local(rtnl, ifindex, ll, "", name);
    if let Some(old) = old {
        let spec = crate::net::rtnl::AddrSpec::new(ifindex, old.into(), 64);
        if let Err(e) = rtnl.del_address(&spec) {
            warn!("VMAC {name}: cannot remove link-local {old}: {e}");
        }
    }
}
