//! The checker blocks of a real_server (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, SMTP_CHECK,
//! DNS_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK, BFD_CHECK) and the options they share.
//! Timing options left unset here are inherited from the real server, then the virtual server.

mod http;
mod misc;
mod simple;
mod udp;
pub(crate) mod values;

use std::net::IpAddr;

pub use http::{HttpCheck, HttpProtocol, Url};
pub(crate) use misc::MiscCheck;
pub use simple::{BfdCheck, DnsCheck, DnsType, FileCheck, SmtpCheck};
pub(crate) use udp::UdpCheck;
pub(crate) use values::Script;

use crate::config::diag::{Diagnostics, Loc};
use crate::config::tree::Node;
use crate::config::value::{ifname_arg, ip_arg};
use crate::core::time::Micros;
use values::{connect_timer, flag, int_in, timer_min};

/// Options every checker may carry. `None` means inherited (or the checker type's default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckerCommon {
    pub(crate) connect_ip: Option<IpAddr>,
    pub(crate) connect_port: Option<u16>,
    pub(crate) bindto: Option<IpAddr>,
    pub(crate) bind_port: Option<u16>,
    pub(crate) bind_if: Option<String>,
    pub(crate) connect_timeout: Option<Micros>,
    /// SO_MARK on the checker's socket.
    pub(crate) fwmark: Option<u32>,
    pub(crate) retry: Option<u32>,
    pub(crate) delay_before_retry: Option<Micros>,
    pub(crate) warmup: Option<Micros>,
    pub(crate) delay_loop: Option<Micros>,
    pub(crate) alpha: Option<bool>,
    pub(crate) log_all_failures: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CheckerKind {
    Tcp,
    Http(HttpCheck),
    /// SSL_GET: HTTP_GET over TLS.
    Ssl(HttpCheck),
    Misc(MiscCheck),
    Smtp(SmtpCheck),
    Dns(DnsCheck),
    Udp(UdpCheck),
    Ping,
    File(FileCheck),
    Bfd(BfdCheck),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checker {
    loc: Loc,
    pub(crate) common: CheckerCommon,
    pub(crate) kind: CheckerKind,
}

impl Checker {
    /// The scripts this checker runs.
    pub(crate) fn scripts(&self) -> impl Iterator<Item = &Script> {
        match &self.kind {
            CheckerKind::Misc(m) => m.path.as_ref(),
            _ => None,
        }
        .into_iter()
    }
}

/// True for the keywords that open a checker block.
pub(crate) fn is_checker(kw: &str) -> bool {
    matches!(
        kw,
        "TCP_CHECK"
            | "HTTP_GET"
            | "SSL_GET"
            | "MISC_CHECK"
            | "SMTP_CHECK"
            | "DNS_CHECK"
            | "UDP_CHECK"
            | "PING_CHECK"
            | "FILE_CHECK"
            | "BFD_CHECK"
    )
}

/// Reads one checker block. `None` when keepalived would drop the checker (reported here).
pub(crate) fn parse_checker(n: &Node, d: &mut Diagnostics) -> Option<Checker> {
    let mut common = CheckerCommon::default();
    let kind = match n.keyword() {
        "TCP_CHECK" => {
            common_only(n, &mut common, d);
            CheckerKind::Tcp
        }
        "PING_CHECK" => {
            common_only(n, &mut common, d);
            CheckerKind::Ping
        }
        "HTTP_GET" => CheckerKind::Http(http::parse(n, &mut common, d)?),
        "SSL_GET" => CheckerKind::Ssl(http::parse(n, &mut common, d)?),
        "MISC_CHECK" => CheckerKind::Misc(misc::parse(n, &mut common, d)?),
        "SMTP_CHECK" => CheckerKind::Smtp(simple::parse_smtp(n, &mut common, d)?),
        "DNS_CHECK" => CheckerKind::Dns(simple::parse_dns(n, &mut common, d)?),
        "UDP_CHECK" => CheckerKind::Udp(udp::parse(n, &mut common, d)?),
        "FILE_CHECK" => CheckerKind::File(simple::parse_file(n, &mut common, d)?),
        "BFD_CHECK" => CheckerKind::Bfd(simple::parse_bfd(n, &mut common, d)?),
        _ => return None,
    };
    Some(Checker {
        loc: n.loc,
        common,
        kind,
    })
}

/// A checker with only the shared options (TCP_CHECK, PING_CHECK).
fn common_only(n: &Node, common: &mut CheckerCommon, d: &mut Diagnostics) {
    for c in n.children() {
        if !parse_common(c, true, common, d) {
            d.unknown_keyword(c.loc, c.keyword());
        }
    }
}

/// The shared options; `connection` adds the socket ones (not for MISC, FILE and BFD).
/// False when `c` is none of them.
fn parse_common(
    c: &Node,
    connection: bool,
    common: &mut CheckerCommon,
    d: &mut Diagnostics,
) -> bool {
    match c.keyword() {
        "connect_ip" if connection => common.connect_ip = ip_arg(c, 0, d),
        "connect_port" if connection => common.connect_port = port(c, 0, d),
        "bindto" if connection => common.bindto = ip_arg(c, 0, d),
        "bind_port" if connection => common.bind_port = port(c, 0, d),
        "bind_if" if connection => common.bind_if = ifname_arg(c, 0, d),
        "connect_timeout" if connection => {
            common.connect_timeout = connect_timer(c, d).or(common.connect_timeout)
        }
        "fwmark" if connection => {
            common.fwmark = int_in(c, 0, 0, i64::from(u32::MAX), d).map(|v| v as u32)
        }
        "retry" | "nb_get_retry" => {
            if c.keyword() == "nb_get_retry" {
                d.warn(c.loc, "nb_get_retry is deprecated - please use 'retry'");
            }
            common.retry = int_in(c, 0, 0, i64::from(u32::MAX), d)
                .map(|v| v as u32)
                .or(common.retry);
        }
        "delay_before_retry" => {
            common.delay_before_retry = timer_min(c, Micros(0), d).or(common.delay_before_retry)
        }
        "warmup" => common.warmup = timer_min(c, Micros(0), d).or(common.warmup),
        "delay_loop" => common.delay_loop = timer_min(c, Micros(1), d).or(common.delay_loop),
        "alpha" => common.alpha = flag(c, d).or(common.alpha),
        "log_all_failures" => common.log_all_failures = flag(c, d).or(common.log_all_failures),
        _ => return false,
    }
    true
}

/// A TCP/UDP port, 1..65535.
fn port(n: &Node, i: usize, d: &mut Diagnostics) -> Option<u16> {
    int_in(n, i, 1, 65535, d).map(|v| v as u16)
}

#[cfg(test)]
mod tests;
