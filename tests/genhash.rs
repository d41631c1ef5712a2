//! genhash against keepalived's genhash (Debian's /usr/bin/genhash, keepalived 2.2.7) on the
//! same pages: the digest, the -v dump, the messages and exit codes. Both are run with
//! argv[0] "genhash" (ours through a symlink) and as `keepalived -T`.
//!
//! Pages come from a loopback server (its /echo answers with the request, so the requests
//! are compared too) that answers each request with one write, so both
//! programs read the same chunks and their -v dumps can be compared line by line.
//! Without /usr/bin/genhash the tests print SKIPPED; with CI=true they fail.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_keepalived");
const THEIRS: &str = "/usr/bin/genhash";
const KEEPALIVED: &str = "/usr/sbin/keepalived";

fn missing_reference() -> bool {
    if Path::new(THEIRS).exists() {
        return false;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("genhash test cannot run: {THEIRS} missing (Debian's keepalived package)");
    }
    eprintln!("\n*** SKIPPED: {THEIRS} missing ***\n");
    true
}

/// Our binary under the name genhash.
fn ours() -> PathBuf {
    static LINK: OnceLock<PathBuf> = OnceLock::new();
    LINK.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("ka-genhash-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        let link = d.join("genhash");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(BIN, &link).expect("symlink genhash");
        link
    })
    .clone()
}

fn run(prog: &Path, arg0: &str, args: &[&str]) -> Output {
    Command::new(prog)
        .arg0(arg0)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", prog.display()))
}

fn both(args: &[&str]) -> (Output, Output) {
    (
        run(&ours(), "genhash", args),
        run(Path::new(THEIRS), "genhash", args),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The pages: path -> the whole response, written at once.
fn pages() -> HashMap<&'static str, Vec<u8>> {
    let big: String = (0..900)
        .map(|i| format!("<p>paragraph {i}</p>\n"))
        .collect();
    let mut m = HashMap::new();
    let mut add = |path, head: &str, body: &[u8]| {
        let mut r = head.as_bytes().to_vec();
        r.extend_from_slice(body);
        m.insert(path, r);
    };
    add(
        "/index.html",
        "HTTP/1.0 200 OK\r\nServer: test\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\n",
        b"hello world\n",
    );
    add(
        "/big.html",
        &format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", big.len()),
        big.as_bytes(),
    );
    add(
        "/nolength",
        "HTTP/1.0 200 OK\r\nServer: test\r\n\r\n",
        b"no length given\n",
    );
    // Content-Length shorter than what is sent: only that much is hashed.
    add(
        "/short",
        "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n",
        b"12345 and then junk",
    );
    add(
        "/missing",
        "HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
        b"",
    );
    add("/empty", "HTTP/1.0 204 No Content\r\n\r\n", b"");
    add(
        "/binary",
        "HTTP/1.0 200 OK\r\n\r\n",
        &(0u8..=255).collect::<Vec<_>>(),
    );
    m
}

/// A loopback web server for the whole test binary; `/silent` closes without a word.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        let pages = pages();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                serve(s, &pages);
            }
        });
        addr
    })
}

fn serve(mut s: TcpStream, pages: &HashMap<&'static str, Vec<u8>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(n) if n > 0 => req.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    let text = text(&req);
    let path = text.split(' ').nth(1).unwrap_or("");
    if path == "/echo" {
        // The request itself as the body: equal digests mean byte-equal requests.
        let mut resp = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
        resp.extend_from_slice(&req);
        let _ = s.write_all(&resp);
    } else if let Some(resp) = pages.get(path) {
        let _ = s.write_all(resp);
    }
}

fn port() -> String {
    server().port().to_string()
}

#[test]
fn digest_equals_keepalived_genhash() {
    if missing_reference() {
        return;
    }
    let p = port();
    for url in [
        "/index.html",
        "/big.html",
        "/nolength",
        "/short",
        "/missing",
        "/empty",
        "/binary",
    ] {
        let (o, t) = both(&["-s", "127.0.0.1", "-p", &p, "-u", url]);
        assert_eq!(text(&o.stdout), text(&t.stdout), "{url}");
        assert_eq!(text(&o.stderr), text(&t.stderr), "{url}");
        assert_eq!(o.status.code(), t.status.code(), "{url}");
        assert_eq!(text(&o.stdout).trim().len(), 32, "{url}: a digest");
    }
    // Spot check against an independent MD5: "hello world\n".
    let (o, _) = both(&["-s", "127.0.0.1", "-p", &p, "-u", "/index.html"]);
    assert_eq!(text(&o.stdout), "6f5902ac237024bdd0c176cb93063dc4\n");
}

#[test]
fn requests_are_keepalived_s_for_every_protocol_and_vhost() {
    if missing_reference() {
        return;
    }
    let p = port();
    let mut digests = Vec::new();
    for extra in [
        &[][..],
        &["-P", "1.1"][..],
        &["-P", "1.0c", "-V", "www.test"][..],
        &["--protocol=1.0C"][..],
        &["-V", "www.test:8080", "-t", "2"][..],
    ] {
        let mut args = vec!["-s", "127.0.0.1", "-p", &p, "-u", "/echo"];
        args.extend_from_slice(extra);
        let (o, t) = both(&args);
        assert_eq!(text(&o.stdout), text(&t.stdout), "{extra:?}");
        digests.push(text(&o.stdout));
    }
    digests.dedup();
    assert_eq!(digests.len(), 5, "each option changes the request");
}

/// The -v output with the one line that differs by nature (the time taken) blanked.
fn verbose_lines(o: &Output) -> Vec<String> {
    text(&o.stdout)
        .lines()
        .map(|l| {
            if l.starts_with("Global response time for [") {
                l.split(" = ").next().unwrap_or(l).to_string()
            } else {
                l.to_string()
            }
        })
        .collect()
}

#[test]
fn verbose_dump_equals_keepalived_genhash() {
    if missing_reference() {
        return;
    }
    let p = port();
    for url in ["/index.html", "/binary", "/short"] {
        let (o, t) = both(&["-v", "-s", "127.0.0.1", "-p", &p, "-u", url]);
        let (ours, theirs) = (verbose_lines(&o), verbose_lines(&t));
        assert!(theirs.len() > 5, "{url}: {theirs:?}");
        assert_eq!(ours, theirs, "{url}");
    }
}

#[test]
fn failures_are_reported_as_keepalived_does() {
    if missing_reference() {
        return;
    }
    // Nothing listens on a port we just had and closed: refused.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port().to_string()
    };
    let (o, t) = both(&["-s", "127.0.0.1", "-p", &closed, "-u", "/"]);
    assert_eq!(text(&o.stdout), "Connection failed\n");
    assert_eq!(text(&o.stdout), text(&t.stdout));
    assert_eq!(o.status.code(), t.status.code());
    // The server closes without answering.
    let (o, t) = both(&["-s", "127.0.0.1", "-p", &port(), "-u", "/silent"]);
    assert_eq!(text(&o.stderr), "no data received from remote webserver\n");
    assert_eq!(text(&o.stderr), text(&t.stderr));
    assert_eq!(text(&o.stdout), text(&t.stdout));
}

#[test]
fn usage_errors_match_keepalived_genhash() {
    if missing_reference() {
        return;
    }
    for args in [
        &[][..],
        &["-s"][..],
        &["-h"][..],
        &["-s", "localhost", "-p", "80", "-u", "/"][..],
        &["-s", "127.0.0.1", "-p", "0", "-u", "/"][..],
        &["-s", "127.0.0.1", "-p", "80"][..],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "extra"][..],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-x"][..],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "--bogus"][..],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-P", "2"][..],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-t", "x"][..],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-m", "-1"][..],
        &["-s", "127.0.0.1", "-p", "80", "-u"][..],
    ] {
        let (o, t) = both(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(o.status.code(), t.status.code(), "{args:?}");
        assert_eq!(text(&o.stderr), text(&t.stderr), "{args:?}");
        assert_eq!(text(&o.stdout), text(&t.stdout), "{args:?}");
    }
}

#[test]
fn keepalived_dash_t_is_genhash() {
    if missing_reference() {
        return;
    }
    let p = port();
    let args = ["-T", "-s", "127.0.0.1", "-p", &p, "-u", "/big.html"];
    let o = run(Path::new(BIN), "keepalived", &args);
    let t = run(Path::new(KEEPALIVED), "keepalived", &args);
    assert_eq!(text(&o.stdout), text(&t.stdout));
    assert_eq!(text(&o.stdout).trim().len(), 32);
    let o = run(
        Path::new(BIN),
        "keepalived",
        &["--genhash", "-s", "127.0.0.1"],
    );
    let t = run(
        Path::new(KEEPALIVED),
        "keepalived",
        &["--genhash", "-s", "127.0.0.1"],
    );
    assert_eq!(text(&o.stderr), text(&t.stderr));
    assert!(text(&o.stderr).starts_with("Usage: keepalived --genhash COMMAND"));
    assert_eq!(o.status.code(), t.status.code());
}

#[cfg(feature = "tls")]
#[test]
fn ssl_digest_equals_keepalived_genhash() {
    if missing_reference() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ka-genhash-tls-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let page: String = (0..700).map(|i| format!("secure line {i}\n")).collect();
    std::fs::write(dir.join("page.txt"), page).expect("page");
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=rs.test",
        ])
        .args([
            "-newkey", "rsa:2048", "-keyout", "key.pem", "-out", "cert.pem",
        ])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "openssl req");
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut srv = Command::new("openssl")
        .args([
            "s_server", "-quiet", "-WWW", "-cert", "cert.pem", "-key", "key.pem",
        ])
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < end, "s_server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let p = port.to_string();
    let (o, t) = both(&["-S", "-s", "127.0.0.1", "-p", &p, "-u", "/page.txt"]);
    let (o2, _) = both(&[
        "-S",
        "-I",
        "-V",
        "rs.test",
        "-s",
        "127.0.0.1",
        "-p",
        &p,
        "-u",
        "/page.txt",
    ]);
    let _ = srv.kill();
    let _ = srv.wait();
    assert_eq!(text(&o.stdout).trim().len(), 32, "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), text(&t.stdout));
    assert_eq!(text(&o2.stdout), text(&t.stdout));
}
