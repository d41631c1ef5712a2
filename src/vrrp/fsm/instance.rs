//! The instance: start, timers, faults, priority changes and stop. Advert reception is in rx.rs.

use std::net::IpAddr;

use super::config::FsmConfig;
use super::timers::{master_down_interval, skew_time, GarpQueue};
use super::{Action, Actions, Ignored, Reason, State, Stats, SyncGate};
use crate::core::time::Micros;

/// One vrrp_instance's protocol state. All inputs take the current time; outputs are the
/// returned actions.
#[derive(Clone, Copy, Debug)]
pub struct Fsm {
    pub(super) cfg: FsmConfig,
    pub(super) state: State,
    /// The state wanted regardless of sync groups (keepalived's `wantstate`); decides whether
    /// an address owner comes out of FAULT straight into MASTER.
    pub(super) wantstate: State,
    /// Configured priority; only an owner conflict lowers it (255 → 254).
    pub(super) base_priority: u8,
    pub(super) effective_priority: u8,
    /// v3: the interval learnt from the master's adverts.
    pub(super) master_adver_int: Micros,
    /// The down interval the next (re)arming of the BACKUP timer uses. keepalived overwrites
    /// it with the time left when it discards an advert, and priority changes shift the
    /// deadline by how much it changes, so it is kept as keepalived keeps it.
    pub(super) ms_down_timer: Micros,
    /// BACKUP: when the master is declared down; MASTER: when the next advert is due.
    pub(super) sands: Option<Micros>,
    /// End of the preempt_delay window, once opened.
    pub(super) preempt_time: Option<Micros>,
    /// VIPs are installed (keepalived's `vipset`).
    pub(super) vipset: bool,
    pub(super) garp_refresh_at: Option<Micros>,
    /// Second GARP sets after becoming MASTER.
    pub(super) garp_master: GarpQueue,
    /// Second GARP sets after a MASTER heard a lower priority advert.
    pub(super) garp_lower_prio: GarpQueue,
    /// When a MASTER last answered a lower priority advert with GARPs (see `master_rx`).
    pub(super) lower_prio_round_at: Option<Micros>,
    /// Why the next BACKUP → MASTER happens.
    pub(super) next_master_reason: Reason,
    pub(super) master_addr: Option<IpAddr>,
    pub(super) master_priority: u8,
    /// The interface's primary address, compared on equal priority when no source is set.
    pub(super) if_addr: Option<IpAddr>,
    pub(super) link_up: bool,
    /// Weight-0 trackers currently failed (keepalived counts them with the link in
    /// `num_script_if_fault`).
    pub(super) tracker_faults: u32,
    /// `vrrp_startup_delay`: until then a BACKUP's down timer counts from this time.
    pub(super) delayed_start: Option<Micros>,
    /// Set by the instance's sync group before each input; None outside a group.
    pub(super) sync: Option<SyncGate>,
    /// Down timer expiries the sync group held back (see [`SyncGate::hold_master`]).
    pub(super) sync_holds: u64,
    pub(super) stats: Stats,
}

impl Fsm {
    pub fn new(cfg: FsmConfig) -> Self {
        let prio = cfg.priority.max(1);
        let wantstate = if cfg.initial_master {
            State::Master
        } else {
            State::Backup
        };
        Fsm {
            cfg,
            state: State::Init,
            wantstate,
            base_priority: prio,
            effective_priority: prio,
            master_adver_int: cfg.advert_int,
            ms_down_timer: master_down_interval(
                cfg.version,
                prio,
                cfg.advert_int,
                cfg.down_timer_adverts,
            ),
            sands: None,
            preempt_time: None,
            vipset: false,
            garp_refresh_at: None,
            garp_master: GarpQueue::new(),
            garp_lower_prio: GarpQueue::new(),
            lower_prio_round_at: None,
            next_master_reason: Reason::MasterNoResponse,
            master_addr: None,
            master_priority: 0,
            if_addr: None,
            link_up: true,
            tracker_faults: 0,
            delayed_start: None,
            sync: None,
            sync_holds: 0,
            stats: Stats::default(),
        }
    }

    /// From a checked config instance, with keepalived's built-in global defaults.
    #[cfg(test)]
    pub fn from_config(v: &crate::config::vrrp::VrrpInstance) -> Self {
        Fsm::new(FsmConfig::from_config(v))
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn config(&self) -> &FsmConfig {
        &self.cfg
    }

    pub fn effective_priority(&self) -> u8 {
        self.effective_priority
    }

    pub fn base_priority(&self) -> u8 {
        self.base_priority
    }

    /// The interval the down timer is computed from (v3: learnt from the master).
    pub fn master_adver_int(&self) -> Micros {
        self.master_adver_int
    }

    /// The address and priority of the master last heard (including discarded ones' address).
    pub fn master(&self) -> (Option<IpAddr>, u8) {
        (self.master_addr, self.master_priority)
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    #[cfg(test)]
    pub fn ignored(&self, why: Ignored) -> u64 {
        self.stats.ignored[why.index()]
    }

    /// Whether the VIPs are installed.
    pub fn vips_set(&self) -> bool {
        self.vipset
    }

    /// The interface's primary address (IPv6: its link-local one), used as our address in
    /// equal-priority elections when no `mcast_src_ip`/`unicast_src_ip` is set.
    pub fn set_interface_addr(&mut self, addr: Option<IpAddr>) {
        self.if_addr = addr;
    }

    pub fn interface_addr(&self) -> Option<IpAddr> {
        self.if_addr
    }

    /// The protocol timer alone: BACKUP's master-down deadline or MASTER's next advert.
    #[cfg(test)]
    pub fn protocol_deadline(&self) -> Option<Micros> {
        self.sands
    }

    /// The earliest time [`Fsm::on_timer`] has work to do (the protocol timer or a delayed
    /// GARP set; keepalived never cancels the latter, they just do nothing once the VIPs
    /// are gone).
    pub fn next_deadline(&self) -> Option<Micros> {
        Micros::earliest(&[
            self.sands,
            self.garp_master.next(),
            self.garp_lower_prio.next(),
        ])
    }

    /// Skew_Time: how soon after a priority 0 a BACKUP takes over.
    pub fn skew(&self) -> Micros {
        skew_time(
            self.cfg.version,
            self.effective_priority,
            self.master_adver_int,
        )
    }

    pub(super) fn down_interval(&self) -> Micros {
        master_down_interval(
            self.cfg.version,
            self.effective_priority,
            self.master_adver_int,
            self.cfg.down_timer_adverts,
        )
    }

    pub(super) fn faults(&self) -> u32 {
        self.tracker_faults + u32::from(!self.link_up)
    }

    /// keepalived's vrrp_init_instance_sands: (re)arms the main timer for the current state.
    pub(super) fn arm(&mut self, now: Micros) {
        self.sands = match self.state {
            State::Master => Some(now + self.cfg.advert_int),
            State::Backup => match self.delayed_start {
                Some(d) if now < d => Some(d + self.ms_down_timer),
                _ => Some(now + self.ms_down_timer),
            },
            _ => None,
        };
    }

    pub(super) fn send_advert(&mut self, acts: &mut Actions, priority: u8) {
        self.stats.adverts_sent += 1;
        if priority == 0 {
            self.stats.pri_zero_sent += 1;
        }
        push(acts, Action::SendAdvert { priority });
    }

    /// GARPs go out only while the VIPs are set, as in keepalived's vrrp_send_link_update.
    fn send_garps(&self, acts: &mut Actions, repeat: u32) {
        if self.vipset && repeat > 0 {
            push(acts, Action::SendGarps { repeat });
        }
    }

    pub(super) fn change(&mut self, acts: &mut Actions, to: State, reason: Reason) {
        let from = self.state;
        self.state = to;
        push(acts, Action::StateChange { from, to, reason });
    }

    /// Starts the instance with global `vrrp_startup_delay`: until `now + delay`, every BACKUP
    /// down timer is counted from the end of the delay (keepalived 2.2.7 still processes
    /// adverts meanwhile).
    pub fn start_delayed(&mut self, now: Micros, delay: Micros) -> Actions {
        if self.state == State::Init && delay.0 != 0 {
            self.delayed_start = Some(now + delay);
        }
        self.start(now)
    }

    /// Starts the instance (keepalived's vrrp_init_state), after clearing leftover VIPs: FAULT if the link is down or a
    /// tracker failed; an address owner configured MASTER passes through BACKUP and takes over
    /// 1 µs later; every other instance (configured MASTER or not) starts as BACKUP with a
    /// full master-down interval.
    pub fn start(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        if self.state != State::Init {
            return acts;
        }
        // Addresses left on the interface by an earlier run go first, as keepalived does for
        // every instance on an interface that already existed (vrrp_restore_interfaces_startup).
        push(&mut acts, Action::RemoveVips);
        let up = self.faults() == 0 && !self.sync.is_some_and(|g| g.start_in_fault);
        if up && self.wantstate == State::Master && self.base_priority == 255 {
            // No log line and no notify for this BACKUP: keepalived sets it silently.
            self.next_master_reason = Reason::Preempted;
            self.change(&mut acts, State::Backup, Reason::Startup);
            self.ms_down_timer = Micros(1);
        } else {
            self.ms_down_timer = self.down_interval();
            self.next_master_reason = Reason::MasterNoResponse;
            let to = if up { State::Backup } else { State::Fault };
            self.change(&mut acts, to, Reason::Startup);
            push(&mut acts, Action::Notify(to));
        }
        self.arm(now);
        acts
    }

    /// Handles every timer due at `now`.
    pub fn on_timer(&mut self, now: Micros) -> Actions {
        let mut acts = Actions::new();
        let sets = self.garp_master.take_due(now);
        self.send_garps(&mut acts, sets.saturating_mul(self.cfg.garp_master_repeat));
        let sets = self.garp_lower_prio.take_due(now);
        self.send_garps(
            &mut acts,
            sets.saturating_mul(self.cfg.garp_lower_prio_repeat),
        );
        if self.sands.is_some_and(|t| t <= now) {
            match self.state {
                State::Backup => {
                    self.wantstate = State::Master;
                    let reason = self.next_master_reason;
                    self.goto_master(&mut acts, now, reason);
                }
                State::Master => self.master_tx(&mut acts, now),
                _ => {}
            }
            self.arm(now);
        }
        acts
    }

    /// keepalived's vrrp_state_goto_master.
    pub(super) fn goto_master(&mut self, acts: &mut Actions, now: Micros, reason: Reason) {
        if self.sync_holds_master(now) {
            return;
        }
        self.change(acts, State::Master, reason);
        self.arm(now);
        self.master_tx(acts, now);
    }

    /// keepalived's vrrp_state_master_tx: the advert goes first, so that the old master drops
    /// its VIPs before our GARPs; then, when just becoming master, VIPs, GARPs, notify.
    fn master_tx(&mut self, acts: &mut Actions, now: Micros) {
        self.send_advert(acts, self.effective_priority);
        if !self.vipset {
            self.become_master(acts, now);
            if self.cfg.garp_master_delay.0 != 0 {
                self.garp_master.push(now + self.cfg.garp_master_delay);
            }
        } else if self.cfg.garp_master_refresh.0 != 0
            && self.garp_refresh_at.is_some_and(|t| now > t)
        {
            self.send_garps(acts, self.cfg.garp_master_refresh_repeat);
            self.garp_refresh_at = Some(now + self.cfg.garp_master_refresh);
        }
    }

    /// keepalived's vrrp_state_become_master. keepalived 2.2.7 puts `master_adver_int` back to
    /// our own interval here only when detailed logging is on, so it is left alone; it is not
    /// used while MASTER and every way out of MASTER sets it again.
    fn become_master(&mut self, acts: &mut Actions, now: Micros) {
        self.stats.become_master += 1;
        push(acts, Action::AddVips);
        self.vipset = true;
        self.send_garps(acts, self.cfg.garp_master_repeat);
        if self.cfg.garp_master_refresh.0 != 0 {
            self.garp_refresh_at = Some(now + self.cfg.garp_master_refresh);
        }
        push(acts, Action::Notify(State::Master));
    }

    /// keepalived's vrrp_restore_interface: optional priority-0 advert, then VIPs out.
    pub(super) fn restore_interface(&mut self, acts: &mut Actions, advert: bool) {
        if advert {
            self.send_advert(acts, 0);
        }
        if self.vipset {
            push(acts, Action::RemoveVips);
            self.vipset = false;
        }
    }

    /// keepalived's vrrp_state_leave_master, towards `wantstate` (BACKUP or FAULT).
    pub(super) fn leave_master(
        &mut self,
        acts: &mut Actions,
        now: Micros,
        advert: bool,
        reason: Reason,
    ) {
        let to = self.wantstate;
        match to {
            State::Backup => self.preempt_time = None,
            // A second priority-0 advert follows in restore_interface when `advert` is set:
            // keepalived sends both.
            State::Fault => self.send_advert(acts, 0),
            _ => return,
        }
        self.restore_interface(acts, advert);
        self.change(acts, to, reason);
        push(acts, Action::Notify(to));
        self.ms_down_timer = self.down_interval();
        self.arm(now);
        self.stats.release_master += 1;
    }

    pub(super) fn count(&mut self, why: Ignored) {
        self.stats.ignored[why.index()] += 1;
    }
}

/// The list is sized for the longest sequence any single input produces.
pub(super) fn push(acts: &mut Actions, a: Action) {
    let pushed = acts.push(a);
    debug_assert!(pushed.is_ok(), "action list too short");
}
