//! Notify scripts and FIFOs for instances and sync groups (keepalived's vrrp_notify.c): what
//! to say comes from crate::vrrp::notify_words; this runs the scripts and writes the lines.
//!
//! Every script is checked once, before its first run, as keepalived checks them at start
//! (core::script_security): refused scripts never run, and each refusal is logged with why.
//! Scripts run as their `script_user`, else as `keepalived_script` when that user exists, else
//! as root; with `enable_script_security` and neither user, keepalived refuses them all.

use log::{info, warn};

use super::fifo::{FifoPlan, Fifos};
use crate::config::global::{Fifo, GlobalDefs};
use crate::config::track::ScriptCmd;
use crate::core::event_loop::EventLoop;
use crate::core::script::{self, ScriptRunner, ScriptSpec};
use crate::core::script_security::{self, Verdict};
use crate::core::time::Micros;
use crate::vrrp::notify_words::Notice;

/// The user keepalived runs scripts as when `script_user` is not given, if it exists.
const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// How long the STOP scripts get at shutdown before we exit (keepalived's TIMER_HZ).
const STOP_SCRIPT_WAIT: Micros = Micros::from_secs(1);

/// A checked script, ready to run (None: refused).
type Checked = Option<(Vec<String>, u32, u32)>;

/// The notify side of the VRRP child: scripts checked so far, by command line, the default
/// user, the open FIFOs and their readers.
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
    pub held_stops: Vec<usize>,
    /// The FIFO reader scripts started (pids), terminated on reload.
    readers: Vec<i32>,
    pub fifos: Fifos,
}

/// notify_fifo then vrrp_notify_fifo, with the word their log lines use.
fn fifo_plans(g: &GlobalDefs) -> [FifoPlan<'_>; 2] {
    [
        FifoPlan {
            fifo: &g.fifos.any,
            kind: "",
        },
        FifoPlan {
            fifo: &g.fifos.vrrp,
            kind: "vrrp_",
        },
    ]
}

impl NotifyScripts {
    /// The default script user, worked out once.
    fn default_user(&mut self, g: &GlobalDefs) -> Option<(u32, u32)> {
        if let Some(d) = self.default_user {
            return d;
        }
        let security = g.enable_script_security;
        let d = match &g.script_user {
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
        self.default_user = Some(d);
        d
    }

    /// The (uid, gid) a script runs as: `run_as`, else the default user; None: refused.
    pub fn user_for(
        &mut self,
        g: &GlobalDefs,
        run_as: Option<&(String, Option<String>)>,
    ) -> Option<(u32, u32)> {
        match run_as {
            Some(u) => script::user_ids(u),
            None => self.default_user(g),
        }
    }

    /// Checks `argv` (once per command line and user) and returns what to run, as whom.
    fn checked(
        &mut self,
        g: &GlobalDefs,
        key: &str,
        argv: &[String],
        run_as: Option<&(String, Option<String>)>,
        what: &str,
    ) -> (Checked, Verdict) {
        let key = checked_key(key, run_as);
        if let Some((_, c)) = self.checked.iter().find(|(k, _)| *k == key) {
            return (c.clone(), Verdict::default());
        }
        let mut argv = argv.to_vec();
        let user = self.user_for(g, run_as);
        let (c, v) = match (argv.first().cloned(), user) {
            (None, _) => (None, Verdict::default()),
            (Some(a0), None) => {
                info!("Failed to set default user for {what} script {a0} - ignoring");
                (None, Verdict::default())
            }
            (Some(mut a0), Some((uid, gid))) => {
                let security = g.enable_script_security;
                let v = script_security::check_script(&mut a0, uid, gid, security);
                argv[0] = a0;
                if v.may_run() {
                    (Some((argv, uid, gid)), v)
                } else {
                    (None, v)
                }
            }
        };
        self.checked.push((key, c.clone()));
        (c, v)
    }

    /// What notify script `c` runs (its program as found, keepalived's args after
    /// check_script_secure) and as whom; None: not checked, or refused.
    pub fn resolved(&self, c: &ScriptCmd) -> Option<(&[String], u32, u32)> {
        let key = checked_key(&c.cmd, c.run_as.as_ref());
        let (_, checked) = self.checked.iter().find(|(k, _)| *k == key)?;
        checked
            .as_ref()
            .map(|(argv, u, g)| (argv.as_slice(), *u, *g))
    }

    /// After a reload every script is checked again (files and users may have changed).
    pub fn forget_checks(&mut self) {
        self.checked.clear();
        self.default_user = None;
    }

    /// Checks `cmds` (the notify scripts of the running instances and groups) and the FIFO
    /// readers, logging each refusal, and warns when scripts run without script security.
    pub fn check_all(&mut self, g: &GlobalDefs, cmds: &[&ScriptCmd]) {
        let mut all = Verdict::default();
        for c in cmds {
            let (_, v) = self.checked(g, &c.cmd, &c.argv, c.run_as.as_ref(), "notify");
            all.merge(v);
        }
        for p in fifo_plans(g) {
            if let (Some(_), Some((argv, user))) = (&p.fifo.name, &p.fifo.script) {
                let (_, v) = self.checked(g, &argv.join(" "), argv, user.as_ref(), "notify_fifo");
                all.merge(v);
            }
        }
        if !g.enable_script_security && all.is_script {
            warn!("{}", script_security::violation_line(all.insecure));
        }
    }

    /// Opens `g`'s FIFOs, starting their readers.
    pub fn open_fifos(
        &mut self,
        g: &GlobalDefs,
        scripts: &mut ScriptRunner<usize>,
        lp: &mut EventLoop,
    ) {
        for plan in fifo_plans(g) {
            self.open_fifo(g, &plan, scripts, lp);
        }
    }

    fn open_fifo(
        &mut self,
        g: &GlobalDefs,
        plan: &FifoPlan<'_>,
        scripts: &mut ScriptRunner<usize>,
        lp: &mut EventLoop,
    ) {
        let f: &Fifo = plan.fifo;
        let owner = match &f.owner {
            Some((u, g)) => script::resolve_user(u, g.as_deref()).ok(),
            None => self.default_user(g),
        };
        let mut readers = Vec::new();
        self.fifos.open(plan, owner, &mut |argv| readers.push(argv));
        let user = f.script.as_ref().and_then(|(_, u)| u.clone());
        for argv in readers {
            // The key is the command without the FIFO name, as checked above.
            let key = argv[..argv.len() - 1].join(" ");
            let checked = self.checked(g, &key, &argv, user.as_ref(), "notify_fifo");
            if let (Some((argv0, uid, gid)), _) = checked {
                let mut run = argv0;
                if let Some(name) = argv.last() {
                    run.push(name.clone());
                }
                if let Some(pid) = spawn(scripts, lp, run, uid, gid, "notify_fifo_script") {
                    self.readers.push(pid);
                }
            }
        }
    }

    /// On reload, before anything changes: keepalived terminates the FIFO readers, closes the
    /// FIFOs (removing those it made) and opens `new`'s (when it runs instances), starting
    /// their readers again, so the reload's own lines go to the new ones.
    pub fn reload_fifos(
        &mut self,
        new: &crate::config::Config,
        scripts: &mut ScriptRunner<usize>,
        lp: &mut EventLoop,
    ) {
        // keepalived SIGTERMs its scripts at reload, the readers among them (ours still
        // running: an exited one's pid is not reused while we have not reaped it).
        let running = scripts.pids();
        for pid in self.readers.drain(..) {
            if running.contains(&pid) {
                // SAFETY: plain syscall on the reader's process group.
                unsafe { libc::kill(-pid, libc::SIGTERM) };
            }
        }
        self.fifos.close();
        if new.vrrp.instances.is_empty() {
            return;
        }
        self.open_fifos(&new.global, scripts, lp);
    }

    /// Runs the notice's scripts (the generic one with its arguments) and writes its FIFO
    /// line.
    pub fn announce(
        &mut self,
        g: &GlobalDefs,
        scripts: &mut ScriptRunner<usize>,
        lp: &mut EventLoop,
        n: &Notice,
    ) {
        if let Some(cmd) = &n.specific {
            self.run(g, scripts, lp, cmd, &[], &n.name);
        }
        if let Some(cmd) = &n.generic {
            self.run(g, scripts, lp, cmd, &n.generic_args(), &n.name);
        }
        self.fifos.line(n);
    }

    fn run(
        &mut self,
        g: &GlobalDefs,
        scripts: &mut ScriptRunner<usize>,
        lp: &mut EventLoop,
        cmd: &ScriptCmd,
        extra: &[String],
        who: &str,
    ) {
        let checked = self.checked(g, &cmd.cmd, &cmd.argv, cmd.run_as.as_ref(), "notify");
        let (Some((mut argv, uid, gid)), _) = checked else {
            return;
        };
        argv.extend(extra.iter().cloned());
        let _ = spawn(scripts, lp, argv, uid, gid, who);
    }

    /// At shutdown: lets the STOP scripts finish (up to keepalived's one second), then closes
    /// the FIFOs.
    pub fn shutdown(&mut self, scripts: &mut ScriptRunner<usize>, lp: &mut EventLoop) {
        let until = Micros::now() + STOP_SCRIPT_WAIT;
        while !scripts.is_empty() && Micros::now() < until {
            let _ = scripts.reap_own(lp);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        self.fifos.close();
    }
}

fn spawn(
    scripts: &mut ScriptRunner<usize>,
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
    match scripts.run(lp, &spec, usize::MAX) {
        Ok(pid) => Some(pid),
        Err(e) => {
            warn!("({who}) cannot run {}: {e}", spec.argv[0]);
            None
        }
    }
}

/// A checked script's entry: its command line and the user it runs as.
fn checked_key(cmd: &str, run_as: Option<&(String, Option<String>)>) -> String {
    match run_as {
        None => format!("{cmd}\0"),
        Some((u, None)) => format!("{cmd}\0{u}"),
        Some((u, Some(g))) => format!("{cmd}\0{u}\0{g}"),
    }
}
