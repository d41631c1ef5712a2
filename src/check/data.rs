//! SIGUSR1's /tmp/keepalived_check.data: the sections and line wording of keepalived 2.2.7's
//! checker dump (check_data.c, check_api.c and each checker's dump) for what this daemon has:
//! the global definitions that concern checkers, SSL, the LVS topology (groups, virtual
//! servers, real servers with their live state) and every health checker with its settings
//! and state. Lines about keepalived internals we do not have (socket fds, reload flags,
//! kernel LVS version, MISC_CHECK run times) are left out rather than faked.

use std::fmt::Write as _;
use std::net::IpAddr;

use log::{info, warn};

use crate::check::checkers::names;
use crate::check::CheckerId;
use crate::config::checker::{
    Checker, CheckerCommon, CheckerKind, HttpCheck, HttpProtocol, Script, Url,
};
use crate::config::global::LvsFlushOnStop;
use crate::config::lvs::{
    checker_timing, Family, Forwarding, Granularity, Protocol, RealServer, TunnelCsum, TunnelType,
    VirtualServer, VirtualServerGroup, VsAddr,
};
use crate::config::track::split_cmd;
use crate::config::Config;
use crate::core::time::Micros;

pub const DATA_FILE: &str = "/tmp/keepalived_check.data";

/// The most IPVS accepts as a weight (keepalived's IPVS_WEIGHT_MAX).
const WEIGHT_MAX: i64 = 65_535;

/// A checker's state now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckerLive {
    pub enabled: bool,
    pub up: bool,
    pub has_run: bool,
    pub retry_it: u32,
    /// The real server weight it last asked for (MISC dynamic, FILE_CHECK).
    pub weight: Option<i64>,
    /// MISC_CHECK: who the script runs as.
    pub script_user: (u32, u32),
    /// HTTP_GET: the url (index) that took it down.
    pub failed_url: Option<usize>,
    /// FILE_CHECK: the last value read from its file.
    pub file_value: Option<i64>,
}

/// A real server's state now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsLive {
    pub alive: bool,
    pub failed: u32,
    /// Who the notify_up and notify_down scripts run as.
    pub notify_users: [(u32, u32); 2],
}

/// Where the live state comes from (the runner).
pub trait Live {
    /// None: the runner has no such checker (it is not run).
    fn checker(&self, id: CheckerId) -> Option<CheckerLive>;
    fn real_server(&self, vs: usize, rs: usize) -> RsLive;
}

/// Writes the data file; its allocations are the caller's to leave out of any count.
pub fn write(cfg: &Config, live: &dyn Live) {
    info!(
        "Printing checker data for process({}) on signal",
        std::process::id()
    );
    if let Err(e) = std::fs::write(DATA_FILE, text(cfg, live)) {
        warn!("cannot write {DATA_FILE}: {e}");
    }
}

/// The whole data file.
pub fn text(cfg: &Config, live: &dyn Live) -> String {
    let mut s = String::new();
    global_section(cfg, &mut s);
    if let Some(ssl) = &cfg.lvs.ssl {
        s.push_str("------< SSL definitions >------\n");
        let given = [
            (" Password : ", &ssl.password),
            (" CA-file : ", &ssl.ca),
            (" Certificate file : ", &ssl.certificate),
            (" Key file : ", &ssl.key),
        ];
        if given.iter().all(|(_, v)| v.is_none()) {
            s.push_str(" Using autogen SSL context\n");
        }
        for (label, v) in given {
            if let Some(v) = v {
                let _ = writeln!(s, "{label}{v}");
            }
        }
    }
    if !cfg.lvs.virtual_servers.is_empty() {
        s.push_str("------< LVS Topology >------\n");
        for g in &cfg.lvs.groups {
            group_section(g, &mut s);
        }
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            vs_section(cfg, v, vs, live, &mut s);
        }
    }
    checkers_section(cfg, live, &mut s);
    track_files_section(cfg, live, &mut s);
    s
}

/// The track_file blocks the FILE_CHECKs use, with the value last read and who uses them.
fn track_files_section(cfg: &Config, live: &dyn Live, s: &mut String) {
    let mut header = false;
    for tf in &cfg.vrrp.trackers.files {
        let mut users = Vec::new();
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            for (r, rs) in vs.real_servers.iter().enumerate() {
                for (k, c) in rs.checkers.iter().enumerate() {
                    if let CheckerKind::File(f) = &c.kind {
                        if f.track_file == tf.name {
                            users.push((
                                vs,
                                rs,
                                f,
                                live.checker(CheckerId {
                                    vs: v,
                                    rs: r,
                                    ck: k,
                                }),
                            ));
                        }
                    }
                }
            }
        }
        if users.is_empty() {
            continue;
        }
        if !header {
            s.push_str("------< Checker track files >------\n");
            header = true;
        }
        let status = users
            .iter()
            .find_map(|u| u.3.and_then(|c| c.file_value))
            .unwrap_or(0);
        let _ = writeln!(
            s,
            " Track file = {}\n   File = {}\n   Status = {status}\n   Weight = {}{}\n   \
             Tracking instances :",
            tf.name,
            tf.file,
            tf.weight.weight,
            if tf.weight.reverse { " reverse" } else { "" }
        );
        for (vs, rs, f, _) in users {
            let _ = writeln!(
                s,
                "     {} -> {}, weight {}{}",
                names::vs_name(vs),
                names::rs_name(vs, rs),
                f.weight,
                if f.reverse { " reverse" } else { "" }
            );
        }
    }
}

fn global_section(cfg: &Config, s: &mut String) {
    let g = &cfg.global;
    let tri = |v: Option<bool>| v.map_or("unset", |b| if b { "true" } else { "false" });
    s.push_str("------< Global definitions >------\n");
    let _ = writeln!(
        s,
        " Network namespace = {}",
        g.net_namespace.as_deref().unwrap_or("(default)")
    );
    let _ = writeln!(
        s,
        " Router ID = {}",
        g.router_id.clone().unwrap_or_else(hostname)
    );
    let _ = writeln!(s, " Default smtp_alert = {}", tri(g.email.smtp_alert));
    let _ = writeln!(
        s,
        " Default smtp_alert_vrrp = {}",
        tri(g.email.smtp_alert_vrrp)
    );
    let _ = writeln!(
        s,
        " Default smtp_alert_checker = {}",
        tri(g.email.smtp_alert_checker)
    );
    let _ = writeln!(
        s,
        " Checkers log all failures = {}",
        g.email.checker_log_all_failures.unwrap_or(false)
    );
    let _ = writeln!(s, " LVS flush = {}", g.lvs.flush);
    let _ = writeln!(
        s,
        " LVS flush on stop = {}",
        match g.lvs.flush_on_stop {
            Some(LvsFlushOnStop::Full) => "full",
            Some(LvsFlushOnStop::Vs) => "VS",
            None => "disabled",
        }
    );
    let _ = writeln!(
        s,
        " Script security {}",
        if g.enable_script_security {
            "enabled"
        } else {
            "disabled"
        }
    );
}

/// keepalived's default router_id.
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn group_section(g: &VirtualServerGroup, s: &mut String) {
    let yn = |b: bool| if b { "yes" } else { "no" };
    let _ = writeln!(
        s,
        " ------< Virtual server group >------\n Virtual Server Group = {}, IPv4 = {}, IPv6 = {}",
        g.name,
        yn(g.has_family(Family::Inet)),
        yn(g.has_family(Family::Inet6))
    );
    for r in &g.ranges {
        let last = last_of_range(r.first, r.last);
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

/// A range's last address: `first` with its last byte (IPv4) or last group (IPv6) replaced.
fn last_of_range(first: IpAddr, last: u16) -> IpAddr {
    match first {
        IpAddr::V4(a) => {
            let mut o = a.octets();
            o[3] = u8::try_from(last).unwrap_or(o[3]);
            IpAddr::from(o)
        }
        IpAddr::V6(a) => {
            let mut g = a.segments();
            g[7] = last;
            IpAddr::from(g)
        }
    }
}

/// keepalived's format_decimal(value, 6): seconds with six decimals.
fn secs6(t: Micros) -> String {
    format!("{}.{:06}", t.0 / 1_000_000, t.0 % 1_000_000)
}

fn on_off(b: bool) -> &'static str {
    if b {
        "ON"
    } else {
        "OFF"
    }
}

fn abled(b: bool) -> &'static str {
    if b {
        "enabled"
    } else {
        "disabled"
    }
}

fn smtp_alert(cfg: &Config, own: Option<bool>) -> Option<bool> {
    let e = &cfg.global.email;
    own.or(e.smtp_alert_checker).or(e.smtp_alert)
}

/// keepalived's cmd_str: each word in single quotes, but for a leading redirection.
fn cmd_str(sc: &Script) -> String {
    let mut out = String::new();
    for (i, w) in split_cmd(&sc.cmd).iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i == 0 && (w.starts_with('<') || w.starts_with('>')) {
            out.push_str(w);
        } else {
            let _ = write!(out, "'{w}'");
        }
    }
    out
}

fn vs_section(cfg: &Config, v: usize, vs: &VirtualServer, live: &dyn Live, s: &mut String) {
    s.push_str(" ------< Virtual server >------\n");
    match &vs.addr {
        VsAddr::Group(_) => {
            let _ = writeln!(s, " VS GROUP = {}", names::vs_name(vs));
        }
        VsAddr::Fwmark(m) => {
            let _ = writeln!(s, " VS FWMARK = {m}");
        }
        VsAddr::Ip { ip, port } => {
            let _ = writeln!(s, " VS VIP = {ip}, VPORT = {}", port.unwrap_or(0));
        }
    }
    if let Some(h) = &vs.virtualhost {
        let _ = writeln!(s, "   VirtualHost = {h}");
    }
    let _ = writeln!(s, "   Address family = {}", family(cfg, vs));
    let _ = writeln!(s, "   connection timeout = {}", secs6(vs.connect_timeout));
    let _ = writeln!(s, "   delay_loop = {}", secs6(vs.delay_loop));
    let sched = vs.sched.map_or("wlc", |x| x.name());
    let _ = writeln!(s, "   lvs_sched = {sched}");
    let _ = writeln!(s, "   Hashed = {}", abled(vs.flags.hashed));
    let f = &vs.flags;
    match sched {
        "sh" | "mh" => {
            let _ = writeln!(s, "   {sched}-port = {}", abled(f.sched2));
            let _ = writeln!(s, "   {sched}-fallback = {}", abled(f.sched1));
        }
        _ => {
            let _ = writeln!(s, "   flag-1 = {}", abled(f.sched1));
            let _ = writeln!(s, "   flag-2 = {}", abled(f.sched2));
            let _ = writeln!(s, "   flag-3 = {}", abled(f.sched3));
        }
    }
    let proto = protocol(vs);
    let _ = writeln!(
        s,
        "   One packet scheduling = {}{}",
        abled(f.one_packet),
        if f.one_packet && proto != Some(Protocol::Udp) {
            " (inactive due to not UDP)"
        } else {
            ""
        }
    );
    if let Some(t) = vs.persistence_timeout.filter(|&t| t != 0) {
        let _ = writeln!(s, "   persistence timeout = {t}");
    }
    match vs.persistence_granularity {
        Some(Granularity::V4Mask(m)) => {
            let _ = writeln!(s, "   persistence granularity = {m}");
        }
        Some(Granularity::V6Prefix(p)) => {
            let _ = writeln!(s, "   persistence granularity = {p}");
        }
        None => {}
    }
    let _ = writeln!(
        s,
        "   protocol = {}",
        match proto {
            Some(Protocol::Tcp) => "TCP",
            Some(Protocol::Udp) => "UDP",
            Some(Protocol::Sctp) => "SCTP",
            None => "none",
        }
    );
    let _ = writeln!(s, "   alpha is {}", on_off(vs.alpha));
    let _ = writeln!(s, "   omega is {}", on_off(vs.omega));
    if let Some(r) = vs.retry {
        let _ = writeln!(s, "   Retry count = {r}");
    }
    if let Some(d) = vs.delay_before_retry {
        let _ = writeln!(s, "   Retry delay = {}", secs6(d));
    }
    if let Some(w) = vs.warmup {
        let _ = writeln!(s, "   Warmup = {}", secs6(w));
    }
    let _ = writeln!(
        s,
        "   Inhibit on failure is {}",
        on_off(vs.inhibit_on_failure)
    );
    let _ = writeln!(
        s,
        "   quorum = {}, hysteresis = {}",
        vs.quorum, vs.hysteresis
    );
    if vs.ha_suspend {
        s.push_str("   Using HA suspend\n");
    }
    let _ = writeln!(
        s,
        "   Using smtp notification = {}",
        if smtp_alert(cfg, vs.smtp_alert).unwrap_or(false) {
            "yes"
        } else {
            "no"
        }
    );
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
        let _ = writeln!(s, "     Inhibit on failure is {}", on_off(ss.inhibit));
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
    let _ = writeln!(s, "   Alpha is {}", on_off(rs.alpha.unwrap_or(vs.alpha)));
    let _ = writeln!(
        s,
        "   connection timeout = {}",
        secs6(rs.connect_timeout.unwrap_or(vs.connect_timeout))
    );
    let _ = writeln!(
        s,
        "   connection limit range = {} -> {}",
        rs.lthreshold.unwrap_or(0),
        rs.uthreshold.unwrap_or(0)
    );
    let _ = writeln!(
        s,
        "   Delay loop = {}",
        secs6(rs.delay_loop.unwrap_or(vs.delay_loop))
    );
    if let Some(n) = rs.retry.or(vs.retry) {
        let _ = writeln!(s, "   Retry count = {n}");
    }
    if let Some(d) = rs.delay_before_retry.or(vs.delay_before_retry) {
        let _ = writeln!(s, "   Retry delay = {}", secs6(d));
    }
    if let Some(w) = rs.warmup.or(vs.warmup) {
        let _ = writeln!(s, "   Warmup = {}", secs6(w));
    }
    let _ = writeln!(
        s,
        "   Inhibit on failure is {}",
        on_off(rs.inhibit_on_failure.unwrap_or(vs.inhibit_on_failure))
    );
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
        let _ = writeln!(s, "    VirtualHost = '{h}'");
    }
    let _ = writeln!(
        s,
        "   Using smtp notification = {}",
        // keepalived leaves a real server's smtp_alert unresolved (-1) when nothing sets it,
        // and prints that as yes.
        if smtp_alert(cfg, rs.smtp_alert).unwrap_or(true) {
            "yes"
        } else {
            "no"
        }
    );
    let _ = writeln!(s, "   initial weight = {iweight}");
    let _ = writeln!(s, "   effective weight = {eff}");
    let _ = writeln!(s, "   alive = {}", u8::from(st.alive));
    let _ = writeln!(s, "   num failed checkers = {}", st.failed);
    let mut files = rs.checkers.iter().filter_map(|c| match &c.kind {
        CheckerKind::File(f) => Some(f),
        _ => None,
    });
    if let Some(first) = files.next() {
        s.push_str("   Tracked Files\n");
        for f in std::iter::once(first).chain(files) {
            let _ = writeln!(
                s,
                "     {}, weight {}{}",
                f.track_file,
                f.weight,
                if f.reverse { " reverse" } else { "" }
            );
        }
    }
}

/// Every checker, in keepalived's queue order: FILE_CHECKs are queued once the whole
/// config is read, so they come after the others.
fn checkers_section(cfg: &Config, live: &dyn Live, s: &mut String) {
    let mut header = false;
    for files in [false, true] {
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            for (r, rs) in vs.real_servers.iter().enumerate() {
                for (k, c) in rs.checkers.iter().enumerate() {
                    if matches!(c.kind, CheckerKind::File(_)) != files {
                        continue;
                    }
                    let id = CheckerId {
                        vs: v,
                        rs: r,
                        ck: k,
                    };
                    let Some(st) = live.checker(id) else {
                        continue;
                    };
                    if !header {
                        s.push_str("------< Health checkers >------\n");
                        header = true;
                    }
                    checker_section(vs, rs, c, &st, s);
                }
            }
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn checker_section(
    vs: &VirtualServer,
    rs: &RealServer,
    c: &Checker,
    st: &CheckerLive,
    s: &mut String,
) {
    let t = checker_timing(vs, rs, c);
    let iweight = i64::from(rs.weight.unwrap_or(vs.weight));
    let _ = writeln!(
        s,
        " {} -> {}\n   Enabled = {}\n   Up = {}\n   Has run = {}\n   Current weight = {}",
        names::vs_name(vs),
        names::rs_name(vs, rs),
        yes_no(st.enabled),
        yes_no(st.up),
        yes_no(st.has_run),
        st.weight.map_or(0, |w| w - iweight)
    );
    let file = matches!(c.kind, CheckerKind::File(_));
    if !file {
        let _ = writeln!(
            s,
            "   Alpha = {}\n   Delay loop = {} us\n   Warmup = {} us\n   Retries = {}",
            yes_no(t.alpha),
            t.delay_loop.0,
            t.warmup.0,
            t.retry
        );
        if t.retry > 0 {
            let _ = writeln!(
                s,
                "   Delay before retry = {} us\n   Retries iterations = {}",
                t.delay_before_retry.0,
                // keepalived counts retries only while the checker is still up.
                if st.up { st.retry_it } else { 0 }
            );
        }
        let default_dbr = match c.kind {
            CheckerKind::Http(_) | CheckerKind::Ssl(_) => 3,
            _ => 1,
        };
        let _ = writeln!(
            s,
            "   Default delay before retry = {} us",
            Micros::from_secs(default_dbr).0
        );
    }
    // A checker's own log_all_failures, else the global one.
    let log_all = c.common.log_all_failures.unwrap_or(false);
    let _ = writeln!(s, "   Log all failures = {}", yes_no(log_all));
    let connects = !matches!(
        c.kind,
        CheckerKind::Misc(_) | CheckerKind::File(_) | CheckerKind::Bfd(_)
    );
    if connects {
        connection_lines(
            &c.common,
            rs.ip,
            names::rs_port(vs, rs),
            t.connect_timeout,
            s,
        );
    }
    kind_lines(c, st, s);
}

fn connection_lines(k: &CheckerCommon, ip: IpAddr, port: u16, timeout: Micros, s: &mut String) {
    let _ = writeln!(
        s,
        "   Connection\n     Dest = [{}]:{}",
        k.connect_ip.unwrap_or(ip),
        k.connect_port.unwrap_or(port)
    );
    if let Some(b) = k.bindto {
        let _ = writeln!(s, "     Bind to = [{b}]:{}", k.bind_port.unwrap_or(0));
    }
    if let Some(i) = &k.bind_if {
        let _ = writeln!(s, "     Bind i/f = {i}");
    }
    if let Some(m) = k.fwmark.filter(|&m| m != 0) {
        let _ = writeln!(s, "     Mark = {m}");
    }
    let _ = writeln!(s, "     Timeout = {:.6}", timeout.0 as f64 / 1e6);
}

fn kind_lines(c: &Checker, st: &CheckerLive, s: &mut String) {
    match &c.kind {
        CheckerKind::Tcp => s.push_str("   Keepalive method = TCP_CHECK\n"),
        CheckerKind::Http(h) => http_lines("HTTP", h, st, s),
        CheckerKind::Ssl(h) => http_lines("SSL", h, st, s),
        CheckerKind::Misc(m) => {
            let _ = writeln!(
                s,
                "   Keepalive method = MISC_CHECK\n   script = {}\n   timeout = {}\n   \
                 dynamic = {}\n   uid:gid = {}:{}",
                m.path.as_ref().map(cmd_str).unwrap_or_default(),
                m.timeout.map_or(0, |t| t.0 / 1_000_000),
                if m.dynamic { "YES" } else { "NO" },
                st.script_user.0,
                st.script_user.1
            );
        }
        CheckerKind::Smtp(m) => {
            let _ = writeln!(
                s,
                "   Keepalive method = SMTP_CHECK\n   helo = {}",
                m.helo_name
                    .as_deref()
                    .unwrap_or("smtpchecker.keepalived.org")
            );
        }
        CheckerKind::Dns(d) => {
            let _ = writeln!(
                s,
                "   Keepalive method = DNS_CHECK\n   Type = {}\n   Name = {}",
                format!("{:?}", d.qtype).to_ascii_uppercase(),
                d.name
            );
        }
        CheckerKind::Udp(u) => {
            s.push_str("   Keepalive method = UDP_CHECK\n");
            match &u.payload {
                Some(p) => {
                    let _ = writeln!(s, "   Payload len = {}", p.len());
                }
                None => s.push_str("   Payload specified = no\n"),
            }
            let _ = writeln!(s, "   Require reply = {}", yes_no(u.require_reply));
            if u.require_reply {
                let _ = writeln!(
                    s,
                    "     Min reply length = {}\n     Max reply length = {}\n     \
                     Reply data len = {}",
                    u.min_reply_length,
                    u.max_reply_length,
                    u.reply.as_ref().map_or(0, |r| r.0.len())
                );
                if let Some((_, mask)) = &u.reply {
                    let _ = writeln!(s, "     Reply data mask = {}", yes_no(mask.is_some()));
                }
            }
        }
        CheckerKind::Ping => s.push_str("   Keepalive method = PING_CHECK\n"),
        CheckerKind::File(f) => {
            let _ = writeln!(
                s,
                "   Keepalive method = FILE_CHECK\n     Tracked file = {}",
                f.track_file
            );
        }
        CheckerKind::Bfd(_) => {}
    }
}

fn http_lines(what: &str, h: &HttpCheck, st: &CheckerLive, s: &mut String) {
    let proto = match h.http_protocol {
        HttpProtocol::V10 => "1.0",
        HttpProtocol::V10Close => "1.0C",
        HttpProtocol::V11 => "1.1",
    };
    let _ = writeln!(s, "   Keepalive method = {what}_GET, http protocol {proto}");
    if let Some(v) = &h.virtualhost {
        let _ = writeln!(s, "   Virtualhost = {v}");
    }
    let set = |b: bool| if b { "set" } else { "unset" };
    let _ = writeln!(s, "   Enable SNI {}", set(h.enable_sni));
    let _ = writeln!(s, "   Fast recovery {}", set(h.fast_recovery));
    for u in &h.urls {
        url_lines(u, s);
    }
    if let Some(u) = st.failed_url.and_then(|i| h.urls.get(i)) {
        let _ = writeln!(s, "   Failed URL = {}", u.path);
    }
}

/// The first and last HTTP status codes keepalived's bitmap holds.
const STATUS_MIN: u16 = 100;
const STATUS_MAX: u16 = 599;

fn url_lines(u: &Url, s: &mut String) {
    let _ = writeln!(s, "   Checked url = {}", u.path);
    if let Some(d) = &u.digest {
        s.push_str("     digest = ");
        for b in d {
            let _ = write!(s, "{b:02x}");
        }
        s.push('\n');
    }
    s.push_str("     HTTP Status Code(s)\n");
    let wanted = |code: u16| {
        if u.status_codes.is_empty() {
            (200..300).contains(&code)
        } else {
            u.status_codes.iter().any(|&(a, b)| (a..=b).contains(&code))
        }
    };
    // Runs of accepted codes, as keepalived prints its bitmap.
    let mut start = None;
    for code in STATUS_MIN..=STATUS_MAX + 1 {
        let on = code <= STATUS_MAX && wanted(code);
        match (on, start) {
            (true, None) => start = Some(code),
            (false, Some(a)) => {
                let _ = if a == code - 1 {
                    writeln!(s, "       {a}")
                } else {
                    writeln!(s, "       {a}-{}", code - 1)
                };
                start = None;
            }
            _ => {}
        }
    }
    if let Some(v) = &u.virtualhost {
        let _ = writeln!(s, "     Virtual host = {v}");
    }
    if let Some(r) = &u.regex {
        let _ = writeln!(s, "     Regex = \"{r}\"");
        if u.regex_no_match {
            s.push_str("     Regex no match\n");
        }
    }
}

#[cfg(test)]
mod tests;
