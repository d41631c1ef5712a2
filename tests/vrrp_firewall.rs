//! The nftables firewall keepalived 2.2.7 (Debian's build) installs for no_accept / vrrp_strict
//! instances and VMACs, seen as a user sees it: `nft list ruleset` reads the same as with
//! keepalived for the same config, a third host gets no answer from the VIP of a strict
//! non-accept MASTER (and does with `accept`), a failover moves the drop with the VIP, and the
//! table goes when the daemon stops. A table deleted from outside is logged and VRRP goes on.
//!
//! Needs root, nft and ping (tests/setup.d/nftables.sh), else SKIPPED (a failure under CI=true).
//! The binary is `$KEEPALIVED_RS_BIN`, else ours; the reference is /usr/sbin/keepalived.

mod lab;

use lab::vrrp::{expect_master, ours, routers_lab, Instance, Router, Wiring, KEEPALIVED, MARGIN};
use lab::{wait_until, Lab};
use std::time::Duration;

const NFT: &str = "/usr/sbin/nft";
/// keepalived 2.2.7 under vrrp_strict with state MASTER still waits one Master_Down_Interval
/// (3 s + skew at advert_int 1).
const TO_MASTER: Duration = Duration::from_secs(4);
/// A netlink change or a ping round trip on a busy machine.
const SETTLE: Duration = Duration::from_secs(2);

fn ready(test: &str, with_reference: bool) -> bool {
    lab::require_root(test)
        && lab::require_program(test, &ours())
        && lab::require_program(test, NFT)
        && lab::require_program(test, "/usr/bin/ping")
        && (!with_reference || lab::require_program(test, KEEPALIVED))
}

fn ruleset(lab: &mut Lab, ns: &str) -> String {
    let out = lab.exec(ns, &[NFT, "list", "ruleset"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Counters count what passed during the run; only their presence is configuration.
    text.lines()
        .map(|l| match l.find("counter packets") {
            Some(at) => {
                let rest = &l[at..];
                let end = rest.find(" drop").unwrap_or(rest.len());
                format!("{}counter{}", &l[..at], &rest[end..])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Two instances on r1's eth0, both MASTER: A plain with `vips_a` (and `extra_a`), B with
/// use_vmac and `vips_b`.
fn pair_config(globals: &str, extra_a: &str, vips_a: &[&str], vips_b: &[&str]) -> String {
    let inst = |name: &str, vrid: u8, extra: &str, vips: &[&str]| {
        let list: String = vips.iter().map(|v| format!("    {v}\n")).collect();
        format!(
            "vrrp_instance {name} {{\n  state MASTER\n  interface eth0\n  virtual_router_id {vrid}\n  \
             priority 100\n  advert_int 1\n{extra}  virtual_ipaddress {{\n{list}  }}\n}}\n"
        )
    };
    format!(
        "global_defs {{\n  router_id r1\n  vrrp_strict\n{globals}}}\n{}{}",
        inst("A", 51, extra_a, vips_a),
        inst("B", 52, "  use_vmac\n", vips_b)
    )
}

/// The ruleset `bin` shows once both instances hold their VIPs, and that it leaves none after
/// SIGTERM.
fn ruleset_of(lab: &mut Lab, test: &str, bin: &str, conf: &str, vips: &[&str]) -> String {
    let mut r = Router::start(lab, "r1", bin, conf);
    let mut rules = String::new();
    let ok = wait_until(TO_MASTER * 2 + MARGIN, || {
        rules = ruleset(lab, "r1");
        vips.iter().all(|v| rules.contains(v))
            && r.log().matches("Entering MASTER STATE").count() >= 2
    });
    assert!(
        ok,
        "{test}: {} never had both VIPs in its sets:\n{rules}\n{}",
        r.name,
        lab::vrrp::tail(&r.log())
    );
    // Nothing more is due: the ruleset read again is the same.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        ruleset(lab, "r1"),
        rules,
        "{test}: {} still changing its ruleset",
        r.name
    );
    r.stop();
    let left = ruleset(lab, "r1");
    assert!(
        left.trim().is_empty(),
        "{test}: {} left after stop:\n{left}",
        r.name
    );
    rules
}

fn same_as_keepalived(
    test: &str,
    globals: &str,
    extra_a: &str,
    vips_a: &[&str],
    vips_b: &[&str],
    shows: &[&str],
) {
    if !ready(test, true) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let conf = pair_config(globals, extra_a, vips_a, vips_b);
    let theirs = ruleset_of(&mut lab, test, KEEPALIVED, &conf, shows);
    let got = ruleset_of(&mut lab, test, &ours(), &conf, shows);
    assert_eq!(
        got, theirs,
        "{test}: ruleset differs from keepalived 2.2.7's"
    );
}

#[test]
fn ipv4_strict_with_vmac_ruleset_is_keepalived_s() {
    same_as_keepalived(
        "ipv4_strict_with_vmac_ruleset_is_keepalived_s",
        "",
        "",
        &["10.7.0.100/32"],
        &["10.7.0.101/32"],
        &["10.7.0.100", "10.7.0.101", "\"vrrp.52\" : \"eth0\""],
    );
}

#[test]
fn ipv6_strict_with_link_local_vip_and_vmac_ruleset_is_keepalived_s() {
    same_as_keepalived(
        "ipv6_strict_with_link_local_vip_and_vmac_ruleset_is_keepalived_s",
        "",
        "",
        &["fd00::100/128", "fe80::100/128"],
        &["fd00::101/128"],
        &[
            "fd00::100",
            "fd00::101",
            "fe80::100 . \"eth0\"",
            "\"vrrp.52\" : \"eth0\"",
        ],
    );
}

#[test]
fn table_name_priority_and_counters_ruleset_is_keepalived_s() {
    same_as_keepalived(
        "table_name_priority_and_counters_ruleset_is_keepalived_s",
        "  nftables mytable\n  nftables_priority -5\n  nftables_counters\n  nftables_ifindex\n",
        "",
        &["10.7.0.100/32"],
        &["10.7.0.101/32"],
        &[
            "table ip mytable",
            "10.7.0.100",
            "10.7.0.101",
            "priority filter - 5",
            "counter",
        ],
    );
}

/// With dont_track_primary a link-local VIP is keyed by interface name (set
/// vips_link_local_name); nftables_ifindex keeps the index.
#[test]
fn dont_track_primary_link_local_vip_by_name_is_keepalived_s() {
    same_as_keepalived(
        "dont_track_primary_link_local_vip_by_name_is_keepalived_s",
        "",
        "  dont_track_primary\n",
        &["fd00::100/128", "fe80::100/128"],
        &["fd00::101/128"],
        &[
            "fd00::100",
            "fd00::101",
            "vips_link_local_name",
            "fe80::100 . \"eth0\"",
        ],
    );
}

#[test]
fn nftables_ifindex_keeps_link_local_vips_by_index_as_keepalived() {
    same_as_keepalived(
        "nftables_ifindex_keeps_link_local_vips_by_index_as_keepalived",
        "  nftables_ifindex\n",
        "  dont_track_primary\n",
        &["fe80::100/128"],
        &["fd00::101/128"],
        &["fd00::101", "set vips_link_local {", "fe80::100 . \"eth0\""],
    );
}

/// r1 and r2 on a switch with r3; `extra` goes into both routers' instance.
fn strict_config(inst: &Instance, extra: &str) -> String {
    inst.config()
        .replacen("global_defs {\n", "global_defs {\n  vrrp_strict\n", 1)
        .replacen(
            "  virtual_ipaddress {",
            &format!("{extra}  virtual_ipaddress {{"),
            1,
        )
}

fn pings(lab: &mut Lab, vip: &str) -> bool {
    lab.exec("r3", &["ping", "-c", "1", "-W", "1", vip])
        .status
        .success()
}

fn vips_set(lab: &mut Lab, ns: &str) -> String {
    let out = lab.exec(ns, &[NFT, "list", "set", "ip", "keepalived", "vips"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_strict_master_s_vip_does_not_answer_and_the_drop_follows_the_vip() {
    let test = "a_strict_master_s_vip_does_not_answer_and_the_drop_follows_the_vip";
    if !ready(test, false) {
        return;
    }
    let mut lab = routers_lab(test, 3, Wiring::Switch);
    let bin = ours();
    let high = Instance::new(1, 200).v2();
    let low = Instance::new(2, 100).v2();
    let vip = high.vip();
    // r2 is MASTER first; r1 then preempts it.
    let r2 = Router::start(&mut lab, "r2", &bin, &strict_config(&low, ""));
    expect_master(&r2, &[], vip, low.master_down() + MARGIN);
    assert!(
        wait_until(SETTLE, || vips_set(&mut lab, "r2").contains(vip)),
        "{test}: r2 as MASTER has not {vip} in its drop set:\n{}",
        vips_set(&mut lab, "r2")
    );
    assert!(
        !pings(&mut lab, vip),
        "{test}: r2's VIP answers under vrrp_strict"
    );
    let mut r1 = Router::start(&mut lab, "r1", &bin, &strict_config(&high, ""));
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);
    assert!(
        wait_until(SETTLE, || {
            !vips_set(&mut lab, "r2").contains(vip) && vips_set(&mut lab, "r1").contains(vip)
        }),
        "{test}: after failover the drop did not move: r1 {} r2 {}",
        vips_set(&mut lab, "r1"),
        vips_set(&mut lab, "r2")
    );
    // The VIP is on r1, and still silent.
    assert!(r1.holds_vip(vip), "{test}: r1 does not hold {vip}");
    assert!(
        !pings(&mut lab, vip),
        "{test}: r1's VIP answers under vrrp_strict"
    );
    r1.stop();
    let out = lab.exec("r1", &[NFT, "list", "tables"]);
    let left = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(left.trim().is_empty(), "{test}: r1 left {left} after stop");
}

#[test]
fn with_accept_a_strict_v3_master_s_vip_answers() {
    let test = "with_accept_a_strict_v3_master_s_vip_answers";
    if !ready(test, false) {
        return;
    }
    let mut lab = routers_lab(test, 3, Wiring::Switch);
    let high = Instance::new(1, 200);
    let vip = high.vip();
    let r1 = Router::start(&mut lab, "r1", &ours(), &strict_config(&high, "  accept\n"));
    expect_master(&r1, &[], vip, high.master_down() + MARGIN);
    assert!(
        wait_until(SETTLE, || pings(&mut lab, vip)),
        "{test}: the VIP of an accept MASTER does not answer"
    );
    assert!(
        !vips_set(&mut lab, "r1").contains(vip),
        "{test}: an accept instance's VIP is in the drop set"
    );
}

#[test]
fn a_table_deleted_from_outside_is_logged_and_vrrp_goes_on() {
    let test = "a_table_deleted_from_outside_is_logged_and_vrrp_goes_on";
    if !ready(test, false) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let bin = ours();
    let high = Instance::new(2, 200).v2();
    let low = Instance::new(1, 100).v2();
    let vip = low.vip();
    let mut r1 = Router::start(&mut lab, "r1", &bin, &strict_config(&low, ""));
    expect_master(&r1, &[], vip, low.master_down() + MARGIN);
    assert!(
        wait_until(SETTLE, || vips_set(&mut lab, "r1").contains(vip)),
        "{test}: r1 has no drop set"
    );
    lab.exec_ok("r1", &[NFT, "delete", "table", "ip", "keepalived"]);
    // A higher priority router makes r1 let go of the VIP: the set it empties is gone.
    let mut r2 = Router::start(&mut lab, "r2", &bin, &strict_config(&high, ""));
    expect_master(&r2, &[&r1], vip, high.master_down() + MARGIN);
    // keepalived 2.2.7 says nothing of it; we log the refused change.
    assert!(
        bin == KEEPALIVED
            || wait_until(SETTLE, || r1.log().contains(
                "nftables table keepalived, ip: elements of set vips: No such file"
            )),
        "{test}: the failed change is not logged:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    assert!(r1.running(), "{test}: r1 died on a firewall error");
    // And r1 still takes over.
    r2.stop();
    expect_master(&r1, &[], vip, low.master_down() + MARGIN);
    r1.stop();
}

/// The config file a router was started with (the only one in the lab for `ns`).
fn config_path(lab: &Lab, ns: &str) -> std::path::PathBuf {
    let confs: Vec<_> = std::fs::read_dir(lab.dir())
        .expect("lab dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n.starts_with(&format!("{ns}-")) && n.ends_with(".conf")
        })
        .collect();
    assert_eq!(confs.len(), 1, "one config for {ns}: {confs:?}");
    confs[0].clone()
}

#[test]
fn a_reload_of_a_kept_master_keeps_its_drop_set_right() {
    let test = "a_reload_of_a_kept_master_keeps_its_drop_set_right";
    if !ready(test, false) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let inst = Instance::new(1, 100);
    let conf = strict_config(&inst, "");
    let r1 = Router::start(&mut lab, "r1", &ours(), &conf);
    expect_master(&r1, &[], inst.vip(), inst.master_down() + MARGIN);
    assert!(
        wait_until(SETTLE, || vips_set(&mut lab, "r1").contains("10.7.0.100")),
        "{test}: no drop for the VIP"
    );
    let path = config_path(&lab, "r1");
    let reload = |text: &str, n: usize| {
        std::fs::write(&path, text).expect("rewrite config");
        // SAFETY: kill(2) on the daemon's pid; no memory is involved.
        unsafe { libc::kill(r1.main_pid(), libc::SIGHUP) };
        assert!(
            wait_until(MARGIN * 2, || r1.log().matches("Reload complete").count()
                >= n),
            "{test}: no reload {n}:\n{}",
            lab::vrrp::tail(&r1.log())
        );
    };
    // Another VIP in place of the first: the set follows.
    reload(&conf.replace("10.7.0.100/24", "10.7.0.101/24"), 1);
    let ok = wait_until(SETTLE, || {
        let s = vips_set(&mut lab, "r1");
        s.contains("10.7.0.101") && !s.contains("10.7.0.100")
    });
    assert!(
        ok,
        "{test}: after reload the set is {}",
        vips_set(&mut lab, "r1")
    );
    // accept: nothing is dropped any more.
    let accept = strict_config(&inst, "  accept\n").replace("10.7.0.100/24", "10.7.0.101/24");
    reload(&accept, 2);
    let ok = wait_until(SETTLE, || !vips_set(&mut lab, "r1").contains("10.7.0.10"));
    assert!(ok, "{test}: accept left {}", vips_set(&mut lab, "r1"));
}

/// A table of ours left by a crashed run is deleted (and logged) before the new one is made.
#[test]
fn a_leftover_table_is_replaced_at_start() {
    let test = "a_leftover_table_is_replaced_at_start";
    if !ready(test, false) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    for cmd in [
        "add table ip keepalived",
        "add chain ip keepalived leftover",
        "add table ip6 keepalived",
    ] {
        let mut args = vec![NFT];
        args.extend(cmd.split(' '));
        lab.exec_ok("r1", &args);
    }
    let inst = Instance::new(1, 100).v2();
    let r1 = Router::start(&mut lab, "r1", &ours(), &strict_config(&inst, ""));
    expect_master(&r1, &[], inst.vip(), inst.master_down() + MARGIN);
    assert!(
        wait_until(SETTLE, || vips_set(&mut lab, "r1").contains(inst.vip())),
        "{test}: no drop set"
    );
    let rules = ruleset(&mut lab, "r1");
    assert!(
        !rules.contains("leftover") && !rules.contains("table ip6 keepalived"),
        "{test}: the old tables survived:\n{rules}"
    );
    let log = r1.log();
    for fam in ["ip", "ip6"] {
        assert!(
            log.contains(&format!("Deleting old {fam} keepalived table")),
            "{test}: no log of deleting the old {fam} table:\n{}",
            lab::vrrp::tail(&log)
        );
    }
}

/// A VMAC's IGMP reports leave from its parent (eth0's MAC) and never with the virtual
/// router MAC, which the switch must only learn from the MASTER's adverts and ARPs.
#[test]
fn a_vmac_s_igmp_reports_leave_from_the_parent() {
    let test = "a_vmac_s_igmp_reports_leave_from_the_parent";
    if !ready(test, false)
        || !lab::require_program(test, "/usr/bin/tshark")
        || !lab::require_program(test, "/usr/bin/python3")
    {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let inst = Instance::new(1, 200);
    let conf = inst.config().replacen(
        "  virtual_ipaddress {",
        "  use_vmac\n  virtual_ipaddress {",
        1,
    );
    let r1 = Router::start(&mut lab, "r1", &ours(), &conf);
    expect_master(&r1, &[], inst.vip(), inst.master_down() + MARGIN);
    let eth0 = String::from_utf8_lossy(
        &lab.exec_ok("r1", &["cat", "/sys/class/net/eth0/address"])
            .stdout,
    )
    .trim()
    .to_string();
    let (cap, pcap) = lab.capture("r2", "eth0", "igmp.pcap");
    // Joining a group on the VMAC makes the kernel send (unsolicited) reports out of it.
    let join = "import socket,struct,time\n\
        s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
        i=socket.if_nametoindex('vrrp.51')\n\
        m=struct.pack('4s4si',socket.inet_aton('239.1.2.3'),socket.inet_aton('0.0.0.0'),i)\n\
        s.setsockopt(socket.IPPROTO_IP,socket.IP_ADD_MEMBERSHIP,m)\n\
        time.sleep(1.5)\n";
    lab.exec_ok("r1", &["python3", "-c", join]);
    lab.stop_capture(cap);
    let p = pcap.to_string_lossy().into_owned();
    let out = lab.exec_ok(
        "r2",
        &[
            "tshark",
            "-r",
            &p,
            "-Y",
            "igmp.maddr == 239.1.2.3",
            "-T",
            "fields",
            "-e",
            "eth.src",
        ],
    );
    let srcs = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        srcs.lines().any(|l| l.trim() == eth0),
        "{test}: no report for 239.1.2.3 from eth0 ({eth0}); seen from: {srcs:?}"
    );
    assert!(
        !srcs.contains("00:00:5e:00:01:33"),
        "{test}: a report left with the virtual router MAC: {srcs:?}"
    );
}

/// IPv6: the VIP of a strict MASTER still resolves (neighbour discovery is let through) but
/// does not answer.
#[test]
fn a_strict_ipv6_vip_resolves_but_does_not_answer() {
    let test = "a_strict_ipv6_vip_resolves_but_does_not_answer";
    if !ready(test, false) {
        return;
    }
    let mut lab = routers_lab(test, 3, Wiring::Switch);
    let mut inst = Instance::new(1, 200);
    inst.family = lab::vrrp::Family::V6;
    let vip = inst.vip();
    let r1 = Router::start(&mut lab, "r1", &ours(), &strict_config(&inst, ""));
    expect_master(&r1, &[], vip, inst.master_down() + MARGIN);
    let set = |lab: &mut Lab| {
        let out = lab.exec("r1", &[NFT, "list", "set", "ip6", "keepalived", "vips"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        wait_until(SETTLE, || set(&mut lab).contains(vip)),
        "{test}: no drop for {vip}:\n{}",
        set(&mut lab)
    );
    let ping = lab.exec("r3", &["ping", "-6", "-c", "1", "-W", "1", vip]);
    assert!(
        !ping.status.success(),
        "{test}: {vip} answers under vrrp_strict"
    );
    let neigh = lab.exec("r3", &["ip", "-6", "neigh", "show", vip]);
    let neigh = String::from_utf8_lossy(&neigh.stdout).into_owned();
    assert!(
        neigh.contains("lladdr"),
        "{test}: r3 could not resolve {vip} (neighbour discovery dropped?): {neigh:?}"
    );
}
