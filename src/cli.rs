//! keepalived(8)'s command line. PLACEHOLDER parser; the Options fields are the interface.

use std::path::PathBuf;

/// Which subsystems to run (`-P`, `-C`, `-B`, `--all`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subsystems {
    pub vrrp_only: bool,
    pub check_only: bool,
    pub no_bfd: bool,
    pub all: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Run the daemon.
    Run,
    /// `-t[=FILE]`: check the config and exit.
    ConfigTest(Option<PathBuf>),
    /// `-v`
    Version,
    /// `-h`
    Help,
    /// `--signum=NAME`: print the signal number and exit.
    Signum(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    pub config_file: PathBuf,
    pub subsystems: Subsystems,
    /// `-l`
    pub log_console: bool,
    /// `-D`
    pub log_detail: bool,
    /// `-S N`: syslog facility LOG_LOCAL0..7 (None = daemon).
    pub log_facility: Option<u8>,
    /// `-g[FILE]`
    pub log_file: Option<PathBuf>,
    /// `-G`
    pub no_syslog: bool,
    /// `-X`: release VIPs on stop (default keeps keepalived's behaviour).
    pub release_vips: bool,
    /// `-V`: don't remove VRRP VIPs and routes on stop.
    pub dont_release_vrrp: bool,
    /// `-I`: don't remove IPVS topology on stop.
    pub dont_release_ipvs: bool,
    /// `-R`: don't respawn children.
    pub dont_respawn: bool,
    /// `-n`
    pub foreground: bool,
    /// `-d`: dump the parsed config.
    pub dump_conf: bool,
    pub pid_file: PathBuf,
    pub vrrp_pid_file: PathBuf,
    pub checkers_pid_file: PathBuf,
    /// `-i`
    pub config_id: Option<String>,
    /// `-e`
    pub all_config: bool,
    /// `-u`
    pub umask: Option<u32>,
    /// `--mem-check` (the debug allocator records live allocations); `--no-mem-check` turns it off.
    pub mem_check: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Run,
            config_file: PathBuf::from("/etc/keepalived/keepalived.conf"),
            subsystems: Subsystems::default(),
            log_console: false,
            log_detail: false,
            log_facility: None,
            log_file: None,
            no_syslog: false,
            release_vips: false,
            dont_release_vrrp: false,
            dont_release_ipvs: false,
            dont_respawn: false,
            foreground: false,
            dump_conf: false,
            pid_file: PathBuf::from("/run/keepalived.pid"),
            vrrp_pid_file: PathBuf::from("/run/keepalived_vrrp.pid"),
            checkers_pid_file: PathBuf::from("/run/keepalived_checkers.pid"),
            config_id: None,
            all_config: false,
            umask: None,
            mem_check: false,
        }
    }
}

/// A usage error: the message to print and the exit code (2).
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Options, UsageError> {
    let mut o = Options::default();
    let mut it = args.into_iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-f" | "--use-file" => o.config_file = it.next().map(PathBuf::from).unwrap_or_default(),
            "-t" | "--config-test" => o.mode = Mode::ConfigTest(None),
            "-n" | "--dont-fork" => o.foreground = true,
            "-l" | "--log-console" => o.log_console = true,
            "-v" | "--version" => o.mode = Mode::Version,
            other => return Err(UsageError(format!("unrecognized option '{other}'"))),
        }
    }
    Ok(o)
}
