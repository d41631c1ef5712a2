//! SIGUSR1's /tmp/keepalived_check.data, read as a user reads it: in the IPVS VM (tests/vm),
//! Debian's keepalived 2.2.7 and then ours run the same config (a virtual server with a sorry
//! server and two real servers, one answering TCP_CHECK and HTTP_GET, one not; a
//! virtual_server_group service with a MISC_CHECK). Every line ours writes is in keepalived's
//! file in the same section (bar the values listed in `DIFFERS`), and every line of keepalived's
//! real-server and checker sections is in ours but for keepalived's internals (`NOT_OURS`).
//! Needs qemu and the VM kernel (tests/setup.d/ipvs.sh); without them SKIPPED (a failure under
//! CI).

mod lab;
mod vm;

use lab::dump::sections;
use std::time::Duration;

const CONF: &str = "/etc/keepalived/keepalived.conf";
const KEEPALIVED: &str = "/usr/sbin/keepalived";

const CONFIG: &str = r#"
global_defs {
    router_id vmdata
}
SSL {
    password secret
}
track_file tf {
    file /tmp/tf
    weight 2
}
track_file unused {
    file /tmp/unused
}
virtual_server_group G {
    10.9.0.5 80
    10.9.0.6-7 81
}
virtual_server 10.9.0.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    sorry_server 127.0.0.9 80
    real_server 127.0.0.1 8080 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
        }
        HTTP_GET {
            url {
                path /index.html
                status_code 200
            }
            connect_timeout 1
            delay_before_retry 1
        }
    }
    real_server 127.0.0.2 8081 {
        TCP_CHECK {
            connect_timeout 1
            delay_before_retry 1
        }
        HTTP_GET {
            url {
                path /
            }
            connect_timeout 1
            retry 0
        }
    }
}
virtual_server group G {
    delay_loop 2
    lb_algo wlc
    lb_kind DR
    protocol TCP
    real_server 127.0.0.1 8080 {
        weight 3
        MISC_CHECK {
            misc_path "/bin/true"
        }
    }
}
virtual_server 10.9.0.3 443 {
    delay_loop 1
    lb_algo sh
    sh-port
    lb_kind DR
    protocol TCP
    persistence_timeout 30
    retry 2
    delay_before_retry 1
    inhibit_on_failure
    quorum 2
    hysteresis 1
    real_server 127.0.0.1 443 {
        weight 4
        notify_up "/bin/echo up"
        notify_down "/bin/echo down"
        MISC_CHECK {
            misc_path "/bin/sh -c 'exit 7'"
            misc_dynamic
            misc_timeout 3
        }
    }
    real_server 127.0.0.3 443 {
        FILE_CHECK {
            track_file tf
        }
        PING_CHECK {
        }
    }
}
virtual_server 10.9.0.4 53 {
    delay_loop 1
    protocol UDP
    real_server 127.0.0.4 9999 {
        UDP_CHECK {
            retry 0
            require_reply
        }
    }
}
"#;

/// Runs `bin` with CONFIG until the dead server is gone, dumps the data file between
/// `== NAME` and `== end`, stops it.
fn steps(name: &str, bin: &str) -> String {
    format!(
        r#"
{bin} -n -l -C -f {CONF} -p /run/ka.pid -c /run/ka_check.pid >/tmp/{name}.log 2>&1 & pid=$!
wait_for 30 grep -q 'Removing service \[127.0.0.2\]:' /tmp/{name}.log
wait_for 10 grep -q 'Misc check for \[\[127.0.0.1\]:tcp:8080 VS \[G\]:0\] by \[/bin/true\] succeeded' /tmp/{name}.log
wait_for 10 grep -q 'Removing service \[127.0.0.4\]:' /tmp/{name}.log
sleep 1
rm -f /tmp/keepalived_check.data
kill -USR1 $pid
wait_for 5 grep -q 'Health checkers' /tmp/keepalived_check.data
echo "== {name}"
cat /tmp/keepalived_check.data
echo "== end"
kill $pid; wait $pid
echo "== {name}.log"
cat /tmp/{name}.log
echo "== end"
"#
    )
}

#[test]
fn check_data_file_says_what_keepalived_says() {
    let test = "check_data_vm";
    if !lab::require_program(test, KEEPALIVED) {
        return;
    }
    let web = "mkdir -p /www && echo hello >/www/index.html && httpd -p 127.0.0.1:8080 -h /www\n\
               echo 3 >/tmp/tf\n";
    let all = format!(
        "{web}{}{}",
        steps("theirs", KEEPALIVED),
        steps("ours", "keepalived")
    );
    let Some(out) = vm::run_with(
        test,
        &[(CONF, CONFIG)],
        &[KEEPALIVED],
        &all,
        Duration::from_secs(90),
    ) else {
        return;
    };
    let theirs = vm::section(&out, "theirs");
    let ours = vm::section(&out, "ours");
    let both = format!("--- keepalived:\n{theirs}\n--- ours:\n{ours}");
    assert!(!out.contains("TIMEOUT"), "a step timed out:\n{out}");
    let (t, o) = (sections(theirs), sections(ours));
    assert_eq!(
        o.iter().map(|x| &x.0).collect::<Vec<_>>(),
        t.iter().map(|x| &x.0).collect::<Vec<_>>(),
        "not the same sections:\n{both}"
    );
    for ((head, tl), (_, ol)) in t.iter().zip(&o) {
        // The global section: ours writes the lines that concern checkers, in keepalived's
        // order. The others: keepalived's lines but its internals, in its order, word for word.
        let want: Vec<&String> = if head.contains("Global definitions") {
            let mut rest = tl.iter();
            for l in ol {
                assert!(
                    rest.any(|x| x == l),
                    "ours writes {l:?} in {head}, keepalived does not (or elsewhere):\n{both}"
                );
            }
            continue;
        } else {
            not_internals(tl)
        };
        let got: Vec<&String> = ol
            .iter()
            .filter(|l| !TIMING.iter().any(|p| l.starts_with(p)))
            .collect();
        assert_eq!(got, want, "section {head} differs:\n{both}");
    }
    // What a user looks for: the dead server and its checkers are down, the live one is up.
    for l in [
        "   RIP = 127.0.0.2, RPORT = 8081, WEIGHT = 1 EFF WEIGHT = 1",
        "   num failed checkers = 2",
        "   Failed URL = /",
        "   Keepalive method = MISC_CHECK",
    ] {
        assert!(ours.lines().any(|x| x == l), "no {l:?}:\n{ours}");
    }
}

/// keepalived lines about its own machinery (reload flags, kernel table state, the LVS version
/// it was built with, MISC_CHECK run times): not written by ours.
const NOT_OURS: &[&str] = &[
    " System is compiled with LVS",
    "     Alive: ",
    "     reloaded = ",
    "   reloaded = ",
    "   quorum_state_up = ",
    "   previous effective_weight = ",
    "   RS set = ",
    "   Last ran = ",
    "   Last status = ",
    "     Reloaded = ",
];

/// Values that change by the second in keepalived: the retry counter of a checker that is
/// already down goes round as its checks keep failing.
const TIMING: &[&str] = &["   Retries iterations = "];

/// `lines` without NOT_OURS and TIMING, nor a virtual server's own `alive` (the real servers'
/// stay).
fn not_internals(lines: &[String]) -> Vec<&String> {
    let mut in_vs = false;
    let mut out = Vec::new();
    for l in lines {
        if l.starts_with(" ------< Virtual server >") {
            in_vs = true;
        } else if l.starts_with("   ------< Real server >") {
            in_vs = false;
        }
        if NOT_OURS.iter().chain(TIMING).any(|p| l.starts_with(p))
            || (in_vs && l.starts_with("   alive = "))
        {
            continue;
        }
        out.push(l);
    }
    out
}
