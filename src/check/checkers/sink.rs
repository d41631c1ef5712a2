//! A [`Sink`] that only logs what the IPVS manager would do with the checkers' results:
//! the checker child uses it until IPVS is driven for real.

use log::info;

use super::names;
use super::rs::{per_real_server, RsNews, RsPool};
use crate::check::{CheckerId, Sink};
use crate::config::Config;

struct Names {
    rs: String,
    vs: String,
    inhibit: bool,
    /// The weight IPVS would hold (0 when the effective weight is negative).
    weight: i64,
}

pub struct LogSink {
    pool: RsPool,
    names: Vec<Vec<Names>>,
}

impl LogSink {
    pub fn new(cfg: &Config) -> LogSink {
        let names = per_real_server(cfg, |vs, rs| Names {
            rs: names::rs_name(vs, rs),
            vs: names::vs_name(vs),
            inhibit: rs.inhibit_on_failure.unwrap_or(vs.inhibit_on_failure),
            weight: i64::from(rs.weight.unwrap_or(vs.weight)),
        });
        LogSink {
            pool: RsPool::new(cfg),
            names,
        }
    }
}

impl Sink for LogSink {
    fn checker_changed(&mut self, id: CheckerId, up: bool) {
        let RsNews::Changed(alive) = self.pool.report(id, up, false) else {
            return;
        };
        let Some(n) = self.names.get(id.vs).and_then(|v| v.get(id.rs)) else {
            return;
        };
        let (verb, prep) = match (alive, n.inhibit) {
            (true, false) => ("Adding", "to"),
            (true, true) => ("Enabling", "of"),
            (false, false) => ("Removing", "from"),
            (false, true) => ("Disabling", "of"),
        };
        info!("{verb} service {} {prep} VS {}", n.rs, n.vs);
    }

    fn checker_adopted(&mut self, id: CheckerId, up: bool) {
        let _ = self.pool.report(id, up, false);
    }

    fn weight_changed(&mut self, id: CheckerId, weight: i64) {
        let alive = self.pool.alive(id.vs, id.rs);
        let Some(n) = self.names.get_mut(id.vs).and_then(|v| v.get_mut(id.rs)) else {
            return;
        };
        let new = weight.clamp(0, i64::from(i32::MAX));
        if new != n.weight {
            info!(
                "Changing weight from {} to {new} for {}active service {} of VS {}",
                n.weight,
                if alive { "" } else { "in" },
                n.rs,
                n.vs
            );
            n.weight = new;
        }
    }
}
