//! Reading one `vrrp_instance` block: its keywords (`keywords`, `blocks`), then what
//! keepalived checks at the closing brace.

use super::super::diag::{Diagnostics, Loc};
use super::super::tree::Node;
use super::instance::VrrpInstance;
use super::keywords::{keyword, Ctx};

/// Reads one `vrrp_instance` block. None when it has no usable name (reported).
pub(crate) fn parse(n: &Node, ctx: &Ctx, d: &mut Diagnostics) -> Option<VrrpInstance> {
    let name = match n.args() {
        [name] => name.clone(),
        _ => {
            d.error(n.loc, "vrrp_instance must have a name");
            return None;
        }
    };
    let mut v = VrrpInstance {
        loc: n.loc,
        end_line: n.end_line,
        name,
        ..Default::default()
    };
    for c in n.children() {
        keyword(&mut v, c, ctx, d);
    }
    end_checks(&mut v, d);
    Some(v)
}

/// What keepalived checks when it reaches the instance's closing brace.
fn end_checks(v: &mut VrrpInstance, d: &mut Diagnostics) {
    let end = Loc {
        file: v.loc.file,
        line: v.end_line,
    };
    let who = v.name.clone();
    if v.unicast_configured && v.use_vmac.is_some() {
        if v.interface.is_none() {
            d.warn(
                end,
                format_args!("({who}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac"),
            );
            v.use_vmac = None;
        } else if !v.vmac_xmit_base {
            d.warn(
                end,
                format_args!("({who}) unicast with use_vmac requires vmac_xmit_base - setting"),
            );
            v.vmac_xmit_base = true;
        }
    }
    if v.unicast_peers.is_empty() && v.unicast_ttl.is_some() {
        d.warn(
            end,
            format_args!("({who}): Cannot use unicast_ttl without unicast peers - resetting"),
        );
        v.unicast_ttl = None;
    }
}
