//! `real_server IP [PORT] { ... }` and its checkers.

use std::net::IpAddr;

use super::types::{ip_port, parse_forwarding, Forwarding};
use crate::config::checker::values::{connect_timer, flag, int_in, timer_min, RunAs, Script};
use crate::config::checker::{is_checker, parse_checker, Checker};
use crate::config::diag::{Diagnostics, Loc};
use crate::config::kwtable::keyword_table;
use crate::config::tree::Node;
use crate::core::time::Micros;

/// The largest IPVS weight keepalived accepts (INT_MAX).
pub(crate) const WEIGHT_LIMIT: i64 = i32::MAX as i64;

keyword_table! {
    /// The keywords of a real_server block but the checkers.
    enum Rs {
        "weight" => Weight,
        "lvs_method" => LvsMethod,
        "uthreshold" => Uthreshold,
        "lthreshold" => Lthreshold,
        "inhibit_on_failure" => InhibitOnFailure,
        "notify_up" => NotifyUp,
        "notify_down" => NotifyDown,
        "alpha" => Alpha,
        "retry" => Retry,
        "delay_before_retry" => DelayBeforeRetry,
        "warmup" => Warmup,
        "delay_loop" => DelayLoop,
        "connect_timeout" => ConnectTimeout,
        "smtp_alert" => SmtpAlert,
        "virtualhost" => Virtualhost,
        "snmp_name" => SnmpName,
    }
}

/// Options left `None` are inherited from the virtual server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealServer {
    pub(crate) loc: Loc,
    /// The closing brace: keepalived judges the finished server there.
    pub(crate) end: Loc,
    pub(crate) ip: IpAddr,
    /// None: the virtual server's port (NAT) or none (fwmark).
    pub(crate) port: Option<u16>,
    /// The port as written, before the config check aligned `port` with the service's: the
    /// checkers' default target, as in keepalived (its checkers copy the address at parse).
    pub(crate) written_port: Option<u16>,
    pub(crate) weight: Option<u32>,
    pub(crate) forwarding: Option<Forwarding>,
    pub(crate) uthreshold: Option<u32>,
    pub(crate) lthreshold: Option<u32>,
    pub(crate) inhibit_on_failure: Option<bool>,
    pub(crate) notify_up: Option<Script>,
    pub(crate) notify_down: Option<Script>,
    /// `USER [GROUP]` given after notify_up / notify_down (else the default script user).
    pub(crate) notify_run_as: [Option<RunAs>; 2],
    pub(crate) alpha: Option<bool>,
    pub(crate) retry: Option<u32>,
    pub(crate) delay_before_retry: Option<Micros>,
    pub(crate) warmup: Option<Micros>,
    pub(crate) delay_loop: Option<Micros>,
    pub(crate) connect_timeout: Option<Micros>,
    /// keepalived mails on real server changes unless told otherwise.
    pub(crate) smtp_alert: Option<bool>,
    pub(crate) virtualhost: Option<String>,
    pub(crate) snmp_name: Option<String>,
    pub(crate) checkers: Vec<Checker>,
}

pub(crate) fn parse(n: &Node, d: &mut Diagnostics) -> Option<RealServer> {
    let (ip, port) = ip_port(n, 0, d)?;
    let mut rs = RealServer {
        loc: n.loc,
        end: n.end_loc(),
        ip,
        port,
        written_port: port,
        weight: None,
        forwarding: None,
        uthreshold: None,
        lthreshold: None,
        inhibit_on_failure: None,
        notify_up: None,
        notify_down: None,
        notify_run_as: [None, None],
        alpha: None,
        retry: None,
        delay_before_retry: None,
        warmup: None,
        delay_loop: None,
        connect_timeout: None,
        smtp_alert: None,
        virtualhost: None,
        snmp_name: None,
        checkers: Vec::new(),
    };
    for c in n.children() {
        let kw = c.keyword();
        match Rs::lookup(kw) {
            Some(Rs::Weight) => rs.weight = uint(c, 0, WEIGHT_LIMIT, d).or(rs.weight),
            Some(Rs::LvsMethod) => rs.forwarding = parse_forwarding(c, d).or(rs.forwarding),
            Some(Rs::Uthreshold) => {
                rs.uthreshold = uint(c, 0, i64::from(u32::MAX), d).or(rs.uthreshold)
            }
            Some(Rs::Lthreshold) => {
                rs.lthreshold = uint(c, 0, i64::from(u32::MAX), d).or(rs.lthreshold)
            }
            Some(Rs::InhibitOnFailure) => {
                rs.inhibit_on_failure = flag(c, d).or(rs.inhibit_on_failure)
            }
            Some(k @ (Rs::NotifyUp | Rs::NotifyDown)) => {
                let i = usize::from(k == Rs::NotifyDown);
                let slot = if i == 0 {
                    &mut rs.notify_up
                } else {
                    &mut rs.notify_down
                };
                if slot.is_some() {
                    d.warn(
                        c.loc,
                        format_args!("{kw} script already specified - ignoring"),
                    );
                } else if let Some((s, user)) = Script::from_notify_args(c, d) {
                    *slot = Some(s);
                    rs.notify_run_as[i] = user;
                }
            }
            Some(Rs::Alpha) => rs.alpha = flag(c, d).or(rs.alpha),
            Some(Rs::Retry) => rs.retry = uint(c, 1, i64::from(u32::MAX), d).or(rs.retry),
            Some(Rs::DelayBeforeRetry) => {
                rs.delay_before_retry = timer_min(c, Micros(0), d).or(rs.delay_before_retry)
            }
            Some(Rs::Warmup) => rs.warmup = timer_min(c, Micros(0), d).or(rs.warmup),
            Some(Rs::DelayLoop) => rs.delay_loop = timer_min(c, Micros(1), d).or(rs.delay_loop),
            Some(Rs::ConnectTimeout) => {
                rs.connect_timeout = connect_timer(c, d).or(rs.connect_timeout)
            }
            Some(Rs::SmtpAlert) => rs.smtp_alert = flag(c, d).or(rs.smtp_alert),
            Some(Rs::Virtualhost) => {
                rs.virtualhost = c.checked_arg(0, "a host name", d).map(Into::into)
            }
            Some(Rs::SnmpName) => rs.snmp_name = c.checked_arg(0, "a name", d).map(Into::into),
            None if is_checker(kw) => {
                if let Some(ch) = parse_checker(c, d) {
                    rs.checkers.push(ch);
                }
            }
            None => d.unknown_keyword(c.loc, kw),
        }
    }
    // Kept in every process for the daemon's life: one checker, not room for four (840 B).
    rs.checkers.shrink_to_fit();
    Some(rs)
}

fn uint(c: &Node, lo: i64, hi: i64, d: &mut Diagnostics) -> Option<u32> {
    int_in(c, 0, lo, hi, d).map(|v| v as u32)
}
