//! The VRRP child's SNMP subagent: on when `-x` or global_defs' enable_snmp_vrrp /
//! enable_snmp_keepalived / enable_snmp_rfc* ask for it, as keepalived's VRRP child runs it.
//!
//! The tables a request reads are built here from the shell's state at that moment (the dump
//! view) and handed to the agent as `&[&dyn Mib]`: KEEPALIVED-MIB's global group and vrrp
//! subtree, VRRP-MIB (RFC 2787) and VRRPV3-MIB (RFC 6527), each as its switch asks.
//!
//! Traps (`enable_traps`, and each MIB's switch) go from the points where keepalived sends
//! them: an instance's or group's notifies (state change), a change to MASTER (the RFC
//! MIBs' new-master traps), an advert refused for its authentication or a protocol error.
//! Their varbinds are built by `vrrp::snmp::traps`. A trap raised while the session is down
//! is dropped, as net-snmp drops it (keepalived has no trap session then); those raised
//! before the first session came up wait for it, as keepalived opens its session before its
//! instances start.

use std::net::IpAddr;

use log::{info, warn};

use super::Shell;
use crate::config::vrrp::State as ConfState;
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::core::tokens::{SNMP_AGENTX, SNMP_AGENTX_TIMER};
use crate::snmp::agentx::conn::{self, Agent};
use crate::snmp::agentx::session::TIMEOUT;
use crate::snmp::global::Global;
use crate::snmp::mib::Mib;
use crate::vrrp::dump::View;
use crate::vrrp::fsm::{Action, State};
use crate::vrrp::snmp::keepalived_vrrp::KeepalivedVrrp;
use crate::vrrp::snmp::traps::{self, Trap};
use crate::vrrp::snmp::traps_hold::{Fate, FirstSession, Waiting};
use crate::vrrp::snmp::vrrp_rfcv2::VrrpRfcv2;
use crate::vrrp::snmp::vrrp_rfcv3::VrrpRfcv3;

pub(super) struct Snmp {
    agent: Agent,
    /// KEEPALIVED-MIB's global group, when the keepalived MIB is on (its vrrp subtree too).
    global: Option<Global>,
    mibs: Switches,
    /// `enable_traps`.
    traps: bool,
    router_id: String,
    /// vrrpv3StatisticsNewMasterReason of the last change to MASTER (a sync group's members
    /// take that of the one that led them).
    master_reason: i32,
    /// Traps raised before the first session came up, sent once it does.
    held: heapless::Vec<Held, HELD>,
    /// Whether traps still wait for the first session.
    first: FirstSession,
    /// When the subagent started or a reload last kept it (RFC 2787's up time counts from it).
    started: Micros,
}

/// Traps held for the first session: a state change of each instance and group at start.
const HELD: usize = 32;

/// A trap raised before the first session: what it needs besides the names.
#[derive(Clone, Copy)]
enum Held {
    Instance { i: usize, state: i32 },
    Group { g: usize, state: State },
    NewMasterV2 { i: usize },
    NewMasterV3 { i: usize, reason: i32 },
}

/// Which MIBs are served: `-x` turns on all, as keepalived's.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Switches {
    keepalived: bool,
    rfcv2: bool,
    rfcv3: bool,
}

impl Switches {
    fn any(self) -> bool {
        self.keepalived || self.rfcv2 || self.rfcv3
    }
}

/// What the config and the command line turn on.
fn wanted(sh: &Shell<'_>) -> Switches {
    let s = &sh.cfg.global.snmp;
    let all = sh.opts.snmp;
    Switches {
        keepalived: all || s.vrrp,
        rfcv2: all || s.rfc || s.rfcv2,
        rfcv3: all || s.rfc || s.rfcv3,
    }
}

/// keepalived leaves the global group to the checker child when that one runs with SNMP
/// (two registrations of one subtree would clash at the master).
fn serves_global(sh: &Shell<'_>, on: Switches) -> bool {
    let sub = sh.opts.subsystems;
    let checker = !sub.vrrp_only && (sub.all || sh.cfg.needs_checker());
    on.keepalived && !(checker && (sh.opts.snmp || sh.cfg.global.snmp.checker))
}

/// Runs `f` with the tables `on` asks for, read from `view`.
fn serve(
    view: &View<'_>,
    global: Option<&Global>,
    on: Switches,
    started: Micros,
    f: &mut dyn FnMut(&[&dyn Mib]),
) {
    let kv = on.keepalived.then(|| KeepalivedVrrp::new(view));
    let up = Micros::now().saturating_sub(started);
    let v2 = on.rfcv2.then(|| VrrpRfcv2::new(view).snmp_up(up));
    let v3 = on.rfcv3.then(|| VrrpRfcv3::new(view));
    let mut list: heapless::Vec<&dyn Mib, 4> = heapless::Vec::new();
    let tables: [Option<&dyn Mib>; 4] = [
        global.map(|g| g as &dyn Mib),
        kv.as_ref().map(|m| m as &dyn Mib),
        v2.as_ref().map(|m| m as &dyn Mib),
        v3.as_ref().map(|m| m as &dyn Mib),
    ];
    for m in tables.into_iter().flatten() {
        // Four places for four tables: never full.
        let _ = list.push(m);
    }
    f(&list);
}

/// Runs `f` with the agent and the tables it serves, read from the shell at this moment.
/// (`&mut dyn`, as `serve`'s: one copy of each however many callers.)
fn with_mibs(sh: &mut Shell<'_>, f: &mut dyn FnMut(&mut Agent, &[&dyn Mib])) {
    let Some(mut s) = sh.snmp.take() else { return };
    {
        let view = sh.dump_view();
        let Snmp {
            agent,
            global,
            mibs,
            started,
            ..
        } = &mut s;
        serve(&view, global.as_ref(), *mibs, *started, &mut |m| {
            f(agent, m)
        });
    }
    sh.snmp = Some(s);
}

impl Shell<'_> {
    /// Starts the subagent if SNMP is on.
    pub(super) fn snmp_start(&mut self, lp: &mut EventLoop) {
        let on = wanted(self);
        if !on.any() {
            return;
        }
        let spec = self.opts.snmp_socket.as_deref();
        let target = match conn::target(spec.or(self.cfg.global.snmp.socket.as_deref())) {
            Ok(t) => t,
            Err(e) => return warn!("SNMP subagent not started: {e}"),
        };
        let global = serves_global(self, on).then(|| Global::new(&self.cfg.global));
        let mut agent = None;
        let started = Micros::now();
        let mut target = Some(target);
        serve(&self.dump_view(), global.as_ref(), on, started, &mut |m| {
            if let Some(t) = target.take() {
                agent = Some(Agent::start(lp, t, SNMP_AGENTX, SNMP_AGENTX_TIMER, m));
            }
        });
        if let Some(agent) = agent {
            let g = &self.cfg.global;
            let router_id = g.router_id.clone();
            self.snmp = Some(Snmp {
                agent,
                global,
                mibs: on,
                traps: g.snmp.traps,
                router_id: router_id
                    .unwrap_or_else(|| crate::core::smtp::host_defaults().router_id),
                master_reason: 0,
                held: heapless::Vec::new(),
                first: FirstSession::new(Micros::now(), TIMEOUT),
                started,
            });
        }
    }

    pub(super) fn snmp_io(&mut self, lp: &mut EventLoop) {
        with_mibs(self, &mut |a, m| a.on_io(lp, m));
        self.snmp_send_held();
    }

    pub(super) fn snmp_timer(&mut self, lp: &mut EventLoop, id: TimerId) {
        with_mibs(self, &mut |a, m| a.on_timer(lp, Some(id), m));
        self.snmp_send_held();
    }

    pub(super) fn snmp_stop(&mut self, lp: &mut EventLoop) {
        if let Some(mut s) = self.snmp.take() {
            s.agent.stop(lp);
        }
    }

    /// After a reload: the tables take the new config; a new socket or switch restarts the
    /// subagent.
    pub(super) fn snmp_reload(&mut self, lp: &mut EventLoop) {
        let on = wanted(self);
        let spec = self.opts.snmp_socket.as_deref();
        let target = conn::target(spec.or(self.cfg.global.snmp.socket.as_deref())).ok();
        let same = self
            .snmp
            .as_ref()
            .is_some_and(|s| on.any() && Some(s.agent.target()) == target.as_ref() && s.mibs == on);
        if same {
            let global = serves_global(self, on).then(|| Global::new(&self.cfg.global));
            if let Some(s) = self.snmp.as_mut() {
                s.global = global;
                s.traps = self.cfg.global.snmp.traps;
                // Held ones name instances by index, which the reload may have moved.
                s.held.clear();
                s.started = Micros::now();
            }
            return;
        }
        self.snmp_stop(lp);
        self.snmp_start(lp);
    }
}

/// Which traps are on: `enable_traps` and the MIB each belongs to.
#[derive(Clone, Copy)]
enum Kind {
    Keepalived,
    Rfcv2,
    Rfcv3,
}

impl Snmp {
    fn on(&self, k: Kind) -> bool {
        self.traps
            && match k {
                Kind::Keepalived => self.mibs.keepalived,
                Kind::Rfcv2 => self.mibs.rfcv2,
                Kind::Rfcv3 => self.mibs.rfcv3,
            }
    }
}

/// Sends `t`, holds it for the first session (as `held`, when it can be built again) or
/// drops it (`traps_hold`).
fn send(s: &mut Snmp, t: &Trap<'_>, held: Option<Held>) {
    let now = Micros::now();
    match s.first.raise(now, s.agent.is_ready(), !s.held.is_empty()) {
        Fate::Send => {
            let agent = &mut s.agent;
            // Not taken only when the output buffer is full: lost, as with a master away.
            let _ = t.with(|vbs| agent.notify(vbs));
        }
        Fate::Hold => {
            if let Some(h) = held {
                // Full: the first ones are the start's, which matter most.
                let _ = s.held.push(h);
            }
        }
        Fate::Drop => {}
    }
}

/// The initial state keepalived's trap gives: the configured one, MASTER or else BACKUP.
fn initial(v: &crate::config::vrrp::VrrpInstance) -> State {
    match v.resolved.state.or(v.state) {
        Some(ConfState::Master) => State::Master,
        _ => State::Backup,
    }
}

impl Shell<'_> {
    /// Instance `i` reached `state` and ran its notifies (`deleted`: a reload removed it):
    /// KEEPALIVED-MIB's vrrpInstanceStateChange, and at MASTER the RFC MIBs' new-master traps.
    pub(super) fn snmp_instance_traps(&mut self, i: usize, state: State, deleted: bool) {
        if state == State::Init || self.snmp.is_none() {
            return;
        }
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        let state = traps::instance_state(state, deleted.then_some(v.notify.deleted.is_some()));
        self.snmp_trap(Held::Instance { i, state }, true);
        if state == 2 {
            let reason = self.snmp.as_ref().map_or(0, |s| s.master_reason);
            self.snmp_trap(Held::NewMasterV2 { i }, true);
            self.snmp_trap(Held::NewMasterV3 { i, reason }, true);
        }
    }

    /// Sync group `g` reached `state` and ran its notifies: vrrpSyncGroupStateChange.
    pub(super) fn snmp_group_trap(&mut self, g: usize, state: State) {
        if state != State::Init {
            self.snmp_trap(Held::Group { g, state }, true);
        }
    }

    /// Instance `i`'s state change: a change to MASTER gives its v3 trap's reason, and the
    /// one vrrpv3StatisticsNewMasterReason shows (a sync group's members take their leader's).
    pub(super) fn snmp_state_change(&mut self, i: usize, a: &Action) {
        let Some(s) = self.snmp.as_mut() else { return };
        if let Action::StateChange {
            to: State::Master,
            reason,
            ..
        } = *a
        {
            if let Some(r) = traps::master_reason(reason) {
                s.master_reason = r;
            }
            self.insts[i].snmp_why[0] = u8::try_from(s.master_reason).unwrap_or(0);
        }
    }

    /// After instance `i` was given an advert from `src`: one refused for its
    /// authentication (vrrpTrapAuthFailure) or for a protocol error (vrrpv3ProtoError).
    pub(super) fn snmp_advert_refused(&mut self, i: usize, src: IpAddr) {
        let Some(why) = self.insts[i].router.last_refused.take() else {
            return;
        };
        let Some(s) = self.snmp.as_mut() else { return };
        // keepalived keeps the reason whether or not a trap goes.
        if let Some(e) = traps::proto_error(&why) {
            self.insts[i].snmp_why[1] = u8::try_from(e).unwrap_or(0);
        }
        let inst = &self.insts[i];
        // keepalived names the instance's own interface here (a VMAC's), not its base.
        let ifindex = inst.vmac_ifindex.unwrap_or(inst.ifindex);
        let vrid = inst.router.vrid();
        if self.cfg.vrrp.instances[inst.idx].vips.is_empty() {
            return;
        }
        let v2 = inst.router.fsm().config().version == 2;
        let auth = traps::auth_error(&why).filter(|_| v2 && s.on(Kind::Rfcv2));
        if let (Some(e), IpAddr::V4(src)) = (auth, src) {
            if self.opts.log_detail {
                info!(
                    "({}) Sending SNMP notification vrrpTrapAuthFailure",
                    inst.name
                );
            }
            send(s, &traps::auth_failure(ifindex, vrid, src, e), None);
        }
        if let Some(e) = traps::proto_error(&why).filter(|_| s.on(Kind::Rfcv3)) {
            if self.opts.log_detail {
                info!(
                    "({}) Sending SNMP notification vrrpTrapProtoError",
                    inst.name
                );
            }
            let v6 = inst.router.group().is_ipv6();
            send(s, &traps::v3_proto_error(ifindex, vrid, v6, e), None);
        }
    }

    /// Sends the traps held for the first session once it is up (or drops them).
    fn snmp_send_held(&mut self) {
        let Some(s) = self.snmp.as_mut() else { return };
        match s.first.on_session(Micros::now(), s.agent.is_ready()) {
            Waiting::Keep => return,
            Waiting::Drop => return s.held.clear(),
            Waiting::Send => {}
        }
        for h in std::mem::take(&mut s.held) {
            self.snmp_trap(h, false);
        }
    }

    /// Builds and sends one state change's traps (`log`: with -D, keepalived's line).
    fn snmp_trap(&mut self, what: Held, log: bool) {
        let Some(mut s) = self.snmp.take() else {
            return;
        };
        let detail = log && self.opts.log_detail;
        match what {
            Held::Instance { i, state } if s.on(Kind::Keepalived) => {
                let inst = &self.insts[i];
                if detail {
                    info!("({}) Sending SNMP notification", inst.name);
                }
                let v = &self.cfg.vrrp.instances[inst.idx];
                let id = std::mem::take(&mut s.router_id);
                let t = traps::instance_change(&inst.name, state, initial(v), &id);
                send(&mut s, &t, Some(what));
                s.router_id = id;
            }
            Held::Group { g, state } if s.on(Kind::Keepalived) => {
                let name = &self.groups[g].name;
                if detail {
                    info!("VRRP_Group({name}): Sending SNMP notification");
                }
                let id = std::mem::take(&mut s.router_id);
                send(&mut s, &traps::group_change(name, state, &id), Some(what));
                s.router_id = id;
            }
            Held::NewMasterV2 { i } | Held::NewMasterV3 { i, .. } => {
                self.snmp_new_master(&mut s, what, i, detail)
            }
            _ => {}
        }
        self.snmp = Some(s);
    }

    /// VRRP-MIB's vrrpTrapNewMaster (VRRPv2 over IPv4) or VRRPV3-MIB's vrrpv3NewMaster (any
    /// version), for instances with VIPs, naming our own source address.
    fn snmp_new_master(&self, s: &mut Snmp, what: Held, i: usize, detail: bool) {
        let inst = &self.insts[i];
        let v = &self.cfg.vrrp.instances[inst.idx];
        if v.vips.is_empty() {
            return;
        }
        let group = inst.router.group();
        let link = self.ifaces.by_index(inst.ifindex);
        let src = v.src_ip.or_else(|| match group {
            IpAddr::V4(_) => link.and_then(|l| l.v4).map(IpAddr::V4),
            IpAddr::V6(_) => link.and_then(|l| l.ll6).map(IpAddr::V6),
        });
        let src = src.unwrap_or(match group {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        });
        let (vrid, base) = (inst.router.vrid(), inst.ifindex);
        let v2 = inst.router.fsm().config().version == 2;
        match (what, src) {
            (Held::NewMasterV2 { .. }, IpAddr::V4(a)) if v2 && s.on(Kind::Rfcv2) => {
                if detail {
                    info!(
                        "({}) Sending SNMP notification vrrpTrapNewMaster",
                        inst.name
                    );
                }
                send(s, &traps::new_master(base, vrid, a), Some(what));
            }
            (Held::NewMasterV3 { reason, .. }, _) if s.on(Kind::Rfcv3) => {
                if detail {
                    info!(
                        "({}) Sending SNMP notification vrrpv3NotifyNewMaster, reason {reason}",
                        inst.name
                    );
                }
                send(
                    s,
                    &traps::v3_new_master(base, vrid, src, reason),
                    Some(what),
                );
            }
            _ => {}
        }
    }
}
