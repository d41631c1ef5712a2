//! The keepalived.conf language.
//!
//! Reading goes in two steps: `reader` turns files into a keyword tree (comments, quotes,
//! `include`, `@id` conditionals, `$NAME` definitions and `~SEQ` already resolved), then
//! each section module reads its typed structures off the tree. A warning (unknown keyword)
//! lets the load go on; an error makes `-t` fail and a reload keep the old config.

pub(crate) mod bfd;
pub mod checker;
mod daemon;
pub(crate) mod diag;
pub(crate) mod env_mode;
pub(crate) mod global;
pub(crate) mod iproute;
mod kwtable;
pub(crate) mod located;
pub mod lvs;
pub(crate) mod reader;
pub(crate) mod track;
mod tree;
pub(crate) mod value;
pub(crate) mod vrrp;

use std::path::Path;

use crate::core::alloc::in_arena;

pub use daemon::env_mode_args;
pub(crate) use daemon::{env_mode_applies, log_diags, reload_config};
pub(crate) use diag::{Diagnostics, Loc, Severity};
pub(crate) use tree::Node;

/// How to read the config, from the command line.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-i`: the id `@id` lines are matched against (default: hostname up to the first '.').
    config_id: Option<String>,
    /// `-e`: a missing include file is an error.
    all_config: bool,
    /// A reload's read: interface names the running daemon has seen, which count as existing
    /// though gone now (keepalived keeps a deleted interface's name in its list).
    pub(crate) seen_interfaces: Vec<String>,
}

/// Everything keepalived.conf can say, typed and validated.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) global: global::GlobalDefs,
    /// static_ipaddress, static_routes, static_rules.
    pub(crate) net: iproute::StaticNet,
    pub(crate) vrrp: vrrp::VrrpConfig,
    pub(crate) lvs: lvs::LvsConfig,
    pub(crate) bfd: bfd::BfdConfig,
}

impl Default for Config {
    /// Out of line: derived, it was inlined (some 850 bytes of stores on MIPS) at every
    /// `Config::default()` and `mem::take` of a config.
    #[inline(never)]
    fn default() -> Self {
        Config {
            global: Default::default(),
            net: Default::default(),
            vrrp: Default::default(),
            lvs: Default::default(),
            bfd: Default::default(),
        }
    }
}

impl Config {
    /// keepalived starts the VRRP child only when there is something for it to do.
    pub(crate) fn needs_vrrp(&self) -> bool {
        !self.vrrp.instances.is_empty() || !self.net.is_empty()
    }

    /// ... and the checker child only when there are virtual servers.
    pub(crate) fn needs_checker(&self) -> bool {
        !self.lvs.virtual_servers.is_empty()
    }

    /// A copy with each part in a memory arena of its own: packed, and a child that does not
    /// run a part (the VRRP child the virtual servers, the checker the VRRP instances) drops
    /// it with its pages given back and none of the parent's written.
    fn packed(&self) -> Config {
        Config {
            global: in_arena(|| self.global.clone()),
            net: in_arena(|| self.net.clone()),
            vrrp: in_arena(|| self.vrrp.clone()),
            lvs: in_arena(|| self.lvs.clone()),
            bfd: in_arena(|| self.bfd.clone()),
        }
    }

    /// The interfaces this config names (VRRP instances, tracking, static and virtual
    /// addresses): what a reload's read counts as existing.
    pub(crate) fn interface_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut add = |n: Option<&str>| {
            if let Some(n) = n.filter(|n| !names.iter().any(|o| o == n)) {
                names.push(n.to_string());
            }
        };
        for a in &self.net.addresses {
            add(a.dev.as_deref());
        }
        for g in &self.vrrp.sync_groups {
            for t in &g.track.interfaces {
                add(Some(&t.name));
            }
        }
        for v in &self.vrrp.instances {
            add(v.interface.as_deref());
            for a in v.vips.iter().chain(&v.evips) {
                add(a.dev.as_deref());
            }
            for t in &v.track.interfaces {
                add(Some(&t.name));
            }
        }
        names
    }
}

/// Reads `path` and everything it includes. The config is returned even with errors
/// (for `-d`); callers decide on `diags.has_errors()`.
///
/// The read (files, tree, the typed config as built) happens in a memory arena of its own,
/// given back to the kernel when the diagnostics are dropped; the config returned is a packed
/// copy, each part in an arena of its own (see [`Config::packed`]).
pub fn load(path: &Path, opts: &LoadOptions) -> (Config, Diagnostics) {
    let (built, d) = in_arena(|| {
        let mut d = Diagnostics::new();
        let nodes = match daemon::env_tree(path, &mut d) {
            Some(nodes) => nodes,
            None => reader::read_tree(path, opts, &mut d),
        };
        let cfg = from_tree_seen(&nodes, &opts.seen_interfaces, &mut d);
        (cfg, d)
    });
    (built.packed(), d)
}

/// Typed config from an already-read tree.
#[cfg(test)]
pub(crate) fn from_tree(nodes: &[Node], d: &mut Diagnostics) -> Config {
    from_tree_seen(nodes, &[], d)
}

/// [`from_tree`], where the interfaces named in `seen` count as existing.
fn from_tree_seen(nodes: &[Node], seen: &[String], d: &mut Diagnostics) -> Config {
    let mut cfg = Config::default();
    cfg.global.seen_interfaces = seen.to_vec();
    for n in nodes {
        let handled = global::parse_top(n, &mut cfg, d)
            || vrrp::parse_top(n, &mut cfg, d)
            || lvs::parse_top(n, &mut cfg, d)
            || bfd::parse_top(n, &mut cfg, d);
        if !handled {
            d.unknown_keyword(n.loc, n.keyword());
        }
    }
    vrrp::check(&mut cfg, d);
    bfd::check(&mut cfg, d);
    lvs::check(&mut cfg, d);
    cfg
}
