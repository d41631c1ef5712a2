//! SIGHUP reload of the VRRP child during steady traffic, in network namespaces, with
//! keepalived 2.2.7 as the peer. Root only (SKIPPED otherwise).
//!
//! r1 (ours) is MASTER of VI_1 (VRID 51) and VI_2 (52); r2 (keepalived) is BACKUP of VI_1 and
//! MASTER of VI_3 (53). VRRPv3, advert_int 0.1 s. While tshark records r2's link, r1 is
//! reloaded three times: with the same config, with a changed one (VI_1 gains an excluded
//! VIP and a priority, VI_2 is removed, VI_3 and VI_4 are added), and with a broken one. Then:
//! - VI_1's adverts have no gap longer than one interval plus a margin well under a second
//!   interval (a single missed advert would show), and r2 never took VI_1 over;
//! - VI_2 sent priority 0 and its VIP left r1;
//! - VI_1's new VIP is installed and announced by gratuitous ARP, with its new priority on the
//!   wire, without a state change;
//! - VI_3 came up BACKUP under r2's MASTER and stayed so, leaving an address already on the
//!   interface alone (as keepalived does at reload); VI_4, alone, became MASTER after its
//!   Master_Down_Interval;
//! - the broken config was refused with its file:line, and nothing changed.

mod lab;

use std::path::Path;
use std::time::{Duration, Instant};

use lab::vrrp::{master_down, routers_lab, Wiring};
use lab::wire::epoch_now;
use lab::{wait_until, Lab, Spawned};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived");
const KEEPALIVED: &str = "/usr/sbin/keepalived";
/// Advert interval, seconds.
const ADVERT: f64 = 0.1;
/// The longest gap allowed between two of VI_1's adverts: one interval plus a margin for a
/// loaded machine, still well short of the two intervals a missed advert makes.
const MAX_GAP: f64 = ADVERT + 0.07;
/// Process start, scheduling and netlink latency on a loaded machine.
const MARGIN: Duration = Duration::from_secs(2);

/// One v3 instance block; `vrid` picks its VIP 10.7.0.<vrid + 49> (51 → .100).
fn instance(name: &str, vrid: u8, prio: u8, vips: &[&str]) -> String {
    let mut s = format!(
        "vrrp_instance {name} {{\n  state BACKUP\n  interface eth0\n  virtual_router_id {vrid}\n  \
         priority {prio}\n  advert_int {ADVERT}\n  version 3\n  virtual_ipaddress {{\n"
    );
    for v in vips {
        s.push_str(&format!("    {v}/24 dev eth0\n"));
    }
    s.push_str("  }\n}\n");
    s
}

/// `instance` plus an excluded VIP (not carried in adverts, so the peer's config needs no
/// change for it).
fn with_evip(block: String, evip: &str) -> String {
    let at = block.len() - 2;
    format!(
        "{}  virtual_ipaddress_excluded {{\n    {evip}/24 dev eth0\n  }}\n}}\n",
        &block[..at]
    )
}

fn global(router: &str) -> String {
    format!("global_defs {{\n  router_id {router}\n}}\n")
}

/// Starts `bin` in the foreground in `ns` on config file `conf` (rewritten later for reloads).
fn start(lab: &mut Lab, ns: &str, bin: &str, conf: &Path) -> Spawned {
    let dir = lab.dir().to_path_buf();
    let pid = |k: &str| {
        dir.join(format!("{ns}-{k}.pid"))
            .to_string_lossy()
            .into_owned()
    };
    let (p, r, c) = (pid("p"), pid("r"), pid("c"));
    let fs = conf.to_string_lossy().into_owned();
    lab.spawn(
        ns,
        &[
            bin, "-n", "-l", "-D", "-f", &fs, "-p", &p, "-r", &r, "-c", &c,
        ],
    )
}

fn entered(log: &str, inst: &str, state: &str) -> usize {
    log.matches(&format!("({inst}) Entering {state} STATE"))
        .count()
}

/// (time, source, VRID, priority) of every VRRP packet in the capture.
fn adverts(lab: &mut Lab, pcap: &Path) -> Vec<(f64, String, u8, u8)> {
    let p = pcap.to_string_lossy().into_owned();
    let out = lab.exec_ok(
        "r2",
        &[
            "tshark",
            "-r",
            &p,
            "-Y",
            "vrrp",
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "ip.src",
            "-e",
            "vrrp.virt_rtr_id",
            "-e",
            "vrrp.prio",
        ],
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((
                f.first()?.parse().ok()?,
                f.get(1)?.to_string(),
                f.get(2)?.parse().ok()?,
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect()
}

/// Gratuitous ARPs in the capture announcing `ip`.
fn garps_for(lab: &mut Lab, pcap: &Path, ip: &str) -> usize {
    let p = pcap.to_string_lossy().into_owned();
    let filter = format!("arp.src.proto_ipv4 == {ip} && arp.dst.proto_ipv4 == {ip}");
    let out = lab.exec_ok("r2", &["tshark", "-r", &p, "-Y", &filter]);
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// True when some line of `log` says `<path>:<line number>:`.
fn names_file_line(log: &str, path: &str) -> bool {
    let at = format!("{path}:");
    log.lines().any(|l| {
        l.split(&at).skip(1).any(|rest| {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with(':')
        })
    })
}

/// Watches for `d` (a window derived from the advert interval) while the capture records.
fn observe(d: Duration) {
    wait_until(d, || false);
}

/// Waits for "Reload complete" number `n` in `log`.
fn reloaded(r1: &Spawned, n: usize) -> bool {
    wait_until(MARGIN + Duration::from_secs(3), || {
        r1.log().matches("Reload complete").count() >= n
    })
}

#[test]
fn reload_during_traffic_keeps_unchanged_instances_and_applies_differences() {
    let test = "reload_during_traffic_keeps_unchanged_instances_and_applies_differences";
    if !lab::require_root(test)
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, "/usr/bin/tshark")
    {
        return;
    }
    let mut lab = routers_lab("reload", 2, Wiring::Veth);
    let first = global("r1")
        + &instance("VI_1", 51, 200, &["10.7.0.100"])
        + &instance("VI_2", 52, 200, &["10.7.0.102"]);
    let conf1 = lab.write_file("r1.conf", &first);
    let conf2 = lab.write_file(
        "r2.conf",
        &(global("r2")
            + &instance("VI_1", 51, 100, &["10.7.0.100"])
            + &instance("VI_3", 53, 200, &["10.7.0.103"])),
    );
    let theirs = start(&mut lab, "r2", KEEPALIVED, &conf2);
    let r1 = start(&mut lab, "r1", OURS, &conf1);

    let limit = master_down(3, ADVERT, 100) + MARGIN;
    assert!(
        wait_until(limit, || {
            let (l1, l2) = (r1.log(), theirs.log());
            entered(&l1, "VI_1", "MASTER") == 1
                && entered(&l1, "VI_2", "MASTER") == 1
                && entered(&l2, "VI_3", "MASTER") == 1
        }),
        "not elected within {limit:?}:\nr1:\n{}\nr2:\n{}",
        r1.log(),
        theirs.log()
    );
    assert!(lab.has_addr("r1", "eth0", "10.7.0.100"));
    assert!(lab.has_addr("r1", "eth0", "10.7.0.102"));

    let (cap, pcap) = lab.capture("r2", "eth0", "r2.pcap");
    let mut hups = Vec::new();
    let t_start = Instant::now();
    // Some steady adverts before the first reload, so a gap at the reload stands out.
    let steady = Duration::from_secs_f64(5.0 * ADVERT);
    observe(steady);

    // 1: the same config.
    hups.push(epoch_now());
    r1.signal(libc::SIGHUP);
    assert!(reloaded(&r1, 1), "no reload:\n{}", r1.log());
    observe(steady);

    // 2: VI_1 gains an eVIP and priority, VI_2 goes, VI_3 (r2 is its MASTER) and VI_4 (alone) come.
    let second = global("r1")
        + &with_evip(instance("VI_1", 51, 210, &["10.7.0.100"]), "10.7.0.101")
        + &instance("VI_3", 53, 100, &["10.7.0.103"])
        + &instance("VI_4", 54, 100, &["10.7.0.104"]);
    std::fs::write(&conf1, &second).expect("rewrite r1.conf");
    // keepalived clears an instance's addresses off the interface only at startup, not when a
    // reload adds the instance.
    lab.addr("r1", "eth0", "10.7.0.103/24");
    let t_second = Instant::now();
    hups.push(epoch_now());
    r1.signal(libc::SIGHUP);
    assert!(reloaded(&r1, 2), "no second reload:\n{}", r1.log());
    let vi4_down = master_down(3, ADVERT, 100);
    assert!(
        wait_until(vi4_down + MARGIN, || entered(&r1.log(), "VI_4", "MASTER")
            == 1
            && lab.has_addr("r1", "eth0", "10.7.0.104")),
        "VI_4 not MASTER:\n{}",
        r1.log()
    );
    assert!(
        t_second.elapsed() >= vi4_down,
        "VI_4 took over before its Master_Down_Interval"
    );
    // VI_3 must stay BACKUP for longer than its own down interval: it hears r2.
    observe(master_down(3, ADVERT, 100) * 2);

    // 3: broken; refused with file:line, adverts go on.
    std::fs::write(&conf1, format!("{second}vrrp_instance VI_9 {{\n")).expect("break r1.conf");
    hups.push(epoch_now());
    r1.signal(libc::SIGHUP);
    let conf_name = conf1.to_string_lossy().into_owned();
    assert!(
        wait_until(MARGIN, || r1
            .log()
            .contains("keeping the running configuration")),
        "broken config not refused:\n{}",
        r1.log()
    );
    observe(steady);
    let span = t_start.elapsed();
    lab.stop_capture(cap);

    let log = r1.log();
    let l2 = theirs.log();
    assert!(
        names_file_line(&log, &conf_name),
        "no {conf_name}:<line> for the broken config:\n{log}"
    );
    assert_eq!(log.matches("Reload complete").count(), 2, "{log}");

    // VI_1: one election at start, none since, on either side; its VIPs all there.
    assert_eq!(entered(&log, "VI_1", "MASTER"), 1, "{log}");
    assert_eq!(entered(&log, "VI_1", "BACKUP"), 1, "{log}");
    assert_eq!(entered(&l2, "VI_1", "MASTER"), 0, "r2 took VI_1:\n{l2}");
    assert!(lab.has_addr("r1", "eth0", "10.7.0.100"));
    assert!(
        lab.has_addr("r1", "eth0", "10.7.0.101"),
        "added VIP missing"
    );
    // VI_2: gone, cleanly.
    assert!(!lab.has_addr("r1", "eth0", "10.7.0.102"), "VI_2's VIP left");
    assert!(log.contains("(VI_2) sent 0 priority"), "{log}");
    // VI_3: BACKUP under r2.
    assert_eq!(entered(&log, "VI_3", "BACKUP"), 1, "{log}");
    assert_eq!(entered(&log, "VI_3", "MASTER"), 0, "{log}");
    assert!(
        lab.has_addr("r1", "eth0", "10.7.0.103") && !log.contains("(VI_3) removing VIPs."),
        "the added BACKUP instance cleared addresses:\n{log}"
    );
    assert_eq!(
        entered(&l2, "VI_3", "MASTER"),
        1,
        "r2 re-elected VI_3:\n{l2}"
    );

    // On the wire.
    let all = adverts(&mut lab, &pcap);
    let vi1: Vec<(f64, u8)> = all
        .iter()
        .filter(|a| a.1 == "10.7.0.1" && a.2 == 51)
        .map(|a| (a.0, a.3))
        .collect();
    let expected = span.as_secs_f64() / ADVERT;
    assert!(
        vi1.len() as f64 >= expected * 0.8,
        "{} adverts of VI_1 over {span:?} (expected about {expected:.0})",
        vi1.len()
    );
    let (first, last) = (vi1[0].0, vi1[vi1.len() - 1].0);
    assert!(
        hups.iter().all(|h| (first..last).contains(h)),
        "the capture does not span the reloads"
    );
    let after_broken = vi1.iter().filter(|a| a.0 > hups[2]).count();
    assert!(
        after_broken >= 3,
        "{after_broken} adverts of VI_1 after the broken reload"
    );
    // Gaps during which a SIGHUP was sent; others are the machine's scheduling, not the reload.
    let gaps = vi1.windows(2).map(|w| (w[0].0, w[1].0));
    let at_reload = gaps
        .clone()
        .filter(|(a, b)| hups.iter().any(|h| (a - ADVERT..=*b).contains(h)))
        .map(|(a, b)| b - a);
    let worst_at_reload = at_reload.fold(0.0, f64::max);
    let worst = gaps.map(|(a, b)| b - a).fold(0.0, f64::max);
    assert!(
        worst_at_reload <= MAX_GAP,
        "gap of {worst_at_reload:.3} s between VI_1 adverts across a reload > {MAX_GAP} s"
    );
    assert!(
        vi1.iter().all(|a| a.1 == 200 || a.1 == 210) && vi1.last().is_some_and(|a| a.1 == 210),
        "VI_1's priority on the wire is not 200 then 210: {:?}",
        vi1.iter().map(|a| a.1).collect::<Vec<_>>()
    );
    assert!(
        all.iter()
            .any(|a| a.1 == "10.7.0.1" && a.2 == 52 && a.3 == 0),
        "no priority-0 advert from VI_2"
    );
    assert!(
        !all.iter().any(|a| a.1 == "10.7.0.2" && a.2 == 51),
        "r2 advertised VI_1"
    );
    assert!(
        garps_for(&mut lab, &pcap, "10.7.0.101") > 0,
        "no gratuitous ARP for the added VIP"
    );
    eprintln!(
        "vrrp_reload: {} VI_1 adverts over {:.2} s and 3 reloads, longest gap {:.3} s across a \
         reload, {:.3} s overall (interval {ADVERT} s)",
        vi1.len(),
        span.as_secs_f64(),
        worst_at_reload,
        worst
    );
}

/// VRRPv2 with AH over unicast, ours MASTER and keepalived BACKUP: a reload that adds a unicast
/// peer and changes the priority keeps the AH sequence counter running (keepalived drops AH
/// adverts whose sequence goes backwards and would then take over) and causes no election.
#[test]
fn reload_keeps_ah_sequence_and_unicast_master() {
    let test = "reload_keeps_ah_sequence_and_unicast_master";
    if !lab::require_root(test) || !lab::require_program(test, KEEPALIVED) {
        return;
    }
    let mut lab = routers_lab("reloadah", 2, Wiring::Veth);
    let conf = |me: u8, prio: u8, peers: &[&str]| {
        let mut c = format!(
            "{}vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 61\n  \
             priority {prio}\n  advert_int 1\n  version 2\n  authentication {{\n    auth_type AH\n    \
             auth_pass s3cret\n  }}\n  unicast_src_ip 10.7.0.{me}\n  unicast_peer {{\n",
            global(&format!("r{me}"))
        );
        for p in peers {
            c.push_str(&format!("    {p}\n"));
        }
        c.push_str("  }\n  virtual_ipaddress {\n    10.7.0.100/24 dev eth0\n  }\n}\n");
        c
    };
    let conf1 = lab.write_file("r1.conf", &conf(1, 200, &["10.7.0.2"]));
    let conf2 = lab.write_file("r2.conf", &conf(2, 100, &["10.7.0.1"]));
    let theirs = start(&mut lab, "r2", KEEPALIVED, &conf2);
    let r1 = start(&mut lab, "r1", OURS, &conf1);
    let limit = master_down(2, 1.0, 100) + MARGIN;
    assert!(
        wait_until(limit, || entered(&r1.log(), "VI_1", "MASTER") == 1
            && entered(&theirs.log(), "VI_1", "BACKUP") == 1),
        "not elected within {limit:?}:\nr1:\n{}\nr2:\n{}",
        r1.log(),
        theirs.log()
    );

    // Enough adverts that a counter starting again from 1 would be dropped for longer than
    // r2's Master_Down_Interval.
    observe(Duration::from_secs(5));
    std::fs::write(&conf1, conf(1, 150, &["10.7.0.2", "10.7.0.3"])).expect("rewrite r1.conf");
    r1.signal(libc::SIGHUP);
    assert!(reloaded(&r1, 1), "no reload:\n{}", r1.log());
    // keepalived would take over one Master_Down_Interval after the last advert it accepted.
    observe(master_down(2, 1.0, 100) + Duration::from_secs(1));
    let (log, l2) = (r1.log(), theirs.log());
    assert_eq!(entered(&log, "VI_1", "MASTER"), 1, "{log}");
    assert_eq!(entered(&l2, "VI_1", "MASTER"), 0, "r2 took over:\n{l2}");
    assert!(
        !l2.contains("already processed"),
        "r2 dropped adverts:\n{l2}"
    );
    assert!(!log.contains("sent 0 priority"), "{log}");
    assert!(lab.has_addr("r1", "eth0", "10.7.0.100"));
    assert!(!lab.has_addr("r2", "eth0", "10.7.0.100"));
}
