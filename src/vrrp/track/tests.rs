use super::*;
use crate::config::track::{ParamMatch, TrackProcess, Weight};
use crate::core::time::Micros;

fn w(weight: i32, reverse: bool) -> Weight {
    Weight { weight, reverse }
}

#[test]
fn positive_weight_adds_while_up_negative_subtracts_while_down() {
    assert_eq!(contribution(Level::Up, w(10, false)), (10, false));
    assert_eq!(contribution(Level::Down, w(10, false)), (0, false));
    assert_eq!(contribution(Level::Up, w(-10, false)), (0, false));
    assert_eq!(contribution(Level::Down, w(-10, false)), (-10, false));
}

#[test]
fn reverse_flips_the_direction() {
    assert_eq!(contribution(Level::Up, w(10, true)), (-10, false));
    assert_eq!(contribution(Level::Down, w(10, true)), (0, false));
    assert_eq!(contribution(Level::Down, w(-10, true)), (10, false));
    assert_eq!(contribution(Level::Up, w(-10, true)), (0, false));
}

#[test]
fn weight_zero_faults_while_down_or_while_up_when_reversed() {
    assert_eq!(contribution(Level::Down, w(0, false)), (0, true));
    assert_eq!(contribution(Level::Up, w(0, false)), (0, false));
    assert_eq!(contribution(Level::Up, w(0, true)), (0, true));
    assert_eq!(contribution(Level::Down, w(0, true)), (0, false));
}

#[test]
fn an_unreported_script_holds_weight_zero_instances_and_adds_nothing() {
    assert_eq!(contribution(Level::Unknown, w(0, false)), (0, true));
    assert_eq!(contribution(Level::Unknown, w(-20, false)), (0, false));
    assert_eq!(contribution(Level::Unknown, w(20, false)), (0, false));
}

#[test]
fn track_file_value_times_weight_clamped_and_faulting_at_minus_254() {
    assert_eq!(contribution(Level::Value(5), w(2, false)), (10, false));
    assert_eq!(contribution(Level::Value(5), w(2, true)), (-10, false));
    assert_eq!(contribution(Level::Value(-3), w(1, false)), (-3, false));
    assert_eq!(contribution(Level::Value(1000), w(1, false)), (253, false));
    assert_eq!(contribution(Level::Value(-254), w(1, false)), (0, true));
    assert_eq!(contribution(Level::Value(-253), w(1, false)), (-253, false));
    assert_eq!(
        contribution(Level::Value(i64::MIN), w(254, false)),
        (0, true)
    );
    // Weight 0: any non-zero value is a fault; reversed, zero is.
    assert_eq!(contribution(Level::Value(0), w(0, false)), (0, false));
    assert_eq!(contribution(Level::Value(7), w(0, false)), (0, true));
    assert_eq!(contribution(Level::Value(0), w(0, true)), (0, true));
    assert_eq!(contribution(Level::Value(7), w(0, true)), (0, false));
}

#[test]
fn first_run_decides_without_init_fail() {
    let mut s = ScriptCounter::new(3, 2, false);
    assert_eq!(s.up(), None);
    assert_eq!(s.start(), Start::Init);
    assert_eq!(s.on_result(true), Some(true));
    assert_eq!(s.start(), Start::Done);
    assert_eq!(s.up(), Some(true));
    let mut s = ScriptCounter::new(3, 2, false);
    assert_eq!(s.on_result(false), Some(false));
    assert_eq!(s.up(), Some(false));
}

#[test]
fn init_fail_starts_down_and_needs_rise_successes() {
    let mut s = ScriptCounter::new(3, 1, true);
    assert_eq!(s.up(), Some(false));
    assert_eq!(s.start(), Start::Failed);
    assert_eq!(s.on_result(true), None);
    // keepalived's init_state is done once any run has reported.
    assert_eq!(s.start(), Start::Done);
    assert_eq!(s.on_result(true), None);
    assert_eq!(s.on_result(true), Some(true));
    assert_eq!(s.on_result(true), None);
}

#[test]
fn fall_failures_in_a_row_take_it_down_and_a_success_between_resets() {
    let mut s = ScriptCounter::new(1, 3, false);
    assert_eq!(s.on_result(true), Some(true));
    assert_eq!(s.on_result(false), None);
    assert_eq!(s.on_result(false), None);
    // A success in between jumps back to the top.
    assert_eq!(s.on_result(true), None);
    assert_eq!(s.on_result(false), None);
    assert_eq!(s.on_result(false), None);
    assert_eq!(s.on_result(false), Some(false));
    assert_eq!(s.on_result(false), None);
    // Down: rise (1) successes bring it back.
    assert_eq!(s.on_result(true), Some(true));
}

#[test]
fn rise_two_needs_two_successes_after_going_down() {
    let mut s = ScriptCounter::new(2, 1, false);
    assert_eq!(s.on_result(false), Some(false));
    assert_eq!(s.on_result(true), None);
    assert_eq!(s.on_result(false), None);
    assert_eq!(s.on_result(true), None);
    assert_eq!(s.on_result(true), Some(true));
    assert_eq!(s.on_result(false), Some(false));
}

#[test]
fn effects_sum_over_links_and_pending_reports_each_change_once() {
    let mut t = Tracking::new();
    let a = t.object(Key::Script("a".into()), Level::Unknown);
    let b = t.object(Key::Interface("eth1".into()), Level::Up);
    let f = t.object(Key::File("f".into()), Level::Value(0));
    assert_eq!(t.object(Key::Script("a".into()), Level::Down), a);
    let i = t.add_instance(vec![
        Link {
            obj: a,
            weight: w(-30, false),
        },
        Link {
            obj: b,
            weight: w(0, false),
        },
        Link {
            obj: f,
            weight: w(2, false),
        },
    ]);
    let j = t.add_instance(vec![Link {
        obj: a,
        weight: w(0, false),
    }]);
    assert_eq!(t.pending(i), None);
    assert_eq!(
        t.pending(j),
        Some((
            Effect::default(),
            Effect {
                delta: 0,
                faults: 1
            }
        ))
    );
    assert!(t.set_level(a, Level::Down));
    assert!(!t.set_level(a, Level::Down));
    t.set_level(f, Level::Value(4));
    assert_eq!(
        t.pending(i),
        Some((
            Effect::default(),
            Effect {
                delta: -22,
                faults: 0
            }
        ))
    );
    assert_eq!(t.pending(i), None);
    t.set_level(b, Level::Down);
    assert_eq!(
        t.effect(i),
        Effect {
            delta: -22,
            faults: 1
        }
    );
    assert!(t.tracks(j, a) && !t.tracks(j, b));
}

fn proc_cfg(process: &str, params: &[&str], pm: ParamMatch, full: bool) -> TrackProcess {
    TrackProcess {
        loc: Default::default(),
        name: "p".into(),
        process: process.into(),
        params: params.iter().map(|s| s.to_string()).collect(),
        param_match: pm,
        weight: w(0, false),
        quorum: 1,
        quorum_max: u32::MAX,
        delay: None,
        terminate_delay: None,
        fork_delay: None,
        full_command: full,
    }
}

#[test]
fn process_names_match_exactly_and_on_the_kernel_s_15_bytes() {
    let m = ProcMatch::from_config(&proc_cfg("ssh", &[], ParamMatch::None, false));
    assert!(m.matches(b"ssh", b""));
    assert!(!m.matches(b"sshd", b""));
    let long = ProcMatch::from_config(&proc_cfg(
        "a-very-long-daemon",
        &[],
        ParamMatch::None,
        false,
    ));
    assert!(long.matches(b"a-very-long-dae", b""));
}

#[test]
fn process_parameters_exact_partial_initial() {
    let cmd = b"/usr/bin/app\0--mode\0primary\0";
    let exact = ProcMatch::from_config(&proc_cfg(
        "/usr/bin/app",
        &["--mode", "primary"],
        ParamMatch::Exact,
        true,
    ));
    assert!(exact.matches(b"app", cmd));
    let partial = ProcMatch::from_config(&proc_cfg(
        "/usr/bin/app",
        &["--mode"],
        ParamMatch::Partial,
        true,
    ));
    assert!(partial.matches(b"app", cmd));
    let initial = ProcMatch::from_config(&proc_cfg(
        "/usr/bin/app",
        &["--mode", "pri"],
        ParamMatch::Initial,
        true,
    ));
    assert!(initial.matches(b"app", cmd));
    let wrong = ProcMatch::from_config(&proc_cfg(
        "/usr/bin/app",
        &["--mode"],
        ParamMatch::Exact,
        true,
    ));
    assert!(!wrong.matches(b"app", cmd));
    // As keepalived: `initial` lets later arguments follow, and with no parameters takes any.
    let longer = b"/usr/bin/app\0--mode\0primary\0--verbose\0";
    assert!(initial.matches(b"app", longer));
    assert!(partial.matches(b"app", longer));
    assert!(!exact.matches(b"app", longer));
    assert!(!initial.matches(b"app", b"/usr/bin/app\0--mode\0"));
    assert!(!initial.matches(b"app", b"/usr/bin/app\0--mode\0secondary\0"));
    let initial_none =
        ProcMatch::from_config(&proc_cfg("/usr/bin/app", &[], ParamMatch::Initial, true));
    assert!(initial_none.matches(b"app", longer));
    let name_only = ProcMatch::from_config(&proc_cfg("/usr/bin/app", &[], ParamMatch::None, true));
    assert!(name_only.matches(b"app", cmd));
    assert!(!name_only.matches(b"app", b""));
}

#[test]
fn quorum_first_count_decides_at_once_later_changes_wait_their_delay() {
    let mut c = proc_cfg("x", &[], ParamMatch::None, false);
    c.quorum = 2;
    c.quorum_max = 3;
    c.terminate_delay = Some(Micros::from_secs(2));
    c.fork_delay = Some(Micros::from_secs(1));
    let mut q = Quorum::from_config(&c);
    let t0 = Micros::from_secs(100);
    assert_eq!(q.update(2, t0), Some(true));
    assert_eq!(q.update(1, t0), None);
    assert_eq!(q.deadline(), Some(t0 + Micros::from_secs(2)));
    // Back within the delay: nothing happened.
    assert_eq!(q.update(2, t0 + Micros::from_secs(1)), None);
    assert_eq!(q.deadline(), None);
    assert_eq!(q.update(4, t0 + Micros::from_secs(1)), None);
    assert_eq!(q.on_timer(t0 + Micros::from_millis(2999)), None);
    assert_eq!(q.on_timer(t0 + Micros::from_secs(3)), Some(false));
    assert_eq!(q.have(), Some(false));
    assert_eq!(q.update(3, t0 + Micros::from_secs(4)), None);
    assert_eq!(q.update(3, t0 + Micros::from_secs(5)), Some(true));
}

/// Drives a state machine from a [`Tracking`] the way the shell does: new faults, then the
/// priority, then cleared faults.
fn drive(t: &mut Tracking, f: &mut crate::vrrp::fsm::Fsm, now: Micros) {
    if let Some((old, new)) = t.pending(0) {
        for _ in old.faults..new.faults {
            f.tracker_fault(now);
        }
        if old.delta != new.delta {
            f.set_effective_priority(now, i32::from(f.base_priority()) + new.delta);
        }
        for _ in new.faults..old.faults {
            f.tracker_recovered(now);
        }
    }
}

#[test]
fn a_script_held_instance_starts_in_fault_and_its_first_success_brings_it_to_backup() {
    use crate::vrrp::fsm::{Fsm, FsmConfig, State};
    let mut t = Tracking::new();
    let chk = t.object(Key::Script("chk".into()), Level::Unknown);
    let nic = t.object(Key::Interface("eth1".into()), Level::Up);
    t.add_instance(vec![
        Link {
            obj: chk,
            weight: w(0, false),
        },
        Link {
            obj: nic,
            weight: w(-30, false),
        },
    ]);
    let mut f = Fsm::new(FsmConfig {
        priority: 100,
        ..FsmConfig::default()
    });
    let t0 = Micros::from_secs(10);
    drive(&mut t, &mut f, t0);
    f.start(t0);
    assert_eq!(f.state(), State::Fault);
    let mut s = ScriptCounter::new(2, 2, false);
    let up = s.on_result(true).expect("first run decides");
    t.set_level(chk, if up { Level::Up } else { Level::Down });
    drive(&mut t, &mut f, t0 + Micros::from_secs(1));
    assert_eq!(f.state(), State::Backup);
    assert_eq!(f.effective_priority(), 100);
    t.set_level(nic, Level::Down);
    drive(&mut t, &mut f, t0 + Micros::from_secs(2));
    assert_eq!(f.effective_priority(), 70);
    assert_eq!(f.state(), State::Backup);
    // fall 2: one failure is not enough, the second is.
    assert_eq!(s.on_result(false), None);
    assert_eq!(s.on_result(false), Some(false));
    t.set_level(chk, Level::Down);
    drive(&mut t, &mut f, t0 + Micros::from_secs(3));
    assert_eq!(f.state(), State::Fault);
}

#[test]
fn tracking_never_moves_an_address_owner_s_priority() {
    use crate::vrrp::fsm::{Fsm, FsmConfig};
    let mut t = Tracking::new();
    let nic = t.object(Key::Interface("eth1".into()), Level::Down);
    t.add_instance(vec![Link {
        obj: nic,
        weight: w(-50, false),
    }]);
    let mut f = Fsm::new(FsmConfig {
        priority: 255,
        initial_master: true,
        ..FsmConfig::default()
    });
    drive(&mut t, &mut f, Micros::from_secs(1));
    assert_eq!(f.effective_priority(), 255);
}

pub(super) fn load(text: &str) -> crate::config::Config {
    let mut d = crate::config::diag::Diagnostics::new();
    let nodes = crate::config::reader::tree_from_str(text, 0, &mut d);
    crate::config::from_tree(&nodes, &mut d)
}

const GROUPED: &str = "
global_defs {
  dynamic_interfaces
}
vrrp_script chk {
  script /bin/true
  weight -20
}
track_file tf {
  file /tmp/ka-track-plan-test
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress {
    10.9.0.1
  }
  track_file {
    tf weight 0
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  priority 100
  virtual_ipaddress {
    10.9.0.2
  }
}
vrrp_sync_group G {
  group {
    A
    B
  }
  track_script {
    chk
  }
  track_interface {
    eth1 weight 10
  }
}
";

#[test]
fn sync_group_trackers_apply_to_every_member_with_their_weights() {
    let cfg = load(GROUPED);
    let idx = |n: &str| {
        cfg.vrrp
            .instances
            .iter()
            .position(|v| v.name == n)
            .expect(n)
    };
    let a = instance_links(&cfg, idx("A"));
    assert!(a.contains(&(Key::File("tf".into()), w(0, false))), "{a:?}");
    assert!(
        a.contains(&(Key::Script("chk".into()), w(-20, false))),
        "{a:?}"
    );
    assert!(
        a.contains(&(Key::Interface("eth1".into()), w(10, false))),
        "{a:?}"
    );
    let b = instance_links(&cfg, idx("B"));
    assert_eq!(b.len(), 2, "{b:?}");
    assert!(
        b.contains(&(Key::Script("chk".into()), w(-20, false))),
        "{b:?}"
    );
}

#[test]
fn a_group_with_an_address_owner_has_no_weights() {
    let cfg = load(&GROUPED.replacen("priority 100", "priority 255", 1));
    let b = cfg
        .vrrp
        .instances
        .iter()
        .position(|v| v.name == "B")
        .expect("B");
    let links = instance_links(&cfg, b);
    assert!(links.iter().all(|(_, wt)| wt.weight == 0), "{links:?}");
}

#[test]
fn a_reload_keeps_a_script_s_standing_under_new_rise_and_fall() {
    let mut old = ScriptCounter::new(2, 3, false);
    assert_eq!(old.on_result(false), Some(false));
    assert_eq!(old.on_result(true), None);
    // One success short of rise 2; with rise 3 still one short.
    let (mut new, said) = ScriptCounter::carried(&old, 3, 1, false);
    assert_eq!(said, Some(false));
    assert_eq!(new.up(), Some(false));
    assert_eq!(new.on_result(true), Some(true));
    let (mut top, said) = ScriptCounter::carried(&new, 1, 2, false);
    assert_eq!(said, Some(true));
    assert_eq!(top.on_result(false), None);
    assert_eq!(top.on_result(false), Some(false));
    // Never reported: starts afresh, first run decides.
    let fresh = ScriptCounter::new(4, 4, false);
    let (c, said) = ScriptCounter::carried(&fresh, 4, 4, true);
    assert_eq!((c.up(), said), (None, None));
}

#[test]
fn named_lists_only_the_objects_of_one_kind() {
    let mut t = Tracking::new();
    t.object(Key::File("f1".into()), Level::Value(0));
    t.object(Key::Script("s".into()), Level::Unknown);
    t.object(Key::File("f2".into()), Level::Value(0));
    assert_eq!(
        t.named(Key::File),
        vec![(0, "f1".to_string()), (2, "f2".to_string())]
    );
    assert_eq!(t.named(Key::Script), vec![(1, "s".to_string())]);
    assert!(t.named(Key::Process).is_empty());
}
