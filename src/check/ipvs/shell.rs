//! The IPVS side of the checker child: owns the socket and pushes the manager's table into
//! the kernel (reading it back first and after, to act on what the kernel really holds). The
//! manager is not ours: the child's [`Servers`](crate::check::servers::Servers) owns it and
//! hands it to each call; a kernel round trip happens only when the table must change.

use log::{error, info, warn};

use super::kernel::Ipvs;
use super::manager::Manager;
use super::table::{self, diff, sort_keys, DestKey, Entry, Op, SvcKey};
use super::wire::Timeouts;
use crate::config::global::{LvsFlushOnStop, LvsTimeouts};
use crate::config::Config;

pub struct IpvsShell {
    ipvs: Ipvs,
    /// `lvs_flush_on_stop` of the config in force.
    flush_on_stop: Option<LvsFlushOnStop>,
    desired: Vec<Entry>,
    actual: Vec<Entry>,
    ops: Vec<Op>,
    /// Destinations of the config before a reload: still ours to remove if the new one drops them.
    retired: Vec<(SvcKey, DestKey)>,
    /// The destinations we may remove (ours and `retired`), as (destination, index of its
    /// service in `desired`), sorted; `pairs` as the manager lists them. Kept for their
    /// allocations.
    managed: Vec<(DestKey, usize)>,
    pairs: Vec<(SvcKey, DestKey)>,
    /// The kernel's connection timeouts before `lvs_timeouts` changed them, restored on stop.
    saved_timeouts: Option<Timeouts>,
    /// The table must be pushed at the next [`IpvsShell::flush`].
    dirty: bool,
    /// Real servers (virtual server, real server) whose own entry changed since the last
    /// flush: each is one op against `actual`, not a diff of the whole table.
    touched: Vec<(usize, usize)>,
    /// `actual` is the kernel's table as our last ops left it: the next sync diffs against it
    /// instead of reading the kernel. Two dumps of a thousand destinations per real server's
    /// change took the loop ~50 ms each on a slow CPU (qemu TCG): a storm of failures then
    /// starved the checks of healthy servers, which timed out in turn (a collapse). Off at
    /// start, after a reload or a refused op: then the kernel is read, and read back.
    known: bool,
}

impl IpvsShell {
    /// Opens IPVS. Ok(None) when the config has no virtual servers (IPVS is then not
    /// needed); Err with the reason when the kernel has no IPVS. [`IpvsShell::install`] next.
    pub fn open(cfg: &Config) -> Result<Option<IpvsShell>, String> {
        if cfg.lvs.virtual_servers.is_empty() {
            return Ok(None);
        }
        let ipvs = Ipvs::open().map_err(|e| format!("IPVS: Can't initialize ipvs: {e}"))?;
        Ok(Some(IpvsShell {
            ipvs,
            flush_on_stop: cfg.global.lvs.flush_on_stop,
            desired: Vec::new(),
            actual: Vec::new(),
            ops: Vec::new(),
            retired: Vec::new(),
            managed: Vec::new(),
            pairs: Vec::new(),
            saved_timeouts: None,
            dirty: true,
            touched: Vec::new(),
            known: false,
        }))
    }

    /// Installs the config's table (after `lvs_flush`, with its `lvs_timeouts`).
    pub fn install(&mut self, cfg: &Config, mgr: &Manager) {
        if cfg.global.lvs.flush {
            info!("Flushing the IPVS table (lvs_flush)");
            if let Err(e) = self.ipvs.flush() {
                error!("IPVS: cannot flush the table: {e}");
            }
        }
        self.set_timeouts(&cfg.global.lvs.timeouts);
        self.flush(mgr);
    }

    /// The table must be pushed at the next [`IpvsShell::flush`].
    pub fn mark(&mut self) {
        self.dirty = true;
    }

    /// Real server `rs` of virtual server `vs` came up, went down or changed weight: its
    /// entry alone changes at the next [`IpvsShell::flush`] (unless the whole table does).
    pub fn mark_rs(&mut self, vs: usize, rs: usize) {
        if !self.dirty {
            self.touched.push((vs, rs));
        }
    }

    /// Brings the kernel in line with the manager if anything changed since the last time.
    pub fn flush(&mut self, mgr: &Manager) {
        if !self.dirty && !self.touched.is_empty() {
            self.dirty = !self.sync_touched(mgr);
        }
        self.touched.clear();
        if std::mem::take(&mut self.dirty) {
            self.sync(mgr);
        }
    }

    /// One add, edit or delete per touched real server and service, against our copy of the
    /// kernel's table; false when that cannot tell (the copy is not known, the server shares
    /// its destination or the sorry server serves, an op was refused): then the whole diff.
    fn sync_touched(&mut self, mgr: &Manager) -> bool {
        if !self.known {
            return false;
        }
        for t in 0..self.touched.len() {
            let (v, r) = self.touched[t];
            let Some(plan) = mgr.plans().nth(v) else {
                return false;
            };
            for (k, svc) in plan.services.iter().enumerate() {
                let Some((key, want)) = mgr.want_dest(v, r, k) else {
                    return false;
                };
                let Some(have) = self.actual.iter().find(|e| e.svc.key == svc.key) else {
                    return false;
                };
                let op = match (want, have.dests.iter().find(|d| d.key == key)) {
                    (Some(d), None) => Op::AddDest(svc.key, d),
                    (Some(d), Some(h)) if !d.same_settings(h) => Op::EditDest(svc.key, d),
                    (None, Some(_)) => Op::DelDest(svc.key, key),
                    _ => continue,
                };
                if !apply_logged(&mut self.ipvs, &op) {
                    self.known = false;
                    return false;
                }
                table::apply(&mut self.actual, &op);
            }
        }
        true
    }

    /// Reads the kernel's table (unless [`IpvsShell::known`]), applies the difference, and
    /// reads it again to verify when it read it or an op was refused.
    pub fn sync(&mut self, mgr: &Manager) {
        mgr.desired(&mut self.desired);
        let read = !self.known;
        if read {
            if let Err(e) = self.ipvs.read(&mut self.actual) {
                error!("IPVS: cannot read the kernel's table: {e}");
                // Try again at the next event rather than act on a table we have not seen.
                self.dirty = true;
                return;
            }
            self.known = true;
        }
        self.diff(mgr);
        for op in &self.ops {
            if !apply_logged(&mut self.ipvs, op) {
                self.known = false;
            }
        }
        if self.ops.is_empty() {
            return;
        }
        if self.known && !read {
            for op in &self.ops {
                table::apply(&mut self.actual, op);
            }
            self.retired.clear();
            return;
        }
        self.known = false;
        if let Err(e) = self.ipvs.read(&mut self.actual) {
            error!("IPVS: cannot read the kernel's table back: {e}");
            return;
        }
        self.known = true;
        self.diff(mgr);
        for op in &self.ops {
            error!("IPVS: the kernel's table still needs: {op}");
        }
        self.retired.clear();
    }

    fn diff(&mut self, mgr: &Manager) {
        self.ops.clear();
        // What we may remove, sorted: asking the manager per destination is linear in the
        // real servers, so quadratic over the table.
        self.pairs.clear();
        mgr.managed_pairs(&mut self.pairs);
        self.pairs.extend_from_slice(&self.retired);
        let desired = &self.desired;
        let svc_at = |s: &SvcKey| desired.iter().position(|e| e.svc.key == *s);
        self.managed.clear();
        // Only the services in `desired` are diffed.
        let managed = self
            .pairs
            .iter()
            .filter_map(|(s, d)| Some((*d, svc_at(s)?)));
        self.managed.extend(managed);
        sort_keys(&mut self.managed);
        let managed = &self.managed;
        let ours = |s: &SvcKey, d: &DestKey| {
            svc_at(s).is_some_and(|i| managed.binary_search(&(*d, i)).is_ok())
        };
        diff(&self.desired, &self.actual, ours, &mut self.ops);
    }

    /// A SIGHUP's new config (`new` its manager, `old` the one before): services that are
    /// gone leave the kernel; destinations `old` placed stay ours to remove.
    pub fn reload(&mut self, cfg: &Config, old: &Manager, new: &Manager) {
        let mut gone = Vec::new();
        for k in old.services() {
            if !new.services().any(|n| n == k) {
                gone.push(*k);
            }
        }
        // The line for each is the caller's, in keepalived's words (Servers::reload_to).
        for k in gone {
            if let Err(e) = self.ipvs.apply(&Op::DelService(k)) {
                warn!("IPVS: cannot delete service {k}: {e}");
            }
        }
        self.retired.clear();
        old.managed_pairs(&mut self.retired);
        self.flush_on_stop = cfg.global.lvs.flush_on_stop;
        self.set_timeouts(&cfg.global.lvs.timeouts);
        self.dirty = true;
        self.known = false;
    }

    /// `lvs_timeouts`: set, then read back; the old values are kept for stop.
    fn set_timeouts(&mut self, t: &LvsTimeouts) {
        let want = Timeouts {
            tcp: t.tcp,
            tcpfin: t.tcpfin,
            udp: t.udp,
        };
        if want == Timeouts::default() {
            return;
        }
        let before = match self.ipvs.timeouts() {
            Ok(b) => b,
            Err(e) => {
                error!("IPVS: cannot read the connection timeouts: {e}");
                return;
            }
        };
        self.saved_timeouts.get_or_insert(before);
        if let Err(e) = self.ipvs.set_timeouts(&want) {
            error!("IPVS: cannot set the connection timeouts: {e}");
            return;
        }
        match self.ipvs.timeouts() {
            Ok(now) => {
                let same = |w: Option<u32>, n: Option<u32>| w.is_none() || w == n;
                if !(same(want.tcp, now.tcp)
                    && same(want.tcpfin, now.tcpfin)
                    && same(want.udp, now.udp))
                {
                    error!("IPVS: the kernel's connection timeouts are {now}, not {want}");
                }
            }
            Err(e) => error!("IPVS: cannot read the connection timeouts back: {e}"),
        }
    }

    /// Restores the timeouts and removes our services (all of IPVS with lvs_flush_on_stop),
    /// unless `keep`.
    pub fn release(&mut self, mgr: &Manager, keep: bool) {
        if let Some(t) = self.saved_timeouts.take() {
            if let Err(e) = self.ipvs.set_timeouts(&t) {
                warn!("IPVS: cannot restore the connection timeouts: {e}");
            }
        }
        if keep {
            info!("Leaving the virtual servers in the kernel (-I)");
            return;
        }
        if self.flush_on_stop == Some(LvsFlushOnStop::Full) {
            info!("Flushing the IPVS table (lvs_flush_on_stop)");
            if let Err(e) = self.ipvs.flush() {
                error!("IPVS: cannot flush the table: {e}");
            }
            return;
        }
        if let Err(e) = self.ipvs.read(&mut self.actual) {
            error!("IPVS: cannot read the kernel's table: {e}");
        }
        let mut ours = Vec::new();
        for k in mgr.services() {
            ours.push(*k);
        }
        for k in ours {
            if !self.actual.iter().any(|e| e.svc.key == k) {
                continue;
            }
            if let Err(e) = self.ipvs.apply(&Op::DelService(k)) {
                error!("IPVS: cannot delete service {k}: {e}");
            }
        }
    }
}

/// Applies `op` to the kernel's table; false (and the line) when the kernel refused it.
#[inline(never)]
fn apply_logged(ipvs: &mut Ipvs, op: &Op) -> bool {
    match ipvs.apply(op) {
        Ok(()) => true,
        Err(e) => {
            error!("IPVS: cannot {op}: {e}");
            false
        }
    }
}

/// [`IpvsShell::open`], loading the ip_vs module first if the kernel lacks the family (as
/// keepalived does, with the kernel's own modprobe helper). Runs once at start, before the loop.
pub fn open_or_modprobe(cfg: &Config) -> Result<Option<IpvsShell>, String> {
    match IpvsShell::open(cfg) {
        Err(_) => {
            let helper = std::fs::read_to_string("/proc/sys/kernel/modprobe")
                .map(|s| s.trim().to_string())
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "/sbin/modprobe".into());
            match crate::core::daemon::run_and_wait(&[&helper, "-s", "ip_vs"]) {
                Ok(None) => {}
                Ok(Some(st)) => warn!("IPVS: {helper} ip_vs failed ({st})"),
                Err(e) => warn!("IPVS: cannot run {helper}: {e}"),
            }
            IpvsShell::open(cfg)
        }
        r => r,
    }
}
