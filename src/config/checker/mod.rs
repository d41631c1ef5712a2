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
use crate::config::kwtable::keyword_table;
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

keyword_table! {
    /// The keywords that open a checker block.
    enum Kind {
        "TCP_CHECK" => Tcp,
        "HTTP_GET" => Http,
        "SSL_GET" => Ssl,
        "MISC_CHECK" => Misc,
        "SMTP_CHECK" => Smtp,
        "DNS_CHECK" => Dns,
        "UDP_CHECK" => Udp,
        "PING_CHECK" => Ping,
        "FILE_CHECK" => File,
        "BFD_CHECK" => Bfd,
    }
}

/// True for the keywords that open a checker block.
pub(crate) fn is_checker(kw: &str) -> bool {
    Kind::lookup(kw).is_some()
}

/// Reads one checker block. `None` when keepalived would drop the checker (reported here).
pub(crate) fn parse_checker(n: &Node, d: &mut Diagnostics) -> Option<Checker> {
    let mut common = CheckerCommon::default();
    let kind = match Kind::lookup(n.keyword())? {
        Kind::Tcp => {
            common_only(n, &mut common, d);
            CheckerKind::Tcp
        }
        Kind::Ping => {
            common_only(n, &mut common, d);
            CheckerKind::Ping
        }
        Kind::Http => CheckerKind::Http(http::parse(n, &mut common, d)?),
        Kind::Ssl => CheckerKind::Ssl(http::parse(n, &mut common, d)?),
        Kind::Misc => CheckerKind::Misc(misc::parse(n, &mut common, d)?),
        Kind::Smtp => CheckerKind::Smtp(simple::parse_smtp(n, &mut common, d)?),
        Kind::Dns => CheckerKind::Dns(simple::parse_dns(n, &mut common, d)?),
        Kind::Udp => CheckerKind::Udp(udp::parse(n, &mut common, d)?),
        Kind::File => CheckerKind::File(simple::parse_file(n, &mut common, d)?),
        Kind::Bfd => CheckerKind::Bfd(simple::parse_bfd(n, &mut common, d)?),
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

keyword_table! {
    /// The options every checker takes.
    enum Common {
        "connect_ip" => ConnectIp,
        "connect_port" => ConnectPort,
        "bindto" => Bindto,
        "bind_port" => BindPort,
        "bind_if" => BindIf,
        "connect_timeout" => ConnectTimeout,
        "fwmark" => Fwmark,
        "retry" => Retry,
        "nb_get_retry" => NbGetRetry,
        "delay_before_retry" => DelayBeforeRetry,
        "warmup" => Warmup,
        "delay_loop" => DelayLoop,
        "alpha" => Alpha,
        "log_all_failures" => LogAllFailures,
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
    let Some(k) = Common::lookup(c.keyword()) else {
        return false;
    };
    match k {
        Common::ConnectIp if connection => common.connect_ip = ip_arg(c, 0, d),
        Common::ConnectPort if connection => common.connect_port = port(c, 0, d),
        Common::Bindto if connection => common.bindto = ip_arg(c, 0, d),
        Common::BindPort if connection => common.bind_port = port(c, 0, d),
        Common::BindIf if connection => common.bind_if = ifname_arg(c, 0, d),
        Common::ConnectTimeout if connection => {
            common.connect_timeout = connect_timer(c, d).or(common.connect_timeout)
        }
        Common::Fwmark if connection => {
            common.fwmark = int_in(c, 0, 0, i64::from(u32::MAX), d).map(|v| v as u32)
        }
        Common::Retry | Common::NbGetRetry => {
            if k == Common::NbGetRetry {
                d.warn(c.loc, "nb_get_retry is deprecated - please use 'retry'");
            }
            common.retry = int_in(c, 0, 0, i64::from(u32::MAX), d)
                .map(|v| v as u32)
                .or(common.retry);
        }
        Common::DelayBeforeRetry => {
            common.delay_before_retry = timer_min(c, Micros(0), d).or(common.delay_before_retry)
        }
        Common::Warmup => common.warmup = timer_min(c, Micros(0), d).or(common.warmup),
        Common::DelayLoop => common.delay_loop = timer_min(c, Micros(1), d).or(common.delay_loop),
        Common::Alpha => common.alpha = flag(c, d).or(common.alpha),
        Common::LogAllFailures => common.log_all_failures = flag(c, d).or(common.log_all_failures),
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
