//! What `-h`, `-v` and `--signum` print.

/// `--help`: the options in keepalived's order, one line each.
pub fn usage(prog: &str) -> String {
    let mut s = format!("Usage: {prog} [OPTION...]\n");
    for (opt, what) in USAGE {
        s.push_str(&format!("  {opt:<29}{what}\n"));
    }
    s
}

/// What `-x` and `-A` do, as keepalived words them; without the `snmp` feature they are refused.
const SNMP_HELP: [&str; 2] = if cfg!(feature = "snmp") {
    [
        "Enable SNMP subsystem",
        "Use the specified socket for master agent",
    ]
} else {
    ["Not supported by this build (no SNMP)"; 2]
};

const USAGE: &[(&str, &str)] = &[
    (
        "-f, --use-file=FILE",
        "Configuration file (default /etc/keepalived/keepalived.conf)",
    ),
    ("-P, --vrrp", "Run the VRRP subsystem only"),
    ("-C, --check", "Run the health-checker subsystem only"),
    ("-B, --no_bfd", "Do not run the BFD subsystem"),
    (
        "    --all",
        "Start every child process even without configuration for it",
    ),
    ("-l, --log-console", "Also log to the console (stderr)"),
    (
        "-D, --log-detail",
        "More detailed log messages (twice: even more)",
    ),
    (
        "-S, --log-facility=FAC",
        "Syslog facility: 0-7 or local0-7 (LOG_LOCALn), user, daemon (default)",
    ),
    (
        "-g, --log-file[=FILE]",
        "Also log to FILE (default /tmp/keepalived.log)",
    ),
    ("    --flush-log-file", "Flush the log file after each line"),
    ("-G, --no-syslog", "Do not log to syslog"),
    ("-u, --umask=MASK", "File creation mask (numeric)"),
    ("-X, --release-vips", "Drop VIPs on transition by signal"),
    (
        "-V, --dont-release-vrrp",
        "Keep VRRP VIPs and routes when stopping",
    ),
    (
        "-I, --dont-release-ipvs",
        "Keep the IPVS table when stopping",
    ),
    (
        "    --without-ipvs",
        "Run health checkers without IPVS, logging what would change",
    ),
    ("-R, --dont-respawn", "Do not restart child processes"),
    ("-n, --dont-fork", "Stay in the foreground"),
    ("-d, --dump-conf", "Dump the parsed configuration"),
    (
        "-p, --pid=FILE",
        "Parent pid file (default /run/keepalived.pid)",
    ),
    ("-r, --vrrp_pid=FILE", "VRRP child pid file"),
    (
        "-T, --genhash",
        "Enter into genhash utility mode (this should be the first option used).",
    ),
    ("-c, --checkers_pid=FILE", "Checker child pid file"),
    (
        "-a, --address-monitoring",
        "Log every address change netlink reports",
    ),
    ("-b, --bfd_pid=FILE", "BFD child pid file"),
    ("-x, --snmp", SNMP_HELP[0]),
    ("-A, --snmp-agent-socket=FILE", SNMP_HELP[1]),
    ("-s, --namespace=NAME", "Not supported by this build"),
    (
        "-m, --core-dump",
        "Allow a core dump on abnormal termination",
    ),
    (
        "-M, --core-dump-pattern[=PATN]",
        "Also set kernel core_pattern to PATN (default 'core')",
    ),
    (
        "-e, --all-config",
        "Refuse to load if any included file is missing",
    ),
    (
        "-i, --config-id ID",
        "Config id for '@ID' lines (default: host name up to the first '.')",
    ),
    (
        "    --signum=SIGFUNC",
        "Print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON",
    ),
    (
        "-t, --config-test[=FILE]",
        "Check the configuration and exit; messages to FILE or stderr",
    ),
    ("-L, --mem-check-log", "Not supported by this build"),
    ("    --perf[=TYPE]", "Not supported by this build"),
    ("    --debug[=OPTS]", "Not supported by this build"),
    (
        "    --mem-check",
        "Track live allocations; report leaks at exit",
    ),
    ("    --no-mem-check", "Do not track allocations"),
    ("-v, --version", "Print the version"),
    ("-h, --help", "Print this help"),
];

/// keepalived 2.2.7's `-v` "Config options" this build has, in keepalived's order, each with
/// the test that shows it (a file from the crate root, and a word that file must hold). Only the
/// joined names reach the binary. Left out: DBUS (not built); INIT=systemd (how
/// keepalived's own install was configured, not a feature of the binary; image/systemd ships
/// our unit).
macro_rules! config_options {
    ($names:ident, $tests:ident: $($opt:literal => $file:literal, $word:literal;)*) => {
        const $names: &str = concat!($(" ", $opt,)*);
        #[cfg(test)]
        const $tests: &[(&str, &str, &str)] = &[$(($opt, $file, $word),)*];
    };
}

config_options! {CONFIG_OPTIONS, CONFIG_OPTION_TESTS:
    "NFTABLES" => "tests/vrrp_firewall.rs", "nft";
    "LVS" => "tests/ipvs_vm.rs", "virtual_server";
    "REGEX" => "tests/checkers_regex_vm.rs", "regex";
    "VRRP" => "tests/vrrp_lab.rs", "Election by priority";
    "VRRP_AUTH" => "tests/vrrp_smoke.rs", "auth_type AH";
    "VRRP_VMAC" => "tests/vrrp_vmac.rs", "use_vmac";
    "JSON" => "tests/vrrp_json.rs", "keepalived.json";
    "BFD" => "tests/bfd_vrrp.rs", "track_bfd";
    "OLD_CHKSUM_COMPAT" => "src/vrrp/router/tests.rs", "old_unicast_checksum";
}

// Only with the `snmp` feature, as keepalived names them only when built with SNMP.
#[cfg(feature = "snmp")]
config_options! {SNMP_OPTIONS, SNMP_OPTION_TESTS:
    "SNMP_V3_FOR_V2" => "tests/snmp_agentx.rs", "RFC 6527 walk";
    "SNMP_VRRP" => "tests/snmp_agentx.rs", "vrrp walk";
    "SNMP_CHECKER" => "tests/snmp_checker_vm.rs", "check subtree";
    "SNMP_RFCV2" => "tests/snmp_agentx.rs", "RFC 2787 walk";
    "SNMP_RFCV3" => "tests/snmp_agentx.rs", "RFC 6527 walk";
}
#[cfg(not(feature = "snmp"))]
const SNMP_OPTIONS: &str = "";
#[cfg(all(test, not(feature = "snmp")))]
const SNMP_OPTION_TESTS: &[(&str, &str, &str)] = &[];

config_options! {LATE_OPTIONS, LATE_OPTION_TESTS:
    "SYSTEMD_NOTIFY" => "tests/sd_notify.rs", "NOTIFY_SOCKET";
}

/// `--version`: keepalived prints this to stderr.
pub fn version() -> String {
    let (sys, rel, ver) = uname();
    format!(
        "Keepalived v2.2.7-compatible (rust {})\n\n\
         keepalived for routers: VRRP, health checkers and IPVS in one binary.\n\
         Licence GPL-2.0-or-later.\n\n\
         Running on {sys} {rel} {ver}\n\n\
         Config options: {CONFIG_OPTIONS}{SNMP_OPTIONS}{LATE_OPTIONS}\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn uname() -> (String, String, String) {
    // SAFETY: utsname is plain old data; uname fills it with NUL-terminated strings.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return ("Linux".into(), String::new(), String::new());
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (field(&u.sysname), field(&u.release), field(&u.version))
}

/// `--signum=SIGFUNC`: the signal the daemon acts on for that function. TDATA needs a thread
/// dump keepalived only has in debug builds, so it is unknown here as in Debian's build.
pub fn signum(func: &str) -> Option<i32> {
    match func {
        "STOP" => Some(libc::SIGTERM),
        "RELOAD" => Some(libc::SIGHUP),
        "DATA" => Some(libc::SIGUSR1),
        "STATS" => Some(libc::SIGUSR2),
        "STATS_CLEAR" => Some(libc::SIGRTMAX() - 1),
        "JSON" => Some(libc::SIGRTMIN() + 2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-v` names an option only while the test that shows it is there.
    #[test]
    fn every_config_option_names_an_existing_test_that_exercises_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let all = [CONFIG_OPTION_TESTS, SNMP_OPTION_TESTS, LATE_OPTION_TESTS];
        for (opt, file, word) in all.concat() {
            let text = std::fs::read_to_string(root.join(file))
                .unwrap_or_else(|e| panic!("{opt}: its test {file}: {e}"));
            assert!(text.contains(word), "{opt}: {file} never says {word:?}");
        }
    }

    #[test]
    fn config_options_line_is_the_table_in_keepalived_form() {
        let v = version();
        let line = v
            .lines()
            .find(|l| l.starts_with("Config options:"))
            .unwrap_or_default();
        let snmp = if cfg!(feature = "snmp") {
            " SNMP_V3_FOR_V2 SNMP_VRRP SNMP_CHECKER SNMP_RFCV2 SNMP_RFCV3"
        } else {
            ""
        };
        assert_eq!(
            line,
            format!(
                "Config options:  NFTABLES LVS REGEX VRRP VRRP_AUTH VRRP_VMAC JSON BFD \
                 OLD_CHKSUM_COMPAT{snmp} SYSTEMD_NOTIFY"
            )
        );
        assert!(!line.contains("DBUS"), "{line}");
    }
}
