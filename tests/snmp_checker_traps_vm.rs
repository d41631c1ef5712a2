//! KEEPALIVED-MIB's checker traps, `realServerStateChange` (…9586.100.5.3.5.0.1) and
//! `virtualServerQuorumStateChange` (…5.3.5.0.2), as a trap receiver sees them: in the IPVS VM
//! (keepalived's checker child needs IPVS), net-snmp's snmpd is the AgentX master and forwards
//! every notification to snmptrapd. Debian's keepalived 2.2.7 and then ours run
//! tests/snmp/traps/check.conf (a group's service, an address service with quorum 2 and a
//! sorry server, a UDP fwmark service in alpha mode) through five phases: start, the real
//! server 127.0.0.1:8081 going down (quorum lost), coming back (quorum gained), a reload that
//! removes it, and a stop.
//! Both send the same traps in the same order, phase by phase, but for sysUpTime.0 (snmpd's
//! clock). keepalived's are kept in tests/snmp/traps/check.traps for the unit tests.
//!
//! Needs qemu and the VM kernel (tests/setup.d/ipvs.sh), snmpd and snmptrapd
//! (tests/setup.d/snmp.sh), /usr/sbin/keepalived; without them SKIPPED (a failure under CI).

mod lab;
mod vm;

use std::time::Duration;

const CONF: &str = "/etc/keepalived/keepalived.conf";
const KEEPALIVED: &str = "/usr/sbin/keepalived";
const SNMPD: &str = "/usr/sbin/snmpd";
const SNMPTRAPD: &str = "/usr/sbin/snmptrapd";

const CONFIG: &str = include_str!("snmp/traps/check.conf");
const RECORDED: &str = include_str!("snmp/traps/check.traps");

/// How many traps there are by the end of each phase (keepalived's, tests/snmp/traps/
/// check.traps): at start each service with its quorum says so (2), then the alpha fwmark
/// service's server passes its first check and brings its quorum (2); 8081 down and the
/// quorum lost (2); 8081 up and the quorum back (2); a reload without 8081: its trap and the
/// old service's quorum lost (2; the new one keeps it, its quorum lowered to 1); at stop each
/// of the 3 alive servers goes down and each of the 3 services' quorum says 3 (6).
const PHASES: [(&str, usize); 5] = [
    ("start", 4),
    ("down", 6),
    ("up", 8),
    ("reload", 10),
    ("stop", 16),
];

/// The reload's config: 127.0.0.1:8081 leaves 10.9.0.1:80.
const GONE: &str = "    real_server 127.0.0.1 8081 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
";

/// A checker trap's snmpTrapOID value (both end in .5.0.1 or .5.0.2).
const TRAP: &str = "9586.100.5.3.5.0.";

/// The steps for `bin`: each phase waits (a deadline from the checks' 1 s delay_loop and
/// connect_timeout, plus margin) for its traps, then notes how many the log holds in
/// /tmp/marks (snmptrapd writes its log at its own offset: a line added to it is overwritten).
fn steps(name: &str, bin: &str) -> String {
    let count = format!("grep -c {TRAP} /tmp/traps.log");
    let mut s = format!(
        r#"
base=$({count})
httpd -f -p 127.0.0.1:8081 -h /tmp & h81=$!
echo "{name} $base" >>/tmp/marks
cp /etc/keepalived/start.conf {CONF}
{bin} -n -l -C -f {CONF} -p /run/ka.pid -c /run/ka_check.pid >/tmp/{name}.log 2>&1 & pid=$!
"#
    );
    for (phase, n) in PHASES {
        let act = match phase {
            "down" => "kill $h81; wait $h81\n",
            "up" => "httpd -f -p 127.0.0.1:8081 -h /tmp & h81=$!\n",
            "reload" => {
                "cp /etc/keepalived/reload.conf /etc/keepalived/keepalived.conf\nkill -HUP $pid\n"
            }
            "stop" => "kill $pid; wait $pid\n",
            _ => "",
        };
        s.push_str(act);
        s.push_str(&format!(
            "wait_for 15 sh -c \"[ \\$({count}) -ge $((base + {n})) ]\"\necho \"{name}.{phase} $({count})\" >>/tmp/marks\n"
        ));
    }
    s.push_str(&format!(
        "kill $h81; wait $h81\necho \"== {name}.log\"\ncat /tmp/{name}.log\necho \"== end\"\n"
    ));
    s
}

const SNMPD_CONF: &str = "master agentx
agentXSocket unix:/tmp/agentx
agentXPerms 0600 0700
rocommunity public 127.0.0.1
agentaddress udp:127.0.0.1:16161
trap2sink 127.0.0.1:16162 public
";

/// The traps of run `name` in the trap log, one per line as snmptrapd's `%v` prints them
/// (varbinds tab-separated), sysUpTime.0 left out, each phase followed by a line `-- PHASE`
/// (from the counts in `marks`).
fn traps(log: &str, marks: &str, name: &str) -> Vec<String> {
    let all: Vec<String> = log
        .lines()
        .filter(|l| l.contains(TRAP))
        .map(|l| {
            let vbs: Vec<&str> = l
                .split('\t')
                .map(str::trim_end)
                .filter(|v| !v.starts_with(".1.3.6.1.2.1.1.3.0 "))
                .collect();
            vbs.join("\t")
        })
        .collect();
    let mut out = Vec::new();
    let mut at = None;
    for m in marks.lines() {
        let Some((what, n)) = m.split_once(' ') else {
            continue;
        };
        let n: usize = n.trim().parse().unwrap_or(0).min(all.len());
        if what == name {
            at = Some(n);
        } else if let (Some(from), Some(phase)) = (at, what.strip_prefix(&format!("{name}."))) {
            out.extend(all[from.min(n)..n].iter().cloned());
            out.push(format!("-- {phase}"));
            at = Some(n);
        }
    }
    out
}

#[test]
fn checker_traps_as_keepalived_s() {
    let test = "snmp_checker_traps_vm";
    for p in [KEEPALIVED, SNMPD, SNMPTRAPD] {
        if !lab::require_program(test, p) {
            return;
        }
    }
    let setup = "T0=$(now)\nhttpd -p 127.0.0.1:8080 -h /tmp\n\
                 mkdir -p /var/lib/snmp\n: >/tmp/traps.log\n\
                 /usr/sbin/snmptrapd -C -c /etc/snmp/trapd.conf -p /run/snmptrapd.pid -On \
                 -Lf /tmp/traps.log -F '%v\\n' udp:127.0.0.1:16162\n\
                 /usr/sbin/snmpd -C -c /etc/snmp/test.conf -p /run/snmpd.pid -Lf /tmp/snmpd.log\n\
                 wait_for 10 test -S /tmp/agentx\n";
    let all = format!(
        "{setup}{}{}took steps $T0\necho '== traps'\ncat /tmp/traps.log\necho '== end'\n\
         echo '== marks'\ncat /tmp/marks\necho '== end'\n",
        steps("theirs", KEEPALIVED),
        steps("ours", "keepalived")
    );
    let reload = CONFIG.replace(GONE, "");
    assert_ne!(reload, CONFIG);
    let Some(out) = vm::run_with(
        test,
        &[
            ("/etc/keepalived/start.conf", CONFIG),
            ("/etc/keepalived/reload.conf", &reload),
            ("/etc/snmp/test.conf", SNMPD_CONF),
            ("/etc/snmp/trapd.conf", "disableAuthorization yes\n"),
        ],
        &[KEEPALIVED, SNMPD, SNMPTRAPD],
        &all,
        Duration::from_secs(80),
    ) else {
        return;
    };
    if let Some(t) = out.lines().find(|l| l.starts_with("== took steps")) {
        println!("{t}");
    }
    let log = vm::section(&out, "traps");
    let marks = vm::section(&out, "marks");
    let theirs = traps(log, marks, "theirs");
    let ours = traps(log, marks, "ours");
    // The recorded file, one varbind a line and a blank line between traps, as the log's.
    let recorded: Vec<String> = RECORDED
        .split("\n\n")
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.lines().skip(1).collect::<Vec<_>>().join("\t"))
        .collect();
    let theirs_traps: Vec<&String> = theirs.iter().filter(|l| !l.starts_with("-- ")).collect();
    assert_eq!(
        theirs_traps,
        recorded.iter().collect::<Vec<_>>(),
        "keepalived sent other traps than recorded:\n{out}"
    );
    assert!(!out.contains("TIMEOUT"), "a step timed out:\n{out}");
    assert_eq!(
        ours,
        theirs,
        "the traps differ:\n--- keepalived:\n{}\n--- ours:\n{}",
        theirs.join("\n"),
        ours.join("\n")
    );
}
