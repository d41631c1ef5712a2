//! SMTP alerts for instance and sync-group transitions (keepalived's vrrp_smtp_notifier and
//! vrrp_sync_smtp_notifier): sent beside the notify scripts, once per state entered, unless
//! the instance's or group's smtp_alert is off or it is a FAULT under no_email_faults.

use super::Shell;
use crate::config::Config;
use crate::core::event_loop::EventLoop;
use crate::core::smtp::driver::Alerts;
use crate::core::smtp::message::{self, VrrpState};
use crate::core::tokens::{SMTP_ALERT, SMTP_ALERT_TIMER};
use crate::vrrp::fsm::State;

/// The state each instance or group was last mailed about, by name (a reload keeps it).
#[derive(Default)]
pub(super) struct Mailed(Vec<(bool, String, VrrpState)>);

impl Mailed {
    /// Records `state` for (`group`, `name`); false when it was mailed already.
    fn enter(&mut self, group: bool, name: &str, state: VrrpState) -> bool {
        match self.0.iter_mut().find(|x| x.0 == group && x.1 == name) {
            Some(x) if x.2 == state => false,
            Some(x) => {
                x.2 = state;
                true
            }
            None => {
                self.0.push((group, name.to_string(), state));
                true
            }
        }
    }
}

fn alerts_on(cfg: &Config, own: Option<bool>) -> bool {
    cfg.global.email.vrrp_alert(own)
}

fn vrrp_state(s: State) -> Option<VrrpState> {
    Some(match s {
        State::Master => VrrpState::Master,
        State::Backup => VrrpState::Backup,
        State::Fault => VrrpState::Fault,
        State::Stop => VrrpState::Stop,
        State::Init => return None,
    })
}

impl Shell<'_> {
    /// Instance `i` entered `state` (`deleted`: removed by a reload).
    pub(super) fn mail_instance(
        &mut self,
        lp: &mut EventLoop,
        i: usize,
        state: State,
        deleted: bool,
    ) {
        if !self.alerts.enabled() {
            return;
        }
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        let Some(mut st) = vrrp_state(state) else {
            return;
        };
        if deleted {
            // keepalived's old way reports a deleted instance as FAULT.
            st = match v.notify.deleted {
                Some(_) => VrrpState::Deleted,
                None => VrrpState::Fault,
            };
        }
        if !alerts_on(&self.cfg, v.smtp_alert) {
            return;
        }
        let name = self.insts[i].name.clone();
        if self.new_to_mail(false, &name, st) {
            let m = message::instance(self.alerts.router_id(), &name, st);
            self.alerts.send(lp, m);
        }
    }

    /// Sync group `name` entered `state`.
    pub(super) fn mail_group(&mut self, lp: &mut EventLoop, name: &str, state: State) {
        if !self.alerts.enabled() {
            return;
        }
        let Some(g) = self.cfg.vrrp.sync_groups.iter().find(|x| x.name == name) else {
            return;
        };
        let Some(st) = vrrp_state(state) else {
            return;
        };
        if !alerts_on(&self.cfg, g.smtp_alert) {
            return;
        }
        if self.new_to_mail(true, name, st) {
            if let Some(m) = message::group(self.alerts.router_id(), name, st) {
                self.alerts.send(lp, m);
            }
        }
    }

    /// Whether `st` is mailed: not a FAULT under no_email_faults, not mailed already.
    fn new_to_mail(&mut self, group: bool, name: &str, st: VrrpState) -> bool {
        if st == VrrpState::Fault && self.cfg.global.email.no_email_faults {
            return false;
        }
        self.mailed.enter(group, name, st)
    }
}

/// The child's alerts, as `cfg` says.
pub(super) fn new(cfg: &Config, opts: &crate::cli::Options) -> Alerts {
    let s = crate::config::global::alert_settings(&cfg.global, opts.log_detail);
    Alerts::new(s, SMTP_ALERT, SMTP_ALERT_TIMER)
}

impl Shell<'_> {
    /// After a reload: mails go as the new global_defs say.
    pub(super) fn alerts_reload(&mut self) {
        let s = crate::config::global::alert_settings(&self.cfg.global, self.opts.log_detail);
        self.alerts.set_settings(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_is_mailed_once_per_instance_or_group() {
        let mut m = Mailed::default();
        assert!(m.enter(false, "VI_1", VrrpState::Backup));
        assert!(!m.enter(false, "VI_1", VrrpState::Backup));
        // A group of the same name is another sender.
        assert!(m.enter(true, "VI_1", VrrpState::Backup));
        assert!(m.enter(false, "VI_1", VrrpState::Master));
        assert!(m.enter(false, "VI_1", VrrpState::Backup));
    }

    #[test]
    fn smtp_alert_falls_back_to_smtp_alert_vrrp_then_smtp_alert_then_off() {
        let mut cfg = Config::default();
        assert!(!alerts_on(&cfg, None));
        cfg.global.email.smtp_alert = Some(true);
        assert!(alerts_on(&cfg, None));
        cfg.global.email.smtp_alert_vrrp = Some(false);
        assert!(!alerts_on(&cfg, None));
        assert!(alerts_on(&cfg, Some(true)));
    }
}
