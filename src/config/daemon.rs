//! The config as the daemon loads it: the command line's reading options, diagnostics to the
//! log, and a reload that keeps the running config when the new one has errors.

use std::path::Path;

use log::{error, info, warn};

use super::{env_mode, load, reader, Config, Diagnostics, LoadOptions, Loc, Node, Severity};
use crate::cli::Options;

/// The env-var mode's tree when it applies: no file at `path` and some `KEEPALIVED_*` config
/// variable set. A variable that cannot be rendered is an error naming it.
pub(crate) fn env_tree(path: &Path, d: &mut Diagnostics) -> Option<Vec<Node>> {
    if !env_mode_applies(path) {
        return None;
    }
    info!(
        "{} does not exist: config from the KEEPALIVED_* variables",
        path.display()
    );
    let file = d.add_file(Path::new(env_mode::SOURCE_NAME));
    match env_mode::render(&env_mode::process_env) {
        Ok(text) => Some(reader::tree_from_str(&text, file, d)),
        Err(e) => {
            d.error(Loc { file, line: 0 }, format_args!("{e}"));
            Some(Vec::new())
        }
    }
}

/// `KEEPALIVED_COMMAND_LINE_ARGUMENTS`' words when the env-var mode applies to `path`: appended
/// to argv, as osixia's image does.
pub fn env_mode_args(path: &Path) -> Vec<String> {
    if env_mode_applies(path) {
        env_mode::extra_args(&env_mode::process_env)
    } else {
        Vec::new()
    }
}

/// Whether the config comes from the environment rather than from `path`.
pub(crate) fn env_mode_applies(path: &Path) -> bool {
    !path.exists() && env_mode::requested(&env_mode::process_env)
}

impl From<&Options> for LoadOptions {
    fn from(opts: &Options) -> LoadOptions {
        LoadOptions {
            config_id: opts.config_id.clone(),
            all_config: opts.all_config,
            seen_interfaces: Vec::new(),
        }
    }
}

/// Logs a config's diagnostics the way the daemon reports them.
pub(crate) fn log_diags(d: &Diagnostics) {
    for item in d.items() {
        match item.severity {
            Severity::Error => error!("{}", d.render(item)),
            Severity::Warning => warn!("{}", d.render(item)),
        }
    }
}

/// Re-reads the config for a reload: None (after logging why) if it has errors. An interface
/// the running daemon has seen (`seen`) counts as existing, as in keepalived: an instance on
/// it waits in FAULT until it is back.
pub(crate) fn reload_config(opts: &Options, seen: Vec<String>) -> Option<Config> {
    let load_opts = LoadOptions {
        seen_interfaces: seen,
        ..LoadOptions::from(opts)
    };
    let (cfg, d) = load(&opts.config_file, &load_opts);
    log_diags(&d);
    if d.has_errors() {
        error!(
            "Reload of {} failed with {} error(s) - keeping the running configuration",
            opts.config_file.display(),
            d.error_count()
        );
        return None;
    }
    Some(cfg)
}

#[cfg(test)]
mod tests {
    use super::super::{load, LoadOptions, Severity};

    const CONF: &str = "static_ipaddress {\n  10.9.9.9/32 dev kagone0\n}\n\
        vrrp_instance VI_1 {\n  interface kagone0\n  virtual_router_id 9\n  priority 100\n\
        track_interface {\n    kagone1\n  }\n  virtual_ipaddress {\n    10.9.9.1/24 dev kagone2\n  }\n}\n";

    /// A reload's read takes a gone interface the daemon has seen as existing; a first read
    /// (and `-t`) reports each line that names one.
    #[test]
    fn interfaces_the_daemon_has_seen_count_as_existing_on_reload() {
        let path = std::env::temp_dir().join(format!("ka-seen-{}.conf", std::process::id()));
        if let Err(e) = std::fs::write(&path, CONF) {
            panic!("writing {}: {e}", path.display());
        }
        let (_, first) = load(&path, &LoadOptions::default());
        let seen: Vec<String> = ["kagone0", "kagone1", "kagone2"].map(String::from).into();
        let opts = LoadOptions {
            seen_interfaces: seen.clone(),
            ..LoadOptions::default()
        };
        let (cfg, reload) = load(&path, &opts);
        let _ = std::fs::remove_file(&path);
        let errors = first
            .items()
            .iter()
            .filter(|i| i.severity == Severity::Error);
        let lines: Vec<u32> = errors.map(|i| i.loc.line).collect();
        assert_eq!(lines, [2, 5, 9, 12], "{first}");
        assert!(!reload.has_errors(), "{reload}");
        let mut names = cfg.interface_names();
        names.sort();
        assert_eq!(names, seen);
    }
}
