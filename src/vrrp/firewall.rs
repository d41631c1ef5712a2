//! The no_accept / VMAC firewall as keepalived 2.2.7 (built with nftables) keeps it, decided
//! without IO: which tables, chains, sets and rules exist, created lazily in keepalived's
//! order (so `nft list ruleset` reads the same), and the elements each event adds or removes.
//! Everything is written into a [`Batch`]; the shell sends it.
//!
//! - A VIP of a MASTER that is neither address owner nor `accept` is in set `vips` (table of
//!   its family; link-local IPv6 in `vips_link_local` with its interface), and chains `in` /
//!   `out` drop traffic to and from it.
//! - A VMAC is in map `vmac_map` (VMAC -> parent), by which the `out` chain re-sends its
//!   IGMP / MLD reports on the parent and drops them on the VMAC; IPv6 also drops its router
//!   solicitations (set `vmac_set`).

use std::net::IpAddr;

use super::firewall_rules::{self as rules, LL_NAME_SET, LL_SET, ND_SET, VIPS, VMAC_MAP, VMAC_SET};
use crate::config::Config;
use crate::net::nft::{self, Batch, Elem, SetSpec};
use crate::net::nft::{NFPROTO_IPV4, NFPROTO_IPV6, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT};

pub const DEFAULT_TABLE: &str = "keepalived";
const DEFAULT_PRIORITY: i32 = -1;

/// A VIP or eVIP as the firewall sees it: link-local IPv6 ones are keyed with the index of
/// the interface they are on, or with its name (`ifname`, NUL-padded) where keepalived uses
/// set `vips_link_local_name`: a `dont_track_primary` instance's address on the instance's
/// own interface or marked `no_track`, unless `nftables_ifindex`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vip {
    pub addr: IpAddr,
    pub ifindex: u32,
    pub ifname: Option<[u8; 16]>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Family {
    table: bool,
    vips: bool,
    link_local: bool,
    link_local_name: bool,
    igmp: bool,
    /// A table of this name was found at start (a leftover): deleted before ours is made.
    stale: bool,
}

#[derive(Debug)]
pub struct Firewall {
    table: String,
    priority: i32,
    counters: bool,
    next_set_id: u32,
    v4: Family,
    v6: Family,
}

/// Whether an instance's VIPs go into the drop sets while it is MASTER: keepalived skips
/// address owners (configured priority 255) and `accept` instances.
pub fn drops_vips(v: &crate::config::vrrp::VrrpInstance) -> bool {
    !v.resolved.accept && v.resolved.priority != 255
}

impl Firewall {
    /// The firewall `cfg` needs, or None when no instance is `no_accept` or has a VMAC.
    /// Logs keepalived's line when it falls back to nftables unasked.
    pub fn for_config(cfg: &Config) -> Option<Firewall> {
        let insts = &cfg.vrrp.instances;
        let needed = insts
            .iter()
            .any(|v| !v.resolved.accept || v.use_vmac.is_some());
        if !needed {
            return None;
        }
        let f = &cfg.global.firewall;
        let table = match &f.nftables {
            Some(t) => t.clone(),
            None => {
                log::info!(
                    "use_vmac or no_accept/strict specified, but no firewall configured - using nftables"
                );
                DEFAULT_TABLE.to_string()
            }
        };
        Some(Firewall::new(
            table,
            f.nftables_priority.unwrap_or(DEFAULT_PRIORITY),
            f.nftables_counters,
        ))
    }

    pub fn new(table: String, priority: i32, counters: bool) -> Self {
        Firewall {
            table,
            priority,
            counters,
            next_set_id: 0,
            v4: Family::default(),
            v6: Family::default(),
        }
    }

    /// Whether `cfg` asks for other table settings than these (a reload changing them).
    pub fn settings_differ(&self, cfg: &Config) -> bool {
        let f = &cfg.global.firewall;
        f.nftables.as_deref().unwrap_or(DEFAULT_TABLE) != self.table
            || f.nftables_priority.unwrap_or(DEFAULT_PRIORITY) != self.priority
            || f.nftables_counters != self.counters
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Nothing made yet: the shell then looks for leftover tables ([`Firewall::note_stale`]).
    pub fn is_empty(&self) -> bool {
        !self.v4.table && !self.v6.table
    }

    /// Tables of our name found before our first change; they are deleted in that change.
    pub fn note_stale(&mut self, v4: bool, v6: bool) {
        self.v4.stale = v4;
        self.v6.stale = v6;
    }

    fn fam(&mut self, fam: u8) -> &mut Family {
        if fam == NFPROTO_IPV4 {
            &mut self.v4
        } else {
            &mut self.v6
        }
    }

    fn set_id(&mut self) -> u32 {
        self.next_set_id += 1;
        self.next_set_id
    }

    fn setup_table(&mut self, b: &mut Batch<'_>, fam: u8) {
        if self.fam(fam).table {
            return;
        }
        if self.is_empty() {
            for (f, name) in [(NFPROTO_IPV4, "ip"), (NFPROTO_IPV6, "ip6")] {
                if std::mem::take(&mut self.fam(f).stale) {
                    log::info!("Deleting old {name} {} table", self.table);
                    b.del_table(f, &self.table);
                }
            }
        }
        b.table(fam, &self.table);
        b.base_chain(fam, &self.table, "out", NF_INET_LOCAL_OUT, self.priority);
        self.fam(fam).table = true;
    }

    fn setup_vips(&mut self, b: &mut Batch<'_>, fam: u8) {
        if self.fam(fam).vips {
            return;
        }
        self.setup_table(b, fam);
        let t = self.table.clone();
        b.base_chain(fam, &t, "in", NF_INET_LOCAL_IN, self.priority);
        let v6 = fam == NFPROTO_IPV6;
        if v6 {
            b.chain(fam, &t, "in_link_local");
            b.chain(fam, &t, "out_link_local");
        }
        let (key_type, key_len) = if v6 {
            (nft::TYPE_IP6ADDR, 16)
        } else {
            (nft::TYPE_IPADDR, 4)
        };
        let id = self.set_id();
        b.set(
            fam,
            &t,
            &spec(VIPS, None, key_type, key_len, None, id, true),
        );
        if v6 {
            let id = self.set_id();
            let nd = spec(
                ND_SET,
                Some(nft::NFT_SET_CONSTANT),
                nft::TYPE_ICMPV6_TYPE,
                1,
                None,
                id,
                false,
            );
            b.set(fam, &t, &nd);
            let ns = [rules::ND_NEIGHBOR_SOLICIT];
            let na = [rules::ND_NEIGHBOR_ADVERT];
            let e = [key(&ns), key(&na)];
            b.elems(true, false, fam, &t, ND_SET, Some(id), &e);
            for (chain, saddr) in [("in", false), ("out", true)] {
                b.rule(fam, &t, chain, &rules::nd_accept(self.counters));
                b.rule(
                    fam,
                    &t,
                    chain,
                    &rules::link_local_goto(saddr, self.counters),
                );
            }
        }
        for (chain, saddr) in [("in", false), ("out", true)] {
            b.rule(fam, &t, chain, &rules::vips_drop(v6, saddr, self.counters));
        }
        self.fam(fam).vips = true;
    }

    fn setup_link_local(&mut self, b: &mut Batch<'_>, by_name: bool) {
        if (by_name && self.v6.link_local_name) || (!by_name && self.v6.link_local) {
            return;
        }
        let t = self.table.clone();
        let id = self.set_id();
        // nft >= 0.8.3 knows the ifname type (keepalived asks `nft -v`; Debian has 1.0).
        let (set, dev_type, key_len) = if by_name {
            (LL_NAME_SET, nft::TYPE_IFNAME, 32)
        } else {
            (LL_SET, nft::TYPE_IFINDEX, 20)
        };
        let ty = (nft::TYPE_IP6ADDR << nft::TYPE_BITS) | dev_type;
        b.set(
            NFPROTO_IPV6,
            &t,
            &spec(set, None, ty, key_len, None, id, false),
        );
        for (chain, saddr) in [("in_link_local", false), ("out_link_local", true)] {
            let x = rules::link_local_drop(by_name, saddr, self.counters);
            b.rule(NFPROTO_IPV6, &t, chain, &x);
        }
        if by_name {
            self.v6.link_local_name = true;
        } else {
            self.v6.link_local = true;
        }
    }

    /// Puts `vips` into (`add`) or out of the drop sets: one message per set, sets made
    /// first when this is the first address of their family. Removing never creates.
    pub fn update_vips(&mut self, b: &mut Batch<'_>, vips: &[Vip], add: bool) {
        let mut v4: Vec<[u8; 4]> = Vec::new();
        let mut v6: Vec<[u8; 16]> = Vec::new();
        let mut ll: Vec<[u8; 20]> = Vec::new();
        let mut ll_name: Vec<[u8; 32]> = Vec::new();
        for v in vips {
            match v.addr {
                IpAddr::V4(a) => {
                    if add {
                        self.setup_vips(b, NFPROTO_IPV4);
                    }
                    v4.push(a.octets());
                }
                IpAddr::V6(a) => {
                    if add {
                        self.setup_vips(b, NFPROTO_IPV6);
                    }
                    if a.segments()[0] & 0xffc0 != 0xfe80 {
                        v6.push(a.octets());
                        continue;
                    }
                    if add {
                        self.setup_link_local(b, v.ifname.is_some());
                    }
                    if let Some(name) = v.ifname {
                        let mut k = [0u8; 32];
                        k[..16].copy_from_slice(&a.octets());
                        k[16..].copy_from_slice(&name);
                        ll_name.push(k);
                    } else {
                        let mut k = [0u8; 20];
                        k[..16].copy_from_slice(&a.octets());
                        k[16..].copy_from_slice(&v.ifindex.to_ne_bytes());
                        ll.push(k);
                    }
                }
            }
        }
        let t = self.table.clone();
        let groups = [
            (NFPROTO_IPV4, VIPS, keys(&v4), self.v4.vips),
            (NFPROTO_IPV6, VIPS, keys(&v6), self.v6.vips),
            (NFPROTO_IPV6, LL_SET, keys(&ll), self.v6.link_local),
            (
                NFPROTO_IPV6,
                LL_NAME_SET,
                keys(&ll_name),
                self.v6.link_local_name,
            ),
        ];
        for (fam, set, elems, made) in groups {
            if !elems.is_empty() && made {
                b.elems(add, true, fam, &t, set, None, &elems);
            }
        }
    }

    fn setup_igmp(&mut self, b: &mut Batch<'_>, fam: u8) -> (u32, Option<u32>) {
        self.setup_table(b, fam);
        let t = self.table.clone();
        let v6 = fam == NFPROTO_IPV6;
        let map_id = self.set_id();
        let map = spec(
            VMAC_MAP,
            Some(nft::NFT_SET_MAP),
            nft::TYPE_IFINDEX,
            4,
            Some((nft::TYPE_IFINDEX, 4)),
            map_id,
            false,
        );
        b.set(fam, &t, &map);
        let set_id = v6.then(|| {
            let id = self.set_id();
            b.set(
                fam,
                &t,
                &spec(VMAC_SET, None, nft::TYPE_IFINDEX, 4, None, id, false),
            );
            id
        });
        b.rule(fam, &t, "out", &rules::igmp_dup(v6, self.counters));
        if v6 {
            b.rule(fam, &t, "out", &rules::router_solicit_drop(self.counters));
        }
        self.fam(fam).igmp = true;
        (map_id, set_id)
    }

    fn update_vmac_family(&mut self, b: &mut Batch<'_>, fam: u8, vmac: u32, base: u32, add: bool) {
        // keepalived creates the map even for a removal, and names the sets by id only in
        // the batch that creates them.
        let (map_id, set_id) = if self.fam(fam).igmp {
            (None, None)
        } else {
            let (m, s) = self.setup_igmp(b, fam);
            (Some(m), s)
        };
        let t = self.table.clone();
        let k = vmac.to_ne_bytes();
        let d = base.to_ne_bytes();
        let e = [Elem {
            key: &k,
            data: Some(&d),
        }];
        b.elems(add, false, fam, &t, VMAC_MAP, map_id, &e);
        if fam == NFPROTO_IPV6 {
            b.elems(add, false, fam, &t, VMAC_SET, set_id, &[key(&k)]);
        }
    }

    /// A VMAC (`vmac` on parent `base`) was created (`add`) or is being deleted. `other`:
    /// the instance has eVIPs of the other family, whose table gets the VMAC too.
    pub fn update_vmac(
        &mut self,
        b: &mut Batch<'_>,
        vmac: u32,
        base: u32,
        v6: bool,
        other: bool,
        add: bool,
    ) {
        let (fam, alt) = if v6 {
            (NFPROTO_IPV6, NFPROTO_IPV4)
        } else {
            (NFPROTO_IPV4, NFPROTO_IPV6)
        };
        self.update_vmac_family(b, fam, vmac, base, add);
        if other {
            self.update_vmac_family(b, alt, vmac, base, add);
        }
    }

    /// At stop: our tables go (whatever `--dont-release-vrrp` says, as keepalived does).
    pub fn cleanup(&mut self, b: &mut Batch<'_>) {
        let t = self.table.clone();
        if self.v4.table {
            b.del_table(NFPROTO_IPV4, &t);
        }
        if self.v6.table {
            b.del_table(NFPROTO_IPV6, &t);
        }
        self.v4 = Family::default();
        self.v6 = Family::default();
    }
}

fn spec<'a>(
    name: &'a str,
    flags: Option<u32>,
    key_type: u32,
    key_len: u32,
    data: Option<(u32, u32)>,
    id: u32,
    key_big_endian: bool,
) -> SetSpec<'a> {
    SetSpec {
        name,
        flags,
        key_type,
        key_len,
        data,
        id,
        key_big_endian,
    }
}

fn keys<const N: usize>(ks: &[[u8; N]]) -> Vec<Elem<'_>> {
    // A loop, not map/collect: this is built once per key width.
    let mut out = Vec::with_capacity(ks.len());
    for k in ks {
        out.push(key(k));
    }
    out
}

fn key(k: &[u8]) -> Elem<'_> {
    Elem { key: k, data: None }
}

#[cfg(test)]
#[path = "firewall_tests.rs"]
mod tests;
