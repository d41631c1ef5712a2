//! The small VRRP-side top-level blocks about interfaces and groups of instances:
//! garp_group, linkbeat_interfaces, interface_up_down_delays and track_group.
//! Where keepalived only logs a problem (no config error), we stay as quiet.

use super::super::diag::{Diagnostics, Loc};
use super::super::tree::Node;
use super::super::value::parse_timer;
use crate::core::time::Micros;

/// `garp_group { garp_interval T; gna_interval T; interface IF | interfaces { IF.. } }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct GarpGroup {
    loc: Loc,
    pub(crate) garp_interval: Option<Micros>,
    gna_interval: Option<Micros>,
    pub(crate) interfaces: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkbeatType {
    Mii,
    Ethtool,
    Ioctl,
}

/// One line of `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkbeatIf {
    loc: Loc,
    ifname: String,
    pub(crate) kind: Option<LinkbeatType>,
}

/// One line of `interface_up_down_delays { IF DOWN [UP] }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UpDownDelay {
    loc: Loc,
    ifname: String,
    pub(crate) down: Micros,
    pub(crate) up: Micros,
}

/// `track_group NAME { group { VI.. } }`: instances static addresses/routes follow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrackGroup {
    loc: Loc,
    name: String,
    pub(crate) members: Vec<String>,
}

/// Interface-level settings read from those blocks.
#[derive(Clone, Debug, Default)]
pub(crate) struct IfBlocks {
    pub(crate) garp_groups: Vec<GarpGroup>,
    pub(crate) linkbeat: Vec<LinkbeatIf>,
    pub(crate) up_down_delays: Vec<UpDownDelay>,
    pub(crate) track_groups: Vec<TrackGroup>,
}

impl IfBlocks {
    fn has_garp_group(&self, ifname: &str) -> bool {
        self.garp_groups
            .iter()
            .any(|g| g.interfaces.iter().any(|i| i == ifname))
    }
}

fn interval(c: &Node, d: &mut Diagnostics) -> Option<Micros> {
    let v = c.arg(0).and_then(parse_timer);
    if v.is_none() {
        d.warn(
            c.loc,
            format_args!(
                "garp_group {} '{}' invalid",
                c.keyword(),
                c.arg(0).unwrap_or("")
            ),
        );
    }
    v
}

pub(crate) fn parse_garp_group(
    n: &Node,
    blocks: &mut IfBlocks,
    iface_exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    let mut g = GarpGroup {
        loc: n.loc,
        ..Default::default()
    };
    let add = |name: &str, at: Loc, g: &mut GarpGroup, d: &mut Diagnostics| {
        if !iface_exists(name) {
            d.warn(
                at,
                format_args!("WARNING - interface {name} specified for garp_group doesn't exist"),
            );
        } else if blocks.has_garp_group(name) || g.interfaces.iter().any(|i| i == name) {
            d.warn(
                at,
                format_args!("garp_group already specified for {name} - ignoring"),
            );
        } else {
            g.interfaces.push(name.to_string());
        }
    };
    for c in n.children() {
        match c.keyword() {
            "garp_interval" => g.garp_interval = interval(c, d).or(g.garp_interval),
            "gna_interval" => g.gna_interval = interval(c, d).or(g.gna_interval),
            "interface" => match c.arg(0) {
                Some(i) => add(i, c.loc, &mut g, d),
                None => d.warn(c.loc, "garp_group interface needs a name"),
            },
            "interfaces" => {
                if c.children().iter().all(|l| l.words.is_empty()) {
                    d.warn(c.end_loc(), "Warning - empty garp_group interfaces block");
                }
                for l in c.children() {
                    for i in &l.words {
                        add(i, c.end_loc(), &mut g, d);
                    }
                }
            }
            k => d.unknown_keyword(c.loc, k),
        }
    }
    if g.garp_interval.is_none() && g.gna_interval.is_none() {
        d.warn(
            n.end_loc(),
            format_args!(
                "garp group {} does not have any delay set - removing",
                blocks.garp_groups.len() + 1
            ),
        );
        return;
    }
    blocks.garp_groups.push(g);
}

/// keepalived refuses (fatal) an interface it does not know in these two blocks.
fn known_if(
    c: &Node,
    what: &str,
    iface_exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) -> bool {
    let ok = iface_exists(c.keyword());
    if !ok {
        d.error(
            c.loc,
            format_args!("unknown interface {} specified for {what}", c.keyword()),
        );
    }
    ok
}

pub(crate) fn parse_linkbeat(
    n: &Node,
    blocks: &mut IfBlocks,
    iface_exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    for c in n.children() {
        if !known_if(c, "linkbeat interface", iface_exists, d) {
            continue;
        }
        let kind = match c.arg(0) {
            None => None,
            Some("MII") => Some(LinkbeatType::Mii),
            Some("ETHTOOL") => Some(LinkbeatType::Ethtool),
            Some("IOCTL") => Some(LinkbeatType::Ioctl),
            Some(_) => None,
        };
        if c.arg(0).is_some() && (kind.is_none() || c.args().len() > 1) {
            d.warn(
                c.loc,
                format_args!(
                    "extra characters {} in linkbeat interface",
                    c.arg(0).unwrap_or("")
                ),
            );
        }
        blocks.linkbeat.push(LinkbeatIf {
            loc: c.loc,
            ifname: c.keyword().to_string(),
            kind,
        });
    }
}

pub(crate) fn parse_up_down_delays(
    n: &Node,
    blocks: &mut IfBlocks,
    iface_exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    const MAX: u64 = 255_000_000;
    let delay = |s: Option<&str>| s.and_then(parse_timer).filter(|v| v.0 <= MAX);
    for c in n.children() {
        if !known_if(c, "up/down delay", iface_exists, d) {
            continue;
        }
        // A line without delays is only logged by keepalived; a bad number is reported.
        let Some(down_s) = c.arg(0) else {
            continue;
        };
        let Some(down) = delay(Some(down_s)) else {
            d.warn(
                c.loc,
                format_args!("invalid down delay '{down_s}' for {}", c.keyword()),
            );
            continue;
        };
        let up = match c.arg(1) {
            None => Micros(0),
            s => match delay(s) {
                Some(u) => u,
                None => {
                    d.warn(
                        c.loc,
                        format_args!("invalid up delay '{}' for {}", s.unwrap_or(""), c.keyword()),
                    );
                    continue;
                }
            },
        };
        blocks.up_down_delays.push(UpDownDelay {
            loc: c.loc,
            ifname: c.keyword().to_string(),
            down,
            up,
        });
    }
}

pub(crate) fn parse_track_group(n: &Node, blocks: &mut IfBlocks, d: &mut Diagnostics) {
    let name = match n.args() {
        [name] => name.clone(),
        _ => {
            d.error(n.loc, "track_group must have a name - skipping");
            return;
        }
    };
    if blocks.track_groups.iter().any(|g| g.name == name) {
        d.error(n.loc, format_args!("track_group {name} already defined"));
        return;
    }
    let mut g = TrackGroup {
        loc: n.loc,
        name,
        members: Vec::new(),
    };
    let mut seen = false;
    for c in n.children() {
        match c.keyword() {
            "group" if seen => d.warn(
                c.loc,
                format_args!("Group list already specified for sync group {}", g.name),
            ),
            "group" => {
                seen = true;
                g.members = c.block_words();
                if g.members.is_empty() {
                    d.warn(
                        c.end_loc(),
                        format_args!("Warning - track group {} has empty group block", g.name),
                    );
                }
            }
            k => d.unknown_keyword(c.loc, k),
        }
    }
    blocks.track_groups.push(g);
}
