//! Sync groups on a virtual clock: one router's group of two or three members, with the peer's
//! adverts fed in by hand. Deadlines come from keepalived's formula (v2, interval 1 s):
//! Master_Down = 3 s + (256 - prio) / 256 s.

use std::net::IpAddr;

use super::*;
use crate::vrrp::fsm::{FsmConfig, RxAdvert};

const S: u64 = 1_000_000;
/// Priority 100: 3 s + 156/256 s.
const DOWN_100: u64 = 3_609_375;
/// Priority 200: 3 s + 56/256 s.
const DOWN_200: u64 = 3_218_750;

fn t(us: u64) -> Micros {
    Micros(us)
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn adv(prio: u8) -> RxAdvert {
    RxAdvert::v2(ip("10.0.0.9"), prio, 1)
}

/// What a user would see, in order: instance and group notifies.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Inst(usize, State),
    Group(State),
}

struct Router {
    fsms: Vec<Fsm>,
    group: SyncGroup,
    seen: Vec<Seen>,
    /// Instances that installed VIPs and have not removed them.
    vips: Vec<bool>,
    /// Members whose expired down timer the group held back.
    held: Vec<usize>,
}

impl Router {
    fn new(prios: &[u8]) -> Self {
        let fsms: Vec<Fsm> = prios
            .iter()
            .map(|&p| {
                Fsm::new(FsmConfig {
                    priority: p,
                    src_ip: Some(ip("10.0.0.2")),
                    ..FsmConfig::default()
                })
            })
            .collect();
        let n = fsms.len();
        Router {
            fsms,
            group: SyncGroup::new("G1".into(), (0..n).collect()),
            seen: Vec::new(),
            vips: vec![false; n],
            held: Vec::new(),
        }
    }

    fn record(&mut self, i: usize, acts: &Actions) {
        for a in acts {
            match *a {
                Action::Notify(s) => self.seen.push(Seen::Inst(i, s)),
                Action::AddVips => self.vips[i] = true,
                Action::RemoveVips => self.vips[i] = false,
                _ => {}
            }
        }
    }

    fn outs(&mut self, outs: Outs) {
        for o in outs {
            match o {
                Out::Member { inst, acts } => self.record(inst, &acts),
                Out::Notify(s) => self.seen.push(Seen::Group(s)),
                Out::Held { inst } => self.held.push(inst),
                Out::Syncing(_) | Out::MemberFault { .. } => {}
            }
        }
    }

    /// One input to member `i`, as the shell gives it.
    fn input(&mut self, i: usize, now: u64, f: impl FnOnce(&mut Fsm, Micros) -> Actions) {
        let acts = f(&mut self.fsms[i], t(now));
        let acts = self.group.filter(i, &acts);
        self.record(i, &acts);
        let outs = self.group.after(&mut self.fsms, i, &acts, t(now));
        self.outs(outs);
    }

    fn start(&mut self, now: u64) {
        let outs = self.group.prepare_start(&mut self.fsms, t(now), |_| false);
        self.outs(outs);
        for i in 0..self.fsms.len() {
            self.input(i, now, |f, n| f.start(n));
        }
        let outs = self.group.finish_start(&mut self.fsms);
        self.outs(outs);
    }

    /// Runs every member's timers due up to `until`, in time order.
    fn run_until(&mut self, until: u64) {
        while let Some((i, at)) = (0..self.fsms.len())
            .filter_map(|i| self.fsms[i].next_deadline().map(|d| (i, d.0)))
            .filter(|&(_, d)| d <= until)
            .min_by_key(|&(_, d)| d)
        {
            self.input(i, at, |f, n| f.on_timer(n));
        }
    }

    fn states(&self) -> Vec<State> {
        self.fsms.iter().map(|f| f.state()).collect()
    }

    fn take_seen(&mut self) -> Vec<Seen> {
        std::mem::take(&mut self.seen)
    }
}

use Seen::{Group, Inst};
use State::{Backup, Fault, Master};

#[test]
fn group_notifies_backup_before_its_members_at_start() {
    let mut r = Router::new(&[100, 100]);
    r.start(0);
    assert_eq!(r.states(), vec![Backup, Backup]);
    assert_eq!(
        r.take_seen(),
        vec![Group(Backup), Inst(0, Backup), Inst(1, Backup)]
    );
}

#[test]
fn members_take_over_together_when_the_last_down_timer_expires() {
    // Different priorities: member 0 (200) times out first but must wait for member 1 (100).
    let mut r = Router::new(&[200, 100]);
    r.start(0);
    r.take_seen();
    r.run_until(DOWN_200);
    assert_eq!(
        r.states(),
        vec![Backup, Backup],
        "held until every member wants MASTER"
    );
    assert_eq!(r.fsms[0].wantstate(), Master);
    assert_eq!(r.held, vec![0], "the held timeout is reported");
    r.run_until(DOWN_100);
    assert_eq!(r.states(), vec![Master, Master]);
    assert_eq!(r.vips, vec![true, true]);
    assert_eq!(
        r.take_seen(),
        vec![Inst(1, Master), Inst(0, Master), Group(Master)]
    );
}

#[test]
fn a_member_hearing_its_master_keeps_the_whole_group_backup() {
    let mut r = Router::new(&[100, 100]);
    r.start(0);
    r.take_seen();
    // Member 1's master keeps advertising; member 0's master is gone.
    let mut now = 0;
    while now < 20 * S {
        now += S;
        r.run_until(now);
        r.input(1, now, |f, n| f.on_advert(n, &adv(150)));
    }
    assert_eq!(r.states(), vec![Backup, Backup]);
    assert_eq!(r.fsms[0].wantstate(), Master);
    assert!(r.take_seen().is_empty());
    // Once member 1's master goes quiet too, both take over.
    r.run_until(now + DOWN_100 + 1);
    assert_eq!(r.states(), vec![Master, Master]);
}

#[test]
fn higher_priority_advert_on_one_member_takes_both_back_to_backup() {
    let mut r = Router::new(&[100, 100]);
    r.start(0);
    r.run_until(DOWN_100);
    assert_eq!(r.states(), vec![Master, Master]);
    r.take_seen();
    r.input(1, DOWN_100 + S / 2, |f, n| f.on_advert(n, &adv(150)));
    assert_eq!(r.states(), vec![Backup, Backup]);
    assert_eq!(r.vips, vec![false, false]);
    assert_eq!(
        r.take_seen(),
        vec![Inst(1, Backup), Inst(0, Backup), Group(Backup)]
    );
}

#[test]
fn one_link_down_takes_the_group_to_fault_and_back() {
    let mut r = Router::new(&[100, 100]);
    r.start(0);
    r.run_until(DOWN_100);
    r.take_seen();
    let t1 = 5 * S;
    r.input(0, t1, |f, n| f.link_down(n));
    assert_eq!(r.states(), vec![Fault, Fault]);
    assert_eq!(r.vips, vec![false, false]);
    assert_eq!(
        r.take_seen(),
        vec![Inst(0, Fault), Inst(1, Fault), Group(Fault)]
    );
    // Member 1 never hears anything while in FAULT: no timer runs it to MASTER.
    r.run_until(t1 + 10 * S);
    assert_eq!(r.states(), vec![Fault, Fault]);
    // Link back: both BACKUP, then MASTER together after a down interval.
    let t2 = t1 + 10 * S;
    r.input(0, t2, |f, n| f.link_up(n));
    assert_eq!(r.states(), vec![Backup, Backup]);
    assert_eq!(
        r.take_seen(),
        vec![Inst(0, Backup), Inst(1, Backup), Group(Backup)]
    );
    r.run_until(t2 + DOWN_100);
    assert_eq!(r.states(), vec![Master, Master]);
}

#[test]
fn group_stays_in_fault_until_its_last_faulted_member_recovers() {
    let mut r = Router::new(&[100, 100, 100]);
    r.start(0);
    r.take_seen();
    r.input(0, S, |f, n| f.link_down(n));
    r.input(1, 2 * S, |f, n| f.tracker_fault(n));
    // Member 1 was in FAULT already through its group: no second FAULT notify.
    assert_eq!(
        r.take_seen(),
        vec![Inst(0, Fault), Inst(1, Fault), Inst(2, Fault), Group(Fault)]
    );
    r.input(0, 3 * S, |f, n| f.link_up(n));
    assert_eq!(r.states(), vec![Fault, Fault, Fault]);
    assert!(r.take_seen().is_empty());
    r.input(1, 4 * S, |f, n| f.tracker_recovered(n));
    assert_eq!(r.states(), vec![Backup, Backup, Backup]);
    assert_eq!(
        r.take_seen(),
        vec![
            Inst(1, Backup),
            Inst(0, Backup),
            Inst(2, Backup),
            Group(Backup)
        ]
    );
}

#[test]
fn a_link_down_at_start_starts_every_member_in_fault() {
    let mut r = Router::new(&[100, 100]);
    r.fsms[1].link_down(t(0));
    r.start(0);
    assert_eq!(r.states(), vec![Fault, Fault]);
    assert_eq!(
        r.take_seen(),
        vec![Inst(0, Fault), Inst(1, Fault), Group(Fault)]
    );
    r.input(1, S, |f, n| f.link_up(n));
    assert_eq!(r.states(), vec![Backup, Backup]);
    r.run_until(S + DOWN_100);
    assert_eq!(r.states(), vec![Master, Master]);
}

#[test]
fn stopping_a_master_does_not_move_the_others() {
    let mut r = Router::new(&[100, 100]);
    r.start(0);
    r.run_until(DOWN_100);
    r.take_seen();
    r.input(0, 5 * S, |f, n| f.stop(n));
    assert_eq!(r.states(), vec![State::Stop, Master]);
}

#[test]
fn a_lower_priority_advert_re_sends_every_members_garps() {
    let mut r = Router::new(&[100, 100]);
    r.start(0);
    r.run_until(DOWN_100);
    assert_eq!(r.states(), vec![Master, Master]);
    let acts = r.fsms[0].on_advert(t(DOWN_100 + S / 2), &adv(50));
    let acts = r.group.filter(0, &acts);
    assert!(acts.contains(&Action::NotifyMasterRxLowerPri));
    let outs = r.group.after(&mut r.fsms, 0, &acts, t(DOWN_100 + S / 2));
    assert_eq!(
        outs,
        vec![Out::Member {
            inst: 1,
            acts: [Action::SendGarps { repeat: 5 }].into_iter().collect()
        }]
    );
}

/// Both members hear lower priority masters: each discards them, and the group preempts once
/// both down timers ran out.
#[test]
fn group_preempts_when_every_member_may() {
    let mut r = Router::new(&[200, 200]);
    r.start(0);
    let mut now = 0;
    while now < 3 * S {
        now += S / 2;
        r.run_until(now);
        r.input(0, now, |f, n| f.on_advert(n, &adv(150)));
        r.input(1, now, |f, n| f.on_advert(n, &adv(150)));
    }
    r.run_until(DOWN_200 + 1);
    assert_eq!(r.states(), vec![Master, Master]);
}

/// A member with nopreempt accepts its lower priority master and keeps wanting BACKUP, so the
/// whole group stays BACKUP although the other member would preempt.
#[test]
fn one_nopreempt_member_keeps_the_group_from_preempting() {
    let mut r = Router::new(&[200, 200]);
    r.fsms[1] = Fsm::new(FsmConfig {
        priority: 200,
        nopreempt: true,
        src_ip: Some(ip("10.0.0.2")),
        ..FsmConfig::default()
    });
    r.start(0);
    let mut now = 0;
    while now < 20 * S {
        now += S;
        r.run_until(now);
        r.input(0, now, |f, n| f.on_advert(n, &adv(150)));
        r.input(1, now, |f, n| f.on_advert(n, &adv(150)));
    }
    assert_eq!(r.states(), vec![Backup, Backup]);
    assert_eq!(r.fsms[0].wantstate(), Master);
    assert_eq!(r.fsms[1].wantstate(), Backup);
}

#[test]
fn a_member_whose_link_is_down_at_start_starts_the_group_in_fault() {
    let mut r = Router::new(&[100, 100]);
    let outs = r.group.prepare_start(&mut r.fsms, t(0), |i| i == 1);
    assert_eq!(outs, vec![Out::MemberFault { inst: 1 }]);
    assert_eq!(r.group.state(), State::Fault);
}

#[test]
fn groups_are_built_over_the_members_that_run() {
    let conf = [
        ("G1".to_string(), vec!["VI_2".to_string(), "VI_9".into()]),
        ("G2".to_string(), vec!["VI_8".to_string()]),
    ];
    let groups = build(
        conf.iter().map(|(n, m)| (n.as_str(), m.as_slice())),
        &["VI_1", "VI_2"],
    );
    assert_eq!(groups.len(), 1, "G2 has no member running");
    assert_eq!(
        (groups[0].name.as_str(), &groups[0].members[..]),
        ("G1", &[1][..])
    );
}
