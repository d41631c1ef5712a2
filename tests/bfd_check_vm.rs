//! BFD_CHECK and the kernel's IPVS table, in the IPVS VM (tests/vm): keepalived 2.2.7 and then
//! ours run the same config, a virtual server whose real server has a BFD_CHECK. The VM has no
//! second host, so the session runs to itself over an address on lo (each of its packets comes
//! back to it, which is all RFC 5880 asks of a neighbor); taking the address away silences it.
//! Each daemon: the real server is in /proc/net/ip_vs once the session is Up, out within the
//! detection time after the address goes, back once it returns; the log lines are keepalived's.
//! Needs qemu and the VM kernel (tests/setup.d/ipvs.sh); without them SKIPPED (a failure under
//! CI).

mod lab;
mod vm;

use std::time::Duration;

const CONF: &str = "/etc/keepalived/keepalived.conf";
const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// 200 ms × 3: slow enough for a TCG VM on a loaded machine not to flap.
const CONFIG: &str = r#"
bfd_instance self {
    neighbor_ip 10.9.9.1
    source_ip 10.9.9.1
    min_rx 200
    min_tx 200
    multiplier 3
}
virtual_server 10.9.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.9.9.1 80 {
        weight 2
        BFD_CHECK {
            name self
        }
    }
}
"#;

const UP: &str = "TCP 10.9.0.1:80 rr; -> 10.9.9.1:80 Masq 2";
const OUT: &str = "TCP 10.9.0.1:80 rr";

/// `bin` with CONFIG: the session comes Up, its address goes and comes back; the table after
/// each under `== NAME-up`, `NAME-down`, `NAME-back`, the log under `== NAME.log`.
fn steps(name: &str, bin: &str) -> String {
    format!(
        r#"
VS=0A090001:0050; RS=0A090901:0050
ip addr add 10.9.9.1/32 dev lo
{bin} -n -l -f {CONF} -p /run/ka.pid -c /run/ka_check.pid -b /run/ka_bfd.pid >/tmp/{name}.log 2>&1 & pid=$!
# The table holds the server from the start until the BFD child's first word (Down).
wait_for 30 grep -q 'is UP' /tmp/{name}.log && wait_for 5 has_weight $VS $RS 2
section {name}-up
ip addr del 10.9.9.1/32 dev lo; t0=$(now)
wait_for 10 has_weight $VS $RS none && took "{name} out" $t0
section {name}-down
ip addr add 10.9.9.1/32 dev lo; t0=$(now)
wait_for 30 has_weight $VS $RS 2 && took "{name} back" $t0
section {name}-back
kill $pid; wait $pid
ip addr del 10.9.9.1/32 dev lo
echo "== {name}.log"
cat /tmp/{name}.log
echo "== end"
"#
    )
}

/// The BFD_CHECK and IPVS lines of a log, without their time stamps.
fn lines(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| {
            ["BFD check of ", "Removing service ", "Adding service "]
                .iter()
                .find_map(|w| l.find(w).map(|i| l[i..].to_string()))
        })
        .collect()
}

#[test]
fn bfd_check_takes_a_real_server_out_of_ipvs_and_back_as_keepalived_does() {
    let test = "bfd_check_vm";
    if !lab::require_program(test, KEEPALIVED) {
        return;
    }
    let all = format!(
        "{}{}",
        steps("theirs", KEEPALIVED),
        steps("ours", "keepalived")
    );
    let Some(out) = vm::run_with(
        test,
        &[(CONF, CONFIG)],
        &[KEEPALIVED],
        &all,
        Duration::from_secs(120),
    ) else {
        return;
    };
    assert!(!out.contains("TIMEOUT"), "a step timed out:\n{out}");
    for who in ["theirs", "ours"] {
        let t = |s: &str| vm::table(vm::section(&out, &format!("{who}-{s}")));
        assert_eq!(t("up"), [UP], "{who}:\n{out}");
        assert_eq!(t("down"), [OUT], "{who}:\n{out}");
        assert_eq!(t("back"), [UP], "{who}:\n{out}");
    }
    for l in out.lines().filter(|l| l.starts_with("== took")) {
        eprintln!("{test}: {l}");
    }
    let (theirs, ours) = (
        lines(vm::section(&out, "theirs.log")),
        lines(vm::section(&out, "ours.log")),
    );
    let rs = "[10.9.9.1]:tcp:80";
    let vs = "[10.9.0.1]:tcp:80";
    let want = [
        format!("BFD check of [self] RS({rs}) is DOWN"),
        format!("Removing service {rs} from VS {vs}"),
        format!("BFD check of [self] RS({rs}) is UP"),
        format!("Adding service {rs} to VS {vs}"),
    ];
    // Start (Down, then Up), the address gone, the address back: the same words, in order.
    let cycle: Vec<String> = want.iter().chain(want.iter()).cloned().collect();
    assert_eq!(ours, theirs, "{out}");
    assert_eq!(ours, cycle, "{out}");
}
