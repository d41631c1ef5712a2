//! What the VRRP child knows about the interfaces its instances use: index, name, up/down,
//! MAC, and the addresses adverts are sent from (primary IPv4, first IPv6 link-local). Filled
//! from an rtnetlink dump (the socket is the caller's) and kept current by the reflector's
//! events.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::net::garp::Mac;
use crate::net::rtnl::{AddrInfo, Link, Rtnl, IFA_F_SECONDARY};

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

#[derive(Default)]
pub struct Ifaces {
    pub list: Vec<IfInfo>,
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

    pub fn refresh(&mut self, rtnl: &mut Rtnl) {
        let links: Vec<Link> = match rtnl.links() {
            Ok(l) => l,
            Err(e) => {
                log::error!("Netlink: cannot list interfaces: {e}");
                return;
            }
        };
        let addrs: Vec<AddrInfo> = rtnl.addresses().unwrap_or_default();
        self.list = links
            .iter()
            .map(|l| {
                let mut mac = [0u8; 6];
                if let Some(hw) = &l.hwaddr {
                    let b = hw.as_bytes();
                    if b.len() == 6 {
                        mac.copy_from_slice(b);
                    }
                }
                let mine = addrs.iter().filter(|a| a.ifindex == l.ifindex);
                let v4 = mine
                    .clone()
                    .filter(|a| a.flags & IFA_F_SECONDARY == 0)
                    .find_map(|a| match a.addr {
                        IpAddr::V4(v) => Some(v),
                        _ => None,
                    });
                let ll6 = mine.clone().find_map(|a| match a.addr {
                    IpAddr::V6(v) if is_link_local6(&v) => Some(v),
                    _ => None,
                });
                IfInfo {
                    ifindex: l.ifindex,
                    name: l.name.to_string(),
                    up: l.is_up(),
                    mac,
                    mtu: l.mtu,
                    v4,
                    ll6,
                    group: l.group,
                }
            })
            .collect();
    }

    pub fn by_name(&self, name: &str) -> Option<&IfInfo> {
        self.list.iter().find(|i| i.name == name)
    }

    pub fn by_index(&self, ifindex: u32) -> Option<&IfInfo> {
        self.list.iter().find(|i| i.ifindex == ifindex)
    }

    /// Whether an instance's interface `ifindex` counts as up: none (0, unbound) always does,
    /// one we do not know does not.
    pub fn bound_up(&self, ifindex: u32) -> bool {
        ifindex == 0 || self.by_index(ifindex).is_some_and(|f| f.up)
    }

    pub fn by_index_mut(&mut self, ifindex: u32) -> Option<&mut IfInfo> {
        self.list.iter_mut().find(|i| i.ifindex == ifindex)
    }

    /// An address appeared: it becomes the source if the interface had none of its kind.
    pub fn addr_added(&mut self, ifindex: u32, addr: IpAddr) {
        if let Some(i) = self.by_index_mut(ifindex) {
            match addr {
                IpAddr::V4(a) if i.v4.is_none() => i.v4 = Some(a),
                IpAddr::V6(a) if i.ll6.is_none() && is_link_local6(&a) => i.ll6 = Some(a),
                _ => {}
            }
        }
    }

    /// An address went away; true when it was one we send from (the caller re-dumps).
    pub fn addr_removed(&self, ifindex: u32, addr: IpAddr) -> bool {
        self.by_index(ifindex).is_some_and(|i| match addr {
            IpAddr::V4(a) => i.v4 == Some(a),
            IpAddr::V6(a) => i.ll6 == Some(a),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut ifs = Ifaces { list: vec![f] };
        assert!(ifs.bound_up(0));
        assert!(!ifs.bound_up(2));
        assert!(!ifs.bound_up(9));
        ifs.list[0].up = true;
        assert!(ifs.bound_up(2));
    }
}
