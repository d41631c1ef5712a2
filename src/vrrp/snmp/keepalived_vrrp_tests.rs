//! KEEPALIVED-MIB's vrrp subtree walked through the trait over views in the states
//! tests/snmp/record-walks.sh recorded keepalived 2.2.7 in, compared line by line with its
//! walks.

use std::net::IpAddr;
use std::time::Duration;

use super::keepalived_vrrp::KeepalivedVrrp;
use crate::core::alloc::Scope;
use crate::snmp::mib::{Mib, Oid};
use crate::snmp::walk_text::{count_walk, recorded, walk};
use std::path::Path;

use crate::config::{load, Config, LoadOptions};
use crate::core::time::Micros;
use crate::core::watchdog::link::BfdEvent;
use crate::vrrp::dump::{Instance, Insts, View};
use crate::vrrp::fsm::{Fsm, FsmConfig, RxAdvert};
use crate::vrrp::ifaces::{IfInfo, Ifaces};
use crate::vrrp::router::Drops;
use crate::vrrp::sync::{self, SyncGroup};
use crate::vrrp::track::{BfdStates, Kernel, Key, Level, Tracking};

/// What our walk cannot match, by OID prefix: nothing now (vrrpScriptCommand shows /bin/true
/// as '/usr/bin/true', resolved as keepalived does at load).
const NOT_MATCHED: &[&str] = &[];

/// tests/snmp/conf/`name`, read as on router A, where its interfaces exist.
fn config(name: &str) -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snmp/conf")
        .join(name);
    let mut opts = LoadOptions::default();
    opts.seen_interfaces = ["veth-a", "dummy-a", "dummy-p", DOWN_LINK]
        .map(String::from)
        .to_vec();
    let (cfg, d) = load(&path, &opts);
    assert!(!d.has_errors(), "{d}");
    cfg
}

/// Router A's interfaces in the lab's namespace: lo, then veth-a, then the pair made there.
fn ifaces() -> Ifaces {
    let link = |ifindex: u32, name: &str, mac: [u8; 6]| IfInfo {
        ifindex,
        name: name.into(),
        up: true,
        mac,
        mtu: 1500,
        v4: None,
        ll6: None,
        group: 0,
    };
    let veth = IfInfo {
        v4: Some([10, 20, 0, 1].into()),
        ll6: Some([0xfe80, 0, 0, 0, 0, 0x5eff, 0xfe0a, 1].into()),
        ..link(2, "veth-a", [2, 0, 0x5e, 0x0a, 0, 1])
    };
    Ifaces {
        list: vec![
            veth,
            link(3, "dummy-p", [2, 0, 0x5e, 0x0b, 0, 2]),
            link(4, "dummy-a", [2, 0, 0x5e, 0x0b, 0, 1]),
            link(5, "down-p", [2, 0, 0x5e, 0x0c, 0, 2]),
            IfInfo {
                up: false,
                ..link(6, DOWN_LINK, [2, 0, 0x5e, 0x0c, 0, 1])
            },
        ],
        ..Ifaces::default()
    }
}

/// The lab's link that is down: an instance tracking it starts in FAULT.
const DOWN_LINK: &str = "down-a";

/// One instance's state machine, taken where the lab had it: FAULT when it tracks the down
/// link, else MASTER by its down timer, or BACKUP to router B's adverts (`peer`: its address,
/// priority and advert interval).
fn fsm(cfg: &Config, i: usize, peer: Option<(IpAddr, u8, u16)>) -> Fsm {
    let conf = &cfg.vrrp.instances[i];
    let mut f = Fsm::new(FsmConfig::from_config(conf));
    let _ = f.start(Micros(0));
    if conf.track.interfaces.iter().any(|r| r.name == DOWN_LINK) {
        let _ = f.tracker_fault(Micros(1000));
        return f;
    }
    match peer {
        Some((src, prio, centis)) => {
            let _ = f.on_advert(Micros(1000), &RxAdvert::v3(src, prio, centis));
        }
        None => {
            let at = f.next_deadline().expect("down timer");
            let _ = f.on_timer(at);
        }
    }
    f
}

/// The tracking the lab's objects: links up, scripts as their exit codes say, the track
/// file holding 5, the BFD sessions up as `bfds` says; each instance's effective priority
/// follows.
fn tracking(cfg: &Config, fsms: &mut [Fsm], bfds: &BfdStates) -> Tracking {
    let insts: Vec<(usize, u32, _)> = (0..fsms.len()).map(|i| (i, 2, None)).collect();
    let kernel = Kernel {
        link_up: &|n| n != DOWN_LINK,
        addrs: &[],
        bfd_up: &|n| bfds.up(n),
    };
    let mut t = Tracking::build(cfg, &insts, &Tracking::default(), &kernel);
    for o in 0..t.objs.len() {
        let level = match &t.objs[o].key {
            Key::Script(n) if n == "chk_bad" => Level::Down,
            Key::Script(_) => Level::Up,
            Key::File(_) => Level::Value(5),
            _ => continue,
        };
        t.set_level(o, level);
    }
    for (i, f) in fsms.iter_mut().enumerate() {
        let total = i32::from(f.base_priority()) + t.effect(i).delta;
        let _ = f.set_effective_priority(Micros(2000), total);
    }
    t
}

pub(super) struct Lab {
    cfg: Config,
    fsms: Vec<Fsm>,
    groups: Vec<SyncGroup>,
    tracking: Tracking,
    ifaces: Ifaces,
    drops: Drops,
    bfds: BfdStates,
}

impl Lab {
    pub(super) fn new(conf: &str, peers: &[Option<(IpAddr, u8, u16)>]) -> Lab {
        Lab::with_bfds(conf, peers, BfdStates::default())
    }

    /// With the BFD sessions as `bfds` says (an instance tracking one feels it from the start).
    fn with_bfds(conf: &str, peers: &[Option<(IpAddr, u8, u16)>], bfds: BfdStates) -> Lab {
        let cfg = config(conf);
        let mut fsms: Vec<Fsm> = (0..peers.len()).map(|i| fsm(&cfg, i, peers[i])).collect();
        let tracking = tracking(&cfg, &mut fsms, &bfds);
        let names: Vec<&str> = cfg.vrrp.instances.iter().map(|v| v.name.as_str()).collect();
        let conf = cfg.vrrp.sync_groups.iter();
        let mut groups = sync::build(conf.map(|g| (g.name.as_str(), &g.members[..])), &names);
        for g in &mut groups {
            g.adopt(&mut fsms);
        }
        Lab {
            groups,
            fsms,
            tracking,
            ifaces: ifaces(),
            drops: Drops::default(),
            bfds,
            cfg,
        }
    }

    /// `dev`: the interface index each VIP then excluded VIP goes on (None: the instance's).
    pub(super) fn view(&self, devs: &[Vec<Option<u32>>]) -> View<'_> {
        let insts = (self.cfg.vrrp.instances.iter().zip(&self.fsms).zip(devs))
            .map(|((conf, fsm), dev)| {
                let inst = Instance {
                    name: &conf.name,
                    vrid: conf.vrid.unwrap_or(0),
                    conf,
                    fsm,
                    drops: &self.drops,
                    group: if conf.vips.first().is_some_and(|a| a.addr.is_ipv6()) {
                        IpAddr::from([0xff02, 0, 0, 0, 0, 0, 0, 0x12])
                    } else {
                        IpAddr::from([224, 0, 0, 18])
                    },
                    ifindex: 2,
                    ifname: "veth-a",
                    vmac_ifindex: None,
                    last_transition: Duration::ZERO,
                    up: crate::core::time::Micros::ZERO,
                    // The recorded masters became masters when their peer went silent.
                    why: [
                        if fsm.state() == crate::vrrp::fsm::State::Master {
                            3
                        } else {
                            0
                        },
                        0,
                    ],
                };
                (inst, dev.clone())
            })
            .collect();
        View {
            cfg: &self.cfg,
            insts: Insts::Listed(insts),
            groups: &self.groups,
            ifaces: &self.ifaces,
            tracking: &self.tracking,
            bfds: &self.bfds,
        }
    }
}

fn compare(view: &View<'_>, walk_file: &str) {
    let ours: Vec<String> = walk(&KeepalivedVrrp::new(view), true)
        .into_iter()
        .filter(|l| !NOT_MATCHED.iter().any(|p| l.starts_with(p)))
        .collect();
    let theirs = recorded(walk_file, NOT_MATCHED);
    for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "line {} differs", k + 1);
    }
    assert_eq!(ours.len(), theirs.len(), "ours: {ours:#?}");
}

/// tests/snmp's v2v4 state: VI_1 and VI_2 MASTER in G1, VI_3 BACKUP to router B; with where
/// each instance's VIPs go.
pub(super) fn v2v4() -> (Lab, Vec<Vec<Option<u32>>>) {
    let b = Some((IpAddr::from([10, 20, 0, 2]), 200, 50));
    let lab = Lab::new("a-v2v4.conf", &[None, None, b]);
    let (veth, dummy) = (Some(2), Some(4));
    (
        lab,
        vec![vec![None, veth, dummy, dummy], vec![None], vec![None]],
    )
}

/// tests/snmp's v3v6 state: V6_1 and V4_3 BACKUP to router B, V6_2 MASTER.
pub(super) fn v3v6() -> (Lab, Vec<Vec<Option<u32>>>) {
    let b6 = Some((
        IpAddr::from([0xfe80, 0, 0, 0, 0, 0x5eff, 0xfe0a, 2]),
        150,
        100,
    ));
    let b4 = Some((IpAddr::from([10, 20, 0, 2]), 150, 100));
    let lab = Lab::new("a-v3v6.conf", &[b6, None, b4]);
    (lab, vec![vec![None, None, Some(4)], vec![None], vec![None]])
}

/// tests/snmp's bfdproc state: R1 and R2 MASTER (router B runs no VRRP); BFD1 up against
/// router B, BFD2 and BFD3 never heard of; neither process counted.
pub(super) fn bfdproc() -> (Lab, Vec<Vec<Option<u32>>>) {
    let mut bfds = BfdStates::default();
    if let Some(ev) = BfdEvent::new("BFD1", true) {
        let _ = bfds.set(ev);
    }
    let lab = Lab::with_bfds("a-bfdproc.conf", &[None, None], bfds);
    (lab, vec![vec![None], vec![None]])
}

/// tests/snmp's extras state: R1 and R3 MASTER, R2 in FAULT.
pub(super) fn extras() -> (Lab, Vec<Vec<Option<u32>>>) {
    let lab = Lab::new("a-extras.conf", &[None, None, None]);
    (lab, vec![vec![Some(2), None], vec![None], vec![]])
}

#[test]
fn a_v2_sync_group_and_a_tracking_v3_backup_walk_as_keepalived_serves_them() {
    let (lab, devs) = v2v4();
    compare(
        &lab.view(&devs),
        include_str!("../../../tests/snmp/walks/v2v4.keepalived.walk"),
    );
}

#[test]
fn v3_over_ipv6_walks_as_keepalived_serves_it() {
    let (lab, devs) = v3v6();
    compare(
        &lab.view(&devs),
        include_str!("../../../tests/snmp/walks/v3v6.keepalived.walk"),
    );
}

#[test]
fn fault_ah_notify_scripts_routes_and_rules_walk_as_keepalived_serves_them() {
    let (lab, devs) = extras();
    compare(
        &lab.view(&devs),
        include_str!("../../../tests/snmp/walks/extras.keepalived.walk"),
    );
}

#[test]
fn bfd_and_process_tables_walk_as_keepalived_serves_them() {
    let (lab, devs) = bfdproc();
    compare(
        &lab.view(&devs),
        include_str!("../../../tests/snmp/walks/bfdproc.keepalived.walk"),
    );
}

#[test]
fn walking_allocates_nothing() {
    let probe = Scope::new();
    drop(std::hint::black_box(vec![0u8; 16]));
    let counting = probe.allocs() > 0;
    let labs = [
        (
            v2v4(),
            include_str!("../../../tests/snmp/walks/v2v4.keepalived.walk"),
        ),
        (
            bfdproc(),
            include_str!("../../../tests/snmp/walks/bfdproc.keepalived.walk"),
        ),
    ];
    for ((lab, devs), walked) in labs {
        let view = lab.view(&devs);
        let mib = KeepalivedVrrp::new(&view);
        let (n, allocs) = count_walk(&mib);
        assert_eq!(n, recorded(walked, &[]).len());
        if counting {
            assert_eq!(allocs, 0);
        } else {
            println!("SKIPPED allocation count: this test binary has no counting allocator");
        }
    }
}

/// Any OID a master agent may pass: every prefix of each object, each with its last
/// sub-identifier moved down, up and to the extremes. Get must answer or not without
/// panicking; get-next must answer with a later OID inside the subtree, or nothing.
#[test]
fn any_oid_is_answered_without_panic_and_next_always_moves_on() {
    use super::vrrp_rfcv2::VrrpRfcv2;
    use super::vrrp_rfcv3::VrrpRfcv3;
    let (lab, devs) = extras();
    let view = lab.view(&devs);
    let (lab2, devs2) = bfdproc();
    let view2 = lab2.view(&devs2);
    let mibs: [&dyn Mib; 4] = [
        &KeepalivedVrrp::new(&view),
        &VrrpRfcv2::new(&view),
        &VrrpRfcv3::new(&view),
        &KeepalivedVrrp::new(&view2),
    ];
    let mut scratch = [0u8; 256];
    let mut found = Oid::new();
    for m in mibs {
        let mut probes: Vec<Vec<u32>> = vec![vec![], vec![1], vec![2], vec![u32::MAX]];
        for line in walk(m, false) {
            let oid: Vec<u32> = (line.split(' ').next().unwrap_or(""))
                .split('.')
                .filter_map(|x| x.parse().ok())
                .collect();
            for n in 1..=oid.len() {
                let p = &oid[..n];
                let last = p[n - 1];
                for x in [0, last.saturating_sub(1), last.saturating_add(1), u32::MAX] {
                    let mut q = p.to_vec();
                    q[n - 1] = x;
                    probes.push(q);
                }
                probes.push(p.to_vec());
            }
            let mut longer = oid.clone();
            longer.extend([0, u32::MAX]);
            probes.push(longer);
        }
        for p in &probes {
            let _ = m.get(p, &mut scratch);
            if m.next(p, &mut found, &mut scratch).is_some() {
                assert!(found.as_slice() > p.as_slice(), "{found:?} after {p:?}");
                assert!(found.starts_with(m.root()), "{found:?} outside");
            }
        }
    }
}

#[test]
fn a_view_without_instances_serves_only_scalars() {
    use super::vrrp_rfcv2::VrrpRfcv2;
    use super::vrrp_rfcv3::VrrpRfcv3;
    let lab = Lab::new("b-extras.conf", &[]);
    let view = lab.view(&[]);
    assert!(walk(&KeepalivedVrrp::new(&view), true).is_empty());
    let v2 = walk(&VrrpRfcv2::new(&view), true);
    assert_eq!(v2.len(), 5, "{v2:#?}");
    let v3 = walk(&VrrpRfcv3::new(&view), true);
    assert_eq!(v3.len(), 4, "{v3:#?}");
}
