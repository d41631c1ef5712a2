//! Interfaces that go and come back: a deleted link leaves the table (its instances go FAULT),
//! a link seen for the first time joins it, and the instances configured on its name move to
//! its index (`vrrp::rebind_plan`) with a socket, and multicast join, on it; a VMAC that went
//! with the old link is made again over the new one first (hooks.rs, `vmacs_remade`).

use log::{error, info};

use super::sockets::Key;
use super::{Shell, SOCK_TOKEN_BASE};
use crate::core::event_loop::EventLoop;
use crate::vrrp::rebind_plan::{self, Bound};

impl Shell<'_> {
    /// Whether a link named `name` at `ifindex` matters to us (logged about).
    fn ours(&self, ifindex: u32, name: &str) -> bool {
        self.track.watches(name)
            || self
                .insts
                .iter()
                .any(|x| x.ifindex == ifindex || (!x.ifname.is_empty() && x.ifname == name))
    }

    /// A link notification for an index the table does not hold: a new link. Its MAC, MTU
    /// and group come from a link read; failing that it is known by the notification's name
    /// and state until the retried read. Its addresses follow as notifications, or from the
    /// address read the table's staleness asks for.
    pub(super) fn link_added(&mut self, lp: &mut EventLoop, ifindex: u32, name: &str, up: bool) {
        if self.opts.log_detail {
            info!("Interface {name} added");
        }
        let mut before = self.link_states();
        if self.ifaces.read_links(&mut self.rtnl).is_err()
            || self.ifaces.by_index(ifindex).is_none()
        {
            self.ifaces.add_unread(ifindex, name, up);
        }
        self.follow_link(lp, ifindex);
        // As keepalived, a new link counts as down until seen up: only its coming up is
        // reported. Any other change the read found is acted on as a notification would be.
        before.push((ifindex, false));
        self.links_reread(lp, &before);
    }

    /// Link `ifindex` was deleted: FAULT for its instances, then forgotten, so that its name
    /// finds whatever link is made under it next.
    /// (A VMAC's deletion may have read the table already, without it: the notification's
    /// name then says which it was.)
    pub(super) fn link_deleted(&mut self, lp: &mut EventLoop, ifindex: u32, name: &str) {
        let known = self.ifaces.by_index(ifindex).map(|f| f.name.clone());
        let name = known.as_deref().unwrap_or(name);
        if self.ours(ifindex, name) {
            info!("Interface {name} deleted");
        }
        self.link_changed(lp, ifindex, false);
        self.ifaces.remove(ifindex);
    }

    /// The instances configured on the name `ifindex` now has, bound to another index, move
    /// to it: new socket, new index for their VIPs and source address. Their state machines
    /// stay (FAULT while the link was gone); the link's state, reported next, brings them up.
    pub(super) fn follow_link(&mut self, lp: &mut EventLoop, ifindex: u32) {
        let Some(name) = self.ifaces.by_index(ifindex).map(|f| f.name.as_str()) else {
            return;
        };
        let bound = self.insts.iter().map(|x| Bound {
            ifname: &x.ifname,
            ifindex: x.ifindex,
            vmac: x.vmac_ifindex.is_some(),
        });
        let moves = rebind_plan::followers(bound, name, ifindex);
        if !moves.vmac.is_empty() {
            self.vmacs_remade(lp, &moves.vmac);
        }
        if moves.plain.is_empty() {
            return;
        }
        for &i in &moves.plain {
            let inst = &mut self.insts[i];
            let key = Key {
                ifindex,
                ..inst.key
            };
            // One that cannot open its socket stays on the old index, FAULT: the link's next
            // notification tries again.
            match self.pool.get_or_open(key, Some(&inst.ifname)) {
                Ok(s) => {
                    (inst.sock, inst.key, inst.ifindex) = (s, key, ifindex);
                }
                Err(e) => error!("({}) cannot open its VRRP socket: {e}", inst.name),
            }
        }
        let used: Vec<usize> = self.insts.iter().map(|x| x.sock).collect();
        self.pool.close_unused(lp, |s| used.contains(&s));
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        self.update_if_addrs(ifindex);
    }
}
