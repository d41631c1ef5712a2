//! The config as the daemon loads it: the command line's reading options, diagnostics to the
//! log, and a reload that keeps the running config when the new one has errors.

use log::{error, warn};

use super::{load, Config, Diagnostics, LoadOptions, Severity};
use crate::cli::Options;

impl From<&Options> for LoadOptions {
    fn from(opts: &Options) -> LoadOptions {
        LoadOptions {
            config_id: opts.config_id.clone(),
            all_config: opts.all_config,
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

/// Re-reads the config for a reload: None (after logging why) if it has errors.
pub(crate) fn reload_config(opts: &Options) -> Option<Config> {
    let (cfg, d) = load(&opts.config_file, &LoadOptions::from(opts));
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
