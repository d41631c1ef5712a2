//! The JSON signal's status file, as keepalived writes it (vrrp_json.c): compact, keys in its
//! order, its number formats (`%g` times, 0/1 flags where it writes integers). Version 1 is
//! 2.2.7's array of instances (what OpenWrt's LuCI reads); version 2 (keepalived 2.2.8+)
//! wraps it as `{"vrrp":[...]}`, lists each instance's tracked processes and the processes
//! themselves, and hides the password as keepalived's later releases do.

use std::fmt::Write as _;

use super::{cfmt, data, route_text, Instance, View};
use crate::config::track::{ParamMatch, ScriptCmd};
use crate::config::vrrp::AuthType;
use crate::vrrp::fsm::State;
use crate::vrrp::track::{Key, Level};

/// In the dump directory unless `json_dump_file` says otherwise.
pub const JSON_FILE: &str = "keepalived.json";

/// How a script's program shows: keepalived prints the path it resolved at load time (PATH
/// search, symbolic links followed); None for a program it would have dropped.
pub type ScriptPath<'a> = &'a dyn Fn(&str) -> Option<String>;

/// keepalived's streaming writer: a comma before every item but the first of its container.
struct Writer {
    s: String,
    sep: bool,
}

impl Writer {
    fn item(&mut self) {
        if self.sep {
            self.s.push(',');
        }
        self.sep = true;
    }

    fn open(&mut self, c: char) {
        self.item();
        self.s.push(c);
        self.sep = false;
    }

    fn close(&mut self, c: char) {
        self.s.push(c);
        self.sep = true;
    }

    fn key(&mut self, k: &str) -> &mut Self {
        self.item();
        quote(k, &mut self.s);
        self.s.push(':');
        self.sep = false;
        self
    }

    fn str(&mut self, v: &str) {
        self.item();
        quote(v, &mut self.s);
    }

    fn uint(&mut self, v: u64) {
        self.item();
        let _ = write!(self.s, "{v}");
    }

    fn int(&mut self, v: i64) {
        self.item();
        let _ = write!(self.s, "{v}");
    }

    fn bool(&mut self, v: bool) {
        self.item();
        self.s.push_str(if v { "true" } else { "false" });
    }

    /// `%g`, keepalived's float format.
    fn float(&mut self, v: f64) {
        self.item();
        cfmt::g(v, &mut self.s);
    }

    /// `k: [items]`, left out when empty as keepalived does.
    fn list<T>(&mut self, k: &str, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        if items.is_empty() {
            return;
        }
        self.key(k).open('[');
        for x in items {
            each(self, x);
        }
        self.close(']');
    }
}

/// A JSON string with keepalived's escapes (it also escapes `/`). Unlike keepalived, a
/// backslash is written as `\\` (it writes `\n`) and other control characters as `\u00XX`
/// (it writes them raw), so the file always parses.
pub(super) fn quote(v: &str, s: &mut String) {
    s.push('"');
    for c in v.chars() {
        match c {
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\u{c}' => s.push_str("\\f"),
            '\u{8}' => s.push_str("\\b"),
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '/' => s.push_str("\\/"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

/// keepalived's cmd_str: each word in single quotes, except a leading redirection.
fn cmd_str(argv: &[String], path: ScriptPath<'_>) -> Option<String> {
    let first = argv.first()?;
    let prog = if first.starts_with(['<', '>']) {
        first.clone()
    } else {
        format!("'{}'", path(first)?)
    };
    let mut t = prog;
    for a in &argv[1..] {
        let _ = write!(t, " '{a}'");
    }
    Some(t)
}

/// keepalived's state numbers.
fn state_code(s: State) -> u64 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Stop => 98,
    }
}

/// The file's text for `version` (1 or 2); None when no instance runs (keepalived then
/// writes nothing).
pub fn text(v: &View<'_>, version: u8, path: ScriptPath<'_>) -> Option<String> {
    if v.insts.is_empty() {
        return None;
    }
    let mut w = Writer {
        s: String::with_capacity(2048 * v.insts.len()),
        sep: false,
    };
    let v2 = version == 2;
    if v2 {
        w.open('{');
        w.key("vrrp");
    }
    w.open('[');
    for i in 0..v.insts.len() {
        w.open('{');
        data(&mut w, v, i, v2, path);
        stats(&mut w, &v.insts[i], v2);
        w.close('}');
    }
    w.close(']');
    if v2 {
        processes(&mut w, v);
        w.close('}');
    }
    w.s.push('\n');
    Some(w.s)
}

fn data(w: &mut Writer, view: &View<'_>, i: usize, v2: bool, path: ScriptPath<'_>) {
    let inst = &view.insts[i];
    let (v, f) = (inst.conf, inst.fsm);
    let c = f.config();
    let g = &view.cfg.global;
    let secs = |t: crate::core::time::Micros| t.0 as f64 / 1e6;
    w.key("data").open('{');
    w.key("iname").str(inst.name);
    let skip = v.skip_check_adv_addr || g.vrrp.skip_check_adv_addr;
    w.key("dont_track_primary")
        .uint(v.dont_track_primary.into());
    w.key("skip_check_adv_addr").uint(skip.into());
    w.key("strict_mode").uint(v.resolved.strict.into());
    let vmac = inst.vmac_ifindex.and_then(|x| view.ifaces.by_index(x));
    let vmac_name = match (&v.use_vmac, vmac) {
        (_, Some(f)) => f.name.clone(),
        (Some(vm), None) => vm
            .ifname
            .clone()
            .unwrap_or_else(|| format!("vrrp.{}", inst.vrid)),
        (None, None) => String::new(),
    };
    w.key("vmac_ifname").str(&vmac_name);
    match vmac {
        Some(f) => w.key("ifp_ifname").str(&f.name),
        None if !inst.ifname.is_empty() => w.key("ifp_ifname").str(inst.ifname),
        None => {}
    }
    w.key("master_priority").uint(f.master().1.into());
    w.key("last_transition").item();
    let t = inst.last_transition;
    let _ = write!(w.s, "{}.{:06}", t.as_secs(), t.subsec_micros());
    w.key("garp_delay").float(secs(c.garp_master_delay));
    w.key("garp_refresh").uint(c.garp_master_refresh.as_secs());
    w.key("garp_rep").uint(c.garp_master_repeat.into());
    w.key("garp_refresh_rep")
        .uint(c.garp_master_refresh_repeat.into());
    w.key("garp_lower_prio_delay")
        .uint(c.garp_lower_prio_delay.as_secs());
    w.key("garp_lower_prio_rep")
        .uint(c.garp_lower_prio_repeat.into());
    w.key("lower_prio_no_advert")
        .uint(c.lower_prio_no_advert.into());
    w.key("higher_prio_send_advert")
        .uint(c.higher_prio_send_advert.into());
    w.key("vrid").uint(inst.vrid.into());
    w.key("base_priority").uint(f.base_priority().into());
    w.key("effective_priority")
        .uint(f.effective_priority().into());
    w.key("vipset").bool(f.vips_set());
    w.key("promote_secondaries").bool(v.promote_secondaries);
    w.key("adver_int").float(secs(c.advert_int));
    w.key("master_adver_int").float(secs(f.master_adver_int()));
    w.key("accept").uint(v.resolved.accept.into());
    w.key("nopreempt").bool(c.nopreempt);
    w.key("preempt_delay").uint(c.preempt_delay.as_secs());
    w.key("state").uint(state_code(f.state()));
    w.key("wantstate").uint(state_code(f.wantstate()));
    w.key("version").uint(c.version.into());
    let e = &g.email;
    let smtp = v.smtp_alert.or(e.smtp_alert_vrrp).or(e.smtp_alert);
    w.key("smtp_alert").bool(smtp.unwrap_or(false));
    w.key("notify_deleted").bool(v.notify.deleted.is_some());
    let n = &v.notify;
    let scripts: [(&str, Option<&ScriptCmd>); 7] = [
        ("script_backup", n.backup.as_ref()),
        ("script_master", n.master.as_ref()),
        ("script_fault", n.fault.as_ref()),
        ("script_stop", n.stop.as_ref()),
        (
            "script_deleted",
            n.deleted.as_ref().and_then(Option::as_ref),
        ),
        ("script", n.generic.as_ref()),
        ("script_master_rx_lower_pri", n.master_rx_lower_pri.as_ref()),
    ];
    for (k, sc) in scripts {
        if let Some(t) = sc.and_then(|sc| cmd_str(&sc.argv, path)) {
            w.key(k).str(&t);
        }
    }
    let mut buf = String::new();
    let mut addrs = |w: &mut Writer, k: &str, list: &[_], skip: usize| {
        let devs = inst.vip_ifindex.iter().skip(skip);
        let with_dev: Vec<_> = list
            .iter()
            .zip(devs.chain(std::iter::repeat(&None)))
            .collect();
        w.list(k, &with_dev, |w, (a, dev)| {
            buf.clear();
            data::address_text(view, inst, a, **dev, &mut buf);
            w.str(&buf);
        });
    };
    addrs(w, "vips", &v.vips, 0);
    addrs(w, "evips", &v.evips, v.vips.len());
    let mut buf = String::new();
    w.list("vroutes", &v.routes, |w, r| {
        buf.clear();
        route_text::route(r, &mut buf);
        w.str(&buf);
    });
    w.list("vrules", &v.rules, |w, r| {
        buf.clear();
        route_text::rule(r, &mut buf);
        w.str(&buf);
    });
    let t = view.tracking;
    let named = |want: fn(&Key) -> Option<&String>| -> Vec<&String> {
        t.links(i)
            .iter()
            .filter_map(|l| want(&t.objs[l.obj].key))
            .collect()
    };
    let ifs = named(|k| match k {
        Key::Interface(n) => Some(n),
        _ => None,
    });
    w.list("track_ifp", &ifs, |w, n| w.str(n));
    let scripts = named(|k| match k {
        Key::Script(n) => Some(n),
        _ => None,
    });
    let cmds: Vec<String> = scripts
        .iter()
        .filter_map(|n| {
            view.cfg
                .vrrp
                .trackers
                .scripts
                .iter()
                .find(|s| s.name == **n)
        })
        .filter_map(|s| cmd_str(&s.script.argv, &|p| Some(path(p).unwrap_or(p.into()))))
        .collect();
    w.list("track_script", &cmds, |w, c| w.str(c));
    if v2 {
        let procs = named(|k| match k {
            Key::Process(n) => Some(n),
            _ => None,
        });
        w.list("track_process", &procs, |w, n| w.str(n));
    }
    let (code, pass) = match &v.auth {
        Some(a) if a.auth_type == Some(AuthType::Pass) => (1, Some(&a.pass)),
        Some(a) if a.auth_type == Some(AuthType::Ah) => (2, Some(&a.pass)),
        _ => (0, None),
    };
    w.key("auth_type").uint(code);
    if let Some(p) = pass {
        let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
        let shown = if v2 {
            "********".into()
        } else {
            String::from_utf8_lossy(&p[..end])
        };
        w.key("auth_data").str(&shown);
    }
    w.close('}');
}

fn stats(w: &mut Writer, inst: &Instance<'_>, v2: bool) {
    let (st, d) = (inst.fsm.stats(), inst.drops);
    w.key("stats").open('{');
    let mut rows = vec![
        ("advert_rcvd", st.adverts_rx),
        ("advert_sent", st.adverts_sent),
        ("become_master", st.become_master),
        ("release_master", st.release_master),
        ("packet_len_err", d.length),
        ("advert_interval_err", d.interval),
        ("ip_ttl_err", d.ttl),
        ("invalid_type_rcvd", d.invalid_type),
        ("addr_list_err", d.addr_list),
        ("invalid_authtype", d.auth_invalid_type),
        ("authtype_mismatch", d.auth_type_mismatch),
        ("auth_failure", d.auth_failure),
    ];
    if v2 {
        // Newer keepalived's authentication extension, which nothing here speaks: no
        // packet of it is ever counted.
        for k in [
            "auth_ext_missing",
            "auth_ext_malformed",
            "auth_ext_unknown_key",
            "auth_ext_invalid_hmac",
            "auth_ext_stale",
            "auth_ext_replay",
        ] {
            rows.push((k, 0));
        }
    }
    rows.push(("pri_zero_rcvd", st.pri_zero_rx));
    rows.push(("pri_zero_sent", st.pri_zero_sent));
    for (k, n) in rows {
        w.key(k).uint(n);
    }
    w.close('}');
}

/// Version 2's `track_process` array: each vrrp_track_process something tracks.
fn processes(w: &mut Writer, v: &View<'_>) {
    let t = v.tracking;
    let used: Vec<_> = v
        .cfg
        .vrrp
        .trackers
        .processes
        .iter()
        .filter_map(|p| {
            let o = t
                .objs
                .iter()
                .find(|o| o.key == Key::Process(p.name.clone()))?;
            Some((p, o.level))
        })
        .collect();
    w.list("track_process", &used, |w, (p, level)| {
        let secs = |d: Option<crate::core::time::Micros>| d.map_or(0.0, |d| d.0 as f64 / 1e6);
        w.open('{');
        w.key("process").str(&p.process);
        if !p.params.is_empty() {
            w.key("parameters").str(&p.params.join(" "));
        }
        let m = match p.param_match {
            ParamMatch::None => "none",
            ParamMatch::Exact => "exact",
            ParamMatch::Partial => "partial",
            ParamMatch::Initial => "initial",
        };
        w.key("param_match").str(m);
        w.key("min_processes").uint(p.quorum.into());
        if p.quorum_max < u32::MAX {
            w.key("max_processes").uint(p.quorum_max.into());
        }
        w.key("have_quorum").bool(*level == Level::Up);
        let wt = p.weight;
        let signed = if wt.reverse { -wt.weight } else { wt.weight };
        w.key("weight").int(signed.into());
        w.key("terminate_delay").float(secs(p.terminate_delay));
        w.key("fork_delay").float(secs(p.fork_delay));
        w.key("full_command").bool(p.full_command);
        w.close('}');
    });
}
