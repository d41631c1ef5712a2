//! State change log lines (worded as keepalived 2.2.7 logs them; scripts grep them) and
//! notify scripts.

use log::{info, warn};

use super::Shell;
use crate::config::track::ScriptCmd;
use crate::core::event_loop::EventLoop;
use crate::core::script::{self, ScriptSpec};
use crate::vrrp::fsm::{Action, Actions, Reason, State};

impl Shell<'_> {
    pub(super) fn log_state_change(
        &mut self,
        i: usize,
        from: State,
        to: State,
        reason: Reason,
        all: &Actions,
    ) {
        let inst = &self.insts[i];
        let name = &inst.name;
        match (to, reason) {
            // An owner passes through BACKUP silently at start (no notify follows).
            (State::Backup, Reason::Startup) if !all.contains(&Action::Notify(State::Backup)) => {}
            (State::Backup, Reason::Startup) => info!("({name}) Entering BACKUP STATE (init)"),
            (State::Fault, Reason::Startup) => {
                let down = self.ifaces.by_index(inst.ifindex).is_some_and(|f| !f.up);
                if down {
                    info!(
                        "({name}): entering FAULT state (interface {} down)",
                        inst.ifname
                    );
                }
                info!("({name}) entering FAULT state")
            }
            (State::Master, r) => {
                // Every takeover by the down timer, an owner's at start included.
                if matches!(
                    r,
                    Reason::MasterNoResponse | Reason::Preempted | Reason::Priority0
                ) {
                    info!("({name}) Receive advertisement timeout");
                }
                info!("({name}) Entering MASTER STATE")
            }
            (State::Backup, Reason::HigherPriority | Reason::HigherAddress) => {
                let (addr, prio) = inst.fsm.master();
                if let Some(a) = addr {
                    info!(
                        "({name}) Master received advert from {a} with higher priority {prio}, ours {}",
                        inst.fsm.effective_priority()
                    );
                }
                info!("({name}) Entering BACKUP STATE")
            }
            (State::Stop, _) => {}
            _ if from != to => info!("({name}) Entering {} STATE", to.name()),
            _ => {}
        }
    }

    /// Runs the instance's script for `state` and its generic `notify` script.
    pub(super) fn notify(&mut self, lp: &mut EventLoop, i: usize, state: State) {
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        let specific = match state {
            State::Master => v.notify.master.clone(),
            State::Backup => v.notify.backup.clone(),
            State::Fault => v.notify.fault.clone(),
            State::Stop => v.notify.stop.clone(),
            State::Init => None,
        };
        let generic = v.notify.generic.clone();
        if let Some(cmd) = specific {
            self.run_script(lp, i, &cmd, None);
        }
        if let Some(cmd) = generic {
            let prio = self.insts[i].fsm.effective_priority();
            let extra = [
                "INSTANCE".to_string(),
                self.insts[i].name.clone(),
                state.name().to_string(),
                prio.to_string(),
            ];
            self.run_script(lp, i, &cmd, Some(&extra));
        }
    }

    pub(super) fn notify_lower_prio(&mut self, lp: &mut EventLoop, i: usize) {
        let v = &self.cfg.vrrp.instances[self.insts[i].idx];
        if let Some(cmd) = v.notify.master_rx_lower_pri.clone() {
            self.run_script(lp, i, &cmd, None);
        }
    }

    fn run_script(
        &mut self,
        lp: &mut EventLoop,
        i: usize,
        cmd: &ScriptCmd,
        extra: Option<&[String]>,
    ) {
        let mut argv = cmd.argv.clone();
        if argv.is_empty() {
            return;
        }
        if let Some(x) = extra {
            argv.extend(x.iter().cloned());
        }
        let (uid, gid) = match &self.cfg.global.script_user {
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
            argv,
            shell: false,
            env: Vec::new(),
            uid,
            gid,
            timeout: None,
        };
        if let Err(e) = self.scripts.run(lp, &spec, i) {
            warn!("({}) cannot run {}: {e}", self.insts[i].name, cmd.cmd);
        }
    }
}
