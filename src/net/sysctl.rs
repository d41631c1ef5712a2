//! Interface sysctls under /proc/sys/net, with the old values remembered so that what the
//! daemon changed is put back on exit (keepalived does this for VMAC parents and rp_filter).
//! Writes to /proc are immediate, so these small file writes are fine in the loop.

use std::io;
use std::path::PathBuf;

/// `/proc/sys/net/<family>/conf/<ifname>/<key>`; `ifname` may be `all` or `default`.
pub(crate) fn conf_path(family: &str, ifname: &str, key: &str) -> PathBuf {
    // A dot in an interface name is a slash in the sysctl name but stays a dot in /proc.
    PathBuf::from(format!("/proc/sys/net/{family}/conf/{ifname}/{key}"))
}

pub(crate) fn read(path: &PathBuf) -> io::Result<String> {
    Ok(std::fs::read_to_string(path)?.trim().to_string())
}

pub(crate) fn write(path: &PathBuf, value: &str) -> io::Result<()> {
    std::fs::write(path, value)
}

/// Values changed, with what they were, in the order they were changed.
#[derive(Debug, Default)]
pub(crate) struct Saved {
    entries: Vec<(PathBuf, String)>,
}

impl Saved {
    /// Sets `path` to `value`, remembering the first old value seen for the path. Nothing is
    /// written (or remembered) when it already holds `value`.
    pub(crate) fn set(&mut self, path: PathBuf, value: &str) -> io::Result<()> {
        let old = read(&path)?;
        if old == value {
            return Ok(());
        }
        write(&path, value)?;
        if !self.entries.iter().any(|(p, _)| *p == path) {
            self.entries.push((path, old));
        }
        Ok(())
    }

    /// Puts back every value changed under `prefix` (an interface's conf directory), newest
    /// first, and forgets them. Paths that went away (a deleted interface) are skipped.
    #[cfg(test)]
    fn restore_under(&mut self, prefix: &std::path::Path) {
        let mut i = self.entries.len();
        while i > 0 {
            i -= 1;
            if self.entries[i].0.starts_with(prefix) {
                let (p, v) = self.entries.remove(i);
                let _ = write(&p, &v);
            }
        }
    }

    /// Puts every value back, newest first.
    pub(crate) fn restore_all(&mut self) {
        while let Some((p, v)) = self.entries.pop() {
            let _ = write(&p, &v);
        }
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restores_the_first_old_value_newest_first() {
        let dir = std::env::temp_dir().join(format!("sysctl-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        let (p1, p2) = (dir.join("a/x"), dir.join("y"));
        std::fs::write(&p1, "0\n").unwrap();
        std::fs::write(&p2, "2\n").unwrap();
        let mut s = Saved::default();
        s.set(p1.clone(), "1").unwrap();
        s.set(p1.clone(), "3").unwrap();
        s.set(p2.clone(), "2").unwrap();
        assert_eq!(read(&p1).unwrap(), "3");
        s.restore_under(&dir.join("a"));
        assert_eq!(read(&p1).unwrap(), "0");
        assert!(s.is_empty(), "an unchanged value is not remembered");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
