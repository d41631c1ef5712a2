//! What the routers run: the lab topology, `vrrp_instance` configs, and the protocol timers the
//! tests derive their deadlines from.

use crate::lab::Lab;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    Pass,
    Ah,
}

/// How the two routers' `eth0` are joined: a veth pair, or a bridge in namespace "sw" (needed
/// when one side's link goes down: a veth peer would lose its carrier too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wiring {
    Veth,
    Switch,
}

/// Router `host` (1, 2, ...) of the lab subnet.
pub fn addr(family: Family, host: u8) -> String {
    match family {
        Family::V4 => format!("10.7.0.{host}"),
        Family::V6 => format!("fd00::{host}"),
    }
}

pub fn vip(family: Family) -> &'static str {
    match family {
        Family::V4 => "10.7.0.100",
        Family::V6 => "fd00::100",
    }
}

/// Namespaces `r1`, `r2`, ... with `eth0` on one link, addresses 10.7.0.N/24 and fd00::N/64 (plus
/// link-local). DAD is off so IPv6 sources are usable at once.
pub fn routers_lab(name: &str, hosts: u8, wiring: Wiring) -> Lab {
    let mut lab = Lab::new(name);
    let names: Vec<String> = (1..=hosts).map(|h| format!("r{h}")).collect();
    for ns in &names {
        for scope in ["all", "default"] {
            let key = format!("net.ipv6.conf.{scope}.accept_dad=0");
            lab.exec_ok(ns, &["sysctl", "-qw", &key]);
        }
    }
    match wiring {
        Wiring::Veth => {
            assert_eq!(hosts, 2, "a veth pair joins two routers");
            lab.veth(("r1", "eth0"), ("r2", "eth0"));
        }
        Wiring::Switch => {
            let members: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "eth0")).collect();
            lab.switch("sw", &members);
        }
    }
    for (i, ns) in names.iter().enumerate() {
        let host = i as u8 + 1;
        lab.addr(ns, "eth0", &format!("{}/24", addr(Family::V4, host)));
        lab.addr(ns, "eth0", &format!("{}/64", addr(Family::V6, host)));
    }
    lab
}

/// One `vrrp_instance VI_1` on `eth0` of router `host`, peering with the `peers` hosts.
#[derive(Clone, Debug)]
pub struct Instance {
    pub host: u8,
    pub peers: Vec<u8>,
    pub version: u8,
    pub family: Family,
    pub unicast: bool,
    pub auth: Auth,
    pub priority: u8,
    /// Seconds; v2 takes whole seconds.
    pub advert_int: f64,
    pub nopreempt: bool,
    pub preempt_delay: Option<f64>,
    pub vrid: u8,
}

impl Instance {
    /// v3 over IPv4 multicast, advert_int 0.2 s, between hosts 1 and 2.
    pub fn new(host: u8, priority: u8) -> Instance {
        Instance {
            host,
            peers: vec![3 - host],
            version: 3,
            family: Family::V4,
            unicast: false,
            auth: Auth::None,
            priority,
            advert_int: 0.2,
            nopreempt: false,
            preempt_delay: None,
            vrid: 51,
        }
    }

    /// VRRPv2 needs whole seconds.
    pub fn v2(mut self) -> Instance {
        self.version = 2;
        self.advert_int = self.advert_int.ceil().max(1.0);
        self
    }

    pub fn vip(&self) -> &'static str {
        vip(self.family)
    }

    pub fn master_down(&self) -> Duration {
        master_down(self.version, self.advert_int, self.priority)
    }

    pub fn config(&self) -> String {
        let mut c = String::new();
        // Writing to a String cannot fail.
        let _ = write!(
            c,
            "global_defs {{\n  router_id r{}\n}}\n\
             vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id {}\n  \
             priority {}\n  advert_int {}\n  version {}\n",
            self.host, self.vrid, self.priority, self.advert_int, self.version
        );
        if self.nopreempt {
            c.push_str("  nopreempt\n");
        }
        if let Some(d) = self.preempt_delay {
            let _ = writeln!(c, "  preempt_delay {d}");
        }
        match self.auth {
            Auth::None => {}
            Auth::Pass => {
                c.push_str("  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n")
            }
            Auth::Ah => {
                c.push_str("  authentication {\n    auth_type AH\n    auth_pass s3cret\n  }\n")
            }
        }
        if self.unicast {
            let _ = writeln!(c, "  unicast_src_ip {}", addr(self.family, self.host));
            c.push_str("  unicast_peer {\n");
            for p in &self.peers {
                let _ = writeln!(c, "    {}", addr(self.family, *p));
            }
            c.push_str("  }\n");
        }
        let len = if self.family == Family::V4 { 24 } else { 64 };
        let _ = write!(
            c,
            "  virtual_ipaddress {{\n    {}/{len} dev eth0\n  }}\n}}\n",
            self.vip()
        );
        c
    }
}

/// Skew_Time: v2 counts (256 - P)/256 s whatever the interval; v3 scales it by the interval.
pub fn skew(version: u8, advert_int: f64, priority: u8) -> Duration {
    let unit = if version == 2 { 1.0 } else { advert_int };
    Duration::from_secs_f64(f64::from(256 - u32::from(priority)) * unit / 256.0)
}

/// Master_Down_Interval = 3 × advert_int + Skew_Time: how long a backup waits for a silent master.
pub fn master_down(version: u8, advert_int: f64, priority: u8) -> Duration {
    Duration::from_secs_f64(3.0 * advert_int) + skew(version, advert_int, priority)
}

/// How long to watch a pair elected from a simultaneous start: past the loser's own
/// Master_Down_Interval (a backup ignoring the master's adverts would have taken over by then),
/// plus one advert.
pub fn after_election(winner: &Instance, loser: &Instance) -> Duration {
    loser.master_down().saturating_sub(winner.master_down())
        + Duration::from_secs_f64(winner.advert_int)
        + Duration::from_millis(300)
}

/// How long to watch after a takeover: a demoted router ignoring the new master's adverts would
/// come back within its Master_Down_Interval.
pub fn after_takeover(loser: &Instance) -> Duration {
    loser.master_down() + Duration::from_millis(300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_down_follows_the_rfc_formulas() {
        // 3 × 1 s + (256 - 100)/256 s.
        assert_eq!(master_down(2, 1.0, 100), Duration::from_micros(3_609_375));
        assert_eq!(master_down(3, 1.0, 100), Duration::from_micros(3_609_375));
        // v3 scales the skew with the interval; v2 does not.
        assert_eq!(skew(3, 0.5, 0), Duration::from_millis(500));
        assert_eq!(skew(2, 2.0, 0), Duration::from_secs(1));
    }

    #[test]
    fn config_names_what_the_instance_uses() {
        let mut i = Instance::new(1, 200).v2();
        i.unicast = true;
        i.auth = Auth::Ah;
        i.nopreempt = true;
        let c = i.config();
        for want in [
            "version 2",
            "advert_int 1\n",
            "priority 200",
            "auth_type AH",
            "unicast_src_ip 10.7.0.1",
            "    10.7.0.2\n",
            "10.7.0.100/24 dev eth0",
            "nopreempt",
        ] {
            assert!(c.contains(want), "{want:?} missing from\n{c}");
        }
    }
}
