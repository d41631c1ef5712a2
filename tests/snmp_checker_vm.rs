//! KEEPALIVED-MIB's check subtree (.1.3.6.1.4.1.9586.100.5.3) as a monitoring system walks it:
//! in the IPVS VM (tests/vm; keepalived's checker child needs IPVS), net-snmp's snmpd is the
//! AgentX master; Debian's keepalived 2.2.7 and then ours run the same config with
//! `enable_snmp_checker` (two virtual servers, one of them a group's, a sorry server, real
//! servers checked by TCP_CHECK against listeners in the VM, one of them down), and each one's
//! walk of the check subtree and of the global group is taken once every server has been
//! checked. The walks' OID lines are equal (no traffic goes through IPVS there, so both read
//! 0 in the statistics columns). A second VM run sends traffic through a virtual server and
//! checks ours' statistics columns against the kernel's own totals.
//!
//! Needs qemu and the VM kernel (tests/setup.d/ipvs.sh), snmpd and snmpwalk
//! (tests/setup.d/snmp.sh), /usr/sbin/keepalived; without them SKIPPED (a failure under CI).

mod lab;
mod vm;

use std::time::Duration;

const CONF: &str = "/etc/keepalived/keepalived.conf";
const KEEPALIVED: &str = "/usr/sbin/keepalived";
const SNMPD: &str = "/usr/sbin/snmpd";
const SNMPWALK: &str = "/usr/bin/snmpwalk";
/// KEEPALIVED-MIB::check and KEEPALIVED-MIB::global.
const CHECK: &str = ".1.3.6.1.4.1.9586.100.5.3";
const GLOBAL: &str = ".1.3.6.1.4.1.9586.100.5.1";

/// tests/snmp/conf/check.conf, also walked by the `check::snmp` unit tests.
const CONFIG: &str = include_str!("snmp/conf/check.conf");

/// Runs `bin` with CONFIG until every server has been checked and the subagent answers, then
/// prints both walks between `== NAME.check` / `== NAME.global` and `== end`.
fn steps(name: &str, bin: &str) -> String {
    let walk = format!(
        "{SNMPWALK} -v2c -c public -On -Ob -t 5 -r 1 -m '' -M /nonexistent 127.0.0.1:16161"
    );
    format!(
        r#"
{bin} -n -l -C -f {CONF} -p /run/ka.pid -c /run/ka_check.pid >/tmp/{name}.log 2>&1 & pid=$!
wait_for 20 grep -q 'TCP_CHECK on service \[127.0.0.2\]:tcp:8082 failed' /tmp/{name}.log
wait_for 20 grep -q 'Adding service \[127.0.0.1\]:tcp:8080 to VS \[10.9.0.1\]' /tmp/{name}.log
wait_for 20 grep -q 'Adding service \[127.0.0.1\]:tcp:8081 to VS \[10.9.0.1\]' /tmp/{name}.log
wait_for 10 sh -c "{walk} {CHECK}.3.1.2 | grep -q ' = '"
echo "== {name}.check"
{walk} {CHECK}
echo "== end"
echo "== {name}.global"
{walk} {GLOBAL}
echo "== end"
kill $pid; wait $pid
echo "== {name}.log"
cat /tmp/{name}.log
echo "== end"
"#
    )
}

const SNMPD_CONF: &str = "master agentx
agentXSocket unix:/tmp/agentx
agentXPerms 0600 0700
rocommunity public 127.0.0.1
agentaddress udp:127.0.0.1:16161
";

/// The walk's lines: keepalived's checker also writes its log lines to the VM's console (syslog
/// with no syslogd), and one may land between two lines of a walk.
fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| l.starts_with(".1.")).collect()
}

#[test]
fn check_subtree_walks_as_keepalived_s() {
    let test = "snmp_checker_vm";
    for p in [KEEPALIVED, SNMPD, SNMPWALK] {
        if !lab::require_program(test, p) {
            return;
        }
    }
    let setup = "T0=$(now)\nhttpd -p 127.0.0.1:8080 -h /tmp\nhttpd -p 127.0.0.1:8081 -h /tmp\n\
                 mkdir -p /var/lib/snmp\n\
                 /usr/sbin/snmpd -C -c /etc/snmp/test.conf -p /run/snmpd.pid -Lf /tmp/snmpd.log\n\
                 wait_for 10 test -S /tmp/agentx\n";
    let all = format!(
        "{setup}{}{}took steps $T0\n",
        steps("theirs", KEEPALIVED),
        steps("ours", "keepalived")
    );
    let Some(out) = vm::run_with(
        test,
        &[(CONF, CONFIG), ("/etc/snmp/test.conf", SNMPD_CONF)],
        &[KEEPALIVED, SNMPD, SNMPWALK],
        &all,
        Duration::from_secs(80),
    ) else {
        return;
    };
    assert!(!out.contains("TIMEOUT"), "a step timed out:\n{out}");
    // The steps' time in the VM, for CI's budget (boot adds 6-10 s).
    if let Some(t) = out.lines().find(|l| l.starts_with("== took steps")) {
        println!("{t}");
    }
    for what in ["check", "global"] {
        let theirs = vm::section(&out, &format!("theirs.{what}"));
        let ours = vm::section(&out, &format!("ours.{what}"));
        assert!(
            theirs.lines().count() > 10,
            "keepalived served little of {what}:\n{out}"
        );
        assert_eq!(
            lines(ours),
            lines(theirs),
            "the {what} walks differ:\n--- keepalived:\n{theirs}\n--- ours:\n{ours}"
        );
    }
    // What a dashboard reads: 127.0.0.2:8082 (row 2.3) is down with one failed checker,
    // 127.0.0.1:8080 (row 2.2) up, and the group's service has its quorum.
    let ours = vm::section(&out, "ours.check");
    for l in [
        ".1.3.6.1.4.1.9586.100.5.3.4.1.6.2.3 = INTEGER: 2",
        ".1.3.6.1.4.1.9586.100.5.3.4.1.13.2.3 = Gauge32: 1",
        ".1.3.6.1.4.1.9586.100.5.3.4.1.6.2.2 = INTEGER: 1",
        ".1.3.6.1.4.1.9586.100.5.3.3.1.23.1 = INTEGER: 1",
    ] {
        assert!(ours.lines().any(|x| x.trim_end() == l), "no {l:?}:\n{ours}");
    }
}

/// How many connections go through 10.9.0.1:80.
const CONNECTIONS: u64 = 4;

/// The number a walk line ends with (`... = Counter64: 1234`), for OID `oid`.
fn walked(walk: &str, oid: &str) -> Option<u64> {
    let prefix = format!("{oid} = ");
    let l = walk.lines().find(|l| l.starts_with(&prefix))?;
    l.rsplit(": ").next()?.trim().parse().ok()
}

/// /proc/net/ip_vs_stats' totals (hex): connections, packets in and out, bytes in and out.
fn kernel_totals(section: &str) -> Vec<u64> {
    let l = section.lines().nth(2).unwrap_or("");
    l.split_whitespace()
        .filter_map(|x| u64::from_str_radix(x, 16).ok())
        .collect()
}

/// After a few connections through the NAT service 10.9.0.1:80 from the VM itself (its
/// address on lo: IPVS schedules local clients too), ours' walk shows that virtual server's
/// counters as the kernel counts them (/proc/net/ip_vs_stats' totals: the only traffic through
/// IPVS is this), and its live real servers' shares of them; the rest reads 0. Only ours runs:
/// the test above compares its walk with keepalived's.
#[test]
fn statistics_columns_show_the_kernel_s_counters_after_traffic() {
    let test = "snmp_checker_vm_stats";
    for p in [SNMPD, SNMPWALK] {
        if !lab::require_program(test, p) {
            return;
        }
    }
    let walk = format!(
        "{SNMPWALK} -v2c -c public -On -Ob -t 5 -r 1 -m '' -M /nonexistent 127.0.0.1:16161"
    );
    let steps = format!(
        r#"T0=$(now)
echo hi >/tmp/index.html
httpd -p 127.0.0.1:8080 -h /tmp
httpd -p 127.0.0.1:8081 -h /tmp
mkdir -p /var/lib/snmp
/usr/sbin/snmpd -C -c /etc/snmp/test.conf -p /run/snmpd.pid -Lf /tmp/snmpd.log
wait_for 10 test -S /tmp/agentx
$KA >/tmp/ka.log 2>&1 &
wait_for 20 grep -q 'Adding service \[127.0.0.1\]:tcp:8080 to VS \[10.9.0.1\]' /tmp/ka.log
wait_for 20 grep -q 'Adding service \[127.0.0.1\]:tcp:8081 to VS \[10.9.0.1\]' /tmp/ka.log
wait_for 10 sh -c "{walk} {CHECK}.3.1.2 | grep -q ' = '"
ip addr add 10.9.0.1/32 dev lo
i=0; while [ $i -lt {CONNECTIONS} ]; do wget -q -O /dev/null http://10.9.0.1/; i=$((i + 1)); done
# The kernel adds its per-CPU counts into what it reports once per estimator period (2 s):
# wait for the connections to show, then one more period for the last packets.
wait_for 10 sh -c "awk 'NR == 3 {{exit (\$1 == \"{CONNECTIONS:X}\") ? 0 : 1}}' /proc/net/ip_vs_stats"
sleep 2.5
echo "== before"; cat /proc/net/ip_vs_stats; echo "== end"
echo "== walk"; {walk} {CHECK}; echo "== end"
echo "== after"; cat /proc/net/ip_vs_stats; echo "== end"
section table
took steps $T0
"#
    );
    let Some(out) = vm::run_with(
        test,
        &[(CONF, CONFIG), ("/etc/snmp/test.conf", SNMPD_CONF)],
        &[SNMPD, SNMPWALK],
        &steps,
        Duration::from_secs(40),
    ) else {
        return;
    };
    assert!(!out.contains("TIMEOUT"), "a step timed out:\n{out}");
    if let Some(t) = out.lines().find(|l| l.starts_with("== took steps")) {
        println!("{t}");
    }
    let (before, after) = (
        kernel_totals(vm::section(&out, "before")),
        kernel_totals(vm::section(&out, "after")),
    );
    assert_eq!(before, after, "traffic went on during the walk:\n{out}");
    assert_eq!(
        before.len(),
        5,
        "no totals in /proc/net/ip_vs_stats:\n{out}"
    );
    assert_eq!(
        before[0], CONNECTIONS,
        "the kernel did not schedule each connection:\n{out}"
    );
    let w = vm::section(&out, "walk");
    let vs = |col: u32| walked(w, &format!("{CHECK}.3.1.{col}.2"));
    let rs = |col: u32, b: u32| walked(w, &format!("{CHECK}.4.1.{col}.2.{b}"));
    // virtualServerStatsConns, InPkts, OutPkts, InBytes, OutBytes; then the 64-bit ones.
    for (col, k) in [
        (27, 0),
        (28, 1),
        (29, 2),
        (30, 3),
        (31, 4),
        (38, 0),
        (39, 1),
        (40, 2),
    ] {
        assert_eq!(
            vs(col),
            Some(before[k]),
            "virtual server column {col}:\n{w}"
        );
    }
    // Real servers 2.2 (127.0.0.1:8080) and 2.4 (127.0.0.1:8081) share the traffic, 2.3 is
    // down and the sorry server 2.1 is not in the kernel.
    for (col, k) in [(14, 0), (18, 1), (19, 2), (20, 3), (21, 4)] {
        let (a, b) = (rs(col, 2), rs(col, 4));
        assert_eq!(
            a.zip(b).map(|(a, b)| a + b),
            Some(before[k]),
            "real server column {col}:\n{w}"
        );
        assert_eq!(
            (rs(col, 1), rs(col, 3)),
            (Some(0), Some(0)),
            "column {col}:\n{w}"
        );
    }
    // persistence_timeout 30: one client's connections all go to one real server.
    let mut share = [rs(14, 2), rs(14, 4)];
    share.sort();
    assert_eq!(share, [Some(0), Some(CONNECTIONS)], "persistence:\n{w}");
    // The group's virtual server had no traffic.
    assert_eq!(walked(w, &format!("{CHECK}.3.1.27.1")), Some(0), "{w}");
}
