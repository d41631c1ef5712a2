//! What the VRRP child knows about the interfaces its instances use: index, name, up/down,
//! MAC, and the addresses adverts are sent from (primary IPv4, first IPv6 link-local). Filled
//! from an rtnetlink dump (the socket is the caller's) and kept current by the reflector's
//! events.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use log::warn;

use crate::net::garp::Mac;
use crate::net::netlink::Error;
use crate::net::rtnl::{AddrInfo, Link, Rtnl, DUMP_TRIES, IFA_F_SECONDARY};

/// The index of an instance's interface while no link has its name (`dynamic_interfaces`):
/// one the kernel never gives (indexes are positive `int`s), so it is never up.
pub const ABSENT_IFINDEX: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub struct IfInfo {
    pub ifindex: u32,
    pub name: String,
    pub up: bool,
    pub mac: Mac,
    pub mtu: u32,
    pub v4: Option<Ipv4Addr>,
    pub ll6: Option<Ipv6Addr>,
    /// Device group (IFLA_GROUP).
    pub group: u32,
}

/// What a link is built on, for VRID conflicts (vrid_conflict.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub ifindex: u32,
    /// A macvlan's or ipvlan's parent, else 0.
    pub parent: u32,
    /// A virtual link (keepalived's changeable type).
    pub changeable: bool,
}

#[derive(Default)]
pub struct Ifaces {
    pub list: Vec<IfInfo>,
    /// Per link read: its kind and parent (none for a link only notified).
    pub origins: Vec<Origin>,
    /// A read failed (or was put off, or notifications were lost) since the last complete
    /// one: what `list` says about addresses may be behind the kernel's.
    pub stale: bool,
}

fn is_link_local6(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

impl Ifaces {
    /// Dumps links and addresses afresh.
    pub fn load(rtnl: &mut Rtnl) -> Ifaces {
        let mut me = Ifaces::default();
        me.refresh(rtnl);
        me
    }

    /// Reads links and addresses again, retrying interrupted dumps. On failure the last
    /// good state stays (a blank one would silence every advert) and `stale` says
    /// a later read is due.
    pub fn refresh(&mut self, rtnl: &mut Rtnl) {
        let r = self
            .read_links(rtnl)
            .and_then(|()| self.read_addresses(rtnl, DUMP_TRIES));
        if let Err(e) = r {
            warn!("Netlink: cannot read interfaces ({e}) - keeping the last known state");
        }
    }

    /// Reads the link table again: interfaces come and go, the known ones keep their
    /// addresses. A cheap dump (one message per interface), and address changes do not
    /// interrupt it. A new interface leaves the table stale: its addresses are unknown.
    pub fn read_links(&mut self, rtnl: &mut Rtnl) -> Result<(), Error> {
        let links: Vec<Link> = rtnl.links().inspect_err(|_| self.stale = true)?;
        let old = std::mem::take(&mut self.list);
        // One loop, not two map/collect chains: measured smaller.
        self.origins = Vec::with_capacity(links.len());
        self.list = Vec::with_capacity(links.len());
        for l in &links {
            self.origins.push(Origin {
                ifindex: l.ifindex,
                parent: l.parent,
                changeable: l.kind.changeable(),
            });
            let known = old.iter().find(|o| o.ifindex == l.ifindex);
            if known.is_none() {
                self.stale = true;
            }
            let mut mac = [0u8; 6];
            if let Some(hw) = &l.hwaddr {
                let b = hw.as_bytes();
                if b.len() == 6 {
                    mac.copy_from_slice(b);
                }
            }
            self.list.push(IfInfo {
                ifindex: l.ifindex,
                name: l.name.to_string(),
                up: l.is_up(),
                mac,
                mtu: l.mtu,
                v4: known.and_then(|k| k.v4),
                ll6: known.and_then(|k| k.ll6),
                group: l.group,
            });
        }
        Ok(())
    }

    /// Reads every interface's addresses again (`tries` dumps at most when changes interrupt
    /// them). Nothing changes unless the dump completes.
    pub fn read_addresses(&mut self, rtnl: &mut Rtnl, tries: usize) -> Result<(), Error> {
        let addrs: Vec<AddrInfo> = rtnl
            .addresses_tries(tries)
            .inspect_err(|_| self.stale = true)?;
        for f in &mut self.list {
            let mine = addrs.iter().filter(|a| a.ifindex == f.ifindex);
            f.v4 = mine
                .clone()
                .filter(|a| a.flags & IFA_F_SECONDARY == 0)
                .find_map(|a| match a.addr {
                    IpAddr::V4(v) => Some(v),
                    _ => None,
                });
            f.ll6 = mine.clone().find_map(|a| match a.addr {
                IpAddr::V6(v) if is_link_local6(&v) => Some(v),
                _ => None,
            });
        }
        self.stale = false;
        Ok(())
    }

    pub fn by_name(&self, name: &str) -> Option<&IfInfo> {
        self.list.iter().find(|i| i.name == name)
    }

    pub fn by_index(&self, ifindex: u32) -> Option<&IfInfo> {
        self.list.iter().find(|i| i.ifindex == ifindex)
    }

    /// The link `ifindex`'s adverts share a wire with: its parent when that is known, else
    /// itself.
    pub fn base_of(&self, ifindex: u32) -> u32 {
        let o = self.origins.iter().find(|o| o.ifindex == ifindex);
        match o.map(|o| o.parent) {
            Some(p) if p != 0 && self.by_index(p).is_some() => p,
            _ => ifindex,
        }
    }

    pub fn changeable(&self, ifindex: u32) -> bool {
        self.origins
            .iter()
            .any(|o| o.ifindex == ifindex && o.changeable)
    }

    /// Whether an instance's interface `ifindex` counts as up: none (0, unbound) always does,
    /// one we do not know does not.
    pub fn bound_up(&self, ifindex: u32) -> bool {
        ifindex == 0 || self.by_index(ifindex).is_some_and(|f| f.up)
    }

    pub fn by_index_mut(&mut self, ifindex: u32) -> Option<&mut IfInfo> {
        self.list.iter_mut().find(|i| i.ifindex == ifindex)
    }

    /// The interface `ifindex` was deleted: forgotten, so that its name finds the next link
    /// made under it. What was known of it, if anything.
    pub fn remove(&mut self, ifindex: u32) -> Option<IfInfo> {
        self.origins.retain(|o| o.ifindex != ifindex);
        let at = self.list.iter().position(|i| i.ifindex == ifindex)?;
        Some(self.list.remove(at))
    }

    /// A link a notification named but a link read could not describe: known by name and
    /// state until the next read (which `stale` asks for) gives its MAC, MTU and addresses.
    pub fn add_unread(&mut self, ifindex: u32, name: &str, up: bool) {
        self.remove(ifindex);
        self.list.push(IfInfo {
            ifindex,
            name: name.to_string(),
            up,
            mac: [0; 6],
            mtu: 0,
            v4: None,
            ll6: None,
            group: 0,
        });
        self.stale = true;
    }

    /// An address appeared: it becomes the source if the interface had none of its kind
    /// (true then).
    pub fn addr_added(&mut self, ifindex: u32, addr: IpAddr) -> bool {
        let Some(i) = self.by_index_mut(ifindex) else {
            return false;
        };
        match addr {
            IpAddr::V4(a) if i.v4.is_none() => i.v4 = Some(a),
            IpAddr::V6(a) if i.ll6.is_none() && is_link_local6(&a) => i.ll6 = Some(a),
            _ => return false,
        }
        true
    }

    /// An address went away; true when it was one we send from (the caller re-dumps).
    pub fn addr_removed(&self, ifindex: u32, addr: IpAddr) -> bool {
        self.by_index(ifindex).is_some_and(|i| match addr {
            IpAddr::V4(a) => i.v4 == Some(a),
            IpAddr::V6(a) => i.ll6 == Some(a),
        })
    }

    /// Forgets `addr` as `ifindex`'s source, so the next address added takes its place; the
    /// table is stale until a dump finds what else the interface still has.
    pub fn forget_addr(&mut self, ifindex: u32, addr: IpAddr) {
        let Some(i) = self.by_index_mut(ifindex) else {
            return;
        };
        match addr {
            IpAddr::V4(a) if i.v4 == Some(a) => i.v4 = None,
            IpAddr::V6(a) if i.ll6 == Some(a) => i.ll6 = None,
            _ => return,
        }
        self.stale = true;
    }
}

impl Ifaces {
    /// Records link `ifindex` as `up` (or down); true when that changed what was known.
    pub fn set_up(&mut self, ifindex: u32, up: bool) -> bool {
        match self.by_index_mut(ifindex) {
            Some(f) if f.up != up => {
                f.up = up;
                true
            }
            _ => false,
        }
    }

    /// Gives link `ifindex` its new `name`; the old one when it had another.
    pub fn rename(&mut self, ifindex: u32, name: &str) -> Option<String> {
        let f = self.by_index_mut(ifindex)?;
        if f.name == name {
            return None;
        }
        Some(std::mem::replace(&mut f.name, name.to_string()))
    }

    /// The links known in `before` ((ifindex, name) pairs) that a read found under another
    /// name: (ifindex, old name).
    pub fn renamed_since(&self, before: &[(u32, String)]) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for (i, n) in before {
            if self.by_index(*i).is_some_and(|f| f.name != *n) {
                out.push((*i, n.clone()));
            }
        }
        out
    }

    /// The links a read found that `before` ((ifindex, up) pairs) did not have.
    pub fn new_since(&self, before: &[(u32, bool)]) -> Vec<u32> {
        let mut out = Vec::new();
        for f in &self.list {
            if !before.iter().any(|&(b, _)| b == f.ifindex) {
                out.push(f.ifindex);
            }
        }
        out
    }

    /// The links whose state differs from `before` ((ifindex, up) pairs from an earlier
    /// read): changed or new ones with their state now, gone ones as down.
    pub fn changed_since<'a>(
        &'a self,
        before: &'a [(u32, bool)],
    ) -> impl Iterator<Item = (u32, bool)> + 'a {
        let now = self.list.iter().map(|f| (f.ifindex, f.up));
        let changed = now.filter(move |&(i, u)| !before.contains(&(i, u)));
        let gone = before
            .iter()
            .filter(move |&&(i, _)| self.by_index(i).is_none())
            .map(|&(i, _)| (i, false));
        changed.chain(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v4: Option<Ipv4Addr>) -> Ifaces {
        Ifaces {
            list: vec![IfInfo {
                ifindex: 3,
                name: "flood0".into(),
                up: true,
                mac: [2, 0, 0, 0, 0, 3],
                mtu: 1500,
                v4,
                ll6: None,
                group: 0,
            }],
            stale: false,
            origins: Vec::new(),
        }
    }

    #[test]
    fn a_forgotten_source_gives_way_to_the_next_address_added() {
        let first = Ipv4Addr::new(10, 50, 0, 1);
        let mut f = one(Some(first));
        assert!(f.addr_removed(3, IpAddr::V4(first)));
        f.forget_addr(3, IpAddr::V4(first));
        assert_eq!(f.by_index(3).and_then(|i| i.v4), None);
        assert!(
            f.stale,
            "what else the interface has is unknown until a read"
        );
        let next = Ipv4Addr::new(10, 50, 0, 2);
        assert!(f.addr_added(3, IpAddr::V4(next)), "the new source");
        assert_eq!(f.by_index(3).and_then(|i| i.v4), Some(next));
        // A second address is not the source; nor is an IPv6 one that is not link-local.
        assert!(!f.addr_added(3, IpAddr::V4(Ipv4Addr::new(10, 50, 0, 3))));
        assert!(!f.addr_added(3, "fd00::1".parse().unwrap()));
        assert!(f.addr_added(3, "fe80::1".parse().unwrap()));
    }

    #[test]
    fn forgetting_another_address_changes_nothing() {
        let src = Ipv4Addr::new(10, 7, 0, 1);
        let mut f = one(Some(src));
        f.forget_addr(3, IpAddr::V4(Ipv4Addr::new(10, 7, 0, 9)));
        f.forget_addr(9, IpAddr::V4(src));
        assert_eq!(f.by_index(3).and_then(|i| i.v4), Some(src));
        assert!(!f.stale);
    }

    #[test]
    fn a_name_made_again_finds_the_new_link_once_the_old_is_removed() {
        let mut f = one(Some(Ipv4Addr::new(10, 7, 0, 1)));
        assert!(f.remove(3).is_some_and(|i| i.name == "flood0"));
        assert!(f.remove(3).is_none());
        assert!(f.by_name("flood0").is_none());
        f.add_unread(8, "flood0", false);
        let i = f.by_name("flood0").map(|i| (i.ifindex, i.up, i.v4));
        assert_eq!(i, Some((8, false, None)));
        assert!(f.stale, "its MAC and addresses are for a read to find");
    }

    #[test]
    fn an_unbound_instance_is_always_up_and_an_unknown_link_never() {
        let f = IfInfo {
            ifindex: 2,
            name: "eth0".into(),
            up: false,
            mac: [2, 0, 0, 0, 0, 2],
            mtu: 1500,
            v4: None,
            ll6: None,
            group: 0,
        };
        let mut ifs = Ifaces {
            list: vec![f],
            stale: false,
            origins: Vec::new(),
        };
        assert!(ifs.bound_up(0));
        assert!(!ifs.bound_up(2));
        assert!(!ifs.bound_up(9));
        ifs.list[0].up = true;
        assert!(ifs.bound_up(2));
    }

    #[test]
    fn a_rename_is_told_once_with_the_old_name() {
        let mut f = one(None);
        assert_eq!(f.rename(3, "eth9").as_deref(), Some("flood0"));
        assert_eq!(f.rename(3, "eth9"), None);
        assert_eq!(f.rename(7, "eth9"), None);
        assert!(f.by_name("flood0").is_none() && f.by_name("eth9").is_some());
    }

    #[test]
    fn a_read_tells_which_links_were_renamed() {
        let f = one(None);
        let before = [(3, "eth0".to_string()), (5, "eth5".to_string())];
        assert_eq!(f.renamed_since(&before), vec![(3, "eth0".to_string())]);
        assert_eq!(f.renamed_since(&[(3, "flood0".to_string())]), vec![]);
    }

    #[test]
    fn a_read_tells_which_links_are_new() {
        let f = one(None);
        assert_eq!(f.new_since(&[(3, true)]), Vec::<u32>::new());
        assert_eq!(f.new_since(&[(5, true)]), vec![3]);
    }

    #[test]
    fn a_read_reports_changed_new_and_gone_links() {
        let mut f = one(None);
        f.list[0].up = false;
        let before = [(3, true), (7, true)];
        let got: Vec<(u32, bool)> = f.changed_since(&before).collect();
        assert_eq!(got, vec![(3, false), (7, false)]);
        f.list[0].up = true;
        assert_eq!(f.changed_since(&[(3, true)]).count(), 0);
        assert_eq!(f.changed_since(&[]).collect::<Vec<_>>(), vec![(3, true)]);
        assert!(f.set_up(3, false) && !f.set_up(3, false) && !f.set_up(9, true));
    }
}
