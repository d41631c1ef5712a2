//! The VRRP child's signal dumps, formatted without I/O: SIGUSR1's /tmp/keepalived.data,
//! SIGUSR2's /tmp/keepalived.stats and the JSON signal's /tmp/keepalived.json in keepalived
//! 2.2.7's layout. The shell builds a [`View`] of what runs (read-only borrows) and writes
//! the text these functions return to the file.

mod cfmt;
mod data;
mod json;
#[cfg(test)]
mod json_tests;
mod route_text;
mod script_path;
mod stats;
mod track;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::vrrp::VrrpInstance;
use crate::config::Config;
use crate::vrrp::fsm::Fsm;
use crate::vrrp::ifaces::Ifaces;
use crate::vrrp::sync::SyncGroup;
use crate::vrrp::track::Tracking;

use crate::vrrp::router::Drops;

/// In the dump directory (`core::safe_file::in_tmp_dir`: `$TMPDIR` or /tmp, as keepalived).
pub const STATS_FILE: &str = "keepalived.stats";
pub const DATA_FILE: &str = "keepalived.data";

/// The dumps the VRRP child writes on a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Data,
    Stats,
    Json,
}

impl Kind {
    /// SIGUSR1 asks for the data file, SIGUSR2 for the stats file, SIGRTMIN+2 (keepalived's
    /// SIGJSON) for the JSON file.
    pub fn for_signal(signo: i32) -> Option<Kind> {
        match signo {
            libc::SIGUSR1 => Some(Kind::Data),
            libc::SIGUSR2 => Some(Kind::Stats),
            s if s == libc::SIGRTMIN() + 2 => Some(Kind::Json),
            _ => None,
        }
    }

    /// Where the dump goes: the dump directory, or for JSON `json_dump_file` (a path ending
    /// in `/` names a directory).
    pub fn path(self, cfg: &Config) -> PathBuf {
        let name = match self {
            Kind::Data => DATA_FILE,
            Kind::Stats => STATS_FILE,
            Kind::Json => json::JSON_FILE,
        };
        match (self, &cfg.global.json_dump_file) {
            (Kind::Json, Some(p)) if p.ends_with('/') => PathBuf::from(p).join(name),
            (Kind::Json, Some(p)) => PathBuf::from(p),
            _ => crate::core::safe_file::in_tmp_dir(name),
        }
    }

    /// Its words in keepalived's "Printing VRRP data for process(PID) on signal".
    pub fn word(self) -> &'static str {
        match self {
            Kind::Data => "data",
            Kind::Stats => "stats",
            Kind::Json => "as json",
        }
    }
}

/// The text of dump `kind` over `v`; `allocations` ends the stats file (`--mem-check`).
/// None: nothing to write (keepalived writes no JSON file without instances).
pub fn text(kind: Kind, v: &View<'_>, allocations: Option<u64>) -> Option<String> {
    match kind {
        Kind::Data => Some(data_text(v)),
        Kind::Stats => {
            let rows = v.insts.iter().map(|x| (x.name, x.fsm.stats(), x.drops));
            Some(stats::stats_text(rows, allocations))
        }
        Kind::Json => {
            let version = v.cfg.global.json_version.unwrap_or(1);
            json::text(v, version, &script_path::shown)
        }
    }
}

/// The real time now, since the epoch: an instance's last transition is stamped with it, so
/// that every dump shows the same figure.
pub fn real_time() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// One running instance as the data file shows it.
pub struct Instance<'a> {
    pub name: &'a str,
    pub vrid: u8,
    /// Its vrrp_instance block.
    pub conf: &'a VrrpInstance,
    pub fsm: &'a Fsm,
    /// Its router's packet drop counters (the stats file's).
    pub drops: &'a Drops,
    /// The multicast group its adverts go to.
    pub group: IpAddr,
    /// Its interface (0: bound to none) and that interface's name.
    pub ifindex: u32,
    pub ifname: &'a str,
    pub vmac_ifindex: Option<u32>,
    /// Where each of `conf.vips` then `conf.evips` goes (the interface the shell adds it on).
    pub vip_ifindex: Vec<Option<u32>>,
    /// Its last change of state (or its start) in real time since the epoch.
    pub last_transition: Duration,
}

/// Everything the data file reads; instance indexes are those of the sync groups and the
/// tracking core.
pub struct View<'a> {
    pub cfg: &'a Config,
    pub insts: Vec<Instance<'a>>,
    pub groups: &'a [SyncGroup],
    pub ifaces: &'a Ifaces,
    pub tracking: &'a Tracking,
    /// What the parent said of each BFD session.
    pub bfds: &'a crate::vrrp::track::BfdStates,
}

/// The whole data file.
fn data_text(v: &View<'_>) -> String {
    let mut s = String::new();
    data::global_section(v.cfg, &mut s);
    s.push_str("------< VRRP Topology >------\n");
    for i in 0..v.insts.len() {
        data::instance_section(v, i, &mut s);
    }
    let names: Vec<&str> = v.insts.iter().map(|x| x.name).collect();
    track::objects(v.tracking, v.cfg, &names, v.bfds, &mut s);
    data::groups_section(v, &mut s);
    data::interfaces_section(v, &mut s);
    s
}
