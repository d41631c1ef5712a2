//! What a test needs before it can run (root, programs, shared data) and how a missing need is reported:
//! `SKIPPED` on a developer's machine, a failure under CI.

use std::path::{Path, PathBuf};

/// True when running under CI, where a missing prerequisite is a failure, not a skip.
pub fn in_ci() -> bool {
    matches!(
        std::env::var("CI").as_deref(),
        Ok("true") | Ok("1") | Ok("yes")
    )
}

/// Reports a skipped test loudly; in CI a skip is a failure, so this panics there.
pub fn skip(test: &str, why: &str) {
    if in_ci() {
        panic!("{test}: {why} (CI=true: tests must not skip)");
    }
    skipped(test, why);
}

/// Prints `SKIPPED: test why` past the test harness's output capture, so a skip is seen even when
/// the test passes.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    // One write, so the line is not split by the harness's own output from other threads.
    let _ = std::io::stderr().write_all(format!("SKIPPED: {test} {why}\n").as_bytes());
}

/// False (after saying SKIPPED) when not root; panics under CI, where every lab must run.
pub fn require_root(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    skip(test, "needs root");
    false
}

/// False (after saying SKIPPED, or panicking in CI) when `path` is not an executable file.
pub fn require_program(test: &str, path: &str) -> bool {
    if Path::new(path).is_file() {
        return true;
    }
    skip(test, &format!("needs {path}"));
    false
}

/// The shared test data directory (keepalived's samples, captures): `$KEEPALIVED_SHARED`, else
/// `../shared` beside the crate. The data is not part of the repository: outside CI its absence
/// is a skip (the caller reports it with [`skipped`]); CI has it, so there it is a failure.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("KEEPALIVED_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared"),
    };
    if !dir.is_dir() && in_ci() {
        panic!("shared test data not found at {} (CI=true)", dir.display());
    }
    dir.is_dir().then_some(dir)
}
