//! Config-language conformance with keepalived 2.2.7: on each of keepalived's own sample configs, our `-t`
//! and keepalived's `-t` must agree on success or failure and on the set of lines they flag. Both run in one
//! lab namespace that has the interfaces the samples name (eth0..eth3, eth0.1).

mod lab;

use lab::Lab;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const KEEPALIVED: &str = "/usr/sbin/keepalived";
const OURS: &str = env!("CARGO_BIN_EXE_keepalived");
/// A parser that loops must fail the test, not hang it.
const TIMEOUT_SECS: &str = "60";

/// (file name, line) of every message tied to a config line.
type Flagged = BTreeSet<(String, u32)>;

/// The outcome of one `-t` run.
#[derive(Debug)]
struct Check {
    ok: bool,
    flagged: Flagged,
    output: String,
}

fn file_name(path: &str) -> String {
    Path::new(path.trim())
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.trim().to_string())
}

/// keepalived prefixes messages about a config line with `(FILE: Line N)`; others carry no line.
fn keepalived_flagged(output: &str) -> Flagged {
    const MARK: &str = ": Line ";
    let mut set = Flagged::new();
    for line in output.lines() {
        let mut rest = line;
        while let Some(at) = rest.find(MARK) {
            let before = &rest[..at];
            let after = &rest[at + MARK.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let file = before.rfind('(').map(|open| &before[open + 1..]);
            if let (Some(file), Ok(n), true) = (
                file,
                digits.parse::<u32>(),
                after[digits.len()..].starts_with(')'),
            ) {
                set.insert((file_name(file), n));
            }
            rest = after;
        }
    }
    set
}

/// Ours print `FILE:LINE: message`; line 0 means the message is about no particular line.
fn ours_flagged(output: &str) -> Flagged {
    let mut set = Flagged::new();
    for line in output.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(file), Some(num), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let Ok(n) = num.parse::<u32>() {
            if n > 0 && !file.is_empty() {
                set.insert((file_name(file), n));
            }
        }
    }
    set
}

/// A description of how two runs on `sample` disagree, or None when they agree.
fn compare(sample: &str, ours: &Check, theirs: &Check) -> Option<String> {
    let mut why = Vec::new();
    if ours.ok != theirs.ok {
        why.push(format!(
            "exit: ours {}, keepalived {}",
            if ours.ok { "0" } else { "non-zero" },
            if theirs.ok { "0" } else { "non-zero" }
        ));
    }
    if ours.flagged != theirs.flagged {
        let only = |a: &Flagged, b: &Flagged| -> Vec<String> {
            a.difference(b).map(|(_, n)| n.to_string()).collect()
        };
        why.push(format!(
            "lines only we flag: [{}]; lines only keepalived flags: [{}]",
            only(&ours.flagged, &theirs.flagged).join(","),
            only(&theirs.flagged, &ours.flagged).join(",")
        ));
    }
    if why.is_empty() {
        return None;
    }
    Some(format!(
        "{sample}: {}\n  ours:\n{}  keepalived:\n{}",
        why.join("; "),
        indent(&ours.output),
        indent(&theirs.output)
    ))
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

/// One namespace with the interfaces keepalived's samples refer to.
fn sample_lab(name: &str) -> Lab {
    let mut lab = Lab::new(name);
    for (i, ifname) in ["eth0", "eth1", "eth2", "eth3", "eth0.1"]
        .iter()
        .enumerate()
    {
        lab.stub_link("c", ifname, &format!("p{i}"));
    }
    lab
}

fn run_check(lab: &mut Lab, bin: &str, file: &Path) -> Check {
    let f = file.to_string_lossy();
    let out = lab.exec("c", &["timeout", TIMEOUT_SECS, bin, "-t", "-l", "-f", &f]);
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let flagged = if bin == KEEPALIVED {
        keepalived_flagged(&output)
    } else {
        ours_flagged(&output)
    };
    Check {
        ok: out.status.success(),
        flagged,
        output,
    }
}

fn samples(test: &str) -> Option<Vec<PathBuf>> {
    let Some(shared) = lab::shared_dir() else {
        eprintln!("SKIPPED: {test}: no shared dir (set KEEPALIVED_SHARED or provide ../shared)");
        return None;
    };
    let dir = shared.join("keepalived-samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("keepalived.conf."))
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no keepalived.conf.* in {}",
        dir.display()
    );
    Some(files)
}

fn prerequisites(test: &str) -> bool {
    lab::require_root(test) && lab::require_program(test, KEEPALIVED)
}

fn name_of(p: &Path) -> String {
    file_name(&p.to_string_lossy())
}

#[test]
fn output_parsers_read_both_styles() {
    let k = "(/x/keepalived.conf.vrrp.rules: Line 11) VRRP parsed invalid IP 192.168.100./24. skipping IP...\n\
             (/x/keepalived.conf.vrrp.rules: Line 11) Invalid rule to address 192.168.100./24\n\
             Sync group VG1 has no virtual router(s). removing\n\
             (/x/keepalived.conf.vrrp.rules: Line 25) Rule has no preference specified (A: Line x)\n";
    let expect: Flagged = [11, 25]
        .into_iter()
        .map(|n| ("keepalived.conf.vrrp.rules".to_string(), n))
        .collect();
    assert_eq!(keepalived_flagged(k), expect);
    let ours = "/x/keepalived.conf.vrrp.rules:11: bad address '192.168.100./24'\n\
                /x/keepalived.conf.vrrp.rules:25: warning: rule has no preference\n\
                /x/keepalived.conf.vrrp.rules:0: warning: sync group VG1 has no virtual routers\n\
                keepalived: cannot open file\n";
    assert_eq!(ours_flagged(ours), expect);
    let a = Check {
        ok: false,
        flagged: expect.clone(),
        output: String::new(),
    };
    let mut b = Check {
        ok: false,
        flagged: expect,
        output: String::new(),
    };
    assert_eq!(compare("s", &a, &b), None);
    b.flagged
        .insert(("keepalived.conf.vrrp.rules".to_string(), 7));
    b.ok = true;
    let msg = compare("s", &a, &b).unwrap_or_default();
    assert!(msg.contains("exit: ours non-zero, keepalived 0"), "{msg}");
    assert!(msg.contains("lines only keepalived flags: [7]"), "{msg}");
}

/// Checks this test's own machinery (lab interfaces, output parsing, comparison) with keepalived on both
/// sides, and against the lines known to be flagged on the samples.
#[test]
fn keepalived_agrees_with_itself_on_samples() {
    let test = "keepalived_agrees_with_itself_on_samples";
    if !prerequisites(test) {
        return;
    }
    let Some(files) = samples(test) else { return };
    let mut lab = sample_lab("selfconf");
    let known: &[(&str, &[u32], bool)] = &[
        ("keepalived.conf.vrrp.lvs_syncd", &[4, 5, 11], false),
        ("keepalived.conf.vrrp.rules", &[10, 11, 25, 26], false),
        ("keepalived.conf.vrrp.routes", &[29, 30, 31, 32], false),
        ("keepalived.conf.track_interface", &[31], false),
        ("keepalived.conf.conditional_conf", &[13, 25], false),
        ("keepalived.conf.fwmark", &[], false),
        ("keepalived.conf.vrrp.localcheck", &[], false),
        ("keepalived.conf.vrrp", &[], true),
    ];
    let mut problems = Vec::new();
    for f in &files {
        let a = run_check(&mut lab, KEEPALIVED, f);
        let b = run_check(&mut lab, KEEPALIVED, f);
        if let Some(m) = compare(&name_of(f), &a, &b) {
            problems.push(m);
        }
        // The interfaces exist, so keepalived must not complain about them.
        if a.output.contains("doesn't exist") {
            problems.push(format!(
                "{}: lab lacks an interface:\n{}",
                name_of(f),
                a.output
            ));
        }
        if let Some((_, lines, ok)) = known.iter().find(|k| k.0 == name_of(f)) {
            let got: Vec<u32> = a.flagged.iter().map(|(_, n)| *n).collect();
            if got != *lines || a.ok != *ok {
                problems.push(format!(
                    "{}: expected lines {lines:?} ok={ok}, parsed {got:?} ok={}\n{}",
                    name_of(f),
                    a.ok,
                    a.output
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn samples_match_keepalived() {
    let test = "samples_match_keepalived";
    if !prerequisites(test) {
        return;
    }
    let Some(files) = samples(test) else { return };
    let mut lab = sample_lab("conform");
    let mut problems = Vec::new();
    for f in &files {
        let theirs = run_check(&mut lab, KEEPALIVED, f);
        let ours = run_check(&mut lab, OURS, f);
        if let Some(m) = compare(&name_of(f), &ours, &theirs) {
            problems.push(m);
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} samples differ from keepalived -t:\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}

#[test]
fn config_examples_pass_both() {
    let test = "config_examples_pass_both";
    if !prerequisites(test) {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {}", dir.display());
    let mut lab = sample_lab("examples");
    let mut problems = Vec::new();
    for f in &files {
        for bin in [KEEPALIVED, OURS] {
            let c = run_check(&mut lab, bin, f);
            if !c.ok {
                problems.push(format!("{}: {bin} -t failed:\n{}", name_of(f), c.output));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
