//! Tracking objects (vrrp_script, track_file / vrrp_track_file, vrrp_track_process), the
//! `track_*` blocks that refer to them from instances and sync groups, and script command lines.
//!
//! keepalived resolves a `track_script` name while it reads the instance, so a script must be
//! defined above its first use; we keep that order (the callers look names up as they parse).

use super::diag::{Diagnostics, Loc};
use super::tree::Node;

mod cmdline;
mod objects;
pub(crate) use cmdline::split_cmd;
pub(crate) use objects::{
    parse_track_file, parse_track_process, parse_vrrp_script, ParamMatch, TrackFile, TrackProcess,
    VrrpScript,
};

const SEC: u64 = 1_000_000;

/// A command keepalived runs: the text as written and the argv it execs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScriptCmd {
    pub(crate) loc: Loc,
    pub(crate) cmd: String,
    pub(crate) argv: Vec<String>,
    /// notify scripts: `USER [GROUP]` after the command (else the default script user).
    pub(crate) run_as: Option<(String, Option<String>)>,
}

/// The command of a script keyword (`script`, `notify_master` ...): keepalived execs only
/// the first argument, itself split into words; the words after it are returned for the
/// keywords that read a user and group there. A string that cannot be split is an error.
pub(crate) fn script_line(n: &Node, d: &mut Diagnostics) -> Option<(ScriptCmd, Vec<String>)> {
    match cmdline::script_line(&n.raw_text()) {
        Ok(Some(l)) => Some((
            ScriptCmd {
                loc: n.loc,
                cmd: l.cmd,
                argv: l.argv,
                run_as: None,
            },
            l.rest,
        )),
        Ok(None) => {
            d.error(n.loc, format_args!("'{}' needs a script", n.keyword()));
            None
        }
        Err(e) => {
            d.error(n.loc, format_args!("'{}': script string {e}", n.keyword()));
            None
        }
    }
}

/// The `USER [GROUP]` after a notify-type script (`rest`: the words after the command).
/// `Some(None)`: none given (the default script user). `None`: an unknown user or group, for
/// which keepalived drops the script (it only logs that; callers choose whether to report).
pub(crate) fn run_as_words(rest: &[String]) -> Option<Option<(String, Option<String>)>> {
    let Some(user) = rest.first() else {
        return Some(None);
    };
    let group = rest.get(1).cloned();
    let ok = crate::core::script::user_exists(user)
        && group
            .as_deref()
            .is_none_or(crate::core::script::group_exists);
    ok.then(|| Some((user.clone(), group)))
}

/// `run_as_words`, warning about an unknown user or group (`what`: the script's kind, e.g.
/// "(VI_1) notify").
pub(crate) fn notify_user(
    n: &Node,
    rest: &[String],
    what: &str,
    cmd: &ScriptCmd,
    d: &mut Diagnostics,
) -> Option<Option<(String, Option<String>)>> {
    let r = run_as_words(rest);
    if r.is_none() {
        let prog = cmd.argv.first().map_or("", String::as_str);
        d.warn(
            n.loc,
            format_args!("Invalid user/group for {what} script {prog} - ignoring"),
        );
    }
    r
}

/// A script keyword whose words after the command mean nothing (vrrp_script's `script`:
/// the user has its own keyword); keepalived ignores them.
pub(crate) fn script_cmd(n: &Node, d: &mut Diagnostics) -> Option<ScriptCmd> {
    script_line(n, d).map(|(cmd, _)| cmd)
}

/// A weight and its `reverse` flag as written after a tracked object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Weight {
    pub(crate) weight: i32,
    pub(crate) reverse: bool,
}

/// The tracking objects defined at top level, in file order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trackers {
    pub(crate) scripts: Vec<VrrpScript>,
    pub(crate) files: Vec<TrackFile>,
    pub(crate) processes: Vec<TrackProcess>,
    /// The `bfd_instance` names the VRRP side may track (filled by config::bfd).
    pub(crate) bfds: Vec<TrackedBfd>,
}

/// A `bfd_instance` as the VRRP side sees it: a name and a default weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrackedBfd {
    pub(crate) name: String,
    pub(crate) weight: Weight,
}

fn weight_words(
    n: &Node,
    i: usize,
    what: &str,
    lo: i32,
    hi: i32,
    d: &mut Diagnostics,
) -> Option<Weight> {
    let s = n.arg(i)?;
    let weight = match s.parse::<i32>() {
        Ok(w) if (lo..=hi).contains(&w) => w,
        Ok(w) if w == lo - 1 || w == hi + 1 => {
            d.warn(
                n.loc,
                format!(
                    "{what}: weight {w} is out of range, using {}",
                    w.signum() * hi
                ),
            );
            w.signum() * hi
        }
        _ => {
            d.warn(
                n.loc,
                format!("{what}: weight '{s}' must be in [{lo}, {hi}], ignoring"),
            );
            return None;
        }
    };
    let reverse = match n.arg(i + 1) {
        None => false,
        Some("reverse") => true,
        Some("noreverse") => false,
        Some(o) => {
            d.warn(n.loc, format!("{what}: unknown weight option '{o}'"));
            false
        }
    };
    Some(Weight { weight, reverse })
}

/// One entry of a `track_interface` / `track_script` / ... block of an instance or sync group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrackRef {
    pub(crate) loc: Loc,
    pub(crate) name: String,
    /// None: the tracked object's own weight (interfaces: 0).
    pub(crate) weight: Option<Weight>,
}

/// What an instance or sync group tracks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrackList {
    pub(crate) interfaces: Vec<TrackRef>,
    pub(crate) scripts: Vec<TrackRef>,
    pub(crate) files: Vec<TrackRef>,
    pub(crate) processes: Vec<TrackRef>,
    pub(crate) bfds: Vec<TrackRef>,
}

/// Which `track_*` block of an instance or sync group is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tracked {
    Interface,
    Script,
    File,
    Process,
    Bfd,
}

/// Reads a `track_*` block of `owner` (an instance or sync group name) into `list`.
/// Objects are looked up in `defined` as keepalived does while reading: an unknown name is
/// reported at its line and ignored. `iface_exists` says whether a tracked interface exists.
/// Returns false when `c` is not a track keyword.
pub(crate) fn parse_track_block(
    c: &Node,
    owner: &str,
    defined: &Trackers,
    iface_exists: &dyn Fn(&str) -> bool,
    list: &mut TrackList,
    d: &mut Diagnostics,
) -> bool {
    // The keyword is matched once: every later test is on `which`.
    let (which, kind, lo, hi) = match c.keyword() {
        "track_interface" => (Tracked::Interface, "track_interface", -253, 253),
        "track_script" => (Tracked::Script, "track script", -253, 253),
        "track_file" => (Tracked::File, "track_file", -254, 254),
        "track_process" => (Tracked::Process, "track process", -254, 254),
        "track_bfd" => (Tracked::Bfd, "track bfd", -253, 253),
        _ => return false,
    };
    if c.block.is_none() {
        d.error(c.loc, format!("'{}' needs a {{ }} block", c.keyword()));
        return true;
    }
    for e in c.children() {
        let name = e.keyword().to_string();
        let found = match which {
            Tracked::Interface => iface_exists(&name),
            Tracked::Script => defined.scripts.iter().any(|s| s.name == name),
            Tracked::File => defined.files.iter().any(|s| s.name == name),
            Tracked::Process => defined.processes.iter().any(|s| s.name == name),
            Tracked::Bfd => defined.bfds.iter().any(|s| s.name == name),
        };
        if !found {
            // keepalived refuses to start on a missing interface; other names are ignored.
            if which == Tracked::Interface {
                d.error(
                    e.loc,
                    format!("({owner}) tracked interface {name} doesn't exist"),
                );
            } else {
                d.warn(
                    e.loc,
                    format!("({owner}) {kind} {name} not found, ignoring..."),
                );
            }
            continue;
        }
        let target = match which {
            Tracked::Interface => &mut list.interfaces,
            Tracked::Script => &mut list.scripts,
            Tracked::File => &mut list.files,
            Tracked::Process => &mut list.processes,
            Tracked::Bfd => &mut list.bfds,
        };
        if target.iter().any(|t| t.name == name) {
            d.warn(
                e.loc,
                format!("({owner}) duplicate {kind} {name} - ignoring"),
            );
            continue;
        }
        let weight = match e.arg(0) {
            None => None,
            Some("weight") if e.arg(1).is_none() => {
                d.warn(
                    e.loc,
                    format!(
                        "({owner}) weight without value specified for {kind} {name} - ignoring"
                    ),
                );
                continue;
            }
            Some("weight") => {
                // A bad weight is reported and the default used: 0 for an interface, the
                // object's own weight for the others.
                let w = weight_words(e, 1, &format!("({owner}) {kind} {name}"), lo, hi, d);
                match w {
                    // keepalived's track_bfd starts from the bfd_instance's own weight and
                    // `reverse`, so a weight without a word after it keeps that reverse.
                    Some(mut w) if which == Tracked::Bfd && e.arg(2).is_none() => {
                        let own = defined.bfds.iter().find(|s| s.name == name);
                        w.reverse = own.is_some_and(|s| s.weight.reverse);
                        Some(w)
                    }
                    Some(w) => Some(w),
                    None if which == Tracked::Interface => Some(Weight::default()),
                    None => None,
                }
            }
            Some(o) => {
                d.warn(
                    e.loc,
                    format_args!("({owner}) unknown {kind} {name} option {o} - ignoring"),
                );
                continue;
            }
        };
        target.push(TrackRef {
            loc: e.loc,
            name,
            weight,
        });
    }
    true
}
