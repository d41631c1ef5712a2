//! The program path keepalived shows for a script (JSON dump, SNMP): the one it resolved when
//! it loaded the config ([`super::check_script`]), found again without its checks and log
//! lines, which belong to loading the config, not to each status read.

use super::{find_in_path, run_path};

/// What keepalived would show for program `prog`; None when it would have dropped the
/// script for want of the file.
pub(crate) fn shown(prog: &str) -> Option<String> {
    if prog.contains('/') {
        return run_path(prog).ok().map(|(p, _)| p);
    }
    let found = find_in_path(prog)?;
    run_path(&found.to_string_lossy()).ok().map(|(p, _)| p)
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
