//! The JSON status file over a view built from a config: byte for byte what keepalived 2.2.7
//! wrote for the same instance in tests/vrrp_json.rs's lab (its file, with this view's
//! transition time and untracked priority put in).

use std::net::IpAddr;
use std::time::Duration;

use super::json::{quote, text};
use super::{Instance, Insts, View};
use crate::config::track::Weight;
use crate::config::{from_tree, reader, Config, Diagnostics};
use crate::vrrp::fsm::{Fsm, FsmConfig};
use crate::vrrp::ifaces::Ifaces;
use crate::vrrp::router::Drops;
use crate::vrrp::track::{Key, Level, Link, Tracking};

/// The instance of tests/vrrp_json.rs's lab (its tracking is this view's), and a tracked
/// process.
const CONF: &str = concat!(
    include_str!("../../../tests/configs/dump/v.conf"),
    "vrrp_track_process sshd {\n  process sshd\n  quorum 1\n  weight 3\n}\n"
);

/// keepalived 2.2.7's `data` object for V as MASTER, tracking eth1 and script chk.
const KEEPALIVED_V: &str = r#"{"data":{"iname":"V","dont_track_primary":0,"skip_check_adv_addr":0,"strict_mode":0,"vmac_ifname":"","ifp_ifname":"eth0","master_priority":0,"last_transition":1796546257.094587,"garp_delay":5,"garp_refresh":0,"garp_rep":5,"garp_refresh_rep":1,"garp_lower_prio_delay":5,"garp_lower_prio_rep":5,"lower_prio_no_advert":0,"higher_prio_send_advert":0,"vrid":51,"base_priority":150,"effective_priority":150,"vipset":true,"promote_secondaries":false,"adver_int":1,"master_adver_int":1,"accept":1,"nopreempt":false,"preempt_delay":0,"state":2,"wantstate":2,"version":2,"smtp_alert":false,"notify_deleted":false,"script_backup":"'\/usr\/bin\/true'","script_master":"'\/usr\/bin\/true' 'master'","script_fault":"'\/usr\/bin\/true'","script_stop":"'\/usr\/bin\/true'","script":"'\/usr\/bin\/true'","vips":["10.7.0.100\/24 dev eth0 scope global set","10.7.0.102 dev eth0 scope global label eth0:1 set"],"evips":["fd00::5\/64 dev eth0 scope global preferred_lft forever set"],"vroutes":["prepend 10.99.0.0\/24 dev eth0 proto 18 scope 253","prepend 10.98.0.0\/24 via inet 10.7.0.2 dev eth0 table 100 proto 18 metric 5","prepend 10.96.0.0\/24 src 10.7.0.100 dev eth0 rtt 500ms mtu lock 1400 advmss 1300 no_track","prepend 10.95.0.0\/24 proto 18 nexthop via inet 10.7.0.2 dev eth0 weight 2 nexthop via inet 10.7.0.3 dev eth0 no_track"],"vrules":["from 10.7.0.100 priority 100 tos 0x0 protocol 18 lookup 100","from all to 10.96.0.0\/24 priority 101 tos 0x0 fwmark 0x10\/0xff iif eth0 protocol 18 lookup 101","not from 10.7.0.0\/24 priority 103 tos 0x0 uidrange 100-200 protocol 18 type blackhole","from 0.0.0.0\/0 priority 104 tos 0x0 protocol 18 ipproto 6 sport 1000-2000 lookup 200"],"track_ifp":["eth1"],"track_script":["'\/usr\/bin\/true'"],"auth_type":1,"auth_data":"secret"}"#;

const STATS_V1: &str = r#""stats":{"advert_rcvd":0,"advert_sent":1,"become_master":1,"release_master":0,"packet_len_err":0,"advert_interval_err":0,"ip_ttl_err":0,"invalid_type_rcvd":0,"addr_list_err":0,"invalid_authtype":0,"authtype_mismatch":0,"auth_failure":0,"pri_zero_rcvd":0,"pri_zero_sent":0}}"#;

fn config() -> Config {
    let mut d = Diagnostics::new();
    let nodes = reader::tree_from_str(CONF, 0, &mut d);
    let cfg = from_tree(&nodes, &mut d);
    assert!(!d.has_errors(), "{d}");
    cfg
}

/// A fake PATH search: keepalived finds `true` in /usr/bin.
fn path(p: &str) -> Option<String> {
    Some(if p.contains('/') {
        p.to_string()
    } else {
        format!("/usr/bin/{p}")
    })
}

/// V taken to MASTER by its down timer, tracking eth1, chk and sshd.
fn master(cfg: &Config) -> (Fsm, Tracking) {
    let mut f = Fsm::new(FsmConfig::from_config(&cfg.vrrp.instances[0]));
    f.start(crate::core::time::Micros(0));
    let at = f.next_deadline().expect("down timer");
    f.on_timer(at);
    let mut t = Tracking::new();
    let w = Weight {
        weight: 0,
        reverse: false,
    };
    let keys = [
        Key::Interface("eth1".into()),
        Key::Script("chk".into()),
        Key::Process("sshd".into()),
    ];
    let links = keys
        .into_iter()
        .map(|k| Link {
            obj: t.object(k, Level::Up),
            weight: w,
        })
        .collect();
    t.add_instance(links);
    (f, t)
}

fn view<'a>(
    cfg: &'a Config,
    fsm: &'a Fsm,
    tracking: &'a Tracking,
    drops: &'a Drops,
    ifaces: &'a Ifaces,
) -> View<'a> {
    let conf = &cfg.vrrp.instances[0];
    View {
        cfg,
        insts: Insts::Listed(vec![(
            Instance {
                name: "V",
                vrid: 51,
                conf,
                fsm,
                drops,
                group: IpAddr::from([224, 0, 0, 18]),
                ifindex: 2,
                ifname: "eth0",
                vmac_ifindex: None,
                last_transition: Duration::new(1_796_546_257, 94_587_000),
                up: crate::core::time::Micros::ZERO,
                why: [0; 2],
            },
            vec![None; 3],
        )]),
        groups: &[],
        ifaces,
        tracking,
        bfds: &NO_BFD,
    }
}

static NO_BFD: crate::vrrp::track::BfdStates = crate::vrrp::track::BfdStates::new();

#[test]
fn version_1_is_what_keepalived_2_2_7_writes() {
    let cfg = config();
    let (fsm, t) = master(&cfg);
    let (drops, ifaces) = (Drops::default(), Ifaces::default());
    let got = text(&view(&cfg, &fsm, &t, &drops, &ifaces), 1, &path).expect("an instance");
    assert_eq!(got, format!("[{KEEPALIVED_V},{STATS_V1}]\n"));
}

#[test]
fn version_2_wraps_the_instances_and_hides_the_password() {
    let cfg = config();
    let (fsm, t) = master(&cfg);
    let (drops, ifaces) = (Drops::default(), Ifaces::default());
    let got = text(&view(&cfg, &fsm, &t, &drops, &ifaces), 2, &path).expect("an instance");
    assert!(
        got.starts_with(r#"{"vrrp":[{"data":{"iname":"V","#),
        "{got}"
    );
    for part in [
        r#""track_script":["'\/usr\/bin\/true'"],"track_process":["sshd"],"auth_type":1,"auth_data":"********"}"#,
        r#""auth_failure":0,"auth_ext_missing":0,"#,
        r#""auth_ext_replay":0,"pri_zero_rcvd":0,"pri_zero_sent":0}}],"track_process":[{"process":"sshd","param_match":"none","min_processes":1,"have_quorum":true,"weight":3,"#,
    ] {
        assert!(got.contains(part), "no {part} in {got}");
    }
    assert!(got.ends_with("}]}\n"), "{got}");
}

#[test]
fn nothing_is_written_without_instances() {
    let cfg = Config::default();
    let (t, ifaces) = (Tracking::new(), Ifaces::default());
    let v = View {
        cfg: &cfg,
        insts: Insts::Listed(Vec::new()),
        groups: &[],
        ifaces: &ifaces,
        tracking: &t,
        bfds: &NO_BFD,
    };
    assert_eq!(text(&v, 1, &path), None);
}

#[test]
fn a_script_keepalived_would_drop_is_left_out() {
    let cfg = config();
    let (fsm, t) = master(&cfg);
    let (drops, ifaces) = (Drops::default(), Ifaces::default());
    let v = view(&cfg, &fsm, &t, &drops, &ifaces);
    let got = text(&v, 1, &|p| (!p.starts_with("/usr")).then(|| p.to_string())).expect("text");
    assert!(!got.contains("script_master"), "{got}");
    // A tracked script still shows, as written.
    assert!(got.contains(r#""track_script":["'true'"]"#), "{got}");
}

#[test]
fn strings_are_escaped_as_keepalived_does_and_always_parse() {
    let mut s = String::new();
    quote("a/b \"q\"\t\u{1}\\", &mut s);
    // keepalived writes a backslash as \n and control characters raw; the rest is its own.
    assert_eq!(s, r#""a\/b \"q\"\t\u0001\\""#);
}
