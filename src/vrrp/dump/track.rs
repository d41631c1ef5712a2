//! The tracking lines of the SIGUSR1 data file, in keepalived 2.2.7's words (vrrp_data.c,
//! vrrp_track.c dump functions): each instance's total priority and tracked objects, then the
//! vrrp_scripts, track files and BFD sessions with their state, read from the tracking core.

use super::ScriptStatus;
use crate::config::track::Weight;
use crate::config::Config;
use crate::core::dump_line as line;
use crate::core::script::Stage;
use crate::vrrp::track::{contribution, BfdStates, Key, Level, Start, Tracking};

/// `key`, the weight, ` reverse` when reversed, and the line's end.
fn weight(s: &mut String, key: &str, w: Weight) {
    s.push_str(key);
    line::push_int(s, i64::from(w.weight));
    line::text(s, if w.reverse { " reverse" } else { "" }, "");
}

/// The object's name when `key` is of list `kind` (interfaces, scripts, files, processes).
fn name_of(key: &Key, kind: u8) -> Option<&String> {
    match (key, kind) {
        (Key::Interface(n), 0) | (Key::Script(n), 1) | (Key::File(n), 2) | (Key::Process(n), 3) => {
            Some(n)
        }
        _ => None,
    }
}

/// keepalived's total_priority: the base plus every tracker's weight, before clamping.
pub(super) fn total_priority(t: &Tracking, i: usize, base: u8) -> i32 {
    if base == 255 {
        return 255;
    }
    let sum: i32 = t
        .links(i)
        .iter()
        .map(|l| contribution(t.objs[l.obj].level, l.weight).0)
        .sum();
    i32::from(base) + sum
}

/// The instance's "Tracked interfaces / scripts / files / processes" lists.
pub(super) fn instance(t: &Tracking, i: usize, s: &mut String) {
    let kinds = [
        ("   Tracked interfaces :\n", 0, " weight "),
        ("   Tracked scripts :\n", 1, " weight "),
        ("   Tracked files :\n", 2, ", weight "),
        ("   Tracked processes :\n", 3, ", weight "),
    ];
    for (head_line, kind, key) in kinds {
        let mut head = false;
        for l in t.links(i) {
            let Some(n) = name_of(&t.objs[l.obj].key, kind) else {
                continue;
            };
            if !head {
                s.push_str(head_line);
                head = true;
            }
            s.push_str("     ");
            s.push_str(n);
            weight(s, key, l.weight);
        }
    }
    let mut head = false;
    for l in t.links(i) {
        if let Key::Bfd(n) = &t.objs[l.obj].key {
            if !std::mem::replace(&mut head, true) {
                s.push_str("   Tracked BFDs :\n");
            }
            s.push_str("     ");
            s.push_str(n);
            weight(s, ": weight ", l.weight);
        }
    }
}

/// The "VRRP Scripts", "VRRP Track files" and "VRRP Track BFDs" sections: each object's
/// state and the instances tracking it (`names`: instance names by index; `bfds`: what the
/// parent said of each BFD session, tracked or not; `status`: where each vrrp_script's runner
/// has it).
pub(super) fn objects(
    t: &Tracking,
    cfg: &Config,
    names: &[&str],
    bfds: &BfdStates,
    status: &dyn Fn(&str) -> Option<ScriptStatus>,
    s: &mut String,
) {
    let level = |key: &Key| t.objs.iter().find(|o| o.key == *key).map(|o| o.level);
    let tracking = |key: &Key, s: &mut String| {
        for (i, name) in names.iter().enumerate() {
            for l in t.links(i) {
                if t.objs[l.obj].key == *key {
                    s.push_str("     ");
                    s.push_str(name);
                    weight(s, ", weight ", l.weight);
                }
            }
        }
    };
    // keepalived drops a script nothing tracks ("Warning - script X is not used").
    let mut scripts = Vec::new();
    for sc in &cfg.vrrp.trackers.scripts {
        if level(&Key::Script(sc.name.clone())).is_some() {
            scripts.push(sc);
        }
    }
    if !scripts.is_empty() {
        s.push_str("------< VRRP Scripts >------\n");
    }
    for sc in scripts {
        let key = Key::Script(sc.name.clone());
        let lv = level(&key);
        line::text(s, " VRRP Script = ", &sc.name);
        // The program as found (PATH, links followed): the shell's secure_track_scripts put
        // it in place of the one written, as keepalived does.
        s.push_str("   Command = ");
        for (k, a) in sc.script.argv.iter().enumerate() {
            s.push_str(if k == 0 { "'" } else { " '" });
            s.push_str(a);
            s.push('\'');
        }
        s.push('\n');
        line::num_in(s, "   Interval = ", sc.interval.as_secs(), " sec");
        let timeout = sc.timeout.map_or(0, |t| t.as_secs());
        line::num_in(s, "   Timeout = ", timeout, " sec");
        weight(s, "   Weight = ", sc.weight);
        line::num(s, "   Rise = ", sc.rise.into());
        line::num(s, "   Fall = ", sc.fall.into());
        let st = status(&sc.name);
        // Without a runner, keepalived's values before the first run (vrrp_scheduler.c
        // vrrp_init_script): one success short of up, or down by config; idle, as root.
        let result = st.map_or(
            if sc.init_fail {
                0
            } else {
                sc.rise.saturating_sub(1)
            },
            |x| x.result,
        );
        line::num(s, "   Result = ", result.into());
        // keepalived frees an insecure script before the dump can see it, as we drop it.
        s.push_str("   Insecure = no\n");
        // Without a runner, the level tells whether a first run has reported.
        let start = st.map_or(
            if sc.init_fail {
                Start::Failed
            } else if lv == Some(Level::Unknown) {
                Start::Init
            } else {
                Start::Done
            },
            |x| x.start,
        );
        // keepalived 2.2.7 writes INIT/FAILED for no dumped script: each track_script naming
        // one sets it back to INIT (vrrp_track.c alloc_track_script), init_fail or not.
        let init = match start {
            Start::Init | Start::Failed => "INIT",
            Start::Reload => "INIT/RELOAD",
            Start::Done => "unknown",
        };
        line::text(s, "   Init state = ", init);
        let status = if lv == Some(Level::Up) { "GOOD" } else { "BAD" };
        line::text(s, "   Status = ", status);
        let (uid, gid) = st.map_or((0, 0), |x| (x.uid, x.gid));
        s.push_str("   Script uid:gid = ");
        line::push_num(s, uid.into());
        s.push(':');
        line::push_num(s, gid.into());
        s.push('\n');
        s.push_str("   VRRP instances :\n   Tracking instances :\n");
        tracking(&key, s);
        let state = match st.and_then(|x| x.stage) {
            None => "idle",
            Some(Stage::Running) => "running",
            Some(Stage::Terminating) => "requested termination",
            Some(Stage::Killing) => "forcing termination",
        };
        line::text(s, "   State = ", state);
    }
    let files = &cfg.vrrp.trackers.files;
    if !files.is_empty() {
        s.push_str("------< VRRP Track files >------\n");
    }
    for f in files {
        let key = Key::File(f.name.clone());
        let status = match level(&key) {
            Some(Level::Value(v)) => v,
            _ => 0,
        };
        line::text(s, " Track file = ", &f.name);
        line::text(s, "   File = ", &f.file);
        line::int(s, "   Status = ", status);
        weight(s, "   Weight = ", f.weight);
        s.push_str("   Tracking instances :\n");
        tracking(&key, s);
    }
    // Every bfd_instance the VRRP side knows, tracked or not, as keepalived lists them.
    let known = &cfg.vrrp.trackers.bfds;
    if !known.is_empty() {
        s.push_str("------< VRRP Track BFDs >------\n");
    }
    for b in known {
        let up = if bfds.up(&b.name) { "up" } else { "down" };
        line::text(s, " VRRP Track BFD = ", &b.name);
        weight(s, "   Weight = ", b.weight);
        line::text(s, "   Bfd is ", up);
        s.push_str("   Tracking VRRP instances :\n");
        // keepalived heads the list a second time, when there is one.
        let key = Key::Bfd(b.name.clone());
        if level(&key).is_some() {
            s.push_str("   Tracking instances :\n");
        }
        tracking(&key, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::track::Link;

    fn w(weight: i32, reverse: bool) -> Weight {
        Weight { weight, reverse }
    }

    #[test]
    fn an_instance_lists_its_trackers_by_kind_and_sums_their_weights() {
        let mut t = Tracking::new();
        let f = t.object(Key::File("f1".into()), Level::Value(2));
        let up = t.object(Key::Interface("eth1".into()), Level::Up);
        let down = t.object(Key::Interface("eth2".into()), Level::Down);
        let links = vec![
            Link {
                obj: f,
                weight: w(-3, true),
            },
            Link {
                obj: up,
                weight: w(10, false),
            },
            Link {
                obj: down,
                weight: w(5, false),
            },
        ];
        t.add_instance(links);
        let mut s = String::new();
        instance(&t, 0, &mut s);
        assert_eq!(
            s,
            "   Tracked interfaces :\n     eth1 weight 10\n     eth2 weight 5\n   \
             Tracked files :\n     f1, weight -3 reverse\n"
        );
        // 100 + 10 (eth1 up) + 6 (2 × -3, reversed); eth2 is down.
        assert_eq!(total_priority(&t, 0, 100), 116);
        assert_eq!(total_priority(&t, 0, 255), 255);
    }

    #[test]
    fn bfds_are_listed_per_instance_and_with_their_state() {
        let mut d = crate::config::diag::Diagnostics::new();
        let text = "global_defs {\n dynamic_interfaces\n}\nbfd_instance b1 {\n neighbor_ip 10.0.0.2\n weight -20 reverse\n}\nbfd_instance b2 {\n neighbor_ip 10.0.0.3\n}\n";
        let nodes = crate::config::reader::tree_from_str(text, 0, &mut d);
        let cfg = crate::config::from_tree(&nodes, &mut d);
        let mut t = Tracking::new();
        let b1 = t.object(Key::Bfd("b1".into()), Level::Up);
        t.add_instance(vec![Link {
            obj: b1,
            weight: w(-20, true),
        }]);
        let mut s = String::new();
        instance(&t, 0, &mut s);
        assert_eq!(s, "   Tracked BFDs :\n     b1: weight -20 reverse\n");
        let mut states = BfdStates::default();
        let up = crate::core::watchdog::link::BfdEvent::new("b1", true).expect("name");
        states.set(up);
        let mut s = String::new();
        objects(&t, &cfg, &["VI_1"], &states, &|_| None, &mut s);
        assert_eq!(
            s,
            "------< VRRP Track BFDs >------\n VRRP Track BFD = b1\n   Weight = -20 reverse\n   \
             Bfd is up\n   Tracking VRRP instances :\n   Tracking instances :\n     VI_1, weight -20 reverse\n \
             VRRP Track BFD = b2\n   Weight = 0\n   Bfd is down\n   Tracking VRRP instances :\n"
        );
    }
    /// A config whose vrrp_scripts are `scripts`, and tracking with `chk` tracked by VI_1.
    fn script_lab(scripts: &str, level: Level) -> (Config, Tracking) {
        let mut d = crate::config::diag::Diagnostics::new();
        let nodes = crate::config::reader::tree_from_str(scripts, 0, &mut d);
        let cfg = crate::config::from_tree(&nodes, &mut d);
        let mut t = Tracking::new();
        let chk = t.object(Key::Script("chk".into()), level);
        t.add_instance(vec![Link {
            obj: chk,
            weight: w(-10, false),
        }]);
        (cfg, t)
    }

    fn script_lines(cfg: &Config, t: &Tracking, st: Option<ScriptStatus>) -> String {
        let mut s = String::new();
        let status = |name: &str| st.filter(|_| name == "chk");
        objects(t, cfg, &["VI_1"], &BfdStates::default(), &status, &mut s);
        s
    }

    #[test]
    fn a_script_without_a_runner_shows_keepalived_values_before_its_first_run() {
        let conf = "vrrp_script chk {\n script \"/bin/true\"\n rise 3\n fall 2\n weight -10\n}\n";
        let (cfg, t) = script_lab(conf, Level::Unknown);
        assert_eq!(
            script_lines(&cfg, &t, None),
            "------< VRRP Scripts >------\n VRRP Script = chk\n   Command = '/bin/true'\n   \
             Interval = 1 sec\n   Timeout = 0 sec\n   Weight = -10\n   Rise = 3\n   Fall = 2\n   \
             Result = 2\n   Insecure = no\n   Init state = INIT\n   Status = BAD\n   \
             Script uid:gid = 0:0\n   VRRP instances :\n   Tracking instances :\n     \
             VI_1, weight -10\n   State = idle\n"
        );
        // init_fail starts it down: at 0, not one success short of up; INIT as keepalived
        // words it until a run reports.
        let conf = "vrrp_script chk {\n script \"/bin/true\"\n rise 3\n init_fail\n}\n";
        let (cfg, t) = script_lab(conf, Level::Down);
        let s = script_lines(&cfg, &t, None);
        assert!(s.contains("\n   Result = 0\n"), "{s}");
        assert!(s.contains("\n   Init state = INIT\n"), "{s}");
    }

    #[test]
    fn a_running_script_shows_its_counter_user_and_stage() {
        let conf = "vrrp_script chk {\n script \"/bin/true\"\n rise 2\n fall 3\n}\n";
        let (cfg, t) = script_lab(conf, Level::Up);
        let mut st = ScriptStatus {
            result: 4,
            start: Start::Done,
            uid: 65534,
            gid: 100,
            stage: Some(Stage::Running),
        };
        let s = script_lines(&cfg, &t, Some(st));
        for l in [
            "   Result = 4\n   Insecure = no\n   Init state = unknown\n",
            "   Status = GOOD\n   Script uid:gid = 65534:100\n",
            "     VI_1, weight -10\n   State = running\n",
        ] {
            assert!(s.contains(l), "no {l:?} in:\n{s}");
        }
        st.start = Start::Reload;
        let s = script_lines(&cfg, &t, Some(st));
        assert!(s.contains("\n   Init state = INIT/RELOAD\n"), "{s}");
        for (stage, word) in [
            (None, "idle"),
            (Some(Stage::Terminating), "requested termination"),
            (Some(Stage::Killing), "forcing termination"),
        ] {
            st.stage = stage;
            let s = script_lines(&cfg, &t, Some(st));
            assert!(s.ends_with(&format!("   State = {word}\n")), "{s}");
        }
    }
}
