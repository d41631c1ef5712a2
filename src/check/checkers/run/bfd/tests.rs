//! BFD_CHECK through the runner into the real servers' manager (`--without-ipvs`'s sink): what
//! a session's changes do to the real server, on no clock at all (nothing here is timed).

use super::*;
use crate::check::servers::Servers;
use crate::config::Diagnostics;

fn config(text: &str) -> Config {
    let mut d = Diagnostics::new();
    let nodes = crate::config::reader::tree_from_str(text, 0, &mut d);
    let cfg = crate::config::from_tree(&nodes, &mut d);
    assert!(!d.has_errors(), "{:?}", d.items());
    cfg
}

/// A virtual server with one real server watched by a BFD_CHECK on `up1` (with `opts`) and a
/// second real server on `up2`.
fn pool(opts: &str, more: &str) -> Config {
    config(&format!(
        "bfd_instance up1 {{\n neighbor_ip 10.0.0.9\n}}\nbfd_instance up2 {{\n neighbor_ip 10.0.0.8\n}}\n\
         virtual_server 10.0.0.1 80 {{\n protocol TCP\n\
         real_server 10.0.0.2 80 {{\n BFD_CHECK {{\n name up1\n {opts}\n }}\n {more}\n }}\n\
         real_server 10.0.0.3 80 {{\n BFD_CHECK {{\n name up2\n }}\n }}\n}}\n"
    ))
}

struct Rig {
    lp: EventLoop,
    r: Runner,
    s: Servers,
    started: usize,
}

impl Rig {
    fn new(cfg: &Config) -> Rig {
        let mut lp = EventLoop::new().expect("loop");
        let mut s = Servers::log_only(cfg);
        let mut r = Runner::new(cfg);
        r.start(&mut lp, cfg, &mut s);
        Rig {
            lp,
            r,
            s,
            started: 0,
        }
    }
    fn bfd(&mut self, name: &str, up: bool) {
        self.r.on_bfd(&mut self.lp, name, up, &mut self.s);
    }
    fn alive(&self, rs: usize) -> bool {
        self.s.manager().rs_alive(0, rs)
    }
    fn checker(&self) -> (bool, bool) {
        let s = &self.r.slots[0];
        (s.sched.is_up(), s.sched.has_run())
    }
    /// Notify scripts started since the last call (the runner starts them at once).
    fn scripts(&mut self) -> usize {
        let n = self.r.scripts_running();
        n - std::mem::replace(&mut self.started, n)
    }
}

const NOTIFY: &str = "notify_up /bin/true\n notify_down /bin/true";

#[test]
fn the_real_server_follows_its_session_at_once_and_only_its_own() {
    let mut t = Rig::new(&pool("", NOTIFY));
    // Up until told otherwise, as keepalived; no timer of its own.
    assert_eq!((t.alive(0), t.checker()), (true, (true, false)));
    assert!(!t.r.dues.is_set(0));
    t.bfd("up1", false);
    assert_eq!((t.alive(0), t.alive(1)), (false, true));
    assert_eq!(t.scripts(), 1, "notify_down");
    t.bfd("up1", true);
    assert!(t.alive(0));
    assert_eq!(t.scripts(), 1, "notify_up");
    // A session nobody watches, and one the other server watches.
    t.bfd("nobody", false);
    t.bfd("up2", false);
    assert_eq!((t.alive(0), t.alive(1)), (true, false));
}

#[test]
fn the_first_event_counts_even_when_it_repeats_the_state_and_later_repeats_do_nothing() {
    let mut t = Rig::new(&pool("", NOTIFY));
    t.bfd("up1", true);
    assert_eq!((t.alive(0), t.checker()), (true, (true, true)));
    // keepalived runs no notify for a first Up that changes nothing.
    assert_eq!(t.scripts(), 0);
    t.bfd("up1", true);
    assert_eq!(t.scripts(), 0);
}

#[test]
fn alpha_starts_down_and_its_first_down_runs_notify_down_again() {
    let mut t = Rig::new(&pool("alpha", NOTIFY));
    assert_eq!((t.alive(0), t.checker()), (false, (false, false)));
    t.bfd("up1", false);
    assert!(!t.alive(0));
    assert_eq!(t.scripts(), 1, "notify_down");
    t.bfd("up1", true);
    assert!(t.alive(0));
    assert_eq!(t.scripts(), 1, "notify_up");
}

#[test]
fn retry_and_delay_before_retry_do_not_apply_a_session_down_is_at_once() {
    // keepalived's BFD_CHECK takes only name and alpha; retry set on the real server is for
    // its other checkers.
    let mut t = Rig::new(&pool("", "retry 5\n delay_before_retry 10"));
    t.bfd("up1", true);
    t.bfd("up1", false);
    assert!(!t.alive(0));
}

#[test]
fn a_server_with_another_checker_down_stays_down_when_its_session_comes_up() {
    let cfg = pool("", "TCP_CHECK {\n alpha\n }");
    let mut t = Rig::new(&cfg);
    assert!(!t.alive(0));
    t.bfd("up1", false);
    t.bfd("up1", true);
    assert!(!t.alive(0), "the TCP_CHECK still holds it down");
    assert_eq!(t.s.manager().rs_failed(0, 0), 1);
}

#[test]
fn a_reload_keeps_an_unchanged_bfd_check_and_tells_a_new_one_the_sessions_state() {
    let old = pool("", "");
    let mut t = Rig::new(&old);
    t.bfd("up1", false);
    t.bfd("up2", false);
    // The same checkers, moved down two lines, and a new real server on up1.
    let new = config(
        "bfd_instance up1 {\n neighbor_ip 10.0.0.9\n}\nbfd_instance up2 {\n neighbor_ip 10.0.0.8\n}\n\n\n\
         virtual_server 10.0.0.1 80 {\n protocol TCP\n\
         real_server 10.0.0.2 80 {\n BFD_CHECK {\n name up1\n }\n }\n\
         real_server 10.0.0.3 80 {\n BFD_CHECK {\n name up2\n }\n }\n\
         real_server 10.0.0.4 80 {\n BFD_CHECK {\n name up1\n }\n }\n}\n",
    );
    t.r.stop(&mut t.lp);
    t.s.reload(&new);
    let mut r = Runner::new(&new);
    r.adopt(&t.r, (&old, &new), &mut t.s);
    t.r = r;
    t.r.start(&mut t.lp, &new, &mut t.s);
    assert_eq!((t.alive(0), t.alive(1), t.alive(2)), (false, false, false));
    assert_eq!(t.checker(), (false, true));
    t.bfd("up1", true);
    assert_eq!((t.alive(0), t.alive(1), t.alive(2)), (true, false, true));
}

#[test]
fn an_event_that_changes_nothing_allocates_nothing() {
    let mut t = Rig::new(&pool("", ""));
    t.bfd("up1", true);
    t.bfd("up2", false);
    // Counts only when the test binary installs crate::core::alloc::DebugAlloc.
    let probe = crate::core::alloc::Scope::new();
    drop(std::hint::black_box(vec![0u8; 16]));
    let counting = probe.allocs() > 0;
    let scope = crate::core::alloc::Scope::new();
    for _ in 0..1_000 {
        t.bfd("up1", true);
        t.bfd("up2", false);
    }
    if counting {
        assert_eq!(scope.allocs(), 0);
    } else {
        println!("SKIPPED allocation count: this test binary has no counting allocator");
    }
    assert_eq!((t.alive(0), t.alive(1)), (true, false));
}
