//! The plan's batches against keepalived 2.2.7's own, byte for byte (sequence numbers
//! aside). The fixtures in src/net/nft/fixtures are keepalived's sends, recorded with
//!   ip netns exec NS strace -f -e trace=sendmsg,sendto -e write=all -o X.strace \
//!       keepalived -n -l -D -f X.conf
//! and cut into messages ("ty= fl= len= payload-hex", payload after the 16-byte header) by
//! a few lines of Python; the configs: vrrp_strict, instance A (VRID 51/53, VIP 10.9.0.100 or
//! fd00::100 + fe80::100 on d0, ifindex 3) and instance B with use_vmac (VRID 52/54, VMAC
//! ifindex 5/6, VIP 10.9.0.101 or fd00::101), both MASTER, then SIGTERM.

use super::*;

const V4: &str = include_str!("../net/nft/fixtures/keepalived-v4.dump");
const V6: &str = include_str!("../net/nft/fixtures/keepalived-v6.dump");
const V4_COUNTERS: &str = include_str!("../net/nft/fixtures/keepalived-v4-counters.dump");

type Msgs = Vec<(u16, u16, Vec<u8>)>;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("fixture hex"))
        .collect()
}

/// The messages of send number `n` of a dump.
fn sent(dump: &str, n: usize) -> Msgs {
    let mut out = Vec::new();
    let mut cur = None;
    for l in dump.lines() {
        if let Some(rest) = l.strip_prefix("SEND ") {
            cur = rest.split(' ').next().and_then(|x| x.parse::<usize>().ok());
            continue;
        }
        if cur != Some(n) {
            continue;
        }
        let w: Vec<&str> = l.split_whitespace().collect();
        let num = |s: &str, p: &str| u16::from_str_radix(s.trim_start_matches(p), 16).expect("num");
        let ty = num(w[0], "ty=0x");
        let fl = num(w[1], "fl=0x");
        out.push((ty, fl, hex(w.get(3).copied().unwrap_or(""))));
    }
    out
}

fn ours(fill: impl FnOnce(&mut Batch<'_>)) -> Msgs {
    let mut buf = vec![0u8; 16384];
    let mut b = Batch::new(&mut buf, 1000);
    fill(&mut b);
    let (bytes, _, _) = b.finish().expect("fits");
    crate::net::netlink::messages(bytes)
        .map(|m| {
            let m = m.expect("well formed");
            (m.ty, m.flags, m.payload.to_vec())
        })
        .collect()
}

fn same(got: Msgs, want: Msgs) {
    assert_eq!(got.len(), want.len(), "message count");
    for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        assert_eq!(
            (g.0, g.1, hex_str(&g.2)),
            (w.0, w.1, hex_str(&w.2)),
            "message {i}"
        );
    }
}

fn hex_str(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn vip(s: &str, ifindex: u32) -> Vip {
    Vip {
        addr: s.parse().expect("addr"),
        ifindex,
        ifname: None,
    }
}

#[test]
fn ipv4_strict_with_vmac_is_keepalived_s_batches() {
    let mut fw = Firewall::new("keepalived".into(), -1, false);
    same(
        ours(|b| fw.update_vmac(b, 5, 3, false, false, true)),
        sent(V4, 2),
    );
    same(
        ours(|b| fw.update_vips(b, &[vip("10.9.0.100", 3)], true)),
        sent(V4, 3),
    );
    same(
        ours(|b| fw.update_vips(b, &[vip("10.9.0.101", 5)], true)),
        sent(V4, 4),
    );
    same(
        ours(|b| fw.update_vips(b, &[vip("10.9.0.100", 3)], false)),
        sent(V4, 5),
    );
    same(
        ours(|b| fw.update_vips(b, &[vip("10.9.0.101", 5)], false)),
        sent(V4, 6),
    );
    same(
        ours(|b| fw.update_vmac(b, 5, 3, false, false, false)),
        sent(V4, 7),
    );
    same(ours(|b| fw.cleanup(b)), sent(V4, 8));
    assert!(fw.is_empty());
}

#[test]
fn ipv6_strict_with_link_local_vip_and_vmac_is_keepalived_s_batches() {
    let mut fw = Firewall::new("keepalived".into(), -1, false);
    same(
        ours(|b| fw.update_vmac(b, 6, 3, true, false, true)),
        sent(V6, 2),
    );
    let a = [vip("fd00::100", 3), vip("fe80::100", 3)];
    same(ours(|b| fw.update_vips(b, &a, true)), sent(V6, 3));
    same(
        ours(|b| fw.update_vips(b, &[vip("fd00::101", 6)], true)),
        sent(V6, 4),
    );
    same(ours(|b| fw.update_vips(b, &a, false)), sent(V6, 5));
    same(
        ours(|b| fw.update_vips(b, &[vip("fd00::101", 6)], false)),
        sent(V6, 6),
    );
    same(
        ours(|b| fw.update_vmac(b, 6, 3, true, false, false)),
        sent(V6, 7),
    );
    same(ours(|b| fw.cleanup(b)), sent(V6, 8));
}

#[test]
fn table_name_priority_and_counters_are_keepalived_s() {
    let mut fw = Firewall::new("mytable".into(), -5, true);
    same(
        ours(|b| fw.update_vmac(b, 7, 3, false, false, true)),
        sent(V4_COUNTERS, 2),
    );
    same(
        ours(|b| fw.update_vips(b, &[vip("10.9.0.100", 3)], true)),
        sent(V4_COUNTERS, 3),
    );
    same(ours(|b| fw.cleanup(b)), sent(V4_COUNTERS, 8));
}

#[test]
fn removing_before_any_add_writes_nothing() {
    let mut fw = Firewall::new("keepalived".into(), -1, false);
    assert!(ours(|b| fw.update_vips(b, &[vip("10.9.0.100", 3)], false)).len() == 2);
    assert!(fw.is_empty());
}

#[test]
fn a_leftover_table_is_deleted_in_the_first_batch() {
    let mut fw = Firewall::new("keepalived".into(), -1, false);
    fw.note_stale(true, true);
    let got = ours(|b| fw.update_vips(b, &[vip("10.9.0.100", 3)], true));
    // begin, two deletes (ip, ip6), then the table as usual.
    assert_eq!(got[1].0 & 0xff, NFT_MSG_DELTABLE_T);
    assert_eq!(got[1].2[0], NFPROTO_IPV4);
    assert_eq!(got[2].0 & 0xff, NFT_MSG_DELTABLE_T);
    assert_eq!(got[2].2[0], NFPROTO_IPV6);
    assert_eq!(got[3].0 & 0xff, 0, "then NEWTABLE");
    // Only once.
    let again = ours(|b| fw.update_vips(b, &[vip("fd00::1", 3)], true));
    assert!(again
        .iter()
        .all(|m| m.0 & 0xff != NFT_MSG_DELTABLE_T || m.0 >> 8 != 10));
}

const NFT_MSG_DELTABLE_T: u16 = crate::net::nft::NFT_MSG_DELTABLE;

fn load(text: &str) -> Config {
    use crate::config::{from_tree, reader, Diagnostics};
    let mut d = Diagnostics::new();
    let nodes = reader::tree_from_str(text, 0, &mut d);
    let cfg = from_tree(&nodes, &mut d);
    assert!(!d.has_errors(), "{text}");
    cfg
}

fn conf(globals: &str, inst: &str) -> Config {
    load(&format!(
        "global_defs {{\n{globals}\n}}\nvrrp_instance A {{\n interface eth0\n \
         virtual_router_id 51\n{inst}\n virtual_ipaddress {{\n  10.0.0.1/24\n }}\n}}\n"
    ))
}

#[test]
fn a_firewall_only_for_no_accept_or_vmac_instances() {
    // Without vrrp_strict instances accept.
    assert!(Firewall::for_config(&conf("", " priority 100")).is_none());
    assert!(Firewall::for_config(&conf("", " priority 100\n use_vmac")).is_some());
    assert!(Firewall::for_config(&conf("", " priority 100\n no_accept")).is_some());
    let strict = Firewall::for_config(&conf(" vrrp_strict", " priority 100"));
    assert_eq!(strict.as_ref().map(|f| f.table()), Some(DEFAULT_TABLE));
    let named = Firewall::for_config(&conf(" vrrp_strict\n nftables fw", " priority 100"));
    assert_eq!(named.as_ref().map(|f| f.table()), Some("fw"));
    // vrrp_iptables means nftables in keepalived's Debian build.
    let ipt = Firewall::for_config(&conf(" vrrp_strict\n vrrp_iptables", " priority 100"));
    assert_eq!(ipt.as_ref().map(|f| f.table()), Some(DEFAULT_TABLE));
}

#[test]
fn owners_and_accept_instances_keep_their_vips_reachable() {
    let v = |globals: &str, inst: &str| drops_vips(&conf(globals, inst).vrrp.instances[0]);
    assert!(v(" vrrp_strict", " priority 100"));
    assert!(!v(" vrrp_strict", " priority 255"), "address owner");
    assert!(!v(" vrrp_strict", " priority 100\n version 3\n accept"));
    // v2 under strict resets accept (RFC 3768).
    assert!(v(" vrrp_strict", " priority 100\n version 2\n accept"));
    assert!(!v("", " priority 100"));
    assert!(v("", " priority 100\n no_accept"));
}

#[test]
fn a_vmac_with_evips_of_the_other_family_is_in_both_tables() {
    let mut fw = Firewall::new("keepalived".into(), -1, false);
    let got = ours(|b| fw.update_vmac(b, 5, 3, false, true, true));
    let elems_of = |fam: u8| {
        got.iter()
            .filter(|m| m.0 == (10 << 8) | crate::net::nft::NFT_MSG_NEWSETELEM && m.2[0] == fam)
            .count()
    };
    // ip: vmac_map; ip6: vmac_map and vmac_set (router solicitations).
    assert_eq!((elems_of(NFPROTO_IPV4), elems_of(NFPROTO_IPV6)), (1, 2));
    // Deleting it touches both again, and creates nothing.
    let gone = ours(|b| fw.update_vmac(b, 5, 3, false, true, false));
    assert_eq!(
        gone.len(),
        2 + 3,
        "begin, end and three deletions: {gone:?}"
    );
}

#[test]
fn changed_table_settings_are_noticed() {
    let fw = Firewall::for_config(&conf(" vrrp_strict", " priority 100")).expect("needed");
    assert!(!fw.settings_differ(&conf(" vrrp_strict", " priority 100")));
    for g in [
        " vrrp_strict\n nftables other",
        " vrrp_strict\n nftables_priority -3",
        " vrrp_strict\n nftables_counters",
    ] {
        assert!(fw.settings_differ(&conf(g, " priority 100")), "{g}");
    }
}
