//! A command line (NUL-separated arguments, argv[0] first) through the option parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keepalived::fuzzing::cli(data));
