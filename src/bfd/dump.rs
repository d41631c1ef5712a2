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
use crate::core::dump_line as line;
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
    line::int(&mut s, " fd_in = ", io.fd_in.into());
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
        (Drop::Truncated, " Discarded, too short = "),
        (Drop::Version, " Discarded, bad version = "),
        (Drop::Length, " Discarded, bad length = "),
        (Drop::DetectMultZero, " Discarded, detect multiplier 0 = "),
        (Drop::Multipoint, " Discarded, multipoint = "),
        (
            Drop::MyDiscriminatorZero,
            " Discarded, my discriminator 0 = ",
        ),
        (
            Drop::YourDiscriminatorZero,
            " Discarded, your discriminator 0 = ",
        ),
        (Drop::PollAndFinal, " Discarded, poll and final = "),
        (Drop::Diag, " Discarded, bad diagnostic = "),
        (Drop::Authenticated, " Discarded, authenticated = "),
    ];
    for (d, key) in DROPS {
        line::num(s, key, st.malformed.get(d).into());
    }
    line::num(s, " Discarded, no session = ", st.no_session.into());
    line::num(s, " Discarded, TTL/hoplimit = ", st.ttl.into());
}

#[inline(never)] // One per item: see core::dump_line.
fn instance(core: &Sessions, i: usize, io: &Io<'_>, s: &mut String) {
    let b = core.instance(i);
    let ss = core.session(i);
    let yn = |v: bool| if v { "Yes" } else { "No" };
    line::text(s, " BFD Instance = ", &b.name);
    line::show(s, "   Neighbor IP = ", &b.neighbor);
    if let Some(src) = &b.source {
        line::show(s, "   Source IP = ", src);
    }
    line::num_in(s, "   Required min RX interval = ", b.min_rx.0, " us");
    line::num_in(s, "   Desired min TX interval = ", b.min_tx.0, " us");
    line::num_in(s, "   Desired idle TX interval = ", b.idle_tx.0, " us");
    line::num(s, "   Detection multiplier = ", b.multiplier.into());
    let ttl = match b.neighbor {
        IpAddr::V4(_) => "   TTL = ",
        IpAddr::V6(_) => "   hoplimit = ",
    };
    line::num(s, ttl, b.ttl.into());
    line::num(s, "   max_hops = ", b.max_hops.into());
    line::flag(s, "   passive = ", b.passive);
    line::text(s, "   send event to VRRP process = ", yn(b.to_vrrp));
    line::text(s, "   send event to checker process = ", yn(b.to_checker));
    let (fd, failing) = io.out.get(i).copied().unwrap_or((-1, false));
    line::int(s, "   fd_out ", fd.into());
    s.push_str("   sands_out = [disabled]\n   sands_exp = [disabled]\n   sands_rst = [disabled]\n");
    line::flag(s, "   send error = ", failing);
    line::text(s, "   local state = ", state_name(ss.state()));
    line::text(s, "   remote state = ", state_name(ss.remote_state()));
    let _ = writeln!(
        s,
        "   local discriminator = {:#x}\n   remote discriminator = {:#x}",
        ss.local_discr(),
        ss.remote_discr()
    );
    line::text(s, "   local diag = ", diag_name(ss.diag()));
    line::text(s, "   remote diag = ", diag_name(ss.remote_diag()));
    let heard = ss.last_rx();
    // Before the first packet keepalived shows zeros where RFC 5880 starts us at 1 µs.
    let (r_tx, r_rx, r_mult) = match heard {
        Some(_) => ss.remote_timers(),
        None => (Micros::ZERO, Micros::ZERO, 0),
    };
    line::num_in(s, "   remote min tx intv = ", r_tx.0, " us");
    line::num_in(s, "   remote min rx intv = ", r_rx.0, " us");
    s.push_str("   local demand = 0\n");
    line::num(s, "   remote demand = ", ss.remote_demand().into());
    line::num(s, "   remote detect multiplier = ", r_mult.into());
    let (poll, fin) = ss.poll_final();
    let not = |v: bool| if v { "" } else { "!" };
    let _ = writeln!(s, "   {}poll, {}final", not(poll), not(fin));
    line::num_in(s, "   local tx intv = ", ss.tx_interval().0, " us");
    let remote_tx = if heard.is_some() {
        b.min_rx.max(r_tx)
    } else {
        Micros::ZERO
    };
    line::num_in(s, "   remote tx intv = ", remote_tx.0, " us");
    line::num_in(s, "   local detection time = ", ss.detect_time().0, " us");
    let remote_detect = u64::from(b.multiplier) * ss.tx_interval().0;
    let remote_detect = if heard.is_some() { remote_detect } else { 0 };
    line::num_in(s, "   remote detection time = ", remote_detect, " us");
    match heard {
        None => s.push_str("   last_seen = [never]\n"),
        Some(t) => {
            let ago = Duration::from_micros(io.now.saturating_sub(t).0);
            let at = io.real_now.saturating_sub(ago);
            let (secs, us) = (at.as_secs(), u64::from(at.subsec_micros()));
            s.push_str("   last seen = ");
            line::push_num(s, secs);
            line::push_frac6(s, us);
            s.push_str(" (");
            crate::core::logging::push_ctime_at(s, secs as _);
            line::push_frac6(s, us);
            s.push_str(")\n");
        }
    }
}

#[cfg(test)]
mod tests;
