//! The cells of KEEPALIVED-MIB's vrrp tables, valued as keepalived 2.2.7 serves them, odd
//! ones included: states 0 init, 1 backup, 2 master, 3 fault, anything else 4; TruthValues
//! (1 true, 2 false) even where the MIB names other words; the advert interval in seconds for
//! VRRPv2 but centiseconds for VRRPv3; the auth type 0 for every VRRPv3 instance; accept 0
//! (not a TruthValue) for VRRPv2; "track primary interface" true when the instance tracks any
//! interface; a tracked file's weight the file's own, not the one the instance gave it; only
//! the first instance's VIPs "advertised".

use super::keepalived_vrrp_addresses::{address, static_address};
use super::keepalived_vrrp_tracked as tracked;
use super::keepalived_vrrp_values::{command, gauge, inet, inet_type, state, text, truth};
use crate::config::iproute::{Route, Rule};
use crate::config::track::{TrackRef, Weight};
use crate::config::vrrp::{AuthType, State as ConfState, SyncGroup as ConfGroup};
use crate::snmp::mib::Value;
use crate::vrrp::dump::{Instance, View};
use crate::vrrp::fsm::State;
use crate::vrrp::track::{Key, Level};

/// The tables served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Table {
    SyncGroup,
    SyncGroupMember,
    Instance,
    TrackedInterface,
    TrackedScript,
    Address,
    Route,
    Rule,
    Script,
    NextHop,
    TrackedFile,
    File,
    SyncTrackedInterface,
    SyncTrackedScript,
    SyncTrackedFile,
    TrackedBfd,
    Bfd,
    SyncTrackedBfd,
    TrackedProcess,
    Process,
    SyncTrackedProcess,
}

/// A row: its owner (instance, group, script or file, from 0) and, in the tables indexed by
/// owner and position, its position in the owner's list (from 0), and for a route's next hop
/// the hop's. Its index is each plus one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Row {
    pub(super) a: usize,
    pub(super) b: Option<usize>,
    pub(super) c: Option<usize>,
}

/// The owner of the static_ipaddress, static_routes and static_rules rows (index 0).
pub(super) const STATIC: usize = usize::MAX;

/// The config of running sync group `g` of the view.
pub(super) fn group_conf<'v>(v: &View<'v>, g: usize) -> Option<&'v ConfGroup> {
    let name = &v.groups.get(g)?.name;
    v.cfg.vrrp.sync_groups.iter().find(|c| &c.name == name)
}

fn used_by(
    v: &View<'_>,
    name: &str,
    list: fn(&crate::config::track::TrackList) -> &[TrackRef],
) -> bool {
    let named = |l: &[TrackRef]| l.iter().any(|r| r.name == name);
    v.iter().any(|i| named(list(&i.conf.track)))
        || (0..v.groups.len()).any(|g| group_conf(v, g).is_some_and(|c| named(list(&c.track))))
}

/// keepalived forgets a vrrp_script or track file nothing tracks.
pub(super) fn script_used(v: &View<'_>, s: usize) -> bool {
    let name = &v.cfg.vrrp.trackers.scripts[s].name;
    used_by(v, name, |l| &l.scripts)
}

pub(super) fn file_used(v: &View<'_>, f: usize) -> bool {
    let name = &v.cfg.vrrp.trackers.files[f].name;
    used_by(v, name, |l| &l.files)
}

/// The level of the script (or else file) named `name`, found without building a key.
fn level(v: &View<'_>, script: bool, name: &str) -> Option<Level> {
    let o = v.tracking.objs.iter().find(|o| match &o.key {
        Key::Script(n) => script && n == name,
        Key::File(n) => !script && n == name,
        _ => false,
    })?;
    Some(o.level)
}

/// A tracked object's weight: the one written after it, else the object's own.
fn weight_of(r: &TrackRef, own: Option<Weight>) -> Weight {
    r.weight.or(own).unwrap_or_default()
}

fn script_weight(v: &View<'_>, name: &str) -> Option<Weight> {
    let s = v
        .cfg
        .vrrp
        .trackers
        .scripts
        .iter()
        .find(|s| s.name == name)?;
    Some(s.weight)
}

fn file_weight(v: &View<'_>, name: &str) -> Option<Weight> {
    let f = v.cfg.vrrp.trackers.files.iter().find(|f| f.name == name)?;
    Some(f.weight)
}

/// A tracked interface, script or file row: name, weight, reverse.
fn tracked<'a>(name: &'a str, w: Weight, col: u32) -> Option<Value<'a>> {
    match col {
        1 => Some(text(name)),
        2 => Some(Value::Integer(w.weight)),
        3 => Some(truth(w.reverse)),
        _ => None,
    }
}

/// The value of column `col` of `row` of table `t`; None: keepalived serves nothing there.
pub(super) fn cell<'a>(
    v: &'a View<'_>,
    t: Table,
    col: u32,
    row: Row,
    scratch: &'a mut [u8],
) -> Option<Value<'a>> {
    let b = row.b.unwrap_or(0);
    match t {
        Table::SyncGroup => group(v, row.a, col, scratch),
        Table::SyncGroupMember => {
            let i = *v.groups.get(row.a)?.members.get(b)?;
            let name = v.get(i)?.name;
            (col == 2).then(|| text(name))
        }
        Table::Instance => instance(v, row.a, col, scratch),
        Table::TrackedInterface => {
            let r = v.get(row.a)?.conf.track.interfaces.get(b)?;
            tracked(&r.name, weight_of(r, None), col)
        }
        Table::TrackedScript => {
            let r = v.get(row.a)?.conf.track.scripts.get(b)?;
            tracked(
                &r.name,
                weight_of(r, script_weight(v, &r.name)),
                col.checked_sub(1)?,
            )
        }
        Table::TrackedFile => {
            let r = v.get(row.a)?.conf.track.files.get(b)?;
            tracked(
                &r.name,
                file_weight(v, &r.name).unwrap_or_default(),
                col.checked_sub(1)?,
            )
        }
        Table::SyncTrackedInterface => {
            let r = group_conf(v, row.a)?.track.interfaces.get(b)?;
            tracked(&r.name, weight_of(r, None), col)
        }
        Table::SyncTrackedScript => {
            let r = group_conf(v, row.a)?.track.scripts.get(b)?;
            tracked(
                &r.name,
                weight_of(r, script_weight(v, &r.name)),
                col.checked_sub(1)?,
            )
        }
        Table::SyncTrackedFile => {
            let r = group_conf(v, row.a)?.track.files.get(b)?;
            tracked(
                &r.name,
                file_weight(v, &r.name).unwrap_or_default(),
                col.checked_sub(1)?,
            )
        }
        Table::Address if row.a == STATIC => static_address(v, b, col, scratch),
        Table::Address => address(v, row.a, b, col, scratch),
        Table::Route => {
            let (r, set) = route(v, row.a, b)?;
            super::keepalived_vrrp_routes::cell(v, r, set, col, scratch)
        }
        Table::Rule => {
            let (r, set) = rule(v, row.a, b)?;
            super::keepalived_vrrp_rules::cell(v, r, set, col, scratch)
        }
        Table::NextHop => {
            let nh = route(v, row.a, b)?.0.nexthops.get(row.c?)?;
            super::keepalived_vrrp_routes::next_hop(v, nh, col, scratch)
        }
        Table::Script => script(v, row.a, col, scratch),
        Table::File => file(v, row.a, col),
        Table::TrackedBfd => tracked::tracked_bfd(v, v.get(row.a)?.conf.track.bfds.get(b)?, col),
        Table::SyncTrackedBfd => {
            tracked::tracked_bfd(v, group_conf(v, row.a)?.track.bfds.get(b)?, col)
        }
        Table::Bfd => tracked::bfd_row(v, row.a, col),
        Table::TrackedProcess => {
            tracked::tracked_process(v, v.get(row.a)?.conf.track.processes.get(b)?, col)
        }
        Table::SyncTrackedProcess => {
            tracked::tracked_process(v, group_conf(v, row.a)?.track.processes.get(b)?, col)
        }
        Table::Process => tracked::process_row(v, row.a, col, scratch),
    }
}

fn group<'a>(v: &'a View<'_>, g: usize, col: u32, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    let run = v.groups.get(g)?;
    let c = group_conf(v, g)?;
    let n = &c.notify;
    Some(match col {
        2 => text(&run.name),
        3 => state(run.state()),
        4 => truth(c.smtp_alert.unwrap_or(false)),
        5 => truth(n.slots().iter().any(|s| s.is_some())),
        6 => command(n.master.as_ref()?, scratch)?,
        7 => command(n.backup.as_ref()?, scratch)?,
        8 => command(n.fault.as_ref()?, scratch)?,
        9 => command(n.generic.as_ref()?, scratch)?,
        10 => truth(c.sync_group_tracking_weight),
        11 => command(n.stop.as_ref()?, scratch)?,
        _ => return None,
    })
}

fn instance<'a>(v: &'a View<'_>, i: usize, col: u32, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    let inst: &Instance<'_> = &v.get(i)?;
    let c = inst.conf;
    let f = inst.fsm;
    let fc = f.config();
    let v3 = fc.version == 3;
    let n = &c.notify;
    let e = &v.cfg.global.email;
    Some(match col {
        2 => text(inst.name),
        3 => gauge(inst.vrid.into()),
        4 => state(f.state()),
        5 => state(match c.resolved.state.or(c.state) {
            Some(ConfState::Master) => State::Master,
            _ => State::Backup,
        }),
        6 => state(f.wantstate()),
        7 => Value::Integer(f.base_priority().into()),
        8 => Value::Integer(f.effective_priority().into()),
        9 => truth(f.vips_set()),
        10 if !inst.ifname.is_empty() => text(inst.ifname),
        11 => truth(!c.track.interfaces.is_empty()),
        12 if v3 => gauge(fc.advert_int.0 / 10_000),
        12 => gauge(fc.advert_int.as_secs()),
        13 => truth(!fc.nopreempt),
        14 => gauge(fc.preempt_delay.as_secs()),
        15 if v3 => Value::Integer(0),
        15 => Value::Integer(match c.auth.and_then(|a| a.auth_type) {
            None => 0,
            Some(AuthType::Pass) => 1,
            Some(AuthType::Ah) => 2,
        }),
        16 => truth(lvs_sync(v, inst).is_some()),
        17 => text(lvs_sync(v, inst)?),
        18 => text(&v.groups.iter().find(|g| g.contains(i))?.name),
        19 => gauge(fc.garp_master_delay.as_secs()),
        20 => truth(
            c.smtp_alert
                .or(e.smtp_alert_vrrp)
                .or(e.smtp_alert)
                .unwrap_or(false),
        ),
        21 => truth(n.slots().iter().any(|s| s.is_some())),
        22 => command(n.master.as_ref()?, scratch)?,
        23 => command(n.backup.as_ref()?, scratch)?,
        24 => command(n.fault.as_ref()?, scratch)?,
        25 => command(n.stop.as_ref()?, scratch)?,
        26 => command(n.generic.as_ref()?, scratch)?,
        27 if v3 => truth(c.resolved.accept),
        27 => Value::Integer(0),
        28 => truth(c.promote_secondaries),
        29 => truth(c.linkbeat_use_polling),
        30 => Value::Integer(fc.version.into()),
        31 => command(n.master_rx_lower_pri.as_ref()?, scratch)?,
        32 => command(n.deleted.as_ref()?.as_ref()?, scratch)?,
        33 => truth(n.deleted.is_some()),
        34 if !fc.unicast => inet_type(&inst.group),
        35 if !fc.unicast => inet(&inst.group, scratch),
        _ => return None,
    })
}

/// The interface of `lvs_sync_daemon` when it names this instance.
fn lvs_sync<'a>(v: &'a View<'_>, inst: &Instance<'_>) -> Option<&'a str> {
    let s = v.cfg.global.lvs.sync_daemon.as_ref()?;
    (s.vrrp_instance.as_deref() == Some(inst.name)).then_some(s.interface.as_str())
}

fn script<'a>(v: &'a View<'_>, s: usize, col: u32, scratch: &'a mut [u8]) -> Option<Value<'a>> {
    let sc = v.cfg.vrrp.trackers.scripts.get(s)?;
    Some(match col {
        2 => text(&sc.name),
        3 => command(&sc.script, scratch)?,
        4 => Value::Integer(i32::try_from(sc.interval.as_secs()).unwrap_or(i32::MAX)),
        5 => Value::Integer(sc.weight.weight),
        6 => Value::Integer(match level(v, true, &sc.name)? {
            Level::Up => 3,
            Level::Down => 2,
            _ => 1,
        }),
        7 => gauge(sc.rise.into()),
        8 => gauge(sc.fall.into()),
        9 => truth(sc.weight.reverse),
        _ => return None,
    })
}

fn file<'a>(v: &'a View<'_>, s: usize, col: u32) -> Option<Value<'a>> {
    let tf = v.cfg.vrrp.trackers.files.get(s)?;
    Some(match col {
        2 => text(&tf.name),
        3 => text(&tf.file),
        4 => Value::Integer(match level(v, false, &tf.name)? {
            Level::Value(x) => i32::try_from(x).unwrap_or(if x < 0 { i32::MIN } else { i32::MAX }),
            _ => 0,
        }),
        5 => Value::Integer(tf.weight.weight),
        6 => truth(tf.weight.reverse),
        _ => return None,
    })
}

/// Route `k` of instance `i` (or of static_routes) and whether it is set.
fn route<'v>(v: &'v View<'_>, i: usize, k: usize) -> Option<(&'v Route, bool)> {
    if i == STATIC {
        return Some((v.cfg.net.routes.get(k)?, true));
    }
    let inst = &v.get(i)?;
    Some((inst.conf.routes.get(k)?, inst.fsm.vips_set()))
}

/// Rule `k` of instance `i` (or of static_rules) and whether it is set.
fn rule<'v>(v: &'v View<'_>, i: usize, k: usize) -> Option<(&'v Rule, bool)> {
    if i == STATIC {
        return Some((v.cfg.net.rules.get(k)?, true));
    }
    let inst = &v.get(i)?;
    Some((inst.conf.rules.get(k)?, inst.fsm.vips_set()))
}
