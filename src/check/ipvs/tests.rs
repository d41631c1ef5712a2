//! The manager with virtual inputs, the diff, the config plan, and the wire bytes.

use std::net::IpAddr;

use super::manager::{self, Manager};
use super::plan::{plan, VsPlan};
use super::table::*;
use super::wire;
use crate::check::CheckerId;
use crate::config::{self, Config, Diagnostics};
use crate::net::netlink::{messages, NLA_F_NESTED};

pub(super) fn cfg(text: &str) -> Config {
    let mut d = Diagnostics::new();
    let nodes = config::reader::tree_from_str(text, 0, &mut d);
    let c = config::from_tree(&nodes, &mut d);
    assert!(!d.has_errors(), "{:?}", d.items());
    c
}

pub(super) fn plans(text: &str) -> Vec<VsPlan> {
    plan(&cfg(text).lvs)
}

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The table as `svc: dest/weight ...` lines, for assertions that read like /proc/net/ip_vs.
pub(super) fn show(m: &Manager) -> Vec<String> {
    let mut t = Vec::new();
    m.desired(&mut t);
    t.iter()
        .map(|e| {
            let mut s = format!("{}:", e.svc.key);
            for d in &e.dests {
                s += &format!(" {}/{}", d.key, d.weight);
            }
            s
        })
        .collect()
}

fn ck(vs: usize, rs: usize, ck: usize) -> CheckerId {
    CheckerId { vs, rs, ck }
}

/// The notices that call for scripts, as these tests name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notice {
    RsUp { vs: usize, rs: usize },
    RsDown { vs: usize, rs: usize },
    QuorumUp { vs: usize },
    QuorumDown { vs: usize },
}

fn simple(n: manager::Notice) -> Option<Notice> {
    match n {
        manager::Notice::Rs { vs, rs, alive, .. } => Some(if alive {
            Notice::RsUp { vs, rs }
        } else {
            Notice::RsDown { vs, rs }
        }),
        manager::Notice::Quorum { vs, up, .. } => Some(if up {
            Notice::QuorumUp { vs }
        } else {
            Notice::QuorumDown { vs }
        }),
        manager::Notice::Renotify { .. } | manager::Notice::Weight { .. } => None,
    }
}

fn notices(m: &mut Manager) -> Vec<Notice> {
    m.take_notices().filter_map(simple).collect()
}

pub(super) const MISC: &str = "MISC_CHECK {\n misc_path /bin/true\n }";

pub(super) fn pool(vs_opts: &str, rs_opts: &[&str]) -> String {
    let mut s = format!("virtual_server 10.0.0.1 80 {{\n protocol TCP\n lb_kind NAT\n {vs_opts}\n");
    for (i, o) in rs_opts.iter().enumerate() {
        s += &format!(" real_server 10.0.1.{} 80 {{\n {o}\n }}\n", i + 1);
    }
    s + "}\n"
}

/// The manager of `text`, its start-time quorum gains (every virtual server's) taken.
fn started(text: &str) -> Manager {
    let mut m = Manager::new(plans(text));
    let gained = m.take_notices().filter(|n| {
        matches!(
            n,
            manager::Notice::Quorum {
                up: true,
                init: true,
                ..
            }
        )
    });
    assert_eq!(gained.count(), m.plans().count());
    m
}

#[test]
fn servers_without_checkers_are_in_at_their_weights() {
    let mut m = Manager::new(plans(&pool("", &["weight 1", "weight 3"])));
    assert_eq!(
        show(&m),
        ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/1 [10.0.1.2]:80/3"]
    );
    assert_eq!(notices(&mut m), [Notice::QuorumUp { vs: 0 }]);
    assert!(m.quorum_up(0));
}

#[test]
fn quorum_is_gained_at_start_with_the_whole_weight_as_keepalived_logs_it() {
    // keepalived judges quorum before any server is alive, then adds them all: "Gained
    // quorum 2+1=3 <= 4" at start, its script and mail worded "Starting with quorum up".
    let a = format!("weight 3\n {MISC}");
    let b = format!("weight 2\n alpha\n {MISC}");
    let vs = "quorum 2\n hysteresis 1\n sorry_server 10.0.9.9 80";
    let mut m = Manager::new(plans(&pool(vs, &[&a, "weight 1", &b])));
    let start = m.take_notices().collect::<Vec<_>>();
    let want = manager::Notice::Quorum {
        vs: 0,
        up: true,
        init: true,
        sum: 4,
        thr: 3,
        reload: false,
        swap: false,
    };
    assert_eq!(start, [want]);
    // Lost below 2-1=1 only: the weight 1 left keeps it.
    m.checker_changed(ck(0, 0, 0), false);
    assert!(m.quorum_up(0));
}

#[test]
fn a_reload_judges_only_new_virtual_servers_afresh() {
    let one = pool("quorum 2", &["weight 2"]);
    let old = started(&one);
    let two = format!(
        "{one}virtual_server 10.0.0.2 80 {{\n protocol TCP\n real_server 10.0.1.9 80 {{\n }}\n}}\n"
    );
    let mut new = Manager::reloaded(plans(&two), &old);
    let gained = manager::Notice::Quorum {
        vs: 1,
        up: true,
        init: true,
        sum: 1,
        thr: 1,
        reload: false,
        swap: false,
    };
    assert_eq!(new.take_notices().collect::<Vec<_>>(), [gained]);
    assert!(new.quorum_up(0));
}

#[test]
fn a_failed_checker_removes_its_server_and_a_pass_brings_it_back() {
    let rs = format!("weight 2\n {MISC}");
    let mut m = started(&pool("", &[&rs, "weight 1"]));
    m.checker_changed(ck(0, 0, 0), false);
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.1.2]:80/1"]);
    assert_eq!(notices(&mut m), [Notice::RsDown { vs: 0, rs: 0 }]);
    m.checker_changed(ck(0, 0, 0), true);
    assert_eq!(
        show(&m),
        ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/2 [10.0.1.2]:80/1"]
    );
    assert_eq!(notices(&mut m), [Notice::RsUp { vs: 0, rs: 0 }]);
}

#[test]
fn a_server_is_up_only_when_all_its_checkers_are() {
    let rs = format!("{MISC}\n {MISC}");
    let mut m = started(&pool("", &[&rs, ""]));
    m.checker_changed(ck(0, 0, 0), false);
    m.checker_changed(ck(0, 0, 1), false);
    m.checker_changed(ck(0, 0, 0), true);
    assert!(!m.rs_alive(0, 0));
    assert_eq!(notices(&mut m), [Notice::RsDown { vs: 0, rs: 0 }]);
    m.checker_changed(ck(0, 0, 1), true);
    assert!(m.rs_alive(0, 0));
}

#[test]
fn inhibit_on_failure_keeps_a_failed_server_at_weight_zero() {
    let rs = format!("weight 5\n inhibit_on_failure\n {MISC}");
    let mut m = Manager::new(plans(&pool("", &[&rs])));
    m.checker_changed(ck(0, 0, 0), false);
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/0"]);
    m.checker_changed(ck(0, 0, 0), true);
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/5"]);
}

#[test]
fn alpha_servers_start_out_until_their_checker_passes() {
    let rs = format!("alpha\n {MISC}");
    let mut m = started(&pool("", &[&rs, ""]));
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.1.2]:80/1"]);
    m.checker_changed(ck(0, 0, 0), true);
    assert_eq!(
        show(&m),
        ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/1 [10.0.1.2]:80/1"]
    );
    assert_eq!(notices(&mut m), [Notice::RsUp { vs: 0, rs: 0 }]);
}

#[test]
fn losing_quorum_swaps_in_the_sorry_server_and_regaining_swaps_it_out() {
    let vs = "quorum 3\n sorry_server 10.0.9.9 8080";
    let a = format!("weight 2\n {MISC}");
    let mut m = started(&pool(vs, &[&a, "weight 1"]));
    assert!(m.quorum_up(0));
    m.checker_changed(ck(0, 0, 0), false);
    assert!(!m.quorum_up(0));
    // The sorry server serves alone: the still-alive 10.0.1.2 leaves the pool.
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.9.9]:8080/1"]);
    assert_eq!(
        notices(&mut m),
        [
            Notice::RsDown { vs: 0, rs: 0 },
            Notice::QuorumDown { vs: 0 }
        ]
    );
    m.checker_changed(ck(0, 0, 0), true);
    assert_eq!(
        show(&m),
        ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/2 [10.0.1.2]:80/1"]
    );
    assert_eq!(
        notices(&mut m),
        [Notice::RsUp { vs: 0, rs: 0 }, Notice::QuorumUp { vs: 0 }]
    );
}

#[test]
fn quorum_down_without_a_sorry_server_keeps_the_alive_servers() {
    let a = format!("weight 2\n {MISC}");
    let mut m = started(&pool("quorum 3", &[&a, "weight 1"]));
    m.checker_changed(ck(0, 0, 0), false);
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.1.2]:80/1"]);
    assert_eq!(
        notices(&mut m),
        [
            Notice::RsDown { vs: 0, rs: 0 },
            Notice::QuorumDown { vs: 0 }
        ]
    );
}

#[test]
fn sorry_server_inhibit_keeps_it_at_weight_zero_while_quorum_holds() {
    let vs = "quorum 2\n sorry_server 10.0.9.9 80\n sorry_server_inhibit";
    let a = format!("weight 2\n {MISC}");
    let mut m = Manager::new(plans(&pool(vs, &[&a])));
    assert_eq!(
        show(&m),
        ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/2 [10.0.9.9]:80/0"]
    );
    m.checker_changed(ck(0, 0, 0), false);
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.9.9]:80/1"]);
}

#[test]
fn hysteresis_widens_the_quorum_both_ways() {
    // quorum 3, hysteresis 1: gained at 4, lost below 2.
    let vs = "quorum 3\n hysteresis 1";
    let r = |w: u32| format!("weight {w}\n {MISC}");
    let (a, b, c) = (r(2), r(1), r(1));
    let mut m = Manager::new(plans(&pool(vs, &[&a, &b, &c])));
    assert!(m.quorum_up(0));
    m.checker_changed(ck(0, 1, 0), false); // 3
    m.checker_changed(ck(0, 2, 0), false); // 2: not below 2
    assert!(m.quorum_up(0));
    m.checker_changed(ck(0, 0, 0), false); // 0
    assert!(!m.quorum_up(0));
    m.checker_changed(ck(0, 0, 0), true); // 2
    m.checker_changed(ck(0, 1, 0), true); // 3: not yet 4
    assert!(!m.quorum_up(0));
    m.checker_changed(ck(0, 2, 0), true); // 4
    assert!(m.quorum_up(0));
}

#[test]
fn quorum_that_starts_lost_with_a_sorry_server_says_so() {
    let a = format!("weight 3\n alpha\n {MISC}");
    let mut m = Manager::new(plans(&pool("quorum 2\n sorry_server 10.0.9.9 80", &[&a])));
    assert_eq!(notices(&mut m), [Notice::QuorumDown { vs: 0 }]);
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.9.9]:80/1"]);
}

#[test]
fn a_dynamic_weight_moves_the_server_and_the_quorum() {
    let a = format!("weight 3\n {MISC}");
    let mut m = started(&pool("quorum 2", &[&a]));
    m.weight_changed(ck(0, 0, 0), 1);
    assert_eq!(show(&m), ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/1"]);
    assert!(!m.quorum_up(0));
    assert_eq!(notices(&mut m), [Notice::QuorumDown { vs: 0 }]);
}

#[test]
fn omega_reports_the_alive_servers_and_quorum_down_on_stop() {
    let mut m = started(&pool("omega", &["", ""]));
    m.stop();
    assert_eq!(
        notices(&mut m),
        [
            Notice::RsDown { vs: 0, rs: 0 },
            Notice::RsDown { vs: 0, rs: 1 },
            Notice::QuorumDown { vs: 0 }
        ]
    );
    let mut m = started(&pool("", &[""]));
    m.stop();
    assert!(notices(&mut m).is_empty());
}

#[test]
fn a_reload_keeps_the_health_of_unchanged_servers() {
    let text = pool("", &[MISC, ""]);
    let mut old = Manager::new(plans(&text));
    old.checker_changed(ck(0, 0, 0), false);
    let new = Manager::reloaded(plans(&text), &old);
    assert!(!new.rs_alive(0, 0));
    assert!(new.rs_alive(0, 1));
}

#[test]
fn checker_ids_out_of_range_are_ignored() {
    let mut m = Manager::new(plans(&pool("", &[""])));
    m.checker_changed(ck(5, 0, 0), false);
    m.checker_changed(ck(0, 7, 0), false);
    m.checker_changed(ck(0, 0, 9), false);
    assert!(m.rs_alive(0, 0));
}

#[test]
fn plan_follows_keepalived_defaults_and_the_kernel_port_rules() {
    let p = plans(
        "virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 8080 {\n }\n}\n\
         virtual_server 10.0.0.2 80 {\n lb_kind DR\n real_server 10.0.1.1 8080 {\n }\n}\n\
         virtual_server fwmark 5 {\n lb_algo rr\n real_server 2001:db8::5 {\n }\n}\n",
    );
    // No protocol: UDP; no scheduler: wlc; NAT keeps the server's port, DR takes the service's.
    let s0 = &p[0].services[0];
    assert_eq!(
        s0.key,
        SvcKey::Addr {
            proto: IPPROTO_UDP,
            ip: ip("10.0.0.1"),
            port: 80
        }
    );
    assert_eq!(&*s0.sched, "wlc");
    assert_eq!(s0.netmask, u32::MAX);
    assert_eq!(p[0].real_servers[0].dest(&s0.key, 1).key.port, 8080);
    let s1 = &p[1].services[0];
    assert_eq!(p[1].real_servers[0].dest(&s1.key, 1).key.port, 80);
    assert_eq!(p[1].real_servers[0].dest.fwd, FWD_DROUTE);
    // A fwmark service without ip_family takes its servers' family.
    assert_eq!(
        p[2].services[0].key,
        SvcKey::Fwmark {
            af: AF_INET6,
            mark: 5
        }
    );
    assert_eq!(p[2].services[0].netmask, 128);
}

#[test]
fn plan_expands_a_group_and_sets_persistence() {
    let p = plans(
        "virtual_server_group g {\n 10.0.0.1-3 443\n fwmark 4\n}\n\
         virtual_server group g {\n protocol TCP\n persistence_timeout 30\n \
         persistence_granularity 255.255.0.0\n real_server 10.0.1.1 443 {\n }\n}\n",
    );
    let keys: Vec<String> = p[0].services.iter().map(|s| s.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "[10.0.0.1]:TCP:443",
            "[10.0.0.2]:TCP:443",
            "[10.0.0.3]:TCP:443",
            "FWM 4"
        ]
    );
    let s = &p[0].services[0];
    assert_eq!(s.flags & SVC_F_PERSISTENT, SVC_F_PERSISTENT);
    assert_eq!(s.timeout, 30);
    assert_eq!(s.netmask.to_ne_bytes(), [255, 255, 0, 0]);
}

fn svc(port: u16) -> Service {
    let mut sched = Name::new();
    let _ = sched.push_str("rr");
    Service {
        key: SvcKey::Addr {
            proto: IPPROTO_TCP,
            ip: ip("10.0.0.1"),
            port,
        },
        sched,
        flags: 0,
        timeout: 0,
        netmask: u32::MAX,
        pe: Name::new(),
    }
}

fn dest(last: u8, weight: u32) -> Dest {
    Dest {
        key: DestKey {
            ip: IpAddr::from([10, 0, 1, last]),
            port: 80,
        },
        fwd: FWD_MASQ,
        tun_type: 0,
        tun_port: 0,
        tun_flags: 0,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

#[test]
fn diff_edits_in_place_and_leaves_foreign_entries_alone() {
    let want = [Entry {
        svc: svc(80),
        dests: vec![dest(1, 5), dest(2, 1)],
    }];
    let mut kernel_svc = svc(80);
    kernel_svc.flags = SVC_F_HASHED; // the kernel's own flag is no difference
    let have = [
        Entry {
            svc: kernel_svc,
            dests: vec![dest(1, 1), dest(3, 1), dest(9, 1)],
        },
        Entry {
            svc: svc(81),
            dests: vec![],
        },
    ];
    let mut ops = Vec::new();
    // 10.0.1.3 is one of ours (a server that went down); 10.0.1.9 someone else's.
    let ours = |_: &SvcKey, d: &DestKey| d.ip != ip("10.0.1.9");
    diff(&want, &have, ours, &mut ops);
    let k = svc(80).key;
    assert_eq!(
        ops,
        [
            Op::DelDest(k, dest(3, 0).key),
            Op::EditDest(k, dest(1, 5)),
            Op::AddDest(k, dest(2, 1)),
        ]
    );
    ops.clear();
    diff(&want, &[], ours, &mut ops);
    assert_eq!(
        ops,
        [
            Op::AddService(svc(80)),
            Op::AddDest(k, dest(1, 5)),
            Op::AddDest(k, dest(2, 1))
        ]
    );
}

/// An attribute as the kernel lays it out: length, type, payload, padding to 4.
pub(super) fn attr(ty: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(((4 + payload.len()) as u16).to_ne_bytes());
    v.extend(ty.to_ne_bytes());
    v.extend(payload);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

pub(super) fn nest(ty: u16, inner: &[Vec<u8>]) -> Vec<u8> {
    attr(ty | NLA_F_NESTED, &inner.concat())
}

pub(super) fn msg(ty: u16, flags: u16, seq: u32, genl: [u8; 4], body: &[Vec<u8>]) -> Vec<u8> {
    let body = body.concat();
    let mut v = Vec::new();
    v.extend(((16 + 4 + body.len()) as u32).to_ne_bytes());
    v.extend(ty.to_ne_bytes());
    v.extend(flags.to_ne_bytes());
    v.extend(seq.to_ne_bytes());
    v.extend(0u32.to_ne_bytes());
    v.extend(genl);
    v.extend(body);
    v
}

pub(super) fn addr16(a: [u8; 4]) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..4].copy_from_slice(&a);
    b
}

#[test]
fn del_dest_bytes_follow_the_uapi_layout() {
    let op = Op::DelDest(
        SvcKey::Addr {
            proto: IPPROTO_TCP,
            ip: ip("10.0.0.1"),
            port: 80,
        },
        DestKey {
            ip: ip("10.0.0.2"),
            port: 8080,
        },
    );
    let mut buf = [0u8; wire::REQ_BUF_LEN];
    let got = wire::op(&mut buf, 0x22, 7, &op).unwrap();
    let want = msg(
        0x22,
        0x05, // REQUEST | ACK
        7,
        [7, 1, 0, 0], // IPVS_CMD_DEL_DEST, version 1
        &[
            nest(
                1,
                &[
                    attr(1, &2u16.to_ne_bytes()),
                    attr(2, &6u16.to_ne_bytes()),
                    attr(3, &addr16([10, 0, 0, 1])),
                    attr(4, &[0, 80]),
                ],
            ),
            nest(
                2,
                &[attr(1, &addr16([10, 0, 0, 2])), attr(2, &[0x1f, 0x90])],
            ),
        ],
    );
    assert_eq!(got, &want[..]);
}

#[test]
fn add_service_carries_scheduler_flags_timeout_and_netmask() {
    let mut s = svc(443);
    s.flags = SVC_F_PERSISTENT;
    s.timeout = 300;
    s.netmask = u32::from_ne_bytes([255, 255, 255, 0]);
    let mut buf = [0u8; wire::REQ_BUF_LEN];
    let got = wire::op(&mut buf, 0x22, 9, &Op::AddService(s)).unwrap();
    let mut flags = 1u32.to_ne_bytes().to_vec();
    flags.extend(u32::MAX.to_ne_bytes());
    let want = msg(
        0x22,
        0x05,
        9,
        [1, 1, 0, 0],
        &[nest(
            1,
            &[
                attr(1, &2u16.to_ne_bytes()),
                attr(2, &6u16.to_ne_bytes()),
                attr(3, &addr16([10, 0, 0, 1])),
                attr(4, &443u16.to_be_bytes()),
                attr(6, b"rr\0"),
                attr(7, &flags),
                attr(8, &300u32.to_ne_bytes()),
                attr(9, &[255, 255, 255, 0]),
            ],
        )],
    );
    assert_eq!(got, &want[..]);
}

/// A GET_SERVICE reply as the kernel sends it (with stats we do not read).
fn service_reply() -> Vec<u8> {
    let mut flags = (SVC_F_PERSISTENT | SVC_F_HASHED).to_ne_bytes().to_vec();
    flags.extend(u32::MAX.to_ne_bytes());
    msg(
        0x22,
        0x02,
        3,
        [4, 1, 0, 0],
        &[nest(
            1,
            &[
                attr(1, &10u16.to_ne_bytes()),
                attr(2, &132u16.to_ne_bytes()),
                attr(
                    3,
                    &"2001:db8::1"
                        .parse::<std::net::Ipv6Addr>()
                        .unwrap()
                        .octets(),
                ),
                attr(4, &443u16.to_be_bytes()),
                attr(6, b"sh\0"),
                attr(7, &flags),
                attr(8, &60u32.to_ne_bytes()),
                attr(9, &64u32.to_ne_bytes()),
                nest(10, &[attr(1, &5u32.to_ne_bytes())]),
            ],
        )],
    )
}

#[test]
fn a_service_reply_parses_to_what_we_asked_for() {
    let bytes = service_reply();
    let m = messages(&bytes).next().unwrap().unwrap();
    let s = wire::parse_service(&m).unwrap();
    assert_eq!(
        s.key,
        SvcKey::Addr {
            proto: IPPROTO_SCTP,
            ip: ip("2001:db8::1"),
            port: 443
        }
    );
    assert_eq!(&*s.sched, "sh");
    assert_eq!(s.timeout, 60);
    assert_eq!(s.netmask, 64);
    assert_eq!(s.flags & SVC_F_USER, SVC_F_PERSISTENT);
}

#[test]
fn a_dest_reply_parses_and_masks_the_forwarding_flags() {
    let bytes = msg(
        0x22,
        0x02,
        3,
        [8, 1, 0, 0],
        &[nest(
            2,
            &[
                attr(1, &addr16([10, 0, 1, 7])),
                attr(2, &80u16.to_be_bytes()),
                attr(3, &(FWD_DROUTE | 0x100).to_ne_bytes()),
                attr(4, &3u32.to_ne_bytes()),
                attr(5, &100u32.to_ne_bytes()),
                attr(6, &10u32.to_ne_bytes()),
            ],
        )],
    );
    let m = messages(&bytes).next().unwrap().unwrap();
    let d = wire::parse_dest(&m, AF_INET).unwrap();
    assert_eq!(
        d.key,
        DestKey {
            ip: ip("10.0.1.7"),
            port: 80
        }
    );
    assert_eq!(
        (d.fwd, d.weight, d.u_threshold, d.l_threshold),
        (FWD_DROUTE, 3, 100, 10)
    );
}

#[test]
fn truncated_replies_are_errors_not_panics() {
    let bytes = service_reply();
    for n in 0..bytes.len() {
        let mut cut = bytes[..n].to_vec();
        // Keep the header's length honest so the message itself is what is short.
        if n >= 4 {
            cut[..4].copy_from_slice(&(n as u32).to_ne_bytes());
        }
        if let Some(Ok(m)) = messages(&cut).next() {
            let _ = wire::parse_service(&m);
            let _ = wire::parse_dest(&m, AF_INET);
        }
    }
}

#[test]
fn the_family_id_comes_from_the_controller_reply() {
    let bytes = msg(
        0x10,
        0,
        1,
        [1, 2, 0, 0],
        &[attr(2, b"IPVS\0"), attr(1, &0x23u16.to_ne_bytes())],
    );
    let m = messages(&bytes).next().unwrap().unwrap();
    assert_eq!(wire::family_id(&m), Some(0x23));
    let mut buf = [0u8; 64];
    let req = wire::get_family(&mut buf, 1, "IPVS").unwrap();
    assert_eq!(
        req,
        &msg(0x10, 0x01, 1, [3, 1, 0, 0], &[attr(2, b"IPVS\0")])[..]
    );
}

#[test]
fn flush_and_timeouts_use_their_own_commands() {
    let mut buf = [0u8; 64];
    let got = wire::flush(&mut buf, 0x22, 4).unwrap();
    assert_eq!(got, &msg(0x22, 0x05, 4, [17, 1, 0, 0], &[])[..]);
    let t = wire::Timeouts {
        tcp: Some(900),
        tcpfin: None,
        udp: Some(60),
    };
    let got = wire::set_config(&mut buf, 0x22, 5, &t).unwrap();
    let want = msg(
        0x22,
        0x05,
        5,
        [12, 1, 0, 0],
        &[
            attr(4, &900u32.to_ne_bytes()),
            attr(6, &60u32.to_ne_bytes()),
        ],
    );
    assert_eq!(got, &want[..]);
    let reply = msg(
        0x22,
        0,
        5,
        [13, 1, 0, 0],
        &[
            attr(4, &900u32.to_ne_bytes()),
            attr(5, &120u32.to_ne_bytes()),
        ],
    );
    let m = messages(&reply).next().unwrap().unwrap();
    let parsed = wire::parse_config(&m).unwrap();
    assert_eq!(
        (parsed.tcp, parsed.tcpfin, parsed.udp),
        (Some(900), Some(120), None)
    );
}

#[test]
fn a_reload_takes_down_the_alive_servers_and_quorums_it_drops() {
    let two = "virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n }\n real_server 10.0.1.2 80 {\n }\n}\n\
               virtual_server 10.0.0.2 80 {\n real_server 10.0.1.1 80 {\n }\n}\n";
    let one = "virtual_server 10.0.0.1 80 {\n real_server 10.0.1.2 80 {\n }\n}\n";
    let old = Manager::new(plans(two));
    let new = Manager::reloaded(plans(one), &old);
    assert_eq!(
        old.gone_in(&new)
            .into_iter()
            .filter_map(simple)
            .collect::<Vec<_>>(),
        [
            Notice::RsDown { vs: 0, rs: 0 },
            Notice::RsDown { vs: 1, rs: 0 },
            Notice::QuorumDown { vs: 1 }
        ]
    );
}

/// The quorums a reload from `old` to `new` loses: (virtual server, weight left).
fn quorums_lost(old: &Manager, new: &Manager) -> Vec<(usize, u64)> {
    let lost = |n| match n {
        manager::Notice::Quorum {
            vs, up: false, sum, ..
        } => Some((vs, sum)),
        _ => None,
    };
    old.gone_in(new).into_iter().filter_map(lost).collect()
}

#[test]
fn a_reload_that_leaves_too_little_weight_loses_the_quorum_by_the_old_figures() {
    // Old: quorum 3, weights 2 + 2 (up). The reload drops one server and the quorum: what is
    // left (2) is judged by the old quorum and hysteresis, as keepalived judges the old
    // virtual server; a removed virtual server loses it with nothing left.
    let old = Manager::new(plans(&pool("quorum 3", &["weight 2", "weight 2"])));
    let kept = pool("", &["weight 2"]);
    assert_eq!(
        quorums_lost(&old, &Manager::reloaded(plans(&kept), &old)),
        [(0, 2)]
    );
    assert_eq!(old.quorum_of(0), Some((3, 0)));
    assert_eq!(
        quorums_lost(&old, &Manager::reloaded(plans(""), &old)),
        [(0, 0)]
    );
    // Enough left by the old figures: no loss.
    let holds = Manager::new(plans(&pool("quorum 2", &["weight 2", "weight 2"])));
    assert_eq!(
        quorums_lost(&holds, &Manager::reloaded(plans(&kept), &holds)),
        []
    );
}

#[test]
fn only_real_changes_ask_for_a_kernel_update() {
    let a = format!("weight 3\n {MISC}");
    let mut m = Manager::new(plans(&pool("", &[&a])));
    assert!(m.take_changed());
    m.weight_changed(ck(0, 0, 0), 3);
    m.checker_changed(ck(0, 0, 0), true);
    assert!(!m.take_changed());
    m.weight_changed(ck(0, 0, 0), 4);
    assert!(m.take_changed());
}

#[test]
fn an_alpha_checkers_first_failure_asks_for_the_notify_again_and_changes_nothing() {
    let rs = format!("alpha\n {MISC}");
    let mut m = Manager::new(plans(&pool("", &[&rs])));
    m.take_notices().for_each(drop);
    m.take_changed();
    m.checker_state(ck(0, 0, 0), false, crate::check::Why::FirstDown);
    assert_eq!(
        m.take_notices().collect::<Vec<_>>(),
        [manager::Notice::Renotify {
            vs: 0,
            rs: 0,
            alive: false
        }]
    );
    assert!(!m.take_changed());
    assert!(!m.rs_alive(0, 0));
}

#[test]
fn adopted_states_are_told_apart_from_checked_ones() {
    let mut m = started(&pool("", &[MISC, ""]));
    m.checker_state(ck(0, 0, 0), false, crate::check::Why::Adopted);
    assert_eq!(
        m.take_notices().collect::<Vec<_>>(),
        [manager::Notice::Rs {
            vs: 0,
            rs: 0,
            alive: false,
            by: manager::By::Checker(crate::check::Why::Adopted)
        }]
    );
    assert_eq!(m.rs_failed(0, 0), 1);
}

#[test]
fn a_weight_change_says_from_what_to_what() {
    let rs = format!("weight 3\n {MISC}");
    let mut m = started(&pool("", &[&rs]));
    m.weight_changed(ck(0, 0, 0), 5);
    assert_eq!(
        m.take_notices().collect::<Vec<_>>(),
        [manager::Notice::Weight {
            vs: 0,
            rs: 0,
            from: 3,
            to: 5,
            alive: true
        }]
    );
}

#[test]
fn a_table_of_a_thousand_real_servers_diffs_to_just_what_differs() {
    let mut text = String::from("virtual_server 10.0.0.1 8080 {\n protocol TCP\n");
    for i in 0..1000 {
        text += &format!(
            " real_server 127.0.{}.{} 8080 {{\n  TCP_CHECK {{\n  }}\n }}\n",
            i / 250 + 1,
            i % 250 + 1
        );
    }
    text += "}\n";
    let m = Manager::new(plans(&text));
    let mut want = Vec::new();
    m.desired(&mut want);
    assert_eq!(want[0].dests.len(), 1000);
    let mut have = want.clone();
    let gone = have[0].dests.remove(500);
    have[0].dests[7].weight = 9;
    have[0].dests.push(dest(1, 1));
    let mut ours = Vec::new();
    m.managed_pairs(&mut ours);
    let mut ops = Vec::new();
    diff(&want, &have, |s, d| ours.contains(&(*s, *d)), &mut ops);
    let k = want[0].svc.key;
    assert_eq!(
        ops,
        [Op::EditDest(k, want[0].dests[7]), Op::AddDest(k, gone)]
    );
}

/// The checker child diffs against its copy of the kernel's table between reads: the ops
/// applied to the copy leave it as a read of the kernel would, so the next diff is empty
/// and a later change diffs to just that change.
#[test]
fn ops_applied_to_the_copy_leave_nothing_to_do() {
    let k = svc(80).key;
    let want = vec![Entry {
        svc: svc(80),
        dests: vec![dest(1, 5), dest(2, 1)],
    }];
    // Someone else's service, and someone else's destination in ours (10.0.1.9).
    let foreign = Entry {
        svc: svc(81),
        dests: vec![dest(4, 1)],
    };
    let kernel = vec![
        Entry {
            svc: svc(80),
            dests: vec![dest(1, 1), dest(3, 1), dest(9, 1)],
        },
        foreign.clone(),
    ];
    let ours = |_: &SvcKey, d: &DestKey| d.ip != ip("10.0.1.9");
    let mut ops = Vec::new();
    // From that table, and from an empty one (the service added with its destinations).
    for start in [kernel.clone(), Vec::new()] {
        let mut copy = start;
        ops.clear();
        diff(&want, &copy, ours, &mut ops);
        assert!(!ops.is_empty());
        for op in &ops {
            apply(&mut copy, op);
        }
        ops.clear();
        diff(&want, &copy, ours, &mut ops);
        assert_eq!(ops, [], "{copy:?}");
    }
    // One server down: only its deletion, and the copy follows.
    let mut copy = kernel;
    ops.clear();
    diff(&want, &copy, ours, &mut ops);
    for op in &ops {
        apply(&mut copy, op);
    }
    let mut down = want.clone();
    down[0].dests.remove(0);
    ops.clear();
    diff(&down, &copy, ours, &mut ops);
    assert_eq!(ops, [Op::DelDest(k, dest(1, 0).key)]);
    apply(&mut copy, &ops[0]);
    assert_eq!(copy[0].dests, [dest(9, 1), dest(2, 1)]);
    assert_eq!(copy[1], foreign);
    apply(&mut copy, &Op::DelService(k));
    assert_eq!(copy, [foreign]);
}

#[test]
fn destination_keys_sort_as_the_standard_sort_does() {
    let mut v: Vec<(DestKey, usize)> = (0..300u32)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761) % 97;
            (dest(x as u8, 0).key, (i % 3) as usize)
        })
        .collect();
    let mut want = v.clone();
    want.sort();
    sort_keys(&mut v);
    assert_eq!(v, want);
    for n in 0..3 {
        let mut few = want[..n].to_vec();
        few.reverse();
        sort_keys(&mut few);
        assert_eq!(few, want[..n]);
    }
}

/// The log line shows timeouts as it always has, with or without `-Zfmt-debug`.
#[test]
fn timeouts_read_as_the_struct() {
    for t in [
        wire::Timeouts::default(),
        wire::Timeouts {
            tcp: Some(900),
            tcpfin: None,
            udp: Some(300),
        },
    ] {
        assert_eq!(t.to_string(), format!("{t:?}"));
    }
}

/// Our table's destinations, sorted, as `svc dest/weight` (order is the kernel's business).
fn dest_lines(t: &[Entry]) -> Vec<String> {
    let mut v: Vec<String> = t
        .iter()
        .flat_map(|e| {
            e.dests
                .iter()
                .map(move |d| format!("{} {}/{}", e.svc.key, d.key, d.weight))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn one_op_per_server_change_leaves_the_table_the_whole_diff_would() {
    // The checker child applies Manager::want_dest's entry alone after a real server's own
    // change; after each change here that must give what desired() gives whole.
    let rs = [
        format!("weight 2\n {MISC}"),
        format!("inhibit_on_failure\n {MISC}"),
        MISC.to_string(),
    ];
    let rs: Vec<&str> = rs.iter().map(String::as_str).collect();
    let mut m = started(&pool("", &rs));
    let mut t = Vec::new();
    m.desired(&mut t);
    type Change = fn(&mut Manager);
    let changes: [(usize, Change); 6] = [
        (0, |m| m.checker_changed(ck(0, 0, 0), false)),
        (1, |m| m.checker_changed(ck(0, 1, 0), false)),
        (2, |m| m.weight_changed(ck(0, 2, 0), 5)),
        (0, |m| m.checker_changed(ck(0, 0, 0), true)),
        (1, |m| m.checker_changed(ck(0, 1, 0), true)),
        (1, |m| m.weight_changed(ck(0, 1, 0), 7)),
    ];
    let mut ops = 0;
    for (rs, change) in changes {
        change(&mut m);
        let _ = m.take_notices().count();
        let svc = t[0].svc.key;
        let (key, want) = m.want_dest(0, rs, 0).expect("the server's own entry");
        let op = match (want, t[0].dests.iter().find(|d| d.key == key)) {
            (Some(d), None) => Some(Op::AddDest(svc, d)),
            (Some(d), Some(h)) if !d.same_settings(h) => Some(Op::EditDest(svc, d)),
            (None, Some(_)) => Some(Op::DelDest(svc, key)),
            _ => None,
        };
        if let Some(op) = op {
            apply(&mut t, &op);
            ops += 1;
        }
        let mut whole = Vec::new();
        m.desired(&mut whole);
        assert_eq!(
            dest_lines(&t),
            dest_lines(&whole),
            "after a change of rs {rs}"
        );
    }
    assert_eq!(ops, 6);
}

#[test]
fn a_shared_destination_or_a_serving_sorry_server_needs_the_whole_diff() {
    let shared = pool("sorry_server 10.0.1.1 80", &[MISC, MISC]);
    let m = started(&shared);
    assert!(m.want_dest(0, 0, 0).is_none());
    assert!(m.want_dest(0, 1, 0).is_some());
    let alpha = format!("alpha\n {MISC}");
    let vs = "quorum 2\n sorry_server 10.0.9.9 80";
    let mut m = Manager::new(plans(&pool(vs, &[MISC, &alpha])));
    let _ = m.take_notices().count();
    assert!(!m.quorum_up(0));
    assert!(m.want_dest(0, 0, 0).is_none());
}
