//! HTTP_GET `regex` beside keepalived: in the IPVS VM (keepalived's checker child needs IPVS),
//! Debian's keepalived 2.2.7 and then ours check the same raw HTTP responses (busybox nc, one
//! response per port) with the same urls, one real server per case (see [`config`] for how
//! each verdict shows in the log). Both must reach the same verdict on every case, and the
//! verdict a reader of keepalived's check_http.c expects: plain matches, keepalived's escapes
//! in the config line, matches that stay open at the end of the response (PCRE2 hard partial
//! matching, never settled), the header seen in the first read, regex_no_match, the offsets,
//! regex_options, bodies bigger than keepalived's 4 KB buffer.
//! Needs qemu and the VM kernel (tests/setup.d/ipvs.sh); without them SKIPPED.

mod lab;
mod vm;

use std::time::Duration;

const CONF: &str = "/etc/keepalived/keepalived.conf";
const KEEPALIVED: &str = "/usr/sbin/keepalived";
const HEAD: &str = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n";

struct Case {
    body: String,
    /// The url block's lines after `path /`.
    url: String,
    up: bool,
}

fn case(body: &str, url: &str, up: bool) -> Case {
    Case {
        body: body.to_string(),
        url: url.to_string(),
        up,
    }
}

fn cases() -> Vec<Case> {
    let h = HEAD.len();
    let abc = "abc.......abc\n"; // "abc" at body offsets 0 and 10
    vec![
        case("hello world\n", r#"regex "hel+o \\w+""#, true),
        case("took 25 ms\n", r#"regex "\\d+ ms""#, true),
        // keepalived resolves `\d` in the config line to `d`.
        case("took 25 ms\n", r#"regex "\d+ ms""#, false),
        // Hard partial matching: `$` at (or before the newline at) the end stays open.
        case("hello world", r#"regex "world$""#, false),
        case("hello world\n", r#"regex "world$""#, false),
        case(
            "Status: OK\nLoad: 3\n",
            r#"regex "(?m)^Load: [0-9]$""#,
            true,
        ),
        // The header came in the read that brought the body.
        case("fail\n", r#"regex "200 OK""#, true),
        case("all good\n", "regex error\n regex_no_match", true),
        case("error: disk full\n", "regex error\n regex_no_match", false),
        case(
            abc,
            &format!("regex abc\n regex_min_offset {}", h + 1),
            true,
        ),
        case(
            abc,
            &format!("regex abc\n regex_min_offset {}", h + 11),
            false,
        ),
        case(
            abc,
            &format!(
                "regex abc\n regex_min_offset {}\n regex_max_offset {}",
                h + 1,
                h + 9
            ),
            false,
        ),
        case(
            abc,
            &format!(
                "regex abc\n regex_min_offset {}\n regex_max_offset {}",
                h + 1,
                h + 10
            ),
            true,
        ),
        case("HELLO\n", "regex hello\n regex_options caseless", true),
        case("HELLO\n", "regex hello", false),
        case(
            &format!("{}<b>MARK</b>\n", "x".repeat(10_000)),
            r#"regex "<b>M[A-Z]+K</b>""#,
            true,
        ),
        // A partial match longer than the buffer is dropped.
        case(
            &format!("<b>{}</b>\n", "x".repeat(6_000)),
            r#"regex "<b>x*</b>""#,
            false,
        ),
    ]
}

fn port(i: usize) -> usize {
    18081 + i
}

/// Every case twice: under a virtual server whose checkers start down (`alpha`: a pass says
/// "Regex match success to ..."), and under one whose checkers start up (a failure says
/// "Regex match failed server ..."), so both verdicts show as a line.
fn config(cases: &[Case]) -> String {
    let mut c = String::from("global_defs {\n checker_log_all_failures\n}\n");
    for (vip, alpha) in [("10.9.0.1", "\n   alpha"), ("10.9.0.2", "")] {
        c.push_str(&format!(
            "virtual_server {vip} 80 {{\n delay_loop 1\n lb_algo rr\n lb_kind NAT\n protocol TCP\n"
        ));
        for (i, k) in cases.iter().enumerate() {
            c.push_str(&format!(
                " real_server 127.0.0.1 {} {{\n  HTTP_GET {{\n   url {{\n    path /\n    {}\n   }}\n   \
                 connect_timeout 2\n   retry 0\n   delay_before_retry 1{alpha}\n  }}\n }}\n",
                port(i),
                k.url.replace('\n', "\n   ")
            ));
        }
        c.push_str("}\n");
    }
    c
}

/// Runs `bin` until every case has a verdict, prints its log between markers, stops it.
fn steps(name: &str, bin: &str, n: usize) -> String {
    let ports: Vec<String> = (0..n).map(|i| port(i).to_string()).collect();
    format!(
        r#"
decided() {{
    for p in {ports}; do
        grep -q -e "\]:tcp:$p url(" -e "failed server \[127.0.0.1\]:tcp:$p\." /tmp/{name}.log || return 1
    done
}}
{bin} -n -l -C -f {CONF} -p /run/ka.pid -c /run/ka_check.pid >/tmp/{name}.log 2>&1 & pid=$!
wait_for 40 decided
kill $pid; wait $pid
echo "== {name}"
cat /tmp/{name}.log
echo "== end"
"#,
        ports = ports.join(" ")
    )
}

/// "up", "down" or "none" for each case, from a daemon's log.
fn verdicts(log: &str, n: usize) -> Vec<&'static str> {
    (0..n)
        .map(|i| {
            let p = port(i);
            let up = log.contains(&format!(
                "Regex match success to [127.0.0.1]:tcp:{p} url(/)"
            ));
            let down = log.contains(&format!("Regex match failed server [127.0.0.1]:tcp:{p}."));
            match (up, down) {
                (true, false) => "up",
                (false, true) => "down",
                (true, true) => "both",
                _ => "none",
            }
        })
        .collect()
}

#[test]
fn regex_verdicts_are_keepalived_verdicts() {
    let test = "checkers_regex_vm";
    if !lab::require_program(test, KEEPALIVED) {
        return;
    }
    let cases = cases();
    let conf = config(&cases);
    let mut files: Vec<(String, String)> = vec![(CONF.into(), conf.clone())];
    // Each server reads the request up to its blank line (so closing sends FIN, not RST),
    // then writes its response.
    let mut web = String::new();
    for (i, k) in cases.iter().enumerate() {
        files.push((format!("/www/{i}"), format!("{HEAD}{}", k.body)));
        let srv = format!("/www/serve{i}.sh");
        files.push((
            srv.clone(),
            format!(
                "cr=$(printf '\\r')\n\
                 while read -r l; do [ \"$l\" = \"$cr\" ] && break; [ -z \"$l\" ] && break; done\n\
                 cat /www/{i}\n"
            ),
        ));
        web.push_str(&format!("nc -ll -p {} -e /bin/sh {srv} &\n", port(i)));
    }
    web.push_str(&format!(
        "wait_for 10 sh -c 'netstat -ltn | grep -q :{}'\n",
        port(cases.len() - 1)
    ));
    let all = format!(
        "{web}{}{}",
        steps("theirs", KEEPALIVED, cases.len()),
        steps("ours", "keepalived", cases.len())
    );
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let Some(out) = vm::run_with(test, &files, &[KEEPALIVED], &all, Duration::from_secs(150))
    else {
        return;
    };
    let theirs = vm::section(&out, "theirs");
    let ours = vm::section(&out, "ours");
    let (t, o) = (verdicts(theirs, cases.len()), verdicts(ours, cases.len()));
    let want: Vec<&str> = cases
        .iter()
        .map(|c| if c.up { "up" } else { "down" })
        .collect();
    let table: String = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{:>2} {:<5} keepalived {:<5} ours {:<5} {:?}\n",
                i, want[i], t[i], o[i], c.url
            )
        })
        .collect();
    println!("{table}");
    assert!(
        !out.contains("TIMEOUT"),
        "a step timed out:\n{table}\n{out}"
    );
    assert_eq!(
        o, t,
        "ours and keepalived differ:\n{table}\n--- keepalived:\n{theirs}\n--- ours:\n{ours}"
    );
    assert_eq!(o, want, "not the expected verdicts:\n{table}");
}
