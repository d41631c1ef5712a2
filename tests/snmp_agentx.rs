//! Our AgentX subagent against net-snmp's snmpd as master agent, side by side with keepalived
//! 2.2.7 run the same way (`-x -A SOCKET`, the same config): snmpwalk, snmpbulkwalk and
//! snmpget of KEEPALIVED-MIB's global group print the same lines for both, missing objects
//! and instances included; walks of KEEPALIVED-MIB's vrrp subtree, VRRP-MIB and VRRPV3-MIB
//! of the MASTER instance print the same lines but for the values of the moment (up times,
//! adverts received). Then snmpd restarts under ours while a manager walks the three VRRP MIBs
//! without pause and the instance advertises every 0.1 s: the subagent registers again within
//! its reconnect back-off, the instance neither moves nor loses its address nor misses its
//! adverts, and (`--mem-check`) the VRRP child allocates nothing while it serves the walks.
//! Last, over TCP with snmpd not yet there: refused (said once), VRRP runs on, and the session
//! comes as soon as snmpd listens.
//!
//! Needs root, /usr/sbin/snmpd, snmpget, snmpwalk, snmpbulkwalk (`tests/setup.d/snmp.sh`),
//! tshark and /usr/sbin/keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use std::time::{Duration, Instant};

use lab::check::{ours, KEEPALIVED};
use lab::daemon::Tail;
use lab::vrrp::master_down;
use lab::wire::{advert_times, epoch_now, longest_gap};
use lab::{Lab, Spawned};

const SNMPD: &str = "/usr/sbin/snmpd";
const TOOLS: [&str; 3] = [
    "/usr/bin/snmpget",
    "/usr/bin/snmpwalk",
    "/usr/bin/snmpbulkwalk",
];
/// KEEPALIVED-MIB::global
const GLOBAL: &str = ".1.3.6.1.4.1.9586.100.5.1";
/// KEEPALIVED-MIB::vrrp, VRRP-MIB (RFC 2787), VRRPV3-MIB (RFC 6527).
const VRRP_TABLES: [&str; 3] = [
    ".1.3.6.1.4.1.9586.100.5.2",
    ".1.3.6.1.2.1.68",
    ".1.3.6.1.2.1.207",
];
/// Columns whose values are of the moment (tests/snmp/README.md): vrrpOperVirtualRouterUpTime,
/// vrrpv3OperationsUpTime, vrrpv3StatisticsRcvdAdvertisements.
const OF_THE_MOMENT: [&str; 3] = [
    ".1.3.6.1.2.1.68.1.3.1.13.",
    ".1.3.6.1.2.1.207.1.1.1.1.12.",
    ".1.3.6.1.2.1.207.1.2.5.1.3.",
];
const VIP: &str = "10.61.0.100";
/// snmpd listens here, inside the lab's namespace.
const AGENT: &str = "127.0.0.1:1161";
/// The AgentX master over TCP.
const TCP: &str = "127.0.0.1:7050";
/// Our first reconnect attempts come 1 s, then 2 s, then 4 s after the master is lost
/// (`snmp::agentx::session`): snmpd back within a second is found by the second attempt at
/// the latest; the margin is for the loaded machine.
const RECONNECT: Duration = Duration::from_secs(3 + 2);
/// A daemon's start and a subagent's registration, on a loaded machine.
const START: Duration = Duration::from_secs(10);
/// advert_int 1: three adverts and the master-down margin.
const ADVERT: Duration = Duration::from_secs(1);
/// The restart under load: VRRPv3 at this interval, our only master on the link.
const FAST: f64 = 0.1;
/// How long the walks run before and after the restart, for the allocation count.
const STEADY: Duration = Duration::from_secs(3);

const CONF: &str = "global_defs {
  router_id lab_snmp
  notification_email {
    root@example.com
    ops@example.org
  }
  notification_email_from ka@example.com
  smtp_server 127.0.0.1 2525
  smtp_connect_timeout 17
}
vrrp_instance VI_1 {
  state MASTER
  interface vs0
  virtual_router_id 61
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.61.0.100/24
  }
}
";

/// `CONF` advertising every `FAST` seconds.
fn fast_conf() -> String {
    CONF.replace(
        "advert_int 1\n",
        &format!("advert_int {FAST}\n  version 3\n"),
    )
}

/// The AgentX socket of the lab: the unix one in its directory, or `TCP`.
fn socket(lab: &Lab, tcp: bool) -> String {
    if tcp {
        format!("tcp:{TCP}")
    } else {
        lab.dir().join("master").display().to_string()
    }
}

fn start_snmpd(lab: &mut Lab, tcp: bool) -> Spawned {
    let dir = lab.dir().to_path_buf();
    let sock = dir.join("master");
    let _ = std::fs::remove_file(&sock);
    let conf = lab.write_file(
        "snmpd.conf",
        &format!(
            "master agentx\nagentXSocket {}\nagentXPerms 0600 0700\nrocommunity public 127.0.0.1\n",
            socket(lab, tcp)
        ),
    );
    let pid = dir.join("snmpd.pid").display().to_string();
    let conf = conf.display().to_string();
    // MIBS empty: no MIB files are read, so snmpd's log is its own lines only.
    let d = lab.spawn(
        "s",
        &[
            "env",
            "MIBS=",
            SNMPD,
            "-f",
            "-Lo",
            "-C",
            "-c",
            &conf,
            "-p",
            &pid,
            &format!("udp:{AGENT}"),
        ],
    );
    assert!(
        tcp || lab::wait_until(START, || sock.exists()),
        "snmpd made no AgentX socket:\n{}",
        d.log()
    );
    d
}

fn start_daemon(lab: &mut Lab, bin: &str, tag: &str, tcp: bool) -> Spawned {
    start_daemon_with(lab, bin, tag, tcp, CONF, &[])
}

/// `start_daemon` with a config of its own and options before ours; its dumps go to the
/// lab's directory.
fn start_daemon_with(
    lab: &mut Lab,
    bin: &str,
    tag: &str,
    tcp: bool,
    conf: &str,
    extra: &[&str],
) -> Spawned {
    let conf = lab
        .write_file(&format!("{tag}.conf"), conf)
        .display()
        .to_string();
    let dir = lab.dir().to_path_buf();
    let pid = |n: &str| dir.join(format!("{tag}-{n}.pid")).display().to_string();
    let sock = socket(lab, tcp);
    let tmp = format!("TMPDIR={}", dir.display());
    let mut cmd = vec!["env", &tmp, bin];
    cmd.extend_from_slice(extra);
    let (k, v) = (pid("k"), pid("v"));
    cmd.extend_from_slice(&[
        "-n", "-l", "-P", "-x", "-A", &sock, "-f", &conf, "-p", &k, "-r", &v,
    ]);
    lab.spawn("s", &cmd)
}

/// The VRRP child's allocations so far, less its dumps' (`--mem-check`'s stats footer).
fn allocations(lab: &Lab, d: &Spawned) -> u64 {
    let stats = lab.dir().join("keepalived.stats");
    let _ = std::fs::remove_file(&stats);
    // The parent passes SIGUSR2 to its VRRP child, as keepalived's.
    d.signal(libc::SIGUSR2);
    let mut n = None;
    lab::wait_until(START, || {
        let text = std::fs::read_to_string(&stats).unwrap_or_default();
        n = text
            .lines()
            .find_map(|l| l.strip_prefix("Allocations: ")?.parse().ok());
        n.is_some()
    });
    n.unwrap_or_else(|| panic!("no Allocations line in the stats file:\n{}", d.log()))
}

/// A manager walking the three VRRP MIBs over and over, half a second apart; each walk's
/// lines go to its log.
fn start_walker(lab: &mut Lab) -> Spawned {
    let walk = format!(
        "env MIBS= {} -v2c -c public -On -t 1 -r 1 {AGENT}",
        TOOLS[1]
    );
    let round = VRRP_TABLES
        .iter()
        .map(|t| format!("{walk} {t};"))
        .collect::<String>();
    lab.spawn(
        "s",
        &["sh", "-c", &format!("while :; do {round} sleep 0.5; done")],
    )
}

/// How many walks of KEEPALIVED-MIB's vrrp subtree the walker finished with VI_1 in them.
fn rounds(walker: &Spawned) -> usize {
    walker
        .log()
        .matches(".1.3.6.1.4.1.9586.100.5.2.3.1.2.1 = STRING: \"VI_1\"")
        .count()
}

/// A net-snmp tool's output, numeric OIDs; its stderr too, where net-snmp reports timeouts.
fn tool(lab: &mut Lab, prog: &str, oids: &[&str]) -> String {
    let mut cmd = vec![
        "env", "MIBS=", prog, "-v2c", "-c", "public", "-On", "-t", "1", "-r", "1", AGENT,
    ];
    cmd.extend_from_slice(oids);
    let o = lab.exec("s", &cmd);
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn oid(sub: &str) -> String {
    format!("{GLOBAL}.{sub}")
}

/// What a manager sees of the global group: a walk, a bulk walk and gets of present and
/// missing objects.
fn views(lab: &mut Lab) -> Vec<String> {
    let gets: Vec<String> = [
        "1.0",
        "2.0",
        "2.1",
        "3.4.0",
        "3.5.1.2.2",
        "3.5.1.2.9",
        "3.5",
        "99.0",
    ]
    .iter()
    .map(|s| oid(s))
    .collect();
    let gets: Vec<&str> = gets.iter().map(String::as_str).collect();
    vec![
        tool(lab, TOOLS[1], &[GLOBAL]),
        tool(lab, TOOLS[2], &[GLOBAL]),
        tool(lab, TOOLS[0], &gets),
    ]
}

/// Walks of the VRRP tables, the values of the moment left out.
fn vrrp_walks(lab: &mut Lab) -> Vec<String> {
    VRRP_TABLES
        .iter()
        .map(|t| {
            tool(lab, TOOLS[1], &[t])
                .lines()
                .filter(|l| !OF_THE_MOMENT.iter().any(|m| l.starts_with(m)))
                .map(|l| format!("{l}\n"))
                .collect()
        })
        .collect()
}

/// Runs `bin` until its subagent serves the group, takes the views, and stops it.
fn served_by(lab: &mut Lab, bin: &str, tag: &str) -> Vec<String> {
    let mut d = start_daemon(lab, bin, tag, false);
    let mut t = Tail::new();
    t.wait(&d, "AgentX subagent connected", START);
    let router_id = oid("2.0");
    let up = lab::wait_until(START, || {
        tool(lab, TOOLS[0], &[&router_id]).contains("lab_snmp")
    });
    assert!(up, "{tag}: the group is not served:\n{}", d.log());
    let mut v = views(lab);
    t.wait(&d, "Entering MASTER STATE", START + 3 * ADVERT);
    v.extend(vrrp_walks(lab));
    d.signal(libc::SIGTERM);
    assert!(
        d.wait_timeout(START).is_some(),
        "{tag} did not stop:\n{}",
        d.log()
    );
    v
}

#[test]
fn global_group_reads_as_keepalived_and_survives_an_snmpd_restart() {
    let test = "snmp_agentx";
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, SNMPD)
        || TOOLS.iter().any(|t| !lab::require_program(test, t))
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, "/usr/bin/tshark")
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let mut lab = Lab::new(test);
    // After the lab lock: the file's own time.
    let began = Instant::now();
    lab.veth(("s", "vs0"), ("p", "vp0"));
    lab.addr("s", "vs0", "10.61.0.1/24");
    let mut snmpd = start_snmpd(&mut lab, false);

    // keepalived first, then ours, on the same socket with the same config.
    let theirs = served_by(&mut lab, KEEPALIVED, "ka");
    assert!(theirs[0].contains("STRING: \"lab_snmp\""), "{}", theirs[0]);
    let mine = served_by(&mut lab, &bin, "ours");
    assert!(
        theirs[3].contains(".1.3.6.1.4.1.9586.100.5.2.3.1.2.1 = STRING: \"VI_1\""),
        "{}",
        theirs[3]
    );
    let whats = [
        "snmpwalk",
        "snmpbulkwalk",
        "snmpget",
        "vrrp walk",
        "RFC 2787 walk",
        "RFC 6527 walk",
    ];
    for (k, what) in whats.iter().enumerate() {
        assert_eq!(mine[k], theirs[k], "{what} differs: ours then keepalived's");
    }

    // Ours as MASTER every 0.1 s, walked without pause; then snmpd goes away and comes back.
    let (cap, pcap) = lab.capture("p", "vp0", "fast.pcap");
    let fast = fast_conf();
    let mut d = start_daemon_with(&mut lab, &bin, "ours2", false, &fast, &["--mem-check"]);
    let mut t = Tail::new();
    t.wait(&d, "AgentX subagent connected", START);
    t.wait(&d, "Entering MASTER STATE", START + 3 * ADVERT);
    assert!(lab.has_addr("s", "vs0", VIP), "{}", d.log());
    let walker = start_walker(&mut lab);
    // A round takes three walks and the pause; a loaded machine may take thrice that.
    let round = 3 * STEADY;
    assert!(
        lab::wait_until(round, || rounds(&walker) >= 1),
        "no walk went through:\n{}\n{}",
        walker.log(),
        d.log()
    );
    let settled = Instant::now();
    let from = epoch_now();
    let (a0, r0) = (allocations(&lab, &d), rounds(&walker));
    lab::wait_until(round, || rounds(&walker) >= r0 + 3);
    let (a1, r1) = (allocations(&lab, &d), rounds(&walker));
    assert!(r1 >= r0 + 3, "the walks stalled:\n{}", walker.log());
    eprintln!(
        "{test}: {} allocations over {} walks of the three MIBs",
        a1 - a0,
        3 * (r1 - r0)
    );
    assert_eq!(
        a1,
        a0,
        "the VRRP child allocated while walked:\n{}",
        d.log()
    );
    snmpd.signal(libc::SIGTERM);
    assert!(snmpd.wait_timeout(START).is_some(), "snmpd did not stop");
    let gone = Instant::now();
    t.wait_since(
        &d,
        "AgentX master agent closed the session",
        gone,
        RECONNECT,
    );
    let _old = snmpd;
    snmpd = start_snmpd(&mut lab, false);
    let listening = Instant::now();
    let again = t.wait_since(
        &d,
        "AgentX subagent connected",
        listening,
        RECONNECT + ADVERT,
    );
    eprintln!(
        "{test}: registered again {:?} after snmpd listened",
        again - listening
    );
    let router_id = oid("2.0");
    let served = lab::wait_until(ADVERT, || {
        tool(&mut lab, TOOLS[0], &[&router_id]).contains("lab_snmp")
    });
    assert!(
        served,
        "not served after the restart:\n{}\n{}",
        d.log(),
        snmpd.log()
    );
    assert_eq!(
        views(&mut lab),
        mine[..3],
        "the group reads otherwise after the restart"
    );
    let r2 = rounds(&walker);
    assert!(
        lab::wait_until(round, || rounds(&walker) >= r2 + 2),
        "the walks did not resume:\n{}",
        walker.log()
    );
    let to = epoch_now();
    drop(walker);

    // VRRP did not notice: no transition since it settled, the address still there, and no
    // advert later than a backup would wait for.
    t.poll(&d);
    assert!(t.times("Entering", settled).is_empty(), "{}", d.log());
    assert!(lab.has_addr("s", "vs0", VIP), "{}", d.log());
    lab.stop_capture(cap);
    let adverts = advert_times(&mut lab, "p", &pcap, "10.61.0.1");
    let inside: Vec<f64> = adverts
        .into_iter()
        .filter(|x| (from..=to).contains(x))
        .collect();
    let gap = longest_gap(from, &inside, to);
    let limit = master_down(3, FAST, 100).as_secs_f64();
    eprintln!(
        "{test}: {} adverts in {:.1} s across the restart, longest gap {gap:.3} s",
        inside.len(),
        to - from
    );
    assert!(
        gap < limit,
        "an advert came {gap:.3} s after the last (a backup waits {limit:.3} s)"
    );

    // Over TCP with no master yet: refused, said once, VRRP runs on (a loop stuck on the
    // subagent would never reach MASTER), and the session comes once snmpd listens.
    d.signal(libc::SIGTERM);
    assert!(d.wait_timeout(START).is_some(), "ours did not stop");
    snmpd.signal(libc::SIGTERM);
    assert!(snmpd.wait_timeout(START).is_some(), "snmpd did not stop");
    let mut d = start_daemon(&mut lab, &bin, "tcp", true);
    let mut t = Tail::new();
    t.wait(
        &d,
        "Failed to connect to the agentx master agent (tcp:",
        START,
    );
    t.wait(&d, "Entering MASTER STATE", START + 3 * ADVERT);
    let _old = snmpd;
    let snmpd = start_snmpd(&mut lab, true);
    let listening = Instant::now();
    // By then the back-off has grown to its fourth step (8 s) at most.
    let tcp = t.wait_since(
        &d,
        "AgentX subagent connected",
        listening,
        Duration::from_secs(8) + ADVERT,
    );
    eprintln!(
        "{test}: over TCP, registered {:?} after snmpd started",
        tcp - listening
    );
    let served = lab::wait_until(ADVERT, || {
        tool(&mut lab, TOOLS[0], &[&router_id]).contains("lab_snmp")
    });
    assert!(served, "not served over TCP:\n{}\n{}", d.log(), snmpd.log());
    t.poll(&d);
    assert_eq!(t.times("Failed to connect", began).len(), 1, "{}", d.log());
    assert!(!d.log().contains("did not answer"), "{}", d.log());
    d.signal(libc::SIGTERM);
    assert!(d.wait_timeout(START).is_some(), "ours did not stop");
    eprintln!("{test}: {:?} in the lab", began.elapsed());
}
