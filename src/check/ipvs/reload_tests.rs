//! The manager across a reload, as keepalived 2.2.7 words it (ipwrapper.c): a kept virtual
//! server is judged again as at start (clear_diff_services, then init_service_vs with `init`),
//! and a sorry server the new config drops or replaces leaves (clear_diff_s_srv); with
//! `rs_init_notifies`, the servers put in alive at start, or new at a reload, are notified.

use super::manager::{Manager, Notice, Removal};
use super::tests::{plans, pool, show, MISC};

/// A virtual server with `opts` and two real servers of weight 2, the second held down by
/// an alpha checker (so a quorum of 3 is not cut down to the whole weight, and not reached).
fn vs(opts: &str) -> String {
    pool(opts, &["weight 2", &format!("weight 2\n alpha\n {MISC}")])
}

/// The manager of `text` at start, its notices taken.
fn started(text: &str) -> Manager {
    let mut m = Manager::new(plans(text));
    m.take_notices().for_each(drop);
    m
}

fn reload(old: &Manager, text: &str) -> (Manager, Vec<Notice>) {
    let mut m = Manager::reloaded(plans(text), old);
    let n = m.take_notices().collect();
    (m, n)
}

fn down(sum: u64, thr: u64, swap: bool) -> Notice {
    Notice::Quorum {
        vs: 0,
        up: false,
        init: false,
        sum,
        thr,
        reload: true,
        swap,
    }
}

#[test]
fn a_kept_virtual_server_a_reload_leaves_without_quorum_starts_with_it_down() {
    // "Starting with quorum down 3-0=3 > 2", keepalived's words for a kept virtual server too
    // (update_quorum_state with init), not "Lost quorum"; the sorry server comes in.
    let old = started(&vs("quorum 2\n sorry_server 10.0.9.9 80"));
    assert!(old.quorum_up(0));
    let (new, n) = reload(&old, &vs("quorum 3\n sorry_server 10.0.9.9 80"));
    assert_eq!(n, [down(2, 3, true)]);
    assert_eq!(show(&new), ["[10.0.0.1]:TCP:80: [10.0.9.9]:80/1"]);
    // Without a sorry server: the line alone.
    let old = started(&vs("quorum 2"));
    let (_, n) = reload(&old, &vs("quorum 3"));
    assert_eq!(n, [down(2, 3, false)]);
}

#[test]
fn a_reload_that_drops_or_replaces_a_serving_sorry_server_removes_it() {
    let vs = |ss: &str| vs(&format!("quorum 3\n {ss}"));
    let old = started(&vs("sorry_server 10.0.9.9 80"));
    assert!(!old.quorum_up(0));
    // The same one stays in, said nothing of.
    let (new, n) = reload(&old, &vs("sorry_server 10.0.9.9 80"));
    assert!(old.sorry_dropped(&new).is_empty());
    assert_eq!(n, []);
    // Dropped: "Removing sorry server", and nothing of quorum, which stays down.
    let (new, n) = reload(&old, &vs(""));
    assert_eq!(old.sorry_dropped(&new), [0]);
    assert_eq!(n, []);
    // Replaced: the old one out, the new one in as at start (threshold 3+0 from down).
    let (new, n) = reload(&old, &vs("sorry_server 10.0.9.8 80"));
    assert_eq!(old.sorry_dropped(&new), [0]);
    assert_eq!(n, [down(2, 3, true)]);
    assert_eq!(show(&new), ["[10.0.0.1]:TCP:80: [10.0.9.8]:80/1"]);
}

#[test]
fn a_sorry_server_out_of_service_leaves_quietly_unless_inhibited() {
    let old = started(&pool("sorry_server 10.0.9.9 80", &["weight 1"]));
    let (new, _) = reload(&old, &pool("", &["weight 1"]));
    assert!(old.sorry_dropped(&new).is_empty());
    // With sorry_server_inhibit it is in the table at weight 0, and keepalived says it goes.
    let old = started(&pool(
        "sorry_server 10.0.9.9 80\n sorry_server_inhibit",
        &["weight 1"],
    ));
    let (new, _) = reload(&old, &pool("", &["weight 1"]));
    assert_eq!(old.sorry_dropped(&new), [0]);
}

#[test]
fn quorum_regained_at_a_reload_takes_out_only_the_sorry_server_that_served() {
    let old = started(&vs("quorum 3\n sorry_server 10.0.9.9 80"));
    let up = |swap| Notice::Quorum {
        vs: 0,
        up: true,
        init: false,
        sum: 2,
        thr: 2,
        reload: true,
        swap,
    };
    let (new, n) = reload(&old, &vs("quorum 2\n sorry_server 10.0.9.9 80"));
    assert_eq!(n, [up(true)]);
    assert_eq!(show(&new), ["[10.0.0.1]:TCP:80: [10.0.1.1]:80/2"]);
    // A new sorry server never served: no lines of it.
    let (_, n) = reload(&old, &vs("quorum 2\n sorry_server 10.0.9.8 80"));
    assert_eq!(n, [up(false)]);
}

#[test]
fn init_notifies_go_to_the_servers_that_start_alive_before_quorum_is_judged() {
    // keepalived's init_service_rs runs the notify of each server it puts in alive (not an
    // alpha one, held down until checked), and judges quorum after.
    let mut m = Manager::new(plans(&vs("")));
    m.init_notifies(None);
    let n: Vec<_> = m.take_notices().collect();
    let rs0 = Notice::Renotify {
        vs: 0,
        rs: 0,
        alive: true,
    };
    assert!(
        matches!(n[..], [a, Notice::Quorum { up: true, .. }] if a == rs0),
        "{n:?}"
    );
    // A reload: a kept server has none, a new one has its own.
    let alpha = format!("weight 2\n alpha\n {MISC}");
    let three = pool("", &["weight 2", &alpha, "weight 1"]);
    let mut new = Manager::reloaded(plans(&three), &m);
    new.init_notifies(Some(&m));
    let rs2 = Notice::Renotify {
        vs: 0,
        rs: 2,
        alive: true,
    };
    assert_eq!(new.take_notices().collect::<Vec<_>>(), [rs2]);
}

#[test]
fn removals_come_per_old_virtual_server_in_keepalived_order() {
    let rs = |vs, rs, kept, set, inhibited| Removal::Rs {
        vs,
        rs,
        kept,
        set,
        inhibited,
    };
    // Server 2 is held down by its alpha checker; with inhibit_on_failure it is in at weight 0.
    let second = format!("weight 2\n alpha\n {MISC}");
    let inhibited = format!("{second}\n inhibit_on_failure");
    let two = pool("", &["weight 2", &inhibited]);
    let other = "virtual_server 10.0.0.2 80 {\n protocol TCP\n real_server 10.0.1.9 80 {\n }\n}\n";
    let old = started(&format!("{two}{other}"));
    // The first virtual server gone: it, then both its servers in the table; the second kept.
    let new = started(other);
    assert_eq!(
        old.removals(&new),
        [
            Removal::Vs(0),
            rs(0, 0, false, true, false),
            rs(0, 1, false, true, true)
        ]
    );
    // Kept without its second server, which was down and not in the table without inhibit.
    let old = started(&pool("", &["weight 2", &second]));
    let new = started(&pool("", &["weight 2"]));
    assert_eq!(old.removals(&new), [rs(0, 1, true, false, false)]);
    // Nothing removed: nothing said.
    assert_eq!(old.removals(&old), []);
}

#[test]
fn a_kept_groups_entries_the_new_group_lacks_are_removed_first_with_keepalived_names() {
    let conf = |entries: &str| {
        format!(
            "virtual_server_group G {{\n{entries}\n}}\nvirtual_server group G {{\n protocol TCP\n \
             real_server 10.0.1.1 80 {{\n }}\n real_server 10.0.1.2 80 {{\n }}\n}}\n"
        )
    };
    let old = started(&conf(" 10.0.0.1 80\n 10.0.0.5-9 80\n fwmark 7\n fwmark 8"));
    // The range ends elsewhere now (another entry, as keepalived compares both ends), the
    // single address and mark 8 stay.
    let new = started(&conf(" 10.0.0.1 80\n 10.0.0.5-8 80\n fwmark 8"));
    assert_eq!(
        old.removals(&new),
        [
            Removal::Entry { vs: 0, entry: 1 },
            Removal::Entry { vs: 0, entry: 2 }
        ]
    );
    let names: Vec<_> = plans(&conf(" 10.0.0.1 80\n 10.0.0.5-9 80\n fwmark 7"))[0]
        .entries
        .iter()
        .map(|e| e.name.clone())
        .collect();
    assert_eq!(
        names,
        ["[10.0.0.1]:tcp:80", "[10.0.0.5]:tcp:80-10.0.0.9", "7"]
    );
    // A server gone from the kept group's virtual server follows its entries.
    let fewer = conf(" 10.0.0.1 80").replace(" real_server 10.0.1.2 80 {\n }\n", "");
    let r = old.removals(&started(&fewer));
    assert_eq!(r.len(), 4);
    assert!(matches!(r[3], Removal::Rs { kept: true, .. }));
}
