//! The checkers with a handful of options: SMTP_CHECK, DNS_CHECK, FILE_CHECK, BFD_CHECK.

use super::values::int_in;
use super::{parse_common, CheckerCommon};
use crate::config::diag::{Diagnostics, Loc};
use crate::config::tree::Node;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmtpCheck {
    /// Default `smtpchecker.keepalived.org`.
    pub helo_name: Option<String>,
    /// The old `host { ... }` blocks: each is one more server to try with its own socket options.
    pub hosts: Vec<CheckerCommon>,
}

pub(crate) fn parse_smtp(
    n: &Node,
    common: &mut CheckerCommon,
    d: &mut Diagnostics,
) -> Option<SmtpCheck> {
    let mut s = SmtpCheck::default();
    for c in n.children() {
        match c.keyword() {
            "helo_name" => s.helo_name = c.require_arg(0, "a name", d).map(Into::into),
            "host" => {
                let mut h = CheckerCommon::default();
                for hc in c.children() {
                    if !parse_common(hc, true, &mut h, d) {
                        d.unknown_keyword(hc.loc, hc.keyword());
                    }
                }
                s.hosts.push(h);
            }
            _ => {
                if !parse_common(c, true, common, d) {
                    d.unknown_keyword(c.loc, c.keyword());
                }
            }
        }
    }
    Some(s)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DnsType {
    A,
    Ns,
    Cname,
    #[default]
    Soa,
    Mx,
    Txt,
    Aaaa,
    Rrsig,
    Dnskey,
}

impl DnsType {
    const NAMES: [(&'static str, DnsType); 9] = [
        ("A", Self::A),
        ("NS", Self::Ns),
        ("CNAME", Self::Cname),
        ("SOA", Self::Soa),
        ("MX", Self::Mx),
        ("TXT", Self::Txt),
        ("AAAA", Self::Aaaa),
        ("RRSIG", Self::Rrsig),
        ("DNSKEY", Self::Dnskey),
    ];

    pub(super) fn from_name(s: &str) -> Option<Self> {
        let found = Self::NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(s));
        found.map(|&(_, t)| t)
    }

    /// Its name as `type` takes it and the data file shows it.
    pub fn name(self) -> &'static str {
        let found = Self::NAMES.iter().find(|&&(_, t)| t == self);
        found.map_or("", |&(n, _)| n)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsCheck {
    pub qtype: DnsType,
    /// The name queried; empty is the root.
    pub name: String,
}

/// keepalived's test: `.` alone is the root and a final dot is allowed, but a leading dot
/// before more text or two dots in a row is an empty label. keepalived also looks at the
/// second character as if a dot came first, so a one-character first label (`a.example`)
/// is refused too; we follow it so that a config means the same to both.
fn dns_name_has_empty_label(name: &str) -> bool {
    let b = name.as_bytes();
    if b.first() == Some(&b'.') && b.len() > 1 {
        return true;
    }
    b.get(1) == Some(&b'.') || name.contains("..")
}

pub(crate) fn parse_dns(
    n: &Node,
    common: &mut CheckerCommon,
    d: &mut Diagnostics,
) -> Option<DnsCheck> {
    let mut q = DnsCheck::default();
    let mut named = false;
    for c in n.children() {
        match c.keyword() {
            "type" => {
                if let Some(t) = c.require_arg(0, "a DNS record type", d) {
                    match DnsType::from_name(t) {
                        Some(t) => q.qtype = t,
                        None => {
                            d.warn(c.loc, format_args!("unknown DNS check type {t} - ignoring"))
                        }
                    }
                }
            }
            "name" if named => d.warn(c.loc, "DNS_CHECK name already specified - ignoring"),
            "name" => {
                if let Some(name) = c.require_arg(0, "a domain name", d) {
                    let labels: Vec<&str> = name.split('.').collect();
                    if dns_name_has_empty_label(name) {
                        d.warn(
                            c.loc,
                            format_args!("DNS_CHECK name '{name}' has an empty label - ignoring"),
                        );
                    } else if labels.iter().any(|l| l.len() > 63) || name.len() > 253 {
                        d.warn(
                            c.loc,
                            format_args!("DNS_CHECK name '{name}' is too long - ignoring"),
                        );
                    } else {
                        q.name = name.to_string();
                        named = true;
                    }
                }
            }
            _ => {
                if !parse_common(c, true, common, d) {
                    d.unknown_keyword(c.loc, c.keyword());
                }
            }
        }
    }
    Some(q)
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileCheck {
    /// The name of a top-level `track_file` block.
    pub(crate) track_file: String,
    pub(crate) track_file_loc: Loc,
    /// 0 means: any non-zero value in the file is down.
    pub(crate) weight: i32,
    pub(crate) reverse: bool,
    /// False: no `weight` line, so the track_file block's weight and reverse apply (filled in
    /// once the whole config is read).
    pub(crate) weight_given: bool,
}

pub(crate) fn parse_file(
    n: &Node,
    _common: &mut CheckerCommon,
    d: &mut Diagnostics,
) -> Option<FileCheck> {
    let mut f = FileCheck {
        weight: 1,
        ..FileCheck::default()
    };
    let mut named = false;
    for c in n.children() {
        match c.keyword() {
            "track_file" => {
                if let Some(t) = c.require_arg(0, "a track_file name", d) {
                    f.track_file = t.to_string();
                    f.track_file_loc = c.loc;
                    named = true;
                }
            }
            "weight" => {
                let lim = i64::from(i32::MAX);
                if let Some(w) = int_in(c, 0, -lim, lim, d) {
                    match c.arg(1) {
                        None | Some("noreverse") => {
                            f.weight = w as i32;
                            f.reverse = false;
                            f.weight_given = true;
                        }
                        Some("reverse") => {
                            f.weight = w as i32;
                            f.reverse = true;
                            f.weight_given = true;
                        }
                        Some(o) => d.warn(
                            c.loc,
                            format_args!("unknown track file weight option {o} - ignoring"),
                        ),
                    }
                }
            }
            k => d.unknown_keyword(c.loc, k),
        }
    }
    if !named {
        d.error(n.end_loc(), "FILE_CHECK has no track_file - ignoring");
        return None;
    }
    Some(f)
}

#[derive(Clone, Debug, Default)]
pub struct BfdCheck {
    /// The name of a `bfd_instance`, and where it was given (resolved by config::bfd).
    pub(crate) name: String,
    pub(crate) loc: Loc,
}

/// The name only: a reload that moves the block keeps the checker (and its state).
impl PartialEq for BfdCheck {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for BfdCheck {}

pub(crate) fn parse_bfd(
    n: &Node,
    common: &mut CheckerCommon,
    d: &mut Diagnostics,
) -> Option<BfdCheck> {
    let mut b = BfdCheck::default();
    for c in n.children() {
        match c.keyword() {
            "name" => {
                b.loc = c.loc;
                b.name = c
                    .require_arg(0, "a bfd_instance name", d)
                    .unwrap_or_default()
                    .to_string()
            }
            "alpha" => common.alpha = super::values::flag(c, d).or(common.alpha),
            k => d.unknown_keyword(c.loc, k),
        }
    }
    if b.name.is_empty() {
        d.error(n.end_loc(), "BFD_CHECK has no name - ignoring");
        return None;
    }
    Some(b)
}
