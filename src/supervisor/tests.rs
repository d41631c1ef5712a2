use super::*;

#[test]
fn respawn_backoff_matches_keepalived() {
    let mut next = 0;
    let quick = Micros::from_secs(1);
    let got: Vec<Option<u64>> = (0..9).map(|_| restart_delay(quick, &mut next)).collect();
    assert_eq!(
        got,
        vec![
            Some(0),
            Some(1),
            Some(2),
            Some(4),
            Some(8),
            Some(16),
            Some(32),
            Some(60),
            Some(60)
        ]
    );
    assert_eq!(restart_delay(Micros::from_secs(60), &mut next), None);
    assert_eq!(next, 0);
}

#[test]
fn subsystems_follow_config_and_options() {
    let mut cfg = Config::default();
    let mut opts = Options::default();
    assert_eq!(wanted(&opts, &cfg), [false, false, false]);
    opts.subsystems.all = true;
    assert_eq!(wanted(&opts, &cfg), [true, true, true]);
    opts.subsystems.all = false;
    let mut d = crate::config::Diagnostics::new();
    let text = "global_defs {\n dynamic_interfaces\n}\n\
        vrrp_instance V {\n interface eth9\n virtual_router_id 1\n priority 100\n\
        virtual_ipaddress {\n 10.0.0.9\n }\n}\n\
        virtual_server 10.0.0.1 80 {\n protocol TCP\n\
        real_server 10.0.0.2 80 {\n weight 1\n }\n}\n\
        bfd_instance B {\n neighbor_ip 10.0.0.3\n}\n";
    let full = crate::config::from_tree(
        &crate::config::reader::tree_from_str(text, 0, &mut d),
        &mut d,
    );
    cfg.vrrp.instances = full.vrrp.instances;
    cfg.lvs.virtual_servers = full.lvs.virtual_servers;
    assert!(!cfg.lvs.virtual_servers.is_empty() && !cfg.vrrp.instances.is_empty());
    assert_eq!(wanted(&opts, &cfg), [true, true, false]);
    cfg.bfd = full.bfd;
    assert_eq!(wanted(&opts, &cfg), [true, true, true]);
    assert_eq!(child_pidfiles(&opts).count(), 4);
    opts.subsystems.no_bfd = true;
    assert_eq!(wanted(&opts, &cfg), [true, true, false]);
    assert_eq!(child_pidfiles(&opts).count(), 3);
    opts.subsystems.no_bfd = false;
    // As keepalived's: -P and -C leave BFD running.
    opts.subsystems.vrrp_only = true;
    assert_eq!(wanted(&opts, &cfg), [true, false, true]);
    assert_eq!(child_pidfiles(&opts).count(), 3);
    opts.subsystems.vrrp_only = false;
    opts.subsystems.check_only = true;
    assert_eq!(wanted(&opts, &cfg), [false, true, true]);
}

#[test]
fn permanent_exit_codes_stop_everything() {
    assert_eq!(report_child_status(1, ExitStatus::Exited(2)), Some(2));
    assert_eq!(report_child_status(1, ExitStatus::Exited(1)), Some(1));
    assert_eq!(report_child_status(1, ExitStatus::Exited(4)), Some(4));
    assert_eq!(report_child_status(1, ExitStatus::Exited(3)), None);
    assert_eq!(report_child_status(1, ExitStatus::Signaled(9)), None);
}

/// The readiness probe (hello 0, sent at fork and SIGHUP when systemd listens) must not keep a
/// stopped child from counting as hung.
#[test]
fn a_probe_echo_does_not_count_as_an_answered_hello() {
    let plan = Plan {
        period: Micros::from_secs(1),
        misses: 3,
    };
    let mut h = Hellos::new(plan, Micros::ZERO);
    h.on_echo(crate::core::sd_notify::PROBE_SEQ);
    let mut t = Micros::ZERO;
    let hung = loop {
        t = t + plan.period;
        match h.tick(t) {
            Tick::Send(_) => h.on_echo(crate::core::sd_notify::PROBE_SEQ),
            Tick::Hung { .. } => break t,
        }
        assert!(t < Micros::from_secs(60), "never hung");
    };
    // Hung when the start grace (5 s) is over, as if nothing had answered.
    assert_eq!(hung, Micros::from_secs(5));
}

fn bfd_cfg(text: &str) -> Config {
    let mut d = crate::config::Diagnostics::new();
    crate::config::from_tree(
        &crate::config::reader::tree_from_str(text, 0, &mut d),
        &mut d,
    )
}

/// What the VRRP child was told, drained from its end of the channel.
fn told(end: &OwnedFd) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    while let Ok(link::Recv::Bfd(ev)) = link::recv(end.as_raw_fd()) {
        out.push((ev.name().to_string(), ev.up));
    }
    out
}

#[test]
fn bfd_sessions_the_children_hear_of_follow_the_bfd_child_s_death_and_reloads() {
    let two = "bfd_instance a {\n neighbor_ip 10.0.0.2\n}\nbfd_instance b {\n neighbor_ip 10.0.0.3\n}\nbfd_instance c {\n neighbor_ip 10.0.0.4\n}\n";
    let opts = Options::default();
    let (parent_end, vrrp_end) = link::pair().expect("pair");
    let mut w = Watchdog {
        opts: &opts,
        cfg: bfd_cfg(two),
        slots: [
            Slot::new(Kind::Vrrp),
            Slot::new(Kind::Check),
            Slot::new(Kind::Bfd),
        ],
        pending_start: [false; CHILDREN],
        stopping: false,
        done: false,
        exit_code: 0,
        sd: None,
        bfd: Vec::new(),
    };
    w.slots[0].chan = Some(parent_end);
    let ev = |n: &str, up| link::BfdEvent::new(n, up).expect("name");
    for e in [ev("a", true), ev("b", true), ev("c", false)] {
        w.pass_bfd(e);
    }
    assert_eq!(told(&vrrp_end).len(), 3, "passed on as they come");

    // b moves to another neighbor (a new session, Down), c is renamed; a stays Up.
    let new = two
        .replace("10.0.0.3", "10.0.0.9")
        .replace("instance c", "instance d");
    let old = std::mem::replace(&mut w.cfg, bfd_cfg(&new));
    w.bfd_reloaded(&old);
    assert_eq!(told(&vrrp_end), [("b".to_string(), false)]);
    let names: Vec<&str> = w.bfd.iter().map(|e| e.name()).collect();
    assert_eq!(
        names,
        ["a"],
        "a restarted child hears only of what still runs"
    );

    // The BFD child dies: what was Up is Down for the others at once.
    w.pass_bfd(ev("d", true));
    let _ = told(&vrrp_end);
    w.bfd_gone();
    let mut heard = told(&vrrp_end);
    heard.sort();
    assert_eq!(heard, [("a".to_string(), false), ("d".to_string(), false)]);
    assert!(w.bfd.iter().all(|e| !e.up));
    w.bfd_gone();
    assert!(told(&vrrp_end).is_empty(), "nothing more to say");
}
