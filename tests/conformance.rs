//! Config-language conformance with keepalived 2.2.7: on each of keepalived's own sample configs, our `-t`
//! and keepalived's `-t` must agree on success or failure and on the set of lines they flag. Both run in one
//! lab namespace that has the interfaces the samples name (eth0..eth3, eth0.1).

mod lab;

use lab::check::{compare, conf_files, config_lab, file_name, ours, run_check, KEEPALIVED};
use std::path::{Path, PathBuf};

fn samples(test: &str) -> Option<Vec<PathBuf>> {
    let Some(shared) = lab::shared_dir() else {
        lab::skipped(
            test,
            "needs the shared dir (../shared or $KEEPALIVED_SHARED)",
        );
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

/// Checks this test's own machinery (lab interfaces, output parsing, comparison) with keepalived on both
/// sides, and against the lines known to be flagged on the samples.
#[test]
fn keepalived_agrees_with_itself_on_samples() {
    let test = "keepalived_agrees_with_itself_on_samples";
    if !prerequisites(test) {
        return;
    }
    let Some(files) = samples(test) else { return };
    let mut lab = config_lab("selfconf");
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
        let a = run_check(Some(&mut lab), KEEPALIVED, f, &[]);
        let b = run_check(Some(&mut lab), KEEPALIVED, f, &[]);
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
    let mut lab = config_lab("conform");
    let bin = ours();
    let mut problems = Vec::new();
    for f in &files {
        let theirs = run_check(Some(&mut lab), KEEPALIVED, f, &[]);
        let ours = run_check(Some(&mut lab), &bin, f, &[]);
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
    let files = conf_files(&dir);
    assert!(!files.is_empty(), "no examples in {}", dir.display());
    let mut lab = config_lab("examples");
    let mut problems = Vec::new();
    for f in &files {
        for bin in [KEEPALIVED, &ours()] {
            let c = run_check(Some(&mut lab), bin, f, &[]);
            if !c.ok {
                problems.push(format!("{}: {bin} -t failed:\n{}", name_of(f), c.output));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
