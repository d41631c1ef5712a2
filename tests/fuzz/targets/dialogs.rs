//! Server replies to the HTTP_GET, SMTP_CHECK, DNS_CHECK and UDP_CHECK dialogs of
//! conf/dialogs.conf. First byte: the checker (and HTTP_GET's url); the rest: see
//! `keepalived::fuzzing::Dialogs::run`.
#![no_main]

mod common;

use std::sync::OnceLock;

use keepalived::fuzzing::Dialogs;

fn dialogs() -> &'static Dialogs {
    static D: OnceLock<Dialogs> = OnceLock::new();
    D.get_or_init(|| {
        let path = common::write("dialogs.conf", include_bytes!("../conf/dialogs.conf"));
        Dialogs::new(&path)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| dialogs().run(data));
