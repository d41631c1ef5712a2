//! The checker child's SMTP alerts beside keepalived's: in the IPVS VM (keepalived's checker
//! child needs IPVS), Debian's keepalived 2.2.7 and then ours run the same config (a virtual
//! server with two TCP_CHECK real servers, weights 2 and 1, quorum 2 with quorum_up and
//! quorum_down) and go through the same steps: the heavier real server comes up (alpha) and
//! gains the quorum alone, then the other comes up, the heavier one goes down (the quorum is lost), comes back (regained), a
//! reload removes the other one ("Removing"; the quorum holds: see [`CONFIG`]). The VM has no python3, so its mail
//! server is a busybox sh script behind `nc -ll` that records each session. Both daemons must
//! send the same mails: same commands in order, Subject, From, To, X-Mailer and body (the Date
//! aside), and run the same quorum scripts. The VM's host name does not resolve and the
//! config names no sender nor HELO name: keepalived's fallbacks for that are compared too.
//! Three virtual servers without mail log their quorum lines too: one with a sorry server
//! that loses the quorum with the heavier real server, a group and a fwmark that gain it at
//! start; both daemons must log the same quorum and sorry server lines.
//! Needs qemu and the VM kernel (tests/setup.d/ipvs.sh); without them SKIPPED.

mod lab;
mod vm;

use std::collections::BTreeMap;
use std::time::Duration;

const CONF: &str = "/etc/keepalived/keepalived.conf";
const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// The reload keeps the weight left (2) at the quorum: a quorum lost by a reload is judged
/// and worded with the old virtual server's figures, by keepalived and ours alike (the unit
/// tests of check::ipvs show ours).
const CONFIG: &str = "global_defs {
 router_id vmlb
 notification_email {
  ops@example.org
  noc@example.org
 }
 smtp_server 127.0.0.1 2525
 smtp_connect_timeout 5
}
virtual_server 10.9.0.1 80 {
 delay_loop 1
 lb_algo rr
 lb_kind NAT
 protocol TCP
 smtp_alert
 quorum 2
 hysteresis 0
 quorum_up \"/bin/sh /quorum.sh up\"
 quorum_down \"/bin/sh /quorum.sh down\"
 real_server 127.0.0.1 8081 {
  weight 2
  TCP_CHECK {
   connect_timeout 1
   retry 0
   alpha
  }
 }
 real_server 127.0.0.1 8082 {
  TCP_CHECK {
   connect_timeout 1
   retry 0
   alpha
  }
 }
}
virtual_server 10.9.0.2 80 {
 delay_loop 1
 lb_algo rr
 lb_kind NAT
 protocol TCP
 sorry_server 127.0.0.9 8089
 real_server 127.0.0.1 8081 {
  smtp_alert off
  TCP_CHECK {
   connect_timeout 1
   retry 0
  }
 }
}
virtual_server_group G {
 10.9.0.3 80
 10.9.0.6-7 80
 fwmark 9
}
virtual_server group G {
 lb_algo rr
 lb_kind NAT
 protocol TCP
 quorum 2
 hysteresis 1
 real_server 127.0.0.1 8083 {
  weight 3
 }
}
virtual_server fwmark 7 {
 lb_algo rr
 lb_kind NAT
 real_server 127.0.0.1 8083 {
 }
}
virtual_server 10.9.0.4 80 {
 delay_loop 1
 lb_algo rr
 lb_kind NAT
 protocol TCP
 quorum 2
 sorry_server 127.0.0.9 8090
 real_server 127.0.0.1 8083 {
 }
 real_server 127.0.0.1 8084 {
  smtp_alert off
  TCP_CHECK {
   connect_timeout 1
   retry 0
   alpha
  }
 }
}
virtual_server 10.9.0.5 80 {
 delay_loop 1
 lb_algo rr
 lb_kind NAT
 protocol TCP
 quorum 1
 real_server 127.0.0.1 8083 {
 }
 real_server 127.0.0.1 8084 {
  smtp_alert off
  TCP_CHECK {
   connect_timeout 1
   retry 0
   alpha
  }
 }
}
";

/// The reload's changes beside the removal of [`RS_8082`]: 10.9.0.4, without quorum (8084
/// never answers), gets another sorry server; 10.9.0.5 is kept with a quorum its one alive
/// server no longer reaches; group G loses its range and its mark.
const RELOAD_EDITS: [(&str, &str); 3] = [
    ("sorry_server 127.0.0.9 8090", "sorry_server 127.0.0.9 8091"),
    (" quorum 1\n", " quorum 2\n"),
    (" 10.9.0.6-7 80\n fwmark 9\n", ""),
];

/// The real server a reload removes.
const RS_8082: &str = " real_server 127.0.0.1 8082 {
  TCP_CHECK {
   connect_timeout 1
   retry 0
   alpha
  }
 }
";

/// One SMTP session, recorded by the session's own shell: "C <command>" per command, "D
/// <line>" per line of the message, then "E"; appended whole, as sessions may overlap.
const SMTP_SH: &str = r#"cr=$(printf '\r')
f=/tmp/smtp.$$
printf '220 vm ESMTP\r\n'
while read -r l; do
    l=${l%"$cr"}
    echo "C $l" >>$f
    case "$l" in
    DATA)
        printf '354 go ahead\r\n'
        while read -r d; do
            d=${d%"$cr"}
            [ "$d" = . ] && break
            echo "D $d" >>$f
        done
        printf '250 ok\r\n' ;;
    QUIT) printf '221 bye\r\n'; break ;;
    *) printf '250 ok\r\n' ;;
    esac
done
echo E >>$f
cat $f >>/tmp/smtp.log
rm -f $f
"#;

const QUORUM_SH: &str = "echo \"$1\" >>/tmp/quorum.log\n";

/// Runs `bin` through the steps, prints the mails and the scripts' runs between markers.
fn steps(name: &str, bin: &str) -> String {
    let rs = "Realserver \\[127.0.0.1\\]:tcp:";
    format!(
        r#"
cp /etc/keepalived/full.conf {CONF}
rm -f /tmp/smtp.log /tmp/quorum.log
touch /tmp/smtp.log /tmp/quorum.log
nc -ll -p 2525 -e /bin/sh /smtp.sh & smtp=$!
nc -ll -p 8081 -e /bin/true & a=$!
wait_for 10 sh -c 'netstat -ltn | grep -q :8081'
# mails PATTERN N: the mail server has N mails whose Subject matches PATTERN.
mails() {{ [ $(grep -c "^D Subject: .*$1" /tmp/smtp.log) -ge $2 ]; }}
{bin} -n -l -C -f {CONF} -p /run/ka.pid -c /run/ka_check.pid >/tmp/{name}.log 2>&1 & pid=$!
# 8082 answers only once the heavier 8081 has brought the quorum up alone: which first check ends
# first is a race in both daemons, and it sets the sum the quorum mail reports.
wait_for 30 mails "{rs}8081 .* - UP" 1
wait_for 10 mails "Virtualserver .* - UP" 1
nc -ll -p 8082 -e /bin/true & b=$!
wait_for 10 mails "{rs}8082 .* - UP" 1
echo "== phase" >>/tmp/smtp.log
kill $a
wait_for 10 mails "{rs}8081 .* - DOWN" 1
wait_for 10 mails "Virtualserver .* - DOWN" 1
# 10.9.0.2's own check of 8081 must fail too before 8081 is back: its sorry server comes in
# (pinned to its VS: 10.9.0.4 adds a sorry server of its own at start).
wait_for 10 grep -q "sorry server .* to VS \[10.9.0.2\]" /tmp/{name}.log
echo "== phase" >>/tmp/smtp.log
nc -ll -p 8081 -e /bin/true & a=$!
wait_for 10 mails "{rs}8081 .* - UP" 2
wait_for 10 mails "Virtualserver .* - UP" 2
wait_for 10 sh -c '[ $(wc -l </tmp/quorum.log) -ge 3 ]'
wait_for 10 grep -q "sorry server .* from VS \[10.9.0.2\]" /tmp/{name}.log
echo "== phase" >>/tmp/smtp.log
cp /etc/keepalived/reload.conf {CONF}
kill -HUP $pid
wait_for 10 mails "{rs}8082 .* - DOWN" 1
wait_for 10 grep -q "Reload complete" /tmp/{name}.log
wait_for 10 grep -q "Starting with quorum down .* VS \[10.9.0.5\]" /tmp/{name}.log
# The mails before the daemon stops (stopping mails nothing the steps wait for).
cp /tmp/smtp.log /tmp/smtp.{name}
cp /tmp/quorum.log /tmp/quorum.{name}
kill $pid; wait $pid
kill $smtp $a $b
echo "== {name}"
cat /tmp/smtp.{name}
echo "== end"
echo "== {name} quorum"
cat /tmp/quorum.{name}
echo "== end"
echo "== {name} log"
cat /tmp/{name}.log
echo "== end"
"#
    )
}

/// One mail as the server recorded it; `data` without its Date line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Mail {
    subject: String,
    commands: Vec<String>,
    data: Vec<String>,
    date: String,
}

/// The mails of each phase (start, one down, back up, reload), sorted within the phase: the two real
/// servers' first checks race each other.
fn phases(log: &str) -> Vec<Vec<Mail>> {
    let mut out = vec![Vec::new()];
    let mut cur: Option<Mail> = None;
    for line in log.lines() {
        if line == "== phase" {
            out.push(Vec::new());
            continue;
        }
        let (tag, rest) = line.split_at(line.len().min(2));
        let m = cur.get_or_insert_with(|| Mail {
            subject: String::new(),
            commands: Vec::new(),
            data: Vec::new(),
            date: String::new(),
        });
        match tag.trim_end() {
            "C" => m.commands.push(rest.to_string()),
            "D" => {
                if let Some(d) = rest.strip_prefix("Date: ") {
                    m.date = d.to_string();
                } else {
                    if let Some(s) = rest.strip_prefix("Subject: ") {
                        m.subject = s.to_string();
                    }
                    m.data.push(rest.to_string());
                }
            }
            "E" => {
                if let (Some(m), Some(p)) = (cur.take(), out.last_mut()) {
                    p.push(m);
                }
            }
            _ => {}
        }
    }
    for p in &mut out {
        p.sort();
    }
    out
}

fn show(p: &[Vec<Mail>]) -> String {
    let mut s = String::new();
    for (i, mails) in p.iter().enumerate() {
        s.push_str(&format!("phase {i}:\n"));
        for m in mails {
            s.push_str(&format!("  {:?}\n  {}\n", m.commands, m.data.join(" | ")));
        }
    }
    s
}

#[test]
fn checker_mails_are_keepalived_mails() {
    let test = "smtp_alerts_vm";
    if !lab::require_program(test, KEEPALIVED) {
        return;
    }
    let mut reload = CONFIG.replace(RS_8082, "");
    for (from, to) in RELOAD_EDITS {
        assert_eq!(reload.matches(from).count(), 1, "{from}");
        reload = reload.replace(from, to);
    }
    let files = [
        ("/etc/keepalived/full.conf", CONFIG),
        ("/etc/keepalived/reload.conf", &reload),
        ("/smtp.sh", SMTP_SH),
        ("/quorum.sh", QUORUM_SH),
    ];
    let all = format!(
        "{}{}",
        steps("theirs", KEEPALIVED),
        steps("ours", "keepalived")
    );
    let Some(out) = vm::run_with(test, &files, &[KEEPALIVED], &all, Duration::from_secs(150))
    else {
        return;
    };
    assert!(!out.contains("TIMEOUT"), "a step timed out:\n{out}");
    let theirs = phases(vm::section(&out, "theirs"));
    let ours = phases(vm::section(&out, "ours"));
    let (t, o) = (show(&theirs), show(&ours));
    println!("--- keepalived:\n{t}--- ours:\n{o}");
    let subjects = |p: &[Vec<Mail>]| -> Vec<Vec<String>> {
        p.iter()
            .map(|m| m.iter().map(|m| m.subject.clone()).collect())
            .collect()
    };
    let vs = "Virtualserver [10.9.0.1]:tcp:80";
    let rs = |p: u16| format!("Realserver [127.0.0.1]:tcp:{p} of virtual server [10.9.0.1]:tcp:80");
    let want = vec![
        vec![
            format!("[vmlb] {} - UP", rs(8081)),
            format!("[vmlb] {} - UP", rs(8082)),
            format!("[vmlb] {vs} - UP"),
        ],
        vec![
            format!("[vmlb] {} - DOWN", rs(8081)),
            format!("[vmlb] {vs} - DOWN"),
        ],
        vec![
            format!("[vmlb] {} - UP", rs(8081)),
            format!("[vmlb] {vs} - UP"),
        ],
        vec![format!("[vmlb] {} - DOWN", rs(8082))],
    ];
    assert_eq!(
        subjects(&theirs),
        want,
        "keepalived's mails are not the ones expected:\n{t}\n{out}"
    );
    assert_eq!(
        undated(&ours),
        undated(&theirs),
        "ours differ from keepalived's:\n--- keepalived:\n{t}--- ours:\n{o}\n{out}"
    );
    for p in &ours {
        for m in p {
            // "Sun, 06 Dec 2026 09:00:00 +0000"
            assert_eq!(m.date.len(), 31, "{m:?}");
        }
    }
    let q = |name: &str| vm::section(&out, &format!("{name} quorum")).to_string();
    assert_eq!(q("theirs"), "up\ndown\nup\n", "keepalived's quorum scripts");
    assert_eq!(q("ours"), q("theirs"), "our quorum scripts");
    let lines = |name: &str| quorum_lines(vm::section(&out, &format!("{name} log")));
    let v2 = "VS [10.9.0.2]:tcp:80";
    let v4 = "VS [10.9.0.4]:tcp:80";
    let sorry = "sorry server [127.0.0.9]:tcp:8089";
    let want: BTreeMap<&str, Vec<String>> = [
        (
            "[10.9.0.1]:tcp:80",
            vec![
                "Gained quorum 2+0=2 <= 2 for VS [10.9.0.1]:tcp:80".to_string(),
                "Lost quorum 2-0=2 > 1 for VS [10.9.0.1]:tcp:80".to_string(),
                "Gained quorum 2+0=2 <= 3 for VS [10.9.0.1]:tcp:80".to_string(),
            ],
        ),
        (
            "[10.9.0.2]:tcp:80",
            vec![
                format!("Gained quorum 1+0=1 <= 1 for {v2}"),
                format!("Lost quorum 1-0=1 > 0 for {v2}"),
                format!("Adding {sorry} to {v2}"),
                format!("Removing alive servers from the pool for {v2}"),
                format!("Gained quorum 1+0=1 <= 1 for {v2}"),
                format!("Removing {sorry} from {v2}"),
                format!("Adding alive servers to the pool for {v2}"),
            ],
        ),
        (
            "[G]:0",
            vec!["Gained quorum 2+1=3 <= 3 for VS [G]:0".to_string()],
        ),
        (
            "FWM 7",
            vec!["Gained quorum 1+0=1 <= 1 for VS FWM 7".to_string()],
        ),
        (
            "[10.9.0.4]:tcp:80",
            vec![
                format!("Starting with quorum down 2-0=2 > 1 for {v4}"),
                format!("Adding sorry server [127.0.0.9]:tcp:8090 to {v4}"),
                format!("Removing alive servers from the pool for {v4}"),
                // The reload: the old sorry server out, the new one in, as at start.
                format!("Removing sorry server [127.0.0.9]:tcp:8090 from {v4}"),
                format!("Starting with quorum down 2-0=2 > 1 for {v4}"),
                format!("Adding sorry server [127.0.0.9]:tcp:8091 to {v4}"),
                format!("Removing alive servers from the pool for {v4}"),
            ],
        ),
        (
            "[10.9.0.5]:tcp:80",
            vec![
                "Gained quorum 1+0=1 <= 1 for VS [10.9.0.5]:tcp:80".to_string(),
                // Kept by the reload, worded as at start, not "Lost quorum".
                "Starting with quorum down 2-0=2 > 1 for VS [10.9.0.5]:tcp:80".to_string(),
            ],
        ),
    ]
    .into_iter()
    .collect();
    let theirs = lines("theirs");
    assert_eq!(theirs, want, "keepalived's quorum lines:\n{out}");
    assert_eq!(lines("ours"), theirs, "our quorum lines:\n{out}");
    // The reload's removal of 8082 from the kept 10.9.0.1 (ipwrapper.c, clear_diff_rs).
    let removal = |name: &str| -> Vec<String> {
        let log = vm::section(&out, &format!("{name} log"));
        let from = |l: &str| {
            ["service [", "Removing "]
                .iter()
                .filter_map(|s| l.find(s))
                .min()
        };
        log.lines()
            .filter(|l| l.contains(":8082") && (l.contains("no longer") || l.contains("Removing")))
            .filter_map(|l| from(l).map(|at| l[at..].to_string()))
            .collect()
    };
    let want = [
        "service [127.0.0.1]:tcp:8082 no longer exist",
        "Removing service [127.0.0.1]:tcp:8082 from VS [10.9.0.1]:tcp:80",
    ];
    assert_eq!(
        removal("theirs"),
        want,
        "keepalived's removal lines:\n{out}"
    );
    assert_eq!(removal("ours"), want, "our removal lines:\n{out}");
    // The group's entries the reload drops (ipwrapper.c, clear_diff_vsge).
    let entries = |name: &str| -> Vec<String> {
        let log = vm::section(&out, &format!("{name} log"));
        log.lines()
            .filter(|l| l.contains("in group G no longer exists"))
            .filter_map(|l| l.find("VS [").map(|at| l[at..].to_string()))
            .collect()
    };
    let want = [
        "VS [[10.9.0.6]:tcp:80-10.9.0.7] in group G no longer exists",
        "VS [9] in group G no longer exists",
    ];
    assert_eq!(entries("theirs"), want, "keepalived's group lines:\n{out}");
    assert_eq!(entries("ours"), want, "our group lines:\n{out}");
    // At stop, each real server of each virtual server in config order (clear_services).
    let shutdown = |name: &str| -> Vec<String> {
        let log = vm::section(&out, &format!("{name} log"));
        log.lines()
            .filter_map(|l| {
                l.find("Shutting down service")
                    .map(|at| l[at..].to_string())
            })
            .collect()
    };
    let theirs = shutdown("theirs");
    assert_eq!(theirs.len(), 8, "keepalived's stop lines:\n{out}");
    assert_eq!(shutdown("ours"), theirs, "our stop lines:\n{out}");
}

/// The quorum and sorry server lines of a log, in order for each virtual server (the named
/// after the last "VS "): the virtual servers' checkers race each other.
fn quorum_lines(log: &str) -> BTreeMap<&str, Vec<String>> {
    const STARTS: [&str; 9] = [
        "Gained quorum",
        "Lost quorum",
        "Starting with quorum",
        "Adding sorry",
        "Removing sorry",
        "Enabling sorry",
        "Disabling sorry",
        "Adding alive",
        "Removing alive",
    ];
    let mut out: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for l in log.lines() {
        let Some(at) = STARTS.iter().filter_map(|s| l.find(s)).min() else {
            continue;
        };
        let msg = &l[at..];
        if let Some((_, vs)) = msg.rsplit_once(" VS ") {
            out.entry(vs).or_default().push(msg.to_string());
        }
    }
    out
}

/// `p` with every Date cleared (the two daemons ran a few seconds apart).
fn undated(p: &[Vec<Mail>]) -> Vec<Vec<Mail>> {
    p.iter()
        .map(|m| {
            m.iter()
                .map(|m| Mail {
                    date: String::new(),
                    ..m.clone()
                })
                .collect()
        })
        .collect()
}
