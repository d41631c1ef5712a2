//! What every target shares: its scratch directory, where it writes the files the harness
//! reads (the runner points TMPDIR at a directory it removes afterwards).

use std::path::PathBuf;
use std::sync::OnceLock;

/// `$TMPDIR/keepalived-fuzz-PID`, made on first use.
pub fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("keepalived-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch directory");
        d
    })
}

/// Writes `bytes` to `name` in the scratch directory; its path.
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir().join(name);
    std::fs::write(&p, bytes).expect("scratch file");
    p
}
