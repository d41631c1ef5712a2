//! The protocol checkers through the daemon, in a network namespace, watched through the
//! checker child's log lines and notify scripts: HTTP_GET with two urls against python's
//! http.server (down after exactly `retry` retries spaced `delay_before_retry`, back up, a
//! changed page is a digest error), SSL_GET against `openssl s_server` (feature tls),
//! SMTP_CHECK against a postfix-like responder, DNS_CHECK against dnsmasq.
//! Root only (SKIPPED otherwise).

mod lab;

use std::path::Path;
use std::time::{Duration, Instant};

use lab::daemon::{checker_lab as setup, notes, read, start_checker as start, Tail};
use lab::{wait_until, Lab, Spawned};

/// Starts `cmd` in the lab namespace and waits until something accepts on `port`.
fn server(lab: &mut Lab, cmd: &[&str], port: u16) -> Spawned {
    let s = lab.spawn("ck", cmd);
    let probe =
        format!("import socket; socket.create_connection(('127.0.0.1', {port}), 0.5).close()");
    let ok = wait_until(Duration::from_secs(5), || {
        lab.exec("ck", &["/usr/bin/python3", "-c", &probe])
            .status
            .success()
    });
    assert!(ok, "{cmd:?} does not listen on {port}: {}", s.log());
    s
}

fn http_server(lab: &mut Lab, www: &Path) -> Spawned {
    let www = www.display().to_string();
    server(
        lab,
        &[
            "/usr/bin/python3",
            "-m",
            "http.server",
            "18080",
            "--bind",
            "127.0.0.1",
            "--directory",
            &www,
        ],
        18080,
    )
}

/// The MD5 of a page as our genhash computes it (run in the lab namespace).
fn genhash(lab: &mut Lab, port: &str, path: &str, ssl: bool) -> String {
    let ours = lab::check::ours();
    let mut cmd = vec![
        ours.as_str(),
        "-T",
        "-s",
        "127.0.0.1",
        "-p",
        port,
        "-u",
        path,
    ];
    if ssl {
        cmd.push("-S");
    }
    let out = lab.exec_ok("ck", &cmd);
    let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(hash.len(), 32, "genhash said {hash:?}");
    hash
}

const WEB: &str = "[127.0.0.1]:tcp:18080";

#[test]
fn http_get_walks_its_urls_goes_down_after_its_retries_and_sees_a_changed_page() {
    let Some(mut lab) = setup(
        "http_get_walks_its_urls_goes_down_after_its_retries_and_sees_a_changed_page",
        &["/usr/bin/python3"],
    ) else {
        return;
    };
    let www = lab.dir().join("www");
    std::fs::create_dir_all(&www).expect("mkdir www");
    std::fs::write(www.join("a.html"), "page a\n").expect("write a");
    std::fs::write(www.join("b.html"), "page b\n").expect("write b");
    let (notes, up, down) = notes(&lab);
    let mut srv = http_server(&mut lab, &www);
    let digest = genhash(&mut lab, "18080", "/b.html", false);
    // delay_loop and delay_before_retry differ so the spacing says which one was used.
    let conf = format!(
        "global_defs {{\n checker_log_all_failures\n}}\n\
         virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18080 {{\n notify_up {up}\n notify_down {down}\n\
         HTTP_GET {{\n url {{\n path /a.html\n status_code 200\n }}\n\
         url {{\n path /b.html\n digest {digest}\n }}\n\
         connect_timeout 1\n retry 2\n delay_before_retry 0.5\n warmup 0\n }}\n }}\n}}\n"
    );
    let t0 = Instant::now();
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    // One url per run: 1 s to the first, a delay_loop to the second.
    let ok_line = format!("Remote Web server {WEB} succeed on service.");
    tail.wait_since(&k, &ok_line, t0, Duration::from_secs(5));
    let log = srv.log();
    assert!(
        log.contains("GET /a.html HTTP/1.0\" 200") && log.contains("GET /b.html HTTP/1.0\" 200"),
        "{log}"
    );

    srv.signal(libc::SIGKILL);
    let killed = Instant::now();
    let down_line = format!("HTTP_CHECK on service {WEB} failed after 2 retries.");
    let gone = tail.wait_since(&k, &down_line, killed, Duration::from_secs(5));
    // retry 2: three failed fetches, the last two delay_before_retry after the one before.
    tail.assert_spaced(
        &k,
        &format!("Error connecting server {WEB}."),
        killed,
        3,
        Duration::from_millis(500),
    );
    assert!(gone - killed < Duration::from_millis(1000 + 1000 + 800));
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\n"));

    srv = http_server(&mut lab, &www);
    let back = Instant::now();
    // The failed url is polled every delay_loop; once it passes, both urls are fetched again
    // in turn before the checker is up.
    let up_at = tail.wait_since(&k, &ok_line, back, Duration::from_secs(5));
    for line in [
        format!("HTTP status code success to {WEB} url(/a.html)"),
        format!("MD5 digest success to {WEB} url(/b.html)"),
    ] {
        assert!(
            !tail.times(&line, back).is_empty(),
            "no {line:?}\n{}",
            k.log()
        );
    }
    assert!(up_at - back < Duration::from_millis(3000 + 800));
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "down\nup\n"));

    std::fs::write(www.join("b.html"), "page b, changed\n").expect("rewrite b");
    let changed = Instant::now();
    tail.wait_since(
        &k,
        &format!("MD5 digest error to server {WEB}."),
        changed,
        Duration::from_secs(4),
    );
    tail.wait_since(&k, &down_line, changed, Duration::from_secs(4));
    assert!(wait_until(Duration::from_secs(2), || read(&notes)
        == "down\nup\ndown\n"));
    drop(srv);
}

/// An SMTP server answering as postfix does (a multi-line banner), one session at a time.
const SMTP_PY: &str = r#"
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, a = s.accept(); f = c.makefile("rb")
    try:
        c.sendall(b"220-mail.test ESMTP Postfix\r\n220 mail.test ready\r\n")
        for line in f:
            print("got", line.strip().decode(), flush=True)
            if line.upper().startswith(b"HELO"):
                c.sendall(b"250 mail.test\r\n")
            elif line.upper().startswith(b"QUIT"):
                c.sendall(b"221 2.0.0 Bye\r\n"); break
    except OSError:
        pass  # the readiness probe hangs up at once; serve the next one
    c.close()
"#;

/// The old `host {}` blocks: one check walks every host, each on its own connection, and
/// passes only when all of them pass.
#[test]
fn smtp_check_says_helo_to_each_host_and_needs_them_all() {
    let Some(mut lab) = setup(
        "smtp_check_says_helo_to_each_host_and_needs_them_all",
        &["/usr/bin/python3"],
    ) else {
        return;
    };
    let py = lab.write_file("smtp.py", SMTP_PY).display().to_string();
    let first = server(&mut lab, &["/usr/bin/python3", "-u", &py, "18025"], 18025);
    let conf = "virtual_server 127.0.0.1 25 {\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18025 {\n\
         SMTP_CHECK {\n helo_name lab.test\n retry 0\n warmup 0\n\
         host {\n connect_ip 127.0.0.1\n connect_port 18025\n }\n\
         host {\n connect_ip 127.0.0.1\n connect_port 18026\n }\n }\n }\n}\n";
    let t0 = Instant::now();
    let k = start(&mut lab, conf);
    let mut tail = Tail::new();
    // The first host answers, the second is not there: the check fails on it.
    tail.wait_since(
        &k,
        "SMTP_CHECK Error connecting to server [127.0.0.1]:18026",
        t0,
        Duration::from_secs(4),
    );
    assert!(first.log().contains("got HELO lab.test"), "{}", first.log());
    let second = server(&mut lab, &["/usr/bin/python3", "-u", &py, "18026"], 18026);
    let back = Instant::now();
    tail.wait_since(
        &k,
        "Remote SMTP server [127.0.0.1]:tcp:18025 succeed on service.",
        back,
        Duration::from_secs(4),
    );
    assert!(
        second.log().contains("got HELO lab.test"),
        "{}",
        second.log()
    );
    first.signal(libc::SIGKILL);
    let killed = Instant::now();
    tail.wait_since(
        &k,
        "SMTP_CHECK Error connecting to server [127.0.0.1]:18025",
        killed,
        Duration::from_secs(4),
    );
}

#[test]
fn dns_check_asks_dnsmasq_and_notices_it_is_gone() {
    let Some(mut lab) = setup(
        "dns_check_asks_dnsmasq_and_notices_it_is_gone",
        &["/usr/bin/python3", "/usr/sbin/dnsmasq"],
    ) else {
        return;
    };
    let (notes, up, down) = notes(&lab);
    let pidfile = lab.dir().join("dnsmasq.pid").display().to_string();
    let dns = lab.spawn(
        "ck",
        &[
            "/usr/sbin/dnsmasq",
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            "--port=18053",
            "--address=/lb.test/192.0.2.7",
            &format!("--pid-file={pidfile}"),
            "--user=root",
        ],
    );
    // The checker's first query must find dnsmasq ready, else alpha runs notify_down first.
    let query = "import socket; s = socket.socket(2, 2); s.settimeout(0.3); \
        s.sendto(bytes.fromhex('123401000001000000000000026c6204746573740000010001'), \
        ('127.0.0.1', 18053)); s.recv(512)";
    assert!(
        wait_until(Duration::from_secs(5), || lab
            .exec("ck", &["/usr/bin/python3", "-c", query])
            .status
            .success()),
        "dnsmasq does not answer: {}",
        dns.log()
    );
    // alpha: the checker starts down, so coming up runs notify_up (DNS_CHECK logs no success).
    let conf = format!(
        "virtual_server 127.0.0.1 53 {{\n protocol UDP\n delay_loop 1\n alpha\n\
         real_server 127.0.0.1 18053 {{\n notify_up {up}\n notify_down {down}\n\
         DNS_CHECK {{\n type A\n name lb.test\n connect_timeout 1\n retry 0\n warmup 0\n }}\n }}\n}}\n"
    );
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    assert!(
        wait_until(Duration::from_secs(5), || read(&notes) == "up\n"),
        "notes {:?}\n{}\n{}",
        read(&notes),
        k.log(),
        dns.log()
    );
    drop(dns);
    let killed = Instant::now();
    tail.wait_since(
        &k,
        "DNS_CHECK ([127.0.0.1]:udp:18053) ",
        killed,
        Duration::from_secs(4),
    );
    assert!(wait_until(Duration::from_secs(2), || read(&notes) == "up\ndown\n"));
}

#[cfg(feature = "tls")]
#[test]
fn ssl_get_checks_openssl_s_server_and_fails_without_it() {
    let Some(mut lab) = setup(
        "ssl_get_checks_openssl_s_server_and_fails_without_it",
        &["/usr/bin/python3", "/usr/bin/openssl"],
    ) else {
        return;
    };
    let dir = lab.dir().display().to_string();
    std::fs::write(lab.dir().join("page.html"), "tls page\n").expect("write page");
    lab.exec_ok(
        "ck",
        &[
            "/usr/bin/openssl",
            "req",
            "-x509",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=rs.test",
            "-newkey",
            "rsa:2048",
            "-keyout",
            &format!("{dir}/key.pem"),
            "-out",
            &format!("{dir}/cert.pem"),
        ],
    );
    // -WWW serves files from the current directory.
    let srv = server(
        &mut lab,
        &[
            "/bin/sh",
            "-c",
            &format!(
                "cd {dir} && exec /usr/bin/openssl s_server -quiet -WWW -cert cert.pem \
                 -key key.pem -accept 127.0.0.1:18443"
            ),
        ],
        18443,
    );
    let digest = genhash(&mut lab, "18443", "/page.html", true);
    let conf = format!(
        "virtual_server 127.0.0.1 443 {{\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18443 {{\n\
         SSL_GET {{\n url {{\n path /page.html\n digest {digest}\n }}\n\
         connect_timeout 1\n retry 0\n warmup 0\n }}\n }}\n}}\n"
    );
    let t0 = Instant::now();
    let k = start(&mut lab, &conf);
    let mut tail = Tail::new();
    let rs = "[127.0.0.1]:tcp:18443";
    tail.wait_since(
        &k,
        &format!("Remote Web server {rs} succeed on service."),
        t0,
        Duration::from_secs(5),
    );
    drop(srv);
    let killed = Instant::now();
    tail.wait_since(
        &k,
        &format!("HTTP_CHECK on service {rs} failed."),
        killed,
        Duration::from_secs(4),
    );
}

#[cfg(feature = "tls")]
#[test]
fn ssl_get_sends_the_ssl_blocks_client_certificate_and_follows_reloads() {
    let Some(mut lab) = setup(
        "ssl_get_sends_the_ssl_blocks_client_certificate_and_follows_reloads",
        &["/usr/bin/python3", "/usr/bin/openssl"],
    ) else {
        return;
    };
    let dir = lab.dir().display().to_string();
    std::fs::write(lab.dir().join("page.html"), "tls page\n").expect("write page");
    let pki = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/check/checkers/testdata/make-test-pki.sh")
        .display()
        .to_string();
    lab.exec_ok("ck", &["/bin/sh", &pki, &dir]);
    // Only a client certificate issued under root.pem gets a page; the client has to send
    // the intermediate, which it finds in the SSL block's ca.
    let _srv = server(
        &mut lab,
        &[
            "/bin/sh",
            "-c",
            &format!(
                "cd {dir} && exec /usr/bin/openssl s_server -quiet -WWW -cert server.pem \
                 -key server.key -Verify 2 -CAfile root.pem -verify_return_error \
                 -accept 127.0.0.1:18444"
            ),
        ],
        18444,
    );
    let checker = "virtual_server 127.0.0.1 443 {\n protocol TCP\n delay_loop 1\n\
         real_server 127.0.0.1 18444 {\n\
         SSL_GET {\n url {\n path /page.html\n status_code 200\n }\n\
         connect_timeout 1\n retry 0\n warmup 0\n }\n }\n}\n";
    let block = |key: &str| {
        format!(
            "SSL {{\n ca {dir}/ca-bundle.pem\n certificate {dir}/leaf.pem\n key {dir}/{key}\n}}\n"
        )
    };
    let rs = "[127.0.0.1]:tcp:18444";
    let up = format!("Remote Web server {rs} succeed on service.");
    let down = format!("HTTP_CHECK on service {rs} failed.");
    let mut tail = Tail::new();
    let t0 = Instant::now();
    let mut k = start(&mut lab, &format!("{}{checker}", block("leaf.key")));
    tail.wait_since(&k, &up, t0, Duration::from_secs(5));

    let reload = |lab: &mut Lab, k: &mut Spawned, tail: &mut Tail, conf: &str, want: &str| {
        lab.write_file("keepalived.conf", conf);
        let since = Instant::now();
        k.signal(libc::SIGHUP);
        // delay_loop 1 + connect_timeout 1, with margin.
        tail.wait_since(k, want, since, Duration::from_secs(5))
    };
    // Without the SSL block the server refuses the session.
    reload(&mut lab, &mut k, &mut tail, checker, &down);
    reload(
        &mut lab,
        &mut k,
        &mut tail,
        &format!("{}{checker}", block("leaf.key")),
        &up,
    );
    // A block that does not load names the file, and the checks fail.
    let since = reload(
        &mut lab,
        &mut k,
        &mut tail,
        &format!("{}{checker}", block("missing.key")),
        &format!("SSL error: key {dir}/missing.key: "),
    );
    tail.wait_since(&k, &down, since, Duration::from_secs(5));
    assert!(k.try_wait().is_none(), "the daemon goes on: {}", k.log());
}
