//! Timing what a lab's capture saw: packet times from a pcap and the longest silence between them.

use super::Lab;
use std::path::Path;

/// Wall-clock seconds, comparable with tshark's `frame.time_epoch`.
pub fn epoch_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The longest silence in [start, end] given the (sorted) times inside it.
pub fn longest_gap(start: f64, times: &[f64], end: f64) -> f64 {
    let mut prev = start;
    let mut worst: f64 = 0.0;
    for &t in times.iter().chain(std::iter::once(&end)) {
        worst = worst.max(t - prev);
        prev = t;
    }
    worst
}

/// Capture times (epoch seconds) of the packets in `pcap` (read in namespace `ns`) that match the
/// tshark display filter `filter`, or of every packet when it is empty.
pub fn packet_times(lab: &mut Lab, ns: &str, pcap: &Path, filter: &str) -> Vec<f64> {
    let p = pcap.to_string_lossy().into_owned();
    let mut args = vec!["tshark", "-r", &p];
    if !filter.is_empty() {
        args.extend(["-Y", filter]);
    }
    args.extend(["-T", "fields", "-e", "frame.time_epoch"]);
    let out = lab.exec_ok(ns, &args);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Capture times of the VRRP packets from `src` in `pcap`, read in namespace `ns`.
pub fn advert_times(lab: &mut Lab, ns: &str, pcap: &Path, src: &str) -> Vec<f64> {
    packet_times(lab, ns, pcap, &format!("vrrp && ip.src == {src}"))
}
