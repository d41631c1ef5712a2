//! `keepalived` (or `genhash` by argv[0]): command line, config test, then the daemon.

use std::path::Path;

use keepalived::check::genhash;
use keepalived::cli::{self, Mode, Options};
use keepalived::config;
use keepalived::core::{self, alloc, safe_file};
use keepalived::supervisor;

#[global_allocator]
static ALLOCATOR: alloc::DebugAlloc = alloc::DebugAlloc;

fn main() {
    let mut args: Vec<String> = Vec::new();
    for a in std::env::args() {
        args.push(a);
    }
    let prog = args.first().cloned().unwrap_or_else(|| "keepalived".into());
    if Path::new(&prog).file_name().and_then(|f| f.to_str()) == Some("genhash") {
        std::process::exit(genhash::main(&args, 1));
    }
    if let Some(i) = genhash::requested(&args) {
        std::process::exit(genhash::main(&args, i + 1));
    }
    let mut opts = parse_or_exit(args.clone());
    let extra = config::env_mode_args(&opts.config_file);
    if !extra.is_empty() {
        let mut args = args;
        args.extend(extra);
        opts = parse_or_exit(args);
    }
    let code = match &opts.mode {
        Mode::Version => {
            eprint!("{}", cli::version());
            0
        }
        Mode::Help => {
            eprint!("{}", cli::usage(&prog));
            0
        }
        Mode::Signum(name) => match cli::signum(name) {
            Some(n) => {
                println!("{n}");
                0
            }
            None => {
                eprintln!("Unknown sigfunc {name}");
                1
            }
        },
        Mode::ConfigTest(out) => {
            if let Some(path) = out {
                redirect_stderr(path);
            }
            core::logging::init(&opts.log_settings());
            start_mem_check(&opts);
            config_test(&opts)
        }
        Mode::Run => {
            core::logging::init(&opts.log_settings());
            start_mem_check(&opts);
            run(&opts)
        }
    };
    if opts.mem_check && matches!(opts.mode, Mode::Run | Mode::ConfigTest(_)) {
        // With console logging the log lines already reach stderr.
        let console = opts.log_console || matches!(opts.mode, Mode::ConfigTest(_));
        drop(opts);
        drop(prog);
        let report = alloc::leak_report().to_string();
        if !console {
            eprint!("{report}");
        }
        for line in report.lines() {
            log::info!("{line}");
        }
    }
    std::process::exit(code);
}

/// Not generic: main parses twice (with `KEEPALIVED_*` mode arguments), one copy serves both.
fn parse_or_exit(args: Vec<String>) -> Options {
    match cli::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{}", e.0);
            std::process::exit(2);
        }
    }
}

/// `--mem-check`: record live allocations from here on. The logger's own buffers, made just
/// before, live for the whole run and are not leaks.
fn start_mem_check(opts: &Options) {
    if opts.mem_check && !alloc::enable_tracking() {
        log::warn!("--mem-check: cannot map the allocation table; counting only");
    }
}

/// `-t`: every diagnostic as `file:line: msg` on stderr; the exit status is keepalived's
/// (see `Diagnostics::config_test_status`).
fn config_test(opts: &Options) -> i32 {
    alloc::set_tag(alloc::Tag::Config);
    let (cfg, d) = config::load(&opts.config_file, &config::LoadOptions::from(opts));
    for item in d.items() {
        eprintln!("{}", d.render(item));
    }
    if d.script_security_violation {
        eprintln!(
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
        );
    }
    let code = d.config_test_status();
    drop((cfg, d));
    alloc::set_tag(alloc::Tag::Core);
    code
}

fn run(opts: &Options) -> i32 {
    let me = std::process::id();
    let saved_pattern = if opts.core_dump {
        enable_core_dumps(opts.core_dump_pattern.as_deref())
    } else {
        None
    };
    let code = supervisor::run(opts);
    // Children may return here too; only the parent put the old pattern aside.
    if std::process::id() == me {
        if let Some(old) = saved_pattern {
            write_core_pattern(&old);
        }
    }
    code
}

const CORE_PATTERN: &str = "/proc/sys/kernel/core_pattern";

/// `-m`/`-M`: lift RLIMIT_CORE and, with a pattern, set the kernel's core_pattern; returns the
/// pattern to restore at exit.
fn enable_core_dumps(pattern: Option<&str>) -> Option<String> {
    let lim = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: prlimit/prctl with valid arguments; failures are only logged. prlimit on
    // ourselves is setrlimit without musl's all-threads fallback (issue 16).
    unsafe {
        if libc::prlimit(0, libc::RLIMIT_CORE, &lim, std::ptr::null_mut()) != 0 {
            log::info!("Failed to set core file size");
        }
        libc::prctl(libc::PR_SET_DUMPABLE, 1);
    }
    let pattern = pattern?;
    let old = std::fs::read_to_string(CORE_PATTERN).ok()?;
    write_core_pattern(pattern);
    Some(old.trim_end_matches('\n').to_string())
}

fn write_core_pattern(p: &str) {
    if let Err(e) = std::fs::write(CORE_PATTERN, p) {
        log::info!("Unable to write {CORE_PATTERN}: {e}");
    }
}

/// `-tFILE`: the config test's messages go to FILE (appended to a file of ours; anything else
/// at the name, a link or another user's file, is replaced).
fn redirect_stderr(path: &Path) {
    use std::os::unix::io::AsRawFd;
    let f = safe_file::open_append(path, safe_file::Mode::Umask(0o644));
    match f {
        // SAFETY: dup2 onto fd 2 of a file we just opened.
        Ok(f) => unsafe {
            libc::dup2(f.as_raw_fd(), 2);
        },
        Err(_) => {
            eprintln!("Unable to open config-test log file {}", path.display());
            std::process::exit(1);
        }
    }
}
