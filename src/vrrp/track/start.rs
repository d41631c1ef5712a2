//! The tracked objects of the running instances, at start or after a reload, and the level
//! each starts at: an interface or `track_src_ip` address as the kernel has it now; a BFD
//! session as the parent last passed it on (Down until it says Up, keepalived's assumption
//! before the BFD process's first event); a script,
//! file or process as it was before the reload (kept by name), else not reported yet (a
//! script: down with `init_fail`; a file: 0, until it is read).

use std::net::IpAddr;

use super::{instance_links, Effect, Key, Level, Link, Tracking};
use crate::config::track::Weight;
use crate::config::Config;

/// What the kernel says now about the objects that follow it.
pub(crate) struct Kernel<'a> {
    /// Whether the interface of that name is up (false when there is none).
    pub(crate) link_up: &'a dyn Fn(&str) -> bool,
    /// Every address, by interface index.
    pub(crate) addrs: &'a [(u32, IpAddr)],
    /// Whether the BFD session of that name is Up, as the parent last said.
    pub(crate) bfd_up: &'a dyn Fn(&str) -> bool,
}

impl Tracking {
    /// The objects that the running instances `insts` (config index, interface index and,
    /// once started, the effect already applied to it) track, and their links, in that order.
    pub(crate) fn build(
        cfg: &Config,
        insts: &[(usize, u32, Option<Effect>)],
        old: &Tracking,
        kernel: &Kernel,
    ) -> Tracking {
        let mut t = Tracking::default();
        for &(idx, ifindex, applied) in insts {
            let mut wanted = instance_links(cfg, idx);
            let v = &cfg.vrrp.instances[idx];
            if let (true, Some(src)) = (v.track_src_ip, v.src_ip) {
                wanted.push((Key::SrcIp(ifindex, src), Weight::default()));
            }
            let mut links = Vec::with_capacity(wanted.len());
            for (key, weight) in wanted {
                let carried = old.find(&key).and_then(|o| old.level(o));
                let level = start_level(cfg, &key, carried, kernel);
                links.push(Link {
                    obj: t.object(key, level),
                    weight,
                });
            }
            let n = t.add_instance(links);
            if let Some(e) = applied {
                t.set_applied(n, e);
            }
        }
        t
    }
}

fn start_level(cfg: &Config, key: &Key, carried: Option<Level>, kernel: &Kernel) -> Level {
    let up_if = |b: bool| if b { Level::Up } else { Level::Down };
    match (key, carried) {
        (Key::Interface(n), _) => up_if((kernel.link_up)(n)),
        // An instance bound to no interface (ifindex 0) takes the address on any.
        (Key::SrcIp(ifx, a), _) => up_if(
            kernel
                .addrs
                .iter()
                .any(|(i, x)| x == a && (*ifx == 0 || i == ifx)),
        ),
        (Key::Bfd(n), _) => up_if((kernel.bfd_up)(n)),
        (_, Some(l)) => l,
        (Key::File(_), None) => Level::Value(0),
        (Key::Script(n), None) => {
            let scripts = &cfg.vrrp.trackers.scripts;
            if scripts.iter().any(|s| &s.name == n && s.init_fail) {
                Level::Down
            } else {
                Level::Unknown
            }
        }
        (Key::Process(_), None) => Level::Unknown,
    }
}
