//! genhash: the digest of a page, as keepalived's genhash prints it.
//!
//! Run as `genhash ...` or `keepalived -T/--genhash ...`. It fetches one url with the same
//! dialog as HTTP_GET (or SSL_GET with -S) and prints the MD5 of the body, the value to put in
//! a url's `digest`. This is a one-shot tool, so it uses blocking sockets; the checker child
//! never runs this code.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::FromRawFd;
use std::time::Duration;

use crate::check::checkers::failure::Words;
use crate::check::checkers::web::http::{Trace, WebDialog};
use crate::check::checkers::{Dialog, Failure, Step, Verdict};
use crate::cli::getopt::{self, HasArg, Item, Spec};
use crate::config::checker::{HttpCheck, HttpProtocol, Url};

/// keepalived's genhash waits UINT_MAX microseconds when no -t is given.
const DEFAULT_TIMEOUT: Duration = Duration::from_micros(u32::MAX as u64);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub server: SocketAddr,
    pub url: String,
    pub ssl: bool,
    pub sni: bool,
    pub vhost: Option<String>,
    pub verbose: bool,
    pub fwmark: Option<u32>,
    pub protocol: HttpProtocol,
    pub timeout: Duration,
}

/// `-T` or `--genhash` where keepalived's own options are read: genhash takes the rest.
pub fn requested(args: &[String]) -> Option<usize> {
    args.iter()
        .skip(1)
        .position(|a| a == "-T" || a == "--genhash")
        .map(|i| i + 1)
}

/// Runs genhash; `args` is the whole argv and `first` the index of genhash's first option.
/// The exit code: 1 for a usage error, else 0 (a failed fetch is reported, not an exit code,
/// as keepalived does).
pub fn main(args: &[String], first: usize) -> i32 {
    let prog = args.first().map_or("genhash", String::as_str);
    let am_genhash = first == 1;
    if !am_genhash && first > 2 {
        eprintln!(
            "Warning -- `{}` not used as first option, previous options ignored",
            args[first - 1].trim_start_matches('-')
        );
    }
    // keepalived's "trivial sanity check": with at most one argument there is nothing to do.
    let parsed = if args.len() <= 2 {
        None
    } else {
        parse(&args[first..])
    };
    let Some(a) = parsed else {
        eprint!("{}", usage(prog, am_genhash));
        return 1;
    };
    let start = crate::core::time::monotonic();
    let out = fetch(&a);
    let stdout = io::stdout();
    let mut o = stdout.lock();
    match out {
        Fetched::Digest(d) => {
            let _ = writeln!(o, "{}", hex(&d));
        }
        Fetched::NoData => eprintln!("no data received from remote webserver"),
        Fetched::Failed(msg) => {
            let _ = writeln!(o, "{msg}");
        }
    }
    if a.verbose {
        // In u64: Duration::as_micros is a u128, whose Display and division would be
        // linked for this one line (2 KB on MIPS); u64 microseconds last 584,000 years.
        let took = crate::core::time::monotonic().saturating_sub(start);
        let us = took
            .as_secs()
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(took.subsec_micros()));
        let _ = writeln!(o, "\nGlobal response time for [{}] = {us} usecs", a.url);
    }
    let _ = o.flush();
    0
}

pub fn usage(prog: &str, am_genhash: bool) -> String {
    let cmd = if am_genhash { "" } else { " --genhash" };
    // Listed even without the tls feature, as keepalived lists it: -S then explains.
    let sni =
        "   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n";
    format!(
        "Usage: {prog}{cmd} COMMAND [OPTIONS]\n\
         Commands:\n   \
         -s server-address -p port -u url\n   \
         -S -s server-address -p port -u url\n   \
         -h\n\n\
         Options:\n\
         Either long or short options are allowed.\n   \
         --use-ssl         -S       Use SSL connection to remote server.\n\
         {sni}   \
         --server          -s       Use the specified remote server address.\n   \
         --port            -p       Use the specified remote server port.\n   \
         --url             -u       Use the specified remote server url.\n   \
         --use-virtualhost -V       Use the specified virtualhost in GET query.\n   \
         --verbose         -v       Use verbose mode output.\n   \
         --help            -h       Display this short inlined help screen.\n   \
         --fwmark          -m       Use the specified FW mark.\n   \
         --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n                                \
         1.0c means 1.0 with 'Connection: close'\n   \
         --timeout         -t       Timeout in seconds\n"
    )
}

const SPECS: &[Spec<char>] = &[
    spec('h', "help", HasArg::No),
    spec('v', "verbose", HasArg::No),
    spec('S', "use-ssl", HasArg::No),
    spec('I', "use-sni", HasArg::No),
    spec('s', "server", HasArg::Required),
    spec('V', "use-virtualhost", HasArg::Required),
    spec('p', "port", HasArg::Required),
    spec('u', "url", HasArg::Required),
    spec('m', "fwmark", HasArg::Required),
    spec('P', "protocol", HasArg::Required),
    spec('t', "timeout", HasArg::Required),
];

const fn spec(c: char, long: &'static str, has_arg: HasArg) -> Spec<char> {
    Spec {
        short: Some(c),
        long: Some(long),
        has_arg,
        id: c,
    }
}

/// getopt_long(":hvSs:V:p:u:m:P:t:I") as genhash reads it; messages on stderr, None when the
/// usage must be shown.
pub fn parse(args: &[String]) -> Option<Args> {
    let mut server: Option<IpAddr> = None;
    let mut port: Option<u16> = None;
    let mut url: Option<String> = None;
    let mut a = Args {
        server: SocketAddr::from(([0, 0, 0, 0], 0)),
        url: String::new(),
        ssl: false,
        sni: false,
        vhost: None,
        verbose: false,
        fwmark: None,
        protocol: HttpProtocol::V10,
        timeout: DEFAULT_TIMEOUT,
    };
    let mut bad = false;
    let mut operands = Vec::new();
    let items = getopt::scan(args, SPECS);
    // Problems are told as met, before any option's value is looked at.
    for item in &items {
        match item {
            Item::Opt(_) => {}
            Item::Operand(o) => operands.push(o.as_str()),
            Item::Unknown(w) | Item::Ambiguous { written: w, .. } => {
                eprintln!("Unknown option {w}");
                bad = true;
            }
            Item::Missing(name) => {
                eprintln!("Missing parameter for option {name}");
                bad = true;
            }
        }
    }
    for item in &items {
        let Item::Opt(f) = item else { continue };
        let v = f.arg.as_deref().unwrap_or_default();
        match f.id {
            'h' => bad = true,
            'v' => a.verbose = true,
            'S' => a.ssl = true,
            'I' => a.sni = true,
            's' => match v.parse::<IpAddr>() {
                Ok(ip) => server = Some(ip),
                Err(_) => return refuse("server should be an IP, not ", v, ""),
            },
            'V' => a.vhost = Some(v.to_string()),
            'p' => match v.parse::<u16>() {
                Ok(p) if p > 0 && v.bytes().all(|b| b.is_ascii_digit()) => port = Some(p),
                _ => return refuse("invalid port number '", v, "'"),
            },
            'u' => url = Some(v.to_string()),
            'm' => match unsigned(v) {
                Some(m) => a.fwmark = Some(m),
                None => return refuse("invalid fwmark '", v, "'"),
            },
            'P' => {
                a.protocol = match v {
                    "1.0" => HttpProtocol::V10,
                    "1.0c" | "1.0C" => HttpProtocol::V10Close,
                    "1.1" => HttpProtocol::V11,
                    _ => return refuse("invalid HTTP protocol version '", v, "'"),
                }
            }
            't' => match unsigned(v) {
                Some(t) => a.timeout = Duration::from_secs(u64::from(t)),
                None => return refuse("invalid timeout '", v, "'"),
            },
            _ => bad = true,
        }
    }
    if bad {
        return None;
    }
    if !operands.is_empty() {
        eprintln!("Unexpected argument(s): {}", operands.join(" "));
        return None;
    }
    if a.ssl && !cfg!(feature = "tls") {
        eprintln!("Cannot initialize SSL context.");
        eprintln!("(this keepalived was built without the tls feature)");
        return None;
    }
    a.server = SocketAddr::new(server?, port?);
    a.url = url?;
    Some(a)
}

/// One option's refused value on stderr: one formatting call for all of them.
#[inline(never)]
fn refuse(before: &str, v: &str, after: &str) -> Option<Args> {
    eprintln!("{before}{v}{after}");
    None
}

/// strtoul after leading blanks, with no sign and nothing after the digits.
fn unsigned(s: &str) -> Option<u32> {
    let t = s.trim_start_matches([' ', '\t']);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

pub enum Fetched {
    Digest([u8; 16]),
    NoData,
    /// keepalived's words for what went wrong ("Connection failed", "Timeout WEB read").
    Failed(&'static str),
}

/// The HTTP_GET/SSL_GET checker the options describe.
fn check(a: &Args) -> HttpCheck {
    HttpCheck {
        urls: vec![Url {
            path: a.url.clone(),
            ..Url::default()
        }],
        http_protocol: a.protocol,
        virtualhost: a.vhost.clone(),
        enable_sni: a.sni,
        fast_recovery: false,
    }
}

pub fn fetch(a: &Args) -> Fetched {
    let mut conv = match WebDialog::new(&check(a), a.ssl, a.server, None, None, &Default::default())
    {
        Ok(c) => c,
        Err(_) if a.ssl => return Fetched::Failed("Cannot initialize SSL context."),
        Err(_) => return Fetched::Failed("Cannot build the request"),
    };
    conv.http_mut().hash_body();
    if a.verbose {
        conv.http_mut().set_tracer(verbose);
    }
    conv.reset();
    let mut sock = match connect(a.server, a.fwmark, a.timeout) {
        Ok(s) => s,
        Err(msg) => return Fetched::Failed(msg),
    };
    let read_timeout = if a.ssl {
        "Timeout SSL read"
    } else {
        "Timeout HTTP read"
    };
    let mut buf = [0u8; 4096];
    let mut got_any = false;
    let step = loop {
        let d: &mut dyn Dialog = &mut conv;
        while !d.pending().is_empty() {
            match sock.write(d.pending()) {
                Ok(n) if n > 0 => d.sent(n),
                _ => return Fetched::Failed("Cannot send get request to"),
            }
        }
        match sock.read(&mut buf) {
            Ok(0) => break d.closed(),
            Ok(n) => {
                got_any = true;
                if let s @ Step::Done(_) = d.received(&buf[..n]) {
                    break s;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Fetched::Failed(if got_any {
                    read_timeout
                } else {
                    "Timeout WEB read"
                });
            }
            Err(_) => return Fetched::Failed("Read error with"),
        }
    };
    let http = conv.http();
    match (step, http.digest()) {
        (_, Some(d)) => Fetched::Digest(d),
        (Step::Done(Verdict::Down(f)), None) if f != Failure::NoData => {
            Fetched::Failed(f.worded(Words::Web))
        }
        _ => Fetched::NoData,
    }
}

/// A blocking TCP connection with keepalived's failure words: the connect itself refused
/// ("Error connecting"), the server refusing ("Connection failed") or silence.
fn connect(
    to: SocketAddr,
    fwmark: Option<u32>,
    timeout: Duration,
) -> Result<TcpStream, &'static str> {
    let family = if to.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket calls on a descriptor we own; `from_raw_fd` takes it over once.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    };
    if fd < 0 {
        return Err("Error connecting");
    }
    // SAFETY: fd is a fresh socket nobody else owns.
    let sock = unsafe { TcpStream::from_raw_fd(fd) };
    if let Some(mark) = fwmark {
        // SAFETY: setsockopt with a u32 value of the right size.
        let r = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_MARK,
                (&mark as *const u32).cast(),
                std::mem::size_of::<u32>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err("Error connecting");
        }
    }
    let (sa, len) = crate::net::sockaddr::storage(&to);
    // SAFETY: sa is a valid sockaddr of `len` bytes.
    let r = unsafe { libc::connect(fd, (&sa as *const libc::sockaddr_storage).cast(), len) };
    if r != 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINPROGRESS) {
        return Err("Error connecting");
    }
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    if n == 0 {
        return Err("Timeout connecting");
    }
    match sock.take_error() {
        Ok(None) if n > 0 => {}
        Ok(Some(e)) if e.raw_os_error() == Some(libc::ETIMEDOUT) => {
            return Err("Timeout connecting")
        }
        _ => return Err("Connection failed"),
    }
    if sock.set_nonblocking(false).is_err()
        || sock.set_read_timeout(Some(timeout)).is_err()
        || sock.set_write_timeout(Some(timeout)).is_err()
    {
        return Err("Error connecting");
    }
    Ok(sock)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A byte as two lowercase hex digits, without a formatting call per byte.
fn push_hex(s: &mut String, b: u8) {
    s.push(char::from(HEX[usize::from(b >> 4)]));
    s.push(char::from(HEX[usize::from(b & 15)]));
}

fn hex(d: &[u8]) -> String {
    let mut s = String::with_capacity(d.len() * 2);
    for &b in d {
        push_hex(&mut s, b);
    }
    s
}

const DELIM_BEGIN: &str = "-----------------------[";
const DELIM_END: &str = "]-----------------------";

fn delim(title: &str) -> String {
    format!("{DELIM_BEGIN}{title}{DELIM_END}")
}

/// genhash -v: keepalived's sections and hex dumps, on stdout as they come.
fn verbose(t: Trace<'_>) {
    let stdout = io::stdout();
    let mut o = stdout.lock();
    let _ = match t {
        Trace::HeaderChunk => writeln!(o, "{}", delim("    HTTP Header Buffer    ")),
        Trace::Header(h) => {
            let _ = o.write_all(dump(h).as_bytes());
            let _ = writeln!(o, "{}", delim(" HTTP Header Ascii Buffer "));
            let _ = o.write_all(h);
            writeln!(o)
        }
        Trace::Body { first, data } => {
            if first && !data.is_empty() {
                let _ = writeln!(o, "{}", delim("        HTML Buffer        "));
            }
            o.write_all(dump(data).as_bytes())
        }
        Trace::Digest(d) => {
            let _ = writeln!(o, "\n{}", delim("    HTML hash resulting    "));
            let _ = o.write_all(dump(&d).as_bytes());
            writeln!(o, "{}", delim(" HTML hash final resulting "))
        }
    };
}

/// keepalived's dump_buffer: decimal offsets, 16 bytes a line split by " -", then the
/// printable characters.
pub fn dump(buf: &[u8]) -> String {
    let mut s = String::with_capacity(buf.len() / 16 * 80 + 80);
    for (n, line) in buf.chunks(16).enumerate() {
        // The offset as %04d: 0..=65535 is at most five digits.
        let off = (n * 16) & 0xffff;
        if off >= 10_000 {
            s.push(char::from(b'0' + (off / 10_000) as u8));
        }
        for d in [1000, 100, 10, 1] {
            s.push(char::from(b'0' + (off / d % 10) as u8));
        }
        s.push(' ');
        for i in 0..16 {
            match line.get(i) {
                Some(&b) => {
                    s.push(' ');
                    push_hex(&mut s, b);
                }
                None => s.push_str("   "),
            }
            if i == 7 {
                s.push_str(" -");
            }
        }
        s.push_str("   ");
        for i in 0..16 {
            s.push(match line.get(i) {
                Some(&b) if (0x20..=0x7e).contains(&b) => b as char,
                Some(_) => '.',
                None => ' ',
            });
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_short_long_and_clustered() {
        let ssl = parse(&argv(
            "-vS -s 10.0.0.1 -p80 --url=/x --use-virtualhost www -P 1.1 -t 3 -m 7",
        ));
        assert_eq!(
            ssl.is_some(),
            cfg!(feature = "tls"),
            "-S needs the tls feature"
        );
        let a = parse(&argv(
            "-v -s 10.0.0.1 -p80 --url=/x --use-virt www -P 1.0C -t 3 -m 7",
        ))
        .unwrap();
        assert_eq!(a.server, "10.0.0.1:80".parse().unwrap());
        assert_eq!(a.url, "/x");
        assert_eq!(a.vhost.as_deref(), Some("www"));
        assert_eq!(a.protocol, HttpProtocol::V10Close);
        assert_eq!(a.timeout, Duration::from_secs(3));
        assert_eq!(a.fwmark, Some(7));
        assert!(a.verbose);
        let a = parse(&argv("-s ::1 -p 8080 -u /a -u /b")).unwrap();
        assert_eq!(a.server, "[::1]:8080".parse().unwrap());
        assert_eq!(a.url, "/b", "the last -u wins, as in keepalived");
    }

    #[test]
    fn bad_options_are_refused() {
        for bad in [
            "-s www.example.org -p 80 -u /",
            "-s 10.0.0.1 -p 0 -u /",
            "-s 10.0.0.1 -p 80x -u /",
            "-s 10.0.0.1 -p 80",
            "-s 10.0.0.1 -p 80 -u / -P 2.0",
            "-s 10.0.0.1 -p 80 -u / -t -1",
            "-s 10.0.0.1 -p 80 -u / extra",
            "-s 10.0.0.1 -p 80 -u / -x",
            "-s 10.0.0.1 -p 80 -u / -h",
            "-s 10.0.0.1 -p 80 -u",
        ] {
            assert_eq!(parse(&argv(bad)), None, "{bad}");
        }
    }

    #[test]
    fn usage_names_the_mode() {
        assert!(usage("genhash", true).starts_with("Usage: genhash COMMAND [OPTIONS]\n"));
        assert!(usage("/sbin/keepalived", false)
            .starts_with("Usage: /sbin/keepalived --genhash COMMAND [OPTIONS]\n"));
    }

    #[test]
    fn genhash_is_found_among_keepalived_options() {
        assert_eq!(requested(&argv("keepalived -T -s x")), Some(1));
        assert_eq!(requested(&argv("keepalived -n --genhash")), Some(2));
        assert_eq!(requested(&argv("keepalived -n -l")), None);
    }

    #[test]
    fn dump_is_keepalived_s_layout() {
        // From keepalived genhash -v on "hello world\n".
        assert_eq!(
            dump(b"hello world\n"),
            "0000  68 65 6c 6c 6f 20 77 6f - 72 6c 64 0a               hello world.    \n"
        );
        let d: Vec<u8> = (0..17).collect();
        assert_eq!(
            dump(&d).lines().nth(1).unwrap(),
            "0016  10                      -                           .               "
        );
        // %04d grows to five digits, and the offset wraps at 64 KiB as keepalived's does.
        let big = vec![b'a'; 65536 + 16];
        let text = dump(&big);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[626].starts_with("10016  61 61"), "{}", lines[626]);
        assert!(lines[4096].starts_with("0000  61"), "{}", lines[4096]);
        assert_eq!(hex(&[0x00, 0x9f, 0xa0, 0xff]), "009fa0ff");
    }
}
