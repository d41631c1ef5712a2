//! Our `-t` on a corpus of broken configs (tests/configs/broken) must fail and name each broken line as
//! `FILE:LINE:`; the good ones (tests/configs/good) must pass. keepalived 2.2.7 is held to the same corpus,
//! so the corpus stays honest.
//!
//! Headers in a broken config's first lines:
//! `# expect: L [L...]` lines that must be flagged; `# args: ...` extra `-t` options (e.g. `-e`);
//! `# keepalived: none` keepalived reports the problem without a line.

mod lab;

use lab::check::{conf_files, config_lab, file_name, indent, ours, run_check, Check, KEEPALIVED};
use lab::Lab;
use std::path::{Path, PathBuf};

struct Case {
    path: PathBuf,
    expect: Vec<u32>,
    args: Vec<String>,
    keepalived_lineless: bool,
}

fn corpus(kind: &str) -> Vec<PathBuf> {
    conf_files(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/configs")
            .join(kind),
    )
}

fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
}

fn broken_cases() -> Vec<Case> {
    corpus("broken")
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let expect: Vec<u32> = header(&text, "# expect:")
                .unwrap_or_else(|| panic!("{}: no '# expect: LINE' header", path.display()))
                .split_whitespace()
                .map(|n| {
                    n.parse()
                        .unwrap_or_else(|_| panic!("{}: bad expect {n:?}", path.display()))
                })
                .collect();
            assert!(!expect.is_empty(), "{}: empty expect", path.display());
            let args = header(&text, "# args:")
                .map(|a| a.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            let keepalived_lineless =
                header(&text, "# keepalived:").is_some_and(|v| v.starts_with("none"));
            Case {
                path,
                expect,
                args,
                keepalived_lineless,
            }
        })
        .collect()
}

fn run(lab: &mut Option<Lab>, bin: &str, case_path: &Path, args: &[String]) -> Check {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_check(lab.as_mut(), bin, case_path, &args)
}

/// The lab when root (the configs name eth0..eth3), else the host: broken configs still fail there.
fn lab_if_root(name: &str) -> Option<Lab> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    (unsafe { libc::geteuid() } == 0).then(|| config_lab(name))
}

#[test]
fn corpus_is_large_enough() {
    assert!(broken_cases().len() >= 20);
    assert!(!corpus("good").is_empty());
}

#[test]
fn broken_configs_are_flagged_at_their_lines() {
    let mut lab = lab_if_root("broken");
    let cases = broken_cases();
    let mut problems = Vec::new();
    for case in &cases {
        let c = run(&mut lab, &ours(), &case.path, &case.args);
        let mut why = Vec::new();
        if c.ok {
            why.push("exit 0".to_string());
        }
        for line in &case.expect {
            let want = format!("{}:{line}:", case.path.display());
            if !c.output.contains(&want) {
                why.push(format!("no {want}"));
            }
        }
        if !why.is_empty() {
            problems.push(format!(
                "{}: {}\n{}",
                file_name(&case.path.to_string_lossy()),
                why.join(", "),
                indent(&c.output)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} broken configs not reported as expected:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

#[test]
fn good_configs_pass() {
    if !lab::require_root("good_configs_pass") {
        return;
    }
    let mut lab = lab_if_root("good");
    let mut problems = Vec::new();
    for f in corpus("good") {
        let c = run(&mut lab, &ours(), &f, &[]);
        if !c.ok {
            problems.push(format!("{}:\n{}", f.display(), indent(&c.output)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The corpus is only fair if keepalived itself flags exactly these lines and passes the good configs.
#[test]
fn keepalived_agrees_with_the_corpus() {
    let test = "keepalived_agrees_with_the_corpus";
    if !lab::require_root(test) || !lab::require_program(test, KEEPALIVED) {
        return;
    }
    let mut lab = lab_if_root("kcorpus");
    let mut problems = Vec::new();
    for case in broken_cases() {
        let c = run(&mut lab, KEEPALIVED, &case.path, &case.args);
        let got: Vec<u32> = c.flagged.iter().map(|(_, n)| *n).collect();
        let want = if case.keepalived_lineless {
            Vec::new()
        } else {
            case.expect.clone()
        };
        if c.ok || got != want {
            problems.push(format!(
                "{}: keepalived ok={} lines {got:?}, corpus says {want:?}\n{}",
                case.path.display(),
                c.ok,
                indent(&c.output)
            ));
        }
    }
    for f in corpus("good") {
        let c = run(&mut lab, KEEPALIVED, &f, &[]);
        if !c.ok {
            problems.push(format!("{}: keepalived fails:\n{}", f.display(), c.output));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
