//! `keepalived` (or `genhash` by argv[0]): dispatch only.

use keepalived::{cli, config, core};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opts = match cli::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("keepalived: {}", e.0);
            std::process::exit(2);
        }
    };
    core::logging::init(&opts);
    match opts.mode {
        cli::Mode::ConfigTest(_) => {
            let lo = config::LoadOptions::default();
            let (_cfg, d) = config::load(&opts.config_file, &lo);
            eprint!("{d}");
            std::process::exit(if d.items().is_empty() { 0 } else { 5 });
        }
        cli::Mode::Run => std::process::exit(core::watchdog::run(&opts)),
        _ => {}
    }
}
