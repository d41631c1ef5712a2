use super::*;

fn settings(to: &[&str]) -> Settings {
    Settings {
        server: "192.0.2.25:25".parse().unwrap(),
        helo: "lb1.example.org".into(),
        from: "keepalived@lb1".into(),
        to: to.iter().map(|s| s.to_string()).collect(),
        timeout: Micros::from_secs(30),
        router_id: "lb1".into(),
        log_detail: false,
    }
}

fn mail() -> Mail {
    message::instance("lb1", "VI_1", message::VrrpState::Master)
}

const T0: Micros = Micros(1_000_000);

fn connected() -> Session {
    let mut s = Session::new(
        T0,
        Micros::from_secs(30),
        "Sun, 06 Dec 2026 09:00:00 +0000".into(),
    );
    assert_eq!(s.connected(T0), Note::Connected);
    s
}

/// Answers `reply` and takes what the session writes next.
fn say(s: &mut Session, st: &Settings, reply: &str) -> (Option<Note>, String) {
    let n = s.received(T0, reply.as_bytes(), st, &mail());
    let out = String::from_utf8_lossy(s.pending()).into_owned();
    let len = s.pending().len();
    s.sent(len);
    (n, out)
}

#[test]
fn a_whole_dialog_sends_keepalived_commands_in_order() {
    let st = settings(&["ops@example.org", "noc@example.org"]);
    let mut s = connected();
    assert_eq!(
        say(&mut s, &st, "220 mx ESMTP\r\n").1,
        "HELO lb1.example.org\r\n"
    );
    assert_eq!(
        say(&mut s, &st, "250 mx\r\n").1,
        "MAIL FROM:<keepalived@lb1>\r\n"
    );
    assert_eq!(
        say(&mut s, &st, "250 ok\r\n").1,
        "RCPT TO:<ops@example.org>\r\n"
    );
    assert_eq!(
        say(&mut s, &st, "250 ok\r\n").1,
        "RCPT TO:<noc@example.org>\r\n"
    );
    assert_eq!(say(&mut s, &st, "250 ok\r\n").1, "DATA\r\n");
    let (n, body) = say(&mut s, &st, "354 go\r\n");
    assert_eq!(n, None);
    assert_eq!(
        body,
        "Date: Sun, 06 Dec 2026 09:00:00 +0000\r\nFrom: keepalived@lb1\r\n\
         Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\n\
         To: ops@example.org, noc@example.org\r\n\r\n\
         => VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n"
    );
    assert_eq!(
        say(&mut s, &st, "250 queued\r\n"),
        (Some(Note::Sent), "QUIT\r\n".into())
    );
    assert!(!s.is_done());
    assert_eq!(say(&mut s, &st, "221 bye\r\n").0, None);
    assert!(s.is_done());
    assert_eq!(s.poll_at(), None);
}

#[test]
fn a_multi_line_reply_counts_at_its_last_line_even_split_across_reads() {
    let st = settings(&["a@b"]);
    let mut s = connected();
    assert_eq!(say(&mut s, &st, "220-mx wel").1, "");
    assert_eq!(say(&mut s, &st, "come\r\n220-more\r\n").1, "");
    assert_eq!(
        say(&mut s, &st, "220 ready\r\n").1,
        "HELO lb1.example.org\r\n"
    );
}

#[test]
fn a_wrong_code_is_logged_with_the_command_and_ends_with_quit() {
    let st = settings(&["a@b"]);
    let mut s = connected();
    assert_eq!(
        say(&mut s, &st, "554 go away\r\n"),
        (Some(Note::BadCode("(E)SMTP", 554)), "QUIT\r\n".into())
    );
    say(&mut s, &st, "221 bye\r\n");
    assert!(s.is_done());

    let mut s = connected();
    say(&mut s, &st, "220 mx\r\n");
    say(&mut s, &st, "250 mx\r\n");
    assert_eq!(
        say(&mut s, &st, "550 no such sender\r\n"),
        (Some(Note::BadCode("MAIL", 550)), "QUIT\r\n".into())
    );
}

#[test]
fn a_server_that_never_sends_its_banner_gets_quit_then_is_dropped() {
    let mut s = connected();
    let timeout = Micros::from_secs(30);
    assert_eq!(s.poll_at(), Some(T0 + timeout));
    assert_eq!(s.on_deadline(T0 + timeout - Micros(1)), None);
    assert_eq!(s.on_deadline(T0 + timeout), Some(Note::ReadTimeout));
    assert_eq!(s.pending(), b"QUIT\r\n");
    s.sent(6);
    let again = T0 + timeout + timeout;
    assert_eq!(s.poll_at(), Some(again));
    assert_eq!(s.on_deadline(again), Some(Note::ReadTimeout));
    assert!(s.is_done());
}

#[test]
fn a_connect_that_does_not_finish_times_out_once() {
    let mut s = Session::new(T0, Micros::from_secs(5), String::new());
    assert_eq!(
        s.on_deadline(T0 + Micros::from_secs(5)),
        Some(Note::ConnectTimeout)
    );
    assert!(s.is_done());
    assert_eq!(s.on_deadline(T0 + Micros::from_secs(99)), None);
}

#[test]
fn a_reply_line_longer_than_the_buffer_ends_the_dialog_with_quit() {
    let st = settings(&["a@b"]);
    let mut s = connected();
    let long = "2".repeat(LINE_MAX + 1);
    assert_eq!(
        say(&mut s, &st, &long),
        (Some(Note::Overflow), "QUIT\r\n".into())
    );
}

#[test]
fn the_server_closing_ends_the_session_once() {
    let mut s = connected();
    assert_eq!(s.closed(), Some(Note::Closed));
    assert_eq!(s.closed(), None);
}

#[test]
fn each_reply_restarts_the_timeout() {
    let st = settings(&["a@b"]);
    let mut s = connected();
    let later = T0 + Micros::from_secs(20);
    s.received(later, b"220 mx\r\n", &st, &mail());
    assert_eq!(s.poll_at(), Some(later + Micros::from_secs(30)));
}
