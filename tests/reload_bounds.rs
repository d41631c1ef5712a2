//! A SIGHUP with a config whose definitions blow up (`$B` is 999 copies of a 3,500-byte `$A`:
//! 1,200 uses of it, or a `~SEQ` of 100,000) is refused at once, with file:line, and the running
//! daemon keeps its state: still MASTER, its VIP in place, no priority-0 advert. A good config
//! reloads afterwards. Before the limits such a file took minutes and then all memory. Root
//! only (SKIPPED otherwise).

mod lab;

use std::path::Path;
use std::time::Duration;

use lab::vrrp::{master_down, routers_lab, Wiring};
use lab::{wait_until, Lab, Spawned};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived");
/// Process start, scheduling and netlink latency on a loaded machine.
const MARGIN: Duration = Duration::from_secs(2);

const GOOD: &str = "global_defs {\n  router_id r1\n}\n\
vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 71\n  \
priority 200\n  advert_int 1\n  virtual_ipaddress {\n    10.7.0.100/24 dev eth0\n  }\n}\n";

fn start(lab: &mut Lab, conf: &Path) -> Spawned {
    let dir = lab.dir().to_path_buf();
    let pid = |k: &str| {
        dir.join(format!("r1-{k}.pid"))
            .to_string_lossy()
            .into_owned()
    };
    let (p, r, c) = (pid("p"), pid("r"), pid("c"));
    let fs = conf.to_string_lossy().into_owned();
    lab.spawn(
        "r1",
        &[
            OURS, "-n", "-l", "-D", "-f", &fs, "-p", &p, "-r", &r, "-c", &c,
        ],
    )
}

#[test]
fn reload_with_a_config_that_expands_without_bound_keeps_the_running_one() {
    let test = "reload_with_a_config_that_expands_without_bound_keeps_the_running_one";
    if !lab::require_root(test) {
        return;
    }
    let mut lab = routers_lab("reloadbig", 2, Wiring::Veth);
    let conf = lab.write_file("r1.conf", GOOD);
    let r1 = start(&mut lab, &conf);
    let limit = master_down(2, 1.0, 200) + MARGIN;
    assert!(
        wait_until(limit, || r1.log().contains("(VI_1) Entering MASTER STATE")),
        "not MASTER within {limit:?}:\n{}",
        r1.log()
    );

    let defs = format!("$A={}\n$B={}\n", "x".repeat(3500), "${A}".repeat(999));
    let refused = "keeping the running configuration";
    for (n, body) in [("$B\n".repeat(1200)), "~SEQ(i, 100000) $B\n".to_string()]
        .iter()
        .enumerate()
    {
        std::fs::write(&conf, format!("{defs}{GOOD}{body}")).expect("rewrite r1.conf");
        r1.signal(libc::SIGHUP);
        assert!(
            wait_until(MARGIN, || r1.log().matches(refused).count() > n),
            "blow-up {n} not refused within {MARGIN:?}:\n{}",
            r1.log()
        );
    }
    let log = r1.log();
    let why = format!(
        "{}:16: replacing $B would make the line longer than 1023 bytes",
        conf.display()
    );
    assert!(log.contains(&why), "no '{why}':\n{log}");
    assert_eq!(
        log.matches("(VI_1) Entering MASTER STATE").count(),
        1,
        "{log}"
    );
    // The one BACKUP entry is the start's (init).
    assert_eq!(
        log.matches("(VI_1) Entering BACKUP STATE").count(),
        1,
        "{log}"
    );
    assert!(!log.contains("sent 0 priority"), "{log}");
    assert!(lab.has_addr("r1", "eth0", "10.7.0.100"));

    // The daemon still reloads a good config.
    std::fs::write(&conf, GOOD.replace("priority 200", "priority 210")).expect("rewrite");
    r1.signal(libc::SIGHUP);
    assert!(
        wait_until(MARGIN + Duration::from_secs(3), || r1
            .log()
            .contains("Reload complete")),
        "no reload after the refusals:\n{}",
        r1.log()
    );
    assert!(lab.has_addr("r1", "eth0", "10.7.0.100"));
}
