//! The kernel's statistics attributes parsed from constructed replies (laid out as Linux
//! 6.18 sends them: both nests, the 64-bit one after the old one), and summed per virtual
//! and real server as keepalived sums them.

use super::stats::{
    parse_dest_stats, parse_service_stats, Counters, Stats, ACTIVE, CPS, INACTIVE, PERSISTENT,
};
use super::table::{DestKey, SvcKey, AF_INET, IPPROTO_TCP};
use super::tests::{addr16, attr, cfg, ip, msg, nest};
use crate::net::netlink::messages;

/// The ten counts of a stats nest, as u32 (`STATS`) or u64 (`STATS64`) attributes.
fn stats_nest(ty: u16, wide: bool, v: [u64; 10]) -> Vec<u8> {
    let attrs: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            let t = i as u16 + 1;
            // Bytes are u64 in both nests.
            if wide || t == 4 || t == 5 {
                attr(t, &v[i].to_ne_bytes())
            } else {
                attr(t, &(v[i] as u32).to_ne_bytes())
            }
        })
        .collect();
    nest(ty, &attrs)
}

fn svc_reply(vip: [u8; 4], port: u16, old: [u64; 10], wide: Option<[u64; 10]>) -> Vec<u8> {
    let mut flags = 2u32.to_ne_bytes().to_vec();
    flags.extend(u32::MAX.to_ne_bytes());
    let mut inner = vec![
        attr(1, &AF_INET.to_ne_bytes()),
        attr(2, &IPPROTO_TCP.to_ne_bytes()),
        attr(3, &addr16(vip)),
        attr(4, &port.to_be_bytes()),
        attr(6, b"wlc\0"),
        attr(7, &flags),
        attr(8, &0u32.to_ne_bytes()),
        attr(9, &u32::MAX.to_ne_bytes()),
        stats_nest(10, false, old),
    ];
    if let Some(w) = wide {
        inner.push(stats_nest(12, true, w));
    }
    msg(0x22, 0x02, 3, [4, 1, 0, 0], &[nest(1, &inner)])
}

fn dest_reply(rip: [u8; 4], port: u16, conns: [u32; 3], wide: [u64; 10]) -> Vec<u8> {
    msg(
        0x22,
        0x02,
        3,
        [8, 1, 0, 0],
        &[nest(
            2,
            &[
                attr(1, &addr16(rip)),
                attr(2, &port.to_be_bytes()),
                attr(3, &0u32.to_ne_bytes()),
                attr(4, &1u32.to_ne_bytes()),
                attr(5, &0u32.to_ne_bytes()),
                attr(6, &0u32.to_ne_bytes()),
                attr(7, &conns[0].to_ne_bytes()),
                attr(8, &conns[1].to_ne_bytes()),
                attr(9, &conns[2].to_ne_bytes()),
                stats_nest(10, false, wide.map(|x| x & 0xffff_ffff)),
                attr(11, &AF_INET.to_ne_bytes()),
                stats_nest(12, true, wide),
            ],
        )],
    )
}

const CONNS: usize = 0;
const INPKTS: usize = 1;
const OUTPKTS: usize = 2;
const INBYTES: usize = 3;
const OUTBYTES: usize = 4;

const BIG: u64 = 5 << 32;

#[test]
fn a_service_s_64_bit_statistics_win_over_the_old_ones() {
    let old = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    let wide = [BIG + 1, BIG + 2, 3, BIG + 4, 5, 6, 7, 8, 9, BIG];
    let bytes = svc_reply([10, 0, 0, 1], 80, old, Some(wide));
    let m = messages(&bytes).next().unwrap().unwrap();
    let (key, c) = parse_service_stats(&m).unwrap();
    assert_eq!(
        key,
        SvcKey::Addr {
            proto: IPPROTO_TCP,
            ip: ip("10.0.0.1"),
            port: 80
        }
    );
    assert_eq!(c.0[..10], wide);
    assert_eq!(c.0[ACTIVE..], [0, 0, 0]);
}

#[test]
fn an_old_kernel_s_32_bit_statistics_are_read() {
    let old = [11, 12, 13, BIG + 14, 15, 16, 17, 18, 19, 20];
    let bytes = svc_reply([10, 0, 0, 1], 80, old, None);
    let m = messages(&bytes).next().unwrap().unwrap();
    let (_, c) = parse_service_stats(&m).unwrap();
    assert_eq!(c.0[..10], old);
}

#[test]
fn a_destination_s_statistics_and_connection_gauges_are_read() {
    let wide = [3, 40, 30, BIG + 2400, 1800, 1, 2, 3, 4, 5];
    let bytes = dest_reply([10, 0, 1, 7], 8080, [2, 1, 7], wide);
    let m = messages(&bytes).next().unwrap().unwrap();
    let (d, c) = parse_dest_stats(&m, AF_INET).unwrap();
    assert_eq!(
        d,
        DestKey {
            ip: ip("10.0.1.7"),
            port: 8080
        }
    );
    assert_eq!(c.0[..10], wide);
    assert_eq!((c.0[ACTIVE], c.0[INACTIVE], c.0[PERSISTENT]), (2, 1, 7));
}

#[test]
fn truncated_replies_never_panic() {
    let w = [1; 10];
    for bytes in [
        svc_reply([10, 0, 0, 1], 80, w, Some(w)),
        dest_reply([10, 0, 1, 7], 80, [1, 1, 1], w),
    ] {
        for n in 0..bytes.len() {
            let mut b = bytes[..n].to_vec();
            // Keep the header's length honest so the message parses as far as it goes.
            if n >= 4 {
                b[..4].copy_from_slice(&(n as u32).to_ne_bytes());
            }
            for m in messages(&b).flatten() {
                let _ = parse_service_stats(&m);
                let _ = parse_dest_stats(&m, AF_INET);
            }
        }
    }
}

const CONF: &str = "
virtual_server_group G {
  10.9.0.1-2 80
}
virtual_server 10.9.0.1 80 {
  protocol TCP
  sorry_server 10.0.0.9 80
  real_server 10.0.0.2 8080 {
  }
  real_server 10.0.0.3 8080 {
  }
}
virtual_server group G {
  protocol TCP
  real_server 10.0.0.4 80 {
  }
}
";

fn counts(x: u64) -> Counters {
    let mut c = Counters([x; 13]);
    c.0[ACTIVE] = 0;
    c
}

fn tcp(a: &str, port: u16) -> SvcKey {
    SvcKey::Addr {
        proto: IPPROTO_TCP,
        ip: ip(a),
        port,
    }
}

fn dk(a: &str, port: u16) -> DestKey {
    DestKey { ip: ip(a), port }
}

/// What a refresh does with the dump's replies: the kernel lists services in its own order,
/// ours among others; then the destinations of each of ours.
fn refresh(st: &mut Stats, lvs: &crate::config::lvs::LvsConfig, dests: &[(SvcKey, DestKey, u64)]) {
    st.clear();
    for (k, x) in [
        (tcp("10.9.0.2", 80), 100),
        (tcp("192.0.2.1", 443), 7),
        (tcp("10.9.0.1", 80), 10),
    ] {
        st.add_service(&k, &counts(x));
    }
    for e in 0..st.services() {
        let Some(key) = st.listed(e) else { continue };
        for (s, d, x) in dests {
            if *s == key {
                st.add_dest(lvs, e, d, &counts(*x));
            }
        }
    }
}

#[test]
fn a_group_s_services_are_summed_and_others_left_out() {
    let c = cfg(CONF);
    let mut st = Stats::new(&c.lvs);
    refresh(&mut st, &c.lvs, &[]);
    // 10.9.0.1:80 is both the first virtual server and a member of G: keepalived reads it
    // for each.
    assert_eq!(st.vs(0).0[CONNS], 10);
    assert_eq!(st.vs(1).0[CONNS], 110);
    assert_eq!(st.vs(1).0[CPS], 110);
    assert_eq!(st.vs(2), Counters::default());
}

#[test]
fn destinations_go_to_the_sorry_server_first_then_the_first_real_server_matching() {
    let c = cfg(CONF);
    let mut st = Stats::new(&c.lvs);
    let v = tcp("10.9.0.1", 80);
    refresh(
        &mut st,
        &c.lvs,
        &[
            (v, dk("10.0.0.9", 80), 1),
            (v, dk("10.0.0.3", 8080), 3),
            // Same address, another port: not that real server.
            (v, dk("10.0.0.2", 9090), 50),
            (tcp("10.9.0.2", 80), dk("10.0.0.4", 80), 4),
            (tcp("10.9.0.1", 80), dk("10.0.0.4", 80), 5),
        ],
    );
    assert_eq!(st.server(0, 0).0[INPKTS], 1);
    assert_eq!(st.server(0, 1), Counters::default());
    assert_eq!(st.server(0, 2).0[OUTPKTS], 3);
    // 10.0.0.4 under both of G's services: summed.
    assert_eq!(st.server(1, 1).0[INBYTES], 9);
    assert_eq!(st.server(1, 1).0[PERSISTENT], 9);
    // A second refresh starts from 0.
    refresh(&mut st, &c.lvs, &[(v, dk("10.0.0.2", 8080), 2)]);
    assert_eq!(st.server(0, 1).0[OUTBYTES], 2);
    assert_eq!(st.server(0, 2), Counters::default());
    assert_eq!(st.server(1, 1), Counters::default());
}
