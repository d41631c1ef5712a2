//! Every advert in the captures of real keepalived 2.2.7 parses and passes the checks of the
//! instance its .conf describes, and our emit for that instance gives the same bytes.

use std::net::IpAddr;

use super::pcap::vrrp_packets;
use crate::config::diag::Diagnostics;
use crate::config::reader::tree_from_str;
use crate::config::{global, vrrp, Config};
use crate::core::time::Micros;
use crate::testdata::{pcap::frames, shared};
use crate::vrrp::auth::{AhState, Auth};
use crate::vrrp::packet::{
    check, emit, parse, IpId, Local, Rx, Tx, V3Checksum, VipCheck, MCAST_GROUP4,
};

/// What the captures' .conf files say about their one vrrp_instance (a tiny reader for
/// these files only: words split at blanks and braces).
#[derive(Debug)]
struct Conf {
    version: u8,
    vrid: u8,
    priority: u8,
    adver_int: Micros,
    auth: Auth,
    peers: Vec<IpAddr>,
    vips: Vec<IpAddr>,
}

fn read_conf(text: &str) -> Conf {
    let spaced = text.replace('{', " { ").replace('}', " } ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let after = |kw: &str| -> Option<&str> {
        let i = words.iter().position(|w| *w == kw)?;
        words.get(i + 1).copied()
    };
    let block = |kw: &str| -> Vec<IpAddr> {
        let Some(i) = words.iter().position(|w| *w == kw) else {
            return Vec::new();
        };
        words[i + 2..]
            .iter()
            .take_while(|w| **w != "}")
            .filter_map(|w| w.split('/').next()?.parse().ok())
            .collect()
    };
    let mut pass = [0u8; 8];
    if let Some(p) = after("auth_pass") {
        let n = p.len().min(8);
        pass[..n].copy_from_slice(&p.as_bytes()[..n]);
    }
    let secs: f64 = after("advert_int").map_or(1.0, |s| s.parse().unwrap());
    Conf {
        version: after("vrrp_version").map_or(2, |v| v.parse().unwrap()),
        vrid: after("virtual_router_id").unwrap().parse().unwrap(),
        priority: after("priority").unwrap().parse().unwrap(),
        adver_int: Micros((secs * 1e6).round() as u64),
        auth: match after("auth_type") {
            Some("PASS") => Auth::Pass(pass),
            Some("AH") => Auth::Ah(pass),
            _ => Auth::None,
        },
        peers: block("unicast_peer"),
        vips: block("virtual_ipaddress"),
    }
}

/// The same file through our config reader (every interface taken to exist).
fn load_config(text: &str) -> Config {
    let mut d = Diagnostics::new();
    let mut cfg = Config::default();
    fn any(_: &str) -> bool {
        true
    }
    for n in &tree_from_str(text, 0, &mut d) {
        let _ = global::parse_top(n, &mut cfg, &mut d)
            || vrrp::parse_top_with(n, &mut cfg, any, &mut d);
    }
    vrrp::check::check_with(&mut cfg, &any, &mut d);
    assert!(!d.has_errors(), "{:?}", d.items());
    cfg
}

const CAPTURES: [&str; 6] = [
    "v2_ipv4",
    "v2_ipv4_ah",
    "v2_ipv4_pass",
    "v2_ipv4_unicast",
    "v3_ipv4",
    "v3_ipv6",
];

#[test]
fn keepalived_captures_parse_check_and_reemit_identically() {
    let Some(cap) = shared("captures") else {
        return;
    };
    for name in CAPTURES {
        let text = std::fs::read_to_string(cap.join(format!("{name}.conf"))).unwrap();
        let conf = read_conf(&text);
        let file = std::fs::read(cap.join(format!("{name}.pcap"))).unwrap();
        let frames = frames(&file);
        let packets = vrrp_packets(&frames);
        assert!(packets.len() >= 2, "{name}: too few adverts");
        let unicast = !conf.peers.is_empty();
        let cfg = load_config(&text);
        let inst = &cfg.vrrp.instances[0];

        // The sender's counters, replayed from their initial values.
        let mut ip_id = IpId::default();
        let mut tx_ah = AhState::new();
        let mut rx_ah = AhState::new();
        for (n, p) in packets.iter().enumerate() {
            let what = format!("{name} advert #{n}");
            let adv = parse(p.bytes, p.rx).unwrap_or_else(|e| panic!("{what}: {e:?}"));
            let local = Local::for_instance(inst, false, MCAST_GROUP4);
            assert_eq!(local.version, conf.version, "{what}");
            assert_eq!(local.auth, conf.auth, "{what}");
            assert_eq!(local.adver_int, conf.adver_int, "{what}");
            assert_eq!(local.unicast, unicast, "{what}");
            let checked =
                check(&adv, &local, &mut rx_ah).unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert!(!checked.interval_mismatch, "{what}");
            assert!(adv.checksum_valid, "{what}");
            assert_eq!(adv.vrid, conf.vrid, "{what}");
            assert_eq!(adv.advert_int(), conf.adver_int, "{what}");
            assert_eq!(adv.vip_check(&conf.vips), VipCheck::Match, "{what}");
            assert_eq!(adv.addrs().collect::<Vec<_>>(), conf.vips, "{what}");
            // The last advert is the priority-0 one sent at shutdown.
            let last = n == packets.len() - 1;
            let prio = if last { 0 } else { conf.priority };
            assert_eq!(adv.priority, prio, "{what}");
            if unicast {
                assert_eq!(vec![adv.dst], conf.peers, "{what}");
            }

            let id = if p.rx == Rx::V4 { ip_id.advance() } else { 0 };
            let seq = if matches!(conf.auth, Auth::Ah(_)) {
                tx_ah.next_tx()
            } else {
                0
            };
            let tx = Tx {
                version: conf.version,
                vrid: conf.vrid,
                priority: prio,
                adver_int: conf.adver_int,
                src: adv.src,
                dst: adv.dst,
                vips: &conf.vips,
                auth: conf.auth,
                ah_seq: seq,
                ip_id: id,
                ttl: 255,
                unicast,
                checksum: V3Checksum::Standard,
            };
            let mut buf = [0u8; 1500];
            let len = emit(&tx, &mut buf).unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert_eq!(
                hex(&buf[..len]),
                hex(p.bytes),
                "{what}: emitted bytes differ"
            );
        }
        println!("{name}: {} adverts parsed and re-emitted", packets.len());
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
