//! The phase machine without a loop: each decision from a slot's state and an event, the
//! clock a plain number.

use std::net::UdpSocket;
use std::os::fd::OwnedFd;

use super::super::tests::config;
use super::*;

/// The states the sink hears, in order.
#[derive(Default)]
struct Heard(Vec<(bool, Why)>);

impl Sink for Heard {
    fn checker_state(&mut self, _id: CheckerId, up: bool, why: Why) {
        self.0.push((up, why));
    }
    fn weight_changed(&mut self, _id: CheckerId, _weight: i64) {}
}

/// One real server 127.0.0.1:8080 with `check`, delay_loop 10, connect_timeout 3.
fn runner(check: &str) -> Runner {
    Runner::new(&config(&format!(
        "virtual_server 127.0.0.1 80 {{\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 8080 {{\n {check} {{\n warmup 0\n connect_timeout 3\n }}\n }}\n}}\n"
    )))
}

#[test]
fn a_checker_starts_after_the_bootstrap_delay_and_a_share_of_warmup_active_unless_suspended() {
    let mut r = Runner::new(&config(
        "virtual_server 127.0.0.1 80 {\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 8080 {\n TCP_CHECK {\n warmup 4\n }\n }\n}\n",
    ));
    let s = &mut r.slots[0];
    assert_eq!(s.activate(None, 0), Cmd::Arm(Micros::from_secs(1)));
    assert!(s.enabled);
    assert_eq!(
        s.activate(Some(false), u32::MAX),
        Cmd::Arm(Micros::from_secs(5))
    );
    assert!(!s.enabled);
    assert_eq!(
        s.activate(Some(true), u32::MAX / 2),
        Cmd::Arm(Micros::from_secs(3) - Micros(1))
    );
    assert!(s.enabled);
}

#[test]
fn a_tcp_check_opens_connects_and_ends_on_writable_or_on_its_timer() {
    let mut r = runner("TCP_CHECK");
    let s = &mut r.slots[0];
    assert_eq!(s.timer_fired(), Cmd::Begin);
    assert_eq!(s.begin(None), Cmd::Open(Kind::Tcp, Interest::WRITABLE));
    assert_eq!(s.opened(Kind::Tcp), Micros::from_secs(3));
    assert_eq!(s.phase, Phase::Connecting);
    // Connected: a bare connect is the check; an SO_ERROR fails it; so does the timer.
    assert_eq!(s.connected(false, false), Cmd::Finish(Ok(())));
    assert_eq!(s.connected(true, false), Cmd::Finish(Err(Failure::Failed)));
    assert_eq!(s.timer_fired(), Cmd::Finish(Err(Failure::Timeout)));
    // Up from the start: a pass reports nothing new and runs again after delay_loop.
    let Cmd::Done(d) = s.conclude(Ok(())) else {
        panic!("a result")
    };
    assert_eq!(s.phase, Phase::Idle);
    assert!(d.first && d.was_up);
    assert_eq!(d.next, Some(Micros::from_secs(10)));
    assert_eq!(s.timer_fired(), Cmd::Begin);
}

#[test]
fn a_stream_dialog_talks_once_connected_and_its_timeout_is_a_read_timeout() {
    let mut r = runner("SMTP_CHECK");
    let s = &mut r.slots[0];
    let both = Interest::READABLE | Interest::WRITABLE;
    assert_eq!(s.begin(None), Cmd::Open(Kind::Tcp, both));
    s.opened(Kind::Tcp);
    assert_eq!(s.timer_fired(), Cmd::Finish(Err(Failure::Timeout)));
    assert_eq!(s.connected(false, false), Cmd::Talk { read: false });
    assert_eq!(s.phase, Phase::Talking);
    assert_eq!(s.timer_fired(), Cmd::Finish(Err(Failure::ReadTimeout)));
    // A server that speaks first may have spoken by the connect's event: the socket is
    // watched both ways since it opened, so that event is the only edge its bytes raise.
    s.opened(Kind::Tcp);
    assert_eq!(s.connected(false, true), Cmd::Talk { read: true });
}

#[test]
fn smtp_host_blocks_are_walked_one_connection_each_within_one_check() {
    // Host blocks and no connect options of its own: the hosts only, as keepalived.
    let mut r = Runner::new(&config(
        "virtual_server 127.0.0.1 25 {\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 25 {\n SMTP_CHECK {\n warmup 0\n host {\n connect_ip 127.0.0.2\n }\n \\
         host {\n connect_ip 127.0.0.3\n }\n host {\n connect_ip 127.0.0.4\n }\n }\n }\n}\n",
    ));
    let s = &mut r.slots[0];
    let dst = |s: &Slot| s.target().map(|c| c.dst.ip().to_string());
    assert_eq!(dst(s).as_deref(), Some("127.0.0.2"));
    // Each host that passes hands over to the next one, 1 µs later.
    assert_eq!(s.conclude(Ok(())), Cmd::Arm(Micros(1)));
    assert_eq!(dst(s).as_deref(), Some("127.0.0.3"));
    assert_eq!(s.timer_fired(), Cmd::Begin);
    assert_eq!(s.conclude(Ok(())), Cmd::Arm(Micros(1)));
    assert_eq!(dst(s).as_deref(), Some("127.0.0.4"));
    assert!(!s.sched.has_run(), "the check is still going on");
    // The last one ends the check, and the next starts at the first host.
    assert!(matches!(s.conclude(Ok(())), Cmd::Done(_)));
    assert!(s.sched.has_run());
    assert_eq!(dst(s).as_deref(), Some("127.0.0.2"));
    // A host that fails ends the check; the next one begins where it failed.
    s.conclude(Ok(()));
    let Cmd::Done(d) = s.conclude(Err(Failure::Failed)) else {
        panic!("a result")
    };
    assert_eq!(d.next, Some(s.sched.delay_before_retry()));
    assert_eq!(dst(s).as_deref(), Some("127.0.0.3"));
}

#[test]
fn the_check_that_takes_smtp_or_misc_down_says_why_for_its_mail() {
    let mut r = Runner::new(&config(
        "virtual_server 127.0.0.1 80 {\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 8080 {\n SMTP_CHECK {\n warmup 0\n retry 0\n }\n }\n}\n",
    ));
    let s = &mut r.slots[0];
    assert!(matches!(
        s.conclude(Ok(())),
        Cmd::Done(Done { down: None, .. })
    ));
    let Cmd::Done(d) = s.conclude(Err(Failure::ReadTimeout)) else {
        panic!("a result")
    };
    let at = "127.0.0.1:8080".parse().expect("addr");
    assert_eq!(
        (d.state, d.down),
        (
            Some(false),
            Some(DownReason::Smtp(Failure::ReadTimeout, at))
        )
    );
    let mut r = Runner::new(&config(
        "virtual_server 127.0.0.1 80 {\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 8080 {\n MISC_CHECK {\n misc_path /bin/true\n warmup 0\n \\
         retry 0\n }\n }\n}\n",
    ));
    let mut sink = Heard::default();
    let mut run = |res| {
        r.slots[0].phase = Phase::Script(Micros(0));
        match r.misc_done(0, res, Micros(1), &mut sink) {
            Cmd::Done(d) => (d.state, d.down),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(run(ScriptResult::Exited(0)).1, None);
    assert_eq!(
        run(ScriptResult::TimedOut),
        (Some(false), Some(DownReason::MiscTimedOut))
    );
    assert_eq!(run(ScriptResult::Exited(0)).1, None);
    assert_eq!(run(ScriptResult::Exited(1)), (Some(false), None));
}

#[test]
fn ha_suspend_skips_a_run_while_the_address_is_not_local() {
    let mut r = runner("TCP_CHECK");
    let s = &mut r.slots[0];
    s.enabled = true;
    assert_eq!(s.begin(Some(false)), Cmd::Arm(Micros::from_secs(10)));
    assert!(!s.enabled);
    assert_eq!(
        s.begin(Some(true)),
        Cmd::Open(Kind::Tcp, Interest::WRITABLE)
    );
    assert!(s.enabled);
}

#[test]
fn a_socket_that_cannot_be_opened_fails_the_check_only_when_nobody_is_there() {
    let mut r = runner("TCP_CHECK");
    let s = &r.slots[0];
    let unreachable = Cmd::Finish(Err(Failure::Unreachable));
    assert_eq!(s.open_failed(sock::OpenError::Connect, false), unreachable);
    let again = Cmd::Arm(Micros::from_secs(10));
    assert_eq!(s.open_failed(sock::OpenError::Socket, false), again);
    r.slots[0].words = Words::Udp;
    assert_eq!(
        r.slots[0].open_failed(sock::OpenError::Setup(String::new()), false),
        Cmd::Finish(Err(Failure::Failed))
    );
}

#[test]
fn a_misc_script_runs_again_delay_loop_after_it_started_on_the_given_clock() {
    let mut r = Runner::new(&config(
        "virtual_server 127.0.0.1 80 {\n protocol TCP\n delay_loop 10\n \\
         real_server 127.0.0.1 8080 {\n MISC_CHECK {\n misc_path /bin/true\n warmup 0\n }\n }\n}\n",
    ));
    let mut sink = Heard::default();
    assert_eq!(r.slots[0].begin(None), Cmd::Script);
    // Not running: its exit is none of this slot's business.
    let res = ScriptResult::Exited(0);
    assert_eq!(r.misc_done(0, res, Micros(0), &mut sink), Cmd::Wait);
    r.slots[0].phase = Phase::Script(Micros::from_secs(100));
    let Cmd::Done(d) = r.misc_done(0, res, Micros::from_secs(103), &mut sink) else {
        panic!("a result")
    };
    assert_eq!(d.next, Some(Micros::from_secs(7)));
    assert_eq!(r.slots[0].phase, Phase::Idle);
    // A script that overran delay_loop: the next run right away.
    r.slots[0].phase = Phase::Script(Micros::from_secs(100));
    let Cmd::Done(d) = r.misc_done(0, res, Micros::from_secs(200), &mut sink) else {
        panic!("a result")
    };
    assert_eq!(d.next, Some(Micros(1)));
}

/// A datagram dialog that takes in everything and never ends.
struct Sponge;

impl Dialog for Sponge {
    fn reset(&mut self) {}
    fn pending(&self) -> &[u8] {
        b""
    }
    fn sent(&mut self, _n: usize) {}
    fn received(&mut self, _data: &[u8]) -> Step {
        Step::Continue
    }
    fn closed(&mut self) -> Step {
        Step::Done(Verdict::Down(Failure::Failed))
    }
}

#[test]
fn a_read_drains_the_socket_to_would_block_or_asks_for_a_re_arm_at_the_cap() {
    let mut r = runner("TCP_CHECK");
    let (ours, peer) = (
        UdpSocket::bind("127.0.0.1:0").expect("bind"),
        UdpSocket::bind("127.0.0.1:0").expect("bind"),
    );
    ours.connect(peer.local_addr().expect("addr"))
        .expect("connect");
    ours.set_nonblocking(true).expect("nb");
    let to = ours.local_addr().expect("addr");
    let s = &mut r.slots[0];
    s.probe = Probe::Datagram {
        kind: Kind::Udp,
        dialog: Box::new(Sponge),
        silence_passes: false,
    };
    s.phase = Phase::Talking;
    s.sock = Some(OwnedFd::from(ours.try_clone().expect("clone")));
    for _ in 0..3 {
        peer.send_to(b"x", to).expect("send");
    }
    assert_eq!(r.pump(0, true), Cmd::Wait);
    let mut b = [0u8; 8];
    let e = ours.recv(&mut b).expect_err("drained");
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    // More than one wake's worth: the cap, a re-arm, the rest on the next wake.
    for _ in 0..READS_PER_WAKE + 2 {
        peer.send_to(b"x", to).expect("send");
    }
    assert_eq!(r.pump(0, true), Cmd::Rearm(Interest::READABLE));
    assert_eq!(r.pump(0, true), Cmd::Wait);
    let e = ours.recv(&mut b).expect_err("drained");
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
}
