//! Test data that stays outside the repository: keepalived's sample configs and captures of its
//! traffic in the shared directory beside the checkout. Only unit tests use this module.

pub mod pcap;

use std::path::{Path, PathBuf};

/// `<shared>/<sub>`, where the shared directory is `$KEEPALIVED_SHARED`, else `../shared` beside
/// the crate (or two levels up, from a git worktree). When it is absent a test says SKIPPED and
/// gets None, except in CI (CI=true), where the data is part of the job and absence is a failure.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = match std::env::var_os("KEEPALIVED_SHARED") {
        Some(d) => vec![PathBuf::from(d)],
        None => vec![here.join("../shared"), here.join("../../shared")],
    };
    if let Some(dir) = candidates.iter().map(|d| d.join(sub)).find(|d| d.exists()) {
        return Some(dir);
    }
    let msg = format!("shared test data {sub} not found (set KEEPALIVED_SHARED)");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    // Past the harness's output capture, so a skip is seen even when the test passes.
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("SKIPPED: {msg}\n").as_bytes());
    None
}

/// keepalived's doc/samples (`keepalived.conf.*`), sorted; None (SKIPPED) without them.
pub fn samples() -> Option<Vec<PathBuf>> {
    let dir = shared("keepalived-samples")?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with("keepalived.conf"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no samples in {}", dir.display());
    Some(files)
}
