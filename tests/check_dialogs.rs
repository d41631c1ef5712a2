//! The checker dialogs against real servers on loopback: python3's http.server (HTTP_GET),
//! openssl s_server (SSL_GET, TLS 1.3 and 1.2; with the tls feature), dnsmasq (DNS_CHECK) and
//! an SMTP responder speaking as postfix does. A small blocking driver stands in for the
//! checker runner: it moves bytes between a socket and a dialog until a verdict.
//!
//! Needs python3, openssl and dnsmasq (tests/setup.d/checkproto.sh); without them the tests
//! print SKIPPED, and with CI=true they fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keepalived::check::checkers::dns::DnsDialog;
use keepalived::check::checkers::smtp::SmtpDialog;
use keepalived::check::checkers::web::http::HttpDialog;
use keepalived::check::checkers::{Dialog, Failure, Step, Verdict};
use keepalived::config::checker::{DnsCheck, DnsType, HttpCheck, SmtpCheck, Url};

#[global_allocator]
static ALLOC: keepalived::core::alloc::DebugAlloc = keepalived::core::alloc::DebugAlloc;

/// Loopback answers in well under a second; a server that has not started by then is broken.
const DEADLINE: Duration = Duration::from_secs(5);

fn skip(why: &str) -> bool {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("check_dialogs cannot run: {why}");
    }
    eprintln!("\n*** SKIPPED: {why} ***\n");
    true
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ka-dialogs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// A server process, killed when the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(cmd: &mut Command) -> Server {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
    Server(child)
}

/// python3's http.server serving `dir` on a free loopback port, once it listens.
fn http_server(dir: &Path) -> (Server, SocketAddr) {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let srv = spawn(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir),
    );
    wait_listening(addr);
    (srv, addr)
}

fn wait_listening(addr: SocketAddr) {
    let end = Instant::now() + DEADLINE;
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < end, "nothing listens on {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The checker runner's part, blocking: connect, then send what the dialog has and feed it
/// what arrives until it decides.
fn drive(addr: SocketAddr, d: &mut dyn Dialog) -> Verdict {
    d.reset();
    let mut s = TcpStream::connect_timeout(&addr, DEADLINE).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut buf = [0u8; 1500];
    loop {
        while !d.pending().is_empty() {
            let n = s.write(d.pending()).expect("write");
            d.sent(n);
        }
        let step = match s.read(&mut buf) {
            Ok(0) | Err(_) => d.closed(),
            Ok(n) => d.received(&buf[..n]),
        };
        if let Step::Done(v) = step {
            return v;
        }
    }
}

fn md5sum(path: &Path) -> [u8; 16] {
    let out = Command::new("md5sum").arg(path).output().expect("md5sum");
    let hex = String::from_utf8_lossy(&out.stdout);
    let mut d = [0u8; 16];
    for (i, b) in d.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    d
}

/// A page bigger than one read, so the digest spans many chunks.
fn site(dir: &Path) -> PathBuf {
    let page = dir.join("page.html");
    let body: String = (0..2000)
        .map(|i| format!("line {i} of the page\n"))
        .collect();
    std::fs::write(&page, body).expect("write page");
    page
}

fn http_check(path: &str, digest: Option<[u8; 16]>, status: &[(u16, u16)]) -> HttpCheck {
    HttpCheck {
        urls: vec![Url {
            path: path.into(),
            digest,
            status_codes: status.to_vec(),
            ..Url::default()
        }],
        ..HttpCheck::default()
    }
}

#[test]
fn http_get_against_python_http_server() {
    if !have("python3") && skip("python3 missing") {
        return;
    }
    let dir = scratch("http");
    let page = site(&dir);
    let (_srv, addr) = http_server(&dir);
    let good = md5sum(&page);
    let mut d = HttpDialog::new(&http_check("/page.html", Some(good), &[]), addr, None).unwrap();
    assert_eq!(drive(addr, &mut d), Verdict::Up);
    assert_eq!(d.digest(), Some(good));
    assert_eq!(d.status(), 200);
    // Reused for the next check: same result, no leftovers.
    assert_eq!(drive(addr, &mut d), Verdict::Up);

    let mut bad = good;
    bad[0] ^= 1;
    let mut d = HttpDialog::new(&http_check("/page.html", Some(bad), &[]), addr, None).unwrap();
    assert_eq!(drive(addr, &mut d), Verdict::Down(Failure::Digest));

    let mut d = HttpDialog::new(&http_check("/missing", None, &[]), addr, None).unwrap();
    assert_eq!(drive(addr, &mut d), Verdict::Down(Failure::StatusCode));
    assert_eq!(d.status(), 404);
    let mut d = HttpDialog::new(&http_check("/missing", None, &[(400, 499)]), addr, None).unwrap();
    assert_eq!(drive(addr, &mut d), Verdict::Up);
}

#[cfg(feature = "tls")]
mod tls {
    use super::*;
    use keepalived::check::checkers::web::ssl::TlsDialog;
    use keepalived::check::checkers::TlsContext;
    use keepalived::config::lvs::SslConfig;

    fn cert(dir: &Path, kind: &[&str]) {
        let st = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=rs.test",
            ])
            .args(kind)
            .args(["-keyout", "key.pem", "-out", "cert.pem"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl req");
        assert!(st.success());
    }

    fn s_server(dir: &Path, port: u16, extra: &[&str]) -> Server {
        let s = spawn(
            Command::new("openssl")
                .args([
                    "s_server", "-quiet", "-WWW", "-cert", "cert.pem", "-key", "key.pem",
                ])
                .args(["-accept", &format!("127.0.0.1:{port}")])
                .args(extra)
                .current_dir(dir),
        );
        wait_listening(([127, 0, 0, 1], port).into());
        s
    }

    fn tls(check: &HttpCheck, addr: SocketAddr, sni: Option<&str>) -> TlsDialog {
        let mut check = check.clone();
        check.enable_sni = sni.is_some();
        check.virtualhost = sni.map(Into::into);
        let http = HttpDialog::new(&check, addr, None).unwrap();
        TlsDialog::new(http, &check, None, addr.ip(), &TlsContext::Plain).unwrap()
    }

    #[test]
    fn ssl_get_against_openssl_s_server_tls13_and_tls12() {
        if !have("openssl") && skip("openssl missing") {
            return;
        }
        for (name, key, extra) in [
            ("rsa13", &["-newkey", "rsa:2048"][..], &[][..]),
            (
                "ec12",
                &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"][..],
                &["-tls1_2"][..],
            ),
        ] {
            let dir = scratch(name);
            let page = site(&dir);
            cert(&dir, key);
            let port = free_port();
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            let _srv = s_server(&dir, port, extra);
            let good = md5sum(&page);
            let mut d = tls(
                &http_check("/page.html", Some(good), &[]),
                addr,
                Some("rs.test"),
            );
            assert_eq!(drive(addr, &mut d), Verdict::Up, "{name}");
            assert_eq!(d.inner().digest(), Some(good), "{name}");
            assert_eq!(drive(addr, &mut d), Verdict::Up, "{name}: second check");
            let mut bad = good;
            bad[15] ^= 1;
            let mut d = tls(&http_check("/page.html", Some(bad), &[]), addr, None);
            assert_eq!(
                drive(addr, &mut d),
                Verdict::Down(Failure::Digest),
                "{name}"
            );
        }
    }

    /// The test PKI of src/check/checkers/testdata/make-test-pki.sh in `dir`.
    fn pki(dir: &Path) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/check/checkers/testdata/make-test-pki.sh");
        let st = Command::new("sh").arg(script).arg(dir).status();
        assert!(st.is_ok_and(|s| s.success()), "make-test-pki.sh");
    }

    fn ssl_block(dir: &Path, ca: Option<&str>, cert: &str, key: &str) -> TlsContext {
        let p = |f: &str| Some(dir.join(f).display().to_string());
        TlsContext::from_block(&SslConfig {
            ca: ca.and_then(p),
            certificate: p(cert),
            key: p(key),
            ..SslConfig::default()
        })
    }

    #[test]
    fn ssl_get_sends_the_ssl_blocks_client_certificate() {
        if !have("openssl") && skip("openssl missing") {
            return;
        }
        let dir = scratch("client-cert");
        site(&dir);
        pki(&dir);
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        // Requires a client certificate issued under root.pem (the intermediate is not
        // trusted by itself: the client has to send it).
        let _srv = spawn(
            Command::new("openssl")
                .args(["s_server", "-quiet", "-WWW", "-cert", "server.pem"])
                .args(["-key", "server.key", "-Verify", "2", "-CAfile", "root.pem"])
                .args(["-verify_return_error"])
                .args(["-accept", &format!("127.0.0.1:{port}")])
                .current_dir(&dir),
        );
        wait_listening(addr);
        let check = http_check("/page.html", None, &[]);
        let dialog = |ctx: &TlsContext| {
            let http = HttpDialog::new(&check, addr, None).unwrap();
            TlsDialog::new(http, &check, None, addr.ip(), ctx).unwrap()
        };
        for (what, ctx, want) in [
            (
                "client certificate",
                ssl_block(&dir, None, "client.pem", "client.key"),
                Verdict::Up,
            ),
            (
                "no SSL block",
                TlsContext::Plain,
                Verdict::Down(Failure::Handshake),
            ),
            (
                "leaf with its issuers from ca",
                ssl_block(&dir, Some("ca-bundle.pem"), "leaf.pem", "leaf.key"),
                Verdict::Up,
            ),
            (
                "leaf without its intermediate",
                ssl_block(&dir, Some("root.pem"), "leaf.pem", "leaf.key"),
                Verdict::Down(Failure::Handshake),
            ),
            (
                "certificate of another issuer",
                ssl_block(&dir, None, "server.pem", "server.key"),
                Verdict::Down(Failure::Handshake),
            ),
        ] {
            let mut d = dialog(&ctx);
            assert_eq!(drive(addr, &mut d), want, "{what}");
            assert_eq!(drive(addr, &mut d), want, "{what}: second check");
        }
    }

    #[test]
    fn ssl_get_to_a_plain_http_server_is_a_handshake_error() {
        if !have("python3") && skip("python3 missing") {
            return;
        }
        let dir = scratch("plain");
        let (_srv, addr) = http_server(&dir);
        let mut d = tls(&http_check("/", None, &[]), addr, None);
        assert_eq!(drive(addr, &mut d), Verdict::Down(Failure::Handshake));
    }
}

/// One SMTP session as postfix words it; the lines the client sent come back on the channel.
fn smtp_server(banner: &'static str) -> (SocketAddr, std::sync::mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        let _ = s.set_read_timeout(Some(DEADLINE));
        let mut r = BufReader::new(s.try_clone().expect("clone"));
        let _ = s.write_all(banner.as_bytes());
        for reply in ["250 mail.test\r\n", "221 2.0.0 Bye\r\n"] {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let _ = tx.send(line);
            let _ = s.write_all(reply.as_bytes());
        }
    });
    (addr, rx)
}

#[test]
fn smtp_check_against_a_postfix_like_responder() {
    let (addr, seen) = smtp_server("220-mail.test ESMTP Postfix\r\n220 mail.test ready\r\n");
    let mut d = SmtpDialog::new(&SmtpCheck {
        helo_name: Some("lb.test".into()),
        ..SmtpCheck::default()
    });
    assert_eq!(drive(addr, &mut d), Verdict::Up);
    let lines: Vec<String> = seen.try_iter().collect();
    assert_eq!(lines, ["HELO lb.test\r\n", "QUIT\r\n"]);

    let (addr, _) = smtp_server("554 mail.test no service\r\n");
    let mut d = SmtpDialog::new(&SmtpCheck::default());
    assert_eq!(drive(addr, &mut d), Verdict::Down(Failure::BadBanner));
}

/// One query, one answer (or None after `wait`), over a connected UDP socket.
fn drive_udp(addr: SocketAddr, d: &mut dyn Dialog, wait: Duration) -> Option<Verdict> {
    d.reset();
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.connect(addr).expect("connect");
    s.set_read_timeout(Some(wait)).expect("timeout");
    let n = s.send(d.pending()).expect("send");
    d.sent(n);
    let mut buf = [0u8; 512];
    loop {
        let n = s.recv(&mut buf).ok()?;
        if let Step::Done(v) = d.received(&buf[..n]) {
            return Some(v);
        }
    }
}

/// dnsmasq answering `lb.test` on a free loopback port, with the verdict of its first answer.
/// A port another socket took meanwhile (dnsmasq binds UDP and TCP) makes dnsmasq exit:
/// that attempt is retried on a new port, and a dnsmasq that never answers fails with its log.
fn dnsmasq(dialog: &mut DnsDialog) -> (Server, SocketAddr, Verdict) {
    let mut tries = 3;
    loop {
        let port = {
            let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
            s.local_addr().expect("addr").port()
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = std::env::temp_dir().join(format!("check_dialogs-dnsmasq-{port}.log"));
        let err = std::fs::File::create(&log).expect("dnsmasq log");
        let mut srv = Server(
            Command::new("dnsmasq")
                .args([
                    "--keep-in-foreground",
                    "--log-facility=-",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--bind-interfaces",
                    "--listen-address=127.0.0.1",
                    &format!("--port={port}"),
                    "--address=/lb.test/192.0.2.7",
                    "--pid-file=",
                    "--user=root",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(err)
                .spawn()
                .expect("spawning dnsmasq"),
        );
        let why = || std::fs::read_to_string(&log).unwrap_or_default();
        // A query sent before dnsmasq is ready may get no answer at all, so each try waits a
        // short while and the start as a whole gets a generous deadline.
        let end = Instant::now() + 3 * DEADLINE;
        let first = loop {
            if let Some(v) = drive_udp(addr, dialog, Duration::from_millis(300)) {
                break Some(v);
            }
            if let Ok(Some(st)) = srv.0.try_wait() {
                tries -= 1;
                assert!(tries > 0, "dnsmasq exited ({st}): {}", why());
                break None;
            }
            assert!(Instant::now() < end, "dnsmasq never answered: {}", why());
            std::thread::sleep(Duration::from_millis(50));
        };
        let _ = std::fs::remove_file(&log);
        if let Some(v) = first {
            return (srv, addr, v);
        }
    }
}

#[test]
fn dns_check_against_dnsmasq() {
    if !have("dnsmasq") && skip("dnsmasq missing") {
        return;
    }
    let mut ok = DnsDialog::new(&DnsCheck {
        qtype: DnsType::A,
        name: "lb.test".into(),
    });
    let (_srv, addr, first) = dnsmasq(&mut ok);
    assert_eq!(first, Verdict::Up);
    // With no upstream, dnsmasq refuses the root's SOA (the default query): RCODE 5.
    let mut refused = DnsDialog::new(&DnsCheck::default());
    assert_eq!(
        drive_udp(addr, &mut refused, DEADLINE),
        Some(Verdict::Down(Failure::Rcode(5)))
    );
}

/// Feeds a recorded exchange to a dialog in chunks, as the runner would.
fn replay(d: &mut dyn Dialog, replies: &[&[u8]]) -> Verdict {
    d.reset();
    for r in replies {
        let n = d.pending().len();
        d.sent(n);
        for c in r.chunks(100) {
            if let Step::Done(v) = d.received(c) {
                return v;
            }
        }
    }
    match d.closed() {
        Step::Done(v) => v,
        Step::Continue => panic!("no verdict"),
    }
}

#[test]
fn a_check_allocates_nothing_once_the_dialog_exists() {
    use keepalived::core::alloc::Scope;
    let page: &[u8] = include_bytes!("../src/check/checkers/testdata/http_python_index.bin");
    let mut digest = [0u8; 16];
    for (i, b) in digest.iter_mut().enumerate() {
        *b = u8::from_str_radix(&"6f5902ac237024bdd0c176cb93063dc4"[2 * i..2 * i + 2], 16).unwrap();
    }
    let addr: SocketAddr = ([127, 0, 0, 1], 80).into();
    let mut checks = http_check("/index.html", Some(digest), &[]);
    checks.urls[0].regex = Some("world".into());
    let mut http = HttpDialog::new(&checks, addr, None).unwrap();
    let mut smtp = SmtpDialog::new(&SmtpCheck::default());
    let mut dns = DnsDialog::new(&DnsCheck::default());
    let smtp_talk: [&[u8]; 3] = [b"220 mail ESMTP\r\n", b"250 mail\r\n", b"221 Bye\r\n"];
    for round in 0..3 {
        let s = Scope::new();
        assert_eq!(replay(&mut http, &[page]), Verdict::Up);
        assert_eq!(replay(&mut smtp, &smtp_talk), Verdict::Up);
        // The answer is the query with QR set, built on the stack.
        dns.reset();
        let mut answer = [0u8; 512];
        let q = dns.pending();
        let n = q.len();
        answer[..n].copy_from_slice(q);
        answer[2] |= 0x80;
        dns.sent(n);
        assert_eq!(dns.received(&answer[..n]), Step::Done(Verdict::Up));
        let total = s.allocs();
        if round > 0 {
            assert_eq!(total, 0, "round {round}: a check allocated");
        }
    }
}
