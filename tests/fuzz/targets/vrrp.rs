//! Adverts through `packet::receive`, `router::pick` and the router's `handle_advert` (state
//! machine, timers, adverts built in answer), for each of the captures' configs seen from the
//! backup side. First byte: the config; the rest: see `keepalived::fuzzing::Vrrp::run`.
#![no_main]

mod common;

use std::sync::OnceLock;

use keepalived::fuzzing::Vrrp;

/// In the order of seeds.py's VRRP_CONFS.
const CONFS: [(&str, &str); 6] = [
    ("v2_ipv4", include_str!("../conf/v2_ipv4.conf")),
    ("v2_ipv4_pass", include_str!("../conf/v2_ipv4_pass.conf")),
    ("v2_ipv4_ah", include_str!("../conf/v2_ipv4_ah.conf")),
    (
        "v2_ipv4_unicast",
        include_str!("../conf/v2_ipv4_unicast.conf"),
    ),
    ("v3_ipv4", include_str!("../conf/v3_ipv4.conf")),
    ("v3_ipv6", include_str!("../conf/v3_ipv6.conf")),
];

fn harnesses() -> &'static Vec<Vrrp> {
    static H: OnceLock<Vec<Vrrp>> = OnceLock::new();
    H.get_or_init(|| {
        CONFS
            .iter()
            .map(|(name, text)| {
                let path = common::write(&format!("{name}.conf"), text.as_bytes());
                Vrrp::new(&path).unwrap_or_else(|| panic!("{name}.conf does not run"))
            })
            .collect()
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let h = harnesses();
    if let Some((&which, rest)) = data.split_first() {
        h[usize::from(which) % h.len()].run(rest);
    }
});
