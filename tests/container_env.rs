//! The container image's env-var mode (osixia/keepalived's `KEEPALIVED_*` variables, no config
//! file) forming a VRRP pair with keepalived 2.2.7 configured by hand: the rendered instance
//! speaks the same VRRPv2, PASS authentication and unicast as keepalived's own config, takes
//! over when keepalived's master dies... and, as osixia's template says `nopreempt`, does not
//! take the master role back from keepalived when it restarts with the higher priority.
//!
//! Needs root and /usr/sbin/keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{
    expect_master, expect_stable, ours, routers_lab, Auth, Instance, Router, Wiring, KEEPALIVED,
    MARGIN,
};

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
        r1.log().contains("Config {"),
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
