//! Files the daemon writes as root where a local user can write too, attacked as that user
//! would: a symlink to a victim file, or a file of their own (mode 0666, held open), planted at
//! the name of every signal dump (keepalived.data, keepalived.stats, keepalived_check.data)
//! and of the pidfiles, all in a world-writable sticky directory like /tmp (the daemon's
//! `$TMPDIR`, which keepalived's dumps follow too), the VRRP child's pidfile just before a
//! respawn rewrites it. Each time the victim keeps its content, the planted file is replaced
//! rather than written through, and the name ends up a regular file of root's with
//! keepalived's mode: 0600 for the dumps (0666 under its default umask 0177), 0644 for
//! pidfiles. keepalived 2.2.7 replaces its dumps the same way (fopen_safe); its pidfiles it
//! truncates in place, which ours does not. Root only (SKIPPED otherwise; a failure under
//! CI=true).

mod lab;

use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lab::vrrp::{ours, MARGIN};
use lab::{wait_until, Lab, Spawned};

/// The local user planting files: nobody.
const USER: u32 = 65534;
const NS: &str = "sf";
const RS: &str = "[127.0.0.1]:tcp:18091";

/// A lone MASTER with a password to leak, and a checker on a port nobody listens on.
const CONF: &str = "vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    10.9.0.100/24
  }
}
virtual_server 127.0.0.1 80 {
  protocol TCP
  delay_loop 1
  real_server 127.0.0.1 18091 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
}
";

/// The dumps, each with a line only the real dump has.
const DUMPS: [(&str, &str); 3] = [
    ("keepalived.data", "   Password = s3cret"),
    ("keepalived.stats", "VRRP Instance: VI_1"),
    ("keepalived_check.data", "------< Health checkers >------"),
];
const ENV: &str = "/usr/bin/env";

/// What the user leaves at a name root will write.
#[derive(Clone, Copy, Debug)]
enum Plant {
    /// A symlink (theirs) to a file they want root to overwrite.
    Symlink,
    /// A file of theirs, mode 0666, that they keep open to read what root writes into it.
    OwnFile,
}

struct Planted {
    kind: Plant,
    name: PathBuf,
    victim: PathBuf,
    held: Option<File>,
}

const VICTIM_TEXT: &str = "the victim's own content\n";
const PLANTED_TEXT: &str = "planted\n";

fn plant(kind: Plant, name: &Path, victims: &Path) -> Planted {
    let base = name.file_name().map(|n| n.to_string_lossy().into_owned());
    let victim = victims.join(base.unwrap_or_default());
    fs::write(&victim, VICTIM_TEXT).expect("victim");
    let _ = fs::remove_file(name);
    let mut held = None;
    match kind {
        Plant::Symlink => {
            std::os::unix::fs::symlink(&victim, name).expect("symlink");
            std::os::unix::fs::lchown(name, Some(USER), Some(USER)).expect("lchown");
        }
        Plant::OwnFile => {
            fs::write(name, PLANTED_TEXT).expect("plant");
            std::os::unix::fs::chown(name, Some(USER), Some(USER)).expect("chown");
            fs::set_permissions(name, fs::Permissions::from_mode(0o666)).expect("chmod");
            held = Some(File::open(name).expect("hold open"));
        }
    }
    Planted {
        kind,
        name: name.to_path_buf(),
        victim,
        held,
    }
}

impl Planted {
    /// Waits (up to `deadline`) for root's own file at the name, checks it and that neither
    /// the victim nor the planted file took a byte; returns the new file's text.
    fn assert_replaced(&mut self, mode: u32, deadline: Duration, k: &Spawned) -> String {
        let name = &self.name;
        let roots = || fs::symlink_metadata(name).is_ok_and(|m| m.is_file() && m.uid() == 0);
        let what = format!("{} planted as {:?}", name.display(), self.kind);
        assert!(
            wait_until(deadline, roots),
            "{what}: never replaced by a file of root's: {:?}\n--- log:\n{}",
            fs::symlink_metadata(name),
            k.log()
        );
        let m = fs::symlink_metadata(name).expect("stat");
        assert_eq!(m.mode() & 0o7777, mode, "{what}: mode {:o}", m.mode());
        let victim = fs::read_to_string(&self.victim).unwrap_or_default();
        assert_eq!(
            victim, VICTIM_TEXT,
            "{what}: the symlink's target was written"
        );
        if let Some(f) = &mut self.held {
            let mut seen = String::new();
            f.read_to_string(&mut seen).expect("read the held file");
            assert_eq!(
                seen, PLANTED_TEXT,
                "{what}: written through the user's file"
            );
            let hm = f.metadata().expect("fstat");
            assert_eq!((hm.uid(), hm.mode() & 0o7777), (USER, 0o666), "{what}");
        }
        fs::read_to_string(name).expect("read the new file")
    }
}

fn read_pid(p: &Path) -> Option<i32> {
    fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn planted_files_are_replaced_never_written_through(test: &str, kind: Plant) {
    if !lab::require_root(test)
        || !lab::require_program(test, &ours())
        || !lab::require_program(test, ENV)
    {
        return;
    }
    let mut lab = Lab::new(test);
    lab.stub_link(NS, "eth0", "eth9");
    lab.addr(NS, "eth0", "10.9.0.1/24");
    let victims = lab.dir().join("victims");
    let shared = lab.dir().join("shared");
    for d in [&victims, &shared] {
        fs::create_dir(d).expect("mkdir");
    }
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).expect("chmod 1777");
    let pidfile = |n: &str| shared.join(n);
    let (main_pid, vrrp_pid, check_pid) = (
        pidfile("main.pid"),
        pidfile("vrrp.pid"),
        pidfile("check.pid"),
    );
    let mut at_start: Vec<Planted> = [&main_pid, &check_pid]
        .iter()
        .map(|p| plant(kind, p, &victims))
        .collect();

    let conf = lab.write_file("keepalived.conf", CONF);
    let paths = [&conf, &main_pid, &vrrp_pid, &check_pid].map(|p| p.display().to_string());
    let tmpdir = format!("TMPDIR={}", shared.display());
    let mut k = lab.spawn(
        NS,
        &[
            ENV,
            &tmpdir,
            &ours(),
            "-n",
            "-l",
            "-D",
            "--without-ipvs",
            "-f",
            &paths[0],
            "-p",
            &paths[1],
            "-r",
            &paths[2],
            "-c",
            &paths[3],
        ],
    );
    // Master-down (3 x 1 s plus skew) and the first check (delay_loop 1 s, warmup 0).
    let ready = wait_until(Duration::from_secs(4) + MARGIN, || {
        let log = k.log();
        log.contains("(VI_1) Entering MASTER STATE")
            && log.contains(&format!("TCP_CHECK on service {RS} failed."))
    });
    assert!(ready, "not ready:\n{}", k.log());
    for p in &mut at_start {
        p.assert_replaced(0o644, MARGIN, &k);
    }

    let mut dumps: Vec<(Planted, &str)> = DUMPS
        .iter()
        .map(|(name, line)| (plant(kind, &shared.join(name), &victims), *line))
        .collect();
    k.signal(libc::SIGUSR1);
    k.signal(libc::SIGUSR2);
    for (p, line) in &mut dumps {
        let text = p.assert_replaced(0o600, MARGIN, &k);
        assert!(
            text.lines().any(|l| l == *line),
            "{}: no {line:?} in:\n{text}",
            p.name.display()
        );
    }

    // A respawned child writes its pidfile again, long after the parent's start checks.
    let old = read_pid(&vrrp_pid).expect("VRRP child's pidfile");
    let mut pidfile = plant(kind, &vrrp_pid, &victims);
    // SAFETY: kill(2) has no memory effects; the pid is the daemon's VRRP child.
    unsafe {
        libc::kill(old, libc::SIGKILL);
    }
    // keepalived respawns a child at once the first time.
    let text = pidfile.assert_replaced(0o644, MARGIN + MARGIN, &k);
    let new: i32 = text.trim().parse().unwrap_or(0);
    assert!(
        new > 0 && new != old,
        "pidfile says {text:?}, old child {old}"
    );

    k.signal(libc::SIGTERM);
    assert!(
        k.wait_timeout(Duration::from_secs(10)).is_some(),
        "ignored SIGTERM:\n{}",
        k.log()
    );
}

#[test]
fn a_symlink_planted_at_a_dump_or_pidfile_is_replaced_and_its_target_untouched() {
    planted_files_are_replaced_never_written_through(
        "a_symlink_planted_at_a_dump_or_pidfile_is_replaced_and_its_target_untouched",
        Plant::Symlink,
    );
}

#[test]
fn a_users_own_file_at_a_dump_or_pidfile_is_replaced_not_written_through() {
    planted_files_are_replaced_never_written_through(
        "a_users_own_file_at_a_dump_or_pidfile_is_replaced_not_written_through",
        Plant::OwnFile,
    );
}
