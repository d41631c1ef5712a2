//! The VRRP child's I/O shell: sockets, netlink and timers around the instance state machines.
//!
//! The [`Shell`] owns everything kernel-facing: one VRRP socket per (interface, family, mode,
//! protocol), the rtnetlink request socket and reflector, the GARP socket, one loop timer per
//! instance (its state machine's next deadline), and the notify scripts in flight. It turns
//! loop events into state machine inputs and carries out the actions that come back.
//! Steady state (adverts sent and received) allocates nothing: packets go through fixed
//! buffers and only state changes log or spawn.

mod actions;
mod alerts;
mod bfd;
mod events;
mod fifo;
mod firewall;
mod hooks;
mod instances;
mod notify;
mod reload;
mod routes;
mod rx;
mod rx_pace;
#[cfg(feature = "snmp")]
mod snmp;
#[cfg(not(feature = "snmp"))]
#[path = "snmp_off.rs"]
mod snmp;
mod sockets;
mod sync;
mod tx;
mod vmac;

use crate::vrrp::track::io as track;

use std::os::fd::{AsRawFd, OwnedFd};

use log::{error, info, warn};
use mio::Interest;

use crate::cli::Options;
use crate::config::global::Child;
use crate::config::vrrp::Family;
use crate::config::Config;
use crate::core::event_loop::{Event, EventLoop};
use crate::core::script::ScriptRunner;
use crate::core::time::Micros;
use crate::core::watchdog::child;
use crate::net::garp::GarpSocket;
use crate::net::rtnl::{Reflector, Rtnl};
use crate::vrrp::fsm::{Action, Actions};
use crate::vrrp::notify_words::{logged_up_front, sent_zero_line_at};
use crate::vrrp::{dump, route_plan};

// Kept under this name for the instance builder (`super::ifaces`).
use crate::vrrp::ifaces::{self, Ifaces};
use instances::Inst;
use sockets::Pool;

use crate::core::tokens::{
    INSTANCE_TIMER_BASE as INST_TIMER_BASE, REFLECTOR as REFLECTOR_TOKEN,
    ROUTE_MONITOR as ROUTE_MON_TOKEN, SCRIPT_TIMER, SOCKET_BASE as SOCK_TOKEN_BASE,
};

/// Room for the largest packet a VRRP socket delivers (IPv4 + AH + 255 IPv6-sized addresses).
const RX_BUF_LEN: usize = 4352;
/// Room for the largest advert we build.
const TX_BUF_LEN: usize = 20 + 24 + crate::vrrp::packet::MAX_ADVERT_LEN + 8;

pub struct Shell<'o> {
    opts: &'o Options,
    cfg: Config,
    insts: Vec<Inst>,
    pool: Pool,
    ifaces: Ifaces,
    rtnl: Rtnl,
    reflector: Option<Reflector>,
    garp: Option<GarpSocket>,
    scripts: ScriptRunner<usize>,
    track: track::TrackShell,
    /// A receive batch's room (`VrrpSocket::recv_many`): the packets' heads in one dense array, a
    /// slot of `RX_BUF_LEN` each for the rest, untouched unless a packet is that long.
    rx_buf: Box<[u8]>,
    /// Adverts waiting for the end of the wake (`tx`).
    outbox: tx::Outbox,
    /// Allocations made while writing the stats and data files, left out of the footer count.
    alloc_excluded: u64,
    groups: Vec<crate::vrrp::sync::SyncGroup>,
    notes: notify::NotifyScripts,
    vmacs: vmac::Vmacs,
    fw: Option<firewall::FwState>,
    route_mon: Option<routes::RouteMonitor>,
    resync: crate::vrrp::resync_plan::Resync,
    tx_fail: crate::vrrp::tx_failures::TxFailures,
    /// Armed, with its due time, while a socket is read on the timer (`rx_pace`) or may hold
    /// adverts beyond one batch (`rx::RX_BATCH`).
    rx_timer: Option<(crate::core::timer::TimerId, Micros)>,
    /// Per VRID, the instance that took its last advert (`u16::MAX`: none), see
    /// `rx::advert_owner`; forgotten on any event that may move instances or sockets.
    rx_owner: Box<[u16; 256]>,
    /// SMTP alerts, and the state each instance and group was last mailed about.
    alerts: crate::core::smtp::driver::Alerts,
    mailed: alerts::Mailed,
    /// What the parent last said of each BFD session.
    bfd: crate::vrrp::track::BfdStates,
    /// The SNMP subagent, when SNMP is on.
    snmp: Option<snmp::Snmp>,
    stop: bool,
}

impl<'o> Shell<'o> {
    /// Opens the netlink sockets and builds every instance of `cfg`. None when netlink cannot
    /// be opened (nothing could work then).
    pub fn new(cfg: Config, opts: &'o Options) -> Option<Shell<'o>> {
        let mut rtnl = match Rtnl::open() {
            Ok(r) => r,
            Err(e) => {
                error!("Netlink: cannot open the command channel: {e}");
                return None;
            }
        };
        info!("Registering Kernel netlink reflector");
        let reflector = Reflector::open()
            .map_err(|e| error!("Netlink: cannot open the reflector: {e}"))
            .ok();
        if let Some(r) = &reflector {
            rx::size_reflector(r, &cfg);
        }
        info!("Registering Kernel netlink command channel");
        let ifaces = Ifaces::load(&mut rtnl);
        let garp = GarpSocket::open()
            .map_err(|e| error!("cannot open the gratuitous ARP socket: {e}"))
            .ok();
        let alerts = alerts::new(&cfg, opts);
        Some(Shell {
            opts,
            cfg,
            insts: Vec::new(),
            pool: Pool::new(),
            ifaces,
            rtnl,
            reflector,
            garp,
            scripts: ScriptRunner::new(SCRIPT_TIMER),
            track: Default::default(),
            rx_buf: vec![0; crate::net::vrrp_socket::recv_batch_len(RX_BUF_LEN)].into_boxed_slice(),
            outbox: tx::Outbox::new(),
            alloc_excluded: 0,
            groups: Vec::new(),
            notes: notify::NotifyScripts::default(),
            vmacs: vmac::Vmacs::default(),
            fw: None,
            route_mon: None,
            resync: Default::default(),
            tx_fail: Default::default(),
            rx_timer: None,
            rx_owner: Box::new([u16::MAX; 256]),
            alerts,
            mailed: Default::default(),
            bfd: Default::default(),
            snmp: None,
            stop: false,
        })
    }

    /// Builds and starts the configured instances and watches their sockets.
    fn start(&mut self, lp: &mut EventLoop) {
        // keepalived's subagent is up before its instances start, so their first traps go.
        self.snmp_start(lp);
        let mut cfg = std::mem::take(&mut self.cfg);
        route_plan::assign_rule_priorities(&mut cfg);
        self.prepare_vmacs(&mut cfg);
        self.secure_track_scripts(&mut cfg);
        self.cfg = cfg;
        let statics = route_plan::statics(&self.cfg.net, true);
        routes::carry_out(&mut self.rtnl, "static", &statics);
        self.log_absent_interfaces();
        for idx in 0..self.cfg.vrrp.instances.len() {
            if let Some(inst) = instances::build(&self.cfg, idx, &self.ifaces, &mut self.pool) {
                self.insts.push(inst);
            }
        }
        self.pool.register_new(lp, SOCK_TOKEN_BASE);
        self.log_garp_channels();
        self.sync_build();
        self.notify_setup(lp);
        self.track_start(lp);
        self.sync_prepare_start(lp);
        let delay = self.cfg.global.startup_delay();
        for i in 0..self.insts.len() {
            self.start_one(lp, i, delay);
        }
        self.sync_finish_start(lp);
        // Last, as keepalived's VRRP child sets its scheduling once its instances are set up.
        let s = self.cfg.global.child_sched(Child::Vrrp);
        crate::core::sched::child(s, None, PROCESS_NAME, "vrrp");
    }

    /// keepalived's -D lines for the shared ARP and NDISC sockets it opens for the families
    /// its instances use (one socket of ours serves both).
    fn log_garp_channels(&self) {
        if !self.opts.log_detail || self.garp.is_none() {
            return;
        }
        let has = |f| self.insts.iter().any(|x| x.router.family() == f);
        if has(Family::V4) {
            info!("Registering gratuitous ARP shared channel");
        }
        if has(Family::V6) {
            info!("Registering gratuitous NDISC shared channel");
        }
    }

    /// Starts instance `i`; `delay` is vrrp_startup_delay (at process start only).
    fn start_one(&mut self, lp: &mut EventLoop, i: usize, delay: Micros) {
        let now = Micros::now();
        let link_down = self.starts_link_down(i);
        let acts = self.insts[i].router.start(now, delay, link_down);
        self.apply(lp, i, &acts);
    }

    /// Stops instance `i` (priority 0 from a master, VIPs removed) and disarms its timer.
    fn stop_one(&mut self, lp: &mut EventLoop, i: usize) {
        let acts = self.insts[i].router.stop(Micros::now());
        self.apply(lp, i, &acts);
        if let Some((id, _)) = self.insts[i].timer.take() {
            lp.cancel_timer(id);
        }
    }

    /// Stops instance `i` on daemon stop. With `-V` a MASTER neither sends priority 0 nor
    /// removes its VIPs, routes and rules. (`-X` asks keepalived to drop VIPs on transitions
    /// a reload causes even when it lost track of them; our reload restarts a changed
    /// instance through a full stop, which always removes them, so it changes nothing here.)
    pub(super) fn stop_for_exit(&mut self, lp: &mut EventLoop, i: usize) {
        if !self.opts.dont_release_vrrp {
            self.stop_one(lp, i);
            return;
        }
        let out = self.insts[i].router.stop_leaving_vips(Micros::now());
        events::log_all(&self.insts[i].name, &out.events);
        self.apply(lp, i, &out.acts);
        if let Some((id, _)) = self.insts[i].timer.take() {
            lp.cancel_timer(id);
        }
    }

    /// Stops every instance and closes their sockets.
    fn stop_all(&mut self, lp: &mut EventLoop) {
        // keepalived kills running scripts (the FIFO readers too) before the STOP notifies.
        self.scripts.kill_all();
        self.notes.shutting_down = true;
        for i in 0..self.insts.len() {
            self.stop_for_exit(lp, i);
        }
        // keepalived removes the statics before any STOP notify, instances' then groups'.
        // Once, however many ways the stop is asked for.
        let net = std::mem::take(&mut self.cfg.net);
        routes::carry_out(&mut self.rtnl, "static", &route_plan::statics(&net, false));
        self.notify_held_stops(lp);
        self.sync_stop(lp);
        self.notes.shutdown(&mut self.scripts, lp);
        self.insts.clear();
        // With -V the VMACs and sysctls stay, as keepalived leaves them.
        if !self.opts.dont_release_vrrp {
            let (rtnl, ifaces) = (&mut self.rtnl, &self.ifaces);
            self.vmacs.remove_all(rtnl, ifaces, &mut self.fw);
        }
        if let Some(fw) = self.fw.take() {
            fw.stop();
        }
        self.flush_adverts();
        self.pool.close_unused(lp, |_| false);
        self.alerts.stop(lp);
        self.snmp_stop(lp);
    }

    /// Carries out `acts` of instance `i`, then re-arms its timer.
    fn apply(&mut self, lp: &mut EventLoop, i: usize, acts: &Actions) {
        // Less the notifies its sync group drops; then what the group does about them. Without
        // a group, the actions as they came (no copy per advert).
        let Some(g) = self.group_of(i) else {
            self.apply_acts(lp, i, acts);
            return;
        };
        let acts = self.sync_filter(g, i, acts);
        self.apply_acts(lp, i, &acts);
        self.sync_after(lp, g, i, &acts);
    }

    /// [`Shell::apply`] without the sync group (for the group's own moves).
    fn apply_acts(&mut self, lp: &mut EventLoop, i: usize, acts: &Actions) {
        for a in acts.iter() {
            match *a {
                Action::StateChange { from, to, reason } if logged_up_front(to, reason) => {
                    self.log_state_change(i, from, to, reason, acts)
                }
                _ => {}
            }
        }
        if !matches!(acts.as_slice(), [Action::SendAdvert { .. }]) {
            self.flush_adverts();
        }
        let zero_at = sent_zero_line_at(acts);
        for (k, a) in acts.iter().enumerate() {
            if zero_at == Some(k) {
                info!("({}) sent 0 priority", self.insts[i].name);
            }
            self.act(lp, i, a, acts);
        }
        self.rearm(lp, i);
    }

    fn rearm(&mut self, lp: &mut EventLoop, i: usize) {
        let inst = &mut self.insts[i];
        let next = inst.router.next_deadline();
        if inst.timer.map(|t| t.1) == next {
            return;
        }
        // A BACKUP's master-down deadline moves on with every advert: moved in place, its
        // slot and id kept, where a cancel and an add free one slot and take another.
        if let (Some((id, _)), Some(d)) = (inst.timer, next) {
            if lp.move_timer_at(id, d) {
                inst.timer = Some((id, d));
                return;
            }
        }
        if let Some((id, _)) = inst.timer.take() {
            lp.cancel_timer(id);
        }
        if let Some(d) = next {
            inst.timer = Some((lp.add_timer_at(d, INST_TIMER_BASE + i), d));
        }
    }

    fn on_timer(&mut self, lp: &mut EventLoop, id: crate::core::timer::TimerId, token: usize) {
        if token == SCRIPT_TIMER {
            self.scripts.on_timer(lp, id);
            return;
        }
        if token == crate::core::tokens::VRRP_RX_MORE_TIMER {
            self.on_rx_timer(lp, id);
            return;
        }
        if token == crate::core::tokens::SMTP_ALERT_TIMER {
            self.alerts.on_timer(lp, id);
            return;
        }
        if token == crate::core::tokens::SNMP_AGENTX_TIMER {
            self.snmp_timer(lp, id);
            return;
        }
        if token == crate::core::tokens::IFACES_RESYNC_TIMER {
            self.on_resync_timer(lp, id);
            return;
        }
        if token >= track::TRACK_TIMER_BASE {
            self.track_timer(lp, id, token);
            return;
        }
        let i = token - INST_TIMER_BASE;
        let Some(inst) = self.insts.get_mut(i) else {
            return;
        };
        if inst.timer.map(|t| t.0) != Some(id) {
            return;
        }
        inst.timer = None;
        if self.drained_before_timeout(lp, i) {
            return;
        }
        let acts = self.insts[i].router.on_timer(Micros::now());
        self.apply(lp, i, &acts);
    }

    fn on_signal(&mut self, lp: &mut EventLoop, signo: i32) {
        match signo {
            libc::SIGTERM | libc::SIGINT => {
                self.stop_all(lp);
                self.stop = true;
            }
            libc::SIGHUP => {
                info!("Reloading");
                crate::core::sched::pause(&self.cfg.global.child_sched(Child::Vrrp).0);
                if let Some(new) =
                    crate::config::reload_config(self.opts, self.cfg.interface_names())
                {
                    // Groups are rebuilt over the instances the reload leaves.
                    self.groups.clear();
                    self.reload(lp, new);
                    self.alerts_reload();
                    self.snmp_reload(lp);
                    self.resync_if_stale(lp);
                    self.sync_reload();
                    info!("Reload complete");
                } else {
                    let s = self.cfg.global.child_sched(Child::Vrrp);
                    crate::core::sched::child(s, Some(s), PROCESS_NAME, "vrrp");
                }
            }
            _ => {
                if let Some(kind) = dump::Kind::for_signal(signo) {
                    self.write_dump(kind);
                }
            }
        }
    }

    /// Writes the dump a signal asked for. What it allocates is left out of the stats
    /// footer's count, which then moves only when something else allocates.
    fn write_dump(&mut self, kind: dump::Kind) {
        let before = alloc_calls();
        let pid = std::process::id();
        info!("Printing VRRP {} for process({pid}) on signal", kind.word());
        // Allocations outside these dumps: constant while the instances are steady.
        let allocs = self.opts.mem_check.then(|| before - self.alloc_excluded);
        let path = kind.path(&self.cfg);
        if let Some(text) = dump::text(kind, &self.dump_view(), allocs) {
            if let Err(e) = crate::core::safe_file::write(&path, text) {
                warn!("cannot write {}: {e}", path.display());
            }
        }
        self.alloc_excluded += alloc_calls() - before;
    }

    /// `-d`: the data file's lines in the log, once at start, as keepalived's VRRP child does.
    fn log_data(&self) {
        if let Some(text) = dump::text(dump::Kind::Data, &self.dump_view(), None) {
            for line in text.lines() {
                info!("{line}");
            }
        }
    }

    /// What the dumps show, read here only.
    fn dump_view(&self) -> dump::View<'_> {
        dump::View {
            cfg: &self.cfg,
            insts: dump::Insts::Shell(self),
            groups: &self.groups,
            ifaces: &self.ifaces,
            tracking: self.track.core(),
            bfds: &self.bfd,
        }
    }

    fn on_event(&mut self, lp: &mut EventLoop, ev: Event, chan: &OwnedFd) {
        // Adverts and timers leave instances on their sockets; anything else may move them.
        let moves = match ev {
            Event::Io { token, .. } => token < SOCK_TOKEN_BASE,
            Event::Timer { token, .. } => {
                token == SCRIPT_TIMER || token >= crate::core::tokens::IFACES_RESYNC_TIMER
            }
            _ => true,
        };
        if moves {
            self.flush_adverts();
            self.forget_advert_owners();
        }
        match ev {
            Event::Io {
                token: child::PARENT_TOKEN,
                ..
            } => {
                if child::parent_said(chan, |ev| self.on_bfd(lp, ev)) {
                    self.stop_all(lp);
                    self.stop = true;
                }
            }
            Event::Io {
                token: REFLECTOR_TOKEN,
                ..
            } => self.on_reflector(lp),
            Event::Io {
                token: ROUTE_MON_TOKEN,
                ..
            } => self.on_route_monitor(lp),
            Event::Io {
                token: track::INOTIFY_TOKEN,
                ..
            } => self.track_inotify(lp),
            Event::Io {
                token: track::PROC_EVENTS_TOKEN,
                ..
            } => self.track_proc_events(lp),
            Event::Io {
                token: crate::core::tokens::SMTP_ALERT,
                readable,
                writable,
                closed,
            } => self.alerts.on_io(lp, readable || closed, writable),
            Event::Io {
                token: crate::core::tokens::SNMP_AGENTX,
                ..
            } => self.snmp_io(lp),
            Event::Io { token, .. } if token >= SOCK_TOKEN_BASE => {
                self.on_readable(lp, token - SOCK_TOKEN_BASE)
            }
            Event::Io { .. } => {}
            Event::Timer { id, token } => self.on_timer(lp, id, token),
            Event::Signal { signo, .. } => self.on_signal(lp, signo),
            Event::ChildExit { pid, status } => {
                if let Some((tag, res)) = self.scripts.on_child_exit(lp, pid, status) {
                    self.track_script_exit(lp, pid, tag, res);
                    self.init_hold_release(lp);
                }
            }
        }
    }
}

impl dump::Instances for Shell<'_> {
    fn count(&self) -> usize {
        self.insts.len()
    }

    fn instance(&self, i: usize) -> dump::Instance<'_> {
        let x = &self.insts[i];
        dump::Instance {
            name: &x.name,
            vrid: x.router.vrid(),
            conf: &self.cfg.vrrp.instances[x.idx],
            fsm: x.router.fsm(),
            drops: &x.router.drops,
            group: x.router.group(),
            ifindex: x.ifindex,
            ifname: &x.ifname,
            vmac_ifindex: x.vmac_ifindex,
            last_transition: x.since,
            up: Micros::now() - x.built,
            why: x.snmp_why,
        }
    }

    fn process_count(&self, name: &str) -> Option<usize> {
        self.track.proc_count(name)
    }

    fn notify_script(&self, c: &crate::config::track::ScriptCmd) -> Option<(&[String], u32, u32)> {
        self.notes.resolved(c)
    }

    fn script_status(&self, name: &str) -> Option<dump::ScriptStatus> {
        let now = self.track.script_now(name)?;
        // No user of its own: it runs as we do.
        // SAFETY: plain getters.
        let (uid, gid) = now
            .user
            .unwrap_or_else(|| unsafe { (libc::getuid(), libc::getgid()) });
        Some(dump::ScriptStatus {
            result: now.result,
            start: now.start,
            uid,
            gid,
            stage: now.pid.and_then(|p| self.scripts.stage(p)),
        })
    }

    fn vip_ifindex(&self, i: usize, k: usize) -> Option<u32> {
        let conf = &self.cfg.vrrp.instances[self.insts.get(i)?.idx];
        let a = conf.vip_at(k)?;
        self.vip_ifindex(i, a)
    }
}

/// Every call that may have asked the system for memory, process-wide.
fn alloc_calls() -> u64 {
    let s = crate::core::alloc::stats();
    s.allocs + s.reallocs
}

/// The process name the VRRP child logs as (and its /proc comm).
pub const PROCESS_NAME: &str = "Keepalived_vrrp";

/// Runs the VRRP child: the shell over the loop `enter` made. Returns the exit code.
pub fn run(
    mut lp: EventLoop,
    cfg: Config,
    opts: &Options,
    chan: OwnedFd,
    pidfile: &std::path::Path,
) -> i32 {
    if !child::watch_parent(&mut lp, &chan, "VRRP") {
        return 1;
    }
    let Some(mut shell) = Shell::new(cfg, opts) else {
        return 1;
    };
    if let Some(r) = &shell.reflector {
        if let Err(e) = lp.register(r.as_raw_fd(), REFLECTOR_TOKEN, Interest::READABLE) {
            error!("cannot watch the netlink reflector: {e}");
        }
    }
    shell.watch_routes(&mut lp, ROUTE_MON_TOKEN);
    // A child (re)started while sessions are Up finds them in the parent's replay, queued
    // before it ran: its instances start from them rather than from Down and a flap. A hello
    // read on the way is echoed once they have started (the echo tells readiness).
    let Some(hellos) = bfd::replayed(&chan, &mut shell.bfd) else {
        return 0;
    };
    shell.start(&mut lp);
    if opts.dump_conf {
        shell.log_data();
    }
    for seq in hellos {
        let _ = crate::core::watchdog::link::send_hello(chan.as_raw_fd(), seq);
    }
    shell.resync_if_stale(&mut lp);
    info!("Startup complete");
    let mut code = 0;
    while !shell.stop {
        if let Err(e) = lp.run_once(|lp, ev| shell.on_event(lp, ev, &chan)) {
            error!("VRRP child process: event loop failed: {e}");
            shell.stop_all(&mut lp);
            code = 1;
            break;
        }
        shell.flush_adverts();
    }
    crate::core::daemon::remove_pidfile_if(pidfile, std::process::id() as i32);
    info!("Stopped");
    code
}
