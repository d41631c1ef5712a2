//! `track_bfd` in instances and sync groups, as keepalived 2.2.7's vrrp_track.c and
//! vrrp_scheduler.c (vrrp_handle_bfd_event) have it, on the virtual clock.

use super::tests::load;
use super::*;
use crate::config::track::Weight;
use crate::core::time::Micros;
use crate::core::watchdog::link::BfdEvent;
use crate::vrrp::fsm::{Action, Fsm, FsmConfig, State};

fn w(weight: i32, reverse: bool) -> Weight {
    Weight { weight, reverse }
}

const CFG: &str = "
global_defs {
  dynamic_interfaces
}
bfd_instance up1 {
  neighbor_ip 10.0.0.2
  weight -30 reverse
}
bfd_instance up2 {
  neighbor_ip 10.0.0.3
}
bfd_instance up3 {
  neighbor_ip 10.0.0.4
  weight 20
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress {
    10.9.0.1
  }
  track_bfd {
    up1
    up2 weight -10
    up3 weight 5 reverse
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  priority 100
  virtual_ipaddress {
    10.9.0.2
  }
  track_bfd {
    up1 weight 15
    up3 weight 0
  }
}
";

fn idx(cfg: &crate::config::Config, n: &str) -> usize {
    let found = cfg.vrrp.instances.iter().position(|v| v.name == n);
    found.expect(n)
}

#[test]
fn a_track_bfd_weight_keeps_the_bfd_instance_s_reverse_unless_it_says_otherwise() {
    let cfg = load(CFG);
    let a = instance_links(&cfg, idx(&cfg, "A"));
    assert_eq!(
        a,
        [
            (Key::Bfd("up1".into()), w(-30, true)),
            (Key::Bfd("up2".into()), w(-10, false)),
            (Key::Bfd("up3".into()), w(5, true)),
        ]
    );
    let b = instance_links(&cfg, idx(&cfg, "B"));
    // keepalived's alloc_track_bfd starts from the bfd_instance's `weight -30 reverse`.
    assert_eq!(
        b,
        [
            (Key::Bfd("up1".into()), w(15, true)),
            (Key::Bfd("up3".into()), w(0, false)),
        ]
    );
}

fn build(cfg: &crate::config::Config, up: &[&str]) -> Tracking {
    let link_up = |_: &str| true;
    let bfd_up = |n: &str| up.contains(&n);
    let kernel = Kernel {
        link_up: &link_up,
        addrs: &[],
        bfd_up: &bfd_up,
    };
    let insts: Vec<(usize, u32, Option<Effect>)> = (0..cfg.vrrp.instances.len())
        .map(|i| (i, 1, None))
        .collect();
    Tracking::build(cfg, &insts, &Tracking::default(), &kernel)
}

#[test]
fn sessions_start_down_until_the_parent_says_up() {
    let cfg = load(CFG);
    let mut t = build(&cfg, &[]);
    // A: up1 -30 reverse adds 30 while down, up2 -10 takes 10; up3 (5 reverse) nothing.
    assert_eq!(
        t.pending(0),
        Some((
            Effect::default(),
            Effect {
                delta: 20,
                faults: 0
            }
        ))
    );
    // B: up3 weight 0 down is a fault; up1 15 reverse counts only while up.
    assert_eq!(
        t.effect(1),
        Effect {
            delta: 0,
            faults: 1
        }
    );
    let t = build(&cfg, &["up1", "up3"]);
    assert_eq!(
        t.effect(0),
        Effect {
            delta: -15,
            faults: 0
        }
    );
    assert_eq!(
        t.effect(1),
        Effect {
            delta: -15,
            faults: 0
        }
    );
}

#[test]
fn the_parent_s_word_is_kept_per_name_and_only_changes_count() {
    let ev = |n: &str, up| BfdEvent::new(n, up).expect("short name");
    let mut s = BfdStates::default();
    assert!(!s.up("up1"));
    assert!(!s.set(ev("up1", false)), "Down is what was assumed");
    assert!(s.set(ev("up1", true)));
    assert!(!s.set(ev("up1", true)));
    assert!(s.up("up1") && !s.up("up2"));
    assert!(s.set(ev("up1", false)));
    assert!(!s.up("up1"));
    let cfg = load(CFG);
    let t = build(&cfg, &[]);
    assert_eq!(t.find_bfd("up3"), t.find(&Key::Bfd("up3".into())));
    assert_eq!(t.find_bfd("up9"), None);
}

/// A group's track_bfd applies to each member with its weight (an owner among the members
/// makes it 0); on an instance also tracking it the group's weight wins unless the
/// instance's is 0 (add_vrrp_to_track_bfd).
#[test]
fn sync_group_track_bfd_rules() {
    let group = "
vrrp_sync_group G {
  group {
    A
    B
  }
  track_bfd {
    up2 weight -40
    up3
  }
  sync_group_tracking_weight
}
";
    let cfg = load(&format!("{CFG}{group}"));
    let a = instance_links(&cfg, idx(&cfg, "A"));
    assert!(
        a.contains(&(Key::Bfd("up2".into()), w(-40, false))),
        "{a:?}"
    );
    assert!(a.contains(&(Key::Bfd("up3".into()), w(20, false))), "{a:?}");
    let b = instance_links(&cfg, idx(&cfg, "B"));
    assert!(b.contains(&(Key::Bfd("up3".into()), w(0, false))), "{b:?}");
    assert!(
        b.contains(&(Key::Bfd("up2".into()), w(-40, false))),
        "{b:?}"
    );

    // Without sync_group_tracking_weight the members' weighted track_bfd go (the config
    // warns), the group's stay.
    let cfg = load(&format!(
        "{CFG}{}",
        group.replace("sync_group_tracking_weight", "")
    ));
    let a = instance_links(&cfg, idx(&cfg, "A"));
    assert_eq!(
        a,
        [
            (Key::Bfd("up2".into()), w(-40, false)),
            (Key::Bfd("up3".into()), w(20, false)),
        ]
    );
    let owner = CFG.replacen("priority 100", "priority 255", 1);
    let cfg = load(&format!("{owner}{group}"));
    let b = instance_links(&cfg, idx(&cfg, "B"));
    assert_eq!(
        b,
        [
            (Key::Bfd("up1".into()), w(15, true)),
            (Key::Bfd("up3".into()), w(0, false)),
            (Key::Bfd("up2".into()), w(0, false)),
        ],
        "only the group's weights go to 0"
    );
}

/// The shell's steps from a tracking change: new faults, the priority, cleared faults.
fn drive(t: &mut Tracking, i: usize, f: &mut Fsm, now: Micros) -> Vec<Action> {
    let mut all = Vec::new();
    if let Some((old, new)) = t.pending(i) {
        for _ in old.faults..new.faults {
            all.extend(f.tracker_fault(now).iter().cloned());
        }
        if old.delta != new.delta {
            let total = i32::from(f.base_priority()) + new.delta;
            all.extend(f.set_effective_priority(now, total).iter().cloned());
        }
        for _ in new.faults..old.faults {
            all.extend(f.tracker_recovered(now).iter().cloned());
        }
    }
    all
}

fn master(priority: u8, t0: Micros) -> Fsm {
    let mut f = Fsm::new(FsmConfig {
        priority,
        ..FsmConfig::default()
    });
    f.start(t0);
    let at = f.next_deadline().expect("down timer");
    f.on_timer(at);
    assert_eq!(f.state(), State::Master);
    f
}

#[test]
fn a_master_losing_a_weight_0_bfd_sends_priority_0_at_once_and_comes_back_with_it() {
    let cfg = load(CFG);
    let b = idx(&cfg, "B");
    let mut t = build(&cfg, &["up3"]);
    let t0 = Micros::from_secs(10);
    let mut f = master(100, t0);
    let _ = drive(&mut t, b, &mut f, t0);
    let up3 = t.find_bfd("up3").expect("up3");
    let lost = t0 + Micros::from_secs(3) + Micros(137);
    assert!(t.set_level(up3, Level::Down));
    let acts = drive(&mut t, b, &mut f, lost);
    assert_eq!(f.state(), State::Fault);
    assert!(
        acts.contains(&Action::SendAdvert { priority: 0 }),
        "{acts:?}"
    );
    assert!(acts.contains(&Action::RemoveVips), "{acts:?}");
    assert!(acts.contains(&Action::Notify(State::Fault)), "{acts:?}");
    assert!(t.set_level(up3, Level::Up));
    let acts = drive(&mut t, b, &mut f, lost + Micros(500));
    assert_eq!(f.state(), State::Backup);
    assert!(acts.contains(&Action::Notify(State::Backup)), "{acts:?}");
}

#[test]
fn a_weighted_bfd_moves_the_priority_at_once_and_an_advert_carries_it() {
    let cfg = load(CFG);
    let a = idx(&cfg, "A");
    let mut t = build(&cfg, &["up2"]);
    let t0 = Micros::from_secs(10);
    let mut f = master(100, t0);
    let _ = drive(&mut t, a, &mut f, t0);
    assert_eq!(
        f.effective_priority(),
        130,
        "up1: -30 reverse adds while down"
    );
    let up2 = t.find_bfd("up2").expect("up2");
    t.set_level(up2, Level::Down);
    let _ = drive(&mut t, a, &mut f, t0 + Micros(10));
    assert_eq!(f.effective_priority(), 120);
    assert_eq!(f.state(), State::Master, "a weight never faults");
    // The next advert goes out at the new priority (not before: keepalived waits its advert
    // interval, the peer preempts on it).
    let at = f.next_deadline().expect("advert timer");
    let acts = f.on_timer(at);
    assert!(
        acts.iter()
            .any(|x| matches!(x, Action::SendAdvert { priority: 120 })),
        "{acts:?}"
    );
}
