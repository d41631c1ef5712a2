//! SIGUSR1's /tmp/keepalived.data, read as a user reads it: for the same config, in the same
//! lab, every line ours writes is a line keepalived 2.2.7 writes in the same section, and
//! every line of keepalived's instance, vrrp_script and sync group sections is in ours, but
//! for the keepalived internals we do not have (listed in `NOT_OURS`).
//!
//! r1 runs three instances: V (v2, PASS, in a sync group, a labelled VIP, an IPv6 eVIP), W (v3
//! unicast on a VMAC, nopreempt, no peer answering: MASTER) and X (v3, priority 50, BACKUP
//! under r2's keepalived at 200). W tracks F, a script down by config (init_fail) whose first
//! run, as nobody, outlasts the test: running, as keepalived shows it. A second lab reloads
//! r1 with a new script and compares the VRRP Scripts sections both ways (INIT/RELOAD).
//! Needs root and keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use lab::dump::sections;
use lab::vrrp::{ours, routers_lab, Router, Wiring, MARGIN};
use lab::wait_until;
use std::time::Duration;

const KEEPALIVED: &str = "/usr/sbin/keepalived";
const DATA: &str = "/tmp/keepalived.data";

const R1: &str = concat!(
    "global_defs {
  router_id r1
}
vrrp_script S {
  script \"true ok\"
  interval 1
}
vrrp_script F {
  script \"/bin/sleep 20\"
  interval 30
  timeout 25
  weight 10
  init_fail
  user nobody
}
vrrp_sync_group G {
  group {
    V
  }
  notify_fault \"/bin/true group fault\"
  notify_priority_changes true
}
vrrp_instance V {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    10.7.0.100/24
    10.7.0.102 label eth0:1
  }
  virtual_ipaddress_excluded {
    fd00::5/64
  }
  track_script {
    S
  }
  notify_master \"/bin/true master\"
  notify_backup \"/bin/true backup\" nobody
  notify true
}
vrrp_instance W {
  state BACKUP
  interface eth0
  version 3
  use_vmac
  vmac_xmit_base
  virtual_router_id 52
  priority 100
  advert_int 0.5
  nopreempt
  unicast_src_ip 10.7.0.1
  unicast_peer {
    10.7.0.9
  }
  virtual_ipaddress {
    10.7.0.101/24
  }
  track_script {
    F
  }
}
",
    include_str!("configs/dump/x_backup.conf")
);

const R2: &str = include_str!("configs/dump/x_master.conf");

/// keepalived lines about its own machinery (timers, sockets, process state, kernel details of
/// interfaces we do not read): not written by ours.
const NOT_OURS: &[&str] = &[
    "Number of track scripts init",
    "Last transition",
    "Read timeout",
    "Master down timer",
    "fd_in",
    "Unicast checksum compatibility",
];

/// Whether `l` is a vrrp_script's run state a quick script may show at any moment: each
/// dump may catch S running, so the two need not agree on it.
fn quick_state(l: &str) -> bool {
    ["   State = idle", "   State = running"].contains(&l)
}

/// Starts `bin` on r1, waits until V and W are MASTER and X is BACKUP having heard r2, asks for
/// the data file and returns it.
fn dump(lab: &mut lab::Lab, bin: &str) -> String {
    let mut r = Router::start(lab, "r1", bin, R1);
    let settled = |log: &str| {
        ["(V) Entering MASTER STATE", "(W) Entering MASTER STATE"]
            .iter()
            .all(|l| log.contains(l))
    };
    // V's master-down is the longest: 3 x 1 s plus skew, after a 0.5 s start.
    let ok = wait_until(Duration::from_secs(4) + MARGIN, || settled(&r.log()));
    assert!(ok, "{}: not settled:\n{}", r.name, r.log());
    let _ = std::fs::remove_file(DATA);
    // SAFETY: kill(2) has no memory effects; the lab owns the daemon.
    unsafe {
        libc::kill(r.main_pid(), libc::SIGUSR1);
    }
    let mut text = String::new();
    let ok = wait_until(MARGIN, || {
        text = std::fs::read_to_string(DATA).unwrap_or_default();
        text.contains("------< Interfaces >------")
    });
    assert!(ok, "{}: no data file:\n{text}", r.name);
    r.stop();
    text
}

#[test]
fn data_file_says_what_keepalived_says() {
    let test = "data_file_says_what_keepalived_says";
    if !lab::require_root(test)
        || !lab::require_program(test, &ours())
        || !lab::require_program(test, KEEPALIVED)
    {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    let _peer = Router::start(&mut lab, "r2", KEEPALIVED, R2);
    let theirs = dump(&mut lab, KEEPALIVED);
    let ours_text = dump(&mut lab, &ours());
    let theirs_s = sections(&theirs);
    let ours_s = sections(&ours_text);
    let find = |s: &[(String, Vec<String>)], h: &str| {
        s.iter()
            .find(|(x, _)| x == h)
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    };
    for (head, lines) in &ours_s {
        let k = find(&theirs_s, head);
        assert!(!k.is_empty(), "keepalived has no section {head}:\n{theirs}");
        for l in lines {
            // Interface indexes change as the VMAC is made again for each run.
            if l.starts_with("   index = ") {
                continue;
            }
            if quick_state(l) && k.iter().any(|x| quick_state(x)) {
                continue;
            }
            assert!(
                k.contains(l),
                "ours writes {l:?} in {head}, keepalived does not:\n{theirs}\n--- ours:\n{ours_text}"
            );
        }
    }
    // keepalived's global section has many more lines (SNMP, DBus, process scheduling...).
    for head in [
        "------< VRRP Topology >------",
        "------< VRRP Scripts >------",
        "------< VRRP Sync groups >------",
    ] {
        let o = find(&ours_s, head);
        assert!(!o.is_empty(), "ours has no section {head}:\n{ours_text}");
        for l in find(&theirs_s, head) {
            if NOT_OURS.iter().any(|p| l.trim_start().starts_with(p)) {
                continue;
            }
            if quick_state(&l) {
                assert!(
                    o.iter().any(|x| quick_state(x)),
                    "keepalived writes {l:?} in {head}, ours no such state:\n{ours_text}"
                );
                continue;
            }
            assert!(
                o.contains(&l),
                "keepalived writes {l:?} in {head}, ours does not:\n{ours_text}\n--- keepalived:\n{theirs}"
            );
        }
    }
    // The BACKUP instance says who its master is, in both.
    for l in [
        "   Master router = 10.7.0.2",
        "   Master priority = 200",
        "   Master advert interval = 200 milli-sec",
    ] {
        assert!(ours_text.lines().any(|x| x == l), "no {l:?}:\n{ours_text}");
    }
}

/// Before the reload: V tracks S. After it: V tracks R too, a script new to the daemon whose
/// first run outlasts the test.
const RELOAD_BEFORE: &str = "global_defs {
  router_id r1
}
vrrp_script S {
  script \"true ok\"
  interval 1
}
vrrp_instance V {
  state BACKUP
  interface eth0
  virtual_router_id 61
  priority 150
  advert_int 1
  virtual_ipaddress {
    10.7.0.110/24
  }
  track_script {
    S
  }
}
";

fn reload_after() -> String {
    let r = "vrrp_script R {\n  script \"/bin/sleep 20\"\n  interval 30\n  timeout 25\n  weight 10\n}\n";
    RELOAD_BEFORE
        .replace("vrrp_instance V", &format!("{r}vrrp_instance V"))
        .replace("    S\n", "    S\n    R\n")
}

/// The config file of the router started last (its name carries the start count).
fn newest_config(lab: &lab::Lab) -> std::path::PathBuf {
    let n = |p: &std::path::Path| -> Option<u32> {
        let name = p.file_name()?.to_str()?;
        name.strip_prefix("r1-")?
            .strip_suffix(".conf")?
            .parse()
            .ok()
    };
    let files = std::fs::read_dir(lab.dir()).unwrap_or_else(|e| panic!("{:?}: {e}", lab.dir()));
    files
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| n(p).is_some())
        .max_by_key(|p| n(p))
        .unwrap_or_else(|| panic!("no r1 config in {:?}", lab.dir()))
}

/// Starts `bin` on r1 with [`RELOAD_BEFORE`], reloads it with R added once S has succeeded
/// and returns the data file's VRRP Scripts section once it shows R running.
fn reload_dump(lab: &mut lab::Lab, bin: &str) -> Vec<String> {
    let mut r = Router::start(lab, "r1", bin, RELOAD_BEFORE);
    let ok = wait_until(MARGIN, || r.log().contains("VRRP_Script(S) succeeded"));
    assert!(ok, "{}: S did not succeed:\n{}", r.name, r.log());
    let conf = newest_config(lab);
    std::fs::write(&conf, reload_after()).unwrap_or_else(|e| panic!("{conf:?}: {e}"));
    // SAFETY: kill(2) has no memory effects; the lab owns the daemon.
    unsafe {
        libc::kill(r.main_pid(), libc::SIGHUP);
    }
    let mut text = String::new();
    let ok = wait_until(MARGIN * 2, || {
        let _ = std::fs::remove_file(DATA);
        // SAFETY: as above.
        unsafe {
            libc::kill(r.main_pid(), libc::SIGUSR1);
        }
        let written = wait_until(MARGIN, || {
            text = std::fs::read_to_string(DATA).unwrap_or_default();
            text.contains("------< Interfaces >------")
        });
        // R is the last script: its lines run to the next section.
        let r_block = text.split(" VRRP Script = R\n").nth(1);
        let r_block = r_block.and_then(|t| t.split("------<").next());
        written && r_block.is_some_and(|b| b.contains("   State = running\n"))
    });
    assert!(
        ok,
        "{}: R never running in the data file:\n{text}\n{}",
        r.name,
        r.log()
    );
    r.stop();
    let scripts = sections(&text)
        .into_iter()
        .find(|(h, _)| h == "------< VRRP Scripts >------");
    scripts.map(|x| x.1).unwrap_or_default()
}

#[test]
fn a_script_a_reload_brings_shows_init_reload() {
    let test = "a_script_a_reload_brings_shows_init_reload";
    if !lab::require_root(test)
        || !lab::require_program(test, &ours())
        || !lab::require_program(test, KEEPALIVED)
    {
        return;
    }
    let mut lab = routers_lab(test, 1, Wiring::Switch);
    let theirs = reload_dump(&mut lab, KEEPALIVED);
    let ours_lines = reload_dump(&mut lab, &ours());
    // R has not finished a run: keepalived's INIT_RELOAD; S kept its standing.
    for l in ["   Init state = INIT/RELOAD", "   Init state = unknown"] {
        assert!(
            theirs.iter().any(|x| x == l),
            "keepalived: no {l:?}: {theirs:#?}"
        );
    }
    // The lines of `a` not in `b` (S's idle or running against either).
    let differ = |a: &[String], b: &[String]| -> Vec<String> {
        let quick = |x: &String| quick_state(x);
        let shared = |l: &&String| b.contains(l) || (quick_state(l) && b.iter().any(quick));
        a.iter().filter(|l| !shared(l)).cloned().collect()
    };
    assert_eq!(
        differ(&theirs, &ours_lines),
        Vec::<String>::new(),
        "keepalived only"
    );
    assert_eq!(
        differ(&ours_lines, &theirs),
        Vec::<String>::new(),
        "ours only"
    );
}
