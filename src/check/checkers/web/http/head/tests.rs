use super::*;

/// How the header reads when it is all in one buffer: the code between the first space of the
/// text before the first CR and the next space (or that text's end).
fn status_whole(head: &[u8]) -> u16 {
    let line = head.split(|&b| b == b'\r').next().unwrap_or(&[]);
    let Some(sp) = line.iter().position(|&b| b == b' ') else {
        return 0;
    };
    let rest = &line[sp + 1..];
    let code = rest.get(..3).unwrap_or(&[]);
    let ends = matches!(rest.get(3), None | Some(b' '));
    if code.len() == 3 && code.iter().all(u8::is_ascii_digit) && ends {
        code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'))
    } else {
        0
    }
}

/// The same for Content-Length: the first line after the status line whose name is
/// Content-Length (any case) and whose value is a number.
fn content_length_whole(head: &[u8]) -> Option<u64> {
    head.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        if !line[..colon].eq_ignore_ascii_case(b"content-length") {
            return None;
        }
        let v = std::str::from_utf8(&line[colon + 1..]).ok()?.trim();
        v.parse().ok()
    })
}

/// Feeds `text` in chunks of `chunk` bytes; the outcome and where the body starts in `text`.
fn feed(h: &mut Head, text: &[u8], chunk: usize) -> (Fed, usize) {
    h.reset();
    let mut at = 0;
    for c in text.chunks(chunk) {
        match h.feed(c) {
            Fed::More => at += c.len(),
            Fed::End(i) => return (Fed::End(i), at + i),
            Fed::TooLong => return (Fed::TooLong, h.seen()),
        }
    }
    (Fed::More, at)
}

fn parsed(text: &[u8], chunk: usize) -> (u16, Option<u64>, usize) {
    let mut h = Head::default();
    let (fed, body) = feed(&mut h, text, chunk);
    assert!(
        matches!(fed, Fed::End(_)),
        "{:?}",
        String::from_utf8_lossy(text)
    );
    assert_eq!(h.seen(), body);
    (h.status(), h.content_length(), body)
}

#[test]
fn status_line_forms() {
    let s = |t: &[u8]| parsed(t, 3).0;
    assert_eq!(s(b"HTTP/1.0 200 OK\r\n\r\n"), 200);
    assert_eq!(s(b"HTTP/1.1 503\r\n\r\n"), 503);
    assert_eq!(s(b"HTTP/1.1 2000 OK\r\n\r\n"), 0);
    assert_eq!(s(b"HTTP/1.1 20 OK\r\n\r\n"), 0);
    assert_eq!(s(b"HTTP/1.1  200 OK\r\n\r\n"), 0);
    assert_eq!(s(b"garbage\r\n\r\n"), 0);
}

#[test]
fn content_length_forms() {
    let c = |t: &[u8]| parsed(t, 2).1;
    assert_eq!(
        c(b"HTTP/1.0 200 OK\r\nContent-Length:  335 \r\n\r\n"),
        Some(335)
    );
    assert_eq!(c(b"HTTP/1.0 200 OK\r\ncontent-LENGTH:7\r\n\r\n"), Some(7));
    assert_eq!(c(b"HTTP/1.0 200 OK\r\nContent-Length: x\r\n\r\n"), None);
    // The first one that is a number counts.
    assert_eq!(
        c(b"HTTP/1.0 200 OK\r\nContent-Length: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"),
        Some(4)
    );
    // Only header lines count, not the status line.
    assert_eq!(c(b"Content-Length: 3\r\n\r\n"), None);
    assert_eq!(c(b"HTTP/1.0 200 OK\r\nContent-Lengthy: 3\r\n\r\n"), None);
    // A value longer than VALUE_MAX bytes is no number (a whole-header reading would take
    // these 43 leading zeros): the one place where streaming reads differently.
    let zeros = format!("HTTP/1.0 200 OK\r\nContent-Length: {:0>44}\r\n\r\n", 9);
    assert_eq!(c(zeros.as_bytes()), None);
}

#[test]
fn the_header_ends_at_its_blank_line_or_is_too_long() {
    let text = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody\r\n\r\n";
    for chunk in 1..text.len() {
        assert_eq!(parsed(text, chunk).2, 30, "chunk {chunk}");
    }
    // Lone LFs and CRs do not end it.
    let mut h = Head::default();
    assert_eq!(feed(&mut h, b"HTTP/1.0 200 OK\n\n\r\r\n\r", 1).0, Fed::More);
    let mut long = b"HTTP/1.0 200 OK\r\nX: ".to_vec();
    long.resize(MAX_HEADER + 10, b'a');
    assert_eq!(feed(&mut h, &long, 1000), (Fed::TooLong, MAX_HEADER));
    // A blank line that ends exactly at the limit still ends the header.
    long.truncate(MAX_HEADER - 4);
    long.extend_from_slice(b"\r\n\r\nrest");
    assert_eq!(feed(&mut h, &long, 999), (Fed::End(100), MAX_HEADER));
}

/// A small deterministic generator: headers built from pieces that stress each rule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 33) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a [u8]]) -> &'a [u8] {
        from[self.next() % from.len()]
    }
}

#[test]
fn streaming_reads_every_header_as_the_whole_header_reads() {
    let firsts: &[&[u8]] = &[
        b"HTTP/1.1 200 OK",
        b"HTTP/1.0 404 Not Found",
        b"HTTP/1.1 503",
        b"HTTP/1.1 2000 X",
        b"HTTP/1.1 20",
        b"HTTP/1.1  200 OK",
        b"HTTP/1.1 200\nX",
        b"HTTP/1.1 2x0 OK",
        b"ICY 200 OK",
        b"garbage",
        b"",
    ];
    let lines: &[&[u8]] = &[
        b"Content-Length: 12",
        b"content-length:5",
        b"CONTENT-LENGTH: \t 77 \t",
        b"Content-Length: x",
        b"Content-Length: +9",
        b"Content-Length: -1",
        b"Content-Length: 18446744073709551616",
        b"Content-Length: 00000000000000000000000042",
        b"Content-Lengt: 3",
        b"Content-Length : 3",
        b"X-Content-Length: 3",
        b"Server: python",
        b"Date: Mon, 30 Nov 2026 06:00:00 GMT",
        b"Content-Length: \xc3\xa9",
        b"A: b\nContent-Length: 6",
        b"",
    ];
    let ends: &[&[u8]] = &[b"\r\n", b"\n", b"\r"];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let mut text = rng.pick(firsts).to_vec();
        text.extend_from_slice(rng.pick(ends));
        for _ in 0..rng.next() % 5 {
            text.extend_from_slice(rng.pick(lines));
            text.extend_from_slice(rng.pick(ends));
        }
        text.extend_from_slice(b"\r\n\r\nbody");
        let whole_end = text.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = &text[..whole_end];
        let chunk = 1 + rng.next() % 16;
        let (status, len, end) = parsed(&text, chunk);
        let shown = String::from_utf8_lossy(head);
        assert_eq!(end, whole_end, "{shown:?}");
        assert_eq!(status, status_whole(head), "{shown:?}");
        assert_eq!(len, content_length_whole(head), "{shown:?}");
    }
}
