//! SIGUSR2's /tmp/keepalived.stats: one section per instance, keepalived 2.2.7's layout.

use crate::core::dump_line as line;
use crate::vrrp::fsm::Stats;
use crate::vrrp::router::Drops;

/// The stats file: each instance's (name, state machine counters, packet drops), then with
/// `--mem-check` the allocation count (what tests/bench reads to see steady state allocates
/// nothing).
pub fn stats_text<'a>(
    insts: impl Iterator<Item = (&'a str, &'a Stats, &'a Drops)>,
    allocations: Option<u64>,
) -> String {
    let mut s = String::new();
    for (name, st, d) in insts {
        instance_stats(&mut s, name, st, d);
    }
    if let Some(n) = allocations {
        line::num(&mut s, "Allocations: ", n);
    }
    s
}

/// One instance's section of the stats file, as keepalived 2.2.7 writes it.
#[inline(never)] // One per item: see core::dump_line.
fn instance_stats(s: &mut String, name: &str, st: &Stats, d: &Drops) {
    const KEYS: [&str; 14] = [
        "  Advertisements:\n    Received: ",
        "    Sent: ",
        "  Became master: ",
        "  Released master: ",
        "  Packet Errors:\n    Length: ",
        "    TTL: ",
        "    Invalid Type: ",
        "    Advertisement Interval: ",
        "    Address List: ",
        "  Authentication Errors:\n    Invalid Type: ",
        "    Type Mismatch: ",
        "    Failure: ",
        "  Priority Zero:\n    Received: ",
        "    Sent: ",
    ];
    let counts = [
        st.adverts_rx,
        st.adverts_sent,
        st.become_master,
        st.release_master,
        d.length,
        d.ttl,
        d.invalid_type,
        d.interval,
        d.addr_list,
        d.auth_invalid_type,
        d.auth_type_mismatch,
        d.auth_failure,
        st.pri_zero_rx,
        st.pri_zero_sent,
    ];
    line::text(s, "VRRP Instance: ", name);
    for (k, n) in KEYS.iter().zip(counts) {
        line::num(s, k, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by keepalived 2.2.7 on SIGUSR2 for a MASTER that had sent two adverts, with
    /// distinct numbers put in to check each counter's place.
    const KEEPALIVED: &str = "VRRP Instance: VI_1
  Advertisements:
    Received: 1
    Sent: 2
  Became master: 3
  Released master: 4
  Packet Errors:
    Length: 5
    TTL: 6
    Invalid Type: 7
    Advertisement Interval: 8
    Address List: 9
  Authentication Errors:
    Invalid Type: 10
    Type Mismatch: 11
    Failure: 12
  Priority Zero:
    Received: 13
    Sent: 14
";

    #[test]
    fn stats_section_has_keepalived_layout() {
        let st = Stats {
            adverts_rx: 1,
            adverts_sent: 2,
            become_master: 3,
            release_master: 4,
            pri_zero_rx: 13,
            pri_zero_sent: 14,
            ..Stats::default()
        };
        let d = Drops {
            length: 5,
            ttl: 6,
            invalid_type: 7,
            interval: 8,
            addr_list: 9,
            auth_invalid_type: 10,
            auth_type_mismatch: 11,
            auth_failure: 12,
        };
        let mut s = String::new();
        instance_stats(&mut s, "VI_1", &st, &d);
        assert_eq!(s, KEEPALIVED);
    }
}
