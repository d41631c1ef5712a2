//! keepalived(8)'s command line, option for option as in keepalived 2.2.7.
//!
//! Options keepalived has but this build does not implement are recognised and refused
//! (exit 2) rather than ignored, so a unit file that relies on them fails loudly.

pub(crate) mod getopt;
#[cfg(test)]
mod tests;
mod text;

use std::path::{Path, PathBuf};

use log::LevelFilter;

use crate::core::logging::Settings;

use getopt::{Found, HasArg, Spec};
pub use text::{signum, usage, version};

/// Which subsystems to run (`-P`, `-C`, `-B`, `--all`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Subsystems {
    pub(crate) vrrp_only: bool,
    pub(crate) check_only: bool,
    pub(crate) no_bfd: bool,
    pub(crate) all: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Run the daemon.
    Run,
    /// `-t[=FILE]`: check the config and exit; FILE receives the messages instead of stderr.
    ConfigTest(Option<PathBuf>),
    /// `-v`
    Version,
    /// `-h`
    Help,
    /// `--signum=NAME`: print the signal number and exit.
    Signum(String),
}

/// The syslog facility `-S` selects.
pub(crate) use crate::core::logging::Facility;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    pub config_file: PathBuf,
    pub(crate) subsystems: Subsystems,
    /// `-l`
    pub log_console: bool,
    /// `-D`
    pub(crate) log_detail: bool,
    /// `-D` given twice.
    log_extra_detail: bool,
    /// `-S N`: syslog facility LOG_LOCAL0..7 (None = daemon or user, see `facility`).
    log_facility: Option<u8>,
    /// `-S`: the full choice (0-7, local0-7, user, daemon).
    facility: Facility,
    /// `-g[FILE]`
    log_file: Option<PathBuf>,
    /// `--flush-log-file`
    flush_log_file: bool,
    /// `-G`
    no_syslog: bool,
    /// `-X`: release VIPs on stop (default keeps keepalived's behaviour).
    release_vips: bool,
    /// `-V`: don't remove VRRP VIPs and routes on stop.
    pub(crate) dont_release_vrrp: bool,
    /// `-I`: don't remove IPVS topology on stop.
    pub(crate) dont_release_ipvs: bool,
    /// `--without-ipvs` (ours): run the checkers and their scripts but leave IPVS alone, logging
    /// what would change, for hosts and containers without IPVS (keepalived stops there).
    pub(crate) without_ipvs: bool,
    /// `-R`: don't respawn children.
    pub(crate) dont_respawn: bool,
    /// `-n`
    pub(crate) foreground: bool,
    /// `-d`: each child logs its SIGUSR1 data file's lines once started, as keepalived's
    /// children do (nothing under `-t`, which starts none).
    pub(crate) dump_conf: bool,
    pub(crate) pid_file: PathBuf,
    pub(crate) vrrp_pid_file: PathBuf,
    pub(crate) checkers_pid_file: PathBuf,
    /// `-b`
    pub(crate) bfd_pid_file: PathBuf,
    /// `-a`: log every address added or removed as netlink reports it.
    address_monitoring: bool,
    /// `-i`
    pub(crate) config_id: Option<String>,
    /// `-e`
    pub(crate) all_config: bool,
    /// `-u`
    pub(crate) umask: Option<u32>,
    /// `-m` (also set by `-M`): lift RLIMIT_CORE.
    pub core_dump: bool,
    /// `-M[PATTERN]`: also set /proc/sys/kernel/core_pattern (default "core") for the run.
    pub core_dump_pattern: Option<String>,
    /// `--mem-check` (the debug allocator records live allocations); `--no-mem-check` turns it off.
    pub mem_check: bool,
    /// `-x`: every SNMP MIB on (KEEPALIVED-MIB's VRRP and checker parts, RFC 2787, RFC 6527).
    pub(crate) snmp: bool,
    /// `-A FILE`: the master agent's socket, over global_defs' `snmp_socket`.
    pub(crate) snmp_socket: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Run,
            config_file: PathBuf::from(DEFAULT_CONFIG_FILE),
            subsystems: Subsystems::default(),
            log_console: false,
            log_detail: false,
            log_extra_detail: false,
            log_facility: None,
            facility: Facility::Daemon,
            log_file: None,
            flush_log_file: false,
            no_syslog: false,
            release_vips: false,
            dont_release_vrrp: false,
            dont_release_ipvs: false,
            without_ipvs: false,
            dont_respawn: false,
            foreground: false,
            dump_conf: false,
            pid_file: PathBuf::from("/run/keepalived.pid"),
            vrrp_pid_file: PathBuf::from("/run/keepalived_vrrp.pid"),
            checkers_pid_file: PathBuf::from("/run/keepalived_checkers.pid"),
            bfd_pid_file: PathBuf::from("/run/keepalived_bfd.pid"),
            address_monitoring: false,
            config_id: None,
            all_config: false,
            umask: None,
            core_dump: false,
            core_dump_pattern: None,
            mem_check: cfg!(feature = "mem-check"),
            snmp: false,
            snmp_socket: None,
        }
    }
}

impl Options {
    /// How this invocation logs (-l, -S, -g, -G, -D; `-t` prints bare messages on stderr only).
    pub fn log_settings(&self) -> Settings {
        let config_test = matches!(self.mode, Mode::ConfigTest(_));
        Settings {
            console: self.log_console || config_test,
            timestamps: !config_test,
            syslog: !self.no_syslog && !config_test,
            facility: self.facility,
            file: self.log_file.clone(),
            file_mode: 0o666 & !self.umask.unwrap_or(DEFAULT_UMASK),
            level: if self.log_extra_detail {
                LevelFilter::Trace
            } else if self.log_detail {
                LevelFilter::Debug
            } else {
                LevelFilter::Info
            },
        }
    }
}

/// A usage error: the full message to print (stderr) and exit with code 2.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// `-g` with no file name.
const DEFAULT_LOG_FILE: &str = "/tmp/keepalived.log";

/// keepalived's umask when -u is not given: files only for their owner, never executable.
pub(crate) const DEFAULT_UMASK: u32 = 0o177;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opt {
    UseFile,
    Vrrp,
    Check,
    NoBfd,
    BfdPid,
    All,
    LogConsole,
    LogDetail,
    LogFacility,
    LogFile,
    FlushLogFile,
    NoSyslog,
    Umask,
    ReleaseVips,
    DontReleaseVrrp,
    DontReleaseIpvs,
    WithoutIpvs,
    DontRespawn,
    DontFork,
    DumpConf,
    Pid,
    VrrpPid,
    CheckersPid,
    AddressMonitoring,
    CoreDump,
    CoreDumpPattern,
    ConfigId,
    AllConfig,
    Signum,
    ConfigTest,
    NoMemCheck,
    MemCheck,
    Snmp,
    SnmpSocket,
    Version,
    Help,
    /// Known to keepalived, refused here.
    Unsupported,
    Genhash,
}

const fn spec(short: Option<char>, long: &'static str, has_arg: HasArg, id: Opt) -> Spec<Opt> {
    Spec {
        short,
        long: Some(long),
        has_arg,
        id,
    }
}

use HasArg::{No, Optional, Required};

const SPECS: &[Spec<Opt>] = &[
    spec(Some('f'), "use-file", Required, Opt::UseFile),
    spec(Some('P'), "vrrp", No, Opt::Vrrp),
    spec(Some('C'), "check", No, Opt::Check),
    spec(Some('B'), "no_bfd", No, Opt::NoBfd),
    spec(None, "all", No, Opt::All),
    spec(Some('l'), "log-console", No, Opt::LogConsole),
    spec(Some('D'), "log-detail", No, Opt::LogDetail),
    spec(Some('S'), "log-facility", Required, Opt::LogFacility),
    spec(Some('g'), "log-file", Optional, Opt::LogFile),
    spec(None, "flush-log-file", No, Opt::FlushLogFile),
    spec(Some('G'), "no-syslog", No, Opt::NoSyslog),
    spec(Some('u'), "umask", Required, Opt::Umask),
    spec(Some('X'), "release-vips", No, Opt::ReleaseVips),
    spec(Some('V'), "dont-release-vrrp", No, Opt::DontReleaseVrrp),
    spec(Some('I'), "dont-release-ipvs", No, Opt::DontReleaseIpvs),
    spec(None, "without-ipvs", No, Opt::WithoutIpvs),
    spec(Some('R'), "dont-respawn", No, Opt::DontRespawn),
    spec(Some('n'), "dont-fork", No, Opt::DontFork),
    spec(Some('d'), "dump-conf", No, Opt::DumpConf),
    spec(Some('p'), "pid", Required, Opt::Pid),
    spec(Some('r'), "vrrp_pid", Required, Opt::VrrpPid),
    spec(Some('T'), "genhash", No, Opt::Genhash),
    spec(Some('c'), "checkers_pid", Required, Opt::CheckersPid),
    spec(Some('a'), "address-monitoring", No, Opt::AddressMonitoring),
    spec(Some('b'), "bfd_pid", Required, Opt::BfdPid),
    spec(Some('x'), "snmp", No, Opt::Snmp),
    spec(Some('A'), "snmp-agent-socket", Required, Opt::SnmpSocket),
    spec(Some('s'), "namespace", Required, Opt::Unsupported),
    spec(Some('m'), "core-dump", No, Opt::CoreDump),
    spec(
        Some('M'),
        "core-dump-pattern",
        Optional,
        Opt::CoreDumpPattern,
    ),
    spec(Some('L'), "mem-check-log", No, Opt::Unsupported),
    spec(Some('e'), "all-config", No, Opt::AllConfig),
    spec(Some('i'), "config-id", Required, Opt::ConfigId),
    spec(None, "signum", Required, Opt::Signum),
    spec(Some('t'), "config-test", Optional, Opt::ConfigTest),
    spec(None, "perf", Optional, Opt::Unsupported),
    spec(None, "debug", Optional, Opt::Unsupported),
    spec(None, "no-mem-check", No, Opt::NoMemCheck),
    spec(None, "mem-check", No, Opt::MemCheck),
    spec(Some('v'), "version", No, Opt::Version),
    spec(Some('h'), "help", No, Opt::Help),
];

/// Where a distribution's keepalived reads its config without `-f`.
const DEFAULT_CONFIG_FILE: &str = "/etc/keepalived/keepalived.conf";
/// Where a keepalived built from source (prefix /usr/local) reads it, and what images built
/// that way, and kubeadm's HA manifest that mounts into them, use. keepalived 2.2.7 takes its
/// other default when its own is missing (main.c); so do we, with the roles as Debian's.
const LOCAL_CONFIG_FILE: &str = "/usr/local/etc/keepalived/keepalived.conf";

/// The config file without `-f`: the first default that exists, else the distribution's.
fn default_config_file(exists: &dyn Fn(&str) -> bool) -> PathBuf {
    if !exists(DEFAULT_CONFIG_FILE) && exists(LOCAL_CONFIG_FILE) {
        return PathBuf::from(LOCAL_CONFIG_FILE);
    }
    PathBuf::from(DEFAULT_CONFIG_FILE)
}

/// Parses argv (argv[0] included). `-v`, `-h` and `--signum` end parsing where they stand,
/// as keepalived acts on them immediately.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Options, UsageError> {
    // Collected whole, then sliced: `skip(1).collect()` was an in-place collect of ~300 bytes.
    let args: Vec<String> = args.into_iter().collect();
    parse_args(args.get(1..).unwrap_or_default())
}

/// [`parse`] past argv[0]: one copy however many argument types call it (main has two).
fn parse_args(args: &[String]) -> Result<Options, UsageError> {
    let (found, operands) = getopt::parse(args, SPECS)?;
    let mut o = Options::default();
    if !found.iter().any(|f| f.id == Opt::UseFile) {
        o.config_file = default_config_file(&|p| Path::new(p).exists());
    }
    for f in found {
        apply(&mut o, f)?;
        if matches!(o.mode, Mode::Version | Mode::Help | Mode::Signum(_)) {
            return Ok(o);
        }
    }
    if !operands.is_empty() {
        return Err(UsageError(format!(
            "Unexpected argument(s): {}\nTry 'keepalived --help' for more information.",
            operands.join(" ")
        )));
    }
    Ok(o)
}

fn apply(o: &mut Options, f: Found<Opt>) -> Result<(), UsageError> {
    let arg = f.arg.unwrap_or_default();
    match f.id {
        Opt::UseFile => o.config_file = PathBuf::from(arg),
        Opt::Vrrp => o.subsystems.vrrp_only = true,
        Opt::Check => o.subsystems.check_only = true,
        Opt::NoBfd => o.subsystems.no_bfd = true,
        Opt::All => o.subsystems.all = true,
        Opt::LogConsole => o.log_console = true,
        Opt::LogDetail => {
            o.log_extra_detail = o.log_detail;
            o.log_detail = true;
        }
        Opt::LogFacility => {
            o.facility = parse_facility(&arg).ok_or_else(|| {
                UsageError(format!(
                    "Invalid log facility '{arg}' (0-7, local0-local7, user or daemon)"
                ))
            })?;
            o.log_facility = match o.facility {
                Facility::Local(n) => Some(n),
                _ => None,
            };
        }
        Opt::LogFile => {
            o.log_file = Some(PathBuf::from(if arg.is_empty() {
                DEFAULT_LOG_FILE
            } else {
                &arg
            }))
        }
        Opt::FlushLogFile => o.flush_log_file = true,
        Opt::NoSyslog => o.no_syslog = true,
        Opt::Umask => {
            o.umask = Some(
                parse_umask(&arg)
                    .ok_or_else(|| UsageError(format!("Invalid --umask option {arg}")))?,
            )
        }
        Opt::ReleaseVips => o.release_vips = true,
        Opt::DontReleaseVrrp => o.dont_release_vrrp = true,
        Opt::DontReleaseIpvs => o.dont_release_ipvs = true,
        Opt::WithoutIpvs => o.without_ipvs = true,
        Opt::DontRespawn => o.dont_respawn = true,
        Opt::DontFork => o.foreground = true,
        Opt::DumpConf => o.dump_conf = true,
        Opt::Pid => o.pid_file = PathBuf::from(arg),
        Opt::VrrpPid => o.vrrp_pid_file = PathBuf::from(arg),
        Opt::CheckersPid => o.checkers_pid_file = PathBuf::from(arg),
        Opt::BfdPid => o.bfd_pid_file = PathBuf::from(arg),
        Opt::AddressMonitoring => o.address_monitoring = true,
        Opt::CoreDump => o.core_dump = true,
        Opt::CoreDumpPattern => {
            o.core_dump = true;
            o.core_dump_pattern = Some(if arg.is_empty() {
                "core".to_string()
            } else {
                arg
            });
        }
        Opt::ConfigId => o.config_id = Some(arg),
        Opt::AllConfig => o.all_config = true,
        Opt::Signum => o.mode = Mode::Signum(arg),
        Opt::ConfigTest => {
            // As keepalived: a config test never forks, respawns or writes to syslog.
            o.mode = Mode::ConfigTest((!arg.is_empty()).then(|| PathBuf::from(arg)));
            o.dont_respawn = true;
            o.foreground = true;
            o.no_syslog = true;
        }
        Opt::NoMemCheck => o.mem_check = false,
        Opt::MemCheck => o.mem_check = true,
        #[cfg(feature = "snmp")]
        Opt::Snmp => o.snmp = true,
        #[cfg(feature = "snmp")]
        Opt::SnmpSocket => o.snmp_socket = Some(arg),
        // keepalived built without SNMP does not know these options; its line first, so
        // that what greps for it still matches, then why.
        #[cfg(not(feature = "snmp"))]
        Opt::Snmp | Opt::SnmpSocket => {
            return Err(getopt::usage_error(format!(
                "Unknown option {}\nkeepalived: this build has no SNMP (built without the snmp feature)",
                f.name
            )))
        }
        Opt::Version => o.mode = Mode::Version,
        Opt::Help => o.mode = Mode::Help,
        Opt::Genhash => {
            return Err(UsageError(
                "genhash: give -T/--genhash as an argument of its own".to_string(),
            ))
        }
        Opt::Unsupported => {
            return Err(UsageError(format!(
                "keepalived: option {} is not supported by this build",
                f.name
            )))
        }
    }
    Ok(())
}

/// `0`-`7`, `local0`-`local7`, `user`, `daemon`.
fn parse_facility(s: &str) -> Option<Facility> {
    match s {
        "user" => return Some(Facility::User),
        "daemon" => return Some(Facility::Daemon),
        _ => {}
    }
    let n: u8 = s.strip_prefix("local").unwrap_or(s).parse().ok()?;
    (n <= 7).then_some(Facility::Local(n))
}

/// strtol base 0, as keepalived reads it: `022` octal, `0x12` hex, else decimal; only
/// permission bits.
fn parse_umask(s: &str) -> Option<u32> {
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()?
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(&s[1..], 8).ok()?
    } else {
        s.parse().ok()?
    };
    (v & !0o777 == 0).then_some(v)
}
