//! `use_vmac`, seen from the network: two routers and a third host on a bridge. The third
//! host's neighbour entry for the VIP is the virtual router MAC 00:00:5e:00:01:VRID and stays
//! so across a failover, while the bridge (`bridge fdb`) moves that MAC to the new master's
//! port. On the routers the macvlan exists with that MAC and keepalived's sysctls while
//! running, and is gone (parent sysctls put back) after stop.
//!
//! The binary is `$KEEPALIVED_RS_BIN`, else ours. Needs root (else SKIPPED; a failure under
//! CI=true).

mod lab;

use lab::vrrp::{
    after_election, expect_master, expect_stable, ours, routers_lab, Family, Instance, Router,
    Wiring, KEEPALIVED, MARGIN,
};
use lab::{wait_until, Lab};
use std::time::Duration;

const VMAC: &str = "vrrp.51";
/// VRID 51 = 0x33.
const MAC: &str = "00:00:5e:00:01:33";
/// A netlink request or a gratuitous ARP takes effect within this on a busy machine.
const SETTLE: Duration = Duration::from_secs(2);

fn ready(test: &str) -> bool {
    lab::require_root(test)
        && lab::require_program(test, &ours())
        && lab::require_program(test, "/usr/sbin/bridge")
        && lab::require_program(test, "/usr/bin/ping")
}

/// The instance with `use_vmac`; its VIP says `dev eth0`, which keepalived moves onto the
/// instance's VMAC.
fn config(inst: &Instance) -> String {
    inst.config().replacen(
        "  virtual_ipaddress {",
        "  use_vmac\n  virtual_ipaddress {",
        1,
    )
}

fn out(lab: &mut Lab, ns: &str, cmd: &[&str]) -> String {
    String::from_utf8_lossy(&lab.exec(ns, cmd).stdout).into_owned()
}

fn sysctl(lab: &mut Lab, ns: &str, ifname: &str, key: &str) -> String {
    let p = format!("/proc/sys/net/ipv4/conf/{ifname}/{key}");
    out(lab, ns, &["cat", &p]).trim().to_string()
}

/// The MAC r3 has for the VIP after reaching it (ping fills the neighbour table).
fn vip_mac_seen_by_r3(lab: &mut Lab, vip: &str) -> Option<String> {
    lab.exec("r3", &["ping", "-c", "1", "-W", "1", vip]);
    let n = out(lab, "r3", &["ip", "neigh", "show", vip]);
    let w: Vec<&str> = n.split_whitespace().collect();
    w.iter()
        .position(|x| *x == "lladdr")
        .and_then(|i| w.get(i + 1))
        .map(|s| s.to_string())
}

/// The bridge port the switch has learnt `MAC` on.
fn fdb_port(lab: &mut Lab) -> Option<String> {
    let f = out(lab, "sw", &["bridge", "fdb", "show", "br", "br0"]);
    f.lines()
        .find(|l| l.starts_with(MAC))
        .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
}

#[test]
fn vmac_keeps_the_vip_mac_and_moves_the_switch_port() {
    let test = "vmac_keeps_the_vip_mac_and_moves_the_switch_port";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 3, Wiring::Switch);
    // A router reaching r3 from the VIP over eth0 would otherwise ask for r3's MAC with the
    // VIP as sender and teach r3 eth0's MAC for it; VMAC setups set this for that reason.
    for ns in ["r1", "r2"] {
        lab.exec_ok(ns, &["sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2"]);
    }
    let high = Instance::new(1, 200);
    let low = Instance::new(2, 100);
    let vip = high.vip();
    let bin = ours();
    // Firewall rules may match r1's eth0 by device group; its VMAC gets the same group.
    lab.exec_ok("r1", &["ip", "link", "set", "dev", "eth0", "group", "5"]);
    let r2 = Router::start(&mut lab, "r2", &bin, &config(&low));
    let mut r1 = Router::start(&mut lab, "r1", &bin, &config(&high));
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);
    // keepalived copies it since 2.3 (2.2.7 does not).
    if bin == env!("CARGO_BIN_EXE_keepalived") {
        let l = out(&mut lab, "r1", &["ip", "link", "show", VMAC]);
        assert!(
            l.contains(" group 5 "),
            "{test}: r1's VMAC lacks eth0's group 5:\n{l}"
        );
    }

    // The macvlan, its MAC and mode, and the sysctls, on both routers (BACKUP has one too).
    for ns in ["r1", "r2"] {
        let l = out(&mut lab, ns, &["ip", "-d", "link", "show", VMAC]);
        assert!(
            l.contains(&format!("link/ether {MAC}")) && l.contains("macvlan mode private"),
            "{test}: {ns} has no private macvlan {VMAC} with MAC {MAC}:\n{l}"
        );
        for (key, want) in [
            ("arp_ignore", "1"),
            ("accept_local", "1"),
            ("rp_filter", "0"),
            ("promote_secondaries", "1"),
        ] {
            assert_eq!(
                sysctl(&mut lab, ns, VMAC, key),
                want,
                "{test}: {ns} {VMAC} {key}"
            );
        }
        for key in ["arp_ignore", "arp_filter"] {
            assert_eq!(
                sysctl(&mut lab, ns, "eth0", key),
                "1",
                "{test}: {ns} eth0 {key}"
            );
        }
    }
    assert!(
        lab.has_addr("r1", VMAC, vip),
        "{test}: the VIP is not on r1's VMAC"
    );

    let mut seen = None;
    let ok = wait_until(SETTLE, || {
        seen = vip_mac_seen_by_r3(&mut lab, vip);
        seen.as_deref() == Some(MAC)
    });
    assert!(ok, "{test}: r3 sees the VIP at {seen:?}, not {MAC}");
    let mut port = None;
    assert!(
        wait_until(SETTLE, || {
            port = fdb_port(&mut lab);
            port.as_deref() == Some("r1-eth0")
        }),
        "{test}: the bridge has {MAC} on {port:?}, not r1's port"
    );

    r1.stop();
    expect_master(&r2, &[], vip, low.master_down() + MARGIN);
    // The new master's gratuitous ARP moves the MAC to its port; r3 keeps the same MAC.
    assert!(
        wait_until(SETTLE, || {
            port = fdb_port(&mut lab);
            port.as_deref() == Some("r2-eth0")
        }),
        "{test}: after failover the bridge has {MAC} on {port:?}, not r2's port"
    );
    let ok = wait_until(SETTLE, || {
        seen = vip_mac_seen_by_r3(&mut lab, vip);
        seen.as_deref() == Some(MAC)
    });
    assert!(ok, "{test}: after failover r3 sees the VIP at {seen:?}");
    let reply = lab.exec("r3", &["ping", "-c", "1", "-W", "1", vip]);
    assert!(
        reply.status.success(),
        "{test}: the VIP does not answer after failover"
    );

    // The stopped router took its VMAC away and put its parent's sysctls back.
    let l = lab.exec("r1", &["ip", "link", "show", VMAC]);
    assert!(
        !l.status.success(),
        "{test}: {VMAC} still exists on stopped r1"
    );
    // keepalived 2.2.7 leaves them set; we put back what we changed.
    for key in ["arp_ignore", "arp_filter"]
        .iter()
        .filter(|_| bin != KEEPALIVED)
    {
        assert_eq!(
            sysctl(&mut lab, "r1", "eth0", key),
            "0",
            "{test}: r1 eth0 {key} not restored"
        );
    }
}

/// Adverts go out of (or with vmac_xmit_base, around) the VMAC and still reach the peer: the
/// pair elects once and stays so, and the backup takes over when the master stops.
fn vmac_pair(test: &str, family: Family, xmit_base: bool) {
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let mut high = Instance::new(1, 200);
    let mut low = Instance::new(2, 100);
    high.family = family;
    low.family = family;
    let mac = if family == Family::V6 {
        "00:00:5e:00:02:33"
    } else {
        MAC
    };
    let other = if family == Family::V6 {
        "10.7.0.77/24"
    } else {
        "fd00::77/64"
    };
    let conf = |i: &Instance| {
        let c = config(i).replacen(
            &format!("{}/64 dev eth0", i.vip()),
            &format!("{}/64", i.vip()),
            1,
        );
        // An eVIP of the other family stays on eth0 (keepalived moves only its own family).
        let c = format!(
            "{}  virtual_ipaddress_excluded {{\n    {other}\n  }}\n}}\n",
            c.trim_end().trim_end_matches('}')
        );
        if xmit_base {
            c.replacen("  use_vmac\n", "  use_vmac\n  vmac_xmit_base\n", 1)
        } else {
            c
        }
    };
    let bin = ours();
    let r2 = Router::start(&mut lab, "r2", &bin, &conf(&low));
    let mut r1 = Router::start(&mut lab, "r1", &bin, &conf(&high));
    let vip = high.vip();
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);
    expect_stable(&r1, &[&r2], vip, after_election(&high, &low));
    let l = out(&mut lab, "r1", &["ip", "-d", "link", "show", VMAC]);
    assert!(
        l.contains(&format!("link/ether {mac}")),
        "{test}: no {VMAC} with {mac}:\n{l}"
    );
    assert!(
        lab.has_addr("r1", VMAC, vip),
        "{test}: the VIP is not on the VMAC"
    );
    let other_ip = other.split('/').next().unwrap_or(other);
    assert!(
        lab.has_addr("r1", "eth0", other_ip) && !lab.has_addr("r1", VMAC, other_ip),
        "{test}: the other family's eVIP is not on eth0 alone"
    );
    r1.stop();
    expect_master(&r2, &[], vip, low.master_down() + MARGIN);
    assert!(
        !lab.exec("r1", &["ip", "link", "show", VMAC])
            .status
            .success(),
        "{test}: {VMAC} left on stopped r1"
    );
}

#[test]
fn vmac_ipv6_pair_elects_and_fails_over() {
    vmac_pair("vmac_ipv6_pair_elects_and_fails_over", Family::V6, false);
}

#[test]
fn vmac_xmit_base_pair_elects_and_fails_over() {
    vmac_pair(
        "vmac_xmit_base_pair_elects_and_fails_over",
        Family::V4,
        true,
    );
}

/// The VMAC's own link counts: set down from outside, its instance goes to FAULT and the peer
/// takes over until it is up again; deleted from outside, it is made again (same name and
/// MAC) and the instance comes back on it.
#[test]
fn vmac_set_down_or_deleted_from_outside_comes_back() {
    let test = "vmac_set_down_or_deleted_from_outside_comes_back";
    if !ready(test) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let high = Instance::new(1, 200);
    let low = Instance::new(2, 100);
    let vip = high.vip();
    let bin = ours();
    let r2 = Router::start(&mut lab, "r2", &bin, &config(&low));
    let r1 = Router::start(&mut lab, "r1", &bin, &config(&high));
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);

    lab.exec_ok("r1", &["ip", "link", "set", "dev", VMAC, "down"]);
    expect_master(&r2, &[&r1], vip, low.master_down() + MARGIN);
    lab.exec_ok("r1", &["ip", "link", "set", "dev", VMAC, "up"]);
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);

    lab.exec_ok("r1", &["ip", "link", "del", "dev", VMAC]);
    // Made again at once, r1 is back before r2's down timer runs out (its priority 0 could
    // not leave the deleted link): only the log shows the FAULT.
    assert!(
        wait_until(SETTLE, || r1.log().contains("Interface vrrp.51 deleted")),
        "{test}: r1 did not see its VMAC go:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);
    let l = out(&mut lab, "r1", &["ip", "-d", "link", "show", VMAC]);
    assert!(
        l.contains(&format!("link/ether {MAC}")) && l.contains("macvlan mode private"),
        "{test}: r1's {VMAC} was not made again:\n{l}"
    );
    assert!(
        lab.has_addr("r1", VMAC, vip),
        "{test}: the VIP is not on r1's new VMAC"
    );
}
