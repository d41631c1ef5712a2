//! SIGUSR1's keepalived_bfd.data, in the dump directory: the blocks and line wording of
//! keepalived 2.2.7's BFD process dump (bfd_data.c) over our sessions, so a script that reads
//! one daemon's file reads the other's. The global section holds what concerns the BFD
//! process. Lines about keepalived's internals we do not have (its thread pointers) are left
//! out rather than faked; its `sands_*` lines are kept, `[disabled]` as keepalived shows them
//! outside a reload. Our receive drop counters, which keepalived has not, sit in the "BFD
//! Data" block, before the per-instance blocks that readers parse.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use super::log::{diag_name, state_name};
use super::packet::Drop;
use super::sessions::{Sessions, Stats};
use crate::config::global::dump;
use crate::config::Config;
use crate::core::time::Micros;

pub(crate) const DATA_FILE: &str = "keepalived_bfd.data";

/// What only the shell knows: its sockets and the clocks.
pub(crate) struct Io<'a> {
    /// The listening socket (keepalived has one for both families; ours is IPv4's when open).
    pub(crate) fd_in: i32,
    /// Per session: its socket (-1 while it cannot be opened) and whether its last send failed.
    pub(crate) out: &'a [(i32, bool)],
    /// Monotonic now and real now: `last seen` is shown in real time.
    pub(crate) now: Micros,
    pub(crate) real_now: Duration,
}

/// Writes the file, saying so as keepalived does.
pub(crate) fn write(cfg: &Config, core: &Sessions, io: &Io<'_>) {
    log::info!(
        "Printing BFD data for process({}) on signal",
        std::process::id()
    );
    let path = crate::core::safe_file::in_tmp_dir(DATA_FILE);
    if let Err(e) = crate::core::safe_file::write(path, text(cfg, core, io)) {
        log::warn!("cannot write {DATA_FILE}: {e}");
    }
}

/// The whole file.
pub(crate) fn text(cfg: &Config, core: &Sessions, io: &Io<'_>) -> String {
    let mut s = String::new();
    dump::head(cfg, &mut s);
    dump::bfd_sched(cfg, &mut s);
    dump::script_security(cfg, &mut s);
    s.push_str("------< BFD Data >------\n");
    let _ = writeln!(s, " fd_in = {}", io.fd_in);
    counters(core.stats(), &mut s);
    if core.len() > 0 {
        s.push_str("------< BFD Topology >------\n");
        for i in 0..core.len() {
            instance(core, i, io, &mut s);
        }
    }
    s
}

/// Why received packets were discarded, counted since the process started.
fn counters(st: &Stats, s: &mut String) {
    const DROPS: [(Drop, &str); Drop::COUNT] = [
        (Drop::Truncated, "too short"),
        (Drop::Version, "bad version"),
        (Drop::Length, "bad length"),
        (Drop::DetectMultZero, "detect multiplier 0"),
        (Drop::Multipoint, "multipoint"),
        (Drop::MyDiscriminatorZero, "my discriminator 0"),
        (Drop::YourDiscriminatorZero, "your discriminator 0"),
        (Drop::PollAndFinal, "poll and final"),
        (Drop::Diag, "bad diagnostic"),
        (Drop::Authenticated, "authenticated"),
    ];
    for (d, what) in DROPS {
        let _ = writeln!(s, " Discarded, {what} = {}", st.malformed.get(d));
    }
    let _ = writeln!(s, " Discarded, no session = {}", st.no_session);
    let _ = writeln!(s, " Discarded, TTL/hoplimit = {}", st.ttl);
}

fn instance(core: &Sessions, i: usize, io: &Io<'_>, s: &mut String) {
    let b = core.instance(i);
    let ss = core.session(i);
    let yn = |v: bool| if v { "Yes" } else { "No" };
    let _ = writeln!(s, " BFD Instance = {}", b.name);
    let _ = writeln!(s, "   Neighbor IP = {}", b.neighbor);
    if let Some(src) = b.source {
        let _ = writeln!(s, "   Source IP = {src}");
    }
    let _ = writeln!(s, "   Required min RX interval = {} us", b.min_rx.0);
    let _ = writeln!(s, "   Desired min TX interval = {} us", b.min_tx.0);
    let _ = writeln!(s, "   Desired idle TX interval = {} us", b.idle_tx.0);
    let _ = writeln!(s, "   Detection multiplier = {}", b.multiplier);
    let ttl = match b.neighbor {
        IpAddr::V4(_) => "TTL",
        IpAddr::V6(_) => "hoplimit",
    };
    let _ = writeln!(s, "   {ttl} = {}", b.ttl);
    let _ = writeln!(s, "   max_hops = {}", b.max_hops);
    let _ = writeln!(s, "   passive = {}", b.passive);
    let _ = writeln!(s, "   send event to VRRP process = {}", yn(b.to_vrrp));
    let _ = writeln!(s, "   send event to checker process = {}", yn(b.to_checker));
    let (fd, failing) = io.out.get(i).copied().unwrap_or((-1, false));
    let _ = writeln!(s, "   fd_out {fd}");
    for t in ["sands_out", "sands_exp", "sands_rst"] {
        let _ = writeln!(s, "   {t} = [disabled]");
    }
    let _ = writeln!(s, "   send error = {failing}");
    let _ = writeln!(s, "   local state = {}", state_name(ss.state()));
    let _ = writeln!(s, "   remote state = {}", state_name(ss.remote_state()));
    let _ = writeln!(s, "   local discriminator = {:#x}", ss.local_discr());
    let _ = writeln!(s, "   remote discriminator = {:#x}", ss.remote_discr());
    let _ = writeln!(s, "   local diag = {}", diag_name(ss.diag()));
    let _ = writeln!(s, "   remote diag = {}", diag_name(ss.remote_diag()));
    let heard = ss.last_rx();
    // Before the first packet keepalived shows zeros where RFC 5880 starts us at 1 µs.
    let (r_tx, r_rx, r_mult) = match heard {
        Some(_) => ss.remote_timers(),
        None => (Micros::ZERO, Micros::ZERO, 0),
    };
    let _ = writeln!(s, "   remote min tx intv = {} us", r_tx.0);
    let _ = writeln!(s, "   remote min rx intv = {} us", r_rx.0);
    s.push_str("   local demand = 0\n");
    let _ = writeln!(s, "   remote demand = {}", u8::from(ss.remote_demand()));
    let _ = writeln!(s, "   remote detect multiplier = {r_mult}");
    let (poll, fin) = ss.poll_final();
    let not = |v: bool| if v { "" } else { "!" };
    let _ = writeln!(s, "   {}poll, {}final", not(poll), not(fin));
    let _ = writeln!(s, "   local tx intv = {} us", ss.tx_interval().0);
    let remote_tx = if heard.is_some() {
        b.min_rx.max(r_tx)
    } else {
        Micros::ZERO
    };
    let _ = writeln!(s, "   remote tx intv = {} us", remote_tx.0);
    let _ = writeln!(s, "   local detection time = {} us", ss.detect_time().0);
    let remote_detect = u64::from(b.multiplier) * ss.tx_interval().0;
    let remote_detect = if heard.is_some() { remote_detect } else { 0 };
    let _ = writeln!(s, "   remote detection time = {remote_detect} us");
    match heard {
        None => s.push_str("   last_seen = [never]\n"),
        Some(t) => {
            let ago = Duration::from_micros(io.now.saturating_sub(t).0);
            let at = io.real_now.saturating_sub(ago);
            let (secs, us) = (at.as_secs(), at.subsec_micros());
            let _ = write!(s, "   last seen = {secs}.{us:06} (");
            crate::core::logging::push_ctime_at(s, secs as libc::time_t);
            let _ = writeln!(s, ".{us:06})");
        }
    }
}

#[cfg(test)]
mod tests;
