//! SIGUSR1's /tmp/keepalived.data: the sections and line wording of keepalived 2.2.7's
//! (vrrp_data.c, global_data.c) for what this daemon has: global definitions, each
//! instance, the tracked objects and the interfaces the instances use. Lines about
//! keepalived internals we do not have (socket fds, timer addresses, SNMP, DBus, BFD) are
//! left out rather than faked.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::{track, Instance, View};
use crate::config::global::dump;
use crate::config::iproute::IpAddress;
use crate::config::vrrp::{AuthType, VrrpInstance};
use crate::config::Config;
use crate::core::time::Micros;
use crate::net::vrrp_socket::{VRRP_GROUP_V4, VRRP_GROUP_V6};
use crate::vrrp::fsm::State;

pub(super) fn instance_section(view: &View<'_>, i: usize, s: &mut String) {
    let inst = &view.inst(i);
    let v = inst.conf;
    let f = inst.fsm;
    let c = f.config();
    let _ = writeln!(s, " VRRP Instance = {}", inst.name);
    let _ = writeln!(s, "   VRRP Version = {}", c.version);
    if let Some(g) = view.groups.iter().find(|g| g.contains(i)) {
        let _ = writeln!(s, "   Sync group = {}", g.name);
    }
    if inst.group.is_ipv6() {
        s.push_str("   Using Native IPv6\n");
    }
    let _ = writeln!(s, "   State = {}", f.state().name());
    if f.state() == State::Backup {
        let (addr, prio) = f.master();
        let _ = writeln!(s, "   Master router = {}", opt(addr));
        let _ = writeln!(s, "   Master priority = {prio}");
        if c.version == 3 {
            let _ = writeln!(
                s,
                "   Master advert int = {:.2} sec",
                secs_f64(f.master_adver_int())
            );
        }
    }
    if c.unicast {
        s.push_str("   Flags:\n     Using unicast\n");
        if v.unicast_fault_no_peer {
            s.push_str("     If unicast go to fault state if no peers\n");
        }
    } else {
        s.push_str("   Flags: none\n");
    }
    let _ = writeln!(s, "   Wantstate = {}", f.wantstate().name());
    s.push_str("   Number of config faults = 0\n");
    let _ = writeln!(
        s,
        "   Number of interface and track script faults = {}",
        f.own_faults()
    );
    if let Some(vm) = &v.use_vmac {
        let _ = writeln!(
            s,
            "   Use VMAC, i/f name {}, is_up = {}, xmit_base = {}",
            vm.ifname.as_deref().unwrap_or("(none)"),
            inst.vmac_ifindex
                .and_then(|x| view.ifaces.by_index(x))
                .is_some_and(|x| x.up),
            v.vmac_xmit_base
        );
        if let Some(m) = vm.mac {
            let _ = writeln!(s, "     MAC = {}", mac_text(&m));
        }
    }
    match inst.vmac_ifindex.and_then(|x| view.ifaces.by_index(x)) {
        Some(vm) => {
            let _ = writeln!(
                s,
                "   Interface = {}, vmac on {}{}",
                vm.name,
                inst.ifname,
                if v.vmac_xmit_base {
                    ", xmit base i/f"
                } else {
                    ""
                }
            );
        }
        None => {
            let _ = writeln!(s, "   Interface = {}", inst.ifname);
        }
    }
    if v.dont_track_primary {
        s.push_str("   VRRP interface tracking disabled\n");
    }
    if v.skip_check_adv_addr {
        s.push_str("   Skip checking advert IP addresses\n");
    }
    if v.resolved.strict {
        s.push_str("   Enforcing strict VRRP compliance\n");
    }
    let src = c.src_ip.or(f.interface_addr());
    let _ = writeln!(
        s,
        "   Using src_ip = {}{}",
        opt(src),
        if v.src_ip.is_some() {
            " (from configuration)"
        } else {
            ""
        }
    );
    if !c.unicast {
        let _ = writeln!(s, "   Multicast address {}", inst.group);
    }
    let _ = write!(
        s,
        "   Gratuitous ARP delay = {}\n   Gratuitous ARP repeat = {}\n   \
             Gratuitous ARP refresh = {}\n   Gratuitous ARP refresh repeat = {}\n   \
             Gratuitous ARP lower priority delay = {}\n   \
             Gratuitous ARP lower priority repeat = {}\n   Down timer adverts = {}\n   \
             Send advert after receive lower priority advert = {}\n   \
             Send advert after receive higher priority advert = {}\n",
        c.garp_master_delay.as_secs(),
        c.garp_master_repeat,
        c.garp_master_refresh.as_secs(),
        c.garp_master_refresh_repeat,
        c.garp_lower_prio_delay.as_secs(),
        c.garp_lower_prio_repeat,
        c.down_timer_adverts,
        !c.lower_prio_no_advert,
        c.higher_prio_send_advert,
    );
    let _ = write!(
        s,
        "   Virtual Router ID = {}\n   Priority = {}\n   Effective priority = {}\n   \
             Total priority = {}\n",
        inst.vrid,
        f.base_priority(),
        f.effective_priority(),
        track::total_priority(view.tracking, i, f.base_priority()),
    );
    if c.version == 2 {
        let _ = writeln!(s, "   Advert interval = {} sec", c.advert_int.as_secs());
    } else {
        let _ = writeln!(
            s,
            "   Advert interval = {} milli-sec",
            c.advert_int.as_millis()
        );
        if f.state() == State::Backup {
            let _ = writeln!(
                s,
                "   Master advert interval = {} milli-sec",
                f.master_adver_int().as_millis()
            );
        }
    }
    let on = |b: bool| if b { "enabled" } else { "disabled" };
    let _ = writeln!(s, "   Accept = {}", on(v.resolved.accept));
    let _ = writeln!(s, "   Preempt = {}", on(!c.nopreempt));
    if c.preempt_delay > Micros::ZERO {
        let _ = writeln!(s, "   Preempt delay = {} secs", secs_f64(c.preempt_delay));
    }
    let _ = writeln!(s, "   Promote_secondaries = {}", on(v.promote_secondaries));
    auth_lines(v, c.version, s);
    if !v.vips.is_empty() {
        let _ = writeln!(s, "   Virtual IP ({}):", v.vips.len());
        for (k, a) in v.vips.iter().enumerate() {
            address_line(view, inst, a, view.vip_ifindex(i, k), s);
        }
    }
    if !v.evips.is_empty() {
        s.push_str("   Virtual IP Excluded :\n");
        for (k, a) in v.evips.iter().enumerate() {
            address_line(view, inst, a, view.vip_ifindex(i, v.vips.len() + k), s);
        }
    }
    if c.unicast {
        let _ = writeln!(s, "   Unicast TTL = {}", v.unicast_ttl.unwrap_or(255));
        let yes = if v.check_unicast_src { "yes" } else { "no" };
        let _ = writeln!(s, "   Check unicast src : {yes}");
        s.push_str("   Unicast Peer :\n");
        for p in &v.unicast_peers {
            let _ = writeln!(
                s,
                "     {} min_ttl {} max_ttl {}",
                p.addr, p.min_ttl, p.max_ttl
            );
        }
    }
    track::instance(view.tracking, i, s);
    let smtp = v.smtp_alert.unwrap_or(false);
    let _ = writeln!(
        s,
        "   Using smtp notification = {}",
        if smtp { "yes" } else { "no" }
    );
    let deleted = v.notify.deleted.is_some();
    let _ = writeln!(
        s,
        "   Notify deleted = {}",
        if deleted { "Deleted" } else { "Fault" }
    );
}

fn address_line(
    view: &View<'_>,
    inst: &Instance<'_>,
    a: &IpAddress,
    ifindex: Option<u32>,
    s: &mut String,
) {
    s.push_str("     ");
    address_text(view, inst, a, ifindex, s);
    s.push('\n');
}

/// keepalived's format_ipaddress: `ADDR[/LEN] [brd B] dev IF scope S [label L] ...`;
/// `ifindex`: where the shell puts it.
pub(super) fn address_text(
    view: &View<'_>,
    inst: &Instance<'_>,
    a: &IpAddress,
    ifindex: Option<u32>,
    s: &mut String,
) {
    let full = if a.addr.is_ipv4() { 32 } else { 128 };
    let _ = write!(s, "{}", a.addr);
    if a.prefix_len != full {
        let _ = write!(s, "/{}", a.prefix_len);
    }
    if let Some(b) = a.broadcast.filter(|b| !b.is_unspecified()) {
        let _ = write!(s, " brd {b}");
    }
    // Where add_vip puts it; a VMAC shows its parent, as keepalived's "IF@BASE".
    let dev = match ifindex.and_then(|x| view.ifaces.by_index(x)) {
        Some(f) if Some(f.ifindex) == inst.vmac_ifindex => {
            format!("{}@{}", f.name, inst.ifname)
        }
        Some(f) => f.name.clone(),
        None => a.dev.clone().unwrap_or_else(|| inst.ifname.to_string()),
    };
    let _ = write!(s, " dev {dev}");
    if a.use_vmac {
        s.push_str(" use_vmac");
    }
    let _ = write!(s, " scope {}", scope_name(a.scope.unwrap_or(0)));
    if let Some(l) = &a.label {
        let _ = write!(s, " label {l}");
    }
    if let Some(p) = a.peer {
        let _ = write!(s, " peer {p}/{}", a.prefix_len);
    }
    if a.flags.home {
        s.push_str(" home");
    }
    if a.flags.noprefixroute {
        s.push_str(" noprefixroute");
    }
    if a.no_track {
        s.push_str(" no_track");
    }
    if let Some(g) = &a.track_group {
        let _ = write!(s, " track_group {g}");
    }
    if a.addr.is_ipv6() {
        // As add_vip installs it: a /128 is deprecated unless told otherwise.
        match a.preferred_lft.or((a.prefix_len == 128).then_some(0)) {
            Some(0) => s.push_str(" deprecated"),
            None | Some(u32::MAX) => s.push_str(" preferred_lft forever"),
            Some(n) => {
                let _ = write!(s, " preferred_lft {n}");
            }
        }
    }
    if inst.fsm.vips_set() {
        s.push_str(" set");
    }
}

pub(super) fn groups_section(view: &View<'_>, s: &mut String) {
    if view.groups.is_empty() {
        return;
    }
    s.push_str("------< VRRP Sync groups >------\n");
    for g in view.groups {
        let _ = writeln!(
            s,
            " VRRP Sync Group = {}, {}\n   Num member fault {}, num member init 0\n   \
                 VRRP member instances :",
            g.name,
            g.state().name(),
            g.member_faults()
        );
        for &m in &g.members {
            if let Some(x) = view.get(m) {
                let _ = writeln!(s, "     {}", x.name);
            }
        }
    }
}

/// The interfaces the instances use (their own and their VMACs), with the instances on
/// each; keepalived lists every interface, with kernel details we do not keep.
pub(super) fn interfaces_section(view: &View<'_>, s: &mut String) {
    s.push_str("------< Interfaces >------\n");
    for f in &view.ifaces.list {
        let users: Vec<&str> = view
            .iter()
            .filter(|x| x.ifindex == f.ifindex)
            .map(|x| x.name)
            .collect();
        let vmac_of = view.iter().find(|x| x.vmac_ifindex == Some(f.ifindex));
        if users.is_empty() && vmac_of.is_none() {
            continue;
        }
        let _ = writeln!(s, " Name = {}\n   index = {}", f.name, f.ifindex);
        // keepalived shows the interface's own address, never a VIP it added.
        let is_vip = |a: std::net::Ipv4Addr| {
            view.cfg
                .vrrp
                .instances
                .iter()
                .flat_map(|v| v.vips.iter().chain(&v.evips))
                .any(|x| x.addr == IpAddr::V4(a))
        };
        let _ = writeln!(s, "   IPv4 address = {}", opt(f.v4.filter(|&a| !is_vip(a))));
        let _ = writeln!(s, "   IPv6 address = {}", opt(f.ll6));
        if f.mac != [0; 6] {
            let _ = writeln!(s, "   MAC = {}", mac_text(&f.mac));
        }
        let state = if f.up { "UP, RUNNING" } else { "DOWN" };
        let _ = writeln!(s, "   State = {state}");
        if let Some(x) = vmac_of {
            let _ = writeln!(
                s,
                "   VMAC type private, underlying interface = {}, state = {state}\n   \
                     I/f created by keepalived",
                x.ifname
            );
        }
        let _ = writeln!(s, "   MTU = {}", f.mtu);
        if !users.is_empty() {
            s.push_str("   Tracking VRRP instances :\n");
            for u in users {
                let _ = writeln!(s, "     {u}, weight 0");
            }
        }
    }
}

/// The global_defs values that shape VRRP, worded as keepalived's dump_global_data.
pub(super) fn global_section(cfg: &Config, s: &mut String) {
    let g = &cfg.global;
    let secs = |v: Option<u32>, d: u32| v.unwrap_or(d);
    dump::head(cfg, s);
    let _ = writeln!(s, " Dynamic interfaces = {}", g.dynamic_interfaces);
    let _ = writeln!(
        s,
        " Default interface = {}",
        g.default_interface.as_deref().unwrap_or("eth0")
    );
    dump::lvs_flush(cfg, s);
    let _ = writeln!(
        s,
        " FIFO write vrrp states on reload = {}",
        g.fifos.write_vrrp_states_on_reload
    );
    let _ = writeln!(
        s,
        " VRRP notify priority changes = {}",
        g.vrrp.notify_priority_changes.unwrap_or(false)
    );
    let _ = writeln!(
        s,
        " VRRP IPv4 mcast group = {}",
        g.vrrp.mcast_group4.unwrap_or(VRRP_GROUP_V4)
    );
    let _ = writeln!(
        s,
        " VRRP IPv6 mcast group = {}",
        g.vrrp.mcast_group6.unwrap_or(VRRP_GROUP_V6)
    );
    let delay = g.garp_master_delay();
    let repeat = secs(g.garp.master_repeat, 5);
    let _ = write!(
        s,
        " Gratuitous ARP delay = {delay}\n Gratuitous ARP repeat = {repeat}\n \
         Gratuitous ARP refresh timer = {}\n Gratuitous ARP refresh repeat = {}\n \
         Gratuitous ARP lower priority delay = {}\n \
         Gratuitous ARP lower priority repeat = {}\n Num adverts before down = {}\n",
        secs(g.garp.master_refresh, 0),
        secs(g.garp.master_refresh_repeat, 1),
        secs(g.garp.lower_prio_delay, delay),
        secs(g.garp.lower_prio_repeat, repeat),
        secs(g.vrrp.down_timer_adverts, 3),
    );
    let _ = writeln!(
        s,
        " Send advert after receive lower priority advert = {}",
        !g.vrrp.lower_prio_no_advert.unwrap_or(false)
    );
    let _ = writeln!(
        s,
        " Send advert after receive higher priority advert = {}",
        g.vrrp.higher_prio_send_advert.unwrap_or(false)
    );
    let _ = writeln!(
        s,
        " Gratuitous ARP interval = {:.6}",
        g.garp.interval.map_or(0.0, secs_f64)
    );
    let _ = writeln!(
        s,
        " Gratuitous NA interval = {:.6}",
        g.garp.gna_interval.map_or(0.0, secs_f64)
    );
    let _ = writeln!(
        s,
        " VRRP default protocol version = {}",
        g.vrrp_version.unwrap_or(2)
    );
    let _ = writeln!(s, " VRRP check unicast_src = {}", g.vrrp.check_unicast_src);
    let _ = writeln!(
        s,
        " VRRP skip check advert addresses = {}",
        g.vrrp.skip_check_adv_addr
    );
    let _ = writeln!(s, " VRRP strict mode = {}", g.vrrp_strict);
    dump::script_security(cfg, s);
}

fn auth_lines(v: &VrrpInstance, version: u8, s: &mut String) {
    match &v.auth {
        Some(a) if a.auth_type == Some(AuthType::Ah) => {
            s.push_str("   Authentication type = IPSEC_AH\n");
        }
        Some(a) if a.auth_type == Some(AuthType::Pass) => {
            let end = a.pass.iter().position(|&b| b == 0).unwrap_or(a.pass.len());
            let _ = writeln!(
                s,
                "   Authentication type = SIMPLE_PASSWORD\n   Password = {}",
                String::from_utf8_lossy(&a.pass[..end])
            );
        }
        _ if version == 2 => s.push_str("   Authentication type = none\n"),
        _ => {}
    }
}

fn scope_name(scope: u8) -> String {
    match scope {
        0 => "global".into(),
        200 => "site".into(),
        253 => "link".into(),
        254 => "host".into(),
        255 => "nowhere".into(),
        n => n.to_string(),
    }
}

fn secs_f64(t: Micros) -> f64 {
    t.0 as f64 / 1e6
}

/// keepalived prints "(none)" for an absent address.
fn opt<T: std::fmt::Display>(a: Option<T>) -> String {
    a.map_or_else(|| "(none)".to_string(), |a| a.to_string())
}

fn mac_text(m: &[u8; 6]) -> String {
    let mut t = String::with_capacity(17);
    for (k, b) in m.iter().enumerate() {
        if k > 0 {
            t.push(':');
        }
        let _ = write!(t, "{b:02x}");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::super::{data_text, Insts};
    use super::*;
    use crate::config::iproute::AddrFlags;
    use crate::vrrp::fsm::{Fsm, FsmConfig};
    use crate::vrrp::ifaces::{IfInfo, Ifaces};
    use crate::vrrp::track::Tracking;

    fn iface(ifindex: u32, name: &str, mac: [u8; 6]) -> IfInfo {
        IfInfo {
            ifindex,
            name: name.into(),
            up: true,
            mac,
            mtu: 1500,
            v4: None,
            ll6: None,
            group: 0,
        }
    }

    #[test]
    fn a_vip_on_a_vmac_names_its_parent_and_both_links_are_listed() {
        let cfg = Config::default();
        let conf = VrrpInstance {
            name: "VI_1".into(),
            vips: vec![IpAddress {
                loc: Default::default(),
                addr: IpAddr::from([10, 0, 0, 100]),
                prefix_len: 24,
                dev: None,
                broadcast: None,
                scope: None,
                label: None,
                peer: None,
                flags: AddrFlags::default(),
                no_track: false,
                preferred_lft: None,
                track_group: None,
                use_vmac: false,
            }],
            ..VrrpInstance::default()
        };
        let fsm = Fsm::new(FsmConfig::default());
        let ifaces = Ifaces {
            list: vec![
                iface(2, "eth0", [2, 0, 0, 0, 0, 1]),
                iface(7, "vrrp.51", [0, 0, 0x5e, 0, 1, 51]),
            ],
            ..Ifaces::default()
        };
        let tracking = Tracking::new();
        let drops = crate::vrrp::router::Drops::default();
        let view = View {
            cfg: &cfg,
            insts: Insts::Listed(vec![(
                Instance {
                    name: "VI_1",
                    vrid: 51,
                    conf: &conf,
                    fsm: &fsm,
                    drops: &drops,
                    group: IpAddr::from([224, 0, 0, 18]),
                    ifindex: 2,
                    ifname: "eth0",
                    vmac_ifindex: Some(7),
                    last_transition: std::time::Duration::ZERO,
                    up: Micros::ZERO,
                    why: [0; 2],
                },
                vec![Some(7)],
            )]),
            groups: &[],
            ifaces: &ifaces,
            tracking: &tracking,
            bfds: &crate::vrrp::track::BfdStates::new(),
        };
        let text = data_text(&view);
        for line in [
            " VRRP Instance = VI_1\n",
            "   Interface = vrrp.51, vmac on eth0\n",
            "   Virtual IP (1):\n     10.0.0.100/24 dev vrrp.51@eth0 scope global\n",
            " Name = eth0\n   index = 2\n",
            " Name = vrrp.51\n   index = 7\n",
            "   VMAC type private, underlying interface = eth0, state = UP, RUNNING\n",
            "   Tracking VRRP instances :\n     VI_1, weight 0\n",
        ] {
            assert!(text.contains(line), "no {line:?} in:\n{text}");
        }
    }
}
