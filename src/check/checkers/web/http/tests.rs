use super::*;

/// python3 -m http.server answering GET /index.html ("hello world\n").
const PY_OK: &[u8] = include_bytes!("../../testdata/http_python_index.bin");
/// The same server answering a missing file.
const PY_404: &[u8] = include_bytes!("../../testdata/http_python_404.bin");
/// md5sum of "hello world\n".
const HELLO_MD5: &str = "6f5902ac237024bdd0c176cb93063dc4";

fn hex(d: [u8; 16]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> [u8; 16] {
    let mut d = [0; 16];
    for (i, b) in d.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    d
}

fn url(path: &str) -> Url {
    Url {
        path: path.into(),
        ..Url::default()
    }
}

fn check(urls: Vec<Url>) -> HttpCheck {
    HttpCheck {
        urls,
        ..HttpCheck::default()
    }
}

fn server() -> SocketAddr {
    "127.0.0.1:18080".parse().unwrap()
}

fn dialog(c: &HttpCheck) -> HttpDialog {
    HttpDialog::new(c, server(), None).unwrap()
}

/// Feeds `resp` in chunks of `chunk` bytes, then the close; the verdict.
fn run(d: &mut HttpDialog, resp: &[u8], chunk: usize) -> Verdict {
    d.reset();
    let n = d.pending().len();
    d.sent(n);
    assert!(d.pending().is_empty());
    for c in resp.chunks(chunk) {
        if let Step::Done(v) = d.received(c) {
            return v;
        }
    }
    match d.closed() {
        Step::Done(v) => v,
        Step::Continue => panic!("no verdict after close"),
    }
}

#[test]
fn request_is_keepalived_s_get() {
    let c = check(vec![url("/index.html")]);
    let d = dialog(&c);
    assert_eq!(
        d.pending(),
        b"GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:18080\r\n\r\n"
    );
}

#[test]
fn request_protocols_and_hosts() {
    let v6: SocketAddr = "[2001:db8::1]:8443".parse().unwrap();
    assert_eq!(
        request("/", HttpProtocol::V11, None, v6),
        "GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [2001:db8::1]:8443\r\n\r\n"
    );
    assert_eq!(
        request("/x", HttpProtocol::V10Close, Some("www.example.org"), server()),
        "GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.org\r\n\r\n"
    );
}

#[test]
fn virtualhost_precedence_url_then_checker_then_server() {
    let mut u1 = url("/a");
    u1.virtualhost = Some("url.example".into());
    let c = HttpCheck {
        urls: vec![u1, url("/b")],
        virtualhost: Some("checker.example".into()),
        ..HttpCheck::default()
    };
    let mut d = HttpDialog::new(&c, server(), Some("rs.example")).unwrap();
    assert!(String::from_utf8_lossy(d.pending()).contains("Host: url.example\r\n"));
    d.select(1);
    assert!(String::from_utf8_lossy(d.pending()).contains("Host: checker.example\r\n"));
    let c = check(vec![url("/")]);
    let d = HttpDialog::new(&c, server(), Some("rs.example")).unwrap();
    assert!(String::from_utf8_lossy(d.pending()).contains("Host: rs.example\r\n"));
}

#[test]
fn partial_send_leaves_the_rest_pending() {
    let c = check(vec![url("/index.html")]);
    let mut d = dialog(&c);
    let all = d.pending().to_vec();
    d.sent(10);
    assert_eq!(d.pending(), &all[10..]);
    d.reset();
    assert_eq!(d.pending(), &all[..]);
}

#[test]
fn python_answer_is_up_with_its_digest_whatever_the_chunking() {
    let mut u = url("/index.html");
    u.digest = Some(unhex(HELLO_MD5));
    let c = check(vec![u]);
    let mut d = dialog(&c);
    for chunk in [1, 2, 3, 7, 64, 4096] {
        assert_eq!(run(&mut d, PY_OK, chunk), Verdict::Up, "chunk {chunk}");
        assert_eq!(hex(d.digest().unwrap()), HELLO_MD5, "chunk {chunk}");
        assert_eq!(d.status(), 200);
    }
}

#[test]
fn success_kind_names_the_last_test_applied() {
    let mut u = url("/");
    assert_eq!(
        dialog(&check(vec![u.clone()])).success_kind(),
        "HTTP status code"
    );
    u.digest = Some([0; 16]);
    assert_eq!(dialog(&check(vec![u.clone()])).success_kind(), "MD5 digest");
    u.regex = Some("x".into());
    assert_eq!(dialog(&check(vec![u])).success_kind(), "Regex match");
}

#[test]
fn wrong_digest_is_down() {
    let mut u = url("/index.html");
    u.digest = Some([0; 16]);
    let mut d = dialog(&check(vec![u]));
    assert_eq!(run(&mut d, PY_OK, 100), Verdict::Down(Failure::Digest));
}

#[test]
fn status_404_is_down_by_default_and_up_when_listed() {
    let mut d = dialog(&check(vec![url("/nope")]));
    assert_eq!(run(&mut d, PY_404, 50), Verdict::Down(Failure::StatusCode));
    assert_eq!(d.status(), 404);
    let mut u = url("/nope");
    u.status_codes = vec![(200, 200), (400, 404)];
    let mut d = dialog(&check(vec![u]));
    assert_eq!(run(&mut d, PY_404, 50), Verdict::Up);
    // A listed code replaces the 200-299 default.
    let mut u = url("/index.html");
    u.status_codes = vec![(404, 404)];
    let mut d = dialog(&check(vec![u]));
    assert_eq!(run(&mut d, PY_OK, 50), Verdict::Down(Failure::StatusCode));
}

#[test]
fn status_and_digest_must_both_pass() {
    let mut u = url("/nope");
    u.status_codes = vec![(404, 404)];
    u.digest = Some(unhex(HELLO_MD5));
    let mut d = dialog(&check(vec![u]));
    assert_eq!(run(&mut d, PY_404, 50), Verdict::Down(Failure::Digest));
}

#[test]
fn nothing_or_no_header_end_is_no_data() {
    let mut d = dialog(&check(vec![url("/")]));
    d.hash_body();
    assert_eq!(run(&mut d, b"", 1), Verdict::Down(Failure::NoData));
    assert_eq!(
        run(&mut d, b"HTTP/1.0 200 OK\r\nServer: x\r\n", 5),
        Verdict::Down(Failure::NoData)
    );
    assert_eq!(d.digest(), None);
}

#[test]
fn oversized_header_fails_without_waiting_for_close() {
    let mut d = dialog(&check(vec![url("/")]));
    d.reset();
    let mut long = b"HTTP/1.0 200 OK\r\nX: ".to_vec();
    long.resize(MAX_HEADER + 10, b'a');
    assert_eq!(
        d.received(&long),
        Step::Done(Verdict::Down(Failure::HeaderTooLong))
    );
}

#[test]
fn body_is_hashed_up_to_content_length_and_done_there() {
    let mut d = dialog(&check(vec![url("/")]));
    d.hash_body();
    d.reset();
    let resp = b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\nhello world\ntrailing junk";
    assert_eq!(d.received(resp), Step::Done(Verdict::Up));
    assert_eq!(hex(d.digest().unwrap()), HELLO_MD5);
}

#[test]
fn without_content_length_the_body_runs_to_close() {
    let mut d = dialog(&check(vec![url("/")]));
    d.hash_body();
    d.reset();
    assert_eq!(d.received(b"HTTP/1.0 200 OK\r\n\r\nhello "), Step::Continue);
    assert_eq!(d.received(b"world\n"), Step::Continue);
    assert_eq!(d.closed(), Step::Done(Verdict::Up));
    assert_eq!(hex(d.digest().unwrap()), HELLO_MD5);
}

#[test]
fn empty_body_digest_is_md5_of_nothing() {
    let mut d = dialog(&check(vec![url("/")]));
    d.hash_body();
    assert_eq!(
        run(&mut d, b"HTTP/1.0 204 No Content\r\n\r\n", 4),
        Verdict::Up
    );
    assert_eq!(hex(d.digest().unwrap()), "d41d8cd98f00b204e9800998ecf8427e");
}

fn with_regex(p: &str) -> Url {
    let mut u = url("/");
    u.regex = Some(p.into());
    u
}

/// Feeds the response in the given pieces, then the close; the verdict.
fn run_parts(d: &mut HttpDialog, parts: &[&[u8]]) -> Verdict {
    d.reset();
    let n = d.pending().len();
    d.sent(n);
    for p in parts {
        if let Step::Done(v) = d.received(p) {
            return v;
        }
    }
    match d.closed() {
        Step::Done(v) => v,
        Step::Continue => panic!("no verdict after close"),
    }
}

#[test]
fn regex_matches_across_chunks_and_no_match_inverts_it() {
    let mut u = with_regex("wor\\.ld");
    let mut d = dialog(&check(vec![u.clone()]));
    let resp = b"HTTP/1.0 200 OK\r\n\r\nhello wowor.ld\n";
    for chunk in 1..8 {
        assert_eq!(run(&mut d, resp, chunk), Verdict::Up, "chunk {chunk}");
    }
    assert_eq!(run(&mut d, PY_OK, 3), Verdict::Down(Failure::Regex));
    u.regex_no_match = true;
    let mut d = dialog(&check(vec![u]));
    assert_eq!(run(&mut d, PY_OK, 3), Verdict::Up);
    assert_eq!(run(&mut d, resp, 3), Verdict::Down(Failure::Regex));
}

#[test]
fn classes_groups_and_repeats_match_the_body() {
    for (p, verdict) in [
        ("hel{2}o\\s+(?:world|earth)\\n", Verdict::Up),
        ("o w[aeiou]r", Verdict::Up),
        ("o w[^aeiou]r", Verdict::Down(Failure::Regex)),
        ("[A-Z]{5}", Verdict::Down(Failure::Regex)),
        ("(?i)[A-Z]{5} ", Verdict::Up),
    ] {
        let mut d = dialog(&check(vec![with_regex(p)]));
        for chunk in [1, 7, 4096] {
            assert_eq!(
                run(&mut d, PY_OK, chunk),
                verdict,
                "{p} in chunks of {chunk}"
            );
        }
    }
}

#[test]
fn a_match_still_open_when_the_response_ends_fails_as_in_keepalived() {
    // PCRE2's hard partial matching: `world$` and `wor\w*` reach the end of the last read and
    // might go on, and keepalived never asks again once the connection closes.
    let resp = b"HTTP/1.0 200 OK\r\n\r\nhello world";
    for p in ["world$", "wor\\w*", "d\\b"] {
        let mut d = dialog(&check(vec![with_regex(p)]));
        assert_eq!(run(&mut d, resp, 100), Verdict::Down(Failure::Regex), "{p}");
    }
    let mut d = dialog(&check(vec![with_regex("wor\\w+?")]));
    assert_eq!(run(&mut d, resp, 100), Verdict::Up);
}

#[test]
fn the_header_is_matched_when_body_bytes_come_in_its_read() {
    let (head, body): (&[u8], &[u8]) = (b"HTTP/1.0 200 OK\r\n\r\n", b"fail\n");
    let whole = [head, body].concat();
    let mut d = dialog(&check(vec![with_regex("OK")]));
    assert_eq!(run_parts(&mut d, &[&whole]), Verdict::Up);
    assert_eq!(
        run_parts(&mut d, &[head, body]),
        Verdict::Down(Failure::Regex)
    );
    let mut d = dialog(&check(vec![with_regex("(?mi)^Content-Type: text/html")]));
    assert_eq!(run(&mut d, PY_OK, 4096), Verdict::Up);
    // Byte by byte, the read that ends the header brings no body.
    assert_eq!(run(&mut d, PY_OK, 1), Verdict::Down(Failure::Regex));
    // Offsets count from the start of the response then.
    let mut u = with_regex("fail");
    u.regex_max_offset = Some(18);
    let mut d = dialog(&check(vec![u.clone()]));
    assert_eq!(run_parts(&mut d, &[&whole]), Verdict::Down(Failure::Regex));
    assert_eq!(run_parts(&mut d, &[head, body]), Verdict::Up);
    u.regex_max_offset = Some(19);
    let mut d = dialog(&check(vec![u]));
    assert_eq!(run_parts(&mut d, &[&whole]), Verdict::Up);
}

#[test]
fn regex_offsets_bound_where_a_match_may_start() {
    // "OK" at body offsets 0 and 10; the header comes alone, so offsets are the body's.
    let (head, body): (&[u8], &[u8]) = (b"HTTP/1.0 200 OK\r\n\r\n", b"OK........OK\n");
    let verdict = |min: Option<u32>, max: Option<u32>| {
        let mut u = with_regex("OK");
        u.regex_min_offset = min;
        u.regex_max_offset = max;
        run_parts(&mut dialog(&check(vec![u])), &[head, body])
    };
    assert_eq!(verdict(Some(1), None), Verdict::Up);
    assert_eq!(verdict(Some(10), None), Verdict::Up);
    assert_eq!(verdict(Some(11), None), Verdict::Down(Failure::Regex));
    // The max is the last offset a match may start at.
    assert_eq!(verdict(Some(1), Some(9)), Verdict::Down(Failure::Regex));
    assert_eq!(verdict(Some(1), Some(10)), Verdict::Up);
    assert_eq!(verdict(None, Some(0)), Verdict::Up);
}

#[test]
fn a_body_bigger_than_the_window_is_matched_read_by_read() {
    let mut resp = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
    resp.resize(20_000, b'x');
    resp.extend_from_slice(b"<b>MARK</b>\n");
    let mut d = dialog(&check(vec![with_regex("<b>M\\w+</b>")]));
    for chunk in [1, 1000, 4095, 4096, 70_000] {
        assert_eq!(run(&mut d, &resp, chunk), Verdict::Up, "chunk {chunk}");
    }
    // A partial match longer than the window is dropped, as keepalived drops it.
    let mut resp = b"HTTP/1.0 200 OK\r\n\r\n<b>".to_vec();
    resp.resize(10_000, b'x');
    resp.extend_from_slice(b"</b>\n");
    let mut d = dialog(&check(vec![with_regex("<b>x*</b>")]));
    assert_eq!(run(&mut d, &resp, 1000), Verdict::Down(Failure::Regex));
    let mut d = dialog(&check(vec![with_regex("x{100}</b>")]));
    assert_eq!(run(&mut d, &resp, 1000), Verdict::Up);
}

#[test]
fn a_check_with_a_regex_allocates_nothing() {
    use crate::core::alloc::Scope;
    let probe = Scope::new();
    drop(std::hint::black_box(vec![0u8; 16]));
    let counting = probe.allocs() > 0;
    let mut resp = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
    resp.resize(9_000, b'x');
    resp.extend_from_slice(b"status: up\n");
    let mut d = dialog(&check(vec![with_regex("(?i)status:\\s*(up|ok)\\b")]));
    assert_eq!(run(&mut d, &resp, 1500), Verdict::Up);
    let s = Scope::new();
    for chunk in [1, 1500, 65_536] {
        assert_eq!(run(&mut d, &resp, chunk), Verdict::Up);
    }
    assert!(!counting || s.allocs() == 0, "{} allocations", s.allocs());
}

#[test]
fn a_bad_regex_or_option_is_refused_by_name() {
    let mut u = with_regex("(ab");
    u.path = "/health".into();
    let e = HttpDialog::new(&check(vec![u.clone()]), server(), None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "url /health: Invalid regex: '(ab' at offset 3: missing closing parenthesis"
    );
    u.regex = Some("ok".into());
    u.regex_options = vec!["caseless".into(), "no_such_option".into()];
    assert!(HttpDialog::new(&check(vec![u.clone()]), server(), None).is_ok());
    u.regex_options = vec!["utf".into()];
    let e = HttpDialog::new(&check(vec![u]), server(), None).unwrap_err();
    assert!(
        e.to_string()
            .contains("regex_options 'utf' is not supported"),
        "{e}"
    );
}

#[test]
fn regex_options_change_the_match() {
    let mut u = with_regex("HELLO");
    let mut d = dialog(&check(vec![u.clone()]));
    assert_eq!(run(&mut d, PY_OK, 50), Verdict::Down(Failure::Regex));
    u.regex_options = vec!["caseless".into()];
    let mut d = dialog(&check(vec![u]));
    assert_eq!(run(&mut d, PY_OK, 50), Verdict::Up);
}

thread_local! {
    static SEEN: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn record(t: Trace<'_>) {
    let e = match t {
        Trace::HeaderChunk => "chunk".to_string(),
        Trace::Header(h) => format!("header {}", h.len()),
        Trace::Body { first, data } => format!("body {first} {:?}", String::from_utf8_lossy(data)),
        Trace::Digest(d) => format!("digest {}", hex(d)),
    };
    SEEN.with(|s| s.borrow_mut().push(e));
}

#[test]
fn tracer_sees_header_body_and_digest() {
    let mut d = dialog(&check(vec![url("/")]));
    d.set_tracer(record);
    d.reset();
    d.received(b"HTTP/1.0 200 OK\r\n\r");
    d.received(b"\nhello ");
    d.received(b"world\n");
    d.closed();
    let seen = SEEN.with(|s| s.take());
    assert_eq!(
        seen,
        [
            "chunk",
            "chunk",
            "header 19",
            "body true \"hello \"",
            "body false \"world\\n\"",
            &format!("digest {HELLO_MD5}"),
        ]
    );
    assert_eq!(d.header().unwrap(), b"HTTP/1.0 200 OK\r\n\r\n");
}

#[test]
fn web_dialog_host_is_rs_then_vs_and_ssl_needs_the_feature() {
    let c = check(vec![url("/")]);
    let tls: crate::check::checkers::TlsContext = Default::default();
    let w = WebDialog::new(&c, false, server(), Some("rs.test"), Some("vs.test"), &tls).unwrap();
    assert!(String::from_utf8_lossy(w.pending()).contains("Host: rs.test\r\n"));
    let w = WebDialog::new(&c, false, server(), None, Some("vs.test"), &tls).unwrap();
    assert!(String::from_utf8_lossy(w.pending()).contains("Host: vs.test\r\n"));
    let ssl = WebDialog::new(&c, true, server(), None, None, &tls);
    if cfg!(feature = "tls") {
        let mut w = ssl.unwrap();
        assert_eq!(w.http().path(), "/");
        // A TLS ClientHello (handshake record) goes first, not the GET.
        assert_eq!(w.pending().first(), Some(&0x16));
        assert_eq!(w.closed(), Step::Done(Verdict::Down(Failure::Handshake)));
    } else {
        let e = ssl.err().unwrap();
        assert!(e.contains("cargo feature tls"), "{e}");
    }
}

#[test]
fn an_http_checker_keeps_its_urls_in_no_more_than_they_need() {
    // Kept for the checker's life, 1,000 times over at 1,000 real servers: a url without a
    // regex is 64 bytes (the regex and its match stack boxed apart, the path read from the
    // request), and the dialog holds exactly its urls (a collected Vec kept room for 4: 744 B
    // more per checker).
    assert!(
        std::mem::size_of::<Target>() <= 64,
        "{}",
        std::mem::size_of::<Target>()
    );
    // The dialog is boxed: at most 240 bytes keeps it, with the allocator's 16-byte
    // header, in the 256-byte class, its one url inline. Without a digest it keeps no MD5
    // state.
    assert!(
        std::mem::size_of::<HttpDialog>() <= 240,
        "{}",
        std::mem::size_of::<HttpDialog>()
    );
}
