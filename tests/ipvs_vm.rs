//! IPVS for real: our binary programs the IPVS of Debian's kernel in a qemu VM (tests/vm), and
//! each test reads the kernel's own /proc/net/ip_vs back. Needs root-free qemu and the kernel
//! from tests/setup.d/ipvs.sh; without them SKIPPED (a failure under CI).

mod lab;
mod vm;

use std::time::Duration;

const CONF: &str = "/etc/keepalived/keepalived.conf";

const MIXED: &str = r#"
virtual_server 10.9.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.9.1.1 80 {
        weight 1
    }
    real_server 10.9.1.2 8080 {
        weight 2
    }
}
virtual_server 10.9.0.2 53 {
    lb_algo wrr
    lb_kind DR
    protocol UDP
    persistence_timeout 50
    persistence_granularity 255.255.255.0
    real_server 10.9.1.3 53 {
        weight 4
        uthreshold 100
        lthreshold 10
    }
}
virtual_server fwmark 7 {
    lb_algo wlc
    lb_kind DR
    real_server 10.9.2.1 {
    }
}
virtual_server 2001:db8::1 443 {
    lb_algo sh
    sh-port
    protocol SCTP
    lb_kind TUN type gue port 6080
    real_server 2001:db8::10 443 {
        weight 3
    }
}
virtual_server_group web {
    10.9.5.1-2 80
    fwmark 9
}
virtual_server group web {
    lb_algo lc
    protocol TCP
    real_server 10.9.6.1 80 {
        weight 5
    }
}
"#;

/// What MIXED puts in the kernel, as `vm::table` prints it (Debian's kernel has HZ=250, so
/// 50 s of persistence shows as 12500 jiffies; the granularity mask is printed in hex).
const MIXED_TABLE: &[&str] = &[
    "FWM 7 wlc; -> 10.9.2.1:0 Route 1",
    "FWM 9 lc; -> 10.9.6.1:80 Masq 5",
    "SCTP [2001:db8::1]:443 sh; -> [2001:db8::10]:443 Tunnel 3",
    "TCP 10.9.0.1:80 rr; -> 10.9.1.1:80 Masq 1; -> 10.9.1.2:8080 Masq 2",
    "TCP 10.9.5.1:80 lc; -> 10.9.6.1:80 Masq 5",
    "TCP 10.9.5.2:80 lc; -> 10.9.6.1:80 Masq 5",
    "UDP 10.9.0.2:53 wrr persistent 12500 FFFFFF00; -> 10.9.1.3:53 Route 4",
];

/// No refused op and no read-back that differs from what we asked for, no step that timed out.
fn assert_clean(out: &str) {
    assert!(!out.contains("IPVS: "), "IPVS errors:\n{out}");
    assert!(!out.contains("TIMEOUT"), "a step timed out:\n{out}");
}

fn budget() -> Duration {
    Duration::from_secs(60)
}

#[test]
fn config_table_is_installed_and_removed_on_stop() {
    let steps = r#"
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 1
section started
kill $pid; wait $pid
section stopped
"#;
    let Some(out) = vm::run("ipvs_install", &[(CONF, MIXED)], steps, budget()) else {
        return;
    };
    assert_clean(&out);
    assert_eq!(
        vm::table(vm::section(&out, "started")),
        MIXED_TABLE,
        "{out}"
    );
    assert!(vm::table(vm::section(&out, "stopped")).is_empty(), "{out}");
    // keepalived's words as it takes each real server out (ipwrapper.c, clear_service_rs).
    for l in [
        "Shutting down service [10.9.1.2]:tcp:8080 from VS [10.9.0.1]:tcp:80",
        "Shutting down service [10.9.2.1]:none:0 from VS FWM 7",
    ] {
        assert!(out.contains(l), "{l}:\n{out}");
    }
}

#[test]
fn dont_release_ipvs_keeps_the_table_after_stop() {
    // A second run adopts the table the first one left, and removes it when it stops.
    let steps = r#"
$KA -I >>/tmp/ka.log 2>&1 & pid=$!
started 1
kill $pid; wait $pid
section stopped
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 2
section adopted
kill $pid; wait $pid
section stopped again
"#;
    let Some(out) = vm::run("ipvs_keep", &[(CONF, MIXED)], steps, budget()) else {
        return;
    };
    assert_clean(&out);
    assert_eq!(
        vm::table(vm::section(&out, "stopped")),
        MIXED_TABLE,
        "{out}"
    );
}

/// Two real servers of weights 1 and 2 and a quorum of 3. With `down` the second has an alpha
/// MISC_CHECK that fails (it starts down and stays down), so quorum starts lost; a reload to a
/// config without that checker brings it up, and quorum with it.
fn quorum_conf(down: bool) -> String {
    let check = if down {
        "MISC_CHECK {\n            misc_path /bin/false\n            alpha\n        }"
    } else {
        ""
    };
    format!(
        r#"
virtual_server 10.9.0.1 80 {{
    lb_algo rr
    protocol TCP
    quorum 3
    quorum_up "/bin/touch /tmp/quorum_up"
    quorum_down "/bin/touch /tmp/quorum_down"
    sorry_server 10.9.9.9 80
    real_server 10.9.1.1 80 {{
        weight 1
    }}
    real_server 10.9.1.2 80 {{
        weight 2
        {check}
    }}
}}
virtual_server 10.9.0.2 80 {{
    lb_algo rr
    protocol TCP
    quorum 3
    sorry_server 10.9.9.8 80
    sorry_server_inhibit
    inhibit_on_failure
    real_server 10.9.1.1 80 {{
        weight 1
    }}
    real_server 10.9.1.2 80 {{
        weight 2
        {check}
    }}
}}
"#
    )
}

#[test]
fn quorum_switches_the_sorry_server_in_and_out() {
    let steps = r#"
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 1
wait_for 5 test -e /tmp/quorum_down
section low
cp /etc/keepalived/high.conf /etc/keepalived/keepalived.conf
kill -HUP $pid
reloaded 1
wait_for 10 test -e /tmp/quorum_up
section high
kill $pid; wait $pid
section stopped
"#;
    let low = quorum_conf(true);
    let high = quorum_conf(false);
    let files = [
        (CONF, low.as_str()),
        ("/etc/keepalived/high.conf", high.as_str()),
    ];
    let Some(out) = vm::run("ipvs_quorum", &files, steps, budget()) else {
        return;
    };
    assert_clean(&out);
    // 1 alive of a quorum of 3: only the sorry servers serve; inhibited real servers stay at 0.
    assert_eq!(
        vm::table(vm::section(&out, "low")),
        [
            "TCP 10.9.0.1:80 rr; -> 10.9.9.9:80 Masq 1",
            "TCP 10.9.0.2:80 rr; -> 10.9.1.1:80 Masq 0; -> 10.9.1.2:80 Masq 0; -> 10.9.9.8:80 Masq 1",
        ],
        "{out}"
    );
    // 1+2 alive after the reload: the real servers are back, the sorry servers out or at 0.
    assert_eq!(
        vm::table(vm::section(&out, "high")),
        [
            "TCP 10.9.0.1:80 rr; -> 10.9.1.1:80 Masq 1; -> 10.9.1.2:80 Masq 2",
            "TCP 10.9.0.2:80 rr; -> 10.9.1.1:80 Masq 1; -> 10.9.1.2:80 Masq 2; -> 10.9.9.8:80 Masq 0",
        ],
        "{out}"
    );
    assert!(out.contains("Starting with quorum down"), "{out}");
    assert!(out.contains("Gained quorum"), "{out}");
    assert!(vm::table(vm::section(&out, "stopped")).is_empty(), "{out}");
}

#[test]
fn reload_edits_weights_in_place_and_removes_what_is_gone() {
    let before = r#"
virtual_server 10.9.0.1 80 {
    protocol TCP
    real_server 10.9.1.1 80 {
        weight 1
    }
    real_server 10.9.1.2 80 {
        weight 2
    }
}
virtual_server 10.9.0.3 25 {
    protocol TCP
    real_server 10.9.1.1 25 {
    }
}
"#;
    let after = r#"
virtual_server 10.9.0.1 80 {
    protocol TCP
    lb_algo sed
    real_server 10.9.1.1 80 {
        weight 7
    }
    real_server 10.9.1.4 80 {
        weight 2
    }
}
"#;
    let steps = r#"
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 1
section before
cp /etc/keepalived/after.conf /etc/keepalived/keepalived.conf
kill -HUP $pid
reloaded 1
section after
kill $pid; wait $pid
"#;
    let files = [(CONF, before), ("/etc/keepalived/after.conf", after)];
    let Some(out) = vm::run("ipvs_reload", &files, steps, budget()) else {
        return;
    };
    assert_clean(&out);
    assert_eq!(
        vm::table(vm::section(&out, "before")),
        [
            "TCP 10.9.0.1:80 wlc; -> 10.9.1.1:80 Masq 1; -> 10.9.1.2:80 Masq 2",
            "TCP 10.9.0.3:25 wlc; -> 10.9.1.1:25 Masq 1",
        ],
        "{out}"
    );
    assert_eq!(
        vm::table(vm::section(&out, "after")),
        ["TCP 10.9.0.1:80 sed; -> 10.9.1.1:80 Masq 7; -> 10.9.1.4:80 Masq 2"],
        "{out}"
    );
}

#[test]
fn omega_runs_notify_down_and_quorum_down_on_stop() {
    let conf = r#"
virtual_server 10.9.0.1 80 {
    protocol TCP
    omega
    quorum_down "/bin/touch /tmp/quorum_down"
    real_server 10.9.1.1 80 {
        notify_down "/bin/touch /tmp/rs_down"
    }
}
"#;
    let steps = r#"
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 1
test -e /tmp/rs_down && echo "rs_down before stop"
kill $pid; wait $pid
wait_for 5 test -e /tmp/rs_down && echo "rs_down after stop"
wait_for 5 test -e /tmp/quorum_down && echo "quorum_down after stop"
"#;
    let Some(out) = vm::run("ipvs_omega", &[(CONF, conf)], steps, budget()) else {
        return;
    };
    assert_clean(&out);
    assert!(!out.contains("rs_down before stop"), "{out}");
    assert!(out.contains("rs_down after stop"), "{out}");
    assert!(out.contains("quorum_down after stop"), "{out}");
}

#[test]
fn lvs_flush_clears_the_table_at_start_and_lvs_flush_on_stop_at_stop() {
    let left = r#"
virtual_server 10.9.0.7 80 {
    protocol TCP
    real_server 10.9.1.7 80 {
    }
}
"#;
    let conf = r#"
global_defs {
    lvs_flush
    lvs_flush_on_stop
    lvs_timeouts tcp 900 tcpfin 30 udp 60
}
virtual_server 10.9.0.1 80 {
    protocol TCP
    real_server 10.9.1.1 80 {
    }
}
"#;
    let steps = r#"
keepalived -n -l -C -I -f /etc/keepalived/left.conf >>/tmp/ka.log 2>&1 & pid=$!
started 1
kill $pid; wait $pid
section left
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 2
section flushed
kill $pid; wait $pid
section stopped
"#;
    let files = [(CONF, conf), ("/etc/keepalived/left.conf", left)];
    let Some(out) = vm::run("ipvs_flush", &files, steps, budget()) else {
        return;
    };
    assert_clean(&out);
    assert_eq!(
        vm::table(vm::section(&out, "left")),
        ["TCP 10.9.0.7:80 wlc; -> 10.9.1.7:80 Masq 1"],
        "{out}"
    );
    assert_eq!(
        vm::table(vm::section(&out, "flushed")),
        ["TCP 10.9.0.1:80 wlc; -> 10.9.1.1:80 Masq 1"],
        "{out}"
    );
    assert!(vm::table(vm::section(&out, "stopped")).is_empty(), "{out}");
    assert!(
        out.contains("Flushing the IPVS table (lvs_flush_on_stop)"),
        "{out}"
    );
}

/// Every scheduler Debian's kernel has (twos came later, in 6.2), with the scheduler flags
/// keepalived offers: the kernel takes each, and our read-back finds the flags kept.
#[test]
fn every_scheduler_the_kernel_offers_is_accepted_with_its_flags() {
    let scheds = [
        ("rr", ""),
        ("wrr", ""),
        ("lc", ""),
        ("wlc", ""),
        ("lblc", ""),
        ("lblcr", ""),
        ("dh", ""),
        ("sh", "sh-port\n    sh-fallback"),
        ("mh", "mh-port\n    mh-fallback"),
        ("sed", ""),
        ("nq", ""),
        ("fo", ""),
        ("ovf", "ops"),
    ];
    let mut conf = String::new();
    for (i, (s, flags)) in scheds.iter().enumerate() {
        let flags = flags.replace("\\n", "\n");
        conf += &format!(
            "virtual_server 10.9.0.{} 80 {{\n    lb_algo {s}\n    {flags}\n    protocol UDP\n    \
             real_server 10.9.1.1 80 {{\n    }}\n}}\n",
            i + 1
        );
    }
    let steps = "$KA >>/tmp/ka.log 2>&1 & pid=$!\nstarted 1\nsection all\nkill $pid; wait $pid\n";
    let Some(out) = vm::run("ipvs_scheds", &[(CONF, conf.as_str())], steps, budget()) else {
        return;
    };
    assert_clean(&out);
    let mut want: Vec<String> = scheds
        .iter()
        .enumerate()
        .map(|(i, (s, f))| {
            let ops = if f.contains("ops") { " ops" } else { "" };
            format!("UDP 10.9.0.{}:80 {s}{ops}; -> 10.9.1.1:80 Masq 1", i + 1)
        })
        .collect();
    want.sort();
    assert_eq!(vm::table(vm::section(&out, "all")), want, "{out}");
}

/// The watchdog restarts a checker child killed outright; the new one adopts the table the
/// dead one could not remove, and removes it on stop.
#[test]
fn a_killed_checker_child_is_respawned_and_adopts_the_table() {
    let steps = r#"
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 1
kill -9 $(cat /run/ka_check.pid)
section killed
started 2
section respawned
kill $pid; wait $pid
section stopped
"#;
    let Some(out) = vm::run("ipvs_respawn", &[(CONF, MIXED)], steps, budget()) else {
        return;
    };
    assert_clean(&out);
    assert_eq!(vm::table(vm::section(&out, "killed")), MIXED_TABLE, "{out}");
    assert_eq!(
        vm::table(vm::section(&out, "respawned")),
        MIXED_TABLE,
        "{out}"
    );
    assert!(vm::table(vm::section(&out, "stopped")).is_empty(), "{out}");
    assert_eq!(
        out.matches("Starting Healthcheck child process").count(),
        2,
        "{out}"
    );
}

/// The checkers' timing in [`CHECKED`]: a dead server is out after its first failed check, one
/// retry `DELAY_BEFORE_RETRY` later and that retry's connect (refused at once on loopback, at
/// most `CONNECT_TIMEOUT`); a live one is back after one successful check.
const DELAY_LOOP: f64 = 1.0;
const RETRY: f64 = 1.0;
const DELAY_BEFORE_RETRY: f64 = 0.5;
const CONNECT_TIMEOUT: f64 = 1.0;
/// TCG runs the VM many times slower than the host, and two cores are shared: a generous slack.
const TCG_SLACK: f64 = 8.0;

fn down_deadline() -> u32 {
    let t = DELAY_LOOP + (1.0 + RETRY) * CONNECT_TIMEOUT + RETRY * DELAY_BEFORE_RETRY;
    (t + TCG_SLACK).ceil() as u32
}

fn up_deadline() -> u32 {
    (DELAY_LOOP + CONNECT_TIMEOUT + TCG_SLACK).ceil() as u32
}

/// Three busybox httpd servers on 127.0.0.2-4:80 in the VM: .2 and .4 checked by TCP_CHECK,
/// .3 by HTTP_GET of /index.html; weights 1 each, quorum 2. 10.9.0.2 has .2 alone, with
/// inhibit_on_failure.
fn checked_conf() -> String {
    let timing = format!(
        "connect_timeout {CONNECT_TIMEOUT}\n            retry {RETRY}\n            \
         delay_before_retry {DELAY_BEFORE_RETRY}"
    );
    let tcp = format!("TCP_CHECK {{\n            {timing}\n        }}");
    let http = format!(
        "HTTP_GET {{\n            url {{\n                path /index.html\n                \
         status_code 200\n            }}\n            {timing}\n        }}"
    );
    format!(
        r#"
virtual_server 10.9.0.1 80 {{
    lb_algo rr
    protocol TCP
    delay_loop {DELAY_LOOP}
    quorum 2
    quorum_up "/bin/touch /tmp/quorum_up"
    quorum_down "/bin/touch /tmp/quorum_down"
    sorry_server 10.9.9.9 80
    real_server 127.0.0.2 80 {{
        weight 1
        {tcp}
    }}
    real_server 127.0.0.3 80 {{
        weight 1
        {http}
    }}
    real_server 127.0.0.4 80 {{
        weight 1
        {tcp}
    }}
}}
virtual_server 10.9.0.2 80 {{
    lb_algo rr
    protocol TCP
    delay_loop {DELAY_LOOP}
    inhibit_on_failure
    real_server 127.0.0.2 80 {{
        weight 1
        {tcp}
    }}
}}
"#
    )
}

/// Real servers going down and up by their own checkers: a killed httpd leaves the table (or
/// drops to weight 0 with inhibit_on_failure) within the retry timing, comes back when it
/// serves again; losing two of three drops quorum (sorry server in, real ones out, quorum_down
/// ran), restoring them brings quorum back (quorum_up ran, sorry server out).
#[test]
fn checkers_take_real_servers_out_and_back_and_switch_quorum() {
    let (d, u) = (down_deadline(), up_deadline());
    let steps = format!(
        r#"
VS1=0A090001:0050; VS2=0A090002:0050; SORRY=0A090909:0050
RS2=7F000002:0050; RS3=7F000003:0050; RS4=7F000004:0050
mkdir -p /www && echo ok >/www/index.html
serve() {{ httpd -f -p 127.0.0.$1:80 -h /www & eval "srv$1=\$!"; }}
listening() {{ netstat -ltn | grep -q "127.0.0.$1:80 "; }}
serve 2; serve 3; serve 4
wait_for 5 listening 2; wait_for 5 listening 3; wait_for 5 listening 4
$KA >>/tmp/ka.log 2>&1 & pid=$!
started 1
# Two rounds of checks, so each checker has passed at least once.
sleep {DELAY_LOOP}; sleep {DELAY_LOOP}
section all_up

kill $srv2; t0=$(now)
wait_for {d} has_weight $VS1 $RS2 none && wait_for {d} has_weight $VS2 $RS2 0 && took "rs2 down" $t0
section rs2_down
test -e /tmp/quorum_down && echo "quorum_down ran too early"

serve 2; t0=$(now)
wait_for {u} has_weight $VS1 $RS2 1 && wait_for {u} has_weight $VS2 $RS2 1 && took "rs2 up" $t0
section rs2_up

kill $srv2 $srv3; t0=$(now)
wait_for {d} test -e /tmp/quorum_down && wait_for {d} has_weight $VS1 $SORRY 1 &&
    wait_for {d} has_weight $VS2 $RS2 0 && took "quorum down" $t0
section quorum_down

rm -f /tmp/quorum_up
serve 2; serve 3; t0=$(now)
wait_for {u} test -e /tmp/quorum_up && wait_for {u} has_weight $VS1 $SORRY none &&
    wait_for {u} has_weight $VS1 $RS3 1 && wait_for {u} has_weight $VS2 $RS2 1 && took "quorum up" $t0
section quorum_up
kill $pid; wait $pid
kill $srv2 $srv3 $srv4
"#
    );
    let conf = checked_conf();
    let Some(out) = vm::run("ipvs_checked", &[(CONF, conf.as_str())], &steps, budget()) else {
        return;
    };
    assert_clean(&out);
    let all = [
        "TCP 10.9.0.1:80 rr; -> 127.0.0.2:80 Masq 1; -> 127.0.0.3:80 Masq 1; -> 127.0.0.4:80 Masq 1",
        "TCP 10.9.0.2:80 rr; -> 127.0.0.2:80 Masq 1",
    ];
    assert_eq!(vm::table(vm::section(&out, "all_up")), all, "{out}");
    assert_eq!(
        vm::table(vm::section(&out, "rs2_down")),
        [
            "TCP 10.9.0.1:80 rr; -> 127.0.0.3:80 Masq 1; -> 127.0.0.4:80 Masq 1",
            "TCP 10.9.0.2:80 rr; -> 127.0.0.2:80 Masq 0",
        ],
        "{out}"
    );
    assert!(!out.contains("quorum_down ran too early"), "{out}");
    assert_eq!(vm::table(vm::section(&out, "rs2_up")), all, "{out}");
    assert_eq!(
        vm::table(vm::section(&out, "quorum_down")),
        [
            "TCP 10.9.0.1:80 rr; -> 10.9.9.9:80 Masq 1",
            "TCP 10.9.0.2:80 rr; -> 127.0.0.2:80 Masq 0",
        ],
        "{out}"
    );
    assert_eq!(vm::table(vm::section(&out, "quorum_up")), all, "{out}");
    assert!(out.contains("Lost quorum"), "{out}");
    assert!(out.contains("Gained quorum"), "{out}");
    // Out only after the retry: the first failure, then DELAY_BEFORE_RETRY, then the second.
    for name in ["rs2 down", "quorum down"] {
        assert!(took(&out, name) >= DELAY_BEFORE_RETRY, "{name}: {out}");
    }
    assert!(
        out.contains("TCP_CHECK on service [127.0.0.2]:tcp:80 failed after 1 retries"),
        "{out}"
    );
    assert!(
        out.contains("HTTP_CHECK on service [127.0.0.3]:tcp:80 failed after 1 retries"),
        "{out}"
    );
}

/// The seconds the steps' `took NAME T0` printed.
fn took(out: &str, name: &str) -> f64 {
    let marker = format!("== took {name} ");
    out.lines()
        .find_map(|l| l.strip_prefix(&marker))
        .and_then(|rest| rest.trim_end_matches(" s").parse().ok())
        .unwrap_or_else(|| panic!("no '{marker}' line in:\n{out}"))
}
