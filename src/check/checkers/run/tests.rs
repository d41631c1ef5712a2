//! The runner against real sockets on loopback, with a virtual-server config and a recording
//! sink. The first run is 1 s after start (keepalived's bootstrap delay), so each test takes
//! a little over a second.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};

use super::*;
use crate::config::lvs::{check, parse_top};
use crate::config::reader::tree_from_str;
use crate::config::Diagnostics;

#[derive(Default)]
struct Record {
    changes: Vec<(CheckerId, bool)>,
}

impl Sink for Record {
    fn checker_state(&mut self, id: CheckerId, up: bool, why: Why) {
        // Only changes: a first failure of a checker that started down is none.
        if why != Why::FirstDown {
            self.changes.push((id, up));
        }
    }
    fn weight_changed(&mut self, _id: CheckerId, _weight: i64) {}
}

pub(super) fn config(text: &str) -> Config {
    let mut d = Diagnostics::new();
    let mut cfg = Config::default();
    for n in &tree_from_str(text, 0, &mut d) {
        parse_top(n, &mut cfg, &mut d);
    }
    check(&mut cfg, &mut d);
    assert!(!d.has_errors(), "{d}");
    cfg
}

/// Runs the loop until `n` changes are recorded or 5 s pass.
fn drive(r: &mut Runner, lp: &mut EventLoop, sink: &mut Record, n: usize, mut tick: impl FnMut()) {
    let until = Micros::now() + Micros::from_secs(5);
    lp.add_timer(Micros::from_millis(10), 3);
    while sink.changes.len() < n && Micros::now() < until {
        lp.run_once(|lp, ev| match ev {
            crate::core::event_loop::Event::Io {
                token,
                readable,
                writable,
                closed,
            } => {
                r.on_io(lp, token, (readable, writable, closed), sink);
            }
            crate::core::event_loop::Event::Timer { id, token }
                if !r.on_timer(lp, id, token, sink) =>
            {
                tick();
                lp.add_timer(Micros::from_millis(10), 3);
            }
            _ => {}
        })
        .expect("loop");
    }
}

/// A test protocol: say "ping", expect a line starting "pong".
struct PingPong {
    out: &'static [u8],
    got: Vec<u8>,
}

impl Dialog for PingPong {
    fn reset(&mut self) {
        self.out = b"ping\n";
        self.got.clear();
    }
    fn pending(&self) -> &[u8] {
        self.out
    }
    fn sent(&mut self, n: usize) {
        self.out = &self.out[n..];
    }
    fn received(&mut self, data: &[u8]) -> Step {
        self.got.extend_from_slice(data);
        if self.got.len() < 4 {
            return Step::Continue;
        }
        Step::Done(if self.got.starts_with(b"pong") {
            Verdict::Up
        } else {
            Verdict::Down(Failure::ReplyMismatch)
        })
    }
    fn closed(&mut self) -> Step {
        Step::Done(Verdict::Down(Failure::Failed))
    }
}

fn pingpong(_c: &Checker, _t: &Target<'_>) -> Option<(Kind, Box<dyn Dialog>, &'static str)> {
    let d = PingPong {
        out: b"",
        got: Vec::new(),
    };
    Some((Kind::Tcp, Box::new(d), "SMTP_CHECK"))
}

#[test]
fn a_stream_dialog_and_a_bare_connect_pass_and_a_wrong_answer_fails() {
    let good = TcpListener::bind("127.0.0.1:0").expect("bind");
    let bad = TcpListener::bind("127.0.0.1:0").expect("bind");
    let (gp, bp) = (
        good.local_addr().expect("addr").port(),
        bad.local_addr().expect("addr").port(),
    );
    good.set_nonblocking(true).expect("nb");
    bad.set_nonblocking(true).expect("nb");
    let cfg = config(&format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 {gp} {{\n SMTP_CHECK {{\n warmup 0\n }}\n TCP_CHECK {{\n warmup 0\n }}\n }}\n \\
         real_server 127.0.0.1 {bp} {{\n SMTP_CHECK {{\n warmup 0\n }}\n }}\n}}\n"
    ));
    let (mut lp, mut r, mut sink) = started(&cfg, Runner::with_dialogs(&cfg, pingpong));
    // The servers live on the runner's own thread: they must never block, or a bare connect the
    // runner has not closed yet (or a dialog it has not written to yet) would hang the test.
    let mut peers: Vec<(std::net::TcpStream, Vec<u8>, &[u8], bool)> = Vec::new();
    let mut accepted = [0usize; 2];
    drive(&mut r, &mut lp, &mut sink, 1, || {
        for (k, (l, answer)) in [(&good, b"pong\n"), (&bad, b"nope\n")]
            .into_iter()
            .enumerate()
        {
            while let Ok((c, _)) = l.accept() {
                c.set_nonblocking(true).expect("nb");
                accepted[k] += 1;
                peers.push((c, Vec::new(), answer, false));
            }
        }
        for (c, got, answer, done) in peers.iter_mut().filter(|p| !p.3) {
            let mut b = [0u8; 16];
            if let Ok(n) = c.read(&mut b) {
                got.extend_from_slice(&b[..n]);
            }
            if got.starts_with(b"ping\n") {
                let _ = c.write_all(answer);
                *done = true;
            }
        }
    });
    // Only the wrong answer changes anything: the others were up from the start.
    assert_eq!(
        sink.changes,
        vec![(
            CheckerId {
                vs: 0,
                rs: 1,
                ck: 0
            },
            false
        )]
    );
    assert!(
        r.slots.iter().all(|s| s.sched.has_run()),
        "every checker ran"
    );
    assert!(
        accepted[0] >= 1 && accepted[1] >= 1,
        "both servers were called: {accepted:?}"
    );
}

/// A test protocol whose server speaks first, as SMTP's does: a line starting "220" passes.
struct Greeted;

impl Dialog for Greeted {
    fn reset(&mut self) {}
    fn pending(&self) -> &[u8] {
        b""
    }
    fn sent(&mut self, _n: usize) {}
    fn received(&mut self, data: &[u8]) -> Step {
        Step::Done(if data.starts_with(b"220") {
            Verdict::Up
        } else {
            Verdict::Down(Failure::ReplyMismatch)
        })
    }
    fn closed(&mut self) -> Step {
        Step::Done(Verdict::Down(Failure::Failed))
    }
}

fn greeted(_c: &Checker, _t: &Target<'_>) -> Option<(Kind, Box<dyn Dialog>, &'static str)> {
    Some((Kind::Tcp, Box::new(Greeted), "SMTP_CHECK"))
}

/// Runs the loop until slot 0 has a result or `within` passes.
fn until_checked(r: &mut Runner, lp: &mut EventLoop, sink: &mut Record, within: Micros) {
    run_until(r, lp, sink, within, |r| r.slots[0].sched.has_run());
}

/// Runs the loop until `done` or `within` passes.
fn run_until(
    r: &mut Runner,
    lp: &mut EventLoop,
    sink: &mut Record,
    within: Micros,
    done: impl Fn(&Runner) -> bool,
) {
    let until = Micros::now() + within;
    lp.add_timer(within, 3);
    while !done(r) && Micros::now() < until {
        lp.run_once(|lp, ev| match ev {
            crate::core::event_loop::Event::Io {
                token,
                readable,
                writable,
                closed,
            } => {
                r.on_io(lp, token, (readable, writable, closed), sink);
            }
            crate::core::event_loop::Event::Timer { id, token } => {
                r.on_timer(lp, id, token, sink);
            }
            _ => {}
        })
        .expect("loop");
    }
}

#[test]
fn a_banner_that_arrives_with_the_connect_is_read_at_once() {
    // The socket is watched both ways from its open, so the connect's event also carries the
    // readable edge of a banner already there; no other event comes for it, and a check that
    // only reads on the next edge waits for its connect_timeout (checkers_proto's SMTP lab,
    // 2 runs in 3 before this).
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let cfg = config(&format!(
        "virtual_server 127.0.0.1 25 {{\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 {port} {{\n SMTP_CHECK {{\n warmup 0\n connect_timeout 2\n }}\n }}\n}}\n"
    ));
    let (mut lp, mut r, mut sink) = started(&cfg, Runner::with_dialogs(&cfg, greeted));
    // The check now, not after the bootstrap delay; a loopback connect is in the listen
    // queue by the time connect returns.
    r.exec(&mut lp, 0, Cmd::Begin, &mut sink);
    assert_eq!(r.slots[0].phase, Phase::Connecting);
    let (mut c, _) = l.accept().expect("accept");
    c.write_all(b"220 mail.test ready\r\n").expect("banner");
    until_checked(&mut r, &mut lp, &mut sink, Micros::from_secs(1));
    let s = &r.slots[0];
    assert!(s.sched.has_run(), "no result 1 s in: phase {:?}", s.phase);
    assert!(s.sched.is_up());
    assert!(sink.changes.is_empty(), "{:?}", sink.changes);
}

#[test]
fn an_event_of_a_slots_previous_socket_does_not_advance_its_next_check() {
    // A socket closed while a forked script still holds a copy of its descriptor stays in
    // epoll, under the token it was registered with; the slot's next socket may get the same
    // fd number. The old socket's events must not pass for the new one's. (SMTP_CHECK of two
    // hosts: a socket per host and check; a checker of one host keeps its socket.)
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let cfg = config(&format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 {port} {{\n SMTP_CHECK {{\n warmup 0\n \\
         host {{\n connect_ip 127.0.0.1\n connect_port {port}\n }}\n \\
         host {{\n connect_ip 127.0.0.1\n connect_port {port}\n }}\n }}\n }}\n}}\n"
    ));
    let (mut lp, mut r, mut sink) = started(&cfg, Runner::new(&cfg));
    r.exec(&mut lp, 0, Cmd::Begin, &mut sink);
    let old = io_token(0, r.slots[0].gen);
    r.exec(&mut lp, 0, Cmd::Finish(Ok(())), &mut sink);
    assert_eq!(r.slots[0].phase, Phase::Idle);
    r.exec(&mut lp, 0, Cmd::Begin, &mut sink);
    assert_eq!(r.slots[0].phase, Phase::Connecting);
    let new = io_token(0, r.slots[0].gen);
    assert_ne!(old, new);
    // The old socket connected (writable, no error): nothing for the new one.
    assert!(r.on_io(&mut lp, old, (false, true, false), &mut sink));
    assert_eq!(r.slots[0].phase, Phase::Connecting);
    // The same event under the new socket's token is its connect.
    assert!(r.on_io(&mut lp, new, (false, true, false), &mut sink));
    assert_eq!(r.slots[0].phase, Phase::Talking);
    // Past 255 sockets the generation wraps, the token stays the slot's.
    assert_eq!(slot_of(io_token(0, u8::MAX)), Some((0, u8::MAX)));
    assert_eq!(slot_of(io_token(0, u8::MAX.wrapping_add(1))), Some((0, 0)));
    assert_eq!(slot_of(TOKEN_BASE - 1), None);
}

#[test]
fn a_tcp_check_keeps_its_socket_and_connects_it_again() {
    // Each check is a connect of the same socket, reset at its end: the server sees a new
    // connection each time, each one reset (no TIME_WAIT left here), and a refused connect
    // on the kept socket is a failed check like any other.
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let cfg = config(&format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 {port} {{\n TCP_CHECK {{\n warmup 0\n retry 0\n }}\n }}\n}}\n"
    ));
    let (mut lp, mut r, mut sink) = started(&cfg, Runner::new(&cfg));
    let fd = one_socket_for(3, &mut r, &mut lp, &mut sink, |n| {
        let (mut c, _) = l.accept().expect("accept");
        // The reset arrives as one (a read that times out instead fails the test).
        c.set_read_timeout(Some(std::time::Duration::from_secs(1)))
            .expect("timeout");
        let mut b = [0u8; 1];
        let e = c.read(&mut b).expect_err("reset");
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "check {n}");
    });
    // Nobody listening: the kept socket's connect is refused, the check fails.
    drop(l);
    r.exec(&mut lp, 0, Cmd::Begin, &mut sink);
    until_idle(&mut r, &mut lp, &mut sink);
    assert!(!r.slots[0].sched.is_up());
    assert_eq!(r.slots[0].sock.as_ref().map(|f| f.as_raw_fd()), fd);
}

#[test]
fn an_http_check_keeps_its_socket_too() {
    // As TCP_CHECK's: each check connects the same socket, asks, and resets it once the
    // answer is in (the server reads the reset where it would read the close).
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let cfg = config(&format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 {port} {{\n HTTP_GET {{\n url {{\n path /\n status_code 200\n }}\n \\
         warmup 0\n retry 0\n }}\n }}\n}}\n"
    ));
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let (mut c, _) = l.accept().expect("accept");
            c.set_read_timeout(Some(std::time::Duration::from_secs(1)))
                .expect("timeout");
            let mut b = [0u8; 1024];
            let n = c.read(&mut b).expect("request");
            let asked = b[..n].starts_with(b"GET / HTTP/1.");
            c.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .expect("answer");
            seen.push((asked, c.read(&mut b).map_err(|e| e.kind())));
        }
        seen
    });
    let (mut lp, mut r, mut sink) = started(&cfg, Runner::new(&cfg));
    one_socket_for(3, &mut r, &mut lp, &mut sink, |_| {});
    let seen = server.join().expect("server");
    let reset = Err(std::io::ErrorKind::ConnectionReset);
    assert_eq!(seen, vec![(true, reset); 3]);
}

/// Runs `n` passing checks of slot 0 one after the other (`after` each: the test's side of
/// it) and asserts that all used one socket; returns its fd.
fn one_socket_for(
    n: usize,
    r: &mut Runner,
    lp: &mut EventLoop,
    sink: &mut Record,
    mut after: impl FnMut(usize),
) -> Option<std::os::fd::RawFd> {
    let mut fds = Vec::new();
    for k in 1..=n {
        r.exec(lp, 0, Cmd::Begin, sink);
        assert_eq!(r.slots[0].phase, Phase::Connecting, "check {k}");
        until_idle(r, lp, sink);
        assert!(r.slots[0].sched.is_up(), "check {k}");
        after(k);
        fds.push(r.slots[0].sock.as_ref().map(|f| f.as_raw_fd()));
    }
    assert!(fds[0].is_some());
    assert!(fds.iter().all(|f| *f == fds[0]), "{fds:?}");
    fds[0]
}

/// `r` started on a new loop, reporting to a new sink.
fn started(cfg: &Config, mut r: Runner) -> (EventLoop, Runner, Record) {
    let mut lp = EventLoop::with_signals(&[]).expect("loop");
    let mut sink = Record::default();
    r.start(&mut lp, cfg, &mut sink);
    (lp, r, sink)
}

/// Runs the loop until slot 0's check ends (1 s at most).
fn until_idle(r: &mut Runner, lp: &mut EventLoop, sink: &mut Record) {
    run_until(r, lp, sink, Micros::from_secs(1), |r| {
        r.slots[0].phase == Phase::Idle
    });
}

#[test]
fn udp_check_needs_the_reply_it_requires() {
    let server = UdpSocket::bind("127.0.0.1:0").expect("bind");
    server.set_nonblocking(true).expect("nb");
    let port = server.local_addr().expect("addr").port();
    let cfg = config(&format!(
        "virtual_server 127.0.0.1 53 {{\n protocol UDP\n delay_loop 10\n \\
         real_server 127.0.0.1 {port} {{\n UDP_CHECK {{\n warmup 0\n payload 01 02\n require_reply 0a XX\n }}\n }}\n}}\n"
    ));
    let mut lp = EventLoop::with_signals(&[]).expect("loop");
    let mut r = Runner::new(&cfg);
    let mut sink = Record::default();
    // alpha-less checkers start up: make the first answer wrong, then right.
    let mut answers = vec![[0x0a, 0x77], [0x0b, 0x00]];
    r.start(&mut lp, &cfg, &mut sink);
    let mut seen = Vec::new();
    drive(&mut r, &mut lp, &mut sink, 1, || {
        let mut b = [0u8; 16];
        if let Ok((n, from)) = server.recv_from(&mut b) {
            seen.push(b[..n].to_vec());
            if let Some(a) = answers.pop() {
                let _ = server.send_to(&a, from);
            }
        }
    });
    assert_eq!(seen.first(), Some(&vec![1u8, 2]));
    assert_eq!(
        sink.changes,
        vec![(
            CheckerId {
                vs: 0,
                rs: 0,
                ck: 0
            },
            false
        )]
    );
    // Down now: the next check passes with the wildcard reply.
    let at = lp.now() + Micros(1);
    r.dues.set(&mut lp, 0, at);
    drive(&mut r, &mut lp, &mut sink, 2, || {
        let mut b = [0u8; 16];
        if let Ok((_, from)) = server.recv_from(&mut b) {
            if let Some(a) = answers.pop() {
                let _ = server.send_to(&a, from);
            }
        }
    });
    assert_eq!(
        sink.changes[1],
        (
            CheckerId {
                vs: 0,
                rs: 0,
                ck: 0
            },
            true
        )
    );
}

#[test]
fn protocol_checkers_get_their_dialogs_and_ssl_get_needs_the_tls_feature() {
    let cfg = config(
        "virtual_server 127.0.0.1 80 {\n protocol TCP\n \
         real_server 127.0.0.1 80 {\n HTTP_GET {\n url {\n path /\n }\n }\n \
         SSL_GET {\n url {\n path /\n }\n }\n SMTP_CHECK {\n }\n \
         DNS_CHECK {\n name lb.test\n }\n TCP_CHECK {\n }\n }\n}\n",
    );
    let rs = &cfg.lvs.virtual_servers[0].real_servers[0];
    let t = Target {
        dst: "127.0.0.1:80".parse().expect("addr"),
        rs_vhost: None,
        vs_vhost: None,
        rs: &"[127.0.0.1]:tcp:80",
        tls: &Default::default(),
    };
    let made: Vec<_> = rs
        .checkers
        .iter()
        .map(|c| protocol_dialog(c, &t).map(|(kind, _, name)| (kind, name)))
        .collect();
    let ssl = cfg!(feature = "tls").then_some((Kind::Tcp, "SSL_GET"));
    assert_eq!(
        made,
        vec![
            Some((Kind::Tcp, "HTTP_GET")),
            ssl,
            Some((Kind::Tcp, "SMTP_CHECK")),
            Some((Kind::Udp, "DNS_CHECK")),
            None,
        ]
    );
}

/// Bytes the sponge took in, and the most it took in during one loop event.
static SOAKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A test protocol that sends nothing and takes in whatever comes, never done.
struct Sponge;

impl Dialog for Sponge {
    fn reset(&mut self) {}
    fn pending(&self) -> &[u8] {
        b""
    }
    fn sent(&mut self, _n: usize) {}
    fn received(&mut self, data: &[u8]) -> Step {
        SOAKED.fetch_add(data.len(), std::sync::atomic::Ordering::SeqCst);
        Step::Continue
    }
    fn closed(&mut self) -> Step {
        Step::Done(Verdict::Down(Failure::Failed))
    }
}

fn sponge(_c: &Checker, _t: &Target<'_>) -> Option<(Kind, Box<dyn Dialog>, &'static str)> {
    Some((Kind::Tcp, Box::new(Sponge), "SMTP_CHECK"))
}

#[test]
fn a_peer_that_floods_is_read_a_bounded_amount_per_loop_turn_and_all_of_it_in_the_end() {
    use std::sync::atomic::Ordering::SeqCst;
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.set_nonblocking(true).expect("nb");
    let port = l.local_addr().expect("addr").port();
    let cfg = config(&format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 {port} {{\n SMTP_CHECK {{\n warmup 0\n connect_timeout 5\n }}\n }}\n}}\n"
    ));
    let (mut lp, mut r, mut sink) = started(&cfg, Runner::with_dialogs(&cfg, sponge));
    let (mut conn, mut written, mut most) = (None, 0usize, 0usize);
    let until = Micros::now() + Micros::from_secs(5);
    lp.add_timer(Micros::from_millis(10), 3);
    // Until the peer has written its burst and the checker has taken in all of it.
    while (written == 0 || SOAKED.load(SeqCst) < written) && Micros::now() < until {
        lp.run_once(|lp, ev| match ev {
            crate::core::event_loop::Event::Io {
                token,
                readable,
                writable,
                closed,
            } => {
                let before = SOAKED.load(SeqCst);
                r.on_io(lp, token, (readable, writable, closed), &mut sink);
                most = most.max(SOAKED.load(SeqCst) - before);
            }
            crate::core::event_loop::Event::Timer { id, token }
                if !r.on_timer(lp, id, token, &mut sink) =>
            {
                if conn.is_none() {
                    if let Ok((mut c, _)) = l.accept() {
                        // As much as the two socket buffers hold, delivered before the
                        // checker's next turn: more than one turn may read.
                        c.set_nonblocking(true).expect("nb");
                        let chunk = [b'z'; 4096];
                        while let Ok(n) = c.write(&chunk) {
                            written += n;
                        }
                        conn = Some(c);
                    }
                }
                lp.add_timer(Micros::from_millis(10), 3);
            }
            _ => {}
        })
        .expect("loop");
    }
    assert!(
        written > 2 * READS_PER_WAKE * RX_LEN,
        "the peer only got {written} bytes out"
    );
    assert_eq!(SOAKED.load(SeqCst), written, "every byte read in the end");
    assert!(
        most <= READS_PER_WAKE * RX_LEN,
        "{most} bytes read in one turn of the loop"
    );
    assert!(sink.changes.is_empty(), "{:?}", sink.changes);
}

#[test]
fn a_checker_costs_at_most_its_slot_and_dialog_while_idle() {
    // 1,000 real servers are 1,000 slots, in one block the checker child keeps for its life
    // (tests/bench/checkers_vm.sh prints its RSS). A reload's key is made when needed, not
    // kept (a copy of the checker's whole config block).
    let slot = std::mem::size_of::<Slot>();
    assert!(slot <= 480, "Slot is {slot} bytes");
    // The config is kept in every process: a real server's one checker and an HTTP_GET's
    // one url, not room for four of each (840 + 528 B).
    let cfg = config(
        "virtual_server 127.0.0.1 80 {\n protocol TCP\n \
         real_server 127.0.0.1 80 {\n HTTP_GET {\n url {\n path /\n }\n }\n }\n}\n",
    );
    let rs = &cfg.lvs.virtual_servers[0].real_servers[0];
    assert_eq!(rs.checkers.capacity(), 1);
    let CheckerKind::Http(h) = &rs.checkers[0].kind else {
        panic!("an HTTP_GET")
    };
    assert_eq!(h.urls.capacity(), 1);
}
