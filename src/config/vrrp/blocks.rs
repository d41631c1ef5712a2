//! The instance keywords with inner structure: unicast_peer, authentication, use_vmac, and the
//! tracking of virtual routes.

use super::super::diag::Diagnostics;
use super::super::tree::Node;
use super::super::value::{parse_prefix, parse_sock_ip, valid_ifname};
use super::instance::{AuthType, UnicastPeer, Vmac, VrrpInstance};

/// `use_vmac [NAME] [MAC]`: up to two words, a MAC being the one with ':' (interface names
/// cannot hold one). Five octets mean "append the VRID". keepalived refuses multicast MACs
/// and the RFC 5798 prefixes themselves.
pub(super) fn use_vmac(c: &Node, who: &str, d: &mut Diagnostics) -> Vmac {
    let mut vm = Vmac::default();
    for w in c.args().iter().take(2) {
        if w.contains(':') {
            if vm.mac.is_some() {
                d.warn(c.loc, "VMAC interface address already specified");
                continue;
            }
            match parse_mac(w) {
                None => d.warn(
                    c.loc,
                    format_args!("VMAC invalid MAC address {w} - ignored"),
                ),
                Some((m, _)) if m[0] & 1 != 0 => d.warn(
                    c.loc,
                    format_args!("VMAC MAC address is multicast {w} - ignoring"),
                ),
                Some((m, _)) if m[..3] == [0, 0, 0x5e] && m[3] == 0 && matches!(m[4], 1 | 2) => d
                    .warn(
                        c.loc,
                        format_args!(
                            "VMAC MAC address not allowed to be RFC5798 address ({w}) - ignoring"
                        ),
                    ),
                Some((m, use_vrid)) => {
                    vm.mac = Some(m);
                    vm.mac_use_vrid = use_vrid;
                }
            }
        } else if vm.ifname.is_some() {
            d.warn(c.loc, "VMAC interface name already specified");
        } else if !valid_ifname(w) {
            d.warn(
                c.loc,
                format_args!(
                    "({who}) VMAC interface name '{w}' too long or invalid characters - ignoring"
                ),
            );
        } else {
            vm.ifname = Some(w.clone());
        }
    }
    vm
}

/// Six hex octets, or five (the VRID then completes the address).
fn parse_mac(s: &str) -> Option<([u8; 6], bool)> {
    let s = s.strip_suffix(':').unwrap_or(s);
    let parts: Vec<&str> = s.split(':').collect();
    if !(5..=6).contains(&parts.len()) {
        return None;
    }
    let mut mac = [0u8; 6];
    for (b, p) in mac.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    Some((mac, parts.len() == 5))
}
/// keepalived can only watch a virtual route through its output interface; one without `dev`
/// (and not `no_track`) is installed but not tracked.
pub(super) fn untracked_route_warning(r: &Node, before: usize, d: &mut Diagnostics) {
    let said = d.items()[before..]
        .iter()
        .any(|x| x.loc == r.loc && x.msg.contains("track"));
    let has_dev = r.words.iter().any(|w| w == "dev" || w == "oif");
    let no_track = r.words.iter().any(|w| w == "no_track");
    if !said && !has_dev && !no_track {
        // The destination is the first address not taken by an option before it.
        let takes_value = ["src", "via", "gw", "or", "from", "table", "metric", "proto"];
        let dest = r
            .words
            .iter()
            .enumerate()
            .find(|(i, w)| {
                let prev = i.checked_sub(1).and_then(|p| r.words.get(p));
                (w.as_str() == "default" || parse_prefix(w).is_some())
                    && !prev.is_some_and(|p| takes_value.contains(&p.as_str()))
            })
            .map_or(r.keyword(), |(_, w)| w.as_str());
        d.warn(
            r.loc,
            format_args!(
                "Warning - cannot track route {dest} with no interface specified, not tracking"
            ),
        );
    }
}

pub(super) fn unicast_peer(v: &mut VrrpInstance, p: &Node, d: &mut Diagnostics) {
    let who = v.name.clone();
    let Some(addr) = parse_sock_ip(p.keyword()) else {
        d.warn(
            p.loc,
            format_args!("Configuration error: VRRP instance[{who}] malformed unicast peer address[{}]. Skipping...", p.keyword()),
        );
        return;
    };
    if !v.set_family(&addr) {
        d.warn(
            p.loc,
            format_args!("Configuration error: VRRP instance[{who}] and unicast peer address[{addr}] MUST be of the same family !!! Skipping..."),
        );
        return;
    }
    let mut peer = UnicastPeer {
        loc: p.loc,
        addr,
        min_ttl: 0,
        max_ttl: 255,
    };
    let args = p.args();
    for pair in args.chunks(2) {
        let val = pair.get(1).and_then(|s| s.parse::<u8>().ok());
        match (pair[0].as_str(), val) {
            ("min_ttl", Some(t)) => peer.min_ttl = t,
            ("max_ttl", Some(t)) => peer.max_ttl = t,
            (o, _) => d.warn(
                p.loc,
                format_args!("({who}) unknown unicast_peer option {o}"),
            ),
        }
    }
    if peer.min_ttl > peer.max_ttl {
        d.warn(
            p.loc,
            format_args!(
                "({who}) min_ttl {} > max_ttl {} - all packets will be discarded",
                peer.min_ttl, peer.max_ttl
            ),
        );
    }
    v.unicast_peers.push(peer);
}

pub(super) fn authentication(v: &mut VrrpInstance, c: &Node, d: &mut Diagnostics) {
    let who = v.name.clone();
    let mut auth = v.auth.unwrap_or_default();
    for a in c.children() {
        match a.keyword() {
            "auth_type" => match a.arg(0) {
                Some("PASS") => auth.auth_type = Some(AuthType::Pass),
                Some("AH") => auth.auth_type = Some(AuthType::Ah),
                o => d.warn(
                    a.loc,
                    format_args!("({who}) unknown authentication type '{}'", o.unwrap_or("")),
                ),
            },
            "auth_pass" => {
                let Some(p) = a.require_arg(0, "a password", d) else {
                    continue;
                };
                let bytes = p.as_bytes();
                if bytes.len() > 8 {
                    d.warn(a.loc, "Truncating auth_pass to 8 characters");
                }
                auth.pass = [0; 8];
                let n = bytes.len().min(8);
                auth.pass[..n].copy_from_slice(&bytes[..n]);
            }
            k => d.unknown_keyword(a.loc, k),
        }
    }
    v.auth = Some(auth);
}
