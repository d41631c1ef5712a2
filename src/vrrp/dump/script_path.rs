//! The program path keepalived shows for a script: when it loads the config it replaces a
//! bare name by the file found in PATH and a path by its real path, keeping the name given
//! when that names the same file (a busybox applet stays `/bin/true`, not `/bin/busybox`).
//! The same resolution as `core::script_security::check_script`, without its checks and log
//! lines, which belong to loading the config, not to each status dump.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What keepalived would show for program `prog`; None when it would have dropped the
/// script for want of the file.
pub(super) fn shown(prog: &str) -> Option<String> {
    let given = if prog.contains('/') {
        PathBuf::from(prog)
    } else {
        let path =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
        std::env::split_paths(&path)
            .map(|d| d.join(prog))
            .find(|p| p.is_file())?
    };
    let real = std::fs::canonicalize(&given).ok()?;
    let same_name = real.with_file_name(given.file_name()?);
    let keep_name = real.file_name() != given.file_name() && same_file(&real, &same_name);
    let p = if keep_name { same_name } else { real };
    Some(p.to_string_lossy().into_owned())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn a_bare_name_is_found_in_path_and_links_are_followed() {
        let dir = std::env::temp_dir().join(format!("ka-script-path-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).expect("temp dir");
        let target = dir.join("bin/multi");
        std::fs::write(&target, "").expect("file");
        std::os::unix::fs::symlink("multi", dir.join("bin/applet")).expect("link");
        std::os::unix::fs::symlink("bin/multi", dir.join("other")).expect("link");
        let real = std::fs::canonicalize(&target).expect("real");
        let real_dir = real.parent().expect("dir").to_string_lossy().into_owned();
        // A link beside its target keeps the name it was given (busybox applets).
        let applet = dir.join("bin/applet");
        assert_eq!(
            shown(&applet.to_string_lossy()),
            Some(format!("{real_dir}/applet"))
        );
        // Elsewhere it shows the file it leads to.
        let other = dir.join("other");
        assert_eq!(
            shown(&other.to_string_lossy()),
            Some(real.to_string_lossy().into_owned())
        );
        assert_eq!(shown(&dir.join("none").to_string_lossy()), None);
        assert!(shown("sh").is_some_and(|p| p.starts_with('/')));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
