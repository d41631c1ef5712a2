//! The LVS Topology section: virtual server groups, virtual servers and their real servers,
//! worded as keepalived's check_data.c dumps them.

use std::fmt::Write as _;

use super::{abled, cmd_str, on_off, secs6, smtp_alert, weight_line, yes_no, Live, WEIGHT_MAX};
use crate::check::checkers::names;
use crate::check::CheckerId;
use crate::config::checker::CheckerKind;
use crate::config::lvs::{
    Family, Forwarding, Granularity, Protocol, RealServer, TunnelCsum, TunnelType, VirtualServer,
    VirtualServerGroup, VsAddr,
};
use crate::config::Config;
use crate::core::dump_line as line;

#[inline(never)] // One per item: see core::dump_line.
pub(super) fn group_section(g: &VirtualServerGroup, s: &mut String) {
    let yn = |b: bool| if b { "yes" } else { "no" };
    let _ = writeln!(
        s,
        " ------< Virtual server group >------\n Virtual Server Group = {}, IPv4 = {}, IPv6 = {}",
        g.name,
        yn(g.has_family(Family::Inet)),
        yn(g.has_family(Family::Inet6))
    );
    for r in &g.ranges {
        let last = r.last_addr();
        if last == r.first {
            let _ = writeln!(s, "   VIP = {}, VPORT = {}", r.first, r.port);
        } else {
            let _ = writeln!(s, "   VIP Range = {}-{last}, VPORT = {}", r.first, r.port);
        }
    }
    for f in &g.fwmarks {
        let fam = match f.family {
            Some(Family::Inet) => " IPv4",
            Some(Family::Inet6) => " IPv6",
            None => "",
        };
        let _ = writeln!(s, "   FWMARK = {}{fam}", f.mark);
    }
}

#[inline(never)] // One per item: see core::dump_line.
pub(super) fn vs_section(
    cfg: &Config,
    v: usize,
    vs: &VirtualServer,
    live: &dyn Live,
    s: &mut String,
) {
    s.push_str(" ------< Virtual server >------\n");
    match &vs.addr {
        VsAddr::Group(_) => line::text(s, " VS GROUP = ", &names::vs_name(vs)),
        VsAddr::Fwmark(m) => line::num(s, " VS FWMARK = ", (*m).into()),
        VsAddr::Ip { ip, port } => {
            let _ = writeln!(s, " VS VIP = {ip}, VPORT = {}", port.unwrap_or(0));
        }
    }
    if let Some(h) = &vs.virtualhost {
        line::text(s, "   VirtualHost = ", h);
    }
    line::text(s, "   Address family = ", family(cfg, vs));
    secs6(s, "   connection timeout = ", vs.connect_timeout);
    secs6(s, "   delay_loop = ", vs.delay_loop);
    let sched = vs.sched.map_or("wlc", |x| x.name());
    line::text(s, "   lvs_sched = ", sched);
    line::text(s, "   Hashed = ", abled(vs.flags.hashed));
    let f = &vs.flags;
    match sched {
        "sh" | "mh" => {
            s.push_str("   ");
            s.push_str(sched);
            line::text(s, "-port = ", abled(f.sched2));
            s.push_str("   ");
            s.push_str(sched);
            line::text(s, "-fallback = ", abled(f.sched1));
        }
        _ => {
            line::text(s, "   flag-1 = ", abled(f.sched1));
            line::text(s, "   flag-2 = ", abled(f.sched2));
            line::text(s, "   flag-3 = ", abled(f.sched3));
        }
    }
    let proto = protocol(vs);
    s.push_str("   One packet scheduling = ");
    let inactive = if f.one_packet && proto != Some(Protocol::Udp) {
        " (inactive due to not UDP)"
    } else {
        ""
    };
    line::text(s, abled(f.one_packet), inactive);
    if let Some(t) = vs.persistence_timeout.filter(|&t| t != 0) {
        line::num(s, "   persistence timeout = ", t.into());
    }
    match vs.persistence_granularity {
        Some(Granularity::V4Mask(m)) => line::show(s, "   persistence granularity = ", &m),
        Some(Granularity::V6Prefix(p)) => line::show(s, "   persistence granularity = ", &p),
        None => {}
    }
    let proto_word = match proto {
        Some(Protocol::Tcp) => "TCP",
        Some(Protocol::Udp) => "UDP",
        Some(Protocol::Sctp) => "SCTP",
        None => "none",
    };
    line::text(s, "   protocol = ", proto_word);
    line::text(s, "   alpha is ", on_off(vs.alpha));
    line::text(s, "   omega is ", on_off(vs.omega));
    if let Some(r) = vs.retry {
        line::num(s, "   Retry count = ", r.into());
    }
    if let Some(d) = vs.delay_before_retry {
        secs6(s, "   Retry delay = ", d);
    }
    if let Some(w) = vs.warmup {
        secs6(s, "   Warmup = ", w);
    }
    line::text(
        s,
        "   Inhibit on failure is ",
        on_off(vs.inhibit_on_failure),
    );
    s.push_str("   quorum = ");
    line::push_num(s, vs.quorum.into());
    line::num(s, ", hysteresis = ", vs.hysteresis.into());
    if vs.ha_suspend {
        s.push_str("   Using HA suspend\n");
    }
    let smtp = smtp_alert(cfg, vs.smtp_alert).unwrap_or(false);
    line::text(s, "   Using smtp notification = ", yes_no(smtp));
    forwarding_line(s, "default ", vs.forwarding.unwrap_or(Forwarding::Nat));
    if let Some(ss) = &vs.sorry_server {
        let dup = vs
            .real_servers
            .iter()
            .any(|r| r.ip == ss.ip && r.port == ss.port);
        let port = ss.port.unwrap_or_else(|| match &vs.addr {
            VsAddr::Ip { port, .. } => port.unwrap_or(0),
            _ => 0,
        });
        let _ = writeln!(
            s,
            "   sorry server {}= [{}]:{}:{port}",
            if dup { "(duplicates rs) " } else { "" },
            ss.ip,
            proto_name(proto),
        );
        let fwd = ss.forwarding.or(vs.forwarding).unwrap_or(Forwarding::Nat);
        forwarding_line(s, "  ", fwd);
        line::text(s, "     Inhibit on failure is ", on_off(ss.inhibit));
    }
    for (r, rs) in vs.real_servers.iter().enumerate() {
        rs_section(cfg, (v, r), vs, rs, live, s);
    }
}

/// The family keepalived settles on: given, the service's address, else the first real or
/// sorry server not tunnelled (tunnels may cross families), else any of them (IPv4 if mixed)
/// for a fwmark; a group that has both families is both.
fn family(cfg: &Config, vs: &VirtualServer) -> &'static str {
    let name = |f: Family| match f {
        Family::Inet => "inet",
        Family::Inet6 => "inet6",
    };
    if let Some(f) = vs.ip_family {
        return name(f);
    }
    let group = match &vs.addr {
        VsAddr::Ip { ip, .. } => return name(Family::of(ip)),
        VsAddr::Group(g) => cfg.lvs.groups.iter().find(|x| &x.name == g),
        VsAddr::Fwmark(_) => None,
    };
    let tunnel = |f: Option<Forwarding>| matches!(f, Some(Forwarding::Tun { .. }));
    let direct = vs
        .real_servers
        .iter()
        .filter(|r| !tunnel(r.forwarding.or(vs.forwarding)))
        .map(|r| r.ip)
        .chain(
            vs.sorry_server
                .iter()
                .filter(|x| !tunnel(x.forwarding.or(vs.forwarding)))
                .map(|x| x.ip),
        )
        .next();
    if let Some(ip) = direct {
        return name(Family::of(&ip));
    }
    match group {
        Some(g) if g.has_family(Family::Inet) && g.has_family(Family::Inet6) => "IPv4 & IPv6",
        Some(_) => "unknown",
        None => {
            let mut all = vs
                .sorry_server
                .iter()
                .map(|x| x.ip)
                .chain(vs.real_servers.iter().map(|r| r.ip))
                .map(|ip| Family::of(&ip));
            match all.next() {
                Some(f) if all.all(|x| x == f) => name(f),
                _ => "inet",
            }
        }
    }
}

/// The protocol keepalived gives the service: an address service without one is UDP.
fn protocol(vs: &VirtualServer) -> Option<Protocol> {
    match (vs.protocol, &vs.addr) {
        (Some(p), _) => Some(p),
        (None, VsAddr::Ip { .. }) => Some(Protocol::Udp),
        (None, _) => None,
    }
}

fn proto_name(p: Option<Protocol>) -> &'static str {
    match p {
        Some(Protocol::Tcp) => "tcp",
        Some(Protocol::Udp) => "udp",
        Some(Protocol::Sctp) => "sctp",
        None => "none",
    }
}

fn forwarding_line(s: &mut String, prefix: &str, f: Forwarding) {
    let m = "forwarding method = ";
    match f {
        Forwarding::Nat => {
            let _ = writeln!(s, "   {prefix}{m}NAT");
        }
        Forwarding::Dr => {
            let _ = writeln!(s, "   {prefix}{m}DR");
        }
        Forwarding::Tun { kind, csum } => {
            let c = match csum {
                Some(TunnelCsum::NoCsum) | None => ", no checksum",
                Some(TunnelCsum::Csum) => ", checksum",
                Some(TunnelCsum::RemCsum) => ", remote checksum",
            };
            // keepalived drops the prefix on its GUE and GRE lines.
            let _ = match kind {
                TunnelType::Ipip => writeln!(s, "   {prefix}{m}TUN, type = IPIP"),
                TunnelType::Gue(p) => writeln!(s, "   {m}TUN, type = GUE, port = {p}{c}"),
                TunnelType::Gre => writeln!(s, "   {m}TUN, type = GRE{c}"),
            };
        }
    }
}

#[inline(never)] // One per item: see core::dump_line.
fn rs_section(
    cfg: &Config,
    (v, r): (usize, usize),
    vs: &VirtualServer,
    rs: &RealServer,
    live: &dyn Live,
    s: &mut String,
) {
    let iweight = i64::from(rs.weight.unwrap_or(vs.weight));
    // keepalived adds each checker's weight offset to the configured weight.
    let eff = iweight
        + (0..rs.checkers.len())
            .filter_map(|ck| live.checker(CheckerId { vs: v, rs: r, ck }))
            .filter_map(|c| c.weight.map(|w| w - iweight))
            .sum::<i64>();
    let st = live.real_server(v, r);
    s.push_str("   ------< Real server >------\n");
    let _ = writeln!(
        s,
        "   RIP = {}, RPORT = {}, WEIGHT = {} EFF WEIGHT = {eff}",
        rs.ip,
        names::rs_port(vs, rs),
        eff.clamp(0, WEIGHT_MAX)
    );
    forwarding_line(
        s,
        "",
        rs.forwarding.or(vs.forwarding).unwrap_or(Forwarding::Nat),
    );
    line::text(s, "   Alpha is ", on_off(rs.alpha.unwrap_or(vs.alpha)));
    let timeout = rs.connect_timeout.unwrap_or(vs.connect_timeout);
    secs6(s, "   connection timeout = ", timeout);
    s.push_str("   connection limit range = ");
    line::push_num(s, rs.lthreshold.unwrap_or(0).into());
    line::num(s, " -> ", rs.uthreshold.unwrap_or(0).into());
    secs6(
        s,
        "   Delay loop = ",
        rs.delay_loop.unwrap_or(vs.delay_loop),
    );
    if let Some(n) = rs.retry.or(vs.retry) {
        line::num(s, "   Retry count = ", n.into());
    }
    if let Some(d) = rs.delay_before_retry.or(vs.delay_before_retry) {
        secs6(s, "   Retry delay = ", d);
    }
    if let Some(w) = rs.warmup.or(vs.warmup) {
        secs6(s, "   Warmup = ", w);
    }
    let inhibit = rs.inhibit_on_failure.unwrap_or(vs.inhibit_on_failure);
    line::text(s, "   Inhibit on failure is ", on_off(inhibit));
    for (k, (what, sc)) in [("up", &rs.notify_up), ("down", &rs.notify_down)]
        .into_iter()
        .enumerate()
    {
        if let Some(sc) = sc {
            let (u, g) = st.notify_users[k];
            let _ = writeln!(
                s,
                "     RS {what} notify script = {}, uid:gid {u}:{g}",
                cmd_str(sc)
            );
        }
    }
    if let Some(h) = &rs.virtualhost {
        s.push_str("    VirtualHost = '");
        line::text(s, h, "'");
    }
    // keepalived leaves a real server's smtp_alert unresolved (-1) when nothing sets it,
    // and prints that as yes.
    let smtp = smtp_alert(cfg, rs.smtp_alert).unwrap_or(true);
    line::text(s, "   Using smtp notification = ", yes_no(smtp));
    line::int(s, "   initial weight = ", iweight);
    line::int(s, "   effective weight = ", eff);
    line::num(s, "   alive = ", st.alive.into());
    line::num(s, "   num failed checkers = ", st.failed.into());
    let mut files = rs.checkers.iter().filter_map(|c| match &c.kind {
        CheckerKind::File(f) => Some(f),
        _ => None,
    });
    if let Some(first) = files.next() {
        s.push_str("   Tracked Files\n");
        for f in std::iter::once(first).chain(files) {
            s.push_str("     ");
            s.push_str(&f.track_file);
            weight_line(s, f.weight.into(), f.reverse);
        }
    }
    let mut bfds = rs.checkers.iter().filter_map(|c| match &c.kind {
        CheckerKind::Bfd(b) => Some(b),
        _ => None,
    });
    if let Some(first) = bfds.next() {
        s.push_str("   Tracked BFDs\n");
        for b in std::iter::once(first).chain(bfds) {
            line::text(s, "     ", &b.name);
        }
    }
}
