//! The tracking objects defined at top level: vrrp_script, track_file (and its old name
//! vrrp_track_file) and vrrp_track_process, with keepalived's defaults and range checks.

use super::super::diag::{Diagnostics, Loc};
use super::super::tree::Node;
use super::{script_cmd, weight_words, ScriptCmd, Weight, SEC};
use crate::core::time::Micros;

/// `vrrp_script NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VrrpScript {
    pub(crate) loc: Loc,
    pub(crate) name: String,
    pub(crate) script: ScriptCmd,
    pub(crate) interval: Micros,
    /// None: the interval.
    pub(crate) timeout: Option<Micros>,
    pub(crate) weight: Weight,
    pub(crate) rise: u32,
    pub(crate) fall: u32,
    pub(crate) user: Option<(String, Option<String>)>,
    pub(crate) init_fail: bool,
}

impl VrrpScript {
    pub(crate) fn timeout(&self) -> Micros {
        self.timeout.unwrap_or(self.interval)
    }
}

/// `track_file NAME { file PATH; weight N [reverse]; init_file [V] [overwrite] }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrackFile {
    pub(crate) loc: Loc,
    pub(crate) name: String,
    pub(crate) file: String,
    pub(crate) weight: Weight,
    /// `init_file`: create the file with this value (0 by default).
    pub(crate) init_file: Option<i64>,
    pub(crate) init_overwrite: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParamMatch {
    /// Only the process name is compared.
    #[default]
    None,
    Exact,
    Initial,
    Partial,
}

/// `vrrp_track_process NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackProcess {
    pub(crate) loc: Loc,
    pub(crate) name: String,
    pub(crate) process: String,
    pub(crate) params: Vec<String>,
    pub(crate) param_match: ParamMatch,
    pub(crate) weight: Weight,
    pub(crate) quorum: u32,
    pub(crate) quorum_max: u32,
    pub(crate) delay: Option<Micros>,
    pub(crate) terminate_delay: Option<Micros>,
    pub(crate) fork_delay: Option<Micros>,
    pub(crate) full_command: bool,
}

/// keepalived refuses the whole configuration when one of `kws` has no value.
fn missing_value(c: &Node, kws: &[&str], d: &mut Diagnostics) -> bool {
    let missing = c.args().is_empty() && kws.contains(&c.keyword());
    if missing {
        d.missing_parameter(c.loc, c.keyword());
    }
    missing
}

/// An unsigned whole number of seconds; 0 is raised to 1 as keepalived does. Messages name
/// `what` (the block) and the keyword: callers pass no formatted string.
fn whole_secs(c: &Node, what: &str, d: &mut Diagnostics) -> Option<Micros> {
    let s = c.arg(0).unwrap_or("");
    let kw = c.keyword();
    match s.parse::<u64>() {
        Ok(0) => {
            d.warn(
                c.loc,
                format_args!("{what}: {kw} must be greater than 0, setting to 1"),
            );
            Some(Micros(SEC))
        }
        Ok(v) if v <= u64::from(u32::MAX) / SEC => Some(Micros(v * SEC)),
        _ => {
            d.warn(
                c.loc,
                format_args!("{what}: {kw} '{s}' is invalid, ignoring"),
            );
            None
        }
    }
}

fn count(c: &Node, what: &str, d: &mut Diagnostics) -> u32 {
    match c.arg(0).and_then(|s| s.parse::<u32>().ok()) {
        Some(v) if (1..=i32::MAX as u32).contains(&v) => v,
        _ => {
            d.warn(
                c.loc,
                format_args!(
                    "{what}: {} '{}' is invalid, using 1",
                    c.keyword(),
                    c.arg(0).unwrap_or("")
                ),
            );
            1
        }
    }
}

fn name_of(n: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    match n.args() {
        [name] => Some(name.clone()),
        _ => {
            d.error(n.loc, format!("{what} must have a name"));
            None
        }
    }
}

/// `vrrp_script NAME { ... }`; a block without `script` is dropped (reported at its `}`).
pub(crate) fn parse_vrrp_script(n: &Node, d: &mut Diagnostics) -> Option<VrrpScript> {
    let name = name_of(n, "vrrp_script", d)?;
    let mut script = None;
    let mut s = VrrpScript {
        loc: n.loc,
        name,
        script: ScriptCmd::default(),
        interval: Micros(SEC),
        timeout: None,
        weight: Weight::default(),
        rise: 1,
        fall: 1,
        user: None,
        init_fail: false,
    };
    let mut bad_user = false;
    for c in n.children() {
        let what = format!("vrrp_script {}", s.name);
        if missing_value(
            c,
            &["interval", "timeout", "weight", "rise", "fall", "user"],
            d,
        ) {
            continue;
        }
        match c.keyword() {
            // keepalived ignores an empty `script` line.
            "script" if c.args().is_empty() => {}
            "script" => script = script_cmd(c, d),
            "interval" => {
                if let Some(v) = whole_secs(c, &what, d) {
                    s.interval = v;
                }
            }
            "timeout" => {
                if let Some(v) = whole_secs(c, &what, d) {
                    s.timeout = Some(v);
                }
            }
            "weight" => match weight_words(c, 0, &what, -253, 253, d) {
                Some(w) => s.weight = w,
                None if c.arg(0).is_none() => {
                    d.warn(c.loc, format!("{what}: weight needs a value"))
                }
                None => {}
            },
            "rise" => s.rise = count(c, &what, d),
            "fall" => s.fall = count(c, &what, d),
            "user" => match parse_user(c, d) {
                Some(u) => {
                    s.user = Some(u);
                    bad_user = false;
                }
                None => bad_user = true,
            },
            "init_fail" => s.init_fail = true,
            k => d.unknown_keyword(c.loc, k),
        }
    }
    let end = n.end_loc();
    match script {
        Some(cmd) if !bad_user => {
            s.script = cmd;
            Some(s)
        }
        Some(_) => None,
        None => {
            d.error(
                end,
                format_args!("No script set for vrrp_script {} - removing", s.name),
            );
            None
        }
    }
}

/// `user USER [GROUP]` (also `USER:GROUP`).
fn parse_user(c: &Node, d: &mut Diagnostics) -> Option<(String, Option<String>)> {
    let u = c.require_arg(0, "a user name", d)?;
    let (user, group) = match u.split_once(':') {
        Some((u, g)) => (u.to_string(), Some(g.to_string())),
        None => (u.to_string(), c.arg(1).map(str::to_string)),
    };
    if user.is_empty() {
        d.error(c.loc, "'user' needs a user name");
        return None;
    }
    let unknown = if !crate::core::script::user_exists(&user) {
        Some(format!("user {user}"))
    } else {
        group
            .as_ref()
            .filter(|g| !crate::core::script::group_exists(g))
            .map(|g| format!("group {g}"))
    };
    if let Some(what) = unknown {
        d.error(
            c.loc,
            format_args!("Unable to set uid/gid for script: unknown {what}"),
        );
        return None;
    }
    Some((user, group))
}

/// `track_file NAME { ... }` and its deprecated spelling `vrrp_track_file`.
pub(crate) fn parse_track_file(n: &Node, d: &mut Diagnostics) -> Option<TrackFile> {
    let name = name_of(n, n.keyword(), d)?;
    let mut file: Option<String> = None;
    let mut t = TrackFile {
        loc: n.loc,
        name,
        file: String::new(),
        weight: Weight {
            weight: 1,
            reverse: false,
        },
        init_file: None,
        init_overwrite: false,
    };
    for c in n.children() {
        let what = format!("track_file {}", t.name);
        match c.keyword() {
            "file" => match (c.arg(0), &file) {
                (None, _) => d.error(c.loc, "track file file name missing"),
                (Some(f), Some(_)) => {
                    d.warn(c.loc, format!("{what}: file already set, ignoring '{f}'"))
                }
                (Some(f), None) => file = Some(f.to_string()),
            },
            "weight" => match weight_words(c, 0, &what, -254, 254, d) {
                Some(w) => t.weight = w,
                None if c.arg(0).is_none() => {
                    d.warn(c.loc, format_args!("{what}: weight needs a value"))
                }
                None => {}
            },
            "init_file" => {
                t.init_file = Some(0);
                for w in c.args() {
                    if w == "overwrite" {
                        t.init_overwrite = true;
                    } else if let Ok(v) = w.parse::<i64>() {
                        t.init_file = Some(v);
                    } else {
                        d.warn(
                            c.loc,
                            format_args!("{what}: unknown init_file option '{w}'"),
                        );
                    }
                }
            }
            k => d.unknown_keyword(c.loc, k),
        }
    }
    match file {
        Some(f) => {
            t.file = f;
            Some(t)
        }
        None => {
            let end = n.end_loc();
            d.error(
                end,
                format!("No file set for track_file {} - ignoring", t.name),
            );
            None
        }
    }
}

fn delay(c: &Node, what: &str, d: &mut Diagnostics) -> Option<Micros> {
    let s = c.arg(0).unwrap_or("");
    match super::super::value::parse_timer(s) {
        Some(v) if v.0 <= u64::from(u32::MAX) => Some(v),
        _ => {
            d.warn(
                c.loc,
                format_args!("{what}: {} '{s}' is invalid, ignoring", c.keyword()),
            );
            None
        }
    }
}

/// `vrrp_track_process NAME { ... }`.
pub(crate) fn parse_track_process(n: &Node, d: &mut Diagnostics) -> Option<TrackProcess> {
    let name = name_of(n, "vrrp_track_process", d)?;
    let mut process: Option<String> = None;
    let mut t = TrackProcess {
        loc: n.loc,
        name,
        process: String::new(),
        params: Vec::new(),
        param_match: ParamMatch::None,
        weight: Weight::default(),
        quorum: 1,
        quorum_max: u32::MAX,
        delay: None,
        terminate_delay: None,
        fork_delay: None,
        full_command: false,
    };
    let mut weight_set = false;
    for c in n.children() {
        let what = format!("vrrp_track_process {}", t.name);
        let need = [
            "process",
            "quorum",
            "quorum_max",
            "delay",
            "terminate_delay",
            "fork_delay",
        ];
        if missing_value(c, &need, d) {
            continue;
        }
        match c.keyword() {
            "process" => match (c.args(), &process) {
                ([], _) => d.error(c.loc, format!("{what}: process needs a name")),
                (_, Some(_)) => d.warn(c.loc, format!("{what}: process already set, ignoring")),
                ([p, params @ ..], None) => {
                    process = Some(p.clone());
                    if !params.is_empty() {
                        t.params = params.to_vec();
                        if t.param_match == ParamMatch::None {
                            t.param_match = ParamMatch::Exact;
                        }
                        t.full_command = true;
                    }
                }
            },
            "param_match" => {
                t.param_match = match c.arg(0) {
                    None => ParamMatch::Exact,
                    Some("initial") => ParamMatch::Initial,
                    Some("partial") => ParamMatch::Partial,
                    Some(o) => {
                        d.warn(c.loc, format!("Invalid param_match type {o} - ignoring"));
                        continue;
                    }
                };
                t.full_command = true;
            }
            "weight" => {
                if c.arg(0).is_none() {
                    d.warn(c.loc, format!("{what}: weight needs a value, ignoring"));
                } else if weight_set {
                    d.warn(c.loc, format!("{what}: weight already set, ignoring"));
                } else if let Some(w) = weight_words(c, 0, &what, -254, 254, d) {
                    t.weight = w;
                    weight_set = true;
                }
            }
            "quorum" => match c.arg(0).and_then(|s| s.parse::<u32>().ok()) {
                Some(q) if (1..=65535).contains(&q) && q <= t.quorum_max => t.quorum = q,
                Some(q) if (1..=65535).contains(&q) => {
                    d.warn(c.loc, "Quorum is greater than quorum_max - ignoring")
                }
                _ => d.warn(c.loc, format!("{what}: quorum must be in 1..65535")),
            },
            "quorum_max" => match c.arg(0).and_then(|s| s.parse::<u32>().ok()) {
                Some(q) if q <= 65535 && q >= t.quorum => t.quorum_max = q,
                Some(q) if q <= 65535 => d.warn(c.loc, "quorum_max is less than quorum - ignoring"),
                _ => d.warn(c.loc, format!("{what}: quorum_max must be in 0..65535")),
            },
            "delay" => {
                if let Some(v) = delay(c, &what, d) {
                    t.delay = Some(v);
                    t.terminate_delay = Some(v);
                    t.fork_delay = Some(v);
                }
            }
            "terminate_delay" => t.terminate_delay = delay(c, &what, d),
            "fork_delay" => t.fork_delay = delay(c, &what, d),
            "full_command" => t.full_command = true,
            k => d.unknown_keyword(c.loc, k),
        }
    }
    let end = n.end_loc();
    match process {
        Some(p) => {
            t.process = p;
            Some(t)
        }
        None => {
            d.error(
                end,
                format_args!("track process '{}' process name not specified", t.name),
            );
            None
        }
    }
}
