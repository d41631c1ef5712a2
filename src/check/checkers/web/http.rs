//! HTTP_GET: one GET per check on one url of the checker, the answer judged by status code,
//! MD5 of the body (`digest`) and a literal `regex`, as keepalived's check_http.c judges it.
//!
//! The request texts are built once per url when the dialog is made; the header is parsed
//! and the body hashed as they stream (`head.rs`), so a check allocates nothing and a
//! checker keeps no response buffer. Which url a check fetches is the scheduler's choice ([`HttpDialog::select`]):
//! keepalived checks one url per run and moves on only after a success.

use std::fmt::Write as _;
use std::net::SocketAddr;

use md5::{Digest, Md5};

use crate::check::checkers::{Dialog, Failure, Step, Verdict};
use crate::config::checker::{HttpCheck, HttpProtocol, Url};
pub use head::MAX_HEADER;
use head::{Fed, Head};

mod head;

/// What one url asks of the answer.
#[derive(Debug)]
struct Target {
    request: Vec<u8>,
    path: String,
    digest: Option<[u8; 16]>,
    /// Accepted status ranges; empty means 200-299.
    status: Vec<(u16, u16)>,
    /// The body must contain (or, with `regex_no_match`, must not contain) these bytes.
    needle: Option<Vec<u8>>,
    no_match: bool,
    /// A match counts only when it starts at or after `min_offset` and before `max_offset`.
    min_offset: u64,
    max_offset: Option<u64>,
}

/// A url whose `regex` uses more than literal text: this build matches literals only.
#[derive(Debug, PartialEq, Eq)]
pub struct UnsupportedRegex {
    pub path: String,
    pub regex: String,
}

impl std::fmt::Display for UnsupportedRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "url {}: regex '{}' is not plain text; this build matches literal text only",
            self.path, self.regex
        )
    }
}

/// What genhash -v shows of a response as it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trace<'a> {
    /// A chunk arrived while the header is still incomplete.
    HeaderChunk,
    /// The complete header, blank line included.
    Header(&'a [u8]),
    /// Body bytes that went into the digest; `first` for those in the header's chunk.
    Body { first: bool, data: &'a [u8] },
    /// The body's MD5, when the response ended.
    Digest([u8; 16]),
}

/// Plain function: a tracer holds no state, so a dialog with one stays allocation-free.
pub type Tracer = fn(Trace<'_>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Header,
    Body,
    Done,
}

#[derive(Debug)]
pub struct HttpDialog {
    targets: Vec<Target>,
    url: usize,
    sent: usize,
    phase: Phase,
    head: Head,
    /// Length of the header including its blank line, once seen.
    head_end: usize,
    /// A copy of the header, for a tracer (genhash -v) only.
    kept: Option<Box<[u8]>>,
    body_len: u64,
    md5: Md5,
    digest: [u8; 16],
    /// Literal matching across chunk boundaries: how many bytes of the needle the previous
    /// chunk ended with (the longest such prefix).
    needle_at: usize,
    matched: bool,
    trace: Option<Tracer>,
}

impl HttpDialog {
    /// `server` is where the checker connects (the Host header when no virtualhost is set);
    /// `vhost` is the real server's `virtualhost`, else the virtual server's.
    pub fn new(
        cfg: &HttpCheck,
        server: SocketAddr,
        vhost: Option<&str>,
    ) -> Result<Self, UnsupportedRegex> {
        let targets = cfg
            .urls
            .iter()
            .map(|u| target(cfg, u, server, vhost))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            targets,
            url: 0,
            sent: 0,
            phase: Phase::Header,
            head: Head::default(),
            head_end: 0,
            kept: None,
            body_len: 0,
            md5: Md5::new(),
            digest: [0; 16],
            needle_at: 0,
            matched: false,
            trace: None,
        })
    }

    pub fn url_count(&self) -> usize {
        self.targets.len()
    }

    /// Which url the next check fetches (kept across [`Dialog::reset`]).
    pub fn select(&mut self, url: usize) {
        if url < self.targets.len() {
            self.url = url;
        }
    }

    pub fn selected(&self) -> usize {
        self.url
    }

    pub fn path(&self) -> &str {
        self.targets.get(self.url).map_or("", |t| t.path.as_str())
    }

    /// What passed, for keepalived's "<what> success to <server> url(<path>)" log line:
    /// the last test the selected url applies.
    pub fn success_kind(&self) -> &'static str {
        match self.target() {
            Some(t) if t.needle.is_some() => "Regex match",
            Some(t) if t.digest.is_some() => "MD5 digest",
            _ => "HTTP status code",
        }
    }

    /// The request the dialog sends (for logs and genhash).
    pub fn request(&self) -> &[u8] {
        self.targets.get(self.url).map_or(&[], |t| &t.request)
    }

    /// The status code of the answer (0 until the header is in or when it had none).
    pub fn status(&self) -> u16 {
        if self.head_end == 0 {
            0
        } else {
            self.head.status()
        }
    }

    /// The header with its blank line, once it is complete; kept only with a tracer.
    pub fn header(&self) -> Option<&[u8]> {
        let kept = self.kept.as_deref()?;
        (self.head_end > 0).then(|| &kept[..self.head_end])
    }

    /// The MD5 of the body, once the check is done.
    pub fn digest(&self) -> Option<[u8; 16]> {
        (self.phase == Phase::Done && self.head_end > 0).then_some(self.digest)
    }

    /// genhash -v: see the response as it is parsed.
    pub fn set_tracer(&mut self, t: Tracer) {
        self.trace = Some(t);
        self.kept = Some(vec![0; MAX_HEADER].into_boxed_slice());
    }

    fn trace(&self, t: Trace<'_>) {
        if let Some(f) = self.trace {
            f(t);
        }
    }

    fn target(&self) -> Option<&Target> {
        self.targets.get(self.url)
    }

    /// Takes the body bytes of one chunk: hash (up to Content-Length) and look for the needle.
    fn body(&mut self, data: &[u8], first: bool) -> Option<Step> {
        let room = self
            .head
            .content_length()
            .map_or(u64::MAX, |c| c.saturating_sub(self.body_len));
        let take = data.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let part = &data[..take];
        self.trace(Trace::Body { first, data: part });
        self.md5.update(part);
        self.look_for_needle(part);
        self.body_len += take as u64;
        // Once Content-Length bytes are in there is nothing more to wait for.
        (Some(self.body_len) == self.head.content_length()).then(|| self.finish())
    }

    fn look_for_needle(&mut self, part: &[u8]) {
        let Some(t) = self.targets.get(self.url) else {
            return;
        };
        let Some(needle) = t.needle.as_deref() else {
            return;
        };
        if needle.is_empty() {
            self.matched = true;
        }
        let (mut rest, mut base) = (part, self.body_len);
        while !self.matched && !rest.is_empty() {
            let (at, end) = find_streaming(needle, self.needle_at, rest);
            self.needle_at = at;
            let Some(end) = end else { break };
            let start = (base + end as u64).saturating_sub(needle.len() as u64);
            if start >= t.min_offset && t.max_offset.is_none_or(|m| start < m) {
                self.matched = true;
            } else {
                // Too early (or too late): look on from the overlap it leaves.
                self.needle_at = longest_border(needle, needle.len());
                rest = &rest[end..];
                base += end as u64;
            }
        }
    }

    fn finish(&mut self) -> Step {
        self.phase = Phase::Done;
        let out = self.md5.finalize_reset();
        self.digest.copy_from_slice(out.as_slice());
        self.trace(Trace::Digest(self.digest));
        if self.head_end == 0 {
            return Step::Done(Verdict::Down(Failure::NoData));
        }
        let Some(t) = self.target() else {
            return Step::Done(Verdict::Down(Failure::NoData));
        };
        let status = self.head.status();
        let ok_status = if t.status.is_empty() {
            (200..=299).contains(&status)
        } else {
            t.status.iter().any(|&(lo, hi)| (lo..=hi).contains(&status))
        };
        if !ok_status {
            return Step::Done(Verdict::Down(Failure::StatusCode));
        }
        if t.digest.is_some_and(|d| d != self.digest) {
            return Step::Done(Verdict::Down(Failure::Digest));
        }
        if t.needle.is_some() && self.matched == t.no_match {
            return Step::Done(Verdict::Down(Failure::Regex));
        }
        Step::Done(Verdict::Up)
    }

    fn header_done(&mut self) {
        self.head_end = self.head.seen();
        self.phase = Phase::Body;
        if let Some(f) = self.trace {
            f(Trace::Header(self.header().unwrap_or(&[])));
        }
    }
}

impl Dialog for HttpDialog {
    fn reset(&mut self) {
        self.sent = 0;
        self.phase = Phase::Header;
        self.head.reset();
        self.head_end = 0;
        self.body_len = 0;
        self.md5.reset();
        self.digest = [0; 16];
        self.needle_at = 0;
        self.matched = false;
    }

    fn pending(&self) -> &[u8] {
        self.request().get(self.sent..).unwrap_or(&[])
    }

    fn sent(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.request().len());
    }

    fn received(&mut self, data: &[u8]) -> Step {
        match self.phase {
            Phase::Done => Step::Continue,
            Phase::Body => self.body(data, false).unwrap_or(Step::Continue),
            Phase::Header => {
                self.trace(Trace::HeaderChunk);
                let at = self.head.seen();
                if let Some(kept) = self.kept.as_deref_mut() {
                    let n = data.len().min(MAX_HEADER - at);
                    kept[at..at + n].copy_from_slice(&data[..n]);
                }
                match self.head.feed(data) {
                    Fed::End(body) => {
                        self.header_done();
                        self.body(&data[body..], true).unwrap_or(Step::Continue)
                    }
                    Fed::TooLong => {
                        self.phase = Phase::Done;
                        Step::Done(Verdict::Down(Failure::HeaderTooLong))
                    }
                    Fed::More => Step::Continue,
                }
            }
        }
    }

    fn closed(&mut self) -> Step {
        match self.phase {
            Phase::Done => Step::Continue,
            _ => self.finish(),
        }
    }
}

/// The dialog of an HTTP_GET or SSL_GET checker: plain HTTP, or HTTP inside TLS.
// One per checker, made once: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum WebDialog {
    Plain(HttpDialog),
    #[cfg(feature = "tls")]
    Tls(Box<super::ssl::TlsDialog>),
}

impl WebDialog {
    /// `server`: where the checker connects; `rs_vhost`/`vs_vhost`: the real and virtual
    /// server's `virtualhost` (Host header: url > checker > RS > VS; SNI: url > checker > VS).
    /// `tls`: the `SSL` block's context. SSL_GET in a build without the tls feature is an
    /// error naming it.
    pub fn new(
        cfg: &HttpCheck,
        ssl: bool,
        server: SocketAddr,
        rs_vhost: Option<&str>,
        vs_vhost: Option<&str>,
        #[cfg_attr(not(feature = "tls"), allow(unused_variables))] tls: &super::TlsContext,
    ) -> Result<Self, String> {
        let http =
            HttpDialog::new(cfg, server, rs_vhost.or(vs_vhost)).map_err(|e| e.to_string())?;
        if !ssl {
            return Ok(WebDialog::Plain(http));
        }
        #[cfg(feature = "tls")]
        {
            super::ssl::TlsDialog::new(http, cfg, vs_vhost, server.ip(), tls)
                .map(|t| WebDialog::Tls(Box::new(t)))
        }
        #[cfg(not(feature = "tls"))]
        {
            Err("SSL_GET needs TLS, which this build leaves out (cargo feature tls)".into())
        }
    }

    pub fn http(&self) -> &HttpDialog {
        match self {
            WebDialog::Plain(d) => d,
            #[cfg(feature = "tls")]
            WebDialog::Tls(d) => d.inner(),
        }
    }

    /// To [`HttpDialog::select`] the url of the next check.
    pub fn http_mut(&mut self) -> &mut HttpDialog {
        match self {
            WebDialog::Plain(d) => d,
            #[cfg(feature = "tls")]
            WebDialog::Tls(d) => d.inner_mut(),
        }
    }

    fn dialog(&mut self) -> &mut dyn Dialog {
        match self {
            WebDialog::Plain(d) => d,
            #[cfg(feature = "tls")]
            WebDialog::Tls(d) => d.as_mut(),
        }
    }

    fn dialog_ref(&self) -> &dyn Dialog {
        match self {
            WebDialog::Plain(d) => d,
            #[cfg(feature = "tls")]
            WebDialog::Tls(d) => d.as_ref(),
        }
    }
}

impl Dialog for WebDialog {
    fn reset(&mut self) {
        self.dialog().reset()
    }
    fn pending(&self) -> &[u8] {
        self.dialog_ref().pending()
    }
    fn sent(&mut self, n: usize) {
        self.dialog().sent(n)
    }
    fn received(&mut self, data: &[u8]) -> Step {
        self.dialog().received(data)
    }
    fn closed(&mut self) -> Step {
        self.dialog().closed()
    }
    fn select(&mut self, target: usize) {
        self.http_mut().select(target)
    }
    fn passed(&self) -> Option<(&'static str, &str)> {
        Some((self.http().success_kind(), self.http().path()))
    }
}

fn target(
    cfg: &HttpCheck,
    u: &Url,
    server: SocketAddr,
    vhost: Option<&str>,
) -> Result<Target, UnsupportedRegex> {
    let needle = match &u.regex {
        // regex_options (caseless, multiline...) need an engine too.
        Some(r) if u.regex_options.is_empty() => {
            Some(literal(r).ok_or_else(|| UnsupportedRegex {
                path: u.path.clone(),
                regex: r.clone(),
            })?)
        }
        Some(r) => {
            return Err(UnsupportedRegex {
                path: u.path.clone(),
                regex: format!("{r}' with regex_options '{}", u.regex_options.join(" ")),
            })
        }
        None => None,
    };
    let host = u
        .virtualhost
        .as_deref()
        .or(cfg.virtualhost.as_deref())
        .or(vhost);
    Ok(Target {
        request: request(&u.path, cfg.http_protocol, host, server).into_bytes(),
        path: u.path.clone(),
        digest: u.digest,
        status: u.status_codes.clone(),
        needle,
        no_match: u.regex_no_match,
        min_offset: u.regex_min_offset.map_or(0, u64::from),
        // keepalived treats 0 as unset.
        max_offset: u.regex_max_offset.filter(|&m| m > 0).map(u64::from),
    })
}

/// The GET keepalived sends: HTTP/1.0 unless told 1.1, `Connection: close` with 1.0C and
/// 1.1, and a Host of the virtualhost or else the server's address and port.
pub fn request(path: &str, proto: HttpProtocol, vhost: Option<&str>, server: SocketAddr) -> String {
    let minor = u8::from(proto == HttpProtocol::V11);
    let close = if proto == HttpProtocol::V10 {
        ""
    } else {
        "Connection: close\r\n"
    };
    let mut s = String::with_capacity(96 + path.len());
    let _ = write!(
        s,
        "GET {path} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: "
    );
    match vhost {
        Some(h) => s.push_str(h),
        // SocketAddr brackets an IPv6 literal, as RFC 2732 wants in a Host header.
        None => {
            let _ = write!(s, "{server}");
        }
    }
    s.push_str("\r\n\r\n");
    s
}

/// Streaming substring search: `at` bytes of the needle were matched at the end of the data
/// before; returns the new count and, when the needle was completed, the index in `data`
/// just past it.
fn find_streaming(needle: &[u8], mut at: usize, data: &[u8]) -> (usize, Option<usize>) {
    if needle.is_empty() {
        return (0, Some(0));
    }
    for (i, &b) in data.iter().enumerate() {
        // Fall back to the longest proper prefix that is still a suffix (needles are short:
        // the naive fall-back is fine).
        loop {
            if needle[at] == b {
                at += 1;
                break;
            }
            if at == 0 {
                break;
            }
            at = longest_border(needle, at);
        }
        if at == needle.len() {
            return (at, Some(i + 1));
        }
    }
    (at, None)
}

/// The longest k < n with needle[..k] == needle[n-k..n].
fn longest_border(needle: &[u8], n: usize) -> usize {
    (1..n)
        .rev()
        .find(|&k| needle[..k] == needle[n - k..n])
        .unwrap_or(0)
}

/// The text a regex matches when it is plain text (escaped metacharacters allowed); None when
/// it needs a real regex engine.
fn literal(re: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(re.len());
    let mut it = re.bytes();
    while let Some(b) = it.next() {
        match b {
            b'\\' => match it.next()? {
                c if c.is_ascii_punctuation() => out.push(c),
                _ => return None,
            },
            b'.' | b'*' | b'+' | b'?' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'|' | b'^'
            | b'$' => return None,
            _ => out.push(b),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
