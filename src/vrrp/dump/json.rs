//! The JSON signal's status file, as keepalived writes it (vrrp_json.c): compact, keys in its
//! order, its number formats (`%g` times, 0/1 flags where it writes integers). Version 1 is
//! 2.2.7's array of instances (what OpenWrt's LuCI reads); version 2 (keepalived 2.2.8+)
//! wraps it as `{"vrrp":[...]}`, lists each instance's tracked processes and the processes
//! themselves, and hides the password as keepalived's later releases do.

use std::fmt::Write as _;

use super::{data, route_text, Instance, View};
use crate::config::track::{ParamMatch, ScriptCmd};
use crate::config::vrrp::AuthType;
use crate::core::decimal;
use crate::core::time::Micros;
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

    /// `%g` of a time in seconds, keepalived's float format.
    fn secs(&mut self, t: Micros) {
        self.item();
        decimal::push_g(&mut self.s, t.0, 1_000_000);
    }

    /// `k: [strings]`, left out when empty as keepalived does.
    fn strs(&mut self, k: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.key(k).open('[');
        for x in items {
            self.str(x);
        }
        self.close(']');
    }

    /// `k: v`, one writer per kind of value. Kept out of line: one small call per field is
    /// the smallest code on routers (measured against a table of fields and against inlined
    /// writes; one writer taking an enum of the kinds, passed through the stack, was 848 B
    /// larger on x86_64).
    #[inline(never)]
    fn ku(&mut self, k: &str, v: u64) {
        self.key(k);
        self.uint(v);
    }

    #[inline(never)]
    fn ki(&mut self, k: &str, v: i64) {
        self.key(k);
        self.int(v);
    }

    #[inline(never)]
    fn kf(&mut self, k: &str, t: Micros) {
        self.key(k);
        self.secs(t);
    }

    #[inline(never)]
    fn kb(&mut self, k: &str, v: bool) {
        self.key(k);
        self.bool(v);
    }

    #[inline(never)]
    fn ks(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
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
pub(super) fn cmd_str(argv: &[String], path: ScriptPath<'_>) -> Option<String> {
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
    if v.is_empty() {
        return None;
    }
    let mut w = Writer {
        s: String::with_capacity(2048 * v.len()),
        sep: false,
    };
    let v2 = version == 2;
    if v2 {
        w.open('{');
        w.key("vrrp");
    }
    w.open('[');
    for i in 0..v.len() {
        w.open('{');
        data(&mut w, v, i, v2, path);
        stats(&mut w, &v.inst(i), v2);
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

#[inline(never)] // One per item: see core::dump_line.
fn data(w: &mut Writer, view: &View<'_>, i: usize, v2: bool, path: ScriptPath<'_>) {
    let inst = &view.inst(i);
    let (v, f) = (inst.conf, inst.fsm);
    let c = f.config();
    let g = &view.cfg.global;
    w.key("data").open('{');
    let skip = v.skip_check_adv_addr || g.vrrp.skip_check_adv_addr;
    let vmac = inst.vmac_ifindex.and_then(|x| view.ifaces.by_index(x));
    let vmac_name = match (&v.use_vmac, vmac) {
        (_, Some(f)) => f.name.clone(),
        (Some(vm), None) => vm
            .ifname
            .clone()
            .unwrap_or_else(|| format!("vrrp.{}", inst.vrid)),
        (None, None) => String::new(),
    };
    w.ks("iname", inst.name);
    w.ku("dont_track_primary", v.dont_track_primary.into());
    w.ku("skip_check_adv_addr", skip.into());
    w.ku("strict_mode", v.resolved.strict.into());
    w.ks("vmac_ifname", &vmac_name);
    // keepalived's ifp is the VMAC when there is one.
    let ifp = vmac.map_or(inst.ifname, |f| f.name.as_str());
    if !ifp.is_empty() {
        w.ks("ifp_ifname", ifp);
    }
    w.ku("master_priority", f.master().1.into());
    w.key("last_transition").item();
    let t = inst.last_transition;
    let _ = write!(w.s, "{}.{:06}", t.as_secs(), t.subsec_micros());
    let e = &g.email;
    let smtp = v.smtp_alert.or(e.smtp_alert_vrrp).or(e.smtp_alert);
    w.kf("garp_delay", c.garp_master_delay);
    w.ku("garp_refresh", c.garp_master_refresh.as_secs());
    w.ku("garp_rep", c.garp_master_repeat.into());
    w.ku("garp_refresh_rep", c.garp_master_refresh_repeat.into());
    w.ku("garp_lower_prio_delay", c.garp_lower_prio_delay.as_secs());
    w.ku("garp_lower_prio_rep", c.garp_lower_prio_repeat.into());
    w.ku("lower_prio_no_advert", c.lower_prio_no_advert.into());
    w.ku("higher_prio_send_advert", c.higher_prio_send_advert.into());
    w.ku("vrid", inst.vrid.into());
    w.ku("base_priority", f.base_priority().into());
    w.ku("effective_priority", f.effective_priority().into());
    w.kb("vipset", f.vips_set());
    w.kb("promote_secondaries", v.promote_secondaries);
    w.kf("adver_int", c.advert_int);
    w.kf("master_adver_int", f.master_adver_int());
    w.ku("accept", v.resolved.accept.into());
    w.kb("nopreempt", c.nopreempt);
    w.ku("preempt_delay", c.preempt_delay.as_secs());
    w.ku("state", state_code(f.state()));
    w.ku("wantstate", state_code(f.wantstate()));
    w.ku("version", c.version.into());
    w.kb("smtp_alert", smtp.unwrap_or(false));
    w.kb("notify_deleted", v.notify.deleted.is_some());
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
            w.ks(k, &t);
        }
    }
    let mut list = Vec::new();
    let all = v.vips.iter().chain(&v.evips);
    for (k, a) in all.enumerate() {
        let mut t = String::new();
        let dev = view.vip_ifindex(i, k);
        data::address_text(view, inst, a, dev, &mut t);
        list.push(t);
    }
    let evips = list.split_off(v.vips.len().min(list.len()));
    w.strs("vips", &list);
    w.strs("evips", &evips);
    list.clear();
    for r in &v.routes {
        let mut t = String::new();
        route_text::route(r, &mut t);
        list.push(t);
    }
    w.strs("vroutes", &list);
    list.clear();
    for r in &v.rules {
        let mut t = String::new();
        route_text::rule(r, &mut t);
        list.push(t);
    }
    w.strs("vrules", &list);
    // Tracked objects by kind, as keepalived's lists: interfaces, scripts, processes.
    let mut kinds: [Vec<String>; 3] = Default::default();
    let t = view.tracking;
    for l in t.links(i) {
        let (k, name) = match &t.objs[l.obj].key {
            Key::Interface(n) => (0, n.clone()),
            Key::Script(n) => {
                let sc = view.cfg.vrrp.trackers.scripts.iter().find(|s| s.name == *n);
                let shown = |p: &str| Some(path(p).unwrap_or_else(|| p.to_string()));
                match sc.and_then(|sc| cmd_str(&sc.script.argv, &shown)) {
                    Some(c) => (1, c),
                    None => continue,
                }
            }
            Key::Process(n) => (2, n.clone()),
            _ => continue,
        };
        kinds[k].push(name);
    }
    w.strs("track_ifp", &kinds[0]);
    w.strs("track_script", &kinds[1]);
    if v2 {
        w.strs("track_process", &kinds[2]);
    }
    let (code, pass) = match &v.auth {
        Some(a) if a.auth_type == Some(AuthType::Pass) => (1, Some(&a.pass)),
        Some(a) if a.auth_type == Some(AuthType::Ah) => (2, Some(&a.pass)),
        _ => (0, None),
    };
    w.ku("auth_type", code);
    if let Some(p) = pass {
        let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
        let shown = if v2 {
            "********".into()
        } else {
            String::from_utf8_lossy(&p[..end])
        };
        w.ks("auth_data", &shown);
    }
    w.close('}');
}

#[inline(never)] // One per item: see core::dump_line.
fn stats(w: &mut Writer, inst: &Instance<'_>, v2: bool) {
    let (st, d) = (inst.fsm.stats(), inst.drops);
    w.key("stats").open('{');
    w.ku("advert_rcvd", st.adverts_rx);
    w.ku("advert_sent", st.adverts_sent);
    w.ku("become_master", st.become_master);
    w.ku("release_master", st.release_master);
    w.ku("packet_len_err", d.length);
    w.ku("advert_interval_err", d.interval);
    w.ku("ip_ttl_err", d.ttl);
    w.ku("invalid_type_rcvd", d.invalid_type);
    w.ku("addr_list_err", d.addr_list);
    w.ku("invalid_authtype", d.auth_invalid_type);
    w.ku("authtype_mismatch", d.auth_type_mismatch);
    w.ku("auth_failure", d.auth_failure);
    if v2 {
        // Newer keepalived's authentication extension, which nothing here speaks: no
        // packet of it is ever counted.
        w.ku("auth_ext_missing", 0);
        w.ku("auth_ext_malformed", 0);
        w.ku("auth_ext_unknown_key", 0);
        w.ku("auth_ext_invalid_hmac", 0);
        w.ku("auth_ext_stale", 0);
        w.ku("auth_ext_replay", 0);
    }
    w.ku("pri_zero_rcvd", st.pri_zero_rx);
    w.ku("pri_zero_sent", st.pri_zero_sent);
    w.close('}');
}

/// Version 2's `track_process` array: each vrrp_track_process something tracks. Not
/// written: the live process count and delay timers, which the tracking core does not keep.
fn processes(w: &mut Writer, v: &View<'_>) {
    let t = v.tracking;
    let mut head = false;
    for p in &v.cfg.vrrp.trackers.processes {
        let key = Key::Process(p.name.clone());
        let Some(o) = t.objs.iter().find(|o| o.key == key) else {
            continue;
        };
        if !head {
            w.key("track_process").open('[');
            head = true;
        }
        w.open('{');
        w.ks("process", &p.process);
        let params = p.params.join(" ");
        if !params.is_empty() {
            w.ks("parameters", &params);
        }
        let m = match p.param_match {
            ParamMatch::None => "none",
            ParamMatch::Exact => "exact",
            ParamMatch::Partial => "partial",
            ParamMatch::Initial => "initial",
        };
        w.ks("param_match", m);
        w.ku("min_processes", p.quorum.into());
        if p.quorum_max < u32::MAX {
            w.ku("max_processes", p.quorum_max.into());
        }
        let wt = p.weight;
        let signed = if wt.reverse { -wt.weight } else { wt.weight };
        let delay = |d: Option<Micros>| d.unwrap_or(Micros::ZERO);
        w.kb("have_quorum", o.level == Level::Up);
        w.ki("weight", signed.into());
        w.kf("terminate_delay", delay(p.terminate_delay));
        w.kf("fork_delay", delay(p.fork_delay));
        w.kb("full_command", p.full_command);
        w.close('}');
    }
    if head {
        w.close(']');
    }
}
