//! osixia/docker-keepalived's environment-variable mode: `KEEPALIVED_*` variables rendered into
//! the one-instance keepalived.conf that image's startup script writes, so a user swapping the
//! image name keeps their `docker run -e ...` lines. Rendered in memory: our image has no shell
//! and may run with a read-only root. The text then goes through the normal parser.
//!
//! It applies only when the config file does not exist and at least one of the variables is
//! set: a mounted config always wins, and a host daemon without the variables is unaffected.

use std::fmt::Write;

/// The variables that make a config, with osixia's defaults for the scalar ones. Its list
/// defaults (peers 192.168.1.10/11, addresses 192.168.1.231/232) are real private addresses a
/// copied default would claim on someone's LAN, so lists have none.
const INTERFACE: (&str, &str) = ("KEEPALIVED_INTERFACE", "eth0");
const PASSWORD: (&str, &str) = ("KEEPALIVED_PASSWORD", "d0cker");
const PRIORITY: (&str, &str) = ("KEEPALIVED_PRIORITY", "150");
const ROUTER_ID: (&str, &str) = ("KEEPALIVED_ROUTER_ID", "51");
const STATE: (&str, &str) = ("KEEPALIVED_STATE", "BACKUP");
const PEERS: &str = "KEEPALIVED_UNICAST_PEERS";
const VIPS: &str = "KEEPALIVED_VIRTUAL_IPS";
const NOTIFY: &str = "KEEPALIVED_NOTIFY";
/// Extra command line words, appended to argv as osixia's process script does.
pub(crate) const ARGS: &str = "KEEPALIVED_COMMAND_LINE_ARGUMENTS";

const CONFIG_VARS: [&str; 8] = [
    INTERFACE.0,
    PASSWORD.0,
    PRIORITY.0,
    ROUTER_ID.0,
    STATE.0,
    PEERS,
    VIPS,
    NOTIFY,
];

/// What the rendered text is called in diagnostics (`KEEPALIVED_* environment:7: ...`).
pub(crate) const SOURCE_NAME: &str = "KEEPALIVED_* environment";

/// A variable whose value cannot go into the config.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct EnvError {
    pub(crate) var: &'static str,
    pub(crate) value: String,
    pub(crate) why: &'static str,
}

impl std::fmt::Display for EnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}='{}': {}", self.var, self.value, self.why)
    }
}

/// Whether any config variable is set (non-empty).
pub(crate) fn requested(get: &dyn Fn(&str) -> Option<String>) -> bool {
    CONFIG_VARS
        .iter()
        .any(|v| get(v).is_some_and(|s| !s.trim().is_empty()))
}

/// The process environment, empty values counting as unset (as `[ -n ]` in osixia's script).
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Renders the config osixia's template gives for these variables.
pub(crate) fn render(get: &dyn Fn(&str) -> Option<String>) -> Result<String, EnvError> {
    let scalar = |(var, default): (&'static str, &str)| -> Result<String, EnvError> {
        let v = get(var).map_or_else(|| default.to_string(), |s| s.trim().to_string());
        check_word(var, &v)?;
        Ok(v)
    };
    let interface = scalar(INTERFACE)?;
    let password = scalar(PASSWORD)?;
    let priority = scalar(PRIORITY)?;
    number(PRIORITY.0, &priority, 1, 255)?;
    let router_id = scalar(ROUTER_ID)?;
    number(ROUTER_ID.0, &router_id, 1, 255)?;
    let state = scalar(STATE)?;
    if state != "MASTER" && state != "BACKUP" {
        return Err(err(STATE.0, &state, "must be MASTER or BACKUP"));
    }
    let peers = list(PEERS, get)?;
    let vips = list(VIPS, get)?;
    if vips.is_empty() {
        return Err(err(
            VIPS,
            "",
            "not set: the instance needs an address to hold",
        ));
    }
    let mut t = String::with_capacity(512);
    // Writing to a String cannot fail.
    let _ = write!(
        t,
        "global_defs {{\n  default_interface {interface}\n}}\n\
         vrrp_instance VI_1 {{\n  interface {interface}\n  state {state}\n  \
         virtual_router_id {router_id}\n  priority {priority}\n  nopreempt\n"
    );
    if !peers.is_empty() {
        block(&mut t, "unicast_peer", &peers);
    }
    block(&mut t, "virtual_ipaddress", &vips);
    let _ = write!(
        t,
        "  authentication {{\n    auth_type PASS\n    auth_pass {password}\n  }}\n"
    );
    if let Some(n) = get(NOTIFY) {
        let n = n.trim();
        check_text(NOTIFY, n)?;
        let _ = writeln!(t, "  notify \"{n}\"");
    }
    t.push_str("}\n");
    Ok(t)
}

/// `KEEPALIVED_COMMAND_LINE_ARGUMENTS` split into words (no quoting: osixia's script leaves
/// the variable unquoted for the shell to split).
pub(crate) fn extra_args(get: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    get(ARGS)
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

fn block(t: &mut String, name: &str, items: &[String]) {
    let _ = writeln!(t, "  {name} {{");
    for i in items {
        let _ = writeln!(t, "    {i}");
    }
    t.push_str("  }\n");
}

/// A list as osixia's image takes it: `#PYTHON2BASH:['a', 'b c']` (items may hold spaces) or
/// words separated by blanks; an item naming another set variable stands for its value.
fn list(var: &'static str, get: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>, EnvError> {
    let Some(raw) = get(var) else {
        return Ok(Vec::new());
    };
    let items: Vec<&str> = match raw.trim().strip_prefix("#PYTHON2BASH:") {
        Some(py) => {
            // A loop, not split/map/filter/collect: ~350 bytes less MIPS code.
            let mut items = Vec::new();
            for i in py
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
            {
                let i = i.trim().trim_matches(|c| c == '\'' || c == '"').trim();
                if !i.is_empty() {
                    items.push(i);
                }
            }
            items
        }
        None => raw.split_whitespace().collect(),
    };
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        let item = match get(i).filter(|_| is_var_name(i)) {
            Some(v) => v.trim().to_string(),
            None => i.to_string(),
        };
        check_text(var, &item)?;
        out.push(item);
    }
    Ok(out)
}

fn is_var_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Text that stays one statement: no block delimiters, quotes, comments or line breaks.
fn check_text(var: &'static str, v: &str) -> Result<(), EnvError> {
    if v.contains(['{', '}', '"', '#', '!', '\n', '\r']) {
        return Err(err(
            var,
            v,
            "braces, quotes, '#', '!' and line breaks are not allowed",
        ));
    }
    Ok(())
}

fn check_word(var: &'static str, v: &str) -> Result<(), EnvError> {
    check_text(var, v)?;
    if v.is_empty() || v.contains(char::is_whitespace) {
        return Err(err(var, v, "must be one word"));
    }
    Ok(())
}

fn number(var: &'static str, v: &str, min: u32, max: u32) -> Result<(), EnvError> {
    match v.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(()),
        _ => Err(err(var, v, "must be a number from 1 to 255")),
    }
}

fn err(var: &'static str, value: &str, why: &'static str) -> EnvError {
    EnvError {
        var,
        value: value.to_string(),
        why,
    }
}

#[cfg(test)]
#[path = "env_mode_tests.rs"]
mod tests;
