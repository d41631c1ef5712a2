//! The JSON status file (`kill -s $(keepalived --signum=JSON)`, /tmp/keepalived.json), read
//! as OpenWrt's LuCI reads it: for the same config, in the same lab, ours and keepalived
//! 2.2.7 write the same keys in the same order, the same configuration values in the same
//! number formats, and agree on state, VRID and priorities. The file is complete as soon as
//! it exists (it is renamed into place), and the time from signal to complete file is
//! printed for both. `json_version 2` and `json_dump_file` (keepalived 2.2.8+) are ours only.
//!
//! r1 runs V (v2, PASS, VIPs, an eVIP, routes, a rule, track_interface on a second link, a
//! track_script found by PATH search, notify scripts: MASTER) and X (v3, priority 50, BACKUP under r2's
//! keepalived at 200). Needs root and keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use lab::json::{parse, Value};
use lab::vrrp::{ours, routers_lab, Router, Wiring, MARGIN};
use lab::wait_until;
use std::time::{Duration, Instant};

const KEEPALIVED: &str = "/usr/sbin/keepalived";
const JSON: &str = "/tmp/keepalived.json";

/// V: the instance src/vrrp/dump/json_tests.rs words byte for byte (with its tracking put in
/// here); X, the BACKUP under r2.
const V: &str = include_str!("configs/dump/v.conf");
const X_BACKUP: &str = include_str!("configs/dump/x_backup.conf");
const R2: &str = include_str!("configs/dump/x_master.conf");

/// r1's config: V tracking eth0, eth1 and script chk, and X.
fn r1() -> String {
    let track = "  track_interface {\n    eth0\n    eth1 weight 5\n  }\n  \
                 track_script {\n    chk\n  }\n  notify_master";
    let v = V.replacen("  notify_master", track, 1);
    format!("global_defs {{\n  router_id r1\n}}\n{v}{X_BACKUP}")
}

/// keepalived's SIGJSON.
fn sigjson() -> i32 {
    libc::SIGRTMIN() + 2
}

/// Signals `r` and waits for `path` to hold a whole document: how long that took, and the
/// document.
fn ask(r: &Router, path: &str) -> (Duration, Value) {
    let _ = std::fs::remove_file(path);
    let t0 = Instant::now();
    // SAFETY: kill(2) has no memory effects; the lab owns the daemon.
    unsafe {
        libc::kill(r.main_pid(), sigjson());
    }
    let mut doc = None;
    let mut took = Duration::ZERO;
    let deadline = t0 + MARGIN;
    // Polled more often than wait_until's 20 ms: this is the figure being measured.
    while Instant::now() < deadline {
        if let Ok(t) = std::fs::read_to_string(path) {
            if let Ok(v) = parse(&t) {
                took = t0.elapsed();
                doc = Some(v);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let doc = doc.unwrap_or_else(|| panic!("{}: no complete {path}:\n{}", r.name, r.log()));
    (took, doc)
}

/// Starts `bin` as r1, waits until V is MASTER with its script up and X is BACKUP, asks for
/// the file five times; returns the last document and the times.
fn status(lab: &mut lab::Lab, bin: &str, config: &str, path: &str) -> (Value, Vec<Duration>) {
    let mut r = Router::start(lab, "r1", bin, config);
    let settled = |log: &str| {
        log.contains("(V) Entering MASTER STATE")
            && log.contains("(X) Entering BACKUP STATE")
            && log.contains("VRRP_Script(chk) succeeded")
    };
    // V's master-down is the longest: 3 x 1 s plus skew, after a 0.5 s start.
    let ok = wait_until(Duration::from_secs(4) + MARGIN, || settled(&r.log()));
    assert!(ok, "{}: not settled:\n{}", r.name, r.log());
    // Its priority rises with the script's weight from the next advert on.
    std::thread::sleep(Duration::from_millis(1100));
    let mut times = Vec::new();
    let mut doc = Value::Null;
    for _ in 0..5 {
        let (t, d) = ask(&r, path);
        times.push(t);
        doc = d;
    }
    r.stop();
    (doc, times)
}

fn summary(times: &[Duration]) -> String {
    let mut t = times.to_vec();
    t.sort();
    format!("median {:?}, max {:?}", t[t.len() / 2], t[t.len() - 1])
}

fn instance<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.items()
        .iter()
        .find(|i| i.get("data").and_then(|d| d.get("iname")) == Some(&Value::Str(name.into())))
        .unwrap_or_else(|| panic!("no instance {name} in {doc:?}"))
}

#[test]
fn json_file_says_what_keepalived_says() {
    let test = "json_file_says_what_keepalived_says";
    if !lab::require_root(test)
        || !lab::require_program(test, &ours())
        || !lab::require_program(test, KEEPALIVED)
    {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    lab.stub_link("r1", "eth1", "eth1p");
    let _peer = Router::start(&mut lab, "r2", KEEPALIVED, R2);
    let (theirs, their_times) = status(&mut lab, KEEPALIVED, &r1(), JSON);
    let (ours_doc, our_times) = status(&mut lab, &ours(), &r1(), JSON);
    println!(
        "signal -> complete {JSON}: keepalived {}, ours {}",
        summary(&their_times),
        summary(&our_times)
    );
    let names = |d: &Value| -> Vec<Value> {
        d.items()
            .iter()
            .filter_map(|i| i.get("data")?.get("iname").cloned())
            .collect()
    };
    assert_eq!(names(&ours_doc), names(&theirs), "instances, in order");
    for name in ["V", "X"] {
        let (o, k) = (instance(&ours_doc, name), instance(&theirs, name));
        assert_eq!(o.keys(), k.keys(), "{name}'s keys");
        let (od, kd) = (&o.get("data").unwrap(), &k.get("data").unwrap());
        let (os, ks) = (&o.get("stats").unwrap(), &k.get("stats").unwrap());
        assert_eq!(od.keys(), kd.keys(), "{name}'s data keys, in order");
        assert_eq!(os.keys(), ks.keys(), "{name}'s stats keys, in order");
        for key in kd.keys() {
            let (a, b) = (od.get(key).unwrap(), kd.get(key).unwrap());
            if key == "last_transition" {
                // Seconds since the epoch with microseconds, as keepalived's %f.
                let six = |v: &Value| matches!(v, Value::Num(t) if t.split_once('.').is_some_and(|(_, f)| f.len() == 6));
                assert!(
                    six(a) && six(b),
                    "{name}.last_transition: ours {a:?}, keepalived {b:?}"
                );
                continue;
            }
            assert_eq!(a, b, "{name}.data.{key}: ours, then keepalived's");
        }
        // Counters that depend on timing are only checked to be counters.
        for key in [
            "become_master",
            "release_master",
            "pri_zero_sent",
            "pri_zero_rcvd",
        ] {
            assert_eq!(os.get(key), ks.get(key), "{name}.stats.{key}");
        }
        for key in os.keys() {
            assert!(
                matches!(os.get(key), Some(Value::Num(_))),
                "{name}.stats.{key}"
            );
        }
    }
    // What a user reads off V and X, spelled out (both files agree, checked above).
    let v = instance(&ours_doc, "V").get("data").unwrap();
    for (key, want) in [
        ("state", Value::Num("2".into())),
        ("effective_priority", Value::Num("165".into())),
        ("master_priority", Value::Num("0".into())),
        ("adver_int", Value::Num("1".into())),
    ] {
        assert_eq!(v.get(key), Some(&want), "V.{key}");
    }
    let vips = v.get("vips").map(Value::items).unwrap_or_default();
    assert_eq!(
        vips.first(),
        Some(&Value::Str(
            "10.7.0.100/24 dev eth0 scope global set".into()
        ))
    );
    let ifs = v.get("track_ifp").map(Value::items).unwrap_or_default();
    assert!(ifs.contains(&Value::Str("eth1".into())), "{ifs:?}");
    let scripts = v.get("track_script").map(Value::items).unwrap_or_default();
    assert_eq!(scripts, [Value::Str("'/usr/bin/true'".into())]);
    let x = instance(&ours_doc, "X").get("data").unwrap();
    assert_eq!(x.get("state"), Some(&Value::Num("1".into())));
    assert_eq!(x.get("master_priority"), Some(&Value::Num("200".into())));
    assert_eq!(x.get("master_adver_int"), Some(&Value::Num("0.2".into())));
}

#[test]
fn json_version_2_goes_where_json_dump_file_says() {
    let test = "json_version_2_goes_where_json_dump_file_says";
    if !lab::require_root(test) || !lab::require_program(test, &ours()) {
        return;
    }
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    lab.stub_link("r1", "eth1", "eth1p");
    let path = lab.dir().join("status.json");
    let path = path.to_string_lossy().into_owned();
    let config = r1().replace(
        "  router_id r1\n",
        &format!("  router_id r1\n  json_version 2\n  json_dump_file {path}\n"),
    );
    let _peer = Router::start(&mut lab, "r2", &ours(), R2);
    let _ = std::fs::remove_file(JSON);
    let (doc, _) = status(&mut lab, &ours(), &config, &path);
    assert_eq!(doc.keys(), ["vrrp"], "{doc:?}");
    let vrrp = doc.get("vrrp").unwrap();
    let v = vrrp.items().first().and_then(|i| i.get("data")).unwrap();
    assert_eq!(v.get("iname"), Some(&Value::Str("V".into())));
    // Later keepalived releases no longer show the password.
    assert_eq!(v.get("auth_data"), Some(&Value::Str("********".into())));
    assert!(!std::path::Path::new(JSON).exists(), "also wrote {JSON}");
}
