//! The VRRP child's signal dumps, formatted without I/O: SIGUSR1's /tmp/keepalived.data,
//! SIGUSR2's /tmp/keepalived.stats and the JSON signal's /tmp/keepalived.json in keepalived
//! 2.2.7's layout. The shell builds a [`View`] of what runs (read-only borrows) and writes
//! the text these functions return to the file.

mod data;
mod json;
#[cfg(test)]
mod json_tests;
mod route_text;
mod stats;
mod track;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::track::ScriptCmd;
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
            let rows = v.iter().map(|x| (x.name, x.fsm.stats(), x.drops));
            Some(stats::stats_text(rows, allocations))
        }
        Kind::Json => {
            let version = v.cfg.global.json_version.unwrap_or(1);
            json::text(v, version, &crate::core::script_security::shown)
        }
    }
}

/// One running instance as the data file shows it.
#[derive(Clone, Copy)]
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
    /// Its last change of state (or its start) in real time since the epoch.
    pub last_transition: Duration,
    /// How long since it started (only the VRRPv3 MIB shows it).
    #[cfg_attr(not(feature = "snmp"), allow(dead_code))]
    pub up: crate::core::time::Micros,
    /// vrrpv3StatisticsNewMasterReason of its last change to MASTER and
    /// vrrpv3StatisticsProtoErrReason of its last protocol error (0: none yet).
    #[cfg_attr(not(feature = "snmp"), allow(dead_code))]
    pub why: [u8; 2],
}

/// A tracked vrrp_script as its runner has it now, for the data file's VRRP Scripts lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptStatus {
    /// The rise/fall counter (keepalived's `result`).
    pub result: u32,
    /// Where it stands before its first run ends.
    pub start: crate::vrrp::track::Start,
    /// Who it runs as.
    pub uid: u32,
    pub gid: u32,
    /// Where its run stands; None: idle.
    pub stage: Option<crate::core::script::Stage>,
}

/// The running instances, read one at a time where the shell keeps them: a view collects
/// nothing, so building one allocates nothing (the SNMP subagent builds one per request).
pub trait Instances {
    fn count(&self) -> usize;
    /// Instance `i` (`i` < `count()`).
    fn instance(&self, i: usize) -> Instance<'_>;
    /// Where VIP `k` of instance `i` (`conf.vips` then `conf.evips`) goes: the interface
    /// the shell adds it on.
    fn vip_ifindex(&self, i: usize, k: usize) -> Option<u32>;
    /// How many processes vrrp_track_process `name` counts now; None where nothing counts.
    fn process_count(&self, _name: &str) -> Option<usize> {
        None
    }
    /// What notify script `c` runs and as whom, as checked at load; None: refused.
    fn notify_script(&self, _c: &ScriptCmd) -> Option<(&[String], u32, u32)> {
        None
    }
    /// Where tracked vrrp_script `name` stands; None: nothing runs it.
    fn script_status(&self, _name: &str) -> Option<ScriptStatus> {
        None
    }
}

/// Where a view finds its instances.
pub enum Insts<'a> {
    Shell(&'a dyn Instances),
    /// Each instance with where its VIPs go, as a test lays them out.
    #[cfg(test)]
    Listed(Vec<(Instance<'a>, Vec<Option<u32>>)>),
}

/// Everything the data file reads; instance indexes are those of the sync groups and the
/// tracking core.
pub struct View<'a> {
    pub cfg: &'a Config,
    pub insts: Insts<'a>,
    pub groups: &'a [SyncGroup],
    pub ifaces: &'a Ifaces,
    pub tracking: &'a Tracking,
    /// What the parent said of each BFD session.
    pub bfds: &'a crate::vrrp::track::BfdStates,
}

impl<'a> View<'a> {
    pub fn len(&self) -> usize {
        match &self.insts {
            Insts::Shell(s) => s.count(),
            #[cfg(test)]
            Insts::Listed(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Instance `i` (`i` < `len()`).
    pub fn inst(&self, i: usize) -> Instance<'a> {
        match &self.insts {
            Insts::Shell(s) => s.instance(i),
            #[cfg(test)]
            Insts::Listed(l) => l[i].0,
        }
    }

    pub fn get(&self, i: usize) -> Option<Instance<'a>> {
        (i < self.len()).then(|| self.inst(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = Instance<'a>> + '_ {
        (0..self.len()).map(|i| self.inst(i))
    }

    /// How many processes vrrp_track_process `name` counts now (the SNMP process table).
    #[cfg_attr(not(feature = "snmp"), allow(dead_code))]
    pub fn process_count(&self, name: &str) -> Option<usize> {
        match &self.insts {
            Insts::Shell(s) => s.process_count(name),
            #[cfg(test)]
            Insts::Listed(_) => None,
        }
    }

    /// What notify script `c` runs and as whom (see [`Instances::notify_script`]).
    pub fn notify_script(&self, c: &ScriptCmd) -> Option<(&[String], u32, u32)> {
        match &self.insts {
            Insts::Shell(s) => s.notify_script(c),
            #[cfg(test)]
            Insts::Listed(_) => None,
        }
    }

    /// Where tracked vrrp_script `name` stands (see [`Instances::script_status`]).
    pub fn script_status(&self, name: &str) -> Option<ScriptStatus> {
        match &self.insts {
            Insts::Shell(s) => s.script_status(name),
            #[cfg(test)]
            Insts::Listed(_) => None,
        }
    }

    /// Where VIP `k` of instance `i` (`conf.vips` then `conf.evips`) goes.
    pub fn vip_ifindex(&self, i: usize, k: usize) -> Option<u32> {
        match &self.insts {
            Insts::Shell(s) => s.vip_ifindex(i, k),
            #[cfg(test)]
            Insts::Listed(l) => l.get(i).and_then(|x| x.1.get(k).copied().flatten()),
        }
    }
}

/// The whole data file.
fn data_text(v: &View<'_>) -> String {
    let mut s = String::new();
    data::global_section(v.cfg, &mut s);
    s.push_str("------< VRRP Topology >------\n");
    for i in 0..v.len() {
        data::instance_section(v, i, &mut s);
    }
    let names: Vec<&str> = v.iter().map(|x| x.name).collect();
    let status = |name: &str| v.script_status(name);
    track::objects(v.tracking, v.cfg, &names, v.bfds, &status, &mut s);
    data::groups_section(v, &mut s);
    data::interfaces_section(v, &mut s);
    s
}
