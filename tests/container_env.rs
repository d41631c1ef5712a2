//! The container image's env-var mode (osixia/keepalived's `KEEPALIVED_*` variables, no config
//! file) forming a VRRP pair with keepalived 2.2.7 configured by hand: the rendered instance
//! speaks the same VRRPv2, PASS authentication and unicast as keepalived's own config, takes
//! over when keepalived's master dies... and, as osixia's template says `nopreempt`, does not
//! take the master role back from keepalived when it restarts with the higher priority.
//!
//! Needs root and /usr/sbin/keepalived (else SKIPPED; a failure under CI=true).
//!
//! `image_entrypoint_pairs_with_keepalived` does the same with the image itself: the OCI layout
//! `image/container/build-oci.sh` writes, its layer unpacked, its ENTRYPOINT run chrooted into
//! that root with only the image's and the user's environment, as `docker run --network host -e
//! ...` runs it. The image holds a static binary: `KEEPALIVED_STATIC_BIN` (cross/ci.sh sets it),
//! else `cross/build.sh x86_64-unknown-linux-musl`'s output; without one the test says SKIPPED
//! (also under CI=true, whose main run comes before the cross build: cross/ci.sh runs it).

mod lab;

use lab::json::{self, Value};
use lab::vrrp::{
    expect_master, expect_stable, ours, routers_lab, Auth, Instance, Router, Wiring, KEEPALIVED,
    MARGIN,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a user of osixia/keepalived passes with `docker run -e`, for router r1 (10.7.0.1) whose
/// peer is r2 (10.7.0.2). The address goes through a variable named in the list, as osixia's
/// startup script allows, because it holds blanks.
const ENV: [(&str, &str); 8] = [
    ("KEEPALIVED_INTERFACE", "eth0"),
    ("KEEPALIVED_PASSWORD", "s3cret"),
    ("KEEPALIVED_PRIORITY", "200"),
    ("KEEPALIVED_ROUTER_ID", "51"),
    ("KEEPALIVED_UNICAST_PEERS", "#PYTHON2BASH:['10.7.0.2']"),
    ("KEEPALIVED_VIRTUAL_IPS", "CONTAINER_VIP"),
    ("CONTAINER_VIP", "10.7.0.100/24 dev eth0"),
    ("KEEPALIVED_COMMAND_LINE_ARGUMENTS", "--dump-conf"),
];

#[test]
fn env_mode_pairs_with_keepalived() {
    let test = "env_mode_pairs_with_keepalived";
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    // This file's only test: the daemons it spawns inherit the variables; keepalived 2.2.7
    // ignores them.
    for (k, v) in ENV {
        std::env::set_var(k, v);
    }
    // The timing of the rendered instance: osixia's template leaves advert_int at 1 s (v2).
    let ours_inst = Instance::new(1, 200).v2();
    let mut theirs = Instance::new(2, 100).v2();
    theirs.unicast = true;
    theirs.auth = Auth::Pass;
    let vip = theirs.vip();
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    // The config file Router writes is passed over by the later -f: no file there, so the
    // variables make the config, as in the image.
    let absent = lab.dir().join("no-config-here.conf");
    let absent = absent.to_string_lossy().into_owned();
    let env_router = |lab: &mut lab::Lab| Router::start_with(lab, "r1", &bin, "", &["-f", &absent]);

    let mut r1 = env_router(&mut lab);
    expect_master(&r1, &[], vip, ours_inst.master_down() + MARGIN);
    assert!(
        r1.log().contains("------< VRRP Topology >------"),
        "KEEPALIVED_COMMAND_LINE_ARGUMENTS=--dump-conf not applied:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    // keepalived joins as backup and stays so past its own Master_Down_Interval: it accepts
    // the rendered instance's adverts (same VRID, version, password, unicast).
    let r2 = Router::start(&mut lab, "r2", KEEPALIVED, &theirs.config());
    assert!(
        r2.wait_state("BACKUP", MARGIN),
        "{}",
        lab::vrrp::tail(&r2.log())
    );
    expect_stable(&r1, &[&r2], vip, theirs.master_down() + MARGIN);

    r1.kill9();
    expect_master(&r2, &[], vip, theirs.master_down() + MARGIN);
    drop(r1);

    // Back with the higher priority, but nopreempt: keepalived keeps the role (and ours must
    // have seen its adverts, else it would take over after its Master_Down_Interval).
    let r1 = env_router(&mut lab);
    assert!(
        r1.wait_state("BACKUP", MARGIN),
        "{}",
        lab::vrrp::tail(&r1.log())
    );
    expect_stable(&r2, &[&r1], vip, ours_inst.master_down() + MARGIN);
}

/// The variables of the image test's `docker run -e`: the same router r1 as [`ENV`].
const IMAGE_ENV: [&str; 7] = [
    "KEEPALIVED_INTERFACE=eth0",
    "KEEPALIVED_PASSWORD=s3cret",
    "KEEPALIVED_PRIORITY=200",
    "KEEPALIVED_ROUTER_ID=51",
    "KEEPALIVED_UNICAST_PEERS=#PYTHON2BASH:['10.7.0.2']",
    "KEEPALIVED_VIRTUAL_IPS=#PYTHON2BASH:['10.7.0.100/24 dev eth0']",
    "KEEPALIVED_STATE=MASTER",
];

#[test]
fn image_entrypoint_pairs_with_keepalived() {
    let test = "image_entrypoint_pairs_with_keepalived";
    if !lab::require_root(test) || !lab::require_program(test, KEEPALIVED) {
        return;
    }
    let Some(bin) = static_bin(test) else { return };
    let Some(chroot) = ["/usr/sbin/chroot", "/usr/bin/chroot", "/sbin/chroot"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    else {
        lab::require_program(test, "/usr/sbin/chroot");
        return;
    };
    if !lab::require_program(test, "/usr/bin/jq") {
        return;
    }
    let ours_inst = Instance::new(1, 200).v2();
    let mut theirs = Instance::new(2, 100).v2();
    theirs.unicast = true;
    theirs.auth = Auth::Pass;
    let vip = theirs.vip();
    let mut lab = routers_lab(test, 2, Wiring::Veth);

    let layout = lab.dir().join("oci");
    let out = Command::new("image/container/build-oci.sh")
        .arg(&layout)
        .arg("scratch")
        .env("BIN", &bin)
        .output()
        .expect("run image/container/build-oci.sh");
    assert!(
        out.status.success(),
        "build-oci.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (entrypoint, image_env, layer) = read_layout(&layout);
    let root = lab.dir().join("rootfs");
    // what a container runtime adds to every image: /proc, /sys, /dev/null
    for d in ["proc", "sys", "dev"] {
        std::fs::create_dir_all(root.join(d)).expect("make the runtime's mount points");
    }
    std::fs::write(root.join("dev/null"), "").expect("dev/null mount point");
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(&layer)
        .arg("-C")
        .arg(&root)
        .status()
        .expect("run tar");
    assert!(tar.success(), "unpack the image layer {layer:?}");
    assert!(
        !root.join("etc/keepalived/keepalived.conf").exists(),
        "the image must not ship a config"
    );

    // The runtime: a private mount namespace with fresh proc and sysfs (this netns's links), then
    // the ENTRYPOINT in the image's root with the image's Env and the user's -e variables only.
    // Router passes its usual options to docker-run.sh, which leaves them out as docker would.
    let q = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let r = q(&root.to_string_lossy());
    let mut exec = vec!["exec /usr/bin/env -i".to_string()];
    exec.extend(image_env.iter().map(|v| q(v)));
    exec.extend(IMAGE_ENV.iter().map(|v| q(v)));
    exec.push(format!("{} {r}", q(chroot)));
    exec.extend(entrypoint.iter().map(|a| q(a)));
    let runtime = lab.write_file(
        "runtime.sh",
        &format!(
            "mount -t proc proc {r}/proc && mount -t sysfs -o ro sysfs {r}/sys && \\\n\
             mount --bind /dev/null {r}/dev/null || exit 1\n{}\n",
            exec.join(" ")
        ),
    );
    let docker_run = lab.write_file(
        "docker-run.sh",
        &format!(
            "#!/bin/sh\nexec unshare --mount --propagation private /bin/sh {}\n",
            q(&runtime.to_string_lossy())
        ),
    );
    let docker_run = docker_run.to_string_lossy().into_owned();
    let chmod = Command::new("chmod").args(["755", &docker_run]).status();
    assert!(chmod.is_ok_and(|s| s.success()), "chmod {docker_run}");

    let mut r1 = Router::start(&mut lab, "r1", &docker_run, "");
    expect_master(&r1, &[], vip, ours_inst.master_down() + MARGIN);
    assert!(
        r1.log()
            .contains("does not exist: config from the KEEPALIVED_* variables"),
        "the entrypoint did not take the env-var mode:\n{}",
        lab::vrrp::tail(&r1.log())
    );
    let r2 = Router::start(&mut lab, "r2", KEEPALIVED, &theirs.config());
    assert!(
        r2.wait_state("BACKUP", MARGIN),
        "{}",
        lab::vrrp::tail(&r2.log())
    );
    expect_stable(&r1, &[&r2], vip, theirs.master_down() + MARGIN);
    r1.kill9();
    expect_master(&r2, &[], vip, theirs.master_down() + MARGIN);
}

/// The static binary to build the image from, or None after saying SKIPPED.
fn static_bin(test: &str) -> Option<String> {
    let asked = std::env::var("KEEPALIVED_STATIC_BIN").ok();
    let bin = asked
        .clone()
        .unwrap_or_else(|| "target/cross/x86_64-unknown-linux-musl/keepalived".to_string());
    let kind = Command::new("file")
        .args(["-L", &bin])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if kind.contains("statically linked") || kind.contains("static-pie linked") {
        return Some(bin);
    }
    // a binary cross/ci.sh names must be there; the main CI run has none yet
    assert!(
        asked.is_none(),
        "{test}: KEEPALIVED_STATIC_BIN={bin} is not a static binary: {kind}"
    );
    lab::skipped(
        test,
        &format!("needs a static binary at {bin} (cross/build.sh x86_64-unknown-linux-musl; cross/ci.sh runs this test with it)"),
    );
    None
}

/// The layout's ENTRYPOINT, Env and layer file, found from index.json through the manifest.
fn read_layout(layout: &Path) -> (Vec<String>, Vec<String>, PathBuf) {
    let doc = |p: PathBuf| -> Value {
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {p:?}: {e}"));
        json::parse(&text).unwrap_or_else(|e| panic!("{p:?}: {e}"))
    };
    let blob = |v: Option<&Value>| -> PathBuf {
        let Some(Value::Str(d)) = v.and_then(|v| v.get("digest")) else {
            panic!("no digest in {v:?}")
        };
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.map(|v| v.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|s| match s {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    };
    let index = doc(layout.join("index.json"));
    let manifest = doc(blob(index.get("manifests").and_then(|m| m.items().first())));
    let config = doc(blob(manifest.get("config")));
    let layer = blob(manifest.get("layers").and_then(|l| l.items().first()));
    let c = config.get("config");
    let entrypoint = strings(c.and_then(|c| c.get("Entrypoint")));
    assert!(!entrypoint.is_empty(), "no Entrypoint in {config:?}");
    (entrypoint, strings(c.and_then(|c| c.get("Env"))), layer)
}
