//! `keepalived` (or `genhash` by argv[0]): dispatch only.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opts = match keepalived::cli::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("keepalived: {}", e.0);
            std::process::exit(2);
        }
    };
    if let keepalived::cli::Mode::ConfigTest(_) = opts.mode {
        let lo = keepalived::config::LoadOptions::default();
        let (_cfg, d) = keepalived::config::load(&opts.config_file, &lo);
        eprint!("{d}");
        std::process::exit(if d.has_errors() { 1 } else { 0 });
    }
}
