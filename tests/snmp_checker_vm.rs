//! KEEPALIVED-MIB's check subtree (.1.3.6.1.4.1.9586.100.5.3) as a monitoring system walks it:
//! in the IPVS VM (tests/vm; keepalived's checker child needs IPVS), net-snmp's snmpd is the
//! AgentX master; Debian's keepalived 2.2.7 and then ours run the same config with
//! `enable_snmp_checker` (two virtual servers, one of them a group's, a sorry server, real
//! servers checked by TCP_CHECK against listeners in the VM, one of them down), and each one's
//! walk of the check subtree and of the global group is taken once every server has been
//! checked. The walks are equal line for line: no traffic goes through IPVS, so keepalived's
//! counters and rates read 0, as ours always do (ours does not read the kernel's statistics).
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
