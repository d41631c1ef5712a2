//! The VRRP child's signal dumps, formatted without I/O: SIGUSR1's /tmp/keepalived.data and
//! SIGUSR2's /tmp/keepalived.stats in keepalived 2.2.7's layout. The shell builds a [`View`]
//! of what runs (read-only borrows) and writes the text these functions return to the file.

mod data;
mod stats;
mod track;

use std::net::IpAddr;

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
}

impl Kind {
    /// SIGUSR1 asks for the data file, SIGUSR2 for the stats file.
    pub fn for_signal(signo: i32) -> Option<Kind> {
        match signo {
            libc::SIGUSR1 => Some(Kind::Data),
            libc::SIGUSR2 => Some(Kind::Stats),
            _ => None,
        }
    }

    pub fn file(self) -> &'static str {
        match self {
            Kind::Data => DATA_FILE,
            Kind::Stats => STATS_FILE,
        }
    }

    /// Its word in keepalived's "Printing VRRP data for process(PID) on signal".
    pub fn word(self) -> &'static str {
        match self {
            Kind::Data => "data",
            Kind::Stats => "stats",
        }
    }
}

/// The text of dump `kind` over `v`; `allocations` ends the stats file (`--mem-check`).
pub fn text(kind: Kind, v: &View<'_>, allocations: Option<u64>) -> String {
    match kind {
        Kind::Data => data_text(v),
        Kind::Stats => {
            let rows = v.insts.iter().map(|x| (x.name, x.fsm.stats(), x.drops));
            stats::stats_text(rows, allocations)
        }
    }
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
}

/// Everything the data file reads; instance indexes are those of the sync groups and the
/// tracking core.
pub struct View<'a> {
    pub cfg: &'a Config,
    pub insts: Vec<Instance<'a>>,
    pub groups: &'a [SyncGroup],
    pub ifaces: &'a Ifaces,
    pub tracking: &'a Tracking,
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
    track::objects(v.tracking, v.cfg, &names, &mut s);
    data::groups_section(v, &mut s);
    data::interfaces_section(v, &mut s);
    s
}
