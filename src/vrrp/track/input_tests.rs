//! What the tracking I/O hands in, decided here: /proc lines, inotify events, script exits,
//! the kernel's links and addresses at start, and the faults named at start.

use super::*;
use crate::config::track::{ParamMatch, TrackFile, TrackProcess, Trackers};
use crate::core::inotify::InEvent;
use crate::core::script::ScriptResult;
use crate::core::time::Micros;

fn proc_trackers(quorum: u32, fork_delay: Option<Micros>) -> Trackers {
    let mut t = Trackers::default();
    for (name, process, full) in [("web", "nginx", false), ("db", "/usr/bin/pg", true)] {
        t.processes.push(TrackProcess {
            loc: Default::default(),
            name: name.into(),
            process: process.into(),
            params: vec!["-D".into()],
            param_match: ParamMatch::Partial,
            weight: Default::default(),
            quorum,
            quorum_max: u32::MAX,
            delay: None,
            terminate_delay: None,
            fork_delay,
            full_command: full,
        });
    }
    t
}

fn proc_core() -> Tracking {
    let mut core = Tracking::new();
    core.object(Key::Process("web".into()), Level::Unknown);
    core.object(Key::Process("db".into()), Level::Unknown);
    core
}

fn settle(t: &mut ProcTable, core: &Tracking, now: Micros) -> (Vec<(usize, bool)>, Vec<String>) {
    let mut changes = QuorumChanges::new();
    let mut said = Vec::new();
    t.settle(now, core, None, &mut changes, |n, have| {
        said.push(format!("{n} {have}"))
    });
    (changes.to_vec(), said)
}

#[test]
fn a_process_is_matched_by_its_name_in_stat_or_its_command_line() {
    let core = proc_core();
    let t = ProcTable::new(&core, &proc_trackers(1, None), &ProcTable::default());
    assert!(t.wants_cmdline());
    assert_eq!(t.matching(b"42 (nginx) S 1 42", b""), Some(0b01));
    // A name with spaces and parentheses: up to the last ')'.
    assert_eq!(t.matching(b"42 (ng (x) y) S 1", b""), Some(0));
    assert_eq!(t.matching(b"42 (nginx) Z 1 42", b""), None, "a zombie");
    assert_eq!(t.matching(b"garbage", b""), None);
    let cmd = b"/usr/bin/pg\0-D\0/var/lib\0";
    assert_eq!(t.matching(b"7 (pg) S 1", cmd), Some(0b10));
}

#[test]
fn quorums_follow_the_processes_counted_and_are_said_once_known() {
    let core = proc_core();
    let mut t = ProcTable::new(&core, &proc_trackers(1, None), &ProcTable::default());
    t.set(42, 0b01);
    t.set(43, 0b01);
    let (changes, said) = settle(&mut t, &core, Micros::ZERO);
    assert_eq!(changes, vec![(0, true), (1, false)]);
    assert!(said.is_empty(), "the first count is silent: {said:?}");
    let mut core = core;
    core.set_level(0, Level::Up);
    t.forget(42);
    assert_eq!(settle(&mut t, &core, Micros::ZERO).0, vec![]);
    t.set(43, 0);
    let (changes, said) = settle(&mut t, &core, Micros::ZERO);
    assert_eq!(
        (changes, said),
        (vec![(0, false)], vec!["web false".to_string()])
    );
    t.set(43, 0b01);
    t.clear();
    assert_eq!(settle(&mut t, &core, Micros::ZERO).0, vec![]);
}

#[test]
fn a_reload_keeps_a_quorum_waiting_out_its_fork_delay() {
    let core = proc_core();
    let cfg = proc_trackers(1, Some(Micros::from_secs(2)));
    let mut old = ProcTable::new(&core, &cfg, &ProcTable::default());
    let t0 = Micros::from_secs(100);
    settle(&mut old, &core, t0);
    old.set(9, 0b01);
    let mut changes = QuorumChanges::new();
    let next = old.settle(
        t0,
        &core,
        Some(t0 + Micros::from_secs(5)),
        &mut changes,
        |_, _| {},
    );
    assert_eq!((changes.len(), next), (0, Some(t0 + Micros::from_secs(2))));
    let mut t = ProcTable::new(&core, &cfg, &old);
    t.set(9, 0b01);
    assert_eq!(
        settle(&mut t, &core, t0 + Micros::from_secs(2)).0,
        vec![(0, true)]
    );
}

fn watch(name: &str, obj: usize, wd: i32) -> FileWatch {
    FileWatch {
        name: name.into(),
        obj,
        path: format!("/run/ka/{name}").into(),
        wd,
    }
}

#[test]
fn an_inotify_event_concerns_the_file_of_its_name_in_its_directory() {
    let files = [watch("a", 0, 1), watch("b", 1, 1), watch("a", 2, 2)];
    let objs = |ev: InEvent<'_>| -> Vec<(usize, Reading)> {
        touched(&files, &ev).map(|(f, r)| (f.obj, r)).collect()
    };
    let ev = |mask, name: &'static [u8]| InEvent { wd: 1, mask, name };
    assert_eq!(
        objs(ev(libc::IN_CLOSE_WRITE, b"a")),
        vec![(0, Reading::Read)]
    );
    assert_eq!(objs(ev(libc::IN_MOVED_TO, b"b")), vec![(1, Reading::Read)]);
    assert_eq!(objs(ev(libc::IN_DELETE, b"b")), vec![(1, Reading::Gone)]);
    assert_eq!(
        objs(ev(libc::IN_MOVED_FROM, b"a")),
        vec![(0, Reading::Gone)]
    );
    assert_eq!(objs(ev(libc::IN_CREATE | libc::IN_ISDIR, b"a")), vec![]);
    assert_eq!(objs(ev(libc::IN_CLOSE_WRITE, b"c")), vec![]);
    let all = objs(ev(libc::IN_Q_OVERFLOW, b""));
    assert_eq!(all.len(), 3);
}

#[test]
fn init_file_is_written_when_missing_or_told_to_overwrite() {
    let mut f = TrackFile {
        loc: Default::default(),
        name: "f".into(),
        file: "/run/f".into(),
        weight: Default::default(),
        init_file: Some(5),
        init_overwrite: false,
    };
    assert_eq!(init_value(&f, false), Some(5));
    assert_eq!(init_value(&f, true), None);
    f.init_overwrite = true;
    assert_eq!(init_value(&f, true), Some(5));
    f.init_file = None;
    assert_eq!(init_value(&f, false), None);
}

#[test]
fn a_script_s_exits_say_its_status_changes_and_move_it_at_rise_and_fall() {
    let mut s = ScriptState::new(1, 2, false);
    let r = s.on_exit(ScriptResult::Exited(0), || unreachable!());
    assert_eq!(r.now_returning, None, "0 is where a script starts");
    assert_eq!(r.changed, Some((Outcome::Succeeded, Level::Up)));
    let r = s.on_exit(ScriptResult::Exited(3), || unreachable!());
    assert_eq!((r.now_returning, r.changed), (Some(3), None));
    let r = s.on_exit(ScriptResult::Signaled(9), || unreachable!());
    assert_eq!(r.now_returning, None, "a signal has no status");
    assert_eq!(r.changed, Some((Outcome::Signal(9), Level::Down)));
    let r = s.on_exit(ScriptResult::TimedOut, || unreachable!());
    assert_eq!((r.now_returning, r.changed), (None, None));
}

#[test]
fn a_script_that_cannot_be_exec_d_counts_as_a_success() {
    let mut s = ScriptState::new(1, 1, true);
    let r = s.on_exit(ScriptResult::Exited(127), || true);
    assert!(r.exec_error);
    assert_eq!(r.changed, Some((Outcome::Succeeded, Level::Up)));
    let r = s.on_exit(ScriptResult::Exited(127), || false);
    assert!(!r.exec_error);
    assert_eq!(r.now_returning, Some(127));
    assert_eq!(r.changed, Some((Outcome::Exited(127), Level::Down)));
    let (kept, up) = ScriptState::carried(&s, 1, 1, false);
    assert_eq!(up, Some(false));
    let mut kept = kept;
    assert_eq!(
        kept.on_exit(ScriptResult::Exited(127), || false)
            .now_returning,
        None
    );
}

const TRACKED: &str = "
global_defs {
  dynamic_interfaces
}
vrrp_script chk {
  script /bin/true
  init_fail
}
vrrp_script other {
  script /bin/true
}
track_file tf {
  file /tmp/ka-track-start-test
  weight 0
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  mcast_src_ip 10.0.0.1
  track_src_ip
  virtual_ipaddress {
    10.9.0.1
  }
  track_interface {
    eth1
    eth2
  }
  track_script {
    chk
    other
  }
  track_file {
    tf
  }
}
";

#[test]
fn objects_start_from_the_kernel_or_from_before_the_reload() {
    let cfg = tests::load(TRACKED);
    let link_up = |n: &str| n == "eth1";
    let addrs = [(3, "10.0.0.1".parse().expect("ip"))];
    let kernel = Kernel {
        link_up: &link_up,
        addrs: &addrs,
        bfd_up: &|_| false,
    };
    let t = Tracking::build(&cfg, &[(0, 3, None)], &Tracking::default(), &kernel);
    let level = |k: Key| t.find(&k).and_then(|o| t.level(o));
    assert_eq!(level(Key::Interface("eth1".into())), Some(Level::Up));
    assert_eq!(level(Key::Interface("eth2".into())), Some(Level::Down));
    assert_eq!(level(Key::Script("chk".into())), Some(Level::Down));
    assert_eq!(level(Key::Script("other".into())), Some(Level::Unknown));
    assert_eq!(level(Key::File("tf".into())), Some(Level::Value(0)));
    let src = Key::SrcIp(3, "10.0.0.1".parse().expect("ip"));
    assert_eq!(level(src.clone()), Some(Level::Up));
    // On another interface the address does not count.
    let moved = Tracking::build(&cfg, &[(0, 4, None)], &t, &kernel);
    let src4 = Key::SrcIp(4, "10.0.0.1".parse().expect("ip"));
    assert_eq!(
        moved.find(&src4).and_then(|o| moved.level(o)),
        Some(Level::Down)
    );

    let mut old = t;
    let other = old.find(&Key::Script("other".into())).expect("other");
    old.set_level(other, Level::Down);
    let e = Effect {
        delta: 0,
        faults: 2,
    };
    let mut t = Tracking::build(&cfg, &[(0, 3, Some(e))], &old, &kernel);
    let o = t.find(&Key::Script("other".into())).expect("other");
    assert_eq!(t.level(o), Some(Level::Down), "kept over the reload");
    assert_eq!(
        t.pending(0).map(|p| p.0),
        Some(e),
        "only the difference applies"
    );
}

#[test]
fn start_up_faults_are_named_and_unreported_scripts_hold_silently() {
    let cfg = tests::load(&TRACKED.replace("init_fail", "weight 0"));
    let link_up = |_: &str| true;
    let addrs = [(3, "10.0.0.1".parse().expect("ip"))];
    let kernel = Kernel {
        link_up: &link_up,
        addrs: &addrs,
        bfd_up: &|_| false,
    };
    let mut t = Tracking::build(&cfg, &[(0, 3, None)], &Tracking::default(), &kernel);
    assert!(
        t.faults(0).next().is_none(),
        "{:?}",
        t.faults(0).collect::<Vec<_>>()
    );
    assert!(t.only_unreported_scripts(0));
    assert!(t.tracks_interface("eth2") && !t.tracks_interface("eth0"));
    let chk = t.find(&Key::Script("chk".into())).expect("chk");
    t.set_level(chk, Level::Up);
    assert!(t.only_unreported_scripts(0), "`other` has not reported");
    let other = t.find(&Key::Script("other".into())).expect("other");
    t.set_level(other, Level::Up);
    assert!(!t.only_unreported_scripts(0), "no fault left");
    let tf = t.find(&Key::File("tf".into())).expect("tf");
    t.set_level(tf, Level::Value(3));
    t.set_level(chk, Level::Down);
    let eth2 = t.find(&Key::Interface("eth2".into())).expect("eth2");
    t.set_level(eth2, Level::Down);
    assert_eq!(
        t.faults(0).collect::<Vec<_>>(),
        vec![
            Fault::Interface("eth2"),
            Fault::Script("chk"),
            Fault::File("tf", -254)
        ]
    );
    assert!(!t.only_unreported_scripts(0));
}
