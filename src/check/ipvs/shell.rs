//! The IPVS side of the checker child: owns the socket and the manager, pushes the manager's
//! table into the kernel (reading it back first and after, to act on what the kernel really
//! holds), and runs the notify scripts the manager's notices call for.
//!
//! It is a [`Sink`]: each checker result is applied at once (a kernel round trip only when the
//! table must change), so a checker runner needs no other hook. Scripts are spawned and left
//! to the loop, which reaps every child; only at stop does it wait (briefly) for them.

use log::{error, info, warn};

use super::kernel::Ipvs;
use super::manager::{Manager, Notice};
use super::plan::plan;
use super::table::{diff, DestKey, Entry, Op, SvcKey};
use super::wire::Timeouts;
use crate::check::{CheckerId, Sink};
use crate::config::checker::values::Script;
use crate::config::global::{LvsFlushOnStop, LvsTimeouts};
use crate::config::Config;
use crate::core::script::{self, ScriptSpec};
use crate::core::time::Micros;
use crate::core::watchdog::child::STOP_GRACE;

pub struct IpvsShell {
    ipvs: Ipvs,
    mgr: Manager,
    cfg: Config,
    /// Run the real servers' notify_up/notify_down here. Off when a checker runner already
    /// runs them; quorum_up/quorum_down are always ours.
    pub rs_notify: bool,
    /// Scripts started while stopping, waited for (up to STOP_GRACE) before we exit.
    stop_pids: Vec<i32>,
    desired: Vec<Entry>,
    actual: Vec<Entry>,
    ops: Vec<Op>,
    /// Destinations of the config before a reload: still ours to remove if the new one drops them.
    retired: Vec<(SvcKey, DestKey)>,
    /// The kernel's connection timeouts before `lvs_timeouts` changed them, restored on stop.
    saved_timeouts: Option<Timeouts>,
    dirty: bool,
}

impl IpvsShell {
    /// Opens IPVS and installs the config's table. Ok(None) when the config has no virtual
    /// servers (IPVS is then not needed); Err with the reason when the kernel has no IPVS.
    pub fn start(cfg: &Config) -> Result<Option<IpvsShell>, String> {
        if cfg.lvs.virtual_servers.is_empty() {
            return Ok(None);
        }
        let ipvs = Ipvs::open().map_err(|e| format!("IPVS: Can't initialize ipvs: {e}"))?;
        let mut sh = IpvsShell {
            ipvs,
            mgr: Manager::new(plan(&cfg.lvs)),
            cfg: cfg.clone(),
            rs_notify: true,
            stop_pids: Vec::new(),
            desired: Vec::new(),
            actual: Vec::new(),
            ops: Vec::new(),
            retired: Vec::new(),
            saved_timeouts: None,
            dirty: true,
        };
        if cfg.global.lvs.flush {
            info!("Flushing the IPVS table (lvs_flush)");
            if let Err(e) = sh.ipvs.flush() {
                error!("IPVS: cannot flush the table: {e}");
            }
        }
        sh.set_timeouts(&cfg.global.lvs.timeouts);
        sh.flush();
        Ok(Some(sh))
    }

    pub fn manager(&self) -> &Manager {
        &self.mgr
    }

    /// Brings the kernel in line with the manager after inputs, and runs the notices' scripts.
    pub fn flush(&mut self) {
        self.run_notices();
        if std::mem::take(&mut self.dirty) {
            self.sync();
        }
    }

    /// Reads the kernel's table, applies the difference, and reads it again to verify.
    pub fn sync(&mut self) {
        self.mgr.desired(&mut self.desired);
        if let Err(e) = self.ipvs.read(&mut self.actual) {
            error!("IPVS: cannot read the kernel's table: {e}");
            // Try again at the next event rather than act on a table we have not seen.
            self.dirty = true;
            return;
        }
        self.diff();
        for op in &self.ops {
            if let Err(e) = self.ipvs.apply(op) {
                error!("IPVS: cannot {op}: {e}");
            }
        }
        if self.ops.is_empty() {
            return;
        }
        if let Err(e) = self.ipvs.read(&mut self.actual) {
            error!("IPVS: cannot read the kernel's table back: {e}");
            return;
        }
        self.diff();
        for op in &self.ops {
            error!("IPVS: the kernel's table still needs: {op}");
        }
        self.retired.clear();
    }

    fn diff(&mut self) {
        self.ops.clear();
        let (mgr, retired) = (&self.mgr, &self.retired);
        let managed = |s: &SvcKey, d: &DestKey| mgr.manages(s, d) || retired.contains(&(*s, *d));
        diff(&self.desired, &self.actual, managed, &mut self.ops);
    }

    fn run_notices(&mut self) {
        let notices: Vec<Notice> = self.mgr.take_notices().collect();
        if !notices.is_empty() {
            self.dirty = true;
        }
        for n in notices {
            self.notify(&self.cfg, n);
        }
    }

    /// Runs the script `n` calls for in `cfg` (whose indices it uses).
    fn notify(&self, cfg: &Config, n: Notice) -> Option<i32> {
        if !self.rs_notify && matches!(n, Notice::RsUp { .. } | Notice::RsDown { .. }) {
            return None;
        }
        run_script(cfg, notice_script(cfg, n)?)
    }

    /// A SIGHUP's new config: services that are gone leave the kernel, real servers that are
    /// still there keep their state.
    pub fn reload(&mut self, cfg: &Config) {
        let new = Manager::reloaded(plan(&cfg.lvs), &self.mgr);
        // Alive servers and quorums that the new config drops go down, with their scripts
        // from the old config.
        let old_cfg = std::mem::replace(&mut self.cfg, cfg.clone());
        for n in self.mgr.gone_in(&new) {
            self.notify(&old_cfg, n);
        }
        let gone: Vec<_> = self
            .mgr
            .services()
            .filter(|k| !new.services().any(|n| n == *k))
            .copied()
            .collect();
        for k in gone {
            info!("Removing virtual server {k}");
            if let Err(e) = self.ipvs.apply(&Op::DelService(k)) {
                warn!("IPVS: cannot delete service {k}: {e}");
            }
        }
        self.retired.clear();
        self.mgr.managed_pairs(&mut self.retired);
        self.mgr = new;
        self.set_timeouts(&cfg.global.lvs.timeouts);
        self.dirty = true;
        self.flush();
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
                    error!("IPVS: the kernel's connection timeouts are {now:?}, not {want:?}");
                }
            }
            Err(e) => error!("IPVS: cannot read the connection timeouts back: {e}"),
        }
    }

    /// Stopping: omega notices, then (unless `keep`, from -I) our services leave the kernel.
    pub fn stop(&mut self, keep: bool) {
        self.mgr.stop();
        let notices: Vec<Notice> = self.mgr.take_notices().collect();
        let cfg = self.cfg.clone();
        for n in notices {
            if let Some(pid) = self.notify(&cfg, n) {
                self.stop_pids.push(pid);
            }
        }
        self.release(keep);
        wait_scripts(&mut self.stop_pids, STOP_GRACE);
    }

    /// Restores the timeouts and removes our services (all of IPVS with lvs_flush_on_stop),
    /// unless `keep`.
    fn release(&mut self, keep: bool) {
        if let Some(t) = self.saved_timeouts.take() {
            if let Err(e) = self.ipvs.set_timeouts(&t) {
                warn!("IPVS: cannot restore the connection timeouts: {e}");
            }
        }
        if keep {
            info!("Leaving the virtual servers in the kernel (-I)");
            return;
        }
        if self.cfg.global.lvs.flush_on_stop == Some(LvsFlushOnStop::Full) {
            info!("Flushing the IPVS table (lvs_flush_on_stop)");
            if let Err(e) = self.ipvs.flush() {
                error!("IPVS: cannot flush the table: {e}");
            }
            return;
        }
        if let Err(e) = self.ipvs.read(&mut self.actual) {
            error!("IPVS: cannot read the kernel's table: {e}");
        }
        let ours: Vec<_> = self.mgr.services().copied().collect();
        for k in ours {
            if !self.actual.iter().any(|e| e.svc.key == k) {
                continue;
            }
            info!("Removing Virtual Server {k}");
            if let Err(e) = self.ipvs.apply(&Op::DelService(k)) {
                error!("IPVS: cannot delete service {k}: {e}");
            }
        }
    }
}

/// Results that change nothing (a checker repeating its weight) cost no kernel round trip.
impl Sink for IpvsShell {
    fn checker_changed(&mut self, id: CheckerId, up: bool) {
        self.mgr.checker_changed(id, up);
        self.dirty |= self.mgr.take_changed();
        self.flush();
    }

    fn weight_changed(&mut self, id: CheckerId, weight: i64) {
        self.mgr.weight_changed(id, weight);
        self.dirty |= self.mgr.take_changed();
        self.flush();
    }
}

/// The script `n` calls for in `cfg` (whose indices it uses).
fn notice_script(cfg: &Config, n: Notice) -> Option<&Script> {
    let v = match n {
        Notice::RsUp { vs, .. }
        | Notice::RsDown { vs, .. }
        | Notice::QuorumUp { vs }
        | Notice::QuorumDown { vs } => cfg.lvs.virtual_servers.get(vs)?,
    };
    match n {
        Notice::RsUp { rs, .. } => v.real_servers.get(rs)?.notify_up.as_ref(),
        Notice::RsDown { rs, .. } => v.real_servers.get(rs)?.notify_down.as_ref(),
        Notice::QuorumUp { .. } => v.quorum_up.as_ref(),
        Notice::QuorumDown { .. } => v.quorum_down.as_ref(),
    }
}

/// Spawns `s`; the loop's SIGCHLD handling reaps it. Returns its pid.
fn run_script(cfg: &Config, s: &Script) -> Option<i32> {
    if s.argv.is_empty() {
        return None;
    }
    let (uid, gid) = match &cfg.global.script_user {
        Some((user, group)) => match script::resolve_user(user, group.as_deref()) {
            Ok((u, g)) => (Some(u), Some(g)),
            Err(e) => {
                warn!("Script user '{user}': {e}");
                (None, None)
            }
        },
        None => (None, None),
    };
    let spec = ScriptSpec {
        argv: s.argv.clone(),
        shell: false,
        env: Vec::new(),
        uid,
        gid,
        timeout: None,
    };
    match script::spawn(&spec) {
        Ok(pid) => Some(pid),
        Err(e) => {
            warn!("cannot run {}: {e}", s.cmd);
            None
        }
    }
}

/// Waits up to `grace` for `pids` (our scripts) to end, so a stop does not cut them short.
fn wait_scripts(pids: &mut Vec<i32>, grace: Micros) {
    let until = Micros::now() + grace;
    while !pids.is_empty() && Micros::now() < until {
        pids.retain(|&pid| {
            let mut st = 0;
            // SAFETY: waitpid on a child we spawned, status into our integer.
            let r = unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) };
            r == 0
        });
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// [`IpvsShell::start`], loading the ip_vs module first if the kernel lacks the family (as
/// keepalived does, with the kernel's own modprobe helper). Runs once at start, before the loop.
pub fn start_or_modprobe(cfg: &Config) -> Result<Option<IpvsShell>, String> {
    match IpvsShell::start(cfg) {
        Err(_) => {
            let helper = std::fs::read_to_string("/proc/sys/kernel/modprobe")
                .map(|s| s.trim().to_string())
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "/sbin/modprobe".into());
            match std::process::Command::new(&helper)
                .args(["-s", "ip_vs"])
                .status()
            {
                Ok(st) if st.success() => {}
                Ok(st) => warn!("IPVS: {helper} ip_vs failed ({st})"),
                Err(e) => warn!("IPVS: cannot run {helper}: {e}"),
            }
            IpvsShell::start(cfg)
        }
        r => r,
    }
}
