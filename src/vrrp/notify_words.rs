//! What a state change tells the outside world, worked out without I/O (keepalived 2.2.7's
//! vrrp_notify.c): the log lines (scripts grep them), the word for the state, the scripts
//! that run with their extra arguments, and the notify FIFO line. The shell logs, spawns the
//! scripts and writes the line.

use std::net::IpAddr;

use crate::config::track::ScriptCmd;
use crate::config::vrrp::Notify;
use crate::vrrp::fsm::{Action, Reason, State};

/// Whether a state change's lines come before the actions that go with it are carried out,
/// as keepalived logs a new state before what it does on entering it. Not so at start into
/// BACKUP, where leftover VIPs go first: that line comes in its place among the actions.
pub fn logged_up_front(to: State, reason: Reason) -> bool {
    reason != Reason::Startup || to == State::Fault
}

/// Whether an instance entering `to` for `reason` is held in FAULT at start: no state line,
/// and its FAULT notify waits for a weight-0 script's first failure. Only scripts that have
/// not reported yet hold it so (`only_unreported_scripts`), never a link that is down.
pub fn held_at_start(
    to: State,
    reason: Reason,
    only_unreported_scripts: bool,
    link_down: bool,
) -> bool {
    (to, reason) == (State::Fault, Reason::Startup) && only_unreported_scripts && !link_down
}

/// Where in an instance's actions "(NAME) sent 0 priority" goes: before its first
/// priority-0 advert, once however many go (MASTER to FAULT sends two), and nowhere when its
/// sync group took it out of MASTER (keepalived says nothing then).
pub fn sent_zero_line_at(acts: &[Action]) -> Option<usize> {
    let by_group = acts.iter().any(|a| {
        matches!(
            a,
            Action::StateChange {
                reason: Reason::SyncGroup,
                ..
            }
        )
    });
    let first = acts
        .iter()
        .position(|a| *a == Action::SendAdvert { priority: 0 });
    first.filter(|_| !by_group)
}

/// An instance's state change, with what its log lines depend on.
pub struct StateChange<'a> {
    pub name: &'a str,
    pub ifname: &'a str,
    pub from: State,
    pub to: State,
    pub reason: Reason,
    /// The same actions notify BACKUP (an owner passes through BACKUP silently at start).
    pub notifies_backup: bool,
    /// Held in FAULT at start until its weight-0 scripts report: no line.
    pub held: bool,
    /// Its interface is down.
    pub link_down: bool,
    /// The master it heard (address, priority) and its own effective priority.
    pub master: (Option<IpAddr>, u8),
    pub priority: u8,
}

/// The lines keepalived 2.2.7 logs for `c`, in order (none for some changes).
pub fn state_change_lines(c: &StateChange<'_>) -> Vec<String> {
    let name = c.name;
    let mut out = Vec::new();
    match (c.to, c.reason) {
        (State::Backup, Reason::Startup) if !c.notifies_backup => {}
        (State::Backup, Reason::Startup) => {
            out.push(format!("({name}) Entering BACKUP STATE (init)"))
        }
        // keepalived 2.2.7 logs no state line for it (its "(init)" line is for other cases).
        (State::Fault, Reason::Startup) if c.held => {}
        (State::Fault, Reason::Startup) => {
            if c.link_down {
                out.push(format!(
                    "({name}): entering FAULT state (interface {} down)",
                    c.ifname
                ));
            }
            out.push(format!("({name}) entering FAULT state"));
        }
        (State::Master, r) => {
            // Every takeover by the down timer, an owner's at start included.
            if matches!(
                r,
                Reason::MasterNoResponse | Reason::Preempted | Reason::Priority0
            ) {
                out.push(format!("({name}) Receive advertisement timeout"));
            }
            out.push(format!("({name}) Entering MASTER STATE"));
        }
        (State::Backup, Reason::HigherPriority | Reason::HigherAddress) => {
            if let (Some(a), prio) = c.master {
                out.push(format!(
                    "({name}) Master received advert from {a} with higher priority {prio}, ours {}",
                    c.priority
                ));
            }
            out.push(format!("({name}) Entering BACKUP STATE"));
        }
        (State::Stop, _) => {}
        // keepalived sets a dragged BACKUP's state before its leave-fault path: no line.
        (State::Fault, Reason::SyncGroup) if c.from != State::Master => {}
        _ if c.from != c.to => out.push(format!("({name}) Entering {} STATE", c.to.name())),
        _ => {}
    }
    out
}

/// One event to announce.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// "INSTANCE" or "GROUP".
    pub kind: &'static str,
    pub name: String,
    /// MASTER, BACKUP, FAULT, STOP, DELETED, MASTER_RX_LOWER_PRI, MASTER_PRIORITY...
    pub word: &'static str,
    /// The instance's effective priority (0 for a group).
    pub priority: u8,
    /// The script for this event, run without arguments.
    pub specific: Option<ScriptCmd>,
    /// The generic `notify` script, run with [`Notice::generic_args`].
    pub generic: Option<ScriptCmd>,
}

impl Notice {
    /// An instance entering `state`. `deleted`: it stops because a reload removed it, which
    /// reports DELETED with `notify_deleted`, else FAULT (keepalived's old way). None for INIT.
    pub fn instance(
        n: &Notify,
        name: &str,
        state: State,
        deleted: bool,
        priority: u8,
    ) -> Option<Notice> {
        let (word, specific) = match state {
            _ if deleted => match &n.deleted {
                Some(d) => ("DELETED", d),
                None => ("FAULT", &n.fault),
            },
            State::Master => ("MASTER", &n.master),
            State::Backup => ("BACKUP", &n.backup),
            State::Fault => ("FAULT", &n.fault),
            State::Stop => ("STOP", &n.stop),
            State::Init => return None,
        };
        Some(Notice {
            kind: "INSTANCE",
            name: name.to_string(),
            word,
            priority,
            specific: specific.clone(),
            generic: n.generic.clone(),
        })
    }

    /// A sync group entering `state` (priority 0). None for INIT.
    pub fn group(n: &Notify, name: &str, state: State) -> Option<Notice> {
        let specific = match state {
            State::Master => &n.master,
            State::Backup => &n.backup,
            State::Fault => &n.fault,
            State::Stop => &n.stop,
            State::Init => return None,
        };
        Some(Notice {
            kind: "GROUP",
            name: name.to_string(),
            word: state.name(),
            priority: 0,
            specific: specific.clone(),
            generic: n.generic.clone(),
        })
    }

    /// A MASTER heard a lower priority advert: its own script, no generic one.
    pub fn lower_prio(n: &Notify, name: &str, priority: u8) -> Notice {
        Notice {
            kind: "INSTANCE",
            name: name.to_string(),
            word: "MASTER_RX_LOWER_PRI",
            priority,
            specific: n.master_rx_lower_pri.clone(),
            generic: None,
        }
    }

    /// `notify_priority_changes`: a FIFO line only.
    pub fn priority(name: &str, state: State, priority: u8) -> Notice {
        let word = if state == State::Master {
            "MASTER_PRIORITY"
        } else {
            "BACKUP_PRIORITY"
        };
        Notice::fifo_only("INSTANCE", name, word, priority)
    }

    /// A FIFO line without scripts (the states written again on reload).
    pub fn fifo_only(kind: &'static str, name: &str, word: &'static str, priority: u8) -> Notice {
        Notice {
            kind,
            name: name.to_string(),
            word,
            priority,
            specific: None,
            generic: None,
        }
    }

    /// What the generic script gets after its own arguments: `TYPE NAME STATE PRIORITY`.
    pub fn generic_args(&self) -> [String; 4] {
        [
            self.kind.to_string(),
            self.name.clone(),
            self.word.to_string(),
            self.priority.to_string(),
        ]
    }

    /// `TYPE "NAME" STATE PRIORITY` and a newline, as one FIFO write.
    pub fn fifo_line(&self) -> String {
        format!(
            "{} \"{}\" {} {}\n",
            self.kind, self.name, self.word, self.priority
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_zero_is_said_once_before_the_first_zero_advert_unless_the_group_moved_it() {
        let change = |reason| Action::StateChange {
            from: State::Master,
            to: State::Fault,
            reason,
        };
        let zero = Action::SendAdvert { priority: 0 };
        let two = [change(Reason::Fault), Action::RemoveVips, zero, zero];
        assert_eq!(sent_zero_line_at(&two), Some(2));
        let by_group = [change(Reason::SyncGroup), zero];
        assert_eq!(sent_zero_line_at(&by_group), None);
        assert_eq!(
            sent_zero_line_at(&[Action::SendAdvert { priority: 100 }]),
            None
        );
        assert!(!logged_up_front(State::Backup, Reason::Startup));
        assert!(logged_up_front(State::Fault, Reason::Startup));
        assert!(logged_up_front(State::Backup, Reason::SyncGroup));
    }

    #[test]
    fn only_unreported_scripts_hold_a_start_in_fault() {
        assert!(held_at_start(State::Fault, Reason::Startup, true, false));
        assert!(
            !held_at_start(State::Fault, Reason::Startup, true, true),
            "link down"
        );
        assert!(!held_at_start(State::Fault, Reason::Startup, false, false));
        assert!(
            !held_at_start(State::Fault, Reason::Fault, true, false),
            "not at start"
        );
    }

    fn cmd(c: &str) -> ScriptCmd {
        ScriptCmd {
            cmd: c.into(),
            argv: vec![c.into()],
            ..ScriptCmd::default()
        }
    }

    #[test]
    fn a_deleted_instance_reports_fault_unless_notify_deleted_is_set() {
        let mut n = Notify {
            fault: Some(cmd("/f")),
            stop: Some(cmd("/s")),
            generic: Some(cmd("/g")),
            ..Notify::default()
        };
        let x = Notice::instance(&n, "VI_1", State::Stop, true, 100).expect("notice");
        assert_eq!((x.word, x.specific), ("FAULT", Some(cmd("/f"))));
        let x = Notice::instance(&n, "VI_1", State::Stop, false, 100).expect("notice");
        assert_eq!((x.word, x.specific), ("STOP", Some(cmd("/s"))));
        n.deleted = Some(None);
        let x = Notice::instance(&n, "VI_1", State::Stop, true, 100).expect("notice");
        assert_eq!((x.word, x.specific.is_none()), ("DELETED", true));
        assert_eq!(x.generic_args(), ["INSTANCE", "VI_1", "DELETED", "100"]);
        assert_eq!(Notice::instance(&n, "VI_1", State::Init, false, 1), None);
    }

    fn change(from: State, to: State, reason: Reason) -> StateChange<'static> {
        StateChange {
            name: "VI_1",
            ifname: "eth0",
            from,
            to,
            reason,
            notifies_backup: true,
            held: false,
            link_down: false,
            master: (Some(IpAddr::from([10, 0, 0, 2])), 200),
            priority: 100,
        }
    }

    #[test]
    fn state_lines_are_keepalived_s() {
        let c = change(State::Backup, State::Master, Reason::MasterNoResponse);
        assert_eq!(
            state_change_lines(&c),
            [
                "(VI_1) Receive advertisement timeout",
                "(VI_1) Entering MASTER STATE"
            ]
        );
        let c = change(State::Master, State::Backup, Reason::HigherPriority);
        assert_eq!(
            state_change_lines(&c),
            [
                "(VI_1) Master received advert from 10.0.0.2 with higher priority 200, ours 100",
                "(VI_1) Entering BACKUP STATE"
            ]
        );
        let mut c = change(State::Init, State::Fault, Reason::Startup);
        c.link_down = true;
        assert_eq!(
            state_change_lines(&c),
            [
                "(VI_1): entering FAULT state (interface eth0 down)",
                "(VI_1) entering FAULT state"
            ]
        );
        c.held = true;
        assert!(state_change_lines(&c).is_empty());
    }

    #[test]
    fn fifo_lines_quote_the_name() {
        let n = Notify::default();
        let g = Notice::group(&n, "G1", State::Backup).expect("notice");
        assert_eq!(g.fifo_line(), "GROUP \"G1\" BACKUP 0\n");
        let p = Notice::priority("VI_1", State::Master, 90);
        assert_eq!(p.fifo_line(), "INSTANCE \"VI_1\" MASTER_PRIORITY 90\n");
        let l = Notice::lower_prio(&n, "VI_1", 100);
        assert_eq!(l.fifo_line(), "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 100\n");
    }
}
