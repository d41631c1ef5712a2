use super::*;
use std::fs;
use std::io::Read;
use std::os::unix::fs::symlink;

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ka-safefile-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("test dir");
    d
}

fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(d)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode_of(p: &Path) -> u32 {
    fs::symlink_metadata(p).expect("stat").mode() & 0o7777
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// This process's umask, read without changing it (other tests run beside us).
fn umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").expect("status");
    let line = status.lines().find(|l| l.starts_with("Umask:"));
    let word = line
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("Umask line");
    u32::from_str_radix(word, 8).expect("octal umask")
}

#[test]
fn dumps_go_to_an_absolute_tmpdir_else_to_tmp() {
    let dir = |v: Option<&str>| tmp_dir(v.map(Into::into));
    assert_eq!(dir(None), Path::new("/tmp"));
    assert_eq!(dir(Some("")), Path::new("/tmp"));
    assert_eq!(dir(Some("var/tmp")), Path::new("/tmp"));
    assert_eq!(dir(Some("/run/ka")), Path::new("/run/ka"));
    assert_eq!(
        tmp_dir(Some("/run/ka/".into())).join("keepalived.data"),
        Path::new("/run/ka/keepalived.data")
    );
}

#[test]
fn a_new_file_gets_the_content_and_no_temporary_file_is_left() {
    let d = dir("new");
    let p = d.join("keepalived.data");
    replace(&p, b"one\n", Mode::Exact(0o600)).expect("replace");
    replace(&p, b"two\n", Mode::Exact(0o600)).expect("replace again");
    assert_eq!(fs::read_to_string(&p).expect("read"), "two\n");
    assert_eq!(mode_of(&p), 0o600);
    assert_eq!(names(&d), ["keepalived.data"]);
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_planted_symlink_is_replaced_and_its_target_left_alone() {
    let d = dir("symlink");
    let victim = d.join("victim");
    fs::write(&victim, "precious\n").expect("victim");
    let p = d.join("keepalived.stats");
    symlink(&victim, &p).expect("symlink");
    replace(&p, b"stats\n", Mode::Exact(0o600)).expect("replace");
    assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious\n");
    let m = fs::symlink_metadata(&p).expect("stat");
    assert!(m.file_type().is_file(), "still a link: {m:?}");
    assert_eq!(fs::read_to_string(&p).expect("read"), "stats\n");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_hard_link_is_replaced_and_the_other_name_keeps_its_content() {
    let d = dir("hardlink");
    let victim = d.join("victim");
    fs::write(&victim, "precious\n").expect("victim");
    let p = d.join("keepalived.data");
    fs::hard_link(&victim, &p).expect("link");
    replace(&p, b"dump\n", Mode::Exact(0o600)).expect("replace");
    assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious\n");
    assert_eq!(fs::metadata(&victim).expect("stat").nlink(), 1);
    assert_eq!(fs::read_to_string(&p).expect("read"), "dump\n");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn whoever_held_the_old_file_open_never_reads_the_new_content() {
    let d = dir("reader");
    let p = d.join("keepalived.data");
    fs::write(&p, "old\n").expect("old");
    let mut reader = File::open(&p).expect("open");
    replace(&p, b"auth_pass secret\n", Mode::Exact(0o600)).expect("replace");
    let mut seen = String::new();
    reader.read_to_string(&mut seen).expect("read");
    assert_eq!(seen, "old\n");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_file_another_user_owns_is_replaced_by_one_of_ours() {
    if !is_root() {
        // Making a file of another user needs root; the lab (tests/safe_files.rs) runs as root.
        return;
    }
    let d = dir("foreign");
    let p = d.join("keepalived_check.data");
    fs::write(&p, "theirs\n").expect("plant");
    std::os::unix::fs::chown(&p, Some(65534), Some(65534)).expect("chown");
    fs::set_permissions(&p, Permissions::from_mode(0o666)).expect("chmod");
    let mut theirs = File::open(&p).expect("open");
    replace(&p, b"ours\n", Mode::Exact(0o600)).expect("replace");
    let m = fs::symlink_metadata(&p).expect("stat");
    assert_eq!((m.uid(), m.mode() & 0o7777), (0, 0o600));
    let mut seen = String::new();
    theirs.read_to_string(&mut seen).expect("read");
    assert_eq!(seen, "theirs\n");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_directory_in_the_way_is_an_error_and_leaves_nothing_behind() {
    let d = dir("dir");
    let p = d.join("keepalived.data");
    fs::create_dir(&p).expect("mkdir");
    let r = replace(&p, b"x", Mode::Exact(0o600));
    assert!(matches!(r, Err(SafeFileError::Rename(..))), "{r:?}");
    assert!(fs::metadata(&p).expect("stat").is_dir());
    assert_eq!(names(&d), ["keepalived.data"]);
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_directory_nobody_may_write_is_an_error() {
    let d = dir("readonly");
    // Root writes through a mode 0555 directory; procfs refuses new files even to root.
    let p = if is_root() {
        PathBuf::from("/proc/self/keepalived.data")
    } else {
        fs::set_permissions(&d, Permissions::from_mode(0o555)).expect("chmod");
        d.join("keepalived.data")
    };
    let r = replace(&p, b"x", Mode::Exact(0o600));
    assert!(matches!(r, Err(SafeFileError::Create(..))), "{r:?}");
    assert!(fs::symlink_metadata(&p).is_err());
    let _ = fs::set_permissions(&d, Permissions::from_mode(0o755));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_path_without_a_file_name_is_refused() {
    let r = replace(Path::new("/"), b"x", Mode::Exact(0o600));
    assert!(matches!(r, Err(SafeFileError::NoName)), "{r:?}");
}

#[test]
fn an_exact_mode_ignores_the_umask_and_an_umask_mode_follows_it() {
    let d = dir("modes");
    let pid = d.join("keepalived.pid");
    replace(&pid, b"1\n", Mode::Exact(0o644)).expect("pid");
    assert_eq!(mode_of(&pid), 0o644);
    let data = d.join("keepalived.data");
    replace(&data, b"x", Mode::Umask(0o666)).expect("data");
    assert_eq!(mode_of(&data), 0o666 & !umask());
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn appending_keeps_the_lines_of_our_own_file() {
    let d = dir("append");
    let p = d.join("keepalived.log");
    writeln!(open_append(&p, Mode::Umask(0o666)).expect("open"), "one").expect("w");
    writeln!(open_append(&p, Mode::Umask(0o666)).expect("open"), "two").expect("w");
    assert_eq!(fs::read_to_string(&p).expect("read"), "one\ntwo\n");
    assert_eq!(names(&d), ["keepalived.log"]);
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn appending_never_writes_through_a_symlink_or_a_hard_link() {
    let d = dir("append-links");
    let victim = d.join("victim");
    fs::write(&victim, "precious\n").expect("victim");
    let soft = d.join("keepalived.log");
    symlink(&victim, &soft).expect("symlink");
    let hard = d.join("keepalived_vrrp.log");
    fs::hard_link(&victim, &hard).expect("link");
    for p in [&soft, &hard] {
        writeln!(open_append(p, Mode::Umask(0o666)).expect("open"), "line").expect("w");
        assert!(fs::symlink_metadata(p).expect("stat").file_type().is_file());
        assert_eq!(fs::read_to_string(p).expect("read"), "line\n");
    }
    assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious\n");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn appending_replaces_a_file_another_user_owns() {
    if !is_root() {
        return;
    }
    let d = dir("append-foreign");
    let p = d.join("keepalived.log");
    fs::write(&p, "theirs\n").expect("plant");
    std::os::unix::fs::chown(&p, Some(65534), Some(65534)).expect("chown");
    writeln!(open_append(&p, Mode::Exact(0o600)).expect("open"), "ours").expect("w");
    let m = fs::symlink_metadata(&p).expect("stat");
    assert_eq!((m.uid(), m.mode() & 0o7777), (0, 0o600));
    assert_eq!(fs::read_to_string(&p).expect("read"), "ours\n");
    let _ = fs::remove_dir_all(&d);
}
