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

use super::ifaces::{IfInfo, Ifaces};
use super::{instances, Shell, SOCK_TOKEN_BASE};
use crate::config::vrrp::{Family, VrrpInstance};
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::net::sysctl::{self, conf_path, Saved};

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

pub fn default_mac(vrid: u8, v6: bool) -> [u8; 6] {
    [0x00, 0x00, 0x5e, 0x00, if v6 { 0x02 } else { 0x01 }, vrid]
}

fn wanted_mac(v: &VrrpInstance, vrid: u8, v6: bool) -> [u8; 6] {
    match v
        .use_vmac
        .as_ref()
        .and_then(|m| m.mac.map(|mac| (mac, m.mac_use_vrid)))
    {
        Some((mut mac, use_vrid)) => {
            if use_vrid {
                mac[5] = vrid;
            }
            mac
        }
        None => default_mac(vrid, v6),
    }
}

/// `vrrp.VRID`, then `vrrp1.VRID` ... when a link of that name is someone else's.
fn candidate_names(vrid: u8) -> impl Iterator<Item = String> {
    std::iter::once(format!("vrrp.{vrid}")).chain((1..10).map(move |n| format!("vrrp{n}.{vrid}")))
}

fn is_v6(v: &VrrpInstance) -> bool {
    v.resolved.family.or(v.family) == Some(Family::V6)
}

/// The VMAC of instance `v`, if it has `use_vmac`; an error when it should have one and
/// the link is not there.
pub fn iface_of<'a>(v: &VrrpInstance, ifaces: &'a Ifaces) -> Result<Option<&'a IfInfo>, String> {
    let Some(vm) = &v.use_vmac else {
        return Ok(None);
    };
    match vm.ifname.as_deref().and_then(|n| ifaces.by_name(n)) {
        Some(f) => Ok(Some(f)),
        None => Err("its VMAC could not be set up".into()),
    }
}

impl Shell<'_> {
    /// Creates or adopts the VMAC of every instance of `cfg` that has `use_vmac`, and writes
    /// the name it got into the instance's `use_vmac`. An instance whose VMAC cannot be made
    /// keeps no name, and fails to start with a message saying so.
    pub(super) fn prepare_vmacs(&mut self, cfg: &mut Config) {
        self.fw_configure(cfg);
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
                .and_then(|n| self.ifaces.by_name(&n).cloned())
            else {
                warn!("({who}) no interface for its VMAC");
                continue;
            };
            let configured = vm.ifname.clone();
            let candidates: Vec<String> = match &configured {
                Some(n) => vec![n.clone()],
                None => candidate_names(vrid).collect(),
            };
            let mut got = None;
            for name in candidates {
                match self.ifaces.by_name(&name) {
                    // Ours from an earlier run (or a reload): same name and MAC.
                    Some(f) if f.mac == mac => {
                        got = Some(name);
                        break;
                    }
                    Some(_) => {
                        if configured.is_some() {
                            warn!("({who}) interface {name} exists with another MAC - cannot use it as VMAC");
                        }
                    }
                    None => match self
                        .rtnl
                        .create_macvlan(&name, base.ifindex, &mac, base.group)
                    {
                        Ok(()) => {
                            info!("({who}) Creating VMAC interface {name}");
                            got = Some(name);
                            break;
                        }
                        Err(e) => {
                            warn!("({who}) cannot create VMAC {name}: {e}");
                            break;
                        }
                    },
                }
            }
            let Some(name) = got else { continue };
            self.ifaces.refresh(&mut self.rtnl);
            self.configure_vmac(&who, &name, &base.name, v6);
            if let Some(vm) = v.use_vmac.as_mut() {
                vm.ifname = Some(name.clone());
            }
            names.push(name);
        }
        if !names.is_empty() {
            self.ifaces.refresh(&mut self.rtnl);
        }
        // VMACs of the old config that the new one no longer has.
        let old = std::mem::replace(&mut self.vmacs.names, names);
        for n in old {
            if !self.vmacs.names.contains(&n) {
                self.vmacs.pending.push(n);
            }
        }
        self.fw_vmacs_added(cfg);
    }

    fn configure_vmac(&mut self, who: &str, name: &str, parent: &str, v6: bool) {
        let Some(f) = self.ifaces.by_name(name).cloned() else {
            return;
        };
        let s = &mut self.vmacs.saved;
        let mut errs = Vec::new();
        let mut put = |fam: &str, key: &str, val: &str| {
            if let Err(e) = sysctl::write(&conf_path(fam, name, key), val) {
                errs.push(format!("{fam}/{key}: {e}"));
            }
        };
        put("ipv4", "arp_ignore", "1");
        if !v6 {
            put("ipv4", "accept_local", "1");
            put("ipv4", "rp_filter", "0");
            put("ipv4", "promote_secondaries", "1");
        }
        for (key, val) in [("arp_ignore", "1"), ("arp_filter", "1")] {
            if let Err(e) = s.set(conf_path("ipv4", parent, key), val) {
                errs.push(format!("{parent} ipv4/{key}: {e}"));
            }
        }
        if !v6 && !self.vmacs.rp_filter_moved {
            self.vmacs.rp_filter_moved = true;
            let all = conf_path("ipv4", "all", "rp_filter");
            let level = sysctl::read(&all)
                .ok()
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0);
            if level > 0 {
                // The kernel uses max(all, interface): keep every other interface's
                // effective value while `all` drops to 0 for the VMAC.
                let mut ifs: Vec<String> =
                    self.ifaces.list.iter().map(|f| f.name.clone()).collect();
                ifs.push("default".into());
                for n in ifs.iter().filter(|n| *n != name) {
                    let p = conf_path("ipv4", n, "rp_filter");
                    let cur = sysctl::read(&p)
                        .ok()
                        .and_then(|v| v.parse::<u32>().ok())
                        .unwrap_or(0);
                    if cur < level {
                        let _ = s.set(p, &level.to_string());
                    }
                }
                let _ = s.set(all, "0");
            }
        }
        for e in errs {
            warn!("({who}) VMAC {name}: cannot set {e}");
        }
        if let Err(e) = self.rtnl.set_addr_gen_none(f.ifindex) {
            warn!("({who}) VMAC {name}: cannot turn off IPv6 address generation: {e}");
        }
        if let Err(e) = self.rtnl.set_link_up(f.ifindex, true) {
            warn!("({who}) VMAC {name}: cannot bring it up: {e}");
        }
        if v6 {
            // Adverts go from the parent's link-local address, which must be on the VMAC too.
            if let Some(ll) = self.ifaces.by_name(parent).and_then(|p| p.ll6) {
                let mut spec = crate::net::rtnl::AddrSpec::new(f.ifindex, ll.into(), 64);
                spec.flags = crate::net::rtnl::IFA_F_NODAD;
                spec.scope = crate::net::rtnl::RT_SCOPE_LINK;
                match self.rtnl.add_address(&spec) {
                    Err(e) if e.errno() != Some(libc::EEXIST) => {
                        warn!("({who}) VMAC {name}: cannot add link-local {ll}: {e}")
                    }
                    _ => {}
                }
            }
        }
    }

    /// Whether instance `i`'s links are up: its interface and, with use_vmac, its VMAC too
    /// (keepalived watches the VMAC's own state).
    pub(super) fn inst_links_up(&self, i: usize) -> bool {
        let inst = &self.insts[i];
        let up = |ifindex: u32| self.ifaces.by_index(ifindex).is_some_and(|f| f.up);
        (inst.ifindex == 0 || up(inst.ifindex)) && inst.vmac_ifindex.is_none_or(up)
    }

    /// A link was deleted: if it was one of our VMACs, its instances go to FAULT, it is made
    /// again with the same name and MAC, and they move onto it (new socket), coming back once
    /// it is up (keepalived's cleanup_lost_interface and recreate_vmac_thread).
    pub(super) fn vmac_removed(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let users: Vec<usize> = (0..self.insts.len())
            .filter(|&i| self.insts[i].vmac_ifindex == Some(ifindex))
            .collect();
        let Some(&first) = users.first() else {
            return;
        };
        let v = &self.cfg.vrrp.instances[self.insts[first].idx];
        let name = v.use_vmac.as_ref().and_then(|m| m.ifname.clone());
        info!("Interface {} deleted", name.as_deref().unwrap_or("?"));
        // Its map entry goes; the new VMAC's comes with prepare_vmacs.
        self.fw_vmac_deleted(ifindex);
        let now = Micros::now();
        for &i in &users {
            if !self.dont_track_primary(i) {
                let acts = self.insts[i].fsm.link_down(now);
                self.apply(lp, i, &acts);
            }
        }
        self.ifaces.refresh(&mut self.rtnl);
        // Makes what is missing (the configured names are written in by now) and adopts the rest.
        let mut cfg = std::mem::take(&mut self.cfg);
        self.prepare_vmacs(&mut cfg);
        self.cfg = cfg;
        for &i in &users {
            let Some(new) =
                instances::build(&self.cfg, self.insts[i].idx, &self.ifaces, &mut self.pool)
            else {
                continue;
            };
            // Only the VMAC's index and the socket on it change; the state machine stays.
            self.insts[i].vmac_ifindex = new.vmac_ifindex;
            self.insts[i].sock = new.sock;
        }
        let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
        self.pool.close_unused(lp, |s| used.contains(&s));
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        for &i in &users {
            if self.inst_links_up(i) {
                let acts = self.insts[i].fsm.link_up(Micros::now());
                self.apply(lp, i, &acts);
            }
        }
    }

    /// Deletes the VMACs a reload left unused.
    pub(super) fn delete_unused_vmacs(&mut self) {
        for name in std::mem::take(&mut self.vmacs.pending) {
            self.delete_vmac(&name);
        }
    }

    fn delete_vmac(&mut self, name: &str) {
        let Some(f) = self.ifaces.by_name(name).cloned() else {
            return;
        };
        info!("Removing VMAC interface {name}");
        self.fw_vmac_deleted(f.ifindex);
        if let Err(e) = self.rtnl.del_link(f.ifindex) {
            warn!("cannot remove VMAC {name}: {e}");
        }
    }

    /// On stop: every VMAC goes and changed sysctls are put back; with -V both stay, as
    /// keepalived leaves them.
    pub(super) fn remove_vmacs(&mut self) {
        if self.opts.dont_release_vrrp {
            return;
        }
        self.delete_unused_vmacs();
        for name in std::mem::take(&mut self.vmacs.names) {
            self.delete_vmac(&name);
        }
        self.vmacs.saved.restore_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_router_macs() {
        assert_eq!(default_mac(51, false), [0, 0, 0x5e, 0, 1, 51]);
        assert_eq!(default_mac(7, true), [0, 0, 0x5e, 0, 2, 7]);
        let v = VrrpInstance {
            use_vmac: Some(crate::config::vrrp::instance::Vmac {
                ifname: None,
                mac: Some([2, 1, 2, 3, 4, 0]),
                mac_use_vrid: true,
            }),
            ..VrrpInstance::default()
        };
        assert_eq!(wanted_mac(&v, 9, false), [2, 1, 2, 3, 4, 9]);
    }

    #[test]
    fn names_try_the_next_prefix_on_a_clash() {
        let n: Vec<String> = candidate_names(51).take(3).collect();
        assert_eq!(n, ["vrrp.51", "vrrp1.51", "vrrp2.51"]);
    }
}
