//! State change log lines (worded as keepalived 2.2.7 logs them; scripts grep them), notify
//! scripts and FIFO lines, for instances and sync groups (keepalived's vrrp_notify.c).
//!
//! Every script is checked once, before its first run, as keepalived checks them at start
//! (core::script_security): refused scripts never run, and each refusal is logged with why.
//! Scripts run as their `script_user`, else as `keepalived_script` when that user exists, else
//! as root; with `enable_script_security` and neither user, keepalived refuses them all.

use log::{info, warn};

use super::fifo::FifoPlan;
use super::Shell;
use crate::config::track::ScriptCmd;
use crate::core::event_loop::EventLoop;
use crate::core::script::{self, ScriptSpec};
use crate::core::script_security::{self, Verdict};
use crate::core::time::Micros;
use crate::vrrp::fsm::{Action, Actions, Reason, State};
use crate::vrrp::notify_words::Notice;

/// The user keepalived runs scripts as when `script_user` is not given, if it exists.
const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// How long the STOP scripts get at shutdown before we exit (keepalived's TIMER_HZ).
const STOP_SCRIPT_WAIT: Micros = Micros::from_secs(1);

/// A checked script, ready to run (None: refused).
type Checked = Option<(Vec<String>, u32, u32)>;

/// Scripts checked so far, by command line, and the default user.
#[derive(Default)]
pub struct NotifyScripts {
    checked: Vec<(String, Checked)>,
    /// (uid, gid) of the default user; None: refused (security on, no user to run as).
    default_user: Option<Option<(u32, u32)>>,
    /// Set once the daemon stops: until then an instance that stops is one a reload removed,
    /// reported as DELETED.
    pub shutting_down: bool,
    /// STOP notifies held at shutdown until the static addresses, routes and rules are gone
    /// (keepalived's order): instance indexes.
    held_stops: Vec<usize>,
    /// The FIFO reader scripts started (pids), terminated on reload.
    readers: Vec<i32>,
}

impl Shell<'_> {
    pub(super) fn log_state_change(
        &mut self,
        i: usize,
        from: State,
        to: State,
        reason: Reason,
        all: &Actions,
    ) {
        // Held until its weight-0 scripts report: no line, and the FAULT notify waits for a
        // script's first failure (init_hold_release).
        let link_down = |s: &Self| {
            let ifindex = s.insts[i].ifindex;
            s.ifaces.by_index(ifindex).is_some_and(|f| !f.up)
        };
        let held = (to, reason) == (State::Fault, Reason::Startup)
            && self.track.only_unreported_scripts(i)
            && !link_down(self);
        if held {
            self.insts[i].init_hold = true;
        }
        let inst = &self.insts[i];
        let name = &inst.name;
        match (to, reason) {
            // An owner passes through BACKUP silently at start (no notify follows).
            (State::Backup, Reason::Startup) if !all.contains(&Action::Notify(State::Backup)) => {}
            (State::Backup, Reason::Startup) => info!("({name}) Entering BACKUP STATE (init)"),
            // keepalived 2.2.7 logs no state line for it (its "(init)" line is for other cases).
            (State::Fault, Reason::Startup) if held => {}
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
            // keepalived sets a dragged BACKUP's state before its leave-fault path: no line.
            (State::Fault, Reason::SyncGroup) if from != State::Master => {}
            _ if from != to => info!("({name}) Entering {} STATE", to.name()),
            _ => {}
        }
    }

    /// The default script user, worked out once.
    fn default_user(&mut self) -> Option<(u32, u32)> {
        if let Some(d) = self.notes.default_user {
            return d;
        }
        let security = self.cfg.global.enable_script_security;
        let d = match &self.cfg.global.script_user {
            Some((user, group)) => match script::resolve_user(user, group.as_deref()) {
                Ok(ids) => Some(ids),
                Err(e) => {
                    warn!("Script user '{user}': {e}");
                    (!security).then_some((0, 0))
                }
            },
            None => match script::lookup_user(DEFAULT_SCRIPT_USER) {
                Ok(ids) => Some(ids),
                Err(_) if security => {
                    info!("Unable to set default user {DEFAULT_SCRIPT_USER} for script");
                    None
                }
                // SAFETY: plain getters.
                Err(_) => Some(unsafe { (libc::getuid(), libc::getgid()) }),
            },
        };
        self.notes.default_user = Some(d);
        d
    }

    /// Checks `argv` (once per command line and user) and returns what to run, as whom.
    fn checked(
        &mut self,
        key: &str,
        argv: &[String],
        run_as: Option<&(String, Option<String>)>,
        what: &str,
    ) -> (Checked, Verdict) {
        let key = format!("{key}|{run_as:?}");
        if let Some((_, c)) = self.notes.checked.iter().find(|(k, _)| *k == key) {
            return (c.clone(), Verdict::default());
        }
        let mut argv = argv.to_vec();
        let user = match run_as {
            Some((u, g)) => match script::resolve_user(u, g.as_deref()) {
                Ok(ids) => Some(ids),
                Err(e) => {
                    warn!("Script user '{u}': {e}");
                    None
                }
            },
            None => self.default_user(),
        };
        let (c, v) = match (argv.first().cloned(), user) {
            (None, _) => (None, Verdict::default()),
            (Some(a0), None) => {
                info!("Failed to set default user for {what} script {a0} - ignoring");
                (None, Verdict::default())
            }
            (Some(mut a0), Some((uid, gid))) => {
                let security = self.cfg.global.enable_script_security;
                let v = script_security::check_script(&mut a0, uid, gid, security);
                argv[0] = a0;
                if v.may_run() {
                    (Some((argv, uid, gid)), v)
                } else {
                    (None, v)
                }
            }
        };
        self.notes.checked.push((key, c.clone()));
        (c, v)
    }

    /// After a reload: every script is checked again (files and users may have changed).
    pub(super) fn notify_recheck(&mut self) {
        self.notes.checked.clear();
        self.notes.default_user = None;
        self.notify_check_all();
    }

    /// Checks every notify script of the running instances and groups and the FIFO readers,
    /// logging each refusal, and warns when scripts run without script security.
    fn notify_check_all(&mut self) {
        let mut cmds: Vec<ScriptCmd> = Vec::new();
        for inst in &self.insts {
            cmds.extend(self.cfg.vrrp.instances[inst.idx].notify.scripts().cloned());
        }
        for g in &self.cfg.vrrp.sync_groups {
            cmds.extend(g.notify.scripts().cloned());
        }
        let mut all = Verdict::default();
        for c in &cmds {
            let (_, v) = self.checked(&c.cmd, &c.argv, c.run_as.as_ref(), "notify");
            all.merge(v);
        }
        let fifos = [
            (self.cfg.global.fifos.any.clone(), ""),
            (self.cfg.global.fifos.vrrp.clone(), "vrrp_"),
        ];
        for (f, _) in &fifos {
            if let (Some(_), Some((argv, user))) = (&f.name, &f.script) {
                let (_, v) = self.checked(&argv.join(" "), argv, user.as_ref(), "notify_fifo");
                all.merge(v);
            }
        }
        if !self.cfg.global.enable_script_security && all.is_script {
            warn!("{}", script_security::violation_line(all.insecure));
        }
    }

    /// At start: checks the scripts, then opens the FIFOs and starts their readers.
    pub(super) fn notify_setup(&mut self, lp: &mut EventLoop) {
        self.notify_check_all();
        if self.insts.is_empty() {
            return;
        }
        let fifos = [
            (self.cfg.global.fifos.any.clone(), ""),
            (self.cfg.global.fifos.vrrp.clone(), "vrrp_"),
        ];
        self.fifos_open(lp, &fifos);
    }

    /// On reload, before anything changes: keepalived terminates the FIFO readers, closes the
    /// FIFOs (removing those it made) and opens `new`'s, starting their readers again, so the
    /// reload's own lines go to the new ones.
    pub(super) fn fifos_reload(&mut self, lp: &mut EventLoop, new: &crate::config::Config) {
        // keepalived SIGTERMs its scripts at reload, the readers among them (ours still
        // running: an exited one's pid is not reused while we have not reaped it).
        let running: Vec<i32> = self.scripts.pids().collect();
        for pid in self.notes.readers.drain(..) {
            if running.contains(&pid) {
                // SAFETY: plain syscall on the reader's process group.
                unsafe { libc::kill(-pid, libc::SIGTERM) };
            }
        }
        self.fifos.close();
        if new.vrrp.instances.is_empty() {
            return;
        }
        let fifos = [
            (new.global.fifos.any.clone(), ""),
            (new.global.fifos.vrrp.clone(), "vrrp_"),
        ];
        self.fifos_open(lp, &fifos);
    }

    fn fifos_open(
        &mut self,
        lp: &mut EventLoop,
        fifos: &[(crate::config::global::Fifo, &'static str)],
    ) {
        for (f, kind) in fifos {
            let owner = match &f.owner {
                Some((u, g)) => script::resolve_user(u, g.as_deref()).ok(),
                None => self.default_user(),
            };
            let mut readers = Vec::new();
            let mut fifos = std::mem::take(&mut self.fifos);
            fifos.open(&FifoPlan { fifo: f, kind }, owner, &mut |argv| {
                readers.push(argv)
            });
            self.fifos = fifos;
            let user = f.script.as_ref().and_then(|(_, u)| u.clone());
            for argv in readers {
                // The key is the command without the FIFO name, as checked above.
                let key = argv[..argv.len() - 1].join(" ");
                let checked = self.checked(&key, &argv, user.as_ref(), "notify_fifo");
                if let (Some((argv0, uid, gid)), _) = checked {
                    let mut run = argv0;
                    if let Some(name) = argv.last() {
                        run.push(name.clone());
                    }
                    if let Some(pid) = self.spawn(lp, run, uid, gid, "notify_fifo_script") {
                        self.notes.readers.push(pid);
                    }
                }
            }
        }
    }

    /// Runs the instance's script for `state`, its generic `notify` script, and writes the
    /// FIFO line. An instance removed by a reload reports DELETED (or FAULT, keepalived's old
    /// way, unless `notify_deleted` is set).
    pub(super) fn notify(&mut self, lp: &mut EventLoop, i: usize, state: State) {
        if state == State::Stop && self.notes.shutting_down {
            self.notes.held_stops.push(i);
            return;
        }
        self.notify_now(lp, i, state);
    }

    /// At shutdown, once the statics are removed: the STOP notifies held back till then.
    pub(super) fn notify_held_stops(&mut self, lp: &mut EventLoop) {
        for i in std::mem::take(&mut self.notes.held_stops) {
            self.notify_now(lp, i, State::Stop);
        }
    }

    fn notify_now(&mut self, lp: &mut EventLoop, i: usize, state: State) {
        let inst = &self.insts[i];
        if state == State::Fault && inst.init_hold {
            return;
        }
        let v = &self.cfg.vrrp.instances[inst.idx];
        let deleted = state == State::Stop && !self.notes.shutting_down;
        let prio = inst.fsm.effective_priority();
        if let Some(n) = Notice::instance(&v.notify, &inst.name, state, deleted, prio) {
            self.announce(lp, &n);
        }
    }

    /// Runs the notice's scripts (the generic one with its arguments) and writes its FIFO
    /// line.
    fn announce(&mut self, lp: &mut EventLoop, n: &Notice) {
        if let Some(cmd) = &n.specific {
            self.run_script(lp, cmd, &[], &n.name);
        }
        if let Some(cmd) = &n.generic {
            self.run_script(lp, cmd, &n.generic_args(), &n.name);
        }
        self.fifos.line(n);
    }

    /// After a track script reported: instances held in FAULT at start whose faults are no
    /// longer only unreported scripts leave the hold; one still in FAULT gets its FAULT notify
    /// now, without a log line (keepalived's down_instance from the init FAULT state).
    pub(super) fn init_hold_release(&mut self, lp: &mut EventLoop) {
        for i in 0..self.insts.len() {
            if !self.insts[i].init_hold || self.track.only_unreported_scripts(i) {
                continue;
            }
            self.insts[i].init_hold = false;
            if self.insts[i].fsm.state() == State::Fault {
                let mut acts = Actions::new();
                let _ = acts.push(Action::Notify(State::Fault));
                self.apply(lp, i, &acts);
            }
        }
    }

    /// The group's script for `state`, its generic script (priority 0) and FIFO line.
    pub(super) fn notify_group(&mut self, lp: &mut EventLoop, g: usize, state: State) {
        let name = &self.groups[g].name;
        let Some(cfg) = self.cfg.vrrp.sync_groups.iter().find(|x| x.name == *name) else {
            return;
        };
        if let Some(n) = Notice::group(&cfg.notify, name, state) {
            self.announce(lp, &n);
        }
    }

    pub(super) fn notify_lower_prio(&mut self, lp: &mut EventLoop, i: usize) {
        let inst = &self.insts[i];
        let v = &self.cfg.vrrp.instances[inst.idx];
        let n = Notice::lower_prio(&v.notify, &inst.name, inst.fsm.effective_priority());
        self.announce(lp, &n);
    }

    /// `notify_priority_changes`: the FIFO's MASTER_PRIORITY / BACKUP_PRIORITY line.
    pub(super) fn notify_priority(&mut self, i: usize, state: State, priority: u8) {
        let n = Notice::priority(&self.insts[i].name, state, priority);
        self.fifos.line(&n);
    }

    fn run_script(&mut self, lp: &mut EventLoop, cmd: &ScriptCmd, extra: &[String], who: &str) {
        let checked = self.checked(&cmd.cmd, &cmd.argv, cmd.run_as.as_ref(), "notify");
        let (Some((mut argv, uid, gid)), _) = checked else {
            return;
        };
        argv.extend(extra.iter().cloned());
        let _ = self.spawn(lp, argv, uid, gid, who);
    }

    fn spawn(
        &mut self,
        lp: &mut EventLoop,
        argv: Vec<String>,
        uid: u32,
        gid: u32,
        who: &str,
    ) -> Option<i32> {
        // SAFETY: plain getters.
        let (ruid, rgid) = unsafe { (libc::getuid(), libc::getgid()) };
        let spec = ScriptSpec {
            argv,
            shell: false,
            env: Vec::new(),
            uid: (uid != ruid).then_some(uid),
            gid: (gid != rgid).then_some(gid),
            timeout: None,
        };
        match self.scripts.run(lp, &spec, usize::MAX) {
            Ok(pid) => Some(pid),
            Err(e) => {
                warn!("({who}) cannot run {}: {e}", spec.argv[0]);
                None
            }
        }
    }

    /// At shutdown: lets the STOP scripts finish (up to keepalived's one second), then closes
    /// the FIFOs.
    pub(super) fn notify_shutdown(&mut self, lp: &mut EventLoop) {
        let until = Micros::now() + STOP_SCRIPT_WAIT;
        while !self.scripts.is_empty() && Micros::now() < until {
            let _ = self.scripts.reap_own(lp);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        self.fifos.close();
    }
}
