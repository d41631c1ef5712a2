//! HTTP_GET and SSL_GET: the url blocks and the request options.

use super::values::{flag, int_in};
use super::{parse_common, CheckerCommon};
use crate::config::diag::{Diagnostics, Loc};
use crate::config::kwtable::keyword_table;
use crate::config::track::split_cmd;
use crate::config::tree::Node;
use crate::core::regex::{Flags, OptionWord, Regex};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpProtocol {
    /// `1.0`: keepalived's default.
    #[default]
    V10,
    /// `1.0C`: HTTP/1.0 with `Connection: close`.
    V10Close,
    V11,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Url {
    pub loc: Loc,
    pub path: String,
    /// MD5 of the body.
    pub digest: Option<[u8; 16]>,
    /// Accepted status ranges; empty means 200-299.
    pub status_codes: Vec<(u16, u16)>,
    pub virtualhost: Option<String>,
    /// The PCRE2 pattern, its quotes and backslash escapes resolved as keepalived reads it
    /// (`"\\d+"` in the file is `\d+`); it compiled with `regex_options` when parsed.
    pub regex: Option<String>,
    pub regex_no_match: bool,
    pub regex_options: Vec<String>,
    pub regex_min_offset: Option<u32>,
    /// The last offset where a match may start.
    pub regex_max_offset: Option<u32>,
    /// `regex_stack START MAX`, bytes.
    pub regex_stack: Option<(u32, u32)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpCheck {
    pub urls: Vec<Url>,
    pub http_protocol: HttpProtocol,
    pub virtualhost: Option<String>,
    pub enable_sni: bool,
    pub fast_recovery: bool,
}

keyword_table! {
    /// The keywords of an HTTP_GET/SSL_GET block and of its url blocks: each reader takes
    /// its own and reports the others as unknown.
    enum Kw {
        "url" => Url,
        "virtualhost" => Virtualhost,
        "http_protocol" => HttpProtocol,
        "enable_sni" => EnableSni,
        "fast_recovery" => FastRecovery,
        "path" => Path,
        "digest" => Digest,
        "status_code" => StatusCode,
        "regex" => Regex,
        "regex_no_match" => RegexNoMatch,
        "regex_options" => RegexOptions,
        "regex_min_offset" => RegexMinOffset,
        "regex_max_offset" => RegexMaxOffset,
        "regex_stack" => RegexStack,
    }
}

pub(crate) fn parse(
    n: &Node,
    common: &mut CheckerCommon,
    d: &mut Diagnostics,
) -> Option<HttpCheck> {
    let mut h = HttpCheck::default();
    for c in n.children() {
        match Kw::lookup(c.keyword()) {
            Some(Kw::Url) => {
                if let Some(u) = parse_url(c, d) {
                    h.urls.push(u);
                }
            }
            Some(Kw::Virtualhost) => {
                h.virtualhost = c.checked_arg(0, "a host name", d).map(Into::into)
            }
            Some(Kw::HttpProtocol) => match c.require_arg(0, "1.0, 1.0C or 1.1", d) {
                Some("1.0") => h.http_protocol = HttpProtocol::V10,
                Some("1.0C" | "1.0c") => h.http_protocol = HttpProtocol::V10Close,
                Some("1.1") => h.http_protocol = HttpProtocol::V11,
                Some(v) => d.warn(
                    c.loc,
                    format_args!("invalid http_protocol version {v} - ignoring"),
                ),
                None => {}
            },
            Some(Kw::EnableSni) => h.enable_sni = flag(c, d).unwrap_or(h.enable_sni),
            Some(Kw::FastRecovery) => h.fast_recovery = flag(c, d).unwrap_or(h.fast_recovery),
            _ => {
                if !parse_common(c, true, common, d) {
                    d.unknown_keyword(c.loc, c.keyword());
                }
            }
        }
    }
    if h.urls.is_empty() {
        d.error(
            n.end_loc(),
            format_args!("{} checker has no urls specified - ignoring", n.keyword()),
        );
        return None;
    }
    // Kept for the daemon's life in every process: no room for 4 urls behind one (528 B).
    h.urls.shrink_to_fit();
    Some(h)
}

fn parse_url(n: &Node, d: &mut Diagnostics) -> Option<Url> {
    let mut u = Url {
        loc: n.loc,
        ..Url::default()
    };
    let mut have_path = false;
    for c in n.children() {
        match Kw::lookup(c.keyword()) {
            Some(Kw::Path) => {
                if let Some(p) = c.require_arg(0, "a path", d) {
                    u.path = p.to_string();
                    have_path = true;
                }
            }
            Some(Kw::Digest) => {
                u.digest = c
                    .require_arg(0, "an MD5 digest", d)
                    .and_then(|s| digest(c, s, d))
            }
            Some(Kw::StatusCode) => {
                for w in c.args() {
                    match parse_status(w) {
                        Some(r) => u.status_codes.push(r),
                        None => d.warn(c.loc, format_args!("invalid HTTP status code '{w}'")),
                    }
                }
            }
            Some(Kw::Virtualhost) => {
                u.virtualhost = c.checked_arg(0, "a host name", d).map(Into::into)
            }
            Some(Kw::Regex) => u.regex = pattern(c, d),
            Some(Kw::RegexNoMatch) => u.regex_no_match = flag(c, d).unwrap_or(u.regex_no_match),
            Some(Kw::RegexOptions) => u.regex_options = c.args().to_vec(),
            Some(Kw::RegexMinOffset) => u.regex_min_offset = uint(c, d),
            Some(Kw::RegexMaxOffset) => u.regex_max_offset = uint(c, d),
            Some(Kw::RegexStack) => u.regex_stack = regex_stack(c, d),
            _ => d.unknown_keyword(c.loc, c.keyword()),
        }
    }
    if !have_path {
        d.error(n.end_loc(), "url has no path - ignoring");
        return None;
    }
    check_regex(n, &mut u, d);
    Some(u)
}

/// The pattern of a `regex` line: keepalived re-reads the line honouring quotes and backslash
/// escapes, and wants exactly one word.
fn pattern(c: &Node, d: &mut Diagnostics) -> Option<String> {
    let mut words = split_cmd(&c.raw_text());
    if words.len() != 2 {
        d.error(c.loc, "regex missing or too many fields");
        return None;
    }
    words.pop()
}

/// `regex_stack START MAX` (PCRE2's JIT stack; here it sizes the matcher's stack).
fn regex_stack(c: &Node, d: &mut Diagnostics) -> Option<(u32, u32)> {
    let [start, max] = c.args() else {
        d.warn(c.loc, "regex_stack requires start and max values");
        return None;
    };
    let (Ok(start), Ok(max)) = (start.parse::<u32>(), max.parse::<u32>()) else {
        d.warn(c.loc, "regex_stack invalid start or max value");
        return None;
    };
    if start > max {
        d.warn(c.loc, "regex stack start cannot exceed max value");
        return None;
    }
    Some((start, max))
}

/// What keepalived checks at the end of a url block: the pattern compiles with its options,
/// the other regex keywords have a regex, and the offsets are in order.
fn check_regex(n: &Node, u: &mut Url, d: &mut Diagnostics) {
    let at = |k: &str| {
        n.children()
            .iter()
            .rev()
            .find(|c| c.keyword() == k)
            .map_or(n.loc, |c| c.loc)
    };
    let Some(p) = &u.regex else {
        if !u.regex_options.is_empty()
            || u.regex_no_match
            || u.regex_min_offset.is_some()
            || u.regex_max_offset.is_some()
            || u.regex_stack.is_some()
        {
            d.warn(n.loc, "regex parameters specified without regex");
            u.regex_options.clear();
            u.regex_no_match = false;
            (u.regex_min_offset, u.regex_max_offset, u.regex_stack) = (None, None, None);
        }
        return;
    };
    let mut flags = Flags::default();
    for w in &u.regex_options {
        match flags.apply(w) {
            OptionWord::Honoured | OptionWord::NoEffect => {}
            OptionWord::Unsupported => d.error(
                at("regex_options"),
                format_args!("regex_options '{w}' is not supported by this build"),
            ),
            OptionWord::Unknown => d.warn(
                at("regex_options"),
                format_args!("unknown regex_options '{w}' - ignoring"),
            ),
        }
    }
    if let Err(e) = Regex::new(p, flags) {
        d.error(at("regex"), format_args!("Invalid regex: '{p}' {e}"));
    }
    if let (Some(lo), Some(hi)) = (u.regex_min_offset, u.regex_max_offset) {
        if lo > hi {
            d.warn(
                n.loc,
                format_args!("regex min offset {lo} > regex_max_offset {hi} - ignoring"),
            );
            (u.regex_min_offset, u.regex_max_offset) = (None, None);
        }
    }
}

fn uint(c: &Node, d: &mut Diagnostics) -> Option<u32> {
    int_in(c, 0, 0, i64::from(u32::MAX), d).map(|v| v as u32)
}

/// 32 hex characters, the form `genhash` prints.
fn digest(c: &Node, s: &str, d: &mut Diagnostics) -> Option<[u8; 16]> {
    if s.len() != 32 {
        d.error(
            c.loc,
            format_args!("digest '{s}' has {} characters rather than 32", s.len()),
        );
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        match s
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            Some(v) => *b = v,
            None => {
                d.error(c.loc, format_args!("digest '{s}' is not hexadecimal"));
                return None;
            }
        }
    }
    Some(out)
}

/// `N` or `A-B`, codes 100..=599.
pub(crate) fn parse_status(w: &str) -> Option<(u16, u16)> {
    let code = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<u16>().ok())
            .flatten()
            .filter(|c| (100..=599).contains(c))
    };
    let (lo, hi) = match w.split_once('-') {
        Some((a, b)) => (code(a)?, code(b)?),
        None => (code(w)?, code(w)?),
    };
    (lo <= hi).then_some((lo, hi))
}

#[cfg(test)]
mod regex_tests;
