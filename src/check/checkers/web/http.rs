//! HTTP_GET: one GET per check on one url of the checker, the answer judged by status code,
//! MD5 of the body (`digest`) and a `regex` (`scan.rs`), as keepalived's check_http.c judges it.
//!
//! The request texts and regexes are built once per url when the dialog is made; the header
//! is parsed and the body hashed as they stream (`head.rs`), so a check allocates nothing and
//! a checker keeps no response buffer but, with a regex, keepalived's 4 KB window. Which url
//! a check fetches is the scheduler's choice ([`HttpDialog::select`]):
//! keepalived checks one url per run and moves on only after a success.

use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::core::md5::Md5;

use crate::check::checkers::{Dialog, Failure, Step, Verdict};
use crate::config::checker::{HttpCheck, HttpProtocol, Url};
use crate::core::regex::{Flags, OptionWord, Regex};
pub use head::MAX_HEADER;
use head::{Fed, Head};
use scan::{Scan, UrlRegex};

mod head;
mod scan;

/// What one url asks of the answer. Boxed slices, and the regex (with its match stack)
/// boxed: a checker keeps these for its life, and a url without a regex stays 64 bytes.
#[derive(Debug)]
struct Target {
    request: Box<str>,
    /// The path is the request's own, after "GET " (no copy of its own).
    path_len: u32,
    digest: Option<[u8; 16]>,
    /// Accepted status ranges; empty means 200-299.
    status: Box<[(u16, u16)]>,
    /// The response must match (or, with `regex_no_match`, must not match) this.
    regex: Option<Box<UrlRegex>>,
}

/// A url whose `regex` does not compile (the config parser reports it first, with its line).
#[derive(Debug, PartialEq, Eq)]
pub struct BadRegex {
    pub path: String,
    pub regex: String,
    pub why: String,
}

impl std::fmt::Display for BadRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "url {}: Invalid regex: '{}' {}",
            self.path, self.regex, self.why
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

/// The body's MD5 as it streams, and the digest once it ended.
#[derive(Debug)]
struct BodyHash {
    md5: Md5,
    digest: [u8; 16],
}

impl BodyHash {
    fn new() -> Box<Self> {
        Box::new(Self {
            md5: Md5::new(),
            digest: [0; 16],
        })
    }
}

/// A checker's urls. Nearly every checker has one: kept inline, as a boxed slice of one was
/// a block of its own (the 128-byte class) per checker. Several: exactly as many as urls (a
/// collected Vec would keep room for 4, ~750 B per checker).
#[derive(Debug)]
enum Urls {
    One(Target),
    Many(Box<[Target]>),
}

impl std::ops::Deref for Urls {
    type Target = [Target];

    fn deref(&self) -> &[Target] {
        match self {
            Urls::One(t) => std::slice::from_ref(t),
            Urls::Many(m) => m,
        }
    }
}

impl std::ops::DerefMut for Urls {
    fn deref_mut(&mut self) -> &mut [Target] {
        match self {
            Urls::One(t) => std::slice::from_mut(t),
            Urls::Many(m) => m,
        }
    }
}

#[derive(Debug)]
pub struct HttpDialog {
    targets: Urls,
    url: usize,
    /// Request bytes sent (u32, as `head_end`: the dialog stays in its allocator class).
    sent: u32,
    phase: Phase,
    head: Head,
    /// Length of the header including its blank line, once seen (at most MAX_HEADER).
    head_end: u32,
    /// A copy of the header, for a tracer (genhash -v) only.
    kept: Option<Box<[u8; MAX_HEADER]>>,
    body_len: u64,
    /// Only with a url that has a `digest` (or for genhash): the MD5 state is a third of
    /// the dialog, and a thousand checkers without a digest need none.
    hash: Option<Box<BodyHash>>,
    scan: Scan,
    trace: Option<Tracer>,
}

impl HttpDialog {
    /// `server` is where the checker connects (the Host header when no virtualhost is set);
    /// `vhost` is the real server's `virtualhost`, else the virtual server's.
    pub fn new(cfg: &HttpCheck, server: SocketAddr, vhost: Option<&str>) -> Result<Self, BadRegex> {
        let targets = match cfg.urls.as_slice() {
            [u] => Urls::One(target(cfg, u, server, vhost)?),
            urls => {
                let mut all = Vec::with_capacity(urls.len());
                for u in urls {
                    all.push(target(cfg, u, server, vhost)?);
                }
                Urls::Many(all.into_boxed_slice())
            }
        };
        let window = targets.iter().any(|t| t.regex.is_some());
        let hash = targets
            .iter()
            .any(|t| t.digest.is_some())
            .then(BodyHash::new);
        Ok(Self {
            targets,
            url: 0,
            sent: 0,
            phase: Phase::Header,
            head: Head::default(),
            head_end: 0,
            kept: None,
            body_len: 0,
            hash,
            scan: Scan::new(window),
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
        let t = self.targets.get(self.url);
        t.and_then(|t| t.request.get(4..4 + t.path_len as usize))
            .unwrap_or("")
    }

    /// What passed, for keepalived's "<what> success to <server> url(<path>)" log line:
    /// the last test the selected url applies.
    pub fn success_kind(&self) -> &'static str {
        match self.target() {
            Some(t) if t.regex.is_some() => "Regex match",
            Some(t) if t.digest.is_some() => "MD5 digest",
            _ => "HTTP status code",
        }
    }

    /// The request the dialog sends (for logs and genhash).
    pub fn request(&self) -> &[u8] {
        self.targets
            .get(self.url)
            .map_or(&[], |t| t.request.as_bytes())
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
        (self.head_end > 0).then(|| &kept[..self.head_end as usize])
    }

    /// The MD5 of the body, once the check is done (with a url's `digest` or
    /// [`HttpDialog::hash_body`]).
    pub fn digest(&self) -> Option<[u8; 16]> {
        let h = self.hash.as_ref()?;
        (self.phase == Phase::Done && self.head_end > 0).then_some(h.digest)
    }

    /// Hash the body even when no url asks for a digest (genhash prints it).
    pub fn hash_body(&mut self) {
        if self.hash.is_none() {
            self.hash = Some(BodyHash::new());
        }
    }

    /// genhash -v: see the response as it is parsed.
    pub fn set_tracer(&mut self, t: Tracer) {
        self.hash_body();
        self.trace = Some(t);
        self.kept = Some(Box::new([0; MAX_HEADER]));
    }

    fn trace(&self, t: Trace<'_>) {
        if let Some(f) = self.trace {
            f(t);
        }
    }

    fn target(&self) -> Option<&Target> {
        self.targets.get(self.url)
    }

    /// Takes the body bytes of one chunk: hash (up to Content-Length) and match the regex.
    fn body(&mut self, data: &[u8], first: bool) -> Option<Step> {
        let room = self
            .head
            .content_length()
            .map_or(u64::MAX, |c| c.saturating_sub(self.body_len));
        let take = data.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let part = &data[..take];
        self.trace(Trace::Body { first, data: part });
        if let Some(h) = self.hash.as_deref_mut() {
            h.md5.update(part);
        }
        if let Some(r) = self
            .targets
            .get_mut(self.url)
            .and_then(|t| t.regex.as_mut())
        {
            if first {
                self.scan.header_done(r, self.head_end as usize, part);
            } else {
                self.scan.feed(r, part);
            }
        }
        self.body_len += take as u64;
        // Once Content-Length bytes are in there is nothing more to wait for.
        (Some(self.body_len) == self.head.content_length()).then(|| self.finish())
    }

    fn finish(&mut self) -> Step {
        self.phase = Phase::Done;
        let mut digest = None;
        if let Some(h) = self.hash.as_deref_mut() {
            h.digest = h.md5.finalize();
            h.md5.reset();
            digest = Some(h.digest);
        }
        if let Some(d) = digest {
            self.trace(Trace::Digest(d));
        }
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
        if t.digest.is_some() && t.digest != digest {
            return Step::Done(Verdict::Down(Failure::Digest));
        }
        if t.regex
            .as_ref()
            .is_some_and(|r| self.scan.matched() == r.no_match)
        {
            return Step::Done(Verdict::Down(Failure::Regex));
        }
        Step::Done(Verdict::Up)
    }

    fn header_done(&mut self) {
        self.head_end = u32::try_from(self.head.seen()).unwrap_or(u32::MAX);
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
        if let Some(h) = self.hash.as_deref_mut() {
            h.md5.reset();
            h.digest = [0; 16];
        }
        self.scan.reset();
    }

    fn pending(&self) -> &[u8] {
        self.request().get(self.sent as usize..).unwrap_or(&[])
    }

    fn sent(&mut self, n: usize) {
        let sent = (self.sent as usize)
            .saturating_add(n)
            .min(self.request().len());
        self.sent = u32::try_from(sent).unwrap_or(u32::MAX);
    }

    fn received(&mut self, data: &[u8]) -> Step {
        match self.phase {
            Phase::Done => Step::Continue,
            Phase::Body => self.body(data, false).unwrap_or(Step::Continue),
            Phase::Header => {
                self.trace(Trace::HeaderChunk);
                let at = self.head.seen();
                if self.target().is_some_and(|t| t.regex.is_some()) {
                    self.scan.hold(data);
                }
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
) -> Result<Target, BadRegex> {
    let regex = match &u.regex {
        Some(r) => Some(Box::new(url_regex(u, r)?)),
        None => None,
    };
    let host = u
        .virtualhost
        .as_deref()
        .or(cfg.virtualhost.as_deref())
        .or(vhost);
    Ok(Target {
        request: request(&u.path, cfg.http_protocol, host, server).into_boxed_str(),
        path_len: u32::try_from(u.path.len()).unwrap_or(0),
        digest: u.digest,
        status: u.status_codes.as_slice().into(),
        regex,
    })
}

/// Compiles a url's regex with its options (keepalived ignores words it does not know).
fn url_regex(u: &Url, pattern: &str) -> Result<UrlRegex, BadRegex> {
    let bad = |why: String| BadRegex {
        path: u.path.clone(),
        regex: pattern.to_string(),
        why,
    };
    let mut flags = Flags::default();
    for w in &u.regex_options {
        if flags.apply(w) == OptionWord::Unsupported {
            return Err(bad(format!(
                "regex_options '{w}' is not supported by this build"
            )));
        }
    }
    let re = Regex::new(pattern, flags).map_err(|e| bad(e.to_string()))?;
    Ok(UrlRegex::new(
        re,
        u.regex_no_match,
        u.regex_min_offset.map_or(0, u64::from),
        u.regex_max_offset.map(u64::from),
        u.regex_stack.map(|(_, max)| u64::from(max)),
    ))
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

#[cfg(test)]
mod tests;
