//! SIGUSR1's /tmp/keepalived.data: the sections and line wording of keepalived 2.2.7's
//! (vrrp_data.c, global_data.c) for what this daemon has: global definitions, each
//! instance, the tracked objects and the interfaces the instances use. Lines about
//! keepalived internals we do not have (socket fds, timer addresses, SNMP, DBus, BFD) are
//! left out rather than faked.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::{json, track, Instance, View};
use crate::config::global::dump;
use crate::config::iproute::IpAddress;
use crate::config::vrrp::{AuthType, Notify, VrrpInstance};
use crate::config::Config;
use crate::core::decimal;
use crate::core::dump_line as line;
use crate::core::time::Micros;
use crate::net::vrrp_socket::{VRRP_GROUP_V4, VRRP_GROUP_V6};
use crate::vrrp::fsm::State;

#[inline(never)] // One per item: see core::dump_line.
pub(super) fn instance_section(view: &View<'_>, i: usize, s: &mut String) {
    let inst = &view.inst(i);
    let v = inst.conf;
    let f = inst.fsm;
    let c = f.config();
    line::text(s, " VRRP Instance = ", inst.name);
    line::num(s, "   VRRP Version = ", c.version.into());
    if let Some(g) = view.groups.iter().find(|g| g.contains(i)) {
        line::text(s, "   Sync group = ", &g.name);
    }
    if inst.group.is_ipv6() {
        s.push_str("   Using Native IPv6\n");
    }
    line::text(s, "   State = ", f.state().name());
    if f.state() == State::Backup {
        let (addr, prio) = f.master();
        opt_line(s, "   Master router = ", addr);
        line::num(s, "   Master priority = ", prio.into());
        if c.version == 3 {
            s.push_str("   Master advert int = ");
            decimal::push_fixed(s, f.master_adver_int().0, 1_000_000, 2);
            s.push_str(" sec\n");
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
    line::text(s, "   Wantstate = ", f.wantstate().name());
    s.push_str("   Number of config faults = 0\n");
    line::num(
        s,
        "   Number of interface and track script faults = ",
        f.own_faults().into(),
    );
    let vmac = inst.vmac_ifindex.and_then(|x| view.ifaces.by_index(x));
    if let Some(vm) = &v.use_vmac {
        s.push_str("   Use VMAC, i/f name ");
        s.push_str(vm.ifname.as_deref().unwrap_or("(none)"));
        s.push_str(", is_up = ");
        s.push_str(bool_text(vmac.is_some_and(|x| x.up)));
        line::flag(s, ", xmit_base = ", v.vmac_xmit_base);
        if let Some(m) = vm.mac {
            s.push_str("     MAC = ");
            push_mac(&m, s);
            s.push('\n');
        }
    }
    s.push_str("   Interface = ");
    match vmac {
        Some(vm) => {
            s.push_str(&vm.name);
            s.push_str(", vmac on ");
            s.push_str(inst.ifname);
            if v.vmac_xmit_base {
                s.push_str(", xmit base i/f");
            }
            s.push('\n');
        }
        None => line::text(s, inst.ifname, ""),
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
    s.push_str("   Using src_ip = ");
    match c.src_ip.or(f.interface_addr()) {
        Some(a) => line::push(s, &a),
        None => s.push_str("(none)"),
    }
    let given = if v.src_ip.is_some() {
        " (from configuration)"
    } else {
        ""
    };
    line::text(s, given, "");
    if !c.unicast {
        line::show(s, "   Multicast address ", &inst.group);
    }
    const GARP: [&str; 7] = [
        "   Gratuitous ARP delay = ",
        "   Gratuitous ARP repeat = ",
        "   Gratuitous ARP refresh = ",
        "   Gratuitous ARP refresh repeat = ",
        "   Gratuitous ARP lower priority delay = ",
        "   Gratuitous ARP lower priority repeat = ",
        "   Down timer adverts = ",
    ];
    let garp = [
        c.garp_master_delay.as_secs(),
        c.garp_master_repeat.into(),
        c.garp_master_refresh.as_secs(),
        c.garp_master_refresh_repeat.into(),
        c.garp_lower_prio_delay.as_secs(),
        c.garp_lower_prio_repeat.into(),
        c.down_timer_adverts.into(),
    ];
    for (k, n) in GARP.iter().zip(garp) {
        line::num(s, k, n);
    }
    line::flag(
        s,
        "   Send advert after receive lower priority advert = ",
        !c.lower_prio_no_advert,
    );
    line::flag(
        s,
        "   Send advert after receive higher priority advert = ",
        c.higher_prio_send_advert,
    );
    line::num(s, "   Virtual Router ID = ", inst.vrid.into());
    line::num(s, "   Priority = ", f.base_priority().into());
    line::num(s, "   Effective priority = ", f.effective_priority().into());
    let total = track::total_priority(view.tracking, i, f.base_priority());
    line::int(s, "   Total priority = ", total.into());
    if c.version == 2 {
        line::num_in(s, "   Advert interval = ", c.advert_int.as_secs(), " sec");
    } else {
        let ms = c.advert_int.as_millis();
        line::num_in(s, "   Advert interval = ", ms, " milli-sec");
        if f.state() == State::Backup {
            let m = f.master_adver_int().as_millis();
            line::num_in(s, "   Master advert interval = ", m, " milli-sec");
        }
    }
    let on = |b: bool| if b { "enabled" } else { "disabled" };
    line::text(s, "   Accept = ", on(v.resolved.accept));
    line::text(s, "   Preempt = ", on(!c.nopreempt));
    if c.preempt_delay > Micros::ZERO {
        s.push_str("   Preempt delay = ");
        decimal::push_secs_shortest(s, c.preempt_delay.0);
        s.push_str(" secs\n");
    }
    line::text(s, "   Promote_secondaries = ", on(v.promote_secondaries));
    auth_lines(v, c.version, s);
    if !v.vips.is_empty() {
        s.push_str("   Virtual IP (");
        line::push_num(s, v.vips.len() as u64);
        s.push_str("):\n");
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
        line::num(s, "   Unicast TTL = ", v.unicast_ttl.unwrap_or(255).into());
        let yes = if v.check_unicast_src { "yes" } else { "no" };
        line::text(s, "   Check unicast src : ", yes);
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
    let smtp = view.cfg.global.email.vrrp_alert(v.smtp_alert);
    line::text(s, "   Using smtp notification = ", yes_no(smtp));
    let deleted = v.notify.deleted.is_some();
    line::text(
        s,
        "   Notify deleted = ",
        if deleted { "Deleted" } else { "Fault" },
    );
    notify_lines(view, &v.notify, s);
    let changes = bool_text(c.notify_priority_changes);
    line::text(s, "   Notify priority changes = ", changes);
}

/// keepalived's dump_notify_script lines for the scripts of `n` that load kept, each as it
/// runs: the program as found, and its user.
fn notify_lines(view: &View<'_>, n: &Notify, s: &mut String) {
    let scripts = [
        ("Backup", n.backup.as_ref()),
        ("Master", n.master.as_ref()),
        ("Fault", n.fault.as_ref()),
        ("Stop", n.stop.as_ref()),
        ("Deleted", n.deleted.as_ref().and_then(Option::as_ref)),
        ("Generic", n.generic.as_ref()),
        ("Master rx lower pri", n.master_rx_lower_pri.as_ref()),
    ];
    for (what, sc) in scripts {
        let Some((argv, uid, gid)) = sc.and_then(|sc| view.notify_script(sc)) else {
            continue;
        };
        if let Some(cmd) = json::cmd_str(argv, &|p| Some(p.to_string())) {
            let _ = writeln!(
                s,
                "   {what} state transition script = {cmd}, uid:gid {uid}:{gid}"
            );
        }
    }
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
    line::push(s, &a.addr);
    if a.prefix_len != full {
        s.push('/');
        line::push_num(s, a.prefix_len.into());
    }
    if let Some(b) = a.broadcast.filter(|b| !b.is_unspecified()) {
        s.push_str(" brd ");
        line::push(s, &b);
    }
    // Where add_vip puts it; a VMAC shows its parent, as keepalived's "IF@BASE".
    s.push_str(" dev ");
    match ifindex.and_then(|x| view.ifaces.by_index(x)) {
        Some(f) => {
            s.push_str(&f.name);
            if Some(f.ifindex) == inst.vmac_ifindex {
                s.push('@');
                s.push_str(inst.ifname);
            }
        }
        None => s.push_str(a.dev.as_deref().unwrap_or(inst.ifname)),
    }
    if a.use_vmac {
        s.push_str(" use_vmac");
    }
    s.push_str(" scope ");
    match a.scope.unwrap_or(0) {
        0 => s.push_str("global"),
        200 => s.push_str("site"),
        253 => s.push_str("link"),
        254 => s.push_str("host"),
        255 => s.push_str("nowhere"),
        n => line::push_num(s, n.into()),
    }
    if let Some(l) = &a.label {
        s.push_str(" label ");
        s.push_str(l);
    }
    if let Some(p) = &a.peer {
        s.push_str(" peer ");
        line::push(s, p);
        s.push('/');
        line::push_num(s, a.prefix_len.into());
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
        s.push_str(" track_group ");
        s.push_str(g);
    }
    if a.addr.is_ipv6() {
        // As add_vip installs it: a /128 is deprecated unless told otherwise.
        match a.preferred_lft.or((a.prefix_len == 128).then_some(0)) {
            Some(0) => s.push_str(" deprecated"),
            None | Some(u32::MAX) => s.push_str(" preferred_lft forever"),
            Some(n) => {
                s.push_str(" preferred_lft ");
                line::push_num(s, n.into());
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
        s.push_str(" VRRP Sync Group = ");
        s.push_str(&g.name);
        line::text(s, ", ", g.state().name());
        let n = g.member_faults() as u64;
        line::num_in(s, "   Num member fault ", n, ", num member init 0");
        s.push_str("   VRRP member instances :\n");
        for &m in &g.members {
            if let Some(x) = view.get(m) {
                line::text(s, "     ", x.name);
            }
        }
        let Some(c) = view.cfg.vrrp.sync_groups.iter().find(|c| c.name == g.name) else {
            continue;
        };
        if c.sync_group_tracking_weight {
            s.push_str("   sync group tracking weight set\n");
        }
        let smtp = view.cfg.global.email.vrrp_alert(c.smtp_alert);
        line::text(s, "   Using smtp notification = ", yes_no(smtp));
        if let Some(b) = c.notify_priority_changes {
            line::text(s, "   Notify priority changes = ", yes_no(b));
        }
        notify_lines(view, &c.notify, s);
    }
}

/// The interfaces the instances use (their own and their VMACs), with the instances on
/// each; keepalived lists every interface, with kernel details we do not keep.
pub(super) fn interfaces_section(view: &View<'_>, s: &mut String) {
    s.push_str("------< Interfaces >------\n");
    for f in &view.ifaces.list {
        let mut users: Vec<&str> = Vec::new();
        for x in view.iter() {
            if x.ifindex == f.ifindex {
                users.push(x.name);
            }
        }
        let vmac_of = view.iter().find(|x| x.vmac_ifindex == Some(f.ifindex));
        if users.is_empty() && vmac_of.is_none() {
            continue;
        }
        line::text(s, " Name = ", &f.name);
        line::num(s, "   index = ", f.ifindex.into());
        // keepalived shows the interface's own address, never a VIP it added.
        let is_vip = |a: std::net::Ipv4Addr| {
            view.cfg
                .vrrp
                .instances
                .iter()
                .flat_map(|v| v.vips.iter().chain(&v.evips))
                .any(|x| x.addr == IpAddr::V4(a))
        };
        let v4 = f.v4.filter(|&a| !is_vip(a));
        opt_line(s, "   IPv4 address = ", v4.map(IpAddr::V4));
        opt_line(s, "   IPv6 address = ", f.ll6.map(IpAddr::V6));
        if f.mac != [0; 6] {
            s.push_str("   MAC = ");
            push_mac(&f.mac, s);
            s.push('\n');
        }
        let state = if f.up { "UP, RUNNING" } else { "DOWN" };
        line::text(s, "   State = ", state);
        if let Some(x) = vmac_of {
            s.push_str("   VMAC type private, underlying interface = ");
            s.push_str(x.ifname);
            line::text(s, ", state = ", state);
            s.push_str("   I/f created by keepalived\n");
        }
        line::num(s, "   MTU = ", f.mtu.into());
        if !users.is_empty() {
            s.push_str("   Tracking VRRP instances :\n");
            for u in users {
                s.push_str("     ");
                line::text(s, u, ", weight 0");
            }
        }
    }
}

/// The global_defs values that shape VRRP, worded as keepalived's dump_global_data.
pub(super) fn global_section(cfg: &Config, s: &mut String) {
    let g = &cfg.global;
    let secs = |v: Option<u32>, d: u32| u64::from(v.unwrap_or(d));
    dump::head(cfg, s);
    line::flag(s, " Dynamic interfaces = ", g.dynamic_interfaces);
    line::text(
        s,
        " Default interface = ",
        g.default_interface.as_deref().unwrap_or("eth0"),
    );
    dump::lvs_flush(cfg, s);
    line::flag(
        s,
        " FIFO write vrrp states on reload = ",
        g.fifos.write_vrrp_states_on_reload,
    );
    line::flag(
        s,
        " VRRP notify priority changes = ",
        g.vrrp.notify_priority_changes.unwrap_or(false),
    );
    let group4 = g.vrrp.mcast_group4.unwrap_or(VRRP_GROUP_V4);
    line::show(s, " VRRP IPv4 mcast group = ", &group4);
    let group6 = g.vrrp.mcast_group6.unwrap_or(VRRP_GROUP_V6);
    line::show(s, " VRRP IPv6 mcast group = ", &group6);
    let delay = g.garp_master_delay();
    let repeat = g.garp.master_repeat.unwrap_or(5);
    const GARP: [&str; 7] = [
        " Gratuitous ARP delay = ",
        " Gratuitous ARP repeat = ",
        " Gratuitous ARP refresh timer = ",
        " Gratuitous ARP refresh repeat = ",
        " Gratuitous ARP lower priority delay = ",
        " Gratuitous ARP lower priority repeat = ",
        " Num adverts before down = ",
    ];
    let garp = [
        delay.into(),
        repeat.into(),
        secs(g.garp.master_refresh, 0),
        secs(g.garp.master_refresh_repeat, 1),
        secs(g.garp.lower_prio_delay, delay),
        secs(g.garp.lower_prio_repeat, repeat),
        secs(g.vrrp.down_timer_adverts, 3),
    ];
    for (k, n) in GARP.iter().zip(garp) {
        line::num(s, k, n);
    }
    line::flag(
        s,
        " Send advert after receive lower priority advert = ",
        !g.vrrp.lower_prio_no_advert.unwrap_or(false),
    );
    line::flag(
        s,
        " Send advert after receive higher priority advert = ",
        g.vrrp.higher_prio_send_advert.unwrap_or(false),
    );
    // `%.6f` of whole microseconds: the digits of the microseconds themselves.
    s.push_str(" Gratuitous ARP interval = ");
    line::push_secs6(s, g.garp.interval.unwrap_or(Micros::ZERO).0);
    s.push_str("\n Gratuitous NA interval = ");
    line::push_secs6(s, g.garp.gna_interval.unwrap_or(Micros::ZERO).0);
    s.push('\n');
    line::num(
        s,
        " VRRP default protocol version = ",
        g.vrrp_version.unwrap_or(2).into(),
    );
    line::flag(s, " VRRP check unicast_src = ", g.vrrp.check_unicast_src);
    line::flag(
        s,
        " VRRP skip check advert addresses = ",
        g.vrrp.skip_check_adv_addr,
    );
    line::flag(s, " VRRP strict mode = ", g.vrrp_strict);
    dump::script_security(cfg, s);
}

fn auth_lines(v: &VrrpInstance, version: u8, s: &mut String) {
    match &v.auth {
        Some(a) if a.auth_type == Some(AuthType::Ah) => {
            s.push_str("   Authentication type = IPSEC_AH\n");
        }
        Some(a) if a.auth_type == Some(AuthType::Pass) => {
            let end = a.pass.iter().position(|&b| b == 0).unwrap_or(a.pass.len());
            line::text(
                s,
                "   Authentication type = SIMPLE_PASSWORD\n   Password = ",
                &String::from_utf8_lossy(&a.pass[..end]),
            );
        }
        _ if version == 2 => s.push_str("   Authentication type = none\n"),
        _ => {}
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// `key` and the address, or keepalived's "(none)" for an absent one.
fn opt_line(s: &mut String, key: &str, a: Option<IpAddr>) {
    match &a {
        Some(a) => line::show(s, key, a),
        None => line::text(s, key, "(none)"),
    }
}

fn push_mac(m: &[u8; 6], s: &mut String) {
    for (k, b) in m.iter().enumerate() {
        if k > 0 {
            s.push(':');
        }
        line::push_hex2(s, *b);
    }
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
