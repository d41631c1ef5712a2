//! SMTP alerts of the checker child: a real server's checker going up or down (keepalived's
//! per-checker mails, with the checker's own body) and a virtual server's quorum
//! (ipwrapper.c's do_vs_notifies). [`CheckAlerts`] words them from what the real servers'
//! side reports; the loop sends them through its `core::smtp::driver::Alerts`.

use crate::check::checkers::failure::Words;
use crate::check::checkers::{names, DownReason};
use crate::check::CheckerId;
use crate::config::checker::CheckerKind;
use crate::config::Config;
use crate::core::smtp::{message, Mail};

#[derive(Default)]
pub(crate) struct CheckAlerts {
    router_id: String,
    no_checker_emails: bool,
    /// Per virtual server: its name, its smtp_alert, and per real server its name, its
    /// smtp_alert and its checkers' (up, down) bodies.
    vs: Vec<(String, bool, Vec<Rs>)>,
    /// Why the checker whose change comes next went down (`down_reason`).
    down: Option<(CheckerId, DownReason)>,
    out: Vec<Mail>,
}

struct Rs {
    name: String,
    on: bool,
    bodies: Vec<Option<(&'static str, &'static str)>>,
    /// Per checker: the `bfd_instance` a BFD_CHECK watches, whose name its bodies carry.
    bfd: Vec<Option<String>>,
}

/// keepalived's bodies for a checker that succeeded and failed (FILE_CHECK mails nothing).
fn bodies(k: &CheckerKind) -> Option<(&'static str, &'static str)> {
    Some(match k {
        CheckerKind::Tcp => (
            "=> TCP CHECK succeed on service <=",
            "=> TCP CHECK failed on service <=",
        ),
        CheckerKind::Http(_) | CheckerKind::Ssl(_) => (
            "=> CHECK succeed on service <=",
            "=> CHECK failed on service : HTTP request failed <=",
        ),
        CheckerKind::Smtp(_) => (
            "=> CHECK succeed on service <=",
            "=> CHECK failed on service <=",
        ),
        CheckerKind::Misc(_) => (
            "=> MISC CHECK succeeded on service <=",
            "=> MISC CHECK failed on service <=",
        ),
        CheckerKind::Dns(_) => (
            "=> DNS_CHECK: succeed on service <=",
            "=> DNS_CHECK: failed on service <=",
        ),
        CheckerKind::Udp(_) => (
            "=> UDP CHECK succeed on service <=",
            "=> UDP CHECK failed on service <=",
        ),
        CheckerKind::Ping => (
            "=> ICMP CHECK succeed on service <=",
            "=> ICMP CHECK failed on service <=",
        ),
        // Worded with the session's name when mailed (see `body`).
        CheckerKind::Bfd(_) => ("", ""),
        CheckerKind::File(_) => return None,
    })
}

impl CheckAlerts {
    /// What `cfg` mails; empty (nothing to word) without smtp_server or notification_email.
    pub(crate) fn new(cfg: &Config, router_id: &str) -> CheckAlerts {
        let e = &cfg.global.email;
        let own = |x: Option<bool>| x.or(e.smtp_alert_checker).or(e.smtp_alert);
        // Loops, not nested map/collect chains: measured smaller.
        let mut vs = Vec::with_capacity(cfg.lvs.virtual_servers.len());
        for v in &cfg.lvs.virtual_servers {
            let mut rss = Vec::with_capacity(v.real_servers.len());
            for rs in &v.real_servers {
                let mut texts = Vec::with_capacity(rs.checkers.len());
                let mut bfd = Vec::with_capacity(rs.checkers.len());
                for c in &rs.checkers {
                    texts.push(bodies(&c.kind));
                    bfd.push(match &c.kind {
                        CheckerKind::Bfd(b) => Some(b.name.clone()),
                        _ => None,
                    });
                }
                rss.push(Rs {
                    name: names::rs_name(v, rs),
                    // keepalived's one default that is on (check_data.c).
                    on: own(rs.smtp_alert).unwrap_or(true),
                    bodies: texts,
                    bfd,
                });
            }
            vs.push((names::vs_name(v), own(v.smtp_alert).unwrap_or(false), rss));
        }
        CheckAlerts {
            router_id: router_id.to_string(),
            no_checker_emails: e.no_checker_emails,
            vs,
            down: None,
            out: Vec::new(),
        }
    }

    /// Checker `id` goes down for `why`: its mail, next, says so as keepalived words it.
    pub(crate) fn down_reason(&mut self, id: CheckerId, why: DownReason) {
        self.down = Some((id, why));
    }

    /// Checker `id` changed to `up` by a check; its real server was `was_alive` and is
    /// `alive` now. Mailed when the server's state changed, or for every checker without
    /// no_checker_emails.
    pub(crate) fn checker(&mut self, id: CheckerId, up: bool, was_alive: bool, alive: bool) {
        let why = self.down.take().filter(|(i, _)| *i == id && !up);
        let Some((vs_name, _, rss)) = self.vs.get(id.vs) else {
            return;
        };
        let Some(rs) = rss.get(id.rs) else {
            return;
        };
        let Some(Some((ok, fail))) = rs.bodies.get(id.ck) else {
            return;
        };
        if !rs.on || (was_alive == alive && self.no_checker_emails) {
            return;
        }
        let body = match (why.map(|(_, w)| w), rs.bfd.get(id.ck)) {
            // SMTP_CHECK's own body (check_smtp.c): the failure and the host it was on.
            (Some(DownReason::Smtp(f, at)), _) => format!(
                "=> CHECK failed on service : {} [{}]:{} <=",
                f.worded(Words::Smtp),
                at.ip(),
                at.port()
            ),
            (Some(DownReason::MiscTimedOut), _) => "=> MISC CHECK timed out on service <=".into(),
            (None, Some(Some(name))) => {
                let word = if up { "succeeded" } else { "failed" };
                format!("=> BFD CHECK {name} {word} on service <=")
            }
            (None, _) if up => ok.to_string(),
            (None, _) => fail.to_string(),
        };
        let m = message::real_server(&self.router_id, &rs.name, vs_name, alive, &body);
        self.out.push(m);
    }

    /// A reload removed real server `rs` of `vs` (indices of the config before it) while it
    /// was alive: keepalived's "Removing" mail.
    pub(crate) fn removed(&mut self, vs: usize, rs: usize) {
        let Some((vs_name, _, rss)) = self.vs.get(vs) else {
            return;
        };
        if let Some(rs) = rss.get(rs).filter(|r| r.on) {
            let m =
                message::real_server(&self.router_id, &rs.name, vs_name, false, "=> Removing <=");
            self.out.push(m);
        }
    }

    /// Words the next mails as `new` (a reload's config) says; mails not yet sent stay.
    pub(crate) fn reload(&mut self, new: CheckAlerts) {
        let out = std::mem::take(&mut self.out);
        *self = new;
        self.out.splice(0..0, out);
    }

    /// Virtual server `vs` gained or lost its quorum: `f` is quorum, hysteresis, the
    /// threshold compared with and the live weight.
    pub(crate) fn quorum(&mut self, vs: usize, up: bool, init: bool, f: [i64; 4]) {
        if let Some((name, true, _)) = self.vs.get(vs) {
            let m = message::quorum(&self.router_id, name, up, init, f);
            self.out.push(m);
        }
    }

    /// Whether mails wait to be taken.
    pub(crate) fn any(&self) -> bool {
        !self.out.is_empty()
    }

    /// The mails worded since the last call.
    pub(crate) fn take(&mut self) -> std::vec::Drain<'_, Mail> {
        self.out.drain(..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::checkers::Failure;

    fn alerts(extra: &str) -> CheckAlerts {
        let text = format!(
            "global_defs {{\n notification_email {{\n a@b\n }}\n smtp_server 127.0.0.1\n{extra}}}\n\
             virtual_server 10.0.0.1 80 {{\n protocol TCP\n real_server 10.0.0.2 80 {{\n \
             TCP_CHECK {{\n }}\n HTTP_GET {{\n url {{\n path /\n }}\n }}\n SMTP_CHECK {{\n }}\n \
             MISC_CHECK {{\n misc_path /bin/true\n }}\n }}\n}}\n"
        );
        let mut d = crate::config::Diagnostics::new();
        let nodes = crate::config::reader::tree_from_str(&text, 0, &mut d);
        let cfg = crate::config::from_tree(&nodes, &mut d);
        assert!(!d.has_errors(), "{:?}", d.items());
        CheckAlerts::new(&cfg, "lb")
    }

    const TCP: CheckerId = CheckerId {
        vs: 0,
        rs: 0,
        ck: 0,
    };
    const HTTP: CheckerId = CheckerId {
        vs: 0,
        rs: 0,
        ck: 1,
    };

    #[test]
    fn every_checker_change_is_mailed_by_default_with_its_own_body() {
        let mut a = alerts("");
        a.checker(TCP, false, true, false);
        a.checker(HTTP, false, false, false);
        let m: Vec<Mail> = a.take().collect();
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].subject,
            "[lb] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN"
        );
        assert_eq!(m[0].body, "=> TCP CHECK failed on service <=");
        assert_eq!(
            m[1].body,
            "=> CHECK failed on service : HTTP request failed <="
        );
    }

    #[test]
    fn smtp_and_misc_checks_say_why_they_went_down_as_keepalived_does() {
        let (smtp, misc) = (CheckerId { ck: 2, ..TCP }, CheckerId { ck: 3, ..TCP });
        let mut a = alerts("");
        let at = "10.0.0.2:25".parse().expect("addr");
        a.down_reason(smtp, DownReason::Smtp(Failure::ReadTimeout, at));
        a.checker(smtp, false, true, false);
        a.down_reason(misc, DownReason::MiscTimedOut);
        a.checker(misc, false, false, false);
        // A reason left for another checker, or a checker coming up, words nothing.
        a.down_reason(smtp, DownReason::MiscTimedOut);
        a.checker(misc, true, false, true);
        a.checker(smtp, false, true, false);
        let bodies: Vec<String> = a.take().map(|m| m.body).collect();
        assert_eq!(
            bodies,
            [
                "=> CHECK failed on service : Read timeout from server [10.0.0.2]:25 <=",
                "=> MISC CHECK timed out on service <=",
                "=> MISC CHECK succeeded on service <=",
                "=> CHECK failed on service <=",
            ]
        );
    }

    #[test]
    fn a_reload_that_removes_an_alive_real_server_mails_removing() {
        let mut a = alerts("");
        a.removed(0, 0);
        a.reload(alerts(" smtp_alert_checker off\n"));
        a.removed(0, 0);
        let m: Vec<Mail> = a.take().collect();
        assert_eq!(m.len(), 1);
        assert!(m[0].subject.ends_with(" - DOWN"), "{}", m[0].subject);
        assert_eq!(m[0].body, "=> Removing <=");
    }

    #[test]
    fn no_checker_emails_mails_only_when_the_real_server_changes() {
        let mut a = alerts(" no_checker_emails\n");
        a.checker(TCP, false, true, false);
        a.checker(HTTP, false, false, false);
        assert_eq!(a.take().count(), 1);
    }

    #[test]
    fn smtp_alert_checker_off_silences_real_servers_and_quorum_is_off_by_default() {
        let mut a = alerts(" smtp_alert_checker off\n");
        a.checker(TCP, false, true, false);
        a.quorum(0, false, false, [1, 0, 1, 0]);
        assert_eq!(a.take().count(), 0);
        let mut a = alerts("");
        a.quorum(0, false, false, [1, 0, 1, 0]);
        assert_eq!(a.take().count(), 0);
    }
}

#[cfg(test)]
mod bfd_tests {
    use super::*;

    #[test]
    fn a_bfd_check_mail_names_its_bfd_instance() {
        let text = "global_defs {\n notification_email {\n a@b\n }\n smtp_server 127.0.0.1\n}\n\
                    bfd_instance up1 {\n neighbor_ip 10.0.0.9\n}\n\
                    virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n \
                    BFD_CHECK {\n name up1\n }\n }\n}\n";
        let mut d = crate::config::Diagnostics::new();
        let nodes = crate::config::reader::tree_from_str(text, 0, &mut d);
        let cfg = crate::config::from_tree(&nodes, &mut d);
        assert!(!d.has_errors(), "{:?}", d.items());
        let mut a = CheckAlerts::new(&cfg, "lb");
        let id = CheckerId {
            vs: 0,
            rs: 0,
            ck: 0,
        };
        a.checker(id, false, true, false);
        a.checker(id, true, false, true);
        let m: Vec<Mail> = a.take().collect();
        assert_eq!(m.len(), 2);
        assert!(m[0].subject.ends_with(" - DOWN"), "{}", m[0].subject);
        assert_eq!(m[0].body, "=> BFD CHECK up1 failed on service <=");
        assert_eq!(m[1].body, "=> BFD CHECK up1 succeeded on service <=");
    }
}
