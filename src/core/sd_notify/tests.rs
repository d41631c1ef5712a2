use super::*;

const PID: u32 = 4242;
const VRRP: usize = 0;
const CHECK: usize = 1;

fn notifier(watchdog: bool) -> Notifier {
    let w = watchdog.then_some(Micros::from_secs(1));
    Notifier::new(PID, ["VRRP", "Healthcheck"], w)
}

/// Both children forked and probed; READY not yet.
fn both_started(n: &mut Notifier) {
    n.child_started(VRRP);
    n.child_started(CHECK);
    assert_eq!(n.started(), None);
}

fn ready() -> Option<Note> {
    Some(Note::Ready { pid: PID })
}

#[test]
fn ready_with_mainpid_once_every_child_answered_its_first_hello() {
    let mut n = notifier(false);
    both_started(&mut n);
    assert_eq!(n.echo(VRRP, PROBE_SEQ), None);
    assert_eq!(n.echo(CHECK, PROBE_SEQ), ready());
    // Later echoes say nothing more.
    assert_eq!(n.echo(CHECK, PROBE_SEQ), None);
    assert_eq!(
        Note::Ready { pid: PID }.text().as_str(),
        "READY=1\nMAINPID=4242\nSTATUS=Running"
    );
}

#[test]
fn ready_at_once_without_children_and_not_waiting_for_a_dead_one() {
    let mut n = notifier(false);
    assert_eq!(n.started(), ready());

    let mut n = notifier(false);
    both_started(&mut n);
    assert_eq!(n.echo(VRRP, PROBE_SEQ), None);
    // The checker dies before its loop ran: its respawn is not waited for.
    assert_eq!(n.child_gone(CHECK), ready());
    n.child_started(CHECK);
    assert_eq!(n.echo(CHECK, PROBE_SEQ), None);
}

#[test]
fn a_regular_hello_echo_is_not_readiness() {
    let mut n = notifier(false);
    n.child_started(VRRP);
    assert_eq!(n.started(), None);
    n.hello_sent(VRRP, 1);
    assert_eq!(n.echo(VRRP, 1), None);
    assert_eq!(n.echo(VRRP, PROBE_SEQ), ready());
}

#[test]
fn reload_says_reloading_with_its_clock_then_ready_when_the_children_answer() {
    let mut n = notifier(false);
    both_started(&mut n);
    n.echo(VRRP, PROBE_SEQ);
    assert_eq!(n.echo(CHECK, PROBE_SEQ), ready());

    let at = Micros(123_456_789);
    assert_eq!(n.reloading(at), Some(Note::Reloading { at }));
    assert_eq!(
        Note::Reloading { at }.text().as_str(),
        "RELOADING=1\nMONOTONIC_USEC=123456789\nSTATUS=Reloading the configuration"
    );
    assert_eq!(n.reload_sent(), None);
    // An echo of a hello sent before the SIGHUP is not the end of the reload.
    n.hello_sent(VRRP, 7);
    assert_eq!(n.echo(VRRP, 7), None);
    assert_eq!(n.echo(VRRP, PROBE_SEQ), None);
    assert_eq!(n.echo(CHECK, PROBE_SEQ), ready());
}

#[test]
fn a_refused_reload_says_ready_again_with_why() {
    let mut n = notifier(false);
    n.child_started(VRRP);
    n.started();
    assert_eq!(n.echo(VRRP, PROBE_SEQ), ready());
    n.reloading(Micros(1));
    let refused = n.reload_refused();
    assert_eq!(refused, Some(Note::ReloadRefused { pid: PID }));
    assert!(refused
        .map(|r| r.text())
        .is_some_and(|t| t.starts_with("READY=1\nMAINPID=4242\n")));
    // Only once, and only after a RELOADING.
    assert_eq!(n.reload_refused(), None);
}

#[test]
fn stopping_once_and_nothing_after_it() {
    let mut n = notifier(true);
    n.child_started(VRRP);
    n.started();
    n.echo(VRRP, PROBE_SEQ);
    assert_eq!(n.stopping(), Some(Note::Stopping));
    assert_eq!(
        Note::Stopping.text().as_str(),
        "STOPPING=1\nSTATUS=Stopping"
    );
    assert_eq!(n.stopping(), None);
    assert_eq!(n.watchdog_due(), None);
    assert_eq!(n.reloading(Micros(5)), None);
    assert_eq!(n.child_gone(VRRP), None);
}

#[test]
fn watchdog_fed_only_while_every_child_answers_its_hellos() {
    let mut n = notifier(true);
    both_started(&mut n);
    // Not before READY.
    assert_eq!(n.watchdog_due(), None);
    n.echo(VRRP, PROBE_SEQ);
    n.echo(CHECK, PROBE_SEQ);
    assert_eq!(n.watchdog_due(), Some(Note::Watchdog));
    // Hellos in flight while the previous ones were answered: still fed.
    n.hello_sent(VRRP, 1);
    n.hello_sent(CHECK, 1);
    assert_eq!(n.watchdog_due(), Some(Note::Watchdog));
    n.echo(VRRP, 1);
    n.echo(CHECK, 1);
    // The VRRP child stops: hello 2 goes unanswered, and once hello 3 leaves it is silent.
    n.hello_sent(VRRP, 2);
    assert_eq!(n.watchdog_due(), Some(Note::Watchdog));
    n.hello_sent(VRRP, 3);
    assert_eq!(n.watchdog_due(), Some(Note::Starved { name: "VRRP" }));
    assert_eq!(
        Note::Starved { name: "VRRP" }.text().as_str(),
        "STATUS=VRRP child does not answer its hellos"
    );
    assert_eq!(n.watchdog_due(), None);
    // A late echo of an old hello does not count.
    n.echo(VRRP, 2);
    assert_eq!(n.watchdog_due(), None);
    // Killed and respawned: fed again once the new child answers.
    n.child_gone(VRRP);
    n.child_started(VRRP);
    assert_eq!(n.watchdog_due(), None);
    n.echo(VRRP, PROBE_SEQ);
    assert_eq!(n.watchdog_due(), Some(Note::Recovered));
    assert_eq!(
        Note::Recovered.text().as_str(),
        "WATCHDOG=1\nSTATUS=Running"
    );
    assert_eq!(n.watchdog_due(), Some(Note::Watchdog));
}

#[test]
fn no_watchdog_without_watchdog_usec() {
    let mut n = notifier(false);
    n.child_started(VRRP);
    n.started();
    n.echo(VRRP, PROBE_SEQ);
    assert_eq!(n.watchdog_due(), None);
}

#[test]
fn watchdog_period_reads_the_environment_as_systemd_documents() {
    let os = |s: &'static str| Some(OsStr::new(s));
    assert_eq!(
        watchdog_period(os("4000000"), None, 7),
        Some(Micros::from_secs(2))
    );
    assert_eq!(
        watchdog_period(os("4000000"), os("7"), 7),
        Some(Micros::from_secs(2))
    );
    // Meant for another process (set before a fork we did not make).
    assert_eq!(watchdog_period(os("4000000"), os("8"), 7), None);
    assert_eq!(watchdog_period(os("4000000"), os("x"), 7), None);
    assert_eq!(watchdog_period(os("0"), None, 7), None);
    assert_eq!(watchdog_period(os("-5"), None, 7), None);
    assert_eq!(watchdog_period(os(""), None, 7), None);
    assert_eq!(watchdog_period(None, os("7"), 7), None);
    assert_eq!(watchdog_period(os("1"), None, 7), Some(Micros(1)));
}

#[test]
fn notify_socket_is_a_path_or_an_abstract_name() {
    assert_eq!(
        Target::parse(OsStr::new("/run/systemd/notify")),
        Some(Target::Path(std::path::Path::new("/run/systemd/notify")))
    );
    assert_eq!(
        Target::parse(OsStr::new("@sd-notify/1")),
        Some(Target::Abstract(&b"sd-notify/1"[..]))
    );
    for bad in ["", "@", "relative/path", "vsock:2:1234"] {
        assert_eq!(Target::parse(OsStr::new(bad)), None, "{bad}");
    }
}

#[test]
fn every_note_fits_its_buffer() {
    let notes = [
        Note::Ready { pid: u32::MAX },
        Note::Reloading {
            at: Micros(u64::MAX),
        },
        Note::ReloadRefused { pid: u32::MAX },
        Note::Stopping,
        Note::Watchdog,
        Note::Starved {
            name: "Healthcheck",
        },
        Note::Recovered,
    ];
    for n in notes {
        let t = n.text();
        assert!(t.len() < t.capacity(), "{n:?} may be cut: {t}");
        assert!(t.lines().all(|l| l.contains('=')), "{t}");
    }
}
