//! Building the runner's slots from the config: targets, probes, timings, log names.

use std::ffi::CString;
use std::net::SocketAddr;
use std::rc::Rc;

use crate::check::checkers::dns::DnsDialog;
use crate::check::checkers::ping::PingDialog;
use crate::check::checkers::smtp::SmtpDialog;
use crate::check::checkers::sock::Local;
use crate::check::checkers::web::http::WebDialog;
use crate::check::checkers::TlsContext;

use super::*;
use crate::config::checker::CheckerCommon;
use crate::config::lvs::VsAddr;

/// Where a protocol checker talks to, for its dialog: the address it connects to and the
/// real and virtual server's `virtualhost`, and the real server's name for error lines.
pub struct Target<'a> {
    pub dst: SocketAddr,
    pub rs_vhost: Option<&'a str>,
    pub vs_vhost: Option<&'a str>,
    pub rs: &'a dyn std::fmt::Display,
    /// The `SSL` block's context, for SSL_GET.
    pub tls: &'a TlsContext,
}

/// Makes the dialog of a protocol checker (HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK): the
/// socket kind it talks over, the dialog, and the checker's keyword for log lines. None: the
/// checker cannot run in this build (the reason is logged).
pub type DialogMaker = fn(&Checker, &Target<'_>) -> Option<(Kind, Box<dyn Dialog>, &'static str)>;

/// The protocol checkers' dialogs.
pub fn protocol_dialog(
    c: &Checker,
    t: &Target<'_>,
) -> Option<(Kind, Box<dyn Dialog>, &'static str)> {
    match &c.kind {
        CheckerKind::Http(h) | CheckerKind::Ssl(h) => {
            let ssl = matches!(c.kind, CheckerKind::Ssl(_));
            let name = if ssl { "SSL_GET" } else { "HTTP_GET" };
            match WebDialog::new(h, ssl, t.dst, t.rs_vhost, t.vs_vhost, t.tls) {
                Ok(d) => Some((Kind::Tcp, Box::new(d) as Box<dyn Dialog>, name)),
                Err(e) => {
                    warn!("{name} for service {}: {e}", t.rs);
                    None
                }
            }
        }
        CheckerKind::Smtp(s) => {
            if !s.hosts.is_empty() {
                info!(
                    "The SMTP_CHECK host block is deprecated. Please define additional checkers."
                );
            }
            Some((Kind::Tcp, Box::new(SmtpDialog::new(s)), "SMTP_CHECK"))
        }
        CheckerKind::Dns(d) => Some((Kind::Udp, Box::new(DnsDialog::new(d)), "DNS_CHECK")),
        _ => None,
    }
}

/// A checker's socket options; `rs` is the real server, the default target.
fn conn_opts(c: &CheckerCommon, rs: SocketAddr) -> ConnOpts {
    let bind = c
        .bindto
        .map(|ip| SocketAddr::new(ip, c.bind_port.unwrap_or(0)));
    let bind_if = c
        .bind_if
        .as_ref()
        .and_then(|s| CString::new(s.as_str()).ok());
    ConnOpts {
        dst: SocketAddr::new(
            c.connect_ip.unwrap_or(rs.ip()),
            c.connect_port.unwrap_or(rs.port()),
        ),
        mark: c.fwmark,
        local: (bind.is_some() || bind_if.is_some()).then(|| Box::new(Local { bind, bind_if })),
    }
}

/// SMTP_CHECK's old `host {}` blocks: more servers the one check walks through.
fn smtp_hosts(c: &Checker, ip: std::net::IpAddr, port: u16) -> Vec<ConnOpts> {
    match &c.kind {
        CheckerKind::Smtp(s) => {
            let mut out = Vec::with_capacity(s.hosts.len());
            for h in &s.hosts {
                out.push(conn_opts(h, SocketAddr::new(ip, port)));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Whether a checker sets where or how it connects.
fn own_conn(c: &CheckerCommon) -> bool {
    c.connect_ip.is_some()
        || c.connect_port.is_some()
        || c.bindto.is_some()
        || c.bind_port.is_some()
        || c.bind_if.is_some()
        || c.fwmark.is_some()
        || c.connect_timeout.is_some()
}

pub(super) fn seed() -> u64 {
    crate::core::random::u64() | 1
}

impl Runner {
    /// Builds a slot for every checker of `cfg`.
    pub fn new(cfg: &Config) -> Runner {
        Self::with_dialogs(cfg, protocol_dialog)
    }

    /// As [`Runner::new`], with the protocol checkers' dialogs from `dialogs`.
    pub fn with_dialogs(cfg: &Config, dialogs: DialogMaker) -> Runner {
        // Exactly as many slots as checkers: the slots are the runner's bulk.
        let vss = cfg.lvs.virtual_servers.iter();
        let n: usize = vss
            .flat_map(|v| &v.real_servers)
            .map(|r| r.checkers.len())
            .sum();
        let mut slots = Vec::with_capacity(n);
        let mut r = Runner {
            slots: Box::new([]),
            dues: due::Dues::new(n, TOKEN_BASE),
            notify: Vec::new(),
            scripts: ScriptRunner::new(SCRIPT_TIMER),
            calls: Vec::new(),
            script_user: crate::check::script_user(cfg),
            rx: Box::new([0; RX_LEN]),
            rand: seed(),
            files: None,
            bfd_seen: Vec::new(),
        };
        let tls = TlsContext::for_config(cfg);
        let log_all_global = cfg.global.email.checker_log_all_failures.unwrap_or(false);
        for (v, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
            let mut nv = Vec::with_capacity(vs.real_servers.len());
            let vs_name: Rc<str> = names::vs_name(vs).into();
            for (s, rs) in vs.real_servers.iter().enumerate() {
                let n = Notify {
                    up: rs.notify_up.clone(),
                    down: rs.notify_down.clone(),
                    run_as: rs
                        .notify_run_as
                        .each_ref()
                        .map(|r| r.as_ref().and_then(crate::core::script::user_ids)),
                };
                let some =
                    n.up.is_some() || n.down.is_some() || n.run_as.iter().any(Option::is_some);
                nv.push(some.then(|| Box::new(n)));
                for (k, c) in rs.checkers.iter().enumerate() {
                    let timing = checker_timing(vs, rs, c);
                    let port = names::check_port(vs, rs);
                    let conn = conn_opts(&c.common, SocketAddr::new(rs.ip, port));
                    let mut hosts = smtp_hosts(c, rs.ip, port);
                    // With host blocks and no connection options of its own, keepalived
                    // checks the hosts only.
                    let conn = if !hosts.is_empty() && !own_conn(&c.common) {
                        hosts.remove(0)
                    } else {
                        conn
                    };
                    let dst = conn.dst;
                    let weight = rs.weight.unwrap_or(vs.weight);
                    let v6 = dst.is_ipv6();
                    let rs_name = names::rs_trio(vs, rs);
                    let target = Target {
                        dst,
                        rs_vhost: rs.virtualhost.as_deref(),
                        vs_vhost: vs.virtualhost.as_deref(),
                        rs: &rs_name,
                        tls: &tls,
                    };
                    let (probe, words, policy) =
                        r.probe(c, cfg, (weight, vs.delay_loop, v6), (dialogs, &target));
                    slots.push(Slot {
                        id: CheckerId {
                            vs: v,
                            rs: s,
                            ck: k,
                        },
                        rs: rs_name,
                        vs: Rc::clone(&vs_name),
                        words,
                        sched: Sched::new(&timing, policy),
                        connect_timeout: timing.connect_timeout,
                        warmup: timing.warmup,
                        conn: Some(conn),
                        hosts,
                        host: 0,
                        probe,
                        phase: Phase::Idle,
                        sock: None,
                        gen: 0,
                        log_all: c.common.log_all_failures.unwrap_or(log_all_global),
                        suspend: match (&vs.addr, vs.ha_suspend) {
                            (VsAddr::Ip { ip, .. }, true) => Some(*ip),
                            _ => None,
                        },
                        enabled: true,
                        weight: None,
                        base_weight: i64::from(weight),
                    });
                }
            }
            r.notify.push(nv);
        }
        r.slots = slots.into_boxed_slice();
        r
    }

    pub(super) fn next_rand(&mut self) -> u64 {
        // xorshift64: enough to spread first runs.
        let mut x = self.rand;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rand = x;
        x
    }

    pub(super) fn probe(
        &mut self,
        c: &Checker,
        cfg: &Config,
        // The real server's weight, the virtual server's delay_loop, an IPv6 target.
        (weight, vs_delay_loop, v6): (u32, Micros, bool),
        (dialogs, target): (DialogMaker, &Target<'_>),
    ) -> (Probe, Words, Policy) {
        match &c.kind {
            CheckerKind::Tcp => (Probe::Stream(None), Words::Tcp, Policy::Tcp),
            CheckerKind::Udp(u) => {
                let d = UdpDialog::new(u, self.next_rand());
                let silence_passes = d.silence_passes();
                let probe = Probe::Datagram {
                    kind: Kind::Udp,
                    dialog: Box::new(d),
                    silence_passes,
                };
                (probe, Words::Udp, Policy::Layer4)
            }
            CheckerKind::Ping => {
                let probe = Probe::Datagram {
                    kind: Kind::Icmp,
                    dialog: Box::new(PingDialog::new(v6)),
                    silence_passes: false,
                };
                (probe, Words::Icmp, Policy::Layer4)
            }
            CheckerKind::File(f) => {
                let path = cfg
                    .vrrp
                    .trackers
                    .files
                    .iter()
                    .find(|t| t.name == f.track_file)
                    .map(|t| std::path::PathBuf::from(&t.file));
                match path {
                    Some(path) => (
                        Probe::File(Box::new(FileProbe {
                            path,
                            weight: f.weight,
                            reverse: f.reverse,
                            base: i64::from(weight),
                            applied: None,
                            value: None,
                        })),
                        Words::Named("FILE_CHECK"),
                        Policy::Layer4,
                    ),
                    None => (Probe::NotYet, Words::Named("FILE_CHECK"), Policy::Layer4),
                }
            }
            CheckerKind::Bfd(b) => (
                Probe::Bfd {
                    name: b.name.clone(),
                },
                Words::Named("BFD_CHECK"),
                Policy::Layer4,
            ),
            CheckerKind::Misc(m) => (
                Probe::Misc(Box::new(MiscProbe::new(
                    m,
                    i64::from(weight),
                    vs_delay_loop,
                ))),
                Words::Misc,
                Policy::Misc,
            ),
            _ => match dialogs(c, target) {
                Some((Kind::Tcp, d, name)) => {
                    let (words, policy) = match &c.kind {
                        CheckerKind::Http(h) | CheckerKind::Ssl(h) => (
                            Words::Web,
                            Policy::Web {
                                urls: u16::try_from(h.urls.len()).unwrap_or(u16::MAX),
                                fast_recovery: h.fast_recovery,
                            },
                        ),
                        CheckerKind::Smtp(_) => (Words::Smtp, Policy::Layer4),
                        _ => (Words::Named(name), Policy::Layer4),
                    };
                    (Probe::Stream(Some(d)), words, policy)
                }
                Some((kind, d, name)) => (
                    Probe::Datagram {
                        kind,
                        dialog: d,
                        silence_passes: false,
                    },
                    match &c.kind {
                        CheckerKind::Dns(_) => Words::Dns,
                        _ => Words::Named(name),
                    },
                    Policy::Layer4,
                ),
                None => (Probe::NotYet, Words::Named("CHECK"), Policy::Layer4),
            },
        }
    }
}

pub(super) fn checker_keyword(cfg: &Config, id: CheckerId) -> &'static str {
    let c = cfg
        .lvs
        .virtual_servers
        .get(id.vs)
        .and_then(|v| v.real_servers.get(id.rs))
        .and_then(|r| r.checkers.get(id.ck));
    match c.map(|c| &c.kind) {
        Some(CheckerKind::Http(_)) => "HTTP_GET",
        Some(CheckerKind::Ssl(_)) => "SSL_GET",
        Some(CheckerKind::Smtp(_)) => "SMTP_CHECK",
        Some(CheckerKind::Dns(_)) => "DNS_CHECK",
        Some(CheckerKind::File(_)) => "FILE_CHECK",
        Some(CheckerKind::Bfd(_)) => "BFD_CHECK",
        _ => "checker",
    }
}
